"""An OpenAI-compatible chat-completions endpoint (the shape vLLM serves) that answers in MolmoAct's output format
(molmoact.md section 4), for Benchtop's client tests. A tiny deterministic "model" reads image 1 (a PNG data URL),
makes actions from its mean colour, and encodes them with MolmoAct's training-side tokenizer (section 8: q01/q99
normalisation, gripper as 1 - a, numpy digitize over linspace(-1, 1, 256), token = vocab string of V - d) using
the Qwen2 action token table. Binds 127.0.0.1 only.

Each answer also carries "benchtop_actions": the continuous actions before tokenisation (gripper as 1 - a), so a
test can check the client's decoding to within half a bin. Instructions containing "bimanual" use the left/right
trace phrasing; "malformed" answers without an action list; "huge" answers 2 MB of text; "unknown token" puts a
non-action string in the first step; "bad depth" sends 98 depth codes. With --log-pixels the debug log keeps each image's decoded RGB bytes (base64).
"""
import argparse
import base64
import io
import json
import os

from common import announce, loopback_socket, require

require("numpy", "fastapi", "uvicorn", "PIL")

import numpy as np  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from PIL import Image  # noqa: E402

V = 151643
HERE = os.path.dirname(os.path.abspath(__file__))


def load_tokens():
    table = {}
    with open(os.path.join(HERE, "qwen2-action-tokens.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            i, _, tok = line.rstrip("\n").split("\t")
            table[int(i)] = tok
    return table


def encode(action, q01, q99):
    """molmoact preprocess/processors.py ActionProcessor, 7-D: dims 0-5 by q01/q99, gripper as 1 - a."""
    a = np.asarray(action, dtype=np.float64)
    n = np.clip(2 * (a[:6] - q01[:6]) / (q99[:6] - q01[:6] + 1e-8) - 1, -1, 1)
    n = np.concatenate([n, np.clip([1 - a[6]], -1, 1)])
    bins = np.linspace(-1, 1, 256)
    d = np.digitize(n, bins)
    return V - d


def make_app(stats, steps, model, log_pixels=False):
    tokens = load_tokens()
    q01, q99 = np.asarray(stats["q01"]), np.asarray(stats["q99"])
    app = FastAPI()
    log = []

    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "benchtop"}]}

    @app.get("/debug/log")
    def debug():
        return log

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        b = json.loads(await request.body())
        if b.get("model") != model:
            return JSONResponse({"error": {"message": f"model {b.get('model')!r} does not exist"}}, status_code=404)
        content = b["messages"][0]["content"]
        images, text = [], None
        for part in content:
            if part["type"] == "image_url":
                url = part["image_url"]["url"]
                assert url.startswith("data:image/png;base64,"), url[:40]
                images.append(np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")))
            elif part["type"] == "text":
                text = part["text"]
        means = [float(im.astype(np.float64).mean()) for im in images]
        log.append({"prompt": text, "sizes": [list(im.shape) for im in images], "means": means,
                    "temperature": b.get("temperature"), "max_tokens": b.get("max_tokens"),
                    "pixels": [base64.b64encode(np.ascontiguousarray(im).tobytes()).decode() for im in images] if log_pixels else [],
                    "cyan_pixels": int(((images[0][..., 0] == 0) & (images[0][..., 1] == 255) & (images[0][..., 2] == 255)).sum())})
        instruction = text.split("The task is ", 1)[1].split(".", 1)[0]
        m = means[0] / 255
        actions = []
        for j in range(steps):
            frac = [((m * 0.8 + 0.1 + 0.05 * d + 0.013 * j) % 1.0) for d in range(6)]
            a = list(q01[:6] + (q99[:6] - q01[:6]) * np.asarray(frac)) + [1.0 if (len(log) + j) % 3 == 0 else 0.0]
            actions.append(a)
        groups = ["[" + ", ".join(tokens[int(i)] for i in encode(a, q01, q99)) + "]" for a in actions]
        action_text = groups[0] if steps == 1 else "[" + ", ".join(groups) + "]"
        depth = "<DEPTH_START>" + "".join(f"<DEPTH_{(i * 3 + int(means[0])) % 128}>" for i in range(100)) + "<DEPTH_END>"
        trace = "[[" + "],[".join(f"{int(10 + 40 * k + m * 20)},{int(200 - 30 * k)}" for k in range(5)) + "]]"
        if "Notice that the trajectory" in text:
            answer = f"Based on the image and the annotated trajectory of the end effector, the action that the robot should take is {action_text}."
        elif "bimanual" in instruction:
            answer = (f"The depth map of the image is {depth}. The trajectory of the left end effector is {trace}. "
                      f"The trajectory of the right end effector is {trace}. Based on this information, the action that the robot should take is {action_text}.")
        else:
            answer = (f" The depth map of the first image is {depth}. The trajectory of the end effector in the first image is {trace}. "
                      f"Based on these information, along with other images from different camera views as additional information, "
                      f"the action that the robot should take is {action_text}.")
        if "bad depth" in instruction:
            short = "<DEPTH_START>" + "".join(f"<DEPTH_{(i * 3 + int(means[0])) % 128}>" for i in range(98)) + "<DEPTH_END>"
            answer = answer.replace(depth, short, 1)
        if "unknown token" in instruction:
            first = groups[0][1:-1].split(", ")
            first[2] = "notatoken"
            groups[0] = "[" + ", ".join(first) + "]"
            action_text = groups[0] if steps == 1 else "[" + ", ".join(groups) + "]"
            answer = answer.rsplit(" is [", 1)[0] + " is " + action_text + "."
        if "huge" in instruction:
            answer = answer + " " + "x" * (2 << 20)
        if "malformed" in instruction:
            answer = answer.split(" the action that the robot should take")[0] + " I am not sure."
        expected = [a[:6] + [1 - a[6]] for a in actions]
        log[-1]["expected"] = expected
        return {"id": f"chatcmpl-{len(log)}", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "benchtop_actions": expected}
    return app


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--norm-stats", required=True)
    p.add_argument("--unnorm-key", required=True)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--model", default="allenai/MolmoAct-7B-D-LIBERO-Spatial-0812")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log-pixels", action="store_true", help="keep each image's decoded bytes in /debug/log")
    a = p.parse_args()
    with open(a.norm_stats) as f:
        stats = json.load(f)
    stats = stats.get("norm_stats", stats)[a.unnorm_key]["action"]
    s = loopback_socket(a.port)
    s.listen(64)
    announce(s.getsockname()[1])
    uvicorn.Server(uvicorn.Config(make_app(stats, a.steps, a.model, a.log_pixels), log_level="warning", access_log=False)).run(sockets=[s])


if __name__ == "__main__":
    main()

"""A FastAPI + json_numpy server that follows MolmoAct2's /act contract (molmoact.md 13.4): the DROID or YAM host
server (`--kind droid|yam`) or the generic serve_policy.py server (`--kind generic`). A tiny deterministic policy
stands in for the model. Binds 127.0.0.1 only.

Actions (N x D float32): a[j][d] = state[d % len(state)] + 0.01*j + mean(first camera) / 255 * 0.01.
Instructions "fail500" (HTTP 500), "slow" (sleeps 3 s) inject failures; "huge" answers 4 MB of actions.
GET /debug/log reports what was received: per request, each camera key's shape and raw bytes (base64), so tests
can compare them with what Benchtop rendered.
"""
import base64
import argparse
import time

from common import announce, loopback_socket, require

require("numpy", "fastapi", "uvicorn", "json_numpy")

import json_numpy  # noqa: E402
import numpy as np  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse, Response  # noqa: E402

KEYS = {"droid": ["external_cam", "wrist_cam"], "yam": ["top_cam", "left_cam", "right_cam"], "libero": ["image", "wrist_image"]}
TAGS = {"droid": ("franka_droid", 8, 15), "yam": ("yam_dual_molmoact2", 14, 30)}


def as_image(x):
    a = np.asarray(x)
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"image must be uint8 HxWx3, got {a.dtype} {a.shape}")
    return a


def policy(images, state, horizon, dim):
    s = np.asarray(state, dtype=np.float64)
    m = images[0].astype(np.float64).mean()
    a = np.empty((horizon, dim), dtype=np.float32)
    for j in range(horizon):
        for d in range(dim):
            a[j, d] = s[d % len(s)] + 0.01 * j + m / 255 * 0.01
    return a


def make_app(kind, echo):
    app = FastAPI()
    log = {"resets": [], "sessions": [], "requests": 0}

    async def body(request):
        return json_numpy.loads((await request.body()).decode())

    def received(b, keys):
        log.setdefault("received", []).append(
            {k: {"shape": list(np.asarray(b[k]).shape), "bytes": base64.b64encode(np.ascontiguousarray(b[k]).tobytes()).decode()}
             for k in keys if k in b})

    def injected(instruction):
        if instruction == "huge":
            return Response(json_numpy.dumps({"actions": np.zeros((131072, 8), np.float32)}), media_type="application/json")
        if instruction == "fail500":
            return JSONResponse({"error": "inference failed (injected)"}, status_code=500)
        if instruction == "slow":
            time.sleep(3)
        return None

    if kind in TAGS:
        tag, sdim, horizon = TAGS[kind]

        @app.get("/act")
        def health():
            return {"status": "ok", "repo_id": "benchtop/tiny", "norm_tag": tag, "device": "cpu", "dtype": "float32"}

        @app.get("/healthz")
        def healthz():
            return {"status": "ok"}

        @app.get("/debug/log")
        def debug_host():
            return log

        @app.post("/act")
        async def act(request: Request):
            try:
                b = await body(request)
                images = [as_image(b[k]) for k in KEYS[kind]]
                instruction = str(b["instruction"])
                state = np.asarray(b["state"])
                if state.dtype != np.float32 or state.shape != (sdim,):
                    raise ValueError(f"state must be float32[{sdim}], got {state.dtype} {state.shape}")
            except (KeyError, ValueError) as e:
                return JSONResponse({"error": f"bad request: {e!r}"}, status_code=400)
            log["requests"] += 1
            if not echo:
                received(b, KEYS[kind])
            if (r := injected(instruction)) is not None:
                return r
            t = time.perf_counter()
            a = np.zeros((horizon, sdim), np.float32) if echo else policy(images, state, horizon, sdim)
            return Response(json_numpy.dumps({"actions": a, "dt_ms": (time.perf_counter() - t) * 1e3}), media_type="application/json")
    else:
        @app.get("/health")
        def health():
            return {"status": "ok", "default_num_steps": 10, "n_action_steps": 10, "enable_depth_reasoning": True,
                    "default_norm_tag": "franka_droid"}

        @app.post("/reset")
        async def reset(request: Request):
            b = json_numpy.loads((await request.body()).decode())
            log["resets"].append(b["session_id"])
            return {"status": "ok"}

        @app.get("/debug/log")
        def debug():
            return log

        @app.post("/act")
        async def act(request: Request):
            b = await body(request)
            try:
                if "images" in b:
                    images = [as_image(x) for x in b["images"]]
                else:
                    images = [as_image(b[k]) for k in KEYS["droid"]]
                instruction = str(b.get("instruction") or b.get("task") or b.get("prompt"))
                state = np.asarray(b.get("state", b.get("states")), dtype=np.float32)
                tag = b.get("norm_tag") or b.get("tag") or "franka_droid"
            except (KeyError, ValueError, TypeError) as e:
                return JSONResponse({"error": f"bad request: {e!r}"}, status_code=400)
            log["requests"] += 1
            log["sessions"].append(b.get("session_id", "default"))
            if (r := injected(instruction)) is not None:
                return r
            a = policy(images, state, 10, len(state))
            depth = [int(i * 7 + len(log["sessions"])) % 128 for i in range(100)]
            chunk = str(b.get("action_chunk", "")).lower() in ("true", "1", "yes", "on")
            out = {"style": "action_chunk" if chunk else "default", "actions": a.tolist(), "action_shape": list(a.shape),
                   "latency_ms": 0.1, "norm_tag": tag}
            if chunk:
                out["depth_buffer_codes"] = depth
                out["inference_calls"] = len(log["sessions"])
            else:
                out["depth_predictions"] = [depth]
                out["depth_shape"] = [1, 100]
            return out
    return app


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kind", choices=["droid", "yam", "generic"], default="droid")
    p.add_argument("--echo", action="store_true")
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args()
    s = loopback_socket(a.port)
    s.listen(64)
    announce(s.getsockname()[1])
    config = uvicorn.Config(make_app(a.kind, a.echo), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[s])


if __name__ == "__main__":
    main()

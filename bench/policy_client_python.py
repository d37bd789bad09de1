"""The Python peers for `benchtop bench policy-client`: the official openpi client (openpi-client's
WebsocketClientPolicy) and a requests + json_numpy /act client as MolmoAct2's sim_eval uses, timing the same
query as the Swift clients: two 256x256 uint8 images + state, send, receive, decode. Prints one JSON line of
per-query milliseconds.

usage: policy_client_python.py openpi|molmoact2|molmoact PORT QUERIES WARMUP
"""
import base64
import io
import json
import sys
import time

import numpy as np


def images():
    y, x = np.mgrid[0:256, 0:256]
    rng = np.random.default_rng(0)
    base = np.stack([(x * 3) % 256, (y * 5) % 256, ((x + y) // 2) % 256], axis=-1)
    noise = rng.integers(0, 8, size=(2, 256, 256, 3))
    return [(base + noise[k]).astype(np.uint8) for k in range(2)]


def main():
    kind, port, queries, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    im = images()
    state = np.linspace(-0.5, 0.5, 8).astype(np.float32)
    if kind == "openpi-codec":
        from openpi_client import msgpack_numpy
        packer = msgpack_numpy.Packer()
        obs = {"observation/image": im[0], "observation/wrist_image": im[1], "observation/state": state, "prompt": "pick up the cube"}
        answer = packer.pack({"actions": np.zeros((10, 7)), "server_timing": {"infer_ms": 0.1}})

        def query():
            packer.pack(obs)
            return msgpack_numpy.unpackb(answer)["actions"]
    elif kind == "molmoact2-codec":
        import json_numpy
        answer = json_numpy.dumps({"actions": np.zeros((15, 8), np.float32), "dt_ms": 0.1})

        def query():
            json_numpy.dumps({"external_cam": im[0], "wrist_cam": im[1], "instruction": "pick up the cube", "state": state})
            return json_numpy.loads(answer)["actions"]
    elif kind == "openpi":
        from openpi_client.websocket_client_policy import WebsocketClientPolicy
        client = WebsocketClientPolicy("127.0.0.1", port)
        obs = {"observation/image": im[0], "observation/wrist_image": im[1], "observation/state": state, "prompt": "pick up the cube"}

        def query():
            return client.infer(obs)["actions"]
    elif kind == "molmoact2":
        import json_numpy
        import requests
        session = requests.Session()
        url = f"http://127.0.0.1:{port}/act"

        def query():
            body = json_numpy.dumps({"external_cam": im[0], "wrist_cam": im[1], "instruction": "pick up the cube", "state": state})
            r = session.post(url, data=body, timeout=60)
            r.raise_for_status()
            return json_numpy.loads(r.text)["actions"]
    else:
        import requests
        from PIL import Image
        session = requests.Session()
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        model = session.get(f"http://127.0.0.1:{port}/v1/models").json()["data"][0]["id"]

        def png(a):
            b = io.BytesIO()
            Image.fromarray(a).save(b, format="PNG", compress_level=1)
            return "data:image/png;base64," + base64.b64encode(b.getvalue()).decode()

        def query():
            content = [{"type": "image_url", "image_url": {"url": png(a)}} for a in im]
            content.append({"type": "text", "text": "The task is pick up the cube."})
            r = session.post(url, json={"model": model, "messages": [{"role": "user", "content": content}], "temperature": 0, "max_tokens": 512}, timeout=60)
            r.raise_for_status()
            return r.json()["choices"][0]["message"]["content"]
    times = []
    for i in range(warmup + queries):
        t = time.perf_counter()
        query()
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1e3)
    print(json.dumps(times))


if __name__ == "__main__":
    main()

"""An openpi websocket policy server (the openpi-server package's own WebsocketPolicyServer) around a tiny
deterministic policy, for Benchtop's interoperability tests and client benchmark. Binds 127.0.0.1 only.

Actions: H x D float64, a[j][d] = 0.5*tanh(state[d % len(state)]) + 0.01*j + mean(image[..., d % 3])/255 * 0.1
where image is observation/image (libero layout), observation/exterior_image_1_left (droid) or images/cam_high.
The prompt "crash" raises (the server answers with a text traceback and closes with 1011); "huge" answers 4 MB of
actions. Each answer also carries "received": every array the observation held, as received (the images' bytes
and the state), so tests can compare them with what Benchtop rendered. ALOHA images arrive channel-first and are
rearranged as openpi's AlohaInputs does ("c h w -> h w c").
"""
import argparse
import sys

from common import announce, loopback_socket, require

require("numpy", "msgpack", "websockets", "openpi_client", "openpi_server")

import numpy as np  # noqa: E402
from openpi_client import base_policy  # noqa: E402
from openpi_server import WebsocketPolicyServer  # noqa: E402


class TinyPolicy(base_policy.BasePolicy):
    def __init__(self, horizon, dim, echo):
        self.horizon, self.dim, self.echo = horizon, dim, echo
        self.calls = 0

    def infer(self, obs):
        self.calls += 1
        if obs.get("prompt") == "crash":
            raise RuntimeError("the tiny policy was asked to crash")
        received = {k: v for k, v in obs.items() if isinstance(v, np.ndarray)}
        if "observation/image" in obs:
            image, state = obs["observation/image"], obs["observation/state"]
        elif "observation/exterior_image_1_left" in obs:
            image = obs["observation/exterior_image_1_left"]
            state = np.concatenate([obs["observation/joint_position"], obs["observation/gripper_position"]])
        else:
            received.update({"images/" + k: v for k, v in obs["images"].items()})
            image, state = obs["images"]["cam_high"], obs["state"]
            assert image.ndim == 3 and image.shape[0] == 3, f"ALOHA images are channel-first, got {image.shape}"
            image = np.transpose(image, (1, 2, 0))
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, (image.dtype, image.shape)
        if obs.get("prompt") == "huge":
            return {"actions": np.zeros((65536, 8))}
        assert state.dtype == np.float32, state.dtype
        if self.echo:
            return {"actions": np.zeros((self.horizon, self.dim)), "policy_timing": {"infer_ms": 0.0}}
        means = image.reshape(-1, 3).astype(np.float64).mean(axis=0)
        s = state.astype(np.float64)
        a = np.empty((self.horizon, self.dim), dtype=np.float64)
        for j in range(self.horizon):
            for d in range(self.dim):
                a[j, d] = 0.5 * np.tanh(s[d % len(s)]) + 0.01 * j + means[d % 3] / 255 * 0.1
        return {"actions": a, "policy_timing": {"infer_ms": 0.0}, "calls": np.int64(self.calls), "received": received}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--horizon", type=int, default=10)
    p.add_argument("--dim", type=int, default=2)
    p.add_argument("--echo", action="store_true", help="answer zeros without computing (benchmarks)")
    p.add_argument("--port", type=int, default=0, help="port to bind on 127.0.0.1 (0: a free one)")
    a = p.parse_args()
    s = loopback_socket(a.port)
    port = s.getsockname()[1]
    s.close()  # WebsocketPolicyServer binds by host and port itself
    server = WebsocketPolicyServer(TinyPolicy(a.horizon, a.dim, a.echo), host="127.0.0.1", port=port,
                                   metadata={"name": "tiny", "action_horizon": a.horizon, "action_dim": a.dim})
    announce(port)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

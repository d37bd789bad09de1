"""An openpi websocket policy server (the openpi-server package's own WebsocketPolicyServer) around a tiny
deterministic policy, for Benchtop's interoperability tests and client benchmark. Binds 127.0.0.1 only.

Actions: H x D float64, a[j][d] = 0.5*tanh(state[d % len(state)]) + 0.01*j + mean(image[..., d % 3])/255 * 0.1
where image is observation/image (libero layout), observation/exterior_image_1_left (droid) or images/cam_high.
The prompt "crash" raises (the server answers with a text traceback and closes with 1011).
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
        if "observation/image" in obs:
            image, state = obs["observation/image"], obs["observation/state"]
        elif "observation/exterior_image_1_left" in obs:
            image = obs["observation/exterior_image_1_left"]
            state = np.concatenate([obs["observation/joint_position"], obs["observation/gripper_position"]])
        else:
            image, state = obs["images"]["cam_high"], obs["state"]
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, (image.dtype, image.shape)
        assert state.dtype == np.float32, state.dtype
        if self.echo:
            return {"actions": np.zeros((self.horizon, self.dim)), "policy_timing": {"infer_ms": 0.0}}
        means = image.reshape(-1, 3).astype(np.float64).mean(axis=0)
        s = state.astype(np.float64)
        a = np.empty((self.horizon, self.dim), dtype=np.float64)
        for j in range(self.horizon):
            for d in range(self.dim):
                a[j, d] = 0.5 * np.tanh(s[d % len(s)]) + 0.01 * j + means[d % 3] / 255 * 0.1
        return {"actions": a, "policy_timing": {"infer_ms": 0.0}, "calls": np.int64(self.calls)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--horizon", type=int, default=10)
    p.add_argument("--dim", type=int, default=2)
    p.add_argument("--echo", action="store_true", help="answer zeros without computing (benchmarks)")
    a = p.parse_args()
    s = loopback_socket()
    port = s.getsockname()[1]
    s.close()  # WebsocketPolicyServer binds by host and port itself
    server = WebsocketPolicyServer(TinyPolicy(a.horizon, a.dim, a.echo), host="127.0.0.1", port=port,
                                   metadata={"name": "tiny", "action_horizon": a.horizon, "action_dim": a.dim})
    announce(port)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

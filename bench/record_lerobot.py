#!/usr/bin/env python3
"""LeRobot peer for `benchtop bench record`: the same frames through LeRobot's own recording path
(LeRobotDataset.create, add_frame, save_episode; lerobot 0.4.x, which encodes the videos itself).

Heavy to install (torch): use a separate venv and pass its python with --lerobot-python.
Usage: record_lerobot.py OUT_DIR EPISODES FRAMES [FPS]   -> prints frames per second on the last line
"""
import math
import os
import shutil
import sys
import time

import numpy as np
from lerobot.datasets.lerobot_dataset import LeRobotDataset

sys.path.insert(0, os.path.dirname(__file__))
from record_peer import image  # noqa: E402  (the same synthetic frames as the other peers)


def main():
    out, episodes, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fps = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    size = 256
    root = os.path.join(out, "lerobot")
    shutil.rmtree(root, ignore_errors=True)
    cams = ["observation.images.primary", "observation.images.wrist"]
    features = {cam: {"dtype": "video", "shape": (size, size, 3), "names": ["height", "width", "channels"]} for cam in cams}
    features["observation.state"] = {"dtype": "float32", "shape": (8,), "names": None}
    features["action"] = {"dtype": "float32", "shape": (7,), "names": None}
    pools = [[image(size, k, c) for k in range(16)] for c in range(2)]
    start = time.perf_counter()
    ds = LeRobotDataset.create("benchtop/bench", fps=fps, root=root, features=features, use_videos=True)
    for e in range(episodes):
        for k in range(frames):
            frame = {cam: pools[c][(k + e) % 16] for c, cam in enumerate(cams)}
            frame["observation.state"] = np.array([math.sin(k * 0.05 + j + e * 0.7) for j in range(8)], np.float32)
            frame["action"] = np.array([math.cos(k * 0.1 + j * 3 + e) * 0.01 for j in range(7)], np.float32)
            frame["task"] = "pick up the red cube"
            ds.add_frame(frame)
        ds.save_episode()
    ds.finalize() if hasattr(ds, "finalize") else None
    print(f"{episodes * frames / (time.perf_counter() - start):.1f}")


if __name__ == "__main__":
    main()

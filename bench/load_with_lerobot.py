#!/usr/bin/env python3
"""Loads a Benchtop dataset with LeRobot's own LeRobotDataset (lerobot 0.4.x, a separate venv: it brings torch).

Usage: HF_HUB_OFFLINE=1 python load_with_lerobot.py DATASET_ROOT  -> prints episodes, features and three items
"""
import sys
from lerobot.datasets.lerobot_dataset import LeRobotDataset
root = sys.argv[1]
ds = LeRobotDataset("benchtop/test", root=root, video_backend="pyav")
print("episodes", ds.num_episodes, "frames", ds.num_frames, "fps", ds.fps)
print("features", sorted(ds.features.keys()))
for i in [0, len(ds) // 2, len(ds) - 1]:
    item = ds[i]
    shapes = {k: tuple(v.shape) for k, v in item.items() if hasattr(v, "shape")}
    print(i, "task:", repr(item["task"]), shapes)
print("OK")

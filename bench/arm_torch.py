#!/usr/bin/env python3
"""PyTorch CPU peer of `benchtop bench arm`: ms per Benchtop ARM query, one thread.

Builds the model from tools/arm/model.py, loads the same safetensors weights and times `ARM.infer` (both
images preprocessed, the three stages) on seeded random uint8 images of the given size. Prints one JSON line:
{"ms_median": wall, "cpu_ms_median": thread CPU time (robust on a shared machine), "torch": version, "reps": N}.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "arm"))
import model as arm  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--image-size", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(1)
    net, _ = arm.load(args.weights)
    rng = np.random.default_rng(1)
    size = args.image_size
    primary = rng.integers(0, 256, (size, size, 3)).astype(np.uint8)
    wrist = rng.integers(0, 256, (size, size, 3)).astype(np.uint8)
    state = [0.45, 0.02, 1.1, 3.1, 0.05, -0.1, 1.0]
    for _ in range(5):
        net.infer(primary, wrist, state, "pick up the red cube")
    wall, cpu = [], []
    for _ in range(args.reps):
        t, c = time.perf_counter(), time.thread_time()
        net.infer(primary, wrist, state, "pick up the red cube")
        wall.append((time.perf_counter() - t) * 1e3)
        cpu.append((time.thread_time() - c) * 1e3)
    print(json.dumps({"ms_median": float(np.median(wall)), "cpu_ms_median": float(np.median(cpu)), "torch": torch.__version__,
                      "reps": args.reps}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Peer for `benchtop bench record`: a direct Python writer of the same frames with pyarrow + PyAV.

Writes EPISODES episodes of FRAMES frames: per episode one parquet file (observation.state 8-D, action 7-D,
timestamp, frame_index, episode_index, index, task_index; Snappy) and one mp4 per camera (two 256x256
cameras, libx264 veryfast crf 23, g=2, no B-frames, yuv420p), frames from the same 16-image pool as
Benchtop's SyntheticFrames. Prints frames per CPU second of this process (every thread, over the same
window: imports and the image pool excluded, as on Benchtop's side) on the line before the last, and
frames per second (wall clock) on the last line.
Usage: record_peer.py OUT_DIR EPISODES FRAMES [FPS]
"""
import math
import os
import sys
import time

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def image(size, frame, camera):
    x = np.arange(size)[None, :].repeat(size, 0)
    y = np.arange(size)[:, None].repeat(size, 1)
    img = np.empty((size, size, 3), np.uint8)
    img[..., 0] = (x + camera * 60) & 255
    img[..., 1] = (y + frame * 3) & 255
    img[..., 2] = ((x + y) // 2) & 255
    x0 = (frame * 11 + camera * 40) % (size - 48)
    y0 = (frame * 7) % (size - 48)
    img[y0:y0 + 48, x0:x0 + 48] = (240, 230, 30)
    return img


def main():
    out, episodes, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fps = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    size = 256
    cams = ["observation.images.primary", "observation.images.wrist"]
    pools = [[image(size, k, c) for k in range(16)] for c in range(2)]
    index = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    for e in range(episodes):
        streams = []
        for c, cam in enumerate(cams):
            d = os.path.join(out, "videos", cam)
            os.makedirs(d, exist_ok=True)
            container = av.open(os.path.join(d, f"episode_{e:06d}.mp4"), mode="w")
            s = container.add_stream("libx264", rate=fps)
            s.width, s.height, s.pix_fmt = size, size, "yuv420p"
            s.options = {"preset": "veryfast", "crf": "23", "g": "2", "bf": "0"}
            streams.append((container, s))
        state, action = [], []
        for k in range(frames):
            state.append([math.sin(k * 0.05 + j + e * 0.7) * (0.5 if j < 6 else 0.04) for j in range(8)])
            action.append([(1.0 if k % 40 < 20 else -1.0) if j == 6 else math.cos(k * 0.1 + j * 3 + e) * 0.01 for j in range(7)])
            for c, (container, s) in enumerate(streams):
                vf = av.VideoFrame.from_ndarray(pools[c][(k + e) % 16], format="rgb24")
                vf.pts = k
                for packet in s.encode(vf):
                    container.mux(packet)
        for container, s in streams:
            for packet in s.encode():
                container.mux(packet)
            container.close()
        table = pa.table({
            "observation.state": pa.array(state, pa.list_(pa.float32())),
            "action": pa.array(action, pa.list_(pa.float32())),
            "timestamp": pa.array([k / fps for k in range(frames)], pa.float32()),
            "frame_index": pa.array(range(frames), pa.int64()),
            "episode_index": pa.array([e] * frames, pa.int64()),
            "index": pa.array(range(index, index + frames), pa.int64()),
            "task_index": pa.array([e % 2] * frames, pa.int64()),
        })
        d = os.path.join(out, "data")
        os.makedirs(d, exist_ok=True)
        pq.write_table(table, os.path.join(d, f"episode_{e:06d}.parquet"), compression="snappy")
        index += frames
    elapsed = time.perf_counter() - start
    print("cpu", episodes * frames / (time.process_time() - cpu_start))
    print(episodes * frames / elapsed)


if __name__ == "__main__":
    main()

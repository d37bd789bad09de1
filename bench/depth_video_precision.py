#!/usr/bin/env python3
"""Does LeRobot 0.6's depth-video convention hold Benchtop's millimetre depth? (issue 19, point 9)

Takes the 16-bit depth PNGs (millimetres) of a recording's companion (OUT_molmoact/depth/<camera>/episode-*/),
encodes them with LeRobot's own depth path (lerobot >= 0.6: DepthEncoderConfig defaults = 12-bit log
quantisation between depth_min and depth_max, HEVC Main 12 gray12le, x265 lossless), decodes them with LeRobot's
decoder, dequantises, and compares with the PNG values. Prints the error in mm (max, p99, mean), the
quantisation step over the depth range seen, and the sizes of both stores.

Usage: depth_video_precision.py DEPTH_EPISODE_DIR [FPS]   (run with a python that has lerobot 0.6.x)
"""
import glob
import json
import os
import sys
import tempfile

import numpy as np
from PIL import Image

from lerobot.configs.video import DepthEncoderConfig
from lerobot.datasets.depth_utils import dequantize_depth, quantize_depth
from lerobot.datasets.video_utils import decode_video_frames, encode_video_frames


def main():
    episode_dir = sys.argv[1]
    fps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    pngs = sorted(glob.glob(os.path.join(episode_dir, "frame-*.png")))
    if not pngs:
        sys.exit(f"{episode_dir}: no frame-*.png")
    frames = [np.array(Image.open(p)).astype(np.uint16) for p in pngs]
    config = DepthEncoderConfig()
    scratch = tempfile.mkdtemp(prefix="benchtop-depth-video-")
    for k, frame in enumerate(frames):
        # LeRobot stages depth frames as TIFF (uint16 = millimetres) before encoding.
        Image.fromarray(frame).save(os.path.join(scratch, f"frame-{k:06d}.tiff"))
    video = os.path.join(scratch, "depth.mp4")
    encode_video_frames(scratch, video, fps, video_encoder=config, overwrite=True)
    timestamps = [k / fps for k in range(len(frames))]
    decoded = decode_video_frames(video, timestamps, 1e-4, "pyav", is_depth=True)
    codes = decoded.numpy().astype(np.uint16).reshape(len(frames), *frames[0].shape)
    errors, valid_mm = [], []
    for frame, code in zip(frames, codes):
        back = np.asarray(dequantize_depth(code, depth_min=config.depth_min, depth_max=config.depth_max, shift=config.shift,
                                           use_log=config.use_log, output_unit="mm"), dtype=np.float64).reshape(frame.shape)
        valid = frame > 0
        errors.append(np.abs(back[valid] - frame[valid].astype(np.float64)))
        valid_mm.append(frame[valid])
    errors = np.concatenate(errors)
    depth = np.concatenate(valid_mm).astype(np.float64)
    # Quantisation step (mm) of the log code at the nearest and farthest depth seen.
    span = np.log(config.depth_max + config.shift) - np.log(config.depth_min + config.shift)
    step = lambda mm: (mm / 1000 + config.shift) * span / 4095 * 1000  # noqa: E731
    png_bytes = sum(os.path.getsize(p) for p in pngs)
    print(json.dumps({
        "frames": len(frames), "size": list(frames[0].shape), "depth_mm": [float(depth.min()), float(depth.max())],
        "error_mm": {"max": float(errors.max()), "p99": float(np.percentile(errors, 99)), "mean": float(errors.mean())},
        "error_mm_by_depth": {f"<= {limit} mm": {"max": float(errors[depth <= limit].max()), "mean": float(errors[depth <= limit].mean()),
                                                 "share_over_1mm": float((errors[depth <= limit] > 1).mean())}
                              for limit in (1500, 3000, 10000) if (depth <= limit).any()},
        "quantisation_step_mm": [step(depth.min()), step(depth.max())],
        "bytes": {"png16": png_bytes, "video": os.path.getsize(video)},
        "encoder": {"vcodec": config.vcodec, "pix_fmt": config.pix_fmt, "extra_options": config.extra_options,
                    "depth_min": config.depth_min, "depth_max": config.depth_max, "shift": config.shift, "use_log": config.use_log},
    }, indent=1))


if __name__ == "__main__":
    main()

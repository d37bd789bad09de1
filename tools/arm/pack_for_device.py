#!/usr/bin/env python3
"""A compact transport copy of ARM training recordings, for a remote GPU machine with a small upload limit.

    python3 tools/arm/pack_for_device.py --out PACK recordings/arm/pick_cube recordings/arm/place_in_bowl ...

Copies each dataset's meta/ and data/ and its MolmoAct table (DATA_molmoact/data and dataset_statistics.json),
leaves out what training does not read (the 16-bit depth PNGs, per-episode annotation JSON), and re-encodes every
mp4 as H.264 with one keyframe per video instead of Benchtop's one every 2 frames (crf 28, yuv420p, same frame
count): about 3x smaller, 32 dB PSNR against the original decode. train.py reads the copy exactly like the original; the only difference is a second
generation of lossy compression of the images. Needs PyAV.
"""
import argparse
import glob
import os
import shutil

import av


def reencode(src, dst, crf=28, preset="slow"):
    with av.open(src) as inp:
        stream = inp.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in inp.decode(video=0)]
        rate = stream.average_rate or 10
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with av.open(dst, "w") as out:
        s = out.add_stream("libx264", rate=rate)
        s.width, s.height = frames[0].shape[1], frames[0].shape[0]
        s.pix_fmt = "yuv420p"
        s.options = {"crf": str(crf), "preset": preset, "g": "1000", "bf": "0"}
        for img in frames:
            for packet in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in s.encode():
            out.mux(packet)
    with av.open(dst) as check:
        n = sum(1 for _ in check.decode(video=0))
    if n != len(frames):
        raise RuntimeError(f"{dst}: re-encoded {n} frames, expected {len(frames)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--crf", type=int, default=28)
    ap.add_argument("--keep-videos", action="store_true", help="copy the mp4s as recorded (for small datasets)")
    ap.add_argument("--preset", default="slow", help="x264 preset (veryfast: about 5x faster, slightly larger files)")
    ap.add_argument("datasets", nargs="+")
    args = ap.parse_args()
    for root in args.datasets:
        root = root.rstrip("/")
        name = os.path.basename(root)
        dst = os.path.join(args.out, name)
        # meta/benchtop/ (what `benchtop replay` needs) is not read by training.
        shutil.copytree(os.path.join(root, "meta"), os.path.join(dst, "meta"), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("benchtop"))
        shutil.copytree(os.path.join(root, "data"), os.path.join(dst, "data"), dirs_exist_ok=True)
        comp, comp_dst = root + "_molmoact", dst + "_molmoact"
        shutil.copytree(os.path.join(comp, "data"), os.path.join(comp_dst, "data"), dirs_exist_ok=True)
        shutil.copy(os.path.join(comp, "dataset_statistics.json"), comp_dst)
        videos = sorted(glob.glob(os.path.join(root, "videos", "**", "*.mp4"), recursive=True))
        for v in videos:
            if args.keep_videos:
                os.makedirs(os.path.dirname(os.path.join(dst, os.path.relpath(v, root))), exist_ok=True)
                shutil.copy(v, os.path.join(dst, os.path.relpath(v, root)))
            else:
                reencode(v, os.path.join(dst, os.path.relpath(v, root)), args.crf, args.preset)
        print(f"{name}: {len(videos)} videos", flush=True)


if __name__ == "__main__":
    main()

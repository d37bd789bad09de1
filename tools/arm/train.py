#!/usr/bin/env python3
"""Train the Benchtop ARM (docs/arm.md) on Benchtop's own LeRobot v3.0 recordings and their MolmoAct tables.

    python3 tools/arm/train.py --data recordings/arm/pick_cube recordings/arm/place_in_bowl ... \
        --out benchtop-arm-franka.safetensors --steps 12000 --seed 0 [--device cuda|cpu]

Each DATA folder is a dataset as `benchtop record --robot franka --style molmoact2 --format v3.0` writes it:
meta/info.json, meta/episodes/*/*.parquet, data/*/*.parquet (observation.state, action) and
videos/observation.images.{primary,wrist}/*/*.mp4, with the MolmoAct table next to it in DATA_molmoact
(data/train-00000-of-00001.parquet: language_instruction, depth_codes, trace per frame). Everything is read
as written; nothing is converted beforehand. Videos decode with PyAV when it is installed, else OpenCV.

Stage-wise teacher forcing with noise injection (as MolmoAct2-Think trains its reasoning):
- perception: cross-entropy of the 10x10 depth-code logits against the recorded codes;
- trace: from the primary image feature, the embedded *recorded* codes with a random fraction replaced by random
  codes, and the instruction; the primary feature is dropped (zeroed) for a fraction of samples so that the
  trace must also be readable from the depth codes (which keeps depth edits causal);
- action: from the wrist feature, state, instruction and the *recorded* trace plus pixel noise and, sometimes,
  a small common offset, so the head follows the trace it is given and tolerates the trace head's errors.
  The target is the next 8 recorded actions, padded with the episode's last action.
The loss is the sum of the three. The exported file holds the norm stats of these data and, in its metadata,
the seed, the command and the data it was trained on.
"""
import argparse
import glob
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as arm  # noqa: E402

PRIMARY = "observation.images.primary"
WRIST = "observation.images.wrist"


# MARK: - Reading the recordings

def read_parquet(path):
    import pyarrow.parquet as pq
    return pq.read_table(path)


def decode_video(path):
    """All frames of an mp4 as uint8 [T, H, W, 3] RGB."""
    try:
        import av
        with av.open(path) as container:
            return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    except ImportError:
        import cv2
        cap = cv2.VideoCapture(path)
        frames = []
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        cap.release()
        if not frames:
            raise ValueError(f"{path}: no video frames could be decoded")
        return np.stack(frames)


def parse_trace(text):
    """'[[x, y], ...]' -> 5 points (padded with the last; the image centre when empty) as [10] float."""
    points = json.loads(text) if text else []
    if not points:
        points = [[127.5, 127.5]]
    points = points[:arm.TRACE_POINTS] + [points[-1]] * (arm.TRACE_POINTS - len(points))
    return np.asarray(points, dtype=np.float32).reshape(-1)


def load_dataset(root, image_size=arm.IMAGE_SIZE):
    """One recording -> dict of per-frame numpy arrays."""
    info_path = os.path.join(root, "meta", "info.json")
    with open(info_path) as f:
        info = json.load(f)
    if not str(info.get("codebase_version", "")).startswith("v3"):
        raise ValueError(f"{info_path}: codebase_version: expected v3.x, got {info.get('codebase_version')!r}")
    fps = float(info["fps"])
    for key in (PRIMARY, WRIST, "observation.state", "action"):
        if key not in info["features"]:
            raise ValueError(f"{info_path}: features: expected a '{key}' feature (record with --style molmoact2)")
    episodes = {}
    for path in sorted(glob.glob(os.path.join(root, "meta", "episodes", "*", "*.parquet"))):
        for row in read_parquet(path).to_pylist():
            episodes[row["episode_index"]] = row
    frames = {}
    for path in sorted(glob.glob(os.path.join(root, "data", "*", "*.parquet"))):
        t = read_parquet(path)
        cols = {name: t.column(name).to_pylist() for name in ("episode_index", "frame_index", "observation.state", "action")}
        for i in range(t.num_rows):
            frames[(cols["episode_index"][i], cols["frame_index"][i])] = (cols["observation.state"][i], cols["action"][i])
    companion = root.rstrip("/") + "_molmoact"
    table = read_parquet(os.path.join(companion, "data", "train-00000-of-00001.parquet"))
    ann = {name: table.column(name).to_pylist()
           for name in ("episode_index", "frame_index", "language_instruction", "depth_codes", "trace")}
    labels = {(e, t): (ann["language_instruction"][i], ann["depth_codes"][i], ann["trace"][i])
              for i, (e, t) in enumerate(zip(ann["episode_index"], ann["frame_index"]))}

    out = {k: [] for k in ("primary", "wrist", "state", "actions", "codes", "trace", "instruction", "episode")}
    for e in sorted(episodes):
        ep = episodes[e]
        length = int(ep["length"])
        videos = {}
        for key in (PRIMARY, WRIST):
            rel = info["video_path"].format(video_key=key, chunk_index=ep[f"videos/{key}/chunk_index"],
                                            file_index=ep[f"videos/{key}/file_index"])
            frames_all = decode_video(os.path.join(root, rel))
            start = int(round(float(ep[f"videos/{key}/from_timestamp"]) * fps))
            clip = frames_all[start:start + length]
            if len(clip) != length:
                raise ValueError(f"{os.path.join(root, rel)}: episode {e}: expected {length} frames from {start}, got {len(clip)}")
            if clip.shape[1:3] != (image_size, image_size):
                x = torch.from_numpy(clip).permute(0, 3, 1, 2).float()
                clip = F.adaptive_avg_pool2d(x, (image_size, image_size)).round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()
            videos[key] = clip
        states, actions = [], []
        for t in range(length):
            if (e, t) not in frames:
                raise ValueError(f"{root}/data: episode {e} frame {t}: missing")
            s, a = frames[(e, t)]
            states.append(s)
            actions.append(a)
        actions = np.asarray(actions, dtype=np.float32)
        chunk_index = np.minimum(np.arange(length)[:, None] + np.arange(arm.CHUNK)[None, :], length - 1)
        for t in range(length):
            if (e, t) not in labels:
                raise ValueError(f"{companion}: episode {e} frame {t}: no MolmoAct row")
            text, codes, trace = labels[(e, t)]
            if len(codes) != arm.DEPTH_GRID * arm.DEPTH_GRID:
                raise ValueError(f"{companion}: episode {e} frame {t}: depth_codes: expected 100 codes, got {len(codes)}")
            out["codes"].append(codes)
            out["trace"].append(parse_trace(trace))
            out["instruction"].append(text)
        out["primary"].append(videos[PRIMARY])
        out["wrist"].append(videos[WRIST])
        out["state"].append(np.asarray(states, dtype=np.float32))
        out["actions"].append(actions[chunk_index])
        out["episode"].append(np.full(length, e))
    return {"primary": np.concatenate(out["primary"]), "wrist": np.concatenate(out["wrist"]),
            "state": np.concatenate(out["state"]), "actions": np.concatenate(out["actions"]),
            "codes": np.asarray(out["codes"], dtype=np.int64), "trace": np.stack(out["trace"]),
            "instruction": out["instruction"], "episode": np.concatenate(out["episode"]),
            "episodes": len(episodes)}


# MARK: - Training

def command_line(argv, steps):
    """The arguments that rebuild these weights: --budget-seconds becomes the --steps it chose; data folders
    are named relative to where they were found."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--budget-seconds", "--steps"):
            skip = True
            continue
        # Only names: no machine paths in the weights' metadata.
        out.append(os.path.basename(a.rstrip("/")) if os.path.isdir(a) or os.path.isabs(a) else a)
    return out + ["--steps", str(steps)]


def vocabulary_of(instructions):
    return sorted({w for text in set(instructions) for w in arm.words(text)})


def photometric(x, generator, blur_prob=0.3):
    """x [N, 3, H, W] normalised: per-image brightness and contrast jitter, pixel noise and, for a fraction, a 3x3
    box blur (renders at other sizes pooled to 128 px, video compression)."""
    n = x.shape[0]
    blurred = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    use = (torch.rand(n, 1, 1, 1, device=x.device, generator=generator) < blur_prob).to(x.dtype)
    x = use * blurred + (1 - use) * x
    gain = 1 + 0.15 * (torch.rand(n, 1, 1, 1, device=x.device, generator=generator) * 2 - 1)
    bias = 0.3 * (torch.rand(n, 1, 1, 1, device=x.device, generator=generator) * 2 - 1)
    return x * gain + bias + 0.08 * torch.randn(x.shape, device=x.device, generator=generator)


def shift(x, generator, pixels=4):
    """Random translation by up to `pixels` (replicate padding); used for the wrist image only, whose labels
    do not live in its pixel coordinates."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pixels,) * 4, mode="replicate")
    dx = torch.randint(0, 2 * pixels + 1, (n,), device=x.device, generator=generator)
    dy = torch.randint(0, 2 * pixels + 1, (n,), device=x.device, generator=generator)
    rows = (dy[:, None] + torch.arange(h, device=x.device)[None, :])
    cols = (dx[:, None] + torch.arange(w, device=x.device)[None, :])
    idx_n = torch.arange(n, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[idx_n, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", required=True, help="recording folders (LeRobot v3.0, molmoact2 columns)")
    ap.add_argument("--out", required=True, help="safetensors file to write")
    ap.add_argument("--data-weight", type=float, nargs="+",
                    help="per --data folder, how often its frames are drawn relative to the others (default: all 1)")
    ap.add_argument("--init", help="start from these weights (same vocabulary; their norm stats are kept) instead of "
                                   "a random initialisation: fine-tuning")
    ap.add_argument("--steps", type=int, default=12000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--code-noise", type=float, default=0.2, help="max fraction of recorded codes replaced at random")
    ap.add_argument("--feature-drop", type=float, default=0.25, help="fraction of trace samples without the primary feature")
    ap.add_argument("--trace-noise", type=float, default=2.0, help="pixel noise (sd, 0..255 units) on the given trace")
    ap.add_argument("--trace-offset", type=float, default=8.0, help="max common offset of the given trace, pixels")
    ap.add_argument("--offset-prob", type=float, default=0.3)
    ap.add_argument("--val-fraction", type=float, default=0.05)
    ap.add_argument("--log-every", type=int, default=500)
    ap.add_argument("--time-steps", type=int, default=0, help="only time this many steps and exit (CPU estimates)")
    ap.add_argument("--metrics", help="write the final metrics as JSON here")
    ap.add_argument("--budget-seconds", type=float, default=0,
                    help="instead of --steps: time 30 steps, then train as many steps as fit (the count is recorded)")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device(args.device)
    t0 = time.time()
    sets = [load_dataset(root) for root in args.data]
    data = {k: np.concatenate([s[k] for s in sets]) for k in ("primary", "wrist", "state", "actions", "codes", "trace")}
    instructions = [text for s in sets for text in s["instruction"]]
    # Episodes are globally numbered per dataset; the validation split holds out whole episodes.
    episode_key = np.concatenate([s["episode"] + 100000 * i for i, s in enumerate(sets)])
    print(f"loaded {len(instructions)} frames of {sum(s['episodes'] for s in sets)} episodes from {len(sets)} datasets "
          f"in {time.time() - t0:.1f} s", flush=True)

    vocabulary = vocabulary_of(instructions)
    start = None
    if args.init:
        start, _ = arm.load(args.init)
        unknown = sorted(set(vocabulary) - set(start.vocabulary))
        if unknown:
            print(f"warning: {args.init}: words of these data not in its vocabulary (skipped, as at inference): {unknown}")
        vocabulary = start.vocabulary
    model = arm.ARM(vocabulary).to(device)
    feats = arm.state_features(torch.from_numpy(data["state"]))
    acts = torch.from_numpy(data["actions"]).reshape(-1, arm.ACTION_DIM)
    if start is not None:
        model.load_state_dict(start.state_dict())
        model.to(device)
    with torch.no_grad():
        if not args.init:   # fine-tuning keeps the start's normalisation, which its weights were trained for
            model.norm.state_mean.copy_(feats.mean(0))
            model.norm.state_std.copy_(feats.std(0).clamp(min=1e-3))
            model.norm.action_mean.copy_(acts.mean(0))
            model.norm.action_std.copy_(acts.std(0).clamp(min=1e-4))

    rng = np.random.default_rng(args.seed)
    unique_eps = np.unique(episode_key)
    val_eps = set(rng.choice(unique_eps, size=max(1, int(len(unique_eps) * args.val_fraction)), replace=False).tolist())
    is_val = np.array([k in val_eps for k in episode_key])
    train_idx = torch.from_numpy(np.nonzero(~is_val)[0])
    draw_weights = None
    if args.data_weight:
        if len(args.data_weight) != len(args.data) or min(args.data_weight) <= 0:
            raise SystemExit(f"--data-weight: expected {len(args.data)} positive values (one per --data folder), "
                             f"got {args.data_weight}")
        per_frame = np.concatenate([np.full(len(s["episode"]), w) for s, w in zip(sets, args.data_weight)])
        draw_weights = torch.from_numpy(per_frame[~is_val]).double()
    val_idx = torch.from_numpy(np.nonzero(is_val)[0])

    # Everything lives on the device as uint8 / small tensors; batches are gathered there.
    primary = torch.from_numpy(data["primary"]).to(device)
    wrist = torch.from_numpy(data["wrist"]).to(device)
    state_norm = ((feats - model.norm.state_mean.cpu()) / model.norm.state_std.cpu()).to(device)
    target = ((torch.from_numpy(data["actions"]) - model.norm.action_mean.cpu()) / model.norm.action_std.cpu()).to(device)
    codes = torch.from_numpy(data["codes"]).to(device)
    trace = torch.from_numpy(data["trace"]).to(device)
    words = arm.padded_word_indices(instructions, vocabulary).to(device)

    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    initial_state = {k: v.clone() for k, v in model.state_dict().items()}
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    warmup = max(1, args.steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (
        1 + np.cos(np.pi * min(1.0, s / max(args.steps, 1)))))
    generator = torch.Generator(device=device)
    generator.manual_seed(args.seed)

    def images(batch_u8):
        return (batch_u8.permute(0, 3, 1, 2).float() / 255.0 - 0.5) / 0.25

    def losses(idx, train):
        p_img, w_img = images(primary[idx]), images(wrist[idx])
        if train:
            p_img = photometric(p_img, generator)
            w_img = photometric(shift(w_img, generator), generator)
        # bf16 for the convolutions on a GPU; the heads and the losses stay in float32.
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            p_feat, fmap = model.enc_primary(p_img)
            w_feat, _ = model.enc_wrist(w_img)
            logits = model.perception(fmap)
        p_feat, w_feat, logits = p_feat.float(), w_feat.float(), logits.float()
        lang = model.lang(words[idx])
        gt_codes = codes[idx]
        n = idx.shape[0]
        if train:
            fraction = torch.rand(n, 1, device=device, generator=generator) * args.code_noise
            replace = torch.rand(gt_codes.shape, device=device, generator=generator) < fraction
            random_codes = torch.randint(0, arm.DEPTH_CLASSES, gt_codes.shape, device=device, generator=generator)
            in_codes = torch.where(replace, random_codes, gt_codes)
            keep = (torch.rand(n, 1, device=device, generator=generator) >= args.feature_drop).float()
            trace_feat = p_feat * keep
        else:
            in_codes, trace_feat = logits.reshape(n, arm.DEPTH_CLASSES, -1).argmax(1), p_feat
        pred_trace = model.trace_from(trace_feat, in_codes, lang)
        gt_trace = trace[idx]
        if train:
            noisy = gt_trace + args.trace_noise * torch.randn(gt_trace.shape, device=device, generator=generator)
            offset = (torch.rand(n, 2, device=device, generator=generator) * 2 - 1) * args.trace_offset
            use = (torch.rand(n, 1, device=device, generator=generator) < args.offset_prob).float()
            offset = (offset * use).repeat(1, arm.TRACE_POINTS)
            offset[:, 0:2] = 0          # the first point is where the gripper is now
            given = (noisy + offset).clamp(0, 255)
        else:
            given = pred_trace.detach()   # validation runs the whole chain on predictions
        pred_actions = model.normalised_actions_from(w_feat, state_norm[idx], lang, given)
        l_depth = F.cross_entropy(logits.reshape(n, arm.DEPTH_CLASSES, -1), gt_codes)
        l_trace = F.smooth_l1_loss(pred_trace / 255.0, gt_trace / 255.0, beta=0.02) * 10
        l_action = F.smooth_l1_loss(pred_actions, target[idx], beta=0.5)
        metrics = {"depth": l_depth.detach(), "trace": l_trace.detach(), "action": l_action.detach()}
        if not train:
            metrics["code_accuracy"] = (logits.reshape(n, arm.DEPTH_CLASSES, -1).argmax(1) == gt_codes).float().mean().item()
            metrics["trace_px"] = (pred_trace - gt_trace).abs().mean().item()
            metrics["gripper_accuracy"] = ((pred_actions[..., 6] > 0) == (target[idx][..., 6] > 0)).float().mean().item()
        return l_depth + l_trace + l_action, metrics

    def validate():
        model.eval()
        sums, count = {}, 0
        with torch.no_grad():
            for start in range(0, len(val_idx), 1024):
                idx = val_idx[start:start + 1024].to(device)
                _, m = losses(idx, False)
                for k, v in m.items():
                    sums[k] = sums.get(k, 0.0) + float(v) * len(idx)
                count += len(idx)
        model.train()
        return {k: round(v / max(count, 1), 5) for k, v in sums.items()}

    print(f"train frames {len(train_idx)}, validation frames {len(val_idx)}, vocabulary {vocabulary}", flush=True)

    def train_step(step):
        g = torch.Generator().manual_seed(args.seed * 1000003 + step)
        if draw_weights is None:
            pick = torch.randint(0, len(train_idx), (args.batch,), generator=g)
        else:
            pick = torch.multinomial(draw_weights, args.batch, replacement=True, generator=g)
        idx = train_idx[pick].to(device)
        loss, m = losses(idx, True)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        return loss, m

    model.train()
    if args.budget_seconds:
        # Time 30 steps (after 5 warm-up steps) on the real model, then start again from the same initial weights.
        for step in range(1, 6):
            train_step(step)
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.time()
        for step in range(6, 36):
            train_step(step)
        if device.type == "cuda":
            torch.cuda.synchronize()
        per_step = (time.time() - t) / 30
        args.steps = max(100, int(args.budget_seconds / per_step) // 100 * 100)
        print(f"{per_step * 1000:.1f} ms/step -> --steps {args.steps} for {args.budget_seconds:.0f} s", flush=True)
        model.load_state_dict(initial_state)
        optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
        warmup = max(1, args.steps // 20)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (
            1 + np.cos(np.pi * min(1.0, s / max(args.steps, 1)))))
        generator.manual_seed(args.seed)
    t_train, cpu_train = time.time(), time.process_time()
    steps = args.time_steps or args.steps
    for step in range(1, steps + 1):
        loss, m = train_step(step)
        schedule.step()
        if step % args.log_every == 0 or step == steps:
            print(f"step {step} loss {loss.item():.4f} {json.dumps({k: round(float(v), 4) for k, v in m.items()})} "
                  f"{time.time() - t_train:.0f} s", flush=True)
        if not args.time_steps and (step % (args.log_every * 4) == 0):
            print(f"  validation {json.dumps(validate())}", flush=True)
    seconds = time.time() - t_train
    if args.time_steps:
        cpu = time.process_time() - cpu_train
        print(f"{steps} steps in {seconds:.1f} s = {seconds / steps:.3f} s/step on {device} "
              f"({torch.get_num_threads()} threads; {cpu / steps:.3f} s of process CPU time per step)", flush=True)
        return
    final = validate()
    print(f"final validation {json.dumps(final)}; trained {args.steps} steps in {seconds:.0f} s on {device}", flush=True)

    digest = hashlib.sha256()
    for root in args.data:
        for path in sorted(glob.glob(os.path.join(root, "meta", "*.json"))):
            with open(path, "rb") as f:
                digest.update(f.read())
    provenance = {
        "seed": str(args.seed),
        **({"init": os.path.basename(args.init)} if args.init else {}),
        "command": "python3 tools/arm/train.py " + " ".join(command_line(sys.argv[1:], args.steps)),
        "data": json.dumps({"datasets": [os.path.basename(r.rstrip("/")) for r in args.data],
                            "frames": len(instructions), "episodes": int(len(unique_eps)),
                            "meta_sha256": digest.hexdigest()[:16]}),
        "training": json.dumps({"steps": args.steps, "batch": args.batch, "lr": args.lr,
                                "data_weight": args.data_weight,
                                "device": str(device) + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""),
                                "seconds": round(seconds), "torch": torch.__version__}),
        "validation": json.dumps(final),
    }
    model.cpu()
    arm.export(model, args.out, provenance)
    if args.metrics:
        with open(args.metrics, "w") as f:
            json.dump({"validation": final, "seconds": seconds, "provenance": provenance}, f, indent=1)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)", flush=True)


if __name__ == "__main__":
    main()

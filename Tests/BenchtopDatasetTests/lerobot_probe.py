#!/usr/bin/env python3
"""Loads Benchtop datasets with the real LeRobot (0.6.1 for v3.0, 0.3.3 for v2.1) and trains a few steps.

Run by the Swift tests with the cached venvs that scripts/setup.sh --test creates. Offline: HF_HUB_OFFLINE=1,
and HF_HOME points at a scratch folder, so a dataset LeRobot cannot load locally fails instead of downloading.

  lerobot_probe.py load ROOT...      prints {"ROOT": {"ok": bool, "error": str, "episodes": n, "frames": n}, ...}
      "ok" means what a trainer needs: the dataset loads, every item (every video frame) loads, every task
      is a string and every float value is finite (a NaN makes the loss NaN).
  lerobot_probe.py train ROOT OUT STEPS   runs `lerobot-train` (ACT, CPU, tiny) for STEPS steps; prints {"ok": ...}
"""
import json
import math
import os
import subprocess
import sys
import tempfile


def offline_environment():
    scratch = tempfile.mkdtemp(prefix="benchtop-lerobot-")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_HOME"] = os.path.join(scratch, "hf")
    os.environ["HF_LEROBOT_HOME"] = os.path.join(scratch, "lerobot")
    os.environ.setdefault("WANDB_MODE", "disabled")
    return scratch


def load(roots):
    offline_environment()
    import torch
    from lerobot.datasets.lerobot_dataset import LeRobotDataset
    import lerobot
    version = getattr(lerobot, "__version__", "?")
    out = {"lerobot": version}
    for root in roots:
        result = {"ok": False, "error": "", "episodes": 0, "frames": 0}
        try:
            ds = LeRobotDataset("benchtop/probe", root=root, video_backend="pyav")
            result["episodes"] = ds.num_episodes
            result["frames"] = len(ds)
            for i in range(len(ds)):
                item = ds[i]
                if not isinstance(item["task"], str):
                    raise ValueError(f"item {i}: task is {item['task']!r}, not a string")
                for key, value in item.items():
                    if isinstance(value, torch.Tensor) and value.is_floating_point() and not bool(torch.isfinite(value).all()):
                        raise ValueError(f"item {i}: {key} holds a non-finite value")
            result["ok"] = True
        except BaseException as error:  # noqa: BLE001 - any failure is the answer
            message = f"{type(error).__name__}: {error}"
            result["error"] = message[:600]
        out[root] = result
    print(json.dumps(out))


def train(root, output, steps):
    scratch = offline_environment()
    command = [
        os.path.join(os.path.dirname(sys.executable), "lerobot-train"),
        f"--dataset.repo_id=benchtop/probe", f"--dataset.root={root}", "--dataset.video_backend=pyav",
        "--policy.type=act", "--policy.device=cpu", "--policy.push_to_hub=false",
        "--policy.pretrained_backbone_weights=null", "--policy.dim_model=32", "--policy.dim_feedforward=64",
        "--policy.n_heads=2", "--policy.n_encoder_layers=1", "--policy.n_decoder_layers=1", "--policy.latent_dim=8",
        "--policy.chunk_size=2", "--policy.n_action_steps=2", "--policy.use_vae=false",
        f"--steps={steps}", "--batch_size=2", "--num_workers=0", "--log_freq=1", "--save_checkpoint=false",
        "--eval_freq=0", "--wandb.enable=false", f"--output_dir={output}", "--seed=0",
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=scratch)
    text = run.stdout + run.stderr
    losses = []
    for line in text.splitlines():
        if "loss:" in line:
            try:
                losses.append(float(line.split("loss:")[1].split()[0]))
            except ValueError:
                pass
    ok = run.returncode == 0 and len(losses) > 0 and all(math.isfinite(x) for x in losses)
    print(json.dumps({"ok": ok, "returncode": run.returncode, "losses": losses, "tail": text[-3000:] if not ok else ""}))


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2:])
    elif sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        print("unknown command " + sys.argv[1], file=sys.stderr)
        sys.exit(2)

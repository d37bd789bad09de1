#!/usr/bin/env python3
"""Loads Benchtop datasets with the real LeRobot (0.6.1 for v3.0, 0.3.3 for v2.1) and trains a few steps.

Run by the Swift tests with the cached venvs that scripts/setup.sh --test creates. Offline: HF_HUB_OFFLINE=1,
and HF_HOME points at a scratch folder, so a dataset LeRobot cannot load locally fails instead of downloading.

  lerobot_probe.py load ROOT...      prints {"ROOT": {"ok": bool, "error": str, "episodes": n, "frames": n}, ...}
      "ok" means what a trainer needs: the dataset loads, every item (every video frame) loads, every task
      is a string and every float value is finite (a NaN makes the loss NaN).
  lerobot_probe.py train STEPS ROOT OUT [ROOT OUT ...]   runs LeRobot's trainer (lerobot-train's `train`, ACT, CPU,
      tiny) for STEPS steps on each dataset; prints {"ROOT": {"ok": bool, "losses": [...], "error": str}, ...}
"""
import json
import math
import os
import sys
import tempfile


def offline_environment():
    scratch = tempfile.mkdtemp(prefix="benchtop-lerobot-")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_HOME"] = os.path.join(scratch, "hf")
    os.environ["HF_LEROBOT_HOME"] = os.path.join(scratch, "lerobot")
    os.environ.setdefault("WANDB_MODE", "disabled")
    # One thread: the datasets are tiny, and torch's thread pool only fights other processes for the cores.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
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


def train(pairs, steps):
    """`lerobot-train` (ACT, CPU, tiny) on each (dataset, output folder), in this process (one import of lerobot)."""
    scratch = offline_environment()
    os.chdir(scratch)
    import logging
    from lerobot.scripts.lerobot_train import train as lerobot_train

    # The trainer logs its MetricsTracker through logging.info ("... loss:0.819 ..."); read the losses there.
    losses = []
    original_info = logging.info

    def spy(message, *args, **kwargs):
        text = str(message)
        if "loss:" in text:
            try:
                losses.append(float(text.split("loss:")[1].split()[0]))
            except ValueError:
                pass
        return original_info(message, *args, **kwargs)

    logging.info = spy
    out = {}
    for root, output in pairs:
        sys.argv = [
            "lerobot-train",
            "--dataset.repo_id=benchtop/probe", f"--dataset.root={root}", "--dataset.video_backend=pyav",
            "--policy.type=act", "--policy.device=cpu", "--policy.push_to_hub=false",
            "--policy.pretrained_backbone_weights=null", "--policy.dim_model=32", "--policy.dim_feedforward=64",
            "--policy.n_heads=2", "--policy.n_encoder_layers=1", "--policy.n_decoder_layers=1", "--policy.latent_dim=8",
            "--policy.chunk_size=2", "--policy.n_action_steps=2", "--policy.use_vae=false",
            f"--steps={steps}", "--batch_size=2", "--num_workers=0", "--log_freq=1", "--save_checkpoint=false",
            "--wandb.enable=false", f"--output_dir={output}", "--seed=0",
        ]
        losses.clear()
        result = {"ok": False, "losses": [], "error": ""}
        try:
            lerobot_train()
            result["losses"] = list(losses)
            result["ok"] = len(losses) == steps and all(math.isfinite(x) for x in losses)
        except BaseException as error:  # noqa: BLE001 - any failure is the answer
            result["error"] = f"{type(error).__name__}: {error}"[:600]
        out[root] = result
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2:])
    elif sys.argv[1] == "train":
        steps = int(sys.argv[2])
        rest = sys.argv[3:]
        train(list(zip(rest[0::2], rest[1::2])), steps)
    else:
        print("unknown command " + sys.argv[1], file=sys.stderr)
        sys.exit(2)

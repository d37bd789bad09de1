#!/usr/bin/env python3
"""Parity fixture for the Swift Benchtop ARM (Tests/BenchtopARMTests).

    python3 tools/arm/make_fixture.py --out Tests/BenchtopARMTests/Fixtures

Writes, from a fixed seed and randomly initialised weights (no training):
- arm-fixture.safetensors: the weights, named and laid out as an exported model (docs/arm.md). Every weight is
  rounded to a bfloat16-representable float32 so that git stores the file compressed; it is still plain F32.
- arm-fixture-io.safetensors: inputs and the PyTorch outputs.
  Inputs: primary_256 / wrist_256 [256, 256, 3] and primary_128 / wrist_128 [128, 128, 3] (uint8 values stored
  as float32, HWC, RGB), state [7]; metadata "instruction".
  Outputs, for each size S in 256 and 128: depth_logits_S [128, 10, 10], codes_S [100], primary_feature_S [128],
  wrist_feature_S [128], trace_S [10], actions_S [8, 7]; plus lang [64] and state_norm [10].
  Replacements (128 inputs): replaced_codes [100] -> trace_replaced_codes [10]; replaced_trace [10] ->
  actions_replaced_trace [8, 7] (the stage edits of perturbations and steering).
Depth-code argmaxes are kept away from ties (top-two margin >= 1e-3) by the choice of seed.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as arm  # noqa: E402

VOCABULARY = ["pick", "up", "the", "red", "cube", "put", "in", "a", "bowl", "push", "to", "target", "left"]
INSTRUCTION = "Pick up the RED cube, please!"   # "please" is not in the vocabulary; punctuation splits


def synthetic_image(rng, size):
    """A smooth table-like gradient with coloured boxes and pixel noise (uint8 values, HWC)."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    img = np.stack([120 + 80 * x, 90 + 60 * y, 70 + 40 * x * y], axis=-1)
    for _ in range(4):
        x0, y0 = rng.integers(0, size - size // 4, size=2)
        w, h = rng.integers(size // 10, size // 4, size=2)
        img[y0:y0 + h, x0:x0 + w] = rng.integers(0, 256, size=3)
    img = img + rng.normal(0, 8, size=img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.float32)


def bf16_round(t):
    return t.to(torch.bfloat16).to(torch.float32)


def make(seed):
    torch.manual_seed(seed)
    model = arm.ARM(VOCABULARY)
    with torch.no_grad():
        # Variance-preserving (He) weights and small biases, so that features, depth codes and the trace vary
        # across cells and inputs instead of being dominated by the biases of PyTorch's default init.
        for name, p in model.named_parameters():
            if name.endswith(".bias"):
                nn.init.uniform_(p, -0.05, 0.05)
            elif p.dim() > 1 and not name.endswith("embedding.weight"):
                nn.init.kaiming_normal_(p, nonlinearity="relu")
            if name.startswith("trace.fc3") or name.startswith("action.fc3"):
                p.mul_(0.3)          # keep the sigmoid out of saturation
            p.copy_(bf16_round(p))
        model.norm.state_mean.copy_(bf16_round(torch.randn(10) * 0.3))
        model.norm.state_std.copy_(bf16_round(torch.rand(10) * 0.5 + 0.1))
        model.norm.action_mean.copy_(bf16_round(torch.randn(7) * 0.01))
        model.norm.action_std.copy_(bf16_round(torch.rand(7) * 0.02 + 0.005))
    model.eval()
    rng = np.random.default_rng(seed)
    inputs = {"primary_256": synthetic_image(rng, 256), "wrist_256": synthetic_image(rng, 256),
              "primary_128": synthetic_image(rng, 128), "wrist_128": synthetic_image(rng, 128),
              "state": np.array([0.45, -0.05, 0.93, 3.1, -0.2, 0.4, 0.8], dtype=np.float32)}
    return model, inputs


def min_margin(logits):
    top2 = logits.reshape(arm.DEPTH_CLASSES, -1).topk(2, dim=0).values
    return float((top2[0] - top2[1]).min())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    torch.set_num_threads(1)
    seed = args.seed
    while True:
        model, inputs = make(seed)
        outs = {s: model.infer(inputs[f"primary_{s}"], inputs[f"wrist_{s}"], inputs["state"], INSTRUCTION)
                for s in (256, 128)}
        if min(min_margin(o["depth_logits"]) for o in outs.values()) >= 1e-3:
            break
        seed += 1
    o128 = outs[128]
    replaced_codes = torch.roll(o128["codes"], 13)
    replaced_codes[::7] = torch.arange(len(replaced_codes[::7])) * 9 % arm.DEPTH_CLASSES
    trace_rc = model.infer(inputs["primary_128"], inputs["wrist_128"], inputs["state"], INSTRUCTION,
                           codes=replaced_codes)["trace"]
    replaced_trace = torch.tensor([200.0, 40.0, 180.0, 60.0, 150.0, 90.0, 120.0, 120.0, 100.0, 140.0])
    actions_rt = model.infer(inputs["primary_128"], inputs["wrist_128"], inputs["state"], INSTRUCTION,
                             trace=replaced_trace)["actions"]

    os.makedirs(args.out, exist_ok=True)
    arm.export(model, os.path.join(args.out, "arm-fixture.safetensors"),
               {"seed": str(seed), "command": "python3 tools/arm/make_fixture.py --out DIR",
                "data": "none: random initialisation (parity fixture)"})
    tensors = dict(inputs)
    for s, o in outs.items():
        for key in ("depth_logits", "codes", "primary_feature", "wrist_feature", "trace", "actions"):
            tensors[f"{key}_{s}"] = o[key].float()
    tensors["lang"] = o128["lang"]
    tensors["state_norm"] = o128["state_norm"]
    tensors["replaced_codes"] = replaced_codes.float()
    tensors["trace_replaced_codes"] = trace_rc
    tensors["replaced_trace"] = replaced_trace
    tensors["actions_replaced_trace"] = actions_rt
    arm.save_safetensors(os.path.join(args.out, "arm-fixture-io.safetensors"), tensors,
                         {"instruction": INSTRUCTION, "seed": str(seed), "torch": torch.__version__})
    print(json.dumps({"seed": seed, "codes_128_distinct": int(o128["codes"].unique().numel()),
                      "codes_256_distinct": int(outs[256]["codes"].unique().numel()),
                      "margin": min(min_margin(o["depth_logits"]) for o in outs.values()),
                      "trace_128": [round(v, 2) for v in o128["trace"].tolist()],
                      "actions_128_row0": [round(v, 5) for v in o128["actions"][0].tolist()]}))


if __name__ == "__main__":
    main()

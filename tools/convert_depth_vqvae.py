#!/usr/bin/env python3
"""Convert MolmoAct's released depth VQ-VAE (`vae-final.pt`) to safetensors for Benchtop.

    python3 tools/convert_depth_vqvae.py vae-final.pt depth-vqvae.safetensors

The pickle holds {"weights": state_dict} (or a bare state_dict); keys may carry DistributedDataParallel's
`module.` prefix, which is stripped. Needs torch only; the safetensors file is written by hand.
"""
import json, struct, sys

import torch


def main(src, dst):
    obj = torch.load(src, map_location="cpu", weights_only=False)
    state = obj.get("weights", obj) if isinstance(obj, dict) else obj
    tensors = {}
    for key, value in state.items():
        name = key[len("module."):] if key.startswith("module.") else key
        tensors[name] = value.detach().to(torch.float32).contiguous().numpy()
    header, offset = {}, 0
    for name in sorted(tensors):
        n = tensors[name].nbytes
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name in sorted(tensors):
            f.write(tensors[name].astype("<f4").tobytes())
    print(f"wrote {len(tensors)} tensors to {dst}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: convert_depth_vqvae.py vae-final.pt OUT.safetensors")
    main(sys.argv[1], sys.argv[2])

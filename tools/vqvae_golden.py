#!/usr/bin/env python3
"""Golden fixtures and a PyTorch CPU timing for Benchtop's depth VQ-VAE.

An independent re-implementation, written from the architecture description in
docs/reference/molmoact.md section 12 (not copied from upstream code): the same module
indices, so state_dict keys match the released `vae-final.pt`.

    python3 tools/vqvae_golden.py --out Tests/BenchtopReasoningTests/Fixtures   # fixtures
    python3 tools/vqvae_golden.py --out DIR --bench                              # + full-size timing

Needs only torch and numpy; safetensors files are written by hand (8-byte little-endian header
length, JSON header, raw little-endian tensors) so the `safetensors` package is not required.
"""
import argparse, json, math, os, platform, struct, statistics, time

import numpy as np
import torch
import torch.nn as nn


# MARK: - Architecture (hyper-parameters as in the MolmoAct loaders)

class ResBlock(nn.Module):
    """y = x + net(x); net = conv3x3, ReLU, conv3x3, ReLU, conv1x1 (all with bias, no norm)."""
    def __init__(self, c):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(),
                                 nn.Conv2d(c, c, 1))

    def forward(self, x):
        return x + self.net(x)


class Quantizer(nn.Module):
    """Nearest-codebook-row quantiser; buffers named as the EMA variant stores them."""
    def __init__(self, num_tokens, dim):
        super().__init__()
        self.register_buffer("_embedding", torch.zeros(num_tokens, dim))
        self.register_buffer("_ema_cluster_size", torch.zeros(num_tokens))
        self.register_buffer("_ema_w", torch.zeros(num_tokens, dim))

    def indices(self, z):  # z: B x D x H x W
        b, d, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, d)
        dist = (flat ** 2).sum(1, keepdim=True) + (self._embedding ** 2).sum(1) - 2 * flat @ self._embedding.t()
        return dist.argmin(1).reshape(b, h, w), dist

    def lookup(self, idx):  # idx: B x H x W -> B x D x H x W
        return self._embedding[idx].permute(0, 3, 1, 2).contiguous()


class DepthVQVAE(nn.Module):
    def __init__(self, image_size=320, downsample_ratio=32, hidden_dim=16, num_tokens=128, codebook_dim=512,
                 num_resnet_blocks=2):
        super().__init__()
        layer_num = int(math.log2(downsample_ratio)) - 1
        enc = [nn.Conv2d(1, hidden_dim, 4, 2, 1), nn.ReLU()]
        c = hidden_dim
        for _ in range(layer_num):
            enc += [nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU()]
            c *= 2
        enc += [ResBlock(c) for _ in range(num_resnet_blocks)]
        enc += [nn.Conv2d(c, codebook_dim, 1)]
        self.encoder = nn.Sequential(*enc)
        self._vq_vae = Quantizer(num_tokens, codebook_dim)
        c = hidden_dim * downsample_ratio // 2
        dec = [nn.Conv2d(codebook_dim, c, 1), nn.ReLU()]
        dec += [ResBlock(c) for _ in range(num_resnet_blocks)]
        dec += [nn.ConvTranspose2d(c, c, 4, 2, 1), nn.ReLU()]
        for _ in range(layer_num):
            dec += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1), nn.ReLU()]
            c //= 2
        dec += [nn.Conv2d(c, 1, 1)]
        self.decoder = nn.Sequential(*dec)

    def encode(self, x):
        z = self.encoder(x)
        idx, _ = self._vq_vae.indices(z)
        return z, idx

    def decode(self, idx):
        return self.decoder(self._vq_vae.lookup(idx))


def he_init(model, gen):
    """He-normal weights and small biases, so activations stay O(1) through the ReLU stack."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            w = m.weight
            fan_in = w.shape[1] * w.shape[2] * w.shape[3] if isinstance(m, nn.Conv2d) else \
                w.shape[0] * w.shape[2] * w.shape[3] // 4  # a stride-2 transposed 4x4 sums 4 taps per output
            with torch.no_grad():
                w.copy_(torch.randn(w.shape, generator=gen) * math.sqrt(2.0 / fan_in))
                m.bias.copy_((torch.rand(m.bias.shape, generator=gen) - 0.5) * 0.2)


# MARK: - Normalisation (what Benchtop applies to simulated metric depth)

def normalize_depth(depth_m, size):
    """Metric depth -> inverse depth -> per-image min-max uint8 (truncation) -> nearest resize -> [-1, 1].
    Nearest uses src = floor(dst * in / out) (OpenCV INTER_NEAREST, torch 'nearest')."""
    inv = np.where(depth_m > 0, 1.0 / np.maximum(depth_m, 1e-6), 0.0).astype(np.float32)
    lo, hi = inv.min(), inv.max()
    u8 = ((inv - lo) / (hi - lo + np.float32(1e-8)) * np.float32(255)).astype(np.uint8)
    h, w = u8.shape
    rows = (np.arange(size) * h) // size
    cols = (np.arange(size) * w) // size
    resized = u8[rows][:, cols].astype(np.float32)
    return (resized / 255.0 - 0.5) / 0.5, u8


def synthetic_depth(h, w):
    """A table plane seen from an oblique camera with two boxes: metres, row 0 = top (far)."""
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    d = 2.2 - 1.1 * (y / (h - 1)) + 0.05 * (x / (w - 1)) + 0 * x
    d[int(h * .35):int(h * .6), int(w * .2):int(w * .45)] -= 0.25
    d[int(h * .55):int(h * .8), int(w * .6):int(w * .85)] -= 0.4
    return d.astype(np.float32)


# MARK: - safetensors (hand-written)

DTYPES = {np.float32: "F32", np.int64: "I64", np.uint8: "U8"}


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        dt = DTYPES[a.dtype.type]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def state_arrays(model):
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}


# MARK: - Fixtures

SMALL = dict(image_size=64, downsample_ratio=16, hidden_dim=2, num_tokens=16, codebook_dim=8, num_resnet_blocks=2)


def make_fixtures(out):
    gen = torch.Generator().manual_seed(20240805)
    model = DepthVQVAE(**SMALL).eval()
    he_init(model, gen)
    depth = synthetic_depth(48, 40)  # not square, not the model size: exercises the resize
    x_np, u8 = normalize_depth(depth, SMALL["image_size"])
    x = torch.from_numpy(x_np)[None, None]
    with torch.no_grad():
        z = model.encoder(x)
        # Codebook spread around the actual features, so indices vary; reject near-ties so the
        # fixture's argmin is stable under float reordering.
        for attempt in range(100):
            flat = z.permute(0, 2, 3, 1).reshape(-1, SMALL["codebook_dim"])
            cb = flat.mean(0) + flat.std(0) * torch.randn(SMALL["num_tokens"], SMALL["codebook_dim"], generator=gen)
            model._vq_vae._embedding.copy_(cb)
            idx, dist = model._vq_vae.indices(z)
            top2 = dist.topk(2, dim=1, largest=False).values
            gap = ((top2[:, 1] - top2[:, 0]) / top2[:, 1].abs().clamp_min(1e-6)).min().item()
            if gap > 1e-3 and idx.unique().numel() >= 4:
                break
        model._vq_vae._ema_cluster_size.copy_(torch.rand(SMALL["num_tokens"], generator=gen))
        model._vq_vae._ema_w.copy_(torch.randn(SMALL["num_tokens"], SMALL["codebook_dim"], generator=gen))
        decoded = model.decode(idx)
    os.makedirs(out, exist_ok=True)
    save_safetensors(os.path.join(out, "vqvae_small_weights.safetensors"), state_arrays(model))
    save_safetensors(os.path.join(out, "vqvae_small_io.safetensors"), {
        "depth_metres": depth, "depth_u8": u8, "input": x_np[None, None].astype(np.float32),
        "features": z.numpy().astype(np.float32), "indices": idx.numpy().astype(np.int64),
        "decoded": decoded.numpy().astype(np.float32),
    })
    cfg = dict(SMALL, seed=20240805, min_relative_gap=gap, unique_codes=int(idx.unique().numel()),
               torch=torch.__version__)
    with open(os.path.join(out, "vqvae_small_config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    # The conversion path a user runs on vae-final.pt, checked on a DDP-style pickle of this model.
    pt = os.path.join(out, "_ddp_small.pt")
    torch.save({"weights": {"module." + k: v for k, v in model.state_dict().items()}}, pt)
    import subprocess, sys
    conv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert_depth_vqvae.py")
    subprocess.run([sys.executable, conv, pt, os.path.join(out, "_converted.safetensors")], check=True)
    same = open(os.path.join(out, "_converted.safetensors"), "rb").read() == \
        open(os.path.join(out, "vqvae_small_weights.safetensors"), "rb").read()
    os.remove(pt)
    os.remove(os.path.join(out, "_converted.safetensors"))
    print("fixtures:", json.dumps(cfg), "conversion_identical:", same)


# MARK: - Full-size CPU timing

def bench(out, reps):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(7)
    model = DepthVQVAE().eval()
    he_init(model, gen)
    with torch.no_grad():
        model._vq_vae._embedding.copy_(torch.randn(128, 512, generator=gen))
    x = torch.from_numpy(normalize_depth(synthetic_depth(256, 256), 320)[0])[None, None]
    with torch.inference_mode():
        idx = model.encode(x)[1]
        for _ in range(3):
            model.encode(x); model.decode(idx)
        enc, dec, enc_cpu, dec_cpu = [], [], [], []
        for _ in range(reps):
            # Wall and thread CPU time (one thread: CPU time is robust to other processes sharing the cores).
            t, c = time.perf_counter(), time.thread_time(); idx = model.encode(x)[1]
            enc.append(time.perf_counter() - t); enc_cpu.append(time.thread_time() - c)
            t, c = time.perf_counter(), time.thread_time(); model.decode(idx)
            dec.append(time.perf_counter() - t); dec_cpu.append(time.thread_time() - c)
    cpu = "unknown"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:
        pass
    res = dict(torch=torch.__version__, threads=torch.get_num_threads(), cpu=cpu, reps=reps,
               encode_ms_median=statistics.median(enc) * 1e3, decode_ms_median=statistics.median(dec) * 1e3,
               encode_ms_min=min(enc) * 1e3, decode_ms_min=min(dec) * 1e3,
               encode_cpu_ms_median=statistics.median(enc_cpu) * 1e3, decode_cpu_ms_median=statistics.median(dec_cpu) * 1e3,
               params=sum(p.numel() for p in model.parameters()), mkldnn=torch.backends.mkldnn.is_available())
    with open(os.path.join(out, "torch_cpu_bench.json"), "w") as f:
        json.dump(res, f, indent=1)
    print("bench:", json.dumps(res))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--bench", action="store_true")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--no-fixtures", action="store_true")
    a = p.parse_args()
    import traceback
    try:
        if not a.no_fixtures:
            make_fixtures(a.out)
    except Exception:
        traceback.print_exc()
    if a.bench:
        bench(a.out, a.reps)

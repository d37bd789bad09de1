#!/usr/bin/env python3
"""The Benchtop ARM v1 in PyTorch: depth codes -> visual trace -> actions.

This file is the reference implementation of the architecture in docs/arm.md ("Architecture"); the Swift
inference in Sources/BenchtopARM implements the same contract and is checked against it through the parity
fixture that tools/arm/make_fixture.py writes. Tensor names in the exported safetensors are the
state_dict keys of `ARM` (for example `enc_primary.conv1.weight`, `trace.fc3.bias`, `norm.action_std`).

Needs only torch and numpy: safetensors files are read and written by hand (8-byte little-endian header
length, JSON header with "__metadata__", raw little-endian float32 tensors).
"""
import json
import re
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "benchtop-arm-v1"
CHUNK = 8
ACTION_DIM = 7
STATE_DIM = 7
STATE_FEATURES = 10
IMAGE_SIZE = 128
DEPTH_GRID = 10
DEPTH_CLASSES = 128
TRACE_POINTS = 5
LANG_DIM = 64


# MARK: - Preprocessing

def preprocess_images(images):
    """uint8-valued images [N, H, W, 3] (or [H, W, 3]) -> normalised float32 [N, 3, 128, 128]."""
    x = torch.as_tensor(images, dtype=torch.float32)
    if x.dim() == 3:
        x = x.unsqueeze(0)
    x = x.permute(0, 3, 1, 2) / 255.0
    if x.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE):
        x = F.adaptive_avg_pool2d(x, (IMAGE_SIZE, IMAGE_SIZE))
    return (x - 0.5) / 0.25


def state_features(state):
    """Molmoact-mode state [..., 7] = [x, y, z, roll, pitch, yaw, gripper] -> [..., 10] (before normalising)."""
    s = torch.as_tensor(state, dtype=torch.float32)
    angles = s[..., 3:6]
    sin, cos = torch.sin(angles), torch.cos(angles)
    return torch.cat([s[..., 0:3], sin[..., 0:1], cos[..., 0:1], sin[..., 1:2], cos[..., 1:2],
                      sin[..., 2:3], cos[..., 2:3], s[..., 6:7]], dim=-1)


def words(instruction):
    """Lowercase, split at every character not in [a-z0-9], drop empty words."""
    return [w for w in re.split(r"[^a-z0-9]", instruction.lower()) if w]


def word_indices(instruction, vocabulary):
    """Vocabulary position k -> index k + 1; unknown words are skipped."""
    position = {w: k for k, w in enumerate(vocabulary)}
    return [position[w] + 1 for w in words(instruction) if w in position]


def padded_word_indices(instructions, vocabulary, length=None):
    """A [N, L] long tensor of word indices, 0 = padding (row 0 of the embedding is never used)."""
    rows = [word_indices(text, vocabulary) for text in instructions]
    length = length or max(1, max(len(r) for r in rows))
    out = torch.zeros(len(rows), length, dtype=torch.long)
    for i, r in enumerate(rows):
        r = r[:length]
        out[i, :len(r)] = torch.tensor(r, dtype=torch.long)
    return out


# MARK: - Modules

class ImageEncoder(nn.Module):
    """Four strided convolutions, then 32 spatial-softmax keypoints and the mean of the feature map."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 5, 2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3, 2, 1)
        self.conv3 = nn.Conv2d(64, 64, 3, 2, 1)
        self.conv4 = nn.Conv2d(64, 64, 3, 1, 1)
        self.keypoints = nn.Conv2d(64, 32, 1)
        self.register_buffer("grid", torch.linspace(-1.0, 1.0, 16), persistent=False)

    def forward(self, x):
        """x [N, 3, 128, 128] normalised -> (feature [N, 128], F [N, 64, 16, 16])."""
        h = F.relu(self.conv1(x))
        h = F.relu(self.conv2(h))
        h = F.relu(self.conv3(h))
        fmap = F.relu(self.conv4(h))
        k = self.keypoints(fmap)                                   # [N, 32, 16, 16]
        n, c, hh, ww = k.shape
        p = torch.softmax(k.reshape(n, c, hh * ww), dim=-1).reshape(n, c, hh, ww)
        ex = (p.sum(dim=2) * self.grid).sum(dim=-1)               # x along width
        ey = (p.sum(dim=3) * self.grid).sum(dim=-1)               # y along height
        keypoints = torch.stack([ex, ey], dim=-1).reshape(n, 2 * c)  # [x0, y0, x1, y1, ...]
        pooled = fmap.mean(dim=(2, 3))
        return torch.cat([keypoints, pooled], dim=1), fmap


class Perception(nn.Module):
    """Depth-code logits [N, 128, 10, 10] from the primary feature map."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(64, 128, 1)
        self.conv2 = nn.Conv2d(128, DEPTH_CLASSES, 1)

    def forward(self, fmap):
        p = F.adaptive_avg_pool2d(fmap, (DEPTH_GRID, DEPTH_GRID))
        return self.conv2(F.relu(self.conv1(p)))


class DepthEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(DEPTH_CLASSES, 8)
        self.linear = nn.Linear(DEPTH_GRID * DEPTH_GRID * 8, 128)

    def forward(self, codes):
        """codes [N, 100] long (row-major cells) -> [N, 128]."""
        return F.relu(self.linear(self.embedding(codes).reshape(codes.shape[0], -1)))


class MLP3(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_hidden)
        self.fc3 = nn.Linear(d_hidden, d_out)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class Lang(nn.Module):
    def __init__(self, vocabulary_size):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size + 1, LANG_DIM)

    def forward(self, indices):
        """indices [N, L] long, 0 = padding -> mean of the known words' rows, zeros when none."""
        mask = (indices > 0).float().unsqueeze(-1)
        total = (self.embedding(indices) * mask).sum(dim=1)
        count = mask.sum(dim=1).clamp(min=1.0)
        return total / count


class Norm(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("state_mean", torch.zeros(STATE_FEATURES))
        self.register_buffer("state_std", torch.ones(STATE_FEATURES))
        self.register_buffer("action_mean", torch.zeros(ACTION_DIM))
        self.register_buffer("action_std", torch.ones(ACTION_DIM))


class ARM(nn.Module):
    """The three chained stages. Every stage can be fed from outside (teacher forcing, perturbations)."""

    def __init__(self, vocabulary):
        super().__init__()
        self.vocabulary = list(vocabulary)
        self.enc_primary = ImageEncoder()
        self.enc_wrist = ImageEncoder()
        self.perception = Perception()
        self.depth_embed = DepthEmbed()
        self.trace = MLP3(128 + 128 + LANG_DIM, 256, 2 * TRACE_POINTS)
        self.action = MLP3(128 + STATE_FEATURES + LANG_DIM + 2 * TRACE_POINTS, 512, CHUNK * ACTION_DIM)
        self.lang = Lang(len(self.vocabulary))
        self.norm = Norm()

    # Stage pieces (inputs already preprocessed)

    def normalised_state(self, state):
        return (state_features(state) - self.norm.state_mean) / self.norm.state_std

    def trace_from(self, primary_feature, codes, lang):
        """Trace [N, 10] in 0...255 primary-image coordinates."""
        x = torch.cat([primary_feature, self.depth_embed(codes), lang], dim=1)
        return torch.sigmoid(self.trace(x)) * 255.0

    def normalised_actions_from(self, wrist_feature, state_norm, lang, trace):
        """The action head's raw output [N, 8, 7], in normalised units (what training regresses)."""
        x = torch.cat([wrist_feature, state_norm, lang, trace / 255.0], dim=1)
        return self.action(x).reshape(-1, CHUNK, ACTION_DIM)

    def actions_from(self, wrist_feature, state_norm, lang, trace):
        return self.normalised_actions_from(wrist_feature, state_norm, lang, trace) * self.norm.action_std \
            + self.norm.action_mean

    # The inference chain

    @torch.no_grad()
    def infer(self, primary, wrist, state, instruction, codes=None, trace=None):
        """One tick. primary / wrist: uint8-valued [H, W, 3]; state [7]; instruction str.
        `codes` ([100]) or `trace` ([10]) replace the predictions before the next stage (perturbation, steering).
        Returns a dict of every intermediate, batch dimension removed."""
        p_feat, fmap = self.enc_primary(preprocess_images(primary))
        w_feat, _ = self.enc_wrist(preprocess_images(wrist))
        logits = self.perception(fmap)
        predicted = logits.reshape(1, DEPTH_CLASSES, -1).argmax(dim=1)   # [1, 100], ties -> lowest index
        used_codes = predicted if codes is None else torch.as_tensor(codes, dtype=torch.long).reshape(1, -1)
        lang = self.lang(padded_word_indices([instruction], self.vocabulary))
        predicted_trace = self.trace_from(p_feat, used_codes, lang)
        used_trace = predicted_trace if trace is None else torch.as_tensor(trace, dtype=torch.float32).reshape(1, -1)
        state_norm = self.normalised_state(torch.as_tensor(state, dtype=torch.float32).reshape(1, -1))
        actions = self.actions_from(w_feat, state_norm, lang, used_trace)
        return {"depth_logits": logits[0], "codes": predicted[0], "primary_feature": p_feat[0],
                "wrist_feature": w_feat[0], "lang": lang[0], "state_norm": state_norm[0],
                "trace": predicted_trace[0], "actions": actions[0]}


# MARK: - safetensors (hand-written, float32 only)

def save_safetensors(path, tensors, metadata):
    """tensors: name -> tensor/array (stored float32); metadata: str -> str."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(torch.as_tensor(tensors[name]).detach().cpu().float().numpy(),
                                            dtype="<f4"))
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def load_safetensors(path):
    """-> (name -> float32 torch tensor, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name}: expected dtype F32, got {info['dtype']}")
        start, end = info["data_offsets"]
        a = np.frombuffer(data[base + start:base + end], dtype="<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out, metadata


def export(model, path, provenance):
    """Writes the model per the contract; provenance: seed, command, data (strings) and any extra keys."""
    tensors = {k: v for k, v in model.state_dict().items()}
    metadata = {"format": FORMAT, "vocabulary": json.dumps(model.vocabulary), "chunk": str(CHUNK),
                "embodiment": "franka", "mode": "molmoact", "image_size": str(IMAGE_SIZE)}
    metadata.update({k: str(v) for k, v in provenance.items()})
    save_safetensors(path, tensors, metadata)


def load(path):
    tensors, metadata = load_safetensors(path)
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path}: metadata format: expected {FORMAT}, got {metadata.get('format')!r}")
    model = ARM(json.loads(metadata["vocabulary"]))
    model.load_state_dict(tensors)
    return model.eval(), metadata

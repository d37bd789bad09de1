"""Deterministic shards of Benchtop jobs. Pure Python, no Ray: the Ray driver and the Slurm scripts share it.

A sweep of U units (cell-major (cell, episode) pairs) is split by Benchtop itself: shard k/n runs the units whose
index is k-1 modulo n (`benchtop eval --sweep SPEC --shard k/n`), and `benchtop report merge` puts them back in
canonical order. A recording job is a range of seeds [seed, seed + attempts): shard k records a consecutive
sub-range (`benchtop record --seed S_k --attempts N_k`), and `benchtop dataset merge` concatenates the shards in
seed order, which is exactly the episode order of one `benchtop record --seed seed --attempts attempts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Sequence

MAX_LEVEL = 3


@dataclass(frozen=True)
class Shard:
    """One shard: `benchtop` arguments (without the executable and --out) and the episodes it runs."""

    index: int  # 0-based
    count: int
    argv: tuple
    units: int

    @property
    def label(self) -> str:
        return f"{self.index + 1}/{self.count}"

    @property
    def name(self) -> str:
        return f"shard-{self.index + 1:04d}-of-{self.count:04d}"


def count_sweep_units(spec_text: str) -> int:
    """Units of a sweep spec: (1 baseline + listed levels above 0 per axis) cells x episodes (as SweepSpec counts)."""
    import yaml  # a dependency of ray

    spec = yaml.safe_load(spec_text) or {}
    cells = 1
    for value in (spec.get("axes") or {}).values():
        if value == "all":
            levels = set(range(1, MAX_LEVEL + 1))
        elif isinstance(value, list):
            levels = {int(v) for v in value}
        else:
            levels = {int(value)}
        cells += len([level for level in levels if level > 0])
    return cells * int(spec.get("episodes", 10))


@dataclass
class SweepJob:
    """`benchtop eval --sweep SPEC`, split into `shards` shards of about equal size."""

    spec: str  # path of the spec, relative to the directory the shards run in
    shards: int
    units: int
    workers_per_shard: int = 1
    extra: Sequence[str] = field(default_factory=tuple)

    def plan(self) -> List[Shard]:
        n = max(1, min(self.shards, self.units))
        return [
            Shard(k, n, ("eval", "--sweep", self.spec, "--shard", f"{k + 1}/{n}", "--workers", str(self.workers_per_shard),
                         *self.extra), len(range(k, self.units, n)))
            for k in range(n)
        ]

    def merge_argv(self, shard_dirs: Sequence[str], out: str) -> List[str]:
        return ["report", "merge", *shard_dirs, "--out", out]


@dataclass
class RecordJob:
    """`benchtop record SCENE --seed SEED --attempts ATTEMPTS ...`, split into consecutive seed ranges."""

    scene: str
    attempts: int
    shards: int
    seed: int = 0
    name: str = "demo"  # the dataset folder's name inside each shard's output (and of the merged dataset)
    extra: Sequence[str] = field(default_factory=tuple)

    def seed_ranges(self) -> List[range]:
        n = max(1, min(self.shards, self.attempts))
        base, rest = divmod(self.attempts, n)
        ranges, start = [], self.seed
        for k in range(n):
            size = base + (1 if k < rest else 0)
            ranges.append(range(start, start + size))
            start += size
        return ranges

    def plan(self) -> List[Shard]:
        ranges = self.seed_ranges()
        return [
            Shard(k, len(ranges), ("record", self.scene, "--seed", str(r.start), "--attempts", str(len(r)), *self.extra), len(r))
            for k, r in enumerate(ranges)
        ]

    def merge_argv(self, shard_dirs: Sequence[str], out: str) -> List[str]:
        return ["dataset", "merge", *[f"{d}/{self.name}" for d in shard_dirs], "--out", out]

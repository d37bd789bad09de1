"""Benchtop on Ray: deterministic shards of sweeps and recordings, run as Ray tasks and merged.

`plan` splits a job into shards without Ray (the Slurm scripts use it too); `driver` runs them on a cluster.
"""

from .plan import RecordJob, Shard, SweepJob

__all__ = ["RecordJob", "Shard", "SweepJob"]
__version__ = "0.1.0"

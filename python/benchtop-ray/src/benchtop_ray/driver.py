"""Runs the shards of a Benchtop job as Ray tasks, retries lost ones, gathers their outputs and merges them.

Each shard is one `benchtop` process started by a Ray task that declares its resources (CPUs, and GPUs where a
policy server on the node needs them). The binary and scenes reach the nodes either through a shared filesystem
(`Ship.shared`: every node sees the same paths) or through Ray's runtime_env `working_dir` (`Ship.bundle`: a folder
holding bin/benchtop, scenes/ and the job's files is uploaded once and unpacked on each node). A shard writes to a
fresh directory of its node; the task returns it as a tar archive, so no shared output filesystem is needed
(`shared_out` writes straight into the output folder instead). A shard that fails (the process exits non-zero) or is
lost (its node dies) is run again by Ray, up to `max_retries` times; shards are deterministic, so a retried shard
gives the same bytes and the merged result does not depend on retries, node count or completion order.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from .plan import Shard

PROGRESS = re.compile(r"\] (\d+)/(\d+) ")


@dataclass
class Ship:
    """How the binary and scenes reach the nodes."""

    benchtop: str  # the executable: a path every node sees (shared) or the local binary to upload (bundle)
    root: str  # the directory shards run in (shared), or the local repository whose files are uploaded (bundle)
    bundle: bool = False
    include: Sequence[str] = ("scenes",)  # files and folders under root that shards need (bundle mode)
    files: Dict[str, str] = field(default_factory=dict)  # bundle path -> local path, for files outside root

    def stage(self, staging: str) -> None:
        """Lays out the bundle: bin/benchtop, the included files and folders, the extra files."""
        os.makedirs(os.path.join(staging, "bin"), exist_ok=True)
        shutil.copy2(self.benchtop, os.path.join(staging, "bin", "benchtop"))
        for rel in self.include:
            src = os.path.join(self.root, rel)
            dst = os.path.join(staging, rel)
            os.makedirs(os.path.dirname(dst) or staging, exist_ok=True)
            if os.path.isdir(src):
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dst)
        for rel, src in self.files.items():
            dst = os.path.join(staging, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)


def connect(address: str, ship: Ship, node_ip: Optional[str] = None) -> None:
    """Connects this process to the cluster as the driver. This package travels to the workers as a runtime_env
    py_module (nodes need only Ray); in bundle mode the bundle becomes the job's working_dir: Ray uploads it once and
    every shard task runs in its unpacked copy (Ray accepts local folders only at the job level)."""
    kwargs = {"log_to_driver": False}
    if node_ip:
        kwargs["_node_ip_address"] = node_ip
    runtime_env = {"py_modules": [os.path.dirname(os.path.abspath(__file__))]}
    staging = tempfile.mkdtemp(prefix="benchtop-ray-bundle-")
    try:
        if ship.bundle:
            ship.stage(staging)
            runtime_env["working_dir"] = staging
        ray.init(address=address, runtime_env=runtime_env, **kwargs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # uploaded by ray.init


@ray.remote(num_cpus=0)
class Progress:
    """Per-shard (done, total) as the shards' progress lines report them; lives on the driver's node."""

    def __init__(self):
        self.shards: Dict[str, tuple] = {}
        self.nodes: Dict[str, str] = {}
        self.attempts: Dict[str, int] = {}

    def started(self, shard: str, node: str, attempt: str):
        self.shards[shard] = (0, None, attempt)
        self.nodes[shard] = node
        self.attempts[shard] = self.attempts.get(shard, 0) + 1

    def update(self, shard: str, done: int, total: int, attempt: str):
        self.shards[shard] = (done, total, attempt)

    def snapshot(self):
        return dict(self.shards), dict(self.nodes)

    def retries(self) -> int:
        """Attempts beyond the first, over all shards (tasks Ray ran again after a failure or a lost node)."""
        return sum(a - 1 for a in self.attempts.values())


def _die_with_parent() -> None:
    """In the benchtop child: receive SIGKILL when the Ray worker dies (Linux), so a lost node leaves no orphan."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _run_shard(argv: Sequence[str], shard: str, cwd: Optional[str], benchtop: Optional[str], out_name: str,
               shared_out: Optional[str], progress, timeout_s: Optional[float]) -> dict:
    """The body of a shard task: runs `benchtop ARGV --out DIR/OUT_NAME` and returns DIR as a tar archive."""
    node = ray.get_runtime_context().get_node_id()
    attempt = uuid.uuid4().hex[:8]
    exe = benchtop or os.path.abspath(os.path.join("bin", "benchtop"))
    workdir = cwd or os.getcwd()
    if shared_out:
        final = os.path.join(shared_out, out_name.split("/")[0])
        scratch = final + f".attempt-{attempt}"
    else:
        scratch = tempfile.mkdtemp(prefix="benchtop-shard-")
    os.makedirs(scratch, exist_ok=True)
    try:
        progress.started.remote(shard, node, attempt)
    except Exception:
        pass
    started = time.time()
    target = os.path.join(scratch, *out_name.split("/")[1:]) if "/" in out_name else scratch
    cmd = [exe, *argv, "--out", target]
    log: List[str] = []
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    try:
        for line in proc.stdout:
            log.append(line)
            m = PROGRESS.search(line)
            if m:
                try:
                    progress.update.remote(shard, int(m.group(1)), int(m.group(2)), attempt)
                except Exception:
                    pass
        status = proc.wait(timeout=timeout_s)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    seconds = time.time() - started
    if status != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise RuntimeError(f"shard {shard}: `{' '.join(cmd)}` exited with status {status}:\n" + "".join(log[-20:]))
    result = {"shard": shard, "node": node, "seconds": seconds, "log": "".join(log[-5:])}
    if shared_out:
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(scratch, final)
        result["path"] = final
    else:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            tar.add(scratch, arcname=".")
        shutil.rmtree(scratch, ignore_errors=True)
        result["tar"] = buffer.getvalue()
    return result


run_shard = ray.remote(_run_shard)


@dataclass
class Report:
    shards: int
    units: int
    seconds: float
    retries: int
    per_shard: List[dict] = field(default_factory=list)


def run(shards: Sequence[Shard], ship: Ship, out: str, merge: Callable[[List[str]], List[str]], *, out_name: str = "",
        cpus_per_shard: float = 1, gpus_per_shard: float = 0, resources: Optional[dict] = None, max_retries: int = 3,
        shared_out: bool = False, timeout_s: Optional[float] = None, local_benchtop: Optional[str] = None,
        keep_shards: bool = False, print_every_s: float = 2.0, log: Callable[[str], None] = print,
        on_tick: Optional[Callable[[dict, dict], None]] = None) -> Report:
    """Runs `shards` on the connected Ray cluster, writes their outputs to OUT.shards/<name>, then runs the merge
    command (`merge(shard_dirs)` gives the benchtop arguments) with the local binary into OUT. `on_tick(states,
    nodes)` is called at every progress poll with each started shard's (done, total, attempt) and node id."""
    if not ray.is_initialized():
        raise RuntimeError("connect to a cluster first: ray.init(address=...)")
    out = os.path.abspath(out.rstrip("/"))
    shard_root = out + ".shards"
    if os.path.isdir(shard_root):
        shutil.rmtree(shard_root)
    os.makedirs(shard_root)
    node = ray.get_runtime_context().get_node_id()
    progress = Progress.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote()
    options = dict(num_cpus=cpus_per_shard, num_gpus=gpus_per_shard, max_retries=max_retries, retry_exceptions=True)
    if resources:
        options["resources"] = resources
    cwd = None if ship.bundle else ship.root
    benchtop = None if ship.bundle else ship.benchtop
    pending = {}
    for s in shards:
        name = s.name + (("/" + out_name) if out_name else "")
        ref = run_shard.options(**options).remote(list(s.argv), s.label, cwd, benchtop, name,
                                                  shard_root if shared_out else None, progress, timeout_s)
        pending[ref] = s
    total_units = sum(s.units for s in shards)
    started = time.time()
    done_units, results, last_print = 0, [], 0.0
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1, timeout=print_every_s)
        for ref in ready:
            s = pending.pop(ref)
            try:
                result = ray.get(ref)  # raises once the retries are spent
            except Exception:
                for other in pending:
                    ray.cancel(other, force=True)
                raise
            if "tar" in result:
                with tarfile.open(fileobj=io.BytesIO(result.pop("tar"))) as tar:
                    try:
                        tar.extractall(os.path.join(shard_root, s.name), filter="data")  # no paths outside the shard
                    except TypeError:  # Python < 3.11.4
                        tar.extractall(os.path.join(shard_root, s.name))
            done_units += s.units
            results.append(result)
        now = time.time()
        if ready or now - last_print >= print_every_s:
            last_print = now
            states, nodes = ray.get(progress.snapshot.remote())
            if on_tick:
                on_tick(states, nodes)
            running = sum(d for label, (d, _, _) in states.items() if label not in {r["shard"] for r in results})
            episodes = done_units + running
            elapsed = now - started
            eta = elapsed / episodes * (total_units - episodes) if episodes else float("nan")
            log(f"shards {len(results)}/{len(shards)} done, episodes {episodes}/{total_units}, "
                f"{elapsed:.0f}s elapsed, ETA {eta:.0f}s")
    seconds = time.time() - started
    dirs = [os.path.join(shard_root, s.name) for s in shards]
    cmd = [local_benchtop or ship.benchtop, *merge(dirs)]
    merged = subprocess.run(cmd, cwd=ship.root, capture_output=True, text=True)
    if merged.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed ({merged.returncode}):\n{merged.stdout}{merged.stderr}")
    log(merged.stdout.strip().splitlines()[-1] if merged.stdout.strip() else "merged")
    retries = ray.get(progress.retries.remote())
    if not keep_shards:
        shutil.rmtree(shard_root, ignore_errors=True)
    return Report(shards=len(shards), units=total_units, seconds=seconds, retries=retries, per_shard=results)

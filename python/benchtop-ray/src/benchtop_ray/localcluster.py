"""A real multi-node Ray cluster on one machine, on loopback addresses only (for tests and trying things out).

Each node is a `ray start --block` process in its own session, with its own loopback address (127.0.0.2 for the
head, 127.0.0.3, ... for the others: Ray would replace 127.0.0.1 by the machine's network address), its own CPU
count, custom resources and temporary directory. `kill_node` ends a node the way a machine failure does (SIGKILL to
its whole process group); `stop` ends them all. Only processes this object started are signalled.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Dict, List, Optional


def _terminate_with_parent() -> None:
    """In `ray start --block`: SIGTERM (a graceful stop of its node) when the process that started it dies, even by
    SIGKILL, so that a killed test leaves no cluster behind (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def free_port(host: str = "127.0.0.2") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class LocalCluster:
    def __init__(self, root: Optional[str] = None, object_store_bytes: int = 200 * 1024 * 1024,
                 health_check_ms: int = 500):
        self.root = root or tempfile.mkdtemp(prefix="brc-")
        self.owns_root = root is None
        self.port = free_port()
        self.head_ip = "127.0.0.2"
        self.nodes: Dict[str, subprocess.Popen] = {}
        self.object_store_bytes = object_store_bytes
        # Every process of a node inherits these, so that stop() finds the ones that left the node's process group
        # (Ray workers start their own sessions) by this cluster's id, and nothing else.
        self.id = uuid.uuid4().hex
        self.env = dict(os.environ, BENCHTOP_RAY_CLUSTER=self.id, RAY_USAGE_STATS_ENABLED="0", RAY_health_check_period_ms=str(health_check_ms),
                        RAY_health_check_failure_threshold="4", RAY_health_check_initial_delay_ms="1000")

    @property
    def address(self) -> str:
        return f"{self.head_ip}:{self.port}"

    def _start(self, name: str, args: List[str]) -> None:
        temp = os.path.join(self.root, name)
        os.makedirs(temp, exist_ok=True)
        ray = os.path.join(os.path.dirname(sys.executable), "ray")
        cmd = [ray if os.path.exists(ray) else "ray", "start", "--block", "--disable-usage-stats", f"--temp-dir={temp}",
               f"--object-store-memory={self.object_store_bytes}", *args]
        log = open(os.path.join(self.root, f"{name}.log"), "w")
        env = dict(self.env, BENCHTOP_RAY_NODE=name)
        self.nodes[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                            preexec_fn=_terminate_with_parent)

    def start_head(self, cpus: int = 1, resources: str = "{}") -> None:
        self._start("head", ["--head", f"--node-ip-address={self.head_ip}", f"--port={self.port}", f"--num-cpus={cpus}",
                             f"--resources={resources}", "--include-dashboard=false"])

    def add_node(self, name: str, ip: str, cpus: int = 1, resources: str = "{}") -> None:
        self._start(name, [f"--address={self.address}", f"--node-ip-address={ip}", f"--num-cpus={cpus}",
                           f"--resources={resources}"])

    def wait_for_nodes(self, count: int, timeout_s: float = 120) -> None:
        """Waits until `count` nodes are alive (connects this process as a driver on the head node)."""
        import ray

        deadline = time.time() + timeout_s
        while time.time() < deadline:
            try:
                if not ray.is_initialized():
                    ray.init(address=self.address, _node_ip_address=self.head_ip, log_to_driver=False)
                if len([n for n in ray.nodes() if n["Alive"]]) >= count:
                    ray.shutdown()  # the caller connects with its own job settings
                    return
            except ConnectionError:
                pass
            for name, p in self.nodes.items():
                if p.poll() is not None:
                    raise RuntimeError(f"ray node {name} exited ({p.returncode}); see {self.root}/{name}.log")
            time.sleep(0.5)
        raise TimeoutError(f"fewer than {count} Ray nodes alive after {timeout_s} s; logs in {self.root}")

    def _processes(self, node: Optional[str] = None) -> List[int]:
        """Pids of this cluster's processes (of one node), by the marker in their environment."""
        marks = {f"BENCHTOP_RAY_CLUSTER={self.id}".encode()}
        if node:
            marks.add(f"BENCHTOP_RAY_NODE={node}".encode())
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    env = set(f.read().split(b"\0"))
            except OSError:
                continue
            if marks <= env:
                pids.append(int(entry))
        return pids

    def _kill(self, pids: List[int]) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill_node(self, name: str) -> None:
        """Ends a node as a machine failure would: SIGKILL to every process it started."""
        p = self.nodes[name]
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._kill(self._processes(name))
        p.wait()

    def stop(self, grace_s: float = 3) -> int:
        """Stops every node; returns how many of its processes are still there afterwards (0 unless unkillable)."""
        try:
            import ray

            if ray.is_initialized():
                ray.shutdown()
        except Exception:
            pass
        for p in self.nodes.values():
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + grace_s
        for p in self.nodes.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.nodes.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)  # whatever the group still holds
            except ProcessLookupError:
                pass
            p.wait()
        self._kill(self._processes())  # workers in sessions of their own
        time.sleep(0.5)
        left = [pid for pid in self._processes() if not _is_zombie(pid)]
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)
        return len(left)

    def __enter__(self) -> "LocalCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

#!/usr/bin/env python3
"""Overhead of the benchtop-ray driver against plain shard processes, on one machine.

Runs the same sweep twice: (a) N plain `benchtop eval --sweep SPEC --shard k/N --workers 1` processes at once, then
`benchtop report merge`; (b) `benchtop-ray sweep SPEC --shards N` on a fresh one-node Ray cluster with N CPUs on
loopback (binary shared, outputs returned as tar archives). Prints wall seconds of each (cluster start excluded),
and checks that both merged cells.csv files are identical.

usage: python3 bench/ray_overhead.py BENCHTOP SPEC [N]     (from the repository root)
"""

import filecmp
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "benchtop-ray", "src"))

from benchtop_ray.localcluster import LocalCluster  # noqa: E402


def main() -> None:
    benchtop, spec = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    work = tempfile.mkdtemp(prefix="ray-overhead-")
    t0 = time.time()
    procs = [subprocess.Popen([benchtop, "eval", "--sweep", spec, "--shard", f"{k}/{n}", "--workers", "1", "--out", f"{work}/plain/s{k}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for k in range(1, n + 1)]
    assert all(p.wait() == 0 for p in procs)
    subprocess.run([benchtop, "report", "merge", *[f"{work}/plain/s{k}" for k in range(1, n + 1)], "--out", f"{work}/plain/merged"],
                   check=True, stdout=subprocess.DEVNULL)
    plain = time.time() - t0

    cluster = LocalCluster(root=f"{work}/cluster")
    try:
        cluster.start_head(cpus=n)
        cluster.wait_for_nodes(1)
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "benchtop-ray", "src"))
        t0 = time.time()
        subprocess.run([sys.executable, "-m", "benchtop_ray", "sweep", spec, "--out", f"{work}/ray", "--shards", str(n),
                        "--address", cluster.address, "--node-ip", cluster.head_ip, "--benchtop", benchtop, "--root", os.getcwd()],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ray_s = time.time() - t0
    finally:
        cluster.stop()
    same = filecmp.cmp(f"{work}/plain/merged/cells.csv", f"{work}/ray/cells.csv", shallow=False)
    print(f"plain shards + merge: {plain:.1f} s; benchtop-ray (driver start to merged): {ray_s:.1f} s; "
          f"overhead {ray_s - plain:+.1f} s ({100 * (ray_s - plain) / plain:+.0f}%); cells.csv identical: {same}")


if __name__ == "__main__":
    main()

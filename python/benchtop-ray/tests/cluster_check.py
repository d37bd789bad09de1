"""Runs a sweep and a recording on a real two-node Ray cluster on loopback, killing the worker node in the middle of
the recording; prints a JSON summary. Tests/BenchtopEvalTests/RayClusterTests.swift runs it and compares the merged
outputs with single-process runs. The cluster is stopped on every exit path (SIGTERM included).

usage: cluster_check.py --benchtop BIN --root REPO --work DIR --spec SPEC --scene SCENE --attempts N --record-args ARGS
"""

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from benchtop_ray.localcluster import LocalCluster  # noqa: E402


def main() -> int:
    a = argparse.ArgumentParser()
    a.add_argument("--benchtop", required=True)
    a.add_argument("--root", required=True)
    a.add_argument("--work", required=True)
    a.add_argument("--spec", required=True)
    a.add_argument("--scene", required=True)
    a.add_argument("--attempts", type=int, required=True)
    a.add_argument("--record-args", default="")
    args = a.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the cluster
    summary = {}
    cluster = LocalCluster(root=os.path.join(args.work, "cluster"))
    try:
        t0 = time.time()
        cluster.start_head(cpus=1)
        cluster.add_node("worker", "127.0.0.3", cpus=2, resources='{"worker_node": 2}')
        cluster.wait_for_nodes(2)
        summary["cluster_start_s"] = round(time.time() - t0, 1)

        # 1. The sweep through the command line, binary and scenes uploaded with runtime_env.
        t0 = time.time()
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
        cli = subprocess.run([sys.executable, "-m", "benchtop_ray", "sweep", args.spec, "--out", os.path.join(args.work, "ray-sweep"),
                              "--shards", "3", "--address", cluster.address, "--node-ip", cluster.head_ip, "--benchtop", args.benchtop,
                              "--root", args.root, "--ship", "bundle"], env=env, capture_output=True, text=True, timeout=300)
        summary["sweep"] = {"status": cli.returncode, "output": cli.stdout[-1500:] + cli.stderr[-1500:],
                            "seconds": round(time.time() - t0, 1)}
        if cli.returncode != 0:
            return report(summary, 1)

        # 2. The recording through the API, on the shared filesystem; the worker node is killed once a shard runs on it.
        import ray

        from benchtop_ray.driver import Ship, connect, run
        from benchtop_ray.plan import RecordJob

        ship = Ship(args.benchtop, args.root)
        connect(cluster.address, ship, cluster.head_ip)
        worker = next(n["NodeID"] for n in ray.nodes() if n["Alive"] and "worker_node" in n["Resources"])
        killed = {}

        def on_tick(states, nodes):
            if killed:
                return
            on_worker = [s for s, n in nodes.items() if n == worker and (states[s][1] is None or states[s][0] < states[s][1])]
            if on_worker:
                cluster.kill_node("worker")
                killed.update(shard=on_worker[0], at_s=round(time.time() - t1, 1))

        out = os.path.join(args.work, "ray-record", "demo")
        job = RecordJob(args.scene, args.attempts, shards=3, seed=0, name="demo", extra=shlex.split(args.record_args))
        t1 = time.time()
        report_ = run(job.plan(), ship, out, lambda dirs: job.merge_argv(dirs, out), out_name="demo",
                      max_retries=3, print_every_s=0.25, on_tick=on_tick, log=lambda line: None)
        summary["record"] = {"retries": report_.retries, "killed": killed, "seconds": round(time.time() - t1, 1),
                             "nodes": sorted({r["node"][:8] for r in report_.per_shard})}
        return report(summary, 0)
    finally:
        t0 = time.time()
        left = cluster.stop()
        sys.stderr.write(f"cluster stopped in {time.time() - t0:.1f} s, {left} of its processes left\n")


def report(summary, status):
    print(json.dumps(summary))
    return status


if __name__ == "__main__":
    sys.exit(main())

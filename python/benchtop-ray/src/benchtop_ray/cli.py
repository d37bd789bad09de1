"""`benchtop-ray sweep|record|plan`: Benchtop jobs as deterministic shards on a Ray cluster (see docs/scale.md)."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys

from .plan import RecordJob, SweepJob, count_sweep_units


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="merged output folder (shards go to OUT.shards meanwhile)")
    p.add_argument("--shards", type=int, default=None, help="number of shards (default: 4 per node of the cluster)")
    p.add_argument("--address", default="auto", help="Ray cluster address (default: auto, the running cluster)")
    p.add_argument("--node-ip", default=None, help="this machine's address in the cluster, when Ray cannot tell it")
    p.add_argument("--benchtop", default=".build/release/benchtop", help="the benchtop executable")
    p.add_argument("--root", default=".", help="repository folder shards run in (scenes/ resolve from it)")
    p.add_argument("--ship", choices=["shared", "bundle"], default="shared",
                   help="shared: every node sees --benchtop and --root at the same paths; bundle: upload them with "
                        "Ray's runtime_env working_dir (binary + scenes + --include)")
    p.add_argument("--include", action="append", default=[], help="bundle mode: more files or folders under --root to upload")
    p.add_argument("--cpus-per-shard", type=float, default=1)
    p.add_argument("--gpus-per-shard", type=float, default=0, help="GPUs a shard declares (for a policy server on its node)")
    p.add_argument("--resources", default=None, help='custom Ray resources per shard, JSON, e.g. {"policy_server": 1}')
    p.add_argument("--max-retries", type=int, default=3, help="times Ray runs a failed or lost shard again")
    p.add_argument("--timeout", type=float, default=None, help="seconds after which a shard process is killed (then retried)")
    p.add_argument("--shared-out", action="store_true", help="shards write into OUT.shards directly (a filesystem all nodes share)")
    p.add_argument("--keep-shards", action="store_true", help="keep OUT.shards after the merge")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchtop-ray", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sweep = sub.add_parser("sweep", help="run `benchtop eval --sweep SPEC` as shards, then `benchtop report merge`")
    sweep.add_argument("spec", help="sweep spec (YAML), relative to --root")
    _common(sweep)
    record = sub.add_parser("record", help="record seeds [seed, seed + attempts) as shards, then `benchtop dataset merge`")
    record.add_argument("scene")
    record.add_argument("--attempts", type=int, required=True, help="seeds to try (scripted expert: the successes are kept)")
    record.add_argument("--seed", type=int, default=0)
    record.add_argument("--record-args", default="", help="more `benchtop record` arguments, e.g. '--robot franka --format v3.0'")
    _common(record)
    plan = sub.add_parser("plan", help="print the shards' benchtop arguments as JSON lines (for Slurm arrays)")
    plan.add_argument("kind", choices=["sweep", "record"])
    plan.add_argument("target", help="sweep spec or scene")
    plan.add_argument("--shards", type=int, required=True)
    plan.add_argument("--index", type=int, default=None, help="print only shard k (1-based), as shell words")
    plan.add_argument("--attempts", type=int, default=None)
    plan.add_argument("--seed", type=int, default=0)
    plan.add_argument("--workers", type=int, default=1, help="sweep: worker processes per shard")
    plan.add_argument("--record-args", default="")
    args = parser.parse_args(argv)

    if args.command == "plan":
        if args.kind == "sweep":
            with open(args.target) as f:
                job = SweepJob(args.target, args.shards, count_sweep_units(f.read()), args.workers)
        else:
            if args.attempts is None:
                parser.error("plan record needs --attempts")
            job = RecordJob(args.target, args.attempts, args.shards, args.seed, extra=shlex.split(args.record_args))
        shards = job.plan()
        if args.index is not None:
            if not 1 <= args.index <= len(shards):
                parser.error(f"--index {args.index}: expected 1 ... {len(shards)}")
            print(shlex.join(shards[args.index - 1].argv))
        else:
            for s in shards:
                print(json.dumps({"shard": s.label, "name": s.name, "units": s.units, "argv": list(s.argv)}))
        return 0

    import ray

    from .driver import Ship, connect, run

    root = os.path.abspath(args.root)
    benchtop = os.path.abspath(os.path.join(root, args.benchtop)) if not os.path.isabs(args.benchtop) else args.benchtop
    name = os.path.basename(os.path.abspath(args.out).rstrip("/"))
    files = {}
    if args.command == "sweep":
        spec_path = os.path.abspath(os.path.join(root, args.spec))
        with open(spec_path) as f:
            units = count_sweep_units(f.read())
        spec = args.spec
        include = ["scenes", *args.include]
        if args.ship == "bundle":
            # The spec travels in the bundle (at its path under --root, or under job/ when it lies outside).
            inside = os.path.relpath(spec_path, root)
            spec = inside if not inside.startswith("..") else os.path.join("job", os.path.basename(spec_path))
            files[spec] = spec_path
        else:
            spec = spec_path
        job = SweepJob(spec, 0, units, max(1, int(args.cpus_per_shard)))
        out_name = ""
    else:
        job = RecordJob(args.scene, args.attempts, 0, args.seed, name=name, extra=shlex.split(args.record_args))
        include = ["scenes", *args.include]
        out_name = name
    ship = Ship(benchtop=benchtop, root=root, bundle=args.ship == "bundle", include=include, files=files)
    connect(args.address, ship, args.node_ip)
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    job.shards = args.shards or 4 * len(nodes)
    plan = job.plan()
    print(f"benchtop-ray {args.command}: {sum(s.units for s in plan)} episodes in {len(plan)} shards on {len(nodes)} nodes "
          f"({args.cpus_per_shard:g} CPU, {args.gpus_per_shard:g} GPU per shard; binary {'uploaded' if ship.bundle else 'shared'})")
    report = run(plan, ship, args.out, lambda dirs: job.merge_argv(dirs, os.path.abspath(args.out)), out_name=out_name,
                 cpus_per_shard=args.cpus_per_shard, gpus_per_shard=args.gpus_per_shard,
                 resources=json.loads(args.resources) if args.resources else None, max_retries=args.max_retries,
                 shared_out=args.shared_out, timeout_s=args.timeout, local_benchtop=benchtop, keep_shards=args.keep_shards)
    print(f"done: {report.units} episodes, {report.shards} shards, {report.retries} retried, {report.seconds:.1f} s "
          f"({3600 * report.units / max(report.seconds, 1e-9):.0f} episodes/h)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

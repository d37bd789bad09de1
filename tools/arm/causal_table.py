#!/usr/bin/env python3
"""The causal table of a perturbation run (`benchtop eval ... --perturb SPEC --out DIR`, panels on so that each
variant writes timeline/episode_NNN.jsonl): per variant, against the baseline on the same seeds,

- trace change: mean distance (0 ... 255 primary-image units) between the variant's and the baseline's trace at
  the same query, averaged over the 5 points, the queries both episodes reached and the episodes;
  for the Benchtop ARM this is the trace its action stage saw (predicted from edited codes, or the edited trace);
- path change: mean distance (cm) between the variant's and the baseline's TCP at the same tick;
- success with its 95 % interval and the change against the baseline (from DIR/results.json).

    python3 tools/arm/causal_table.py DIR            # prints a Markdown table
Needs only the Python standard library.
"""
import glob
import json
import math
import os
import sys


def read_timeline(path):
    queries, tcp = [], []
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            tcp.append(o["tcp"])
            if "traces" in o and o["traces"]:
                queries.append(o["traces"][0])
    return queries, tcp


def trace_distance(a, b):
    n = min(len(a), len(b))
    if n == 0:
        return None
    return sum(math.dist(a[i], b[i]) for i in range(n)) / n


def compare(variant_dir, baseline_dir):
    traces, paths = [], []
    for path in sorted(glob.glob(os.path.join(baseline_dir, "timeline", "episode_*.jsonl"))):
        other = os.path.join(variant_dir, "timeline", os.path.basename(path))
        if not os.path.exists(other):
            continue
        bq, bt = read_timeline(path)
        vq, vt = read_timeline(other)
        d = [trace_distance(x, y) for x, y in zip(bq, vq)]
        d = [x for x in d if x is not None]
        if d:
            traces.append(sum(d) / len(d))
        n = min(len(bt), len(vt))
        if n:
            paths.append(100 * sum(math.dist(bt[i], vt[i]) for i in range(n)) / n)
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
    return mean(traces), mean(paths), len(paths)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    with open(os.path.join(root, "results.json")) as f:
        results = json.load(f)
    variants = results["variants"]
    base = next(v for v in variants if v["name"] == "baseline")
    print("| variant | what | trace change (px) | path change (cm) | success (95 % interval) | Δ success |")
    print("|---|---|---|---|---|---|")
    for v in variants:
        lo, hi = v["success_interval_95"]
        success = f"{v['successes']}/{v['episodes']} = {100 * v['success_rate']:.0f} % ({100 * lo:.0f}-{100 * hi:.0f})"
        if v["name"] == "baseline":
            print(f"| baseline | no edit | 0 | 0 | {success} | |")
            continue
        t, p, n = compare(os.path.join(root, v["name"]), os.path.join(root, base["name"]))
        print(f"| {v['name']} | {v['description']} | {t:.1f} | {p:.1f} | {success} | "
              f"{100 * v['success_delta_vs_baseline']:+.0f} pts |")


if __name__ == "__main__":
    main()

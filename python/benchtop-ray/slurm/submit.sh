#!/usr/bin/env bash
# Submits a Benchtop job as a Slurm array (one shard per task) plus a merge job that runs when all succeeded.
#
#   python/benchtop-ray/slurm/submit.sh sweep sweeps/pick_cube_ood.yaml out/ood 64
#   python/benchtop-ray/slurm/submit.sh record pick_cube recordings/pick 32 --attempts 10000 --seed 0 --record-args "--robot franka"
#
# Run from the repository root on the login node; benchtop_ray must be importable (pip install python/benchtop-ray,
# or PYTHONPATH=python/benchtop-ray/src). Extra sbatch options go in SBATCH_ARGS (e.g. "--partition=cpu").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kind=${1:?sweep|record}; target=${2:?spec or scene}; out=${3:?output folder}; shards=${4:?number of shards}; shift 4
attempts=""; seed=0; record_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --attempts) attempts=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --record-args) record_args=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
exports="ALL,KIND=$kind,TARGET=$target,OUT=$out,SHARDS=$shards,ATTEMPTS=$attempts,SEED=$seed,RECORD_ARGS=$record_args"
array=$(sbatch --parsable ${SBATCH_ARGS:-} --array=1-"$shards" --export="$exports" "$here/benchtop-shard.sbatch")
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --dependency=afterok:"$array" --export="$exports" "$here/benchtop-merge.sbatch")
echo "submitted shards as job $array (array 1-$shards) and the merge as job $merge"

#!/bin/bash
# Train the four push fine-tuning variants of docs/arm.md side by side on one GPU (the model is small: one run
# does not fill an H200). Each run starts from INIT, times 30 steps and trains as many as fit in BUDGET seconds.
#
#     tools/arm/finetune_variants.sh PACK INIT OUTDIR [BUDGET]
#
# PACK holds the folders that tools/arm/pack_for_device.py wrote (docs/arm.md lists them); OUTDIR receives
# ft-{a,b,c,d}.safetensors, their logs and metrics: a = lr 3e-4; b = lr 3e-4 with the rehearsal folders drawn
# 3x as often; c = lr 1e-4; d = lr 3e-4 with trace offsets up to 12 px for half the samples.
set -u
if [ $# -lt 3 ]; then
    echo "usage: $0 PACK INIT OUTDIR [BUDGET]" >&2
    exit 2
fi
P=$1 INIT=$2 OUT=$3 B=${4:-210}
HERE=$(cd "$(dirname "$0")" && pwd)
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
DATA="$P/push_to_target_noise4 $P/push_to_target_noise7 $P/push_to_target_50 $P/pick_cube_30 $P/place_in_bowl_30"
DATA="$DATA $P/two_bowls_near_left_15 $P/two_bowls_near_right_15"
common="--data $DATA --init $INIT --batch 512 --seed 0 --budget-seconds $B"
run() {
    local v=$1
    shift
    python3 "$HERE/train.py" $common "$@" --out "$OUT/ft-$v.safetensors" --metrics "$OUT/ft-$v.json" \
        >"$OUT/ft-$v.log" 2>&1 &
}
run a --lr 3e-4
run b --lr 3e-4 --data-weight 1 1 1 3 3 3 3
run c --lr 1e-4
run d --lr 3e-4 --trace-offset 12 --offset-prob 0.5
wait
for v in a b c d; do
    echo "== $v"
    grep -E "loaded|ms/step|final|Error" "$OUT/ft-$v.log" | cut -c1-400
done

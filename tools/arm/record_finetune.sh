#!/bin/bash
# Records the data of the Benchtop ARM's push fine-tuning (docs/arm.md, "Fine-tuning for pushing"): pushing
# demonstrations with larger scripted-expert noise (DART-style: the expert re-plans from wherever the noise took
# the arm, so the data visit off-path states with their corrective actions), plus seeded subsets of the original
# data (the same seeds, hence the same episodes) so the other tasks are rehearsed.
# Run from the repository root after `swift build -c release --product benchtop`; writes recordings/arm/.
set -euo pipefail
B=${B:-.build/release/benchtop}
OUT=${OUT:-recordings/arm}
record() {   # scene out-name episodes first-seed noise(m)
    "$B" record "$1" --robot franka --teleop scripted --episodes "$3" --seed "$4" --noise "$5" --image-size 128 \
        --style molmoact2 --format v3.0 --out "$OUT/$2"
}
# Three streams (about 20 min on a 2-core machine at load average 20).
record push_to_target push_to_target_noise4 120 3200 0.004 &
(record push_to_target push_to_target_noise7 80 3400 0.007
 record push_to_target push_to_target_50 50 3000 0.001) &
(record pick_cube pick_cube_30 30 1000 0.001
 record place_in_bowl place_in_bowl_30 30 2000 0.001
 record two_bowls_near_left two_bowls_near_left_15 15 4000 0.001
 record two_bowls_near_right two_bowls_near_right_15 15 5000 0.001) &
wait

#!/bin/bash
# Records the Benchtop ARM's training data with the built-in scripted expert (docs/arm.md, "Data").
# Run from the repository root after `swift build -c release --product benchtop`; writes recordings/arm/.
# Two recordings run at a time (about 15 min on a loaded 2-core machine).
set -euo pipefail
B=${B:-.build/release/benchtop}
OUT=${OUT:-recordings/arm}
record() {   # scene episodes first-seed
    "$B" record "$1" --robot franka --teleop scripted --episodes "$2" --seed "$3" --image-size 128 \
        --style molmoact2 --format v3.0 --out "$OUT/$1"
}
(record pick_cube 150 1000; record push_to_target 150 3000; record two_bowls_near_left 100 4000) &
(record place_in_bowl 150 2000; record two_bowls_near_right 100 5000) &
wait

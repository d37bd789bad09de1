#!/usr/bin/env bash
# The built-in reference policy over every shipped task x embodiment, 50 seeded episodes each (physics only:
# no videos, no panels), printed as the markdown table of docs/reference-policy.md.
# usage: scripts/reference-policy-matrix.sh [EPISODES] [BENCHTOP]   (defaults: 50, .build/release/benchtop)
# ROBOTS="a b" and SCENES="x y" pick a part of the matrix (e.g. to run two parts side by side).
set -euo pipefail
episodes=${1:-50}
benchtop=${2:-.build/release/benchtop}
read -r -a robots <<<"${ROBOTS:-franka franka_droid yam_bimanual so101 so100}"
read -r -a scenes <<<"${SCENES:-pick_cube pick_cube_small place_in_bowl place_in_bowl_small stack_blocks stack_blocks_small push_to_target open_drawer close_drawer pick_mesh}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
header="| scene |"; rule="|---|"
for robot in "${robots[@]}"; do header="$header $robot |"; rule="$rule---|"; done
echo "$header"; echo "$rule"
for scene in "${scenes[@]}"; do
    [ -f "scenes/$scene.yaml" ] || continue
    row="| $scene |"
    for robot in "${robots[@]}"; do
        if "$benchtop" eval "$scene" --robot "$robot" --policy builtin --episodes "$episodes" --no-video --no-panels \
            --out "$out/$scene-$robot" >"$out/log" 2>&1; then
            cell=$(python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['episodes']; print(f\"{sum(1 for x in e if x['success'])}/{len(e)}\")" \
                "$out/$scene-$robot/results.json" 2>/dev/null || echo "?")
        else
            cell="error: $(tail -1 "$out/log")"
        fi
        row="$row $cell |"
    done
    echo "$row"
done

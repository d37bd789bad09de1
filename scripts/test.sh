#!/usr/bin/env bash
# `make test`: set up, check formatting, build and run the whole test suite.
# The pip and venv installs of the interoperability checks (network-bound, a few GB on a cold machine) run in the
# background while the Swift build (CPU-bound) runs; the tests start once both are done.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

# Debian packages first: both the build and pip need them.
./scripts/setup.sh
mkdir -p .build
log=.build/setup-python.log
./scripts/setup.sh --test-python >"$log" 2>&1 &
python_setup=$!

./scripts/check-format.sh
if ! "$SWIFT" build --build-tests; then
    kill "$python_setup" 2>/dev/null || true
    exit 1
fi
echo "test: waiting for the Python set-up (log: $log)"
if ! wait "$python_setup"; then
    cat "$log" >&2
    echo "test: the Python set-up failed (log above)" >&2
    exit 1
fi
cat "$log"

# Line-buffered output (a CI log then shows every finished test), under a deadline: a test that hangs fails the
# run with the names of the tests still running instead of using up CI's time.
deadline=${BENCHTOP_TEST_DEADLINE:-3000}
set +e
timeout --kill-after=30 "$deadline" stdbuf -oL -eL "$SWIFT" test --skip-build 2>&1 | tee .build/test.log
status=${PIPESTATUS[0]}
set -e
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "test: the suite passed its ${deadline} s deadline; still running:" >&2
    python3 - .build/test.log >&2 <<'PY'
import re, sys
started, ended = [], set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"Test (\w+\([^)]*\))(?: with \d+ test cases?)? (started|passed|failed)", line)
    if m:
        (started.append if m.group(2) == "started" else ended.add)(m.group(1))
for name in dict.fromkeys(started):
    if name not in ended:
        print("  " + name)
PY
fi
exit "$status"

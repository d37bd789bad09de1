#!/usr/bin/env bash
# Runs the GPU-server benchmarks from an unpacked bundle (scripts/bundle.sh --product benchtop-gpu-bench) and
# names the machine they ran on: GPU, driver, CPU, OS. Run it from the bundle folder:
#   cd benchtop-linux-x86_64 && ./gpu-bench.sh [PARALLEL]     (PARALLEL: environment counts, default 1,8,16)
# MuJoCo's renderer is measured in the same run when `python3 -c "import mujoco"` works (MUJOCO_GL=egl), and
# PyTorch CPU's depth VQ-VAE when `import torch` works.
set -uo pipefail
parallel="${1:-1,8,16}"
bench=./benchtop-gpu-bench
[ -x "$bench" ] || bench=./benchtop-bench

echo "== machine"
nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
grep -m1 "model name" /proc/cpuinfo; echo "cores: $(nproc)"; grep PRETTY_NAME /etc/os-release
command -v swift >/dev/null && echo "swift: $(command -v swift)" || echo "swift: not installed"
echo "libraries from the host:"; ldd "$bench" | grep -v "$(pwd)/lib/" | sed 's/^\s*/  /'
# OpenBLAS's own choice, then the kernels the program runs after selecting by CPU features (BLASKernels).
OPENBLAS_VERBOSE=2 "$bench" --help 2>&1 | grep -i "core" | tr '\n' ' '; echo

echo "== device selection"
BENCHTOP_EGL_DEVICE=99 "$bench" render --frames 1 --trials 1 --peers '' 2>&1 | tail -1
echo "(exit status $?)"
BENCHTOP_EGL_DEVICE=0 "$bench" render --frames 20 --trials 1 --peers '' 2>&1 | grep -E "^renderer|1 camera"

echo "== render"
MUJOCO_GL=egl "$bench" render --sizes 256x256,640x480 --readback pbo,synchronous --frames 300 --trials 5 \
  --save-images "${IMAGES:-images}" \
  --peers "$(python3 -c 'import mujoco' 2>/dev/null && echo bench/render_peers.py)"

echo "== depth VQ-VAE on one core of this CPU (PyTorch CPU in the same run when torch imports)"
"$bench" depth --reps 20 --python python3

echo "== closed loop, N environments in parallel"
OPENBLAS_NUM_THREADS=1 "$bench" episodes --parallel "$parallel" --episodes 3

#!/bin/sh
# Builds a self-contained copy of Benchtop's depth VQ-VAE forward pass (static Swift runtime, no Foundation) with
# the OpenBLAS libraries next to it, so it can be timed on a machine without Swift, in the same run as PyTorch:
#   tools/depth-bench-standalone/build.sh OUT_DIR
#   LD_LIBRARY_PATH=OUT_DIR/lib OUT_DIR/devbench 25      # prints JSON: encode/decode ms, sgemm GFLOP/s
# The sources are the package's own files, with module imports and the safetensors loaders stripped.
set -eu
out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd); S=$root/Sources
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/cblas" "$out/lib"
cp "$S/BenchtopCore/SeededRandom.swift" "$S/BenchtopCore/Images.swift" "$S/BenchtopNumerics/BLAS.swift" \
   "$S/BenchtopNumerics/Convolution.swift" "$S/BenchtopReasoning/DepthVQVAE.swift" "$S/BenchtopReasoning/DepthTokens.swift" \
   "$S/BenchtopReasoning/DepthNormalization.swift" "$S/BenchtopReasoning/DepthTokenizer.swift" "$here/main.swift" "$work/src/"
cd "$work/src"
sed -i '/^import BenchtopCore/d;/^import BenchtopNumerics/d;/^import Foundation/d' *.swift
sed -i 's/Foundation\.log/Glibc.log/;s/Foundation\.cos/Glibc.cos/' SeededRandom.swift && echo 'import Glibc' >> SeededRandom.swift
python3 - <<'PY'
s = open("DepthVQVAE.swift").read()
s = s[:s.index("    /// Loads weights named as in MolmoAct")] + s[s.index("    /// Random weights of the configuration"):]
s = s.replace('TensorFileError(file: "configuration", message:', 'BenchError(message:')
s = s.replace('TensorFileError(file: "configuration",\n                                  message:', 'BenchError(message:')
open("DepthVQVAE.swift", "w").write(s + "\nstruct BenchError: Error { var message: String }\n")
b = open("BLAS.swift").read()
open("BLAS.swift", "w").write(b[:b.index("    /// Solves A X = B")].rstrip() + "\n}\n")
PY
printf 'module COpenBLAS [system] {\n    header "shim.h"\n    link "openblas"\n    export *\n}\n' > "$work/cblas/module.modulemap"
printf '#pragma once\n#include <cblas.h>\nvoid openblas_set_num_threads(int n);\nint openblas_get_num_threads(void);\n' > "$work/cblas/shim.h"
swiftc -O -static-stdlib -module-name devbench -I "$work/cblas" *.swift \
    -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas -o "$out/devbench"
cp -L /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 /usr/lib/x86_64-linux-gnu/libgfortran.so.5 \
      /usr/lib/x86_64-linux-gnu/libquadmath.so.0 "$out/lib/"
echo "built $out/devbench"

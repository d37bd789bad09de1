#!/usr/bin/env bash
# Fails when a Swift or C/C++ source differs from what the toolchain formatters would write.
# Fix with: swift format --in-place --recursive --parallel Package.swift Sources Tests Plugins
#           clang-format -i $(find Sources -name '*.cpp' -o -name '*.h' -o -name '*.c')
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel --configuration .swift-format Package.swift Sources Tests Plugins
mapfile -t native < <(find Sources -name '*.cpp' -o -name '*.h' -o -name '*.c')
clang-format --dry-run -Werror "${native[@]}"
echo "format: clean"

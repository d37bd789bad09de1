#!/usr/bin/env bash
# Builds a relocatable Linux bundle of Benchtop's programs for GPU servers without Swift (docs/gpu.md):
# release builds with the Swift standard library linked in (--static-swift-stdlib), every shared library they need
# copied into lib/ beside them (found with ldd), and RUNPATH $ORIGIN set with patchelf, plus the scenes, the bench
# peer scripts (bench/, tools/vqvae_golden.py) and SwiftPM's resource bundles.
#
# Left to the host, on purpose: glibc (libc, libm, ld-linux, ...), libstdc++/libgcc_s, and the GL dispatch and vendor
# libraries (libEGL, libOpenGL, libGLX, libGLdispatch, libGL*, libnvidia-*): they must match the host's kernel
# driver. On Ubuntu: apt-get install libegl1 libopengl0 (glvnd) and the NVIDIA driver.
#
# Usage: scripts/bundle.sh [--out DIR] [--product NAME]... [--tar]
#   --out DIR      bundle folder (default dist/benchtop-linux-x86_64); replaced if it exists
#   --product P    programs to bundle (default: benchtop-bench); repeat for more, e.g. --product benchtop
#   --tar          also write DIR.tar.xz
#   --no-build     bundle what .build/release holds (built before with --static-swift-stdlib)
set -euo pipefail

cd "$(dirname "$0")/.."
out=dist/benchtop-linux-x86_64
products=()
tar=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --product) products+=("$2"); shift 2 ;;
    --tar) tar=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bundle.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#products[@]} -gt 0 ] || products=(benchtop-bench)
command -v patchelf >/dev/null || { echo "bundle.sh: patchelf is required (apt-get install patchelf)" >&2; exit 1; }

if [ "$build" = 1 ]; then
  for p in "${products[@]}"; do swift build -c release --static-swift-stdlib --product "$p"; done
fi
bin=$(swift build -c release --show-bin-path)

rm -rf "$out"
mkdir -p "$out/lib"

# Libraries the host provides: glibc, the C++ runtime, and GL dispatch/vendor libraries (driver-specific).
host_only='^(ld-linux.*|libc|libm|libdl|libpthread|librt|libutil|libresolv|libanl|libmvec|libstdc\+\+|libgcc_s|libEGL.*|libOpenGL|libGL.*|libGLX.*|libGLdispatch|libGLESv.*|libnvidia-.*|libcuda|libdrm|libgbm)\.so'

copy_closure() {  # copies every non-host shared library an ELF file needs into $out/lib
  ldd "$1" | while read -r name arrow path rest; do
    if [ "$arrow" = "=>" ] && [ "$path" = "not" ]; then
      echo "bundle.sh: $1 needs $name, which is not installed here" >&2
      exit 1
    fi
    [ "$arrow" = "=>" ] && [ -f "$path" ] || continue
    echo "$name" | grep -Eq "$host_only" && continue
    [ -e "$out/lib/$name" ] || cp -L "$path" "$out/lib/$name"
  done
}

for p in "${products[@]}"; do
  [ -x "$bin/$p" ] || { echo "bundle.sh: $bin/$p was not built" >&2; exit 1; }
  cp "$bin/$p" "$out/$p"
  strip --strip-unneeded "$out/$p"
  copy_closure "$out/$p"
  patchelf --set-rpath '$ORIGIN/lib' "$out/$p"
done
for lib in "$out"/lib/*.so*; do
  chmod u+w "$lib"
  strip --strip-unneeded "$lib" 2>/dev/null || true
  patchelf --set-rpath '$ORIGIN' "$lib"
done

# SwiftPM resource bundles (Bundle.module looks beside the executable), scenes and the bench peer scripts.
for r in "$bin"/*.resources; do [ -e "$r" ] && cp -R "$r" "$out/"; done
cp -R scenes bench "$out/"
mkdir -p "$out/tools" && cp tools/vqvae_golden.py "$out/tools/"   # the PyTorch peer of `depth`
cp scripts/gpu-bench.sh "$out/"
cat > "$out/README.txt" <<TXT
Benchtop bundle ($(git describe --always --dirty 2>/dev/null || echo unknown), built $(date -u +%Y-%m-%d) on $(. /etc/os-release; echo "$PRETTY_NAME")).
Run from this folder (scenes/ and bench/ are found relative to it), e.g.:
  ./benchtop-bench render --sizes 256x256,640x480 --peers ''
Needs on the host: glibc >= $(ldd --version | head -1 | awk '{print $NF}'), libstdc++ (GCC >= 12), glvnd's libEGL + libOpenGL and a GL driver
(NVIDIA's, or Mesa for the CPU). BENCHTOP_EGL_DEVICE=N picks the N-th EGL device. See docs/gpu.md in the repository.
TXT

# Check: every library resolves inside the bundle or on this host, with the system paths out of the way.
for p in "${products[@]}"; do
  if ldd "$out/$p" | grep -q "not found"; then ldd "$out/$p" | grep "not found" >&2; exit 1; fi
  ldd "$out/$p" | awk -v o="$(cd "$out" && pwd)" '$3 ~ /^\// && index($3, o) != 1 {print "  from the host: " $1}' | sort -u
done
echo "bundle: $out ($(du -sh "$out" | cut -f1), $(ls "$out/lib" | wc -l) libraries)"
if [ "$tar" = 1 ]; then
  tar -C "$(dirname "$out")" -cJf "$out.tar.xz" "$(basename "$out")"
  echo "bundle: $out.tar.xz ($(du -sh "$out.tar.xz" | cut -f1))"
fi

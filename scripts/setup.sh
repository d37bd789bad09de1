#!/usr/bin/env bash
# Installs the Debian packages Benchtop builds and tests against, when any is missing.
# Runs apt-get update once, then apt-get install -y (as root, or through sudo).
set -euo pipefail

packages=(
  pkg-config g++ make
  libbullet-dev                       # physics (double-precision build via pkg-config bullet-float64)
  libopenblas-dev liblapacke-dev      # numeric kernels: IK, depth VQ-VAE
  zlib1g-dev                          # PNG
  libegl-dev libgl-dev libopengl-dev libegl-mesa0 libgl1-mesa-dri   # headless OpenGL (EGL, Mesa llvmpipe)
  libglfw3-dev xvfb xauth             # viewer, and a virtual display for its tests
  libavcodec-dev libavformat-dev libswscale-dev                     # video (LeRobot mp4)
  python3 python3-pip                 # interoperability checks against the field's real tools
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "setup: Swift 6 is required (https://swift.org/install); swift not found on PATH" >&2; exit 1; }

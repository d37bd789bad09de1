#!/usr/bin/env bash
# Installs the Debian packages Benchtop builds and tests against, when any is missing.
# Runs apt-get update once, then apt-get install -y (as root, or through sudo).
set -euo pipefail

packages=(
  pkg-config g++ make
  libbullet-dev                       # physics (double-precision build via pkg-config bullet-float64)
  libassimp-dev                       # mesh files (OBJ + MTL, STL, glTF/GLB) for scene objects and URDF links
  libopenblas-dev liblapacke-dev      # numeric kernels: IK, depth VQ-VAE
  zlib1g-dev                          # PNG
  libegl-dev libgl-dev libopengl-dev libegl-mesa0 libgl1-mesa-dri   # headless OpenGL (EGL, Mesa llvmpipe)
  libglfw3-dev xvfb xauth             # viewer, and a virtual display for its tests
  libavcodec-dev libavformat-dev libswscale-dev                     # video (LeRobot mp4)
  libsnappy-dev libzstd-dev           # Parquet compression
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

# Python packages the interoperability tests check against (the field's real readers and servers).
if [ "${1:-}" = "--test" ]; then
  # pyarrow and PyAV read our datasets; openpi-server/-client, FastAPI + json-numpy and an OpenAI-style
  # endpoint are the real far sides of the remote-policy tests.
  pip_packages=("pyarrow>=17,<22" "av" "numpy" "openpi-client" "openpi-server" "fastapi" "uvicorn" "json-numpy"
                "msgpack" "pillow")
  if ! python3 -c "import pyarrow, av, numpy, openpi_client, fastapi, uvicorn, json_numpy, msgpack, PIL" 2>/dev/null; then
    echo "setup: pip installing ${pip_packages[*]}"
    python3 -m pip install -q "${pip_packages[@]}" 2>/dev/null \
      || python3 -m pip install -q --break-system-packages "${pip_packages[@]}"
  fi
fi

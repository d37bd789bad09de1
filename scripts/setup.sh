#!/usr/bin/env bash
# Installs the Debian packages Benchtop builds and tests against, when any is missing.
# Runs apt-get update once, then apt-get install -y (as root, or through sudo).
#   setup.sh                Debian packages only (what the build needs)
#   setup.sh --test         and the Python packages and cached venvs of the interoperability tests
#   setup.sh --test-python  those Python parts only (scripts/test.sh runs them beside the Swift build)
#   setup.sh --bench        and the peers of the benchmarks
set -euo pipefail
mode=${1:-}

packages=(
  pkg-config g++ make
  clang-format                        # the C/C++ formatting check of make test (.clang-format)
  libbullet-dev                       # physics (double-precision build via pkg-config bullet-float64)
  libbullet-extras-dev                # HACD convex decomposition of concave mesh objects (collision: decomposition)
  libassimp-dev                       # mesh files (OBJ + MTL, STL, glTF/GLB) for scene objects and URDF links
  libopenblas-dev liblapacke-dev      # numeric kernels: IK, depth VQ-VAE
  zlib1g-dev                          # PNG
  libturbojpeg0-dev                   # JPEG texture maps of mesh objects (pybullet_data's tray, plane)
  libegl-dev libgl-dev libopengl-dev libegl-mesa0 libgl1-mesa-dri   # headless OpenGL (EGL, Mesa llvmpipe)
  libglfw3-dev xvfb xauth             # viewer, and a virtual display for its tests
  libimgui-dev fonts-dejavu-core      # the viewer's panels (Dear ImGui + its GLFW/OpenGL 3 backends) and their font
  xdotool                             # real X mouse and key events in the viewer and teleoperation tests
  libavcodec-dev libavformat-dev libswscale-dev                     # video (LeRobot mp4)
  libsnappy-dev libzstd-dev           # Parquet compression
  python3 python3-pip                 # interoperability checks against the field's real tools
  patchelf                            # scripts/bundle.sh: RUNPATH $ORIGIN on the GPU bundle's libraries
)

missing=()
[ "$mode" = "--test-python" ] && packages=()
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
if [ "$mode" = "--test" ] || [ "$mode" = "--test-python" ]; then
  # pyarrow and PyAV read our datasets; openpi-server/-client, FastAPI + json-numpy and an OpenAI-style
  # endpoint are the real far sides of the remote-policy tests.
  pip_packages=("pyarrow>=17,<22" "av" "numpy" "openpi-client" "openpi-server" "fastapi" "uvicorn" "json-numpy"
                "msgpack" "pillow")
  if ! python3 -c "import pyarrow, av, numpy, openpi_client, fastapi, uvicorn, json_numpy, msgpack, PIL" 2>/dev/null; then
    echo "setup: pip installing ${pip_packages[*]}"
    python3 -m pip install -q "${pip_packages[@]}" 2>/dev/null \
      || python3 -m pip install -q --break-system-packages "${pip_packages[@]}"
  fi

  # The real LeRobot, which the dataset tests load every recording with and train on, in cached venvs made once
  # per machine and reused by every later `make test` (a cold first run downloads a few GB, mostly torch):
  #   venv-torch          lerobot 0.6.1 (reads and trains on v3.0; Python >= 3.12)
  #   venv-lerobot-0.3.3  lerobot 0.3.3 (reads v2.1, MolmoAct v1's pin; only its dataset loader is used)
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/benchtop"
  mkdir -p "$cache"
  # The first Python found of the given versions (in order of preference): on PATH, under pyenv, or (last resort)
  # one that uv downloads.
  find_python() {
    local version candidate
    for version in "$@"; do
      for candidate in "python$version" $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/"$version".*/bin/python3 2>/dev/null); do
        if "$candidate" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$version' else 1)" 2>/dev/null; then
          command -v "$candidate"
          return 0
        fi
      done
    done
    python3 -m pip install -q --user uv 2>/dev/null || python3 -m pip install -q --user --break-system-packages uv
    "$(python3 -m site --user-base)/bin/uv" python install "$1" >&2 && "$(python3 -m site --user-base)/bin/uv" python find "$1"
  }
  if [ ! -f "$cache/venv-torch/.benchtop-lerobot-0.6.1" ]; then
    echo "setup: creating $cache/venv-torch (lerobot 0.6.1; a few GB on the first run)"
    [ -x "$cache/venv-torch/bin/python" ] || "$(find_python 3.12 3.13)" -m venv "$cache/venv-torch"
    "$cache/venv-torch/bin/pip" install -q "lerobot[training]==0.6.1" safetensors "pyarrow>=17" av
    touch "$cache/venv-torch/.benchtop-lerobot-0.6.1"
  fi
  if [ ! -f "$cache/venv-lerobot-0.3.3/.benchtop-lerobot-0.3.3" ]; then
    echo "setup: creating $cache/venv-lerobot-0.3.3 (lerobot 0.3.3 for v2.1; a few GB on the first run)"
    [ -x "$cache/venv-lerobot-0.3.3/bin/python" ] || "$(find_python 3.11 3.10 3.12)" -m venv "$cache/venv-lerobot-0.3.3"
    "$cache/venv-lerobot-0.3.3/bin/pip" install -q "lerobot==0.3.3"
    touch "$cache/venv-lerobot-0.3.3/.benchtop-lerobot-0.3.3"
  fi
  # PyBullet, pinned: its pybullet_data folder is the asset library the mesh-object tests load through asset_path
  # (duck.obj with its PNG texture, objects/mug.urdf, lego/lego.urdf), and the robot-mesh tests read its Franka
  # Panda URDF (Plugins/PandaPybullet, MeshRobotEndToEndTests); tests find it with pybullet_data.getDataPath(). A manylinux wheel (about 100 MB download, 280 MB installed; about 90 s on a first run).
  if ! python3 -c "import pybullet_data, importlib.metadata as m, sys; sys.exit(m.version('pybullet') != '3.2.7')" 2>/dev/null; then
    echo "setup: pip installing pybullet==3.2.7"
    python3 -m pip install -q "pybullet==3.2.7" 2>/dev/null || python3 -m pip install -q --break-system-packages "pybullet==3.2.7"
  fi
  # Ray, pinned: the benchtop-ray test (python/benchtop-ray) starts a real two-node cluster on loopback.
  if ! python3 -c "import ray, sys; sys.exit(ray.__version__ != '2.60.0')" 2>/dev/null; then
    echo "setup: pip installing ray==2.60.0"
    python3 -m pip install -q "ray==2.60.0" 2>/dev/null || python3 -m pip install -q --break-system-packages "ray==2.60.0"
  fi
fi

# Peers of `benchtop bench loop` that the tests do not need: robosuite pinned in its own cached venv (robosuite 1.5
# needs MuJoCo 3.3, not 4). bench loop finds it there (or BENCHTOP_ROBOSUITE_PYTHON / --python).
if [ "$mode" = "--bench" ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/benchtop"
  if [ ! -f "$cache/venv-robosuite/.benchtop-robosuite-1.5.2" ]; then
    echo "setup: creating $cache/venv-robosuite (robosuite 1.5.2, mujoco 3.3.7)"
    [ -x "$cache/venv-robosuite/bin/python" ] || python3 -m venv "$cache/venv-robosuite"
    "$cache/venv-robosuite/bin/pip" install -q "robosuite==1.5.2" "mujoco==3.3.7"
    touch "$cache/venv-robosuite/.benchtop-robosuite-1.5.2"
  fi
fi

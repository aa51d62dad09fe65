#!/usr/bin/env bash
# Build the renderer's own environment, .venv-synth at the repository root.
# It is separate from posture's install on purpose (torch + anny + pyrender,
# about 1.7 GB) and only the synthetic benchmark uses it.
#
#   bench/synthetic/setup.sh            # create or update .venv-synth
#   PYTHON=python3.11 bench/synthetic/setup.sh
#
# Then:  .venv-synth/bin/python bench/synthetic/render.py /tmp/one.png
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-synth"
python="${PYTHON:-python3}"

# 1. OpenGL without a display: Mesa's off-screen renderer.
missing=()
for pkg in libosmesa6 libgl1 libglu1-mesa; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. The virtual environment.
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --upgrade pip >/dev/null
"$venv/bin/python" -m pip install -r "$here/requirements.txt"
# pyrender last and without its dependency resolution (see requirements.txt).
"$venv/bin/python" -m pip install --no-deps -r "$here/requirements-nodeps.txt"

# 3. Smoke test: import everything and render once off-screen.
PYOPENGL_PLATFORM=osmesa "$venv/bin/python" - <<'PY'
import os
os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
import numpy as np, pyrender, trimesh, torch, anny  # noqa: F401
scene = pyrender.Scene()
scene.add(pyrender.Mesh.from_trimesh(trimesh.creation.box()))
cam = np.eye(4); cam[2, 3] = 3.0
scene.add(pyrender.PerspectiveCamera(yfov=1.0), pose=cam)
scene.add(pyrender.DirectionalLight(intensity=2.0), pose=cam)
r = pyrender.OffscreenRenderer(64, 64)
rgb, _ = r.render(scene)
r.delete()
assert rgb.shape == (64, 64, 3)
print(f"ok: torch {torch.__version__}, anny {anny.__version__}, pyrender off-screen rendering works")
PY
echo "ready: $venv (the first anny.Anny() builds a cache, about a minute)"

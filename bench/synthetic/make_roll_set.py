"""Render the rolled-camera set for posture's levelling benchmark (bench/roll.py).

    PYOPENGL_PLATFORM=osmesa .venv-synth/bin/python bench/synthetic/make_roll_set.py [OUT]

OUT defaults to bench/synthetic/cache-roll/ (git-ignored with the other
caches).  The two held-out bodies, side (facing left) and front views, in
the structured room (a door, a wall corner, a shelf: see ``ROOMS`` in
render.py), each with the camera rolled by 0, +-2 and +-4 degrees and
nothing else changed, so the level render is each rolled one's reference.
Then the same with the camera raised and pitched down as a phone held at
chest or head height is (``PITCHED``), rolled by 0 and +3 degrees: there
true verticals converge. Resumable: a picture whose PNG and JSON exist is
skipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_set as M  # noqa: E402
import render as R  # noqa: E402

BODIES = ("man_tall_lean", "woman_heavy_older")
"""The bodies bench/accuracy.py holds out of every fit."""
VIEWS = ({"view": "side", "facing": "left"}, {"view": "front"})
ROLLS = (0.0, -4.0, -2.0, 2.0, 4.0)
PITCHED = ((1.4, -6.0), (1.7, -10.0))
"""(lens height in m, pitch in degrees, - = tipped down): chest and head height, aimed at the person's middle."""
PITCHED_ROLLS = (0.0, 3.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Render the rolled-camera levelling set (resumable).")
    ap.add_argument("out", nargs="?", default=str(HERE / "cache-roll"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    renderer = R.default_renderer()
    for body in BODIES:
        for view in VIEWS:
            base = f"{body}_{view['view']}"
            # One look per body and view, so the rolled pictures differ from the level one only by the roll.
            look = {**M.variation(0, base), "camera_roll_deg": 0.0}
            cameras = [("", roll, {}) for roll in ROLLS] + [
                (f"_h{height:.1f}_p{pitch:+.0f}", roll, {"camera_height_m": height, "camera_pitch_deg": pitch})
                for height, pitch in PITCHED for roll in PITCHED_ROLLS]
            for tag, roll, camera in cameras:
                name = f"{base}{tag}_roll{roll:+.0f}"
                png = out / f"{name}.png"
                if png.exists() and png.with_suffix(".json").exists():
                    continue
                scene = R.Scene(body=body, room="structured", **view, **{**look, **camera, "camera_roll_deg": roll})
                rgb, truth = renderer.render(scene)[:2]
                truth["set"] = {"name": name, "body": body, **view, "roll_deg": roll, **camera}
                R.save(rgb, truth, png)
                print(name, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

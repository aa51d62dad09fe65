"""Render the rolled-camera set for posture's levelling benchmark (bench/roll.py).

    PYOPENGL_PLATFORM=osmesa .venv-synth/bin/python bench/synthetic/make_roll_set.py [OUT]

OUT defaults to bench/synthetic/cache-roll/ (git-ignored with the other
caches).  The two held-out bodies, side (facing left) and front views, in
the structured room (a door, a wall corner, a shelf: see ``ROOMS`` in
render.py), each with the camera rolled by 0, +-2 and +-4 degrees and
nothing else changed, so the level render is each rolled one's reference.
Resumable: a picture whose PNG and JSON exist is skipped.
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
            for roll in ROLLS:
                name = f"{base}_roll{roll:+.0f}"
                png = out / f"{name}.png"
                if png.exists() and png.with_suffix(".json").exists():
                    continue
                scene = R.Scene(body=body, room="structured", **view, **{**look, "camera_roll_deg": roll})
                rgb, truth = renderer.render(scene)[:2]
                truth["set"] = {"name": name, "body": body, **view, "roll_deg": roll}
                R.save(rgb, truth, png)
                print(name, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

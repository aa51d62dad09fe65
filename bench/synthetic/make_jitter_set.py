"""Render the camera-jitter set for posture's uncertainty coverage benchmark (bench/coverage.py).

    PYOPENGL_PLATFORM=osmesa .venv-synth/bin/python bench/synthetic/make_jitter_set.py [OUT]

OUT defaults to bench/synthetic/cache-jitter/ (git-ignored with the other
caches).  All seven bodies of the main set in three postures (side view neutral, side
view with the pelvis tipped 10 deg forward, front view with the arms a hand's
width away and the pelvis dropped 4 deg), each photographed several times
with the camera moved a little between shots, as a practitioner re-taking a
photo would: distance +-0.2 m, lens height +-8 cm, roll +-0.5 deg, the person
turned +-2 deg.  The posture is the same in every shot of a group, so the
spread of a measurement across the group is what its uncertainty must cover.
The room is the structured one (door, wall corner, shelf), so that levelling
from background lines applies.  Resumable: a picture whose PNG and JSON exist
is skipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_set as M  # noqa: E402
import render as R  # noqa: E402

BODIES = tuple(M.SET_BODIES)
"""bench/coverage.py fits the uncertainty's one factor on five of them and checks it on the two held out of every fit."""
POSTURES = {
    "side-neutral": {"view": "side", "facing": "left"},
    "side-tilt+10": {"view": "side", "facing": "left", "pelvic_tilt_deg": 10.0},
    "front-drop+4": {"view": "front", "pelvic_drop_deg": 4.0, "arm_abduction_deg": 20.0},
}
SHOTS = 8


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Render the camera-jitter set (resumable).")
    ap.add_argument("out", nargs="?", default=str(HERE / "cache-jitter"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    renderer = R.default_renderer()
    for body in BODIES:
        for label, posture in POSTURES.items():
            group = f"{body}_{label}"
            look = M.variation(0, group)
            rng = np.random.default_rng(list(group.encode()))
            for shot in range(SHOTS):
                name = f"{group}_shot{shot}"
                png = out / f"{name}.png"
                camera = {
                    "camera_distance_m": round(look["camera_distance_m"] + float(rng.uniform(-0.2, 0.2)), 3),
                    "camera_height_m": round(look["camera_height_m"] + float(rng.uniform(-0.08, 0.08)), 3),
                    "camera_roll_deg": round(float(rng.uniform(-0.5, 0.5)), 3),
                    "turn_deg": round(float(rng.uniform(-2.0, 2.0)), 2),
                }
                if png.exists() and png.with_suffix(".json").exists():
                    continue
                scene = R.Scene(body=body, room="structured", **posture, **{**look, **camera})
                rgb, truth = renderer.render(scene)[:2]
                truth["set"] = {"name": name, "group": group, "body": body, **posture, **camera}
                R.save(rgb, truth, png)
                print(name, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Render the arms-at-the-sides set: front and back views with the arms resting naturally against the body.

    PYOPENGL_PLATFORM=osmesa .venv-synth/bin/python bench/synthetic/make_sides_set.py [OUT]

OUT defaults to bench/synthetic/cache-sides/ (git-ignored with the other
caches). bench/hip_sides.py measures it ("Arms resting at the sides" in
bench/ACCURACY.md). Every body here is held out of every fit: the two bodies
bench/accuracy.py holds out, and three more that no other set renders
(:data:`NEW_BODIES`). Each body is seen from the front and from the back
with the pelvis dropped by each of :data:`DROPS`, the arms resting against
the flanks (:data:`ARMS_DEG`: how far the upper arm stands out from the
vertical, drawn per picture) and, for a third of the pictures, a shoulder
drop. Colours and camera vary per picture as in make_set.py. Resumable: a
picture whose PNG and JSON both exist is skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_set as M  # noqa: E402
import render as R  # noqa: E402

NEW_BODIES = {
    "woman_slim_tall": R.Body(gender=0.95, age=0.68, muscle=0.45, weight=0.3, height=0.55, proportions=0.4),
    "man_broad_short": R.Body(gender=0.0, age=0.78, muscle=0.7, weight=0.6, height=0.28, proportions=0.5),
    "woman_round_older": R.Body(gender=1.0, age=0.9, muscle=0.4, weight=0.7, height=0.3, proportions=0.4),
}
"""Bodies rendered in no other set, so that no calibration has seen them."""
BODIES = ("man_tall_lean", "woman_heavy_older", *NEW_BODIES)
DROPS = (-7, -3, 0, 3, 6)
"""Pelvic drops in degrees (+ = the person's left iliac crest higher)."""
ARMS_DEG = (2.0, 6.0)
"""The arms stand out from the vertical by an angle drawn evenly between these: 2 lays the upper arm on the
flank, 6 (the renderer's default) lets the hands touch the thighs; a relaxed stance lies in between."""
SHOULDER_DROP_DEG = 3.0
"""Given to every third picture, as a relaxed stance seldom holds the shoulders level."""


def plan() -> list[tuple[str, dict, dict]]:
    """Every picture: (name, scene kwargs without the look, what the set records)."""
    items = []
    for body in BODIES:
        for view in ("front", "back"):
            for index, drop in enumerate(DROPS):
                name = f"{body}_{view}_pelvic-drop{M._number(drop)}_sides"
                rng = np.random.default_rng([1, int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")])
                arms = round(float(rng.uniform(*ARMS_DEG)), 2)
                shoulder = SHOULDER_DROP_DEG if (index + (view == "back")) % 3 == 0 else 0.0
                kwargs = {"body": NEW_BODIES.get(body, body), "view": view, "pelvic_drop_deg": float(drop),
                          "shoulder_drop_deg": shoulder, "arm_abduction_deg": arms}
                items.append((name, kwargs, {"body": body, "view": view, "sweep": "pelvic_drop_deg+shoulder_drop_deg",
                                             "value": [drop, shoulder], "arms_deg": arms}))
    return items


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Render the arms-at-the-sides set (resumable).")
    ap.add_argument("out", nargs="?", default=str(HERE / "cache-sides"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    items = plan()
    renderer = None
    for number, (name, kwargs, recorded) in enumerate(items, 1):
        png = out / f"{name}.png"
        if png.exists() and png.with_suffix(".json").exists():
            continue
        renderer = renderer or R.default_renderer()
        rgb, truth = renderer.render(R.Scene(**kwargs, **M.variation(0, name)))[:2]
        truth["set"] = {"name": name, **recorded}
        R.save(rgb, truth, png)
        print(f"[{number}/{len(items)}] {name}", flush=True)
    lines = [json.dumps({"name": name, "png": f"{name}.png", "json": f"{name}.json", **recorded})
             for name, _, recorded in items if (out / f"{name}.json").exists()]
    (out / "index.jsonl").write_text("".join(line + "\n" for line in lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Render the fixed, seeded synthetic benchmark set.

    .venv-synth/bin/python bench/synthetic/make_set.py [OUT] [--seed 0] [--bodies a,b] [--limit N] [--mask]

OUT defaults to bench/synthetic/cache/ (git-ignored).  Each picture NAME.png
gets its ground truth in NAME.json (see GROUND_TRUTH.md); the JSON also
records which sweep the picture belongs to.  The run is resumable: a picture
whose PNG and JSON both exist is skipped.  At the end index.jsonl lists the
whole set, one line per picture.

The set, for every body:
* side views facing image-left and image-right: neutral, then one parameter
  at a time: neck flexion 10/20/30/40 deg, head protraction 3/6 cm, feet
  behind -10/-5/5/10/15 cm, trunk lean -10/-5/5/10/20 deg, knee
  hyperextension 5/10 deg, pelvic tilt -10/-5/5/10/15/20 deg;
* front and back views: pelvic drop -8/-4/0/4/8 deg, each with a shoulder
  drop of 0 and 5 deg, with the arms hanging against the thighs and again a
  hand's width away from the hips (20 deg), as the photo advice asks.
Colours, camera distance (2.5-4 m), camera height (0.8-1.3 m) and camera
roll (+-1 deg) vary per picture, drawn from a generator seeded by the seed
and the picture's name, so one picture's look never depends on which others
were rendered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import render as R  # noqa: E402

SET_BODIES = ["woman_average", "man_average", "woman_heavy_older", "man_tall_lean", "man_heavy_older", "woman_athletic", "person_short_stocky"]

SIDE_SWEEPS = {
    "neck_flexion_deg": [10, 20, 30, 40],
    "head_protraction_cm": [3, 6],
    "feet_behind_cm": [-10, -5, 5, 10, 15],
    "trunk_lean_deg": [-10, -5, 5, 10, 20],
    "knee_hyperextension_deg": [5, 10],
    "pelvic_tilt_deg": [-10, -5, 5, 10, 15, 20],
}
FRONT_DROPS = [-8, -4, 0, 4, 8]
FRONT_SHOULDERS = [0, 5]
FRONT_ARMS = [6, 20]
"""Arms hanging against the thighs (6 deg), and a hand's width away from the hips as posture's photo advice asks (20)."""

# Plain clothing and room colours, sRGB.
TOPS = [(70, 100, 160), (180, 60, 60), (60, 130, 90), (225, 225, 220), (40, 40, 45), (200, 160, 60), (120, 80, 150), (90, 150, 190)]
SHORTS = [(45, 45, 55), (30, 50, 90), (90, 90, 95), (120, 90, 60), (20, 20, 20), (60, 80, 60)]
SKINS = [(241, 204, 178), (225, 185, 155), (198, 150, 115), (160, 110, 80), (120, 80, 55), (90, 60, 42)]
HAIRS = [(40, 30, 25), (70, 50, 35), (120, 90, 55), (180, 150, 100), (150, 150, 150), (20, 18, 16)]
WALLS = [(215, 212, 205), (235, 235, 230), (190, 200, 210), (200, 190, 175), (170, 175, 170), (225, 215, 195)]
FLOORS = [(150, 125, 100), (110, 90, 70), (170, 165, 160), (125, 125, 130), (185, 160, 120), (90, 95, 100)]


def _number(v: float) -> str:
    return f"{v:+g}".replace(".", "p")


def plan(bodies: list[str]) -> list[tuple[str, dict, dict]]:
    """Every picture of the set: (name, posture and view kwargs, sweep info)."""
    items = []
    for body in bodies:
        for facing in ("left", "right"):
            view = {"body": body, "view": "side", "facing": facing}
            items.append((f"{body}_side-{facing}_neutral", dict(view), {"sweep": "neutral", "value": 0}))
            for param, values in SIDE_SWEEPS.items():
                for v in values:
                    short = param.rsplit("_", 1)[0].replace("_", "-")
                    items.append((f"{body}_side-{facing}_{short}{_number(v)}", {**view, param: float(v)}, {"sweep": param, "value": v}))
        for view_name in ("front", "back"):
            for arms in FRONT_ARMS:
                for drop in FRONT_DROPS:
                    for shoulder in FRONT_SHOULDERS:
                        kwargs = {"body": body, "view": view_name, "pelvic_drop_deg": float(drop),
                                  "shoulder_drop_deg": float(shoulder), "arm_abduction_deg": float(arms)}
                        name = f"{body}_{view_name}_pelvic-drop{_number(drop)}_shoulder-drop{_number(shoulder)}"
                        name += "" if arms == FRONT_ARMS[0] else f"_arms{_number(arms)}"
                        items.append((name, kwargs, {"sweep": "pelvic_drop_deg+shoulder_drop_deg",
                                                     "value": [drop, shoulder], "arms_deg": arms}))
    return items


MARKER_BODIES = ["man_tall_lean", "woman_heavy_older", "man_average"]
MARKER_SIDE = {"pelvic_tilt_deg": [-10, 0, 10, 20], "neck_flexion_deg": [20, 40]}
MARKER_DROPS = [-8, -4, 0, 4, 8]
MARKER_ROOM = "structured"
"""The marker renders stand in the room with a door, a wall corner and a shelf (render.ROOMS), so that posture
levels their rolled cameras from the background lines, as it would a practitioner's photo taken in a room."""
FRAME_LONG_SIDE_35MM = 34.6
"""The long side (mm) of the 4:3 frame whose diagonal is the 35 mm frame's: what a phone's 35 mm-equivalent focal
length refers to (as posture/stages/measure/markers.py reads it)."""


def marker_plan(bodies: list[str]) -> list[tuple[str, dict, dict]]:
    """Renders with round skin markers on the measured points (posture --markers), for the marker benchmark.

    Side views carry markers on the near side's ASIS and PSIS, the near tragus and C7; back views on both
    iliac crests, with the arms a hand's width away. All in the structured room (:data:`MARKER_ROOM`).
    """
    items = []
    for body in bodies:
        for facing in ("left", "right"):
            near = "left" if facing == "left" else "right"
            markers = (f"asis_{near}", f"psis_{near}", f"tragus_{near}", "c7")
            view = {"body": body, "view": "side", "facing": facing, "markers": markers, "room": MARKER_ROOM}
            for param, values in MARKER_SIDE.items():
                for v in values:
                    if param == "neck_flexion_deg" and v == 0:
                        continue
                    short = param.rsplit("_", 1)[0].replace("_", "-")
                    items.append((f"{body}_side-{facing}_{short}{_number(v)}_markers", {**view, param: float(v)},
                                  {"sweep": param if v else "neutral", "value": v}))
        for drop in MARKER_DROPS:
            kwargs = {"body": body, "view": "back", "pelvic_drop_deg": float(drop), "arm_abduction_deg": 20.0,
                      "markers": ("iliac_crest_left", "iliac_crest_right"), "room": MARKER_ROOM}
            items.append((f"{body}_back_pelvic-drop{_number(drop)}_markers", kwargs,
                          {"sweep": "pelvic_drop_deg", "value": drop}))
    return items


FULLER_ARM_FLEXION_DEG = 30.0
"""Side views of the fuller set hold the arms 30 deg forwards: hanging, the arm hides the iliac crest's marker."""


def fuller_marker_plan(bodies: list[str]) -> list[tuple[str, dict, dict]]:
    """The marker renders again, with more points marked than the measures need (posture labels them by anatomy).

    Side views carry markers on the near side's ASIS, iliac crest and PSIS, the near tragus and C7, the arms held
    :data:`FULLER_ARM_FLEXION_DEG` forwards; back views on both PSIS and both iliac crests, the arms a hand's width
    away. Names and views as :func:`marker_plan`'s, so that each render's look (colours, camera) is drawn alike.
    """
    items = []
    for name, kwargs, sweep in marker_plan(bodies):
        if kwargs["view"] == "side":
            near = "left" if kwargs["facing"] == "left" else "right"
            kwargs = {**kwargs, "markers": (f"asis_{near}", f"iliac_crest_{near}", f"psis_{near}", f"tragus_{near}",
                                            "c7"), "arm_flexion_deg": FULLER_ARM_FLEXION_DEG}
        else:
            kwargs = {**kwargs, "markers": ("psis_left", "psis_right", "iliac_crest_left", "iliac_crest_right")}
        items.append((name, kwargs, {**sweep, "markers": "fuller"}))
    return items


def save_with_focal_length(rgb: np.ndarray, truth: dict, png: Path) -> None:
    """As :func:`render.save`, with the camera's focal length in the PNG's EXIF, as a phone photo has it.

    FocalLengthIn35mmFilm, whole millimetres (the tag is an integer): the vertical field of view over the image's
    long side as the 35 mm equivalent of a 4:3 frame (60 deg over 1280 px: 30 mm). Also written into the truth.
    """
    from PIL import Image

    intrinsics = truth["camera"]["intrinsics"]
    focal_35mm = round(intrinsics["fx"] / max(intrinsics["width"], intrinsics["height"]) * FRAME_LONG_SIDE_35MM)
    truth["camera"]["exif_focal_length_35mm"] = focal_35mm
    exif = Image.Exif()
    exif[0x8769] = {0xA405: focal_35mm}  # Exif IFD: FocalLengthIn35mmFilm
    # As render.save: PNG and JSON written beside and moved into place, the PNG last (resuming checks both).
    tmp, json_tmp = png.with_name(png.stem + ".tmp.png"), png.with_suffix(".json.tmp")
    Image.fromarray(rgb).save(tmp, optimize=False, compress_level=6, exif=exif)
    json_tmp.write_text(json.dumps(truth, indent=1) + "\n")
    json_tmp.replace(png.with_suffix(".json"))
    tmp.replace(png)


LOOSE_TILTS = [-10, 10, 20]
LOOSE_DROPS = [-8, 0, 8]
LOOSE_LOOK = {"clothing": "loose", "hair": "volume"}


def loose_plan(bodies: list[str]) -> list[tuple[str, dict, dict]]:
    """The looser-clothing set (bench/clothing.py): a loose T-shirt and shorts and a hair volume.

    A subset of :func:`plan` under the same names, so that each render's colours and camera are those of
    its close-fitting twin and the two differ only in clothes and hair: side views neutral and pelvic tilt
    -10/+10/+20 deg, both facings; front and back views with the arms a hand's width away, pelvic drop
    -8/0/+8 deg, each with a shoulder drop of 0 and 5 deg.
    """
    chosen = []
    for name, kwargs, sweep in plan(bodies):
        if kwargs["view"] == "side":
            keep = sweep["sweep"] == "neutral" or (sweep["sweep"] == "pelvic_tilt_deg" and sweep["value"] in LOOSE_TILTS)
        else:
            keep = sweep["arms_deg"] == FRONT_ARMS[1] and sweep["value"][0] in LOOSE_DROPS
        if keep:
            chosen.append((name, {**kwargs, **LOOSE_LOOK}, sweep))
    return chosen


KNEE_FLEXIONS = [-5, -10, -15, -20]
"""Knees bent (render.Scene's knee_hyperextension_deg below zero), for the check of the landmarks' knee angle
against the leg's outline (posture/stages/measure/knee_outline.py)."""


def knee_plan(bodies: list[str]) -> list[tuple[str, dict, dict]]:
    """Side views with the knees bent 5-20 deg, both facings, close-fitting and loose clothes."""
    items = []
    for body in bodies:
        for facing in ("left", "right"):
            for flexion in KNEE_FLEXIONS:
                kwargs = {"body": body, "view": "side", "facing": facing, "knee_hyperextension_deg": float(flexion)}
                name = f"{body}_side-{facing}_knee-hyperextension{_number(flexion)}"
                items.append((name, kwargs, {"sweep": "knee_hyperextension_deg", "value": flexion}))
                if flexion == KNEE_FLEXIONS[1]:
                    items.append((name + "_loose", {**kwargs, **LOOSE_LOOK},
                                  {"sweep": "knee_hyperextension_deg", "value": flexion}))
    return items


def variation(seed: int, name: str) -> dict:
    """The look of one picture, from (seed, name) alone."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    rng = np.random.default_rng([seed, digest])

    def pick(options):
        return tuple(int(c) for c in options[rng.integers(len(options))])

    return {
        "top_rgb": pick(TOPS),
        "shorts_rgb": pick(SHORTS),
        "skin_rgb": pick(SKINS),
        "hair_rgb": pick(HAIRS),
        "background_rgb": pick(WALLS),
        "floor_rgb": pick(FLOORS),
        "camera_distance_m": round(float(rng.uniform(2.5, 4.0)), 3),
        "camera_height_m": round(float(rng.uniform(0.8, 1.3)), 3),
        "camera_roll_deg": round(float(rng.uniform(-1.0, 1.0)), 3),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Render the seeded synthetic posture set (resumable).")
    ap.add_argument("out", nargs="?", default=str(HERE / "cache"), help="output folder (default bench/synthetic/cache/)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bodies", default=",".join(SET_BODIES), help=f"comma-separated presets from: {', '.join(R.BODIES)}")
    ap.add_argument("--limit", type=int, default=None, help="render at most N new pictures (for a quick look)")
    ap.add_argument("--mask", action="store_true", help="also write each person mask as NAME.mask.png")
    ap.add_argument("--loose", action="store_true",
                    help="render the looser-clothing subset instead (loose T-shirt and shorts, hair volume)")
    ap.add_argument("--markers", action="store_true",
                    help="render the skin-marker set instead (posture --markers; bodies default to the held-out two "
                    "and man_average)")
    ap.add_argument("--fuller-markers", action="store_true",
                    help="render the skin-marker set with more points marked than the measures need (side: ASIS, "
                    "iliac crest, PSIS, tragus, C7; back: both PSIS and both iliac crests)")
    ap.add_argument("--knees", action="store_true",
                    help="render the bent-knee set instead (side views, knees bent 5-20 deg)")
    args = ap.parse_args(argv)

    args.markers = args.markers or args.fuller_markers
    if args.markers and args.bodies == ",".join(SET_BODIES):
        args.bodies = ",".join(MARKER_BODIES)
    bodies = [b.strip() for b in args.bodies.split(",") if b.strip()]
    unknown = [b for b in bodies if b not in R.BODIES]
    if unknown:
        ap.error(f"unknown bodies: {unknown}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    items = (fuller_marker_plan(bodies) if args.fuller_markers else marker_plan(bodies) if args.markers else
             loose_plan(bodies) if args.loose else knee_plan(bodies) if args.knees else plan(bodies))
    total = len(items)
    print(f"{total} pictures planned in {out} ({len(bodies)} bodies, seed {args.seed})", flush=True)

    renderer = None
    done = skipped = 0
    times: list[float] = []
    t_start = time.perf_counter()
    for k, (name, kwargs, sweep) in enumerate(items, 1):
        png, js = out / f"{name}.png", out / f"{name}.json"
        if png.exists() and js.exists():
            skipped += 1
            continue
        if args.limit is not None and done >= args.limit:
            break
        if renderer is None:
            t0 = time.perf_counter()
            renderer = R.default_renderer()
            print(f"body model ready in {time.perf_counter() - t0:.1f} s", flush=True)
        scene = R.Scene(**kwargs, **variation(args.seed, name))
        t0 = time.perf_counter()
        result = renderer.render(scene, mask=args.mask)
        rgb, truth = result[0], result[1]
        truth["set"] = {"name": name, "seed": args.seed, **sweep}
        t_render = time.perf_counter() - t0
        if args.markers:
            save_with_focal_length(rgb, truth, png)
        else:
            R.save(rgb, truth, png)
        if args.mask:
            from PIL import Image

            Image.fromarray((result[2] * 255).astype(np.uint8)).save(out / f"{name}.mask.png")
        dt = time.perf_counter() - t0
        times.append(t_render)
        done += 1
        warn = "" if truth["person"]["in_frame"] else "  (person not fully in frame!)"
        print(f"[{k}/{total}] {name}  render {t_render:.2f} s, with saving {dt:.2f} s{warn}", flush=True)

    # index of everything present
    lines = []
    for name, _, _ in items:
        js = out / f"{name}.json"
        if js.exists():
            truth = json.loads(js.read_text())
            lines.append(json.dumps({"name": name, "png": f"{name}.png", "json": f"{name}.json", **truth.get("set", {}), "view": truth["view"], "facing": truth["facing"], "body": truth["scene"]["body"]}))
    (out / "index.jsonl").write_text("\n".join(lines) + ("\n" if lines else ""))

    wall = time.perf_counter() - t_start
    if times:
        print(f"rendered {done}, skipped {skipped} existing; {np.mean(times):.2f} s per picture (posing + rendering + ground truth), {wall:.0f} s in all")
    else:
        print(f"nothing to render: {skipped} pictures already present")
    return 0


if __name__ == "__main__":
    sys.exit(main())

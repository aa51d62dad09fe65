"""Render standing clips' frames for posture's video benchmark (bench/video_bench.py): bodies that sway.

    PYOPENGL_PLATFORM=osmesa .venv-synth/bin/python bench/synthetic/make_sway_set.py [OUT] [--retakes] [--fit]

OUT defaults to bench/synthetic/cache-sway/ (git-ignored with the other
caches).  Each clip is a folder of PNG frames (30 a second, 5 s, 1080x1920
portrait) and a truth.json.  A clip starts from one render of the accuracy
set (bench/synthetic/cache/) of a body held out of every fit: the same scene,
posture, colours and camera, drawn again frame by frame while the body sways
by a sine of known amplitude (0.5-3 cm at the hips) and frequency
(0.1-1 Hz), both drawn at random:

- side views: the body tilts over its ankles as one piece (the legs lean as
  rigid columns, and the trunk leans by the same angle about the hips, so the
  hip angle keeps its value), front-back; the head sways further than the
  hips, in proportion to its height;
- front and back views: the whole body is carried sideways, every part alike
  (the renderer has no side-to-side tilt over the feet).

Every frame is rendered, so each carries its own ground truth (the
measurements' truth moves a little with the tilt: the clip's truth is their
mean over the frames posture keeps).  truth.json holds the sway drawn, each
frame's truth file name and the render it started from.  Resumable: a clip
whose truth.json exists is skipped.

Beside the frames, ``still.png`` (and its truth) is the same scene at the
same size without the sway: the photo the clip is compared with, taken by
the same camera.

``--retakes`` renders the same clips again as another session would film
them (OUT defaults to bench/synthetic/cache-sway-retake/): each sway drawn
anew, the camera moved (distance +-0.2 m, lens height +-8 cm, roll
+-0.5 deg) and the person turned +-2 deg, as bench/COVERAGE.md re-takes its
photos.  A clip and its re-take show the same posture, so their difference
is the re-take scatter their ± must cover.

``--fit`` renders the same for two bodies of the fit instead
(cache-sway-fit/, cache-sway-fit-retake/ with ``--retakes``): the clips
bench/clip_factor.py fits the clip's ± factor on.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import render as R  # noqa: E402

BODIES = ("man_tall_lean", "woman_heavy_older")
"""The bodies held out of every fit."""
FIT_BODIES = ("woman_average", "man_heavy_older")
"""Bodies of the fit, for clips a setting is fitted on (``--fit``): the clip's ± factor (posture/combine.py)."""
SWEEPS = ("side-left_neutral", "side-right_neck-flexion+20", "side-left_trunk-lean+10",
          "side-right_pelvic-tilt+10", "front_pelvic-drop+4_shoulder-drop+5", "back_pelvic-drop-4_shoulder-drop+5")
"""Per held-out body: both facings, three postures, a front view with a dropped hip and shoulder, and a back view."""
RATE = 30.0
SECONDS = 5.0
SIZE = (1080, 1920)
AMPLITUDE_CM = (0.5, 3.0)
FREQUENCY_HZ = (0.1, 1.0)


RETAKE_MOVES = {"camera_distance_m": 0.2, "camera_height_m": 0.08, "camera_roll_deg": 0.5, "turn_deg": 2.0}
"""How far a re-take's camera and person may move, either way (as bench/synthetic/make_jitter_set.py's re-taken
photos do): another session's clip."""


def planned(seed: int = 21, retake: bool = False, bodies: tuple[str, ...] = BODIES, room: str = "plain") -> list[dict]:
    """Each clip's render, sway and codec (the same every run for a seed; a clip's index is its encoding's seed),
    and for a re-take the camera's and the person's moves; the room does not change them."""
    rng = np.random.default_rng(seed)
    plan = []
    for body in bodies:
        for sweep in SWEEPS:
            clip = {"name": f"{body}_{sweep}", "amplitude_cm": float(rng.uniform(*AMPLITUDE_CM)),
                    "frequency_hz": float(rng.uniform(*FREQUENCY_HZ)),
                    "phase_rad": float(rng.uniform(0, 2 * math.pi)),
                    "codec": "libx265" if len(plan) % 2 else "libx264"}
            if room != "plain":
                clip["room"] = room
            if retake:
                clip["moves"] = {name: float(rng.uniform(-reach, reach)) for name, reach in RETAKE_MOVES.items()}
            plan.append(clip)
    return plan


def scene_of(render_json: dict, moves: dict[str, float] | None = None, room: str = "plain") -> R.Scene:
    """The accuracy-set render's scene at the clip's size in ``room``, its camera and person moved by ``moves``
    (added)."""
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in render_json["scene"].items()
              if k != "body_shape"}
    for name, move in (moves or {}).items():
        fields[name] += move
    return replace(R.Scene(**fields), width=SIZE[0], height=SIZE[1], room=room)


def swayed(scene: R.Scene, hips_ahead_cm: float, hip_height_m: float) -> R.Scene:
    """The scene with the body moved ``hips_ahead_cm`` at the hips: tilted over the ankles from the side, carried
    to its left from the front or back."""
    if scene.view == "side":
        tilt = math.degrees(math.atan2(hips_ahead_cm / 100.0, hip_height_m))
        return replace(scene, feet_behind_cm=scene.feet_behind_cm + hips_ahead_cm,
                       trunk_lean_deg=scene.trunk_lean_deg + tilt)
    return replace(scene, carry_sideways_m=hips_ahead_cm / 100.0)


def render_clip(renderer, source: Path, out: Path, clip: dict) -> None:
    folder = out / clip["name"]
    folder.mkdir(parents=True, exist_ok=True)
    render_json = json.loads((source / f"{clip['name']}.json").read_text())
    base = scene_of(render_json, clip.get("moves"), clip.get("room", "plain"))
    world = render_json["world_m"]
    hip_height = 0.5 * (world["left_hip"][2] + world["right_hip"][2])
    times = np.arange(0.0, SECONDS, 1.0 / RATE)
    started = time.time()
    for index, t in enumerate(times):
        png = folder / f"{index:04d}.png"
        if png.exists() and png.with_suffix(".json").exists():
            continue
        shift = clip["amplitude_cm"] * math.sin(2 * math.pi * clip["frequency_hz"] * t + clip["phase_rad"])
        rgb, truth = renderer.render(swayed(base, shift, hip_height))
        R.save(rgb, truth, png)
    seconds = time.time() - started
    document = {**clip, "rate": RATE, "seconds": SECONDS, "size": list(SIZE), "source": clip["name"],
                "view": base.view, "height_cm": render_json["person"]["height_cm"],
                "frames": [f"{index:04d}" for index in range(len(times))],
                "render_seconds_per_frame": round(seconds / len(times), 3)}
    (folder / "truth.json").write_text(json.dumps(document, indent=1))
    print(f"{folder.name}: {len(times)} frames, {seconds / len(times):.2f} s a frame", flush=True)


def render_still(renderer, source: Path, out: Path, clip: dict) -> None:
    """The clip's scene at the clip's size, standing still: the photo the clip is compared with."""
    render_json = json.loads((source / f"{clip['name']}.json").read_text())
    rgb, truth = renderer.render(scene_of(render_json, clip.get("moves"), clip.get("room", "plain")))
    R.save(rgb, truth, out / clip["name"] / "still.png")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Render the swaying clips' frames (resumable).")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--source", default=str(HERE / "cache"), help="the accuracy set the clips start from")
    ap.add_argument("--only", help="render only the clips whose name contains this")
    ap.add_argument("--retakes", action="store_true",
                    help="re-takes of the clips: the same scenes swaying otherwise, the camera and the person moved "
                         "a little (OUT defaults to bench/synthetic/cache-sway-retake)")
    ap.add_argument("--fit", action="store_true",
                    help="the fit's bodies instead of the held-out ones (OUT defaults to bench/synthetic/cache-sway-fit, "
                         "or cache-sway-fit-retake)")
    ap.add_argument("--room", choices=sorted(R.ROOMS), default="plain",
                    help="structured: the same clips (the same sway, camera moves and codecs) in a room with a door, "
                         "a wall corner and a shelf that posture levels by (OUT defaults to cache-sway-room...)")
    ap.add_argument("--clip", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    name = ("cache-sway" + ("-room" if args.room != "plain" else "") + ("-fit" if args.fit else "")
            + ("-retake" if args.retakes else ""))
    out = Path(args.out or HERE / name)
    source = Path(args.source)
    plan = planned((31 if args.fit else 21) + args.retakes, retake=args.retakes,
                   bodies=FIT_BODIES if args.fit else BODIES, room=args.room)
    if args.clip is not None:
        clip = next(c for c in plan if c["name"] == args.clip)
        renderer = R.default_renderer()
        if not (out / clip["name"] / "truth.json").exists():
            render_clip(renderer, source, out, clip)
        if not (out / clip["name"] / "still.png").exists():
            render_still(renderer, source, out, clip)
        return 0
    for clip in plan:
        if args.only and args.only not in clip["name"]:
            continue
        if (out / clip["name"] / "truth.json").exists() and (out / clip["name"] / "still.png").exists():
            continue
        # One process a clip: the renderer's memory grows by tens of MB a 1080x1920 frame and is given back only
        # when its process ends (two clips' worth in one process came near the machine's 24 GB).
        subprocess.run([sys.executable, __file__, str(out), "--source", str(source), "--clip", clip["name"],
                        *(["--retakes"] if args.retakes else []), *(["--fit"] if args.fit else []),
                        "--room", args.room], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

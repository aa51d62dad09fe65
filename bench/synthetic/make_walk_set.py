"""Render walking clips' frames for posture's walking benchmark (bench/walk_bench.py).

    PYOPENGL_PLATFORM=osmesa .venv-synth/bin/python bench/synthetic/make_walk_set.py [OUT]

OUT defaults to bench/synthetic/cache-walk/ (git-ignored with the other
caches).  Each clip is a folder of PNG frames (30 a second) and a truth.json:
the two held-out bodies walk across the picture (side view, landscape) or
towards the camera (front view, portrait) with a gait cycle of known
left-right asymmetry:

- ``symmetric``: both legs alike, the right leg half a cycle after the left;
- ``step-time``: the right leg 0.475 of a cycle after the left instead of
  0.5, so the left step (right strike to left strike) takes 0.525 of the
  stride and the right 0.475: a symmetry index of +10%;
- ``step-length``: the left hip flexed 4 deg less all through the cycle, so
  that the left heel lands nearer the right: the left step is shorter (its
  true index is read off the render, in truth.json).

The joint angles over the cycle are smooth sketches of the textbook sagittal
curves (hip +28 deg at heel strike, extending steadily to -10 deg at toe-off, knee 15 deg in
loading and about 60 deg in swing, a plantar flexion at toe-off, the arms
swinging against the legs), not motion capture.  The body is carried
forwards so that the foot in stance stays put on the floor: each frame is
posed once to find the stance heel, then placed.  truth.json holds each
heel's strike times (phase 0 of its leg) and where each heel came to rest.
Resumable: a clip whose truth.json exists is skipped.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import render as R  # noqa: E402

BODIES = ("man_tall_lean", "woman_heavy_older")
"""The bodies held out of every fit."""
RATE = 30.0
SECONDS = 3.6
STRIDE_S = 1.1
KINDS = {"symmetric": (0.5, 0.0), "step-time": (0.475, 0.0), "step-length": (0.5, -4.0)}
"""Per clip kind: the right leg's phase after the left, and the left hip's flexion added all through the cycle."""
VIEWS = {
    # Landscape, far enough that 3.5 m of walk fits with little perspective at the edges.
    "side": {"view": "side", "facing": "left", "width": 960, "height": 540, "camera_distance_m": 5.0,
             "yfov_deg": 36.0, "camera_height_m": 1.0},
    # Portrait, walking from 7.5 m to about 4 m from the camera.
    "front": {"view": "front", "width": 540, "height": 960, "camera_distance_m": 7.5, "yfov_deg": 36.0,
              "camera_height_m": 1.0},
}
START_TRAVEL_M = {"side": -1.9, "front": 0.0}


def bump(phase: float, centre: float, width: float) -> float:
    """A smooth bump over the cycle (wrapped), 1 at ``centre``."""
    d = (phase - centre + 0.5) % 1.0 - 0.5
    return math.exp(-((d / width) ** 2))


STANCE_LINE = (-0.05, 0.58)
"""The phases between which the hip extends at one steady rate: from just before heel strike to toe-off."""
HIP_AT_STRIKE, HIP_AT_TOE_OFF = 28.0, -10.0


def hip_flexion(phase: float) -> float:
    """The hip's flexion (degrees) over the cycle: a straight line through stance, a smooth curve back in swing.

    The body is carried by the heel in stance, so the hip's extension there sets the body's speed. A steady rate
    keeps the body moving evenly as the other heel lands (as a walking body does), and the rate carries on just
    before the landing, so the swinging heel is drawn back as fast as the body goes forward and comes to rest on
    the floor without sliding. (A sinusoid there slowed the body near each landing by an amount that depends on
    the other leg's phase: a step-time asymmetry of 10% then showed in the rendered heels as about 5%.)"""
    start, end = STANCE_LINE
    rate = (HIP_AT_TOE_OFF - HIP_AT_STRIKE) / end
    u = (phase - start) % 1.0
    if u <= end - start:
        return HIP_AT_STRIKE + rate * (u + start)
    # Cubic Hermite from toe-off back to the line's start, leaving and meeting it at the line's rate.
    span = 1.0 - (end - start)
    t = (u - (end - start)) / span
    low, high = HIP_AT_TOE_OFF, HIP_AT_STRIKE + rate * start
    return ((2 * t**3 - 3 * t**2 + 1) * low + (t**3 - 2 * t**2 + t) * span * rate
            + (-2 * t**3 + 3 * t**2) * high + (t**3 - t**2) * span * rate)


def leg_angles(phase: float) -> tuple[float, float, float]:
    """Hip flexion, knee flexion and ankle dorsiflexion (degrees) at a phase of the cycle (0: heel strike)."""
    hip = hip_flexion(phase)
    knee = 3.0 + 14.0 * bump(phase, 0.14, 0.07) + 57.0 * bump(phase, 0.72, 0.11)
    ankle = 8.0 * bump(phase, 0.42, 0.12) - 18.0 * bump(phase, 0.63, 0.06)
    return hip, knee, ankle


def arm_swing(phase: float) -> float:
    """An arm's swing forwards: against its own side's leg, about 15 deg each way."""
    return -15.0 * math.cos(2 * math.pi * (phase - 0.92))


def posture(time_s: float, right_phase: float, left_hip_deg: float) -> dict[str, float]:
    left = (time_s / STRIDE_S) % 1.0
    right = (time_s / STRIDE_S - right_phase) % 1.0
    (hl, kl, al), (hr, kr, ar) = leg_angles(left), leg_angles(right)
    return {"hip_flexion_left_deg": hl + left_hip_deg, "knee_flexion_left_deg": kl, "ankle_flexion_left_deg": al,
            "hip_flexion_right_deg": hr, "knee_flexion_right_deg": kr, "ankle_flexion_right_deg": ar,
            "arm_swing_left_deg": arm_swing(left), "arm_swing_right_deg": arm_swing(right)}


def strikes(right_phase: float) -> dict[str, list[float]]:
    """Each heel's strike times within the clip: phase 0 of its leg."""
    out = {}
    for side, offset in (("left", 0.0), ("right", right_phase)):
        out[side] = [round((k + offset) * STRIDE_S, 6) for k in range(-1, 10)
                     if 0.0 <= (k + offset) * STRIDE_S <= SECONDS]
    return out


def render_clip(renderer, out: Path, body: str, view: str, kind: str) -> None:
    right_phase, left_hip = KINDS[kind]
    folder = out / f"{body}_{view}_{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    times = np.arange(0.0, SECONDS, 1.0 / RATE)
    events = strikes(right_phase)
    base = R.Scene(body=body, **VIEWS[view])
    travel = START_TRAVEL_M[view]
    stance, anchor = None, None
    heels_world: list[dict[str, list[float]]] = []
    started = time.time()
    for index, t in enumerate(times):
        scene = replace(base, **posture(float(t), right_phase, left_hip))
        heels = renderer.posed_body(scene)["joints"]
        # The stance foot: the one whose heel struck last.
        last = {side: max([s for s in events[side] if s <= t + 1e-9], default=-1.0) for side in events}
        if last["left"] < 0 and last["right"] < 0:
            foot = "left" if (t / STRIDE_S) % 1.0 < ((t / STRIDE_S - right_phase) % 1.0) else "right"
        else:
            foot = max(last, key=last.get)
        heel_y = float(heels[f"{foot}_heel"][1])
        if foot != stance:
            stance, anchor = foot, heel_y - travel
        travel = heel_y - anchor
        rgb, truth = renderer.render(replace(scene, travel_m=travel))
        Image.fromarray(rgb).save(folder / f"{index:04d}.png")
        heels_world.append({name: truth["world_m"][name] for name in ("left_heel", "right_heel")})
        if index == 0:
            first_truth = truth
    seconds = time.time() - started
    document = {"body": body, "view": view, "kind": kind, "rate": RATE, "stride_s": STRIDE_S,
                "right_phase": right_phase, "left_hip_offset_deg": left_hip, "strikes": events,
                "heels_world": heels_world, "height_cm": first_truth["person"]["height_cm"],
                "render_seconds_per_frame": round(seconds / len(times), 3)}
    (folder / "truth.json").write_text(json.dumps(document, indent=1))
    print(f"{folder.name}: {len(times)} frames, {seconds / len(times):.2f} s a frame", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Render the walking clips' frames (resumable).")
    ap.add_argument("out", nargs="?", default=str(HERE / "cache-walk"))
    ap.add_argument("--only", help="render only the clips whose name contains this")
    args = ap.parse_args(argv)
    out = Path(args.out)
    renderer = R.default_renderer()
    for view in VIEWS:
        for kind in KINDS:
            for body in BODIES:
                name = f"{body}_{view}_{kind}"
                if (args.only and args.only not in name) or (out / name / "truth.json").exists():
                    continue
                render_clip(renderer, out, body, view, kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())

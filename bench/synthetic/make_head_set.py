"""Render the head-angle set for posture's craniovertebral-angle benchmark (bench/accuracy.py --head).

    PYOPENGL_PLATFORM=osmesa .venv-synth/bin/python bench/synthetic/make_head_set.py [OUT]

OUT defaults to bench/synthetic/cache-head/ (git-ignored with the other
caches).  The seven bodies of the main set, side views facing image-left and
image-right, photographed as a phone would be held: the lens at knee, hip,
chest or head height (four bands, 0.45-1.75 m), tipped up or down so that the
person stays centred in the picture, 2-5 m away, with the vertical field of
view of a phone's main camera on a portrait 3:4 frame (24-28 mm as a 35 mm
equivalent: 63-72 deg); the focal length is recorded in each PNG's EXIF.
One camera per body, facing and band (a group); in each group the same
camera photographs the neutral stance, neck flexion 10/20/30 deg and head
protraction 2/4/6 cm, so every render has a neutral twin for the change.

Besides the usual truth (GROUND_TRUTH.md) each JSON carries ``head_truth``:
the craniovertebral angle with C7 and the tragus picked at the edges of their
plausible positions on the mesh (C7 one vertebra up or down the back of the
neck; the tragus 4 mm forward, back, up or down, carried by the head), so the
benchmark can say how far the truth itself moves with its definition.
Resumable: a picture whose PNG and JSON exist is skipped; index.jsonl lists
the set at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_set as M  # noqa: E402
import render as R  # noqa: E402

BODIES = tuple(M.SET_BODIES)
BANDS = {"knee": (0.45, 0.60), "hip": (0.85, 1.00), "chest": (1.25, 1.40), "head": (1.60, 1.75)}
"""Lens height above the floor, metres: a uniform draw in the band per group."""
DISTANCE_M = (2.0, 5.0)
FOCAL_35MM = (24.0, 28.0)
"""35 mm-equivalent focal length of a phone's main camera; the vertical field of view follows on the long side."""
WIDTH, HEIGHT = 960, 1280
POSTURES = {
    "neutral": {},
    "neck-flexion+10": {"neck_flexion_deg": 10.0},
    "neck-flexion+20": {"neck_flexion_deg": 20.0},
    "neck-flexion+30": {"neck_flexion_deg": 30.0},
    "head-protraction+2": {"head_protraction_cm": 2.0},
    "head-protraction+4": {"head_protraction_cm": 4.0},
    "head-protraction+6": {"head_protraction_cm": 6.0},
}
VERTEBRA_M = 0.020
"""Spacing of neighbouring cervical spinous processes at 1.75 m stature (about 2 cm: vertebral body and disc),
scaled by the body's stature: C7 "one vertebra up" is the C6 process, "down" T1."""
TRAGUS_SHIFT_M = 0.004
"""How far the tragus may plausibly be picked off the chosen vertex (the flap is about a centimetre across)."""


def yfov_deg(focal_35mm: float) -> float:
    """Vertical field of view on a portrait frame whose long side is the 4:3 frame's (34.6 mm)."""
    return math.degrees(2.0 * math.atan(M.FRAME_LONG_SIDE_35MM / 2.0 / focal_35mm))


def camera(body: str, facing: str, band: str, stature_m: float) -> dict:
    """The group's camera, from its name alone: height in the band, distance, focal length, the pitch that centres."""
    name = f"{body}_side-{facing}_{band}"
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    rng = np.random.default_rng([7, digest])
    height = float(rng.uniform(*BANDS[band]))
    distance = float(rng.uniform(*DISTANCE_M))
    focal = float(rng.uniform(*FOCAL_35MM))
    # Centre the person: the optical axis through half the stature above the floor, on the body's mid-plane.
    pitch = math.degrees(math.atan2(0.5 * stature_m - height, distance))
    return {"camera_height_m": round(height, 3), "camera_distance_m": round(distance, 3),
            "camera_pitch_deg": round(pitch, 3), "yfov_deg": round(yfov_deg(focal), 3), "camera_roll_deg": 0.0,
            "width": WIDTH, "height": HEIGHT}


def alternative_points(rig, landmarks: dict[str, int], near: str) -> dict[str, tuple[str, object]]:
    """Rest-mesh rules for the alternative picks: C7 one vertebra up/down, and the tragus offsets (head frame)."""
    v = rig.vertices
    stature = float(v[:, 2].max() - v[:, 2].min())
    c7 = v[landmarks["c7"]]
    step = VERTEBRA_M * stature / 1.75
    out: dict[str, tuple[str, object]] = {"c7": ("vertex", landmarks["c7"])}
    for label, dz in (("c7_up", step), ("c7_down", -step)):
        for half_window in (0.006, 0.009, 0.012):  # the mesh's rows are 1-2 cm apart on some bodies
            ids = np.flatnonzero((np.abs(v[:, 0]) < 0.006) & (np.abs(v[:, 2] - (c7[2] + dz)) < half_window)
                                 & (v[:, 1] > 0))
            if ids.size:
                break
        out[label] = ("vertex", int(ids[np.argmax(v[ids, 1])]))  # the furthest back: the skin over the process
    # The body faces -y in the rest pose; up is +z.
    for label, offset in (("tragus_forward", (0.0, -TRAGUS_SHIFT_M, 0.0)), ("tragus_back", (0.0, TRAGUS_SHIFT_M, 0.0)),
                          ("tragus_up", (0.0, 0.0, TRAGUS_SHIFT_M)), ("tragus_down", (0.0, 0.0, -TRAGUS_SHIFT_M))):
        out[label] = ("head_offset", np.array(offset))
    return out


class _Recording:
    """Wraps the renderer's posing so the head bone's rotation and the posed vertices of each render are kept."""

    def __init__(self, renderer):
        self.renderer = renderer
        self.pose_result = None
        self.body = None
        pose, posed_body = renderer.pose, renderer.posed_body

        def recording_pose(scene):
            self.pose_result = pose(scene)
            return self.pose_result

        def recording_posed_body(scene):
            self.body = posed_body(scene)
            return self.body

        renderer.pose = recording_pose
        renderer.posed_body = recording_posed_body


def head_truth(recording: _Recording, scene: R.Scene, near: str) -> dict:
    """The CVA for every pick of C7 and the near tragus, and those points' pixels."""
    renderer = recording.renderer
    rig, G = recording.pose_result["rig"], recording.pose_result["G"]
    verts = recording.body["vertices"]
    tragus = recording.body["landmarks"][f"tragus_{near}"]
    head_rotation = G[rig.index["head"]]
    picks = alternative_points(rig, renderer.landmarks, near)
    points = {}
    for label, (kind, what) in picks.items():
        if kind == "vertex":
            points[label] = verts[what]
        else:
            points[label] = tragus + head_rotation @ what
    points["tragus"] = tragus
    c7s = {k: p for k, p in points.items() if k.startswith("c7")}
    tragi = {k: p for k, p in points.items() if k.startswith("tragus")}

    def cva(t, c):  # as render.clinical_measures: forward = -y in the body frame
        return math.degrees(math.atan2(t[2] - c[2], c[1] - t[1]))

    angles = {f"{tk}|{ck}": round(cva(t, c), 3) for tk, t in tragi.items() for ck, c in c7s.items()}
    cam = R.Camera.for_scene(scene)
    turn = R.rot_z(R.turn_of(scene))
    pixels = {}
    for label, p in points.items():
        uv, _ = cam.project(np.asarray(p) @ turn.T)
        pixels[label] = [round(float(uv[0, 0]), 2), round(float(uv[0, 1]), 2)]
    return {"cva_deg": angles, "nominal": "tragus|c7", "pixels": pixels,
            "body_m": {k: [round(float(c), 5) for c in p] for k, p in points.items()},
            "vertebra_m": VERTEBRA_M, "tragus_shift_m": TRAGUS_SHIFT_M}


def plan() -> list[tuple[str, str, str, str, dict]]:
    return [(body, facing, band, label, posture) for body in BODIES for facing in ("left", "right")
            for band in BANDS for label, posture in POSTURES.items()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Render the head-angle set (resumable).")
    ap.add_argument("out", nargs="?", default=str(HERE / "cache-head"))
    ap.add_argument("--limit", type=int, default=None, help="render at most N new pictures")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    renderer = None
    recording = None
    statures: dict[str, float] = {}
    done = 0
    items = plan()
    for body, facing, band, label, posture in items:
        name = f"{body}_side-{facing}_{band}_{label}"
        png = out / f"{name}.png"
        if png.exists() and png.with_suffix(".json").exists():
            continue
        if args.limit is not None and done >= args.limit:
            break
        if renderer is None:
            renderer = R.default_renderer()
            recording = _Recording(renderer)
        if body not in statures:
            v = renderer.rig(R.BODIES[body]).vertices
            statures[body] = float(v[:, 2].max() - v[:, 2].min())
        cam = camera(body, facing, band, statures[body])
        look = {k: v for k, v in M.variation(0, f"{body}_side-{facing}_{band}").items() if k.endswith("_rgb")}
        scene = R.Scene(body=body, view="side", facing=facing, **posture, **look, **cam)
        rgb, truth = renderer.render(scene)[:2]
        near = truth["near_side"]
        truth["head_truth"] = head_truth(recording, scene, near)
        truth["set"] = {"name": name, "group": f"{body}/side-{facing}/{band}", "band": band,
                        "sweep": "neutral" if label == "neutral" else next(iter(posture)),
                        "value": 0 if label == "neutral" else next(iter(posture.values()))}
        M.save_with_focal_length(rgb, truth, png)
        done += 1
        frame = "" if truth["person"]["in_frame"] else "  (person not fully in frame!)"
        print(f"{name}: CVA {truth['measures'][f'craniovertebral_angle_{near}_deg']:.1f}{frame}", flush=True)
    lines = []
    for body, facing, band, label, _ in items:
        name = f"{body}_side-{facing}_{band}_{label}"
        js = out / f"{name}.json"
        if js.exists():
            truth = json.loads(js.read_text())
            lines.append(json.dumps({"name": name, "png": f"{name}.png", "json": f"{name}.json", **truth["set"],
                                     "view": truth["view"], "facing": truth["facing"], "body": body}))
    (out / "index.jsonl").write_text("\n".join(lines) + ("\n" if lines else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

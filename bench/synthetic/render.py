"""Render synthetic people of known posture, with their ground truth.

A benchmark helper for `posture`, never imported by the package itself. It
poses the `anny` parametric body (CC0 MakeHuman assets, Apache-2.0 code),
renders it with pyrender on the CPU (OSMesa) in a plain room, and measures
the clinical quantities of SPEC.md directly on the posed 3-D body, so that
what `posture` reads from the picture can be compared with what is true.

Library use::

    from render import Scene, render
    rgb, truth = render(Scene(view="side", facing="left", neck_flexion_deg=20))

Command line (one picture plus its JSON ground truth, same stem)::

    python bench/synthetic/render.py out/neck20.png --neck-flexion-deg 20

Frames and signs (see GROUND_TRUTH.md for every definition):

* Body frame (anny's): metres, z up, the person faces -y, the person's left
  is +x.  The soles rest on the floor z = 0 and the midpoint of the two ankle
  joint centres stands on the world origin.
* World frame: the body frame turned about the vertical for the view; the
  camera stands on the -y side looking towards +y, so image-right is +x.
* Posing uses anny's 'local-ref' convention: each bone's delta rotation is
  expressed in world-aligned axes and composes with its parent's.  This module
  instead chooses, for the bones it controls, the *world* rotation G of the
  bone relative to its rest orientation, and derives the deltas
  D = G_parent^T G.  Rotations about +x tip a bone's top forward (towards -y),
  rotations about +y lower the person's left side.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

import numpy as np  # noqa: E402

SCHEMA = "posture-synthetic-ground-truth/1"


# --------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """anny phenotype parameters, each in [0, 1].

    In anny 0.6 ``gender`` 0 is male and 1 female; ``age`` 0.667 is a young
    adult (about 25 years) and 1.0 old (about 90; 0.5 is a teenager);
    ``proportions`` 0 is idealised and 1 uncommon.
    """

    gender: float = 0.5
    age: float = 0.72
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5

    def kwargs(self) -> dict[str, float]:
        return dataclasses.asdict(self)


BODIES: dict[str, Body] = {
    "woman_average": Body(gender=1.0, age=0.70, muscle=0.5, weight=0.5, height=0.38, proportions=0.3),
    "man_average": Body(gender=0.0, age=0.72, muscle=0.5, weight=0.5, height=0.37, proportions=0.3),
    "woman_heavy_older": Body(gender=0.95, age=0.88, muscle=0.35, weight=0.85, height=0.33, proportions=0.6),
    "man_tall_lean": Body(gender=0.05, age=0.68, muscle=0.65, weight=0.25, height=0.5, proportions=0.2),
    "man_heavy_older": Body(gender=0.1, age=0.95, muscle=0.3, weight=0.8, height=0.37, proportions=0.7),
    "woman_athletic": Body(gender=0.9, age=0.75, muscle=0.8, weight=0.4, height=0.44, proportions=0.2),
    "person_short_stocky": Body(gender=0.5, age=0.8, muscle=0.6, weight=0.65, height=0.22, proportions=0.8),
}

# The body on which the landmark vertices below were picked.
TEMPLATE_BODY = Body(gender=0.5, age=0.7)

# --------------------------------------------------------------------------
# Scene
# --------------------------------------------------------------------------

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Scene:
    """Everything that decides one picture.  Defaults: neutral standing.

    Posture (all relative to the neutral standing pose of the same body):

    neck_flexion_deg
        The head and neck bent forward (gaze lowered) by this many degrees,
        spread evenly over neck01, neck02, neck03 and the head joint.
    head_protraction_cm
        Forward head posture: the lower neck is flexed by an angle a
        (neck01..neck03 take a, the upper thoracic spine01 a/4) while the head
        joint takes the opposite so the gaze stays level.  a is solved so
        that the tragus moves this many cm further ahead of the acromion than
        with a = 0.  Negative values retract the head.
    feet_behind_cm
        + = feet behind the hips (hips ahead of the ankles).  Both legs lean
        forward as rigid columns pivoting at the ankles (knee angle kept,
        feet flat), carrying the pelvis forward; the trunk stays vertical.  Solved so that the hip joint centres stand this many cm
        ahead of the ankle joint centres (so 0 = hips right above ankles).
    trunk_lean_deg
        + = forward.  Pelvis and trunk rotate together about the hip axis
        (hip flexion, so the pelvic tilt grows by the same angle); legs stay
        vertical, arms keep hanging, the head keeps the gaze level.
    pelvic_tilt_deg
        + = anterior.  The pelvis (anny's root with spine05 and spine04, the
        bones that carry the skin over the ASIS, PSIS and sacrum) rotates
        about the hip axis; the lumbar curve takes it back (spine03 upright,
        spine02 half the tilt the other way, spine01 a quarter, see
        LUMBAR_PROFILE) so the trunk above stays upright over the hips;
        thighs stay vertical.
    pelvic_drop_deg
        Front/back views.  + = the person's left iliac crest higher.  The
        same bones rotate in the frontal plane and the trunk is brought back
        upright the same way; the leg of the lower side bends its knee just
        enough that both feet stay flat on the floor (a relaxed asymmetric
        stance).
    knee_hyperextension_deg
        + = knees pushed back past straight, both legs: thighs rotate by half
        of it one way, shanks the other, feet stay flat (- = flexed knees).
    arm_abduction_deg
        How far the hanging arms stand out from the body, degrees from the
        vertical (6: hands touching the thighs; about 20: a hand's width from
        the hips, as posture's photo advice asks for front and back photos).
    arm_flexion_deg
        Both arms swung forwards by this much about the shoulders' axis (0:
        hanging); side views with a marker on the iliac crest hold them about
        30 deg forwards, or the hanging arm hides it.
    shoulder_drop_deg
        + = the person's left shoulder higher (the right one dropped), in
        degrees of the line through the shoulder joints; achieved by rotating
        both clavicles in the frontal plane.  Arms keep hanging vertically.

    Walking (all 0: standing; bench/walk_bench.py sets them frame by frame
    over a gait cycle):

    hip_flexion_left_deg, hip_flexion_right_deg
        + = the thigh swung forwards of vertical (- = behind, as at
        toe-off).
    knee_flexion_left_deg, knee_flexion_right_deg
        + = the shank bent back from the thigh's line.
    ankle_flexion_left_deg, ankle_flexion_right_deg
        + = the toes raised from the shank's right angle (dorsiflexion), - =
        pointed (plantar flexion).
    arm_swing_left_deg, arm_swing_right_deg
        + = the arm swung forwards about the shoulder, added to
        arm_flexion_deg.
    travel_m
        The body carried this far forwards (the way it faces) after it is
        placed on the floor: a walk's progress.

    Swaying (bench/synthetic/make_sway_set.py sets it frame by frame):

    carry_sideways_m
        The whole body carried this far to its left (- = right) after it is
        placed: side-to-side sway seen from the front or back.

    Variation: ``body`` (a name from BODIES, or a Body), clothing, skin,
    hair, background and floor colours (sRGB 0-255), the clothing's cut
    (``clothing``: close-fitting or loose) and the hair's (``hair``: a cap
    on the scalp or a volume standing off it), the camera (distance
    from the ankle midpoint, height of the lens above the floor, roll, pitch,
    vertical field of view), the view and, for side views, the facing
    direction in the image, and the image size.
    """

    # posture
    neck_flexion_deg: float = 0.0
    head_protraction_cm: float = 0.0
    feet_behind_cm: float = 0.0
    trunk_lean_deg: float = 0.0
    pelvic_tilt_deg: float = 0.0
    pelvic_drop_deg: float = 0.0
    knee_hyperextension_deg: float = 0.0
    shoulder_drop_deg: float = 0.0
    arm_abduction_deg: float = 6.0
    arm_flexion_deg: float = 0.0
    # walking
    hip_flexion_left_deg: float = 0.0
    hip_flexion_right_deg: float = 0.0
    knee_flexion_left_deg: float = 0.0
    knee_flexion_right_deg: float = 0.0
    ankle_flexion_left_deg: float = 0.0
    ankle_flexion_right_deg: float = 0.0
    arm_swing_left_deg: float = 0.0
    arm_swing_right_deg: float = 0.0
    travel_m: float = 0.0
    # swaying
    carry_sideways_m: float = 0.0
    # variation
    body: str | Body = "woman_average"
    top_rgb: RGB = (70, 100, 160)
    shorts_rgb: RGB = (45, 45, 55)
    skin_rgb: RGB = (225, 185, 155)
    hair_rgb: RGB = (70, 50, 35)
    clothing: str = "tight"  # tight | loose (see CLOTHING)
    hair: str = "cap"  # cap | volume (see HAIR_STYLES)
    background_rgb: RGB = (215, 212, 205)
    floor_rgb: RGB = (150, 125, 100)
    room: str = "plain"  # plain | structured (see ROOMS): background verticals for the levelling benchmark
    camera_distance_m: float = 3.0
    camera_height_m: float = 1.0
    camera_roll_deg: float = 0.0
    camera_pitch_deg: float = 0.0
    yfov_deg: float = 60.0
    view: str = "side"  # side | front | back
    facing: str = "left"  # left | right (image direction the person faces, side views)
    turn_deg: float = 0.0  # extra turn of the person about the vertical, + = counter-clockwise from above
    markers: tuple[str, ...] = ()
    marker_rgb: RGB = (40, 215, 70)
    width: int = 720
    height: int = 1280

    def body_shape(self) -> Body:
        if isinstance(self.body, Body):
            return self.body
        try:
            return BODIES[self.body]
        except KeyError:
            raise ValueError(f"unknown body {self.body!r}; choose from {sorted(BODIES)}") from None

    def body_name(self) -> str:
        if isinstance(self.body, Body):
            for name, preset in BODIES.items():
                if preset == self.body:
                    return name
            return "custom"
        return self.body

    def validate(self) -> None:
        if self.view not in ("side", "front", "back"):
            raise ValueError(f"view must be side, front or back, not {self.view!r}")
        if self.facing not in ("left", "right"):
            raise ValueError(f"facing must be left or right, not {self.facing!r}")
        if self.clothing not in CLOTHING:
            raise ValueError(f"clothing must be one of {sorted(CLOTHING)}, not {self.clothing!r}")
        if self.hair not in HAIR_STYLES:
            raise ValueError(f"hair must be one of {sorted(HAIR_STYLES)}, not {self.hair!r}")
        if self.room not in ROOMS:
            raise ValueError(f"room must be one of {sorted(ROOMS)}, not {self.room!r}")
        if self.width < 64 or self.height < 64:
            raise ValueError("image too small")
        self.body_shape()

    def to_json(self) -> dict:
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "body":
                value = self.body_name()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        out["body_shape"] = self.body_shape().kwargs()
        return out


# --------------------------------------------------------------------------
# Landmark vertices (anny default topology, 13,718 vertices)
# --------------------------------------------------------------------------
# Picked on TEMPLATE_BODY in its rest pose by derive_landmark_vertices()
# (run `render.py --derive-landmarks` to repeat it) and checked on close-up
# renders.  The rules are documented in GROUND_TRUTH.md.  Left ids; the right
# ones are their mirror images.

LANDMARK_VERTICES: dict[str, int] = {
    "tragus_left": 12023,
    "tragus_right": 5440,
    "c7": 858,
    "acromion_left": 8219,
    "acromion_right": 1557,
    "asis_left": 10915,
    "asis_right": 4302,
    "psis_left": 10799,
    "psis_right": 4176,
    "iliac_crest_left": 10776,
    "iliac_crest_right": 4151,
}

# The tragus was picked by eye on a close-up of the left ear: the front rim
# of the concha at the height of the ear canal.
TRAGUS_LEFT = 12023

# --------------------------------------------------------------------------
# Small geometry helpers
# --------------------------------------------------------------------------


def rot_x(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_axis(axis: np.ndarray, deg: float) -> np.ndarray:
    """Rodrigues: rotation by deg about a unit axis."""
    k = np.asarray(axis, float)
    k = k / np.linalg.norm(k)
    a = math.radians(deg)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(a) * K + (1 - math.cos(a)) * (K @ K)


def rot_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation turning direction a into direction b."""
    a = np.asarray(a, float) / np.linalg.norm(a)
    b = np.asarray(b, float) / np.linalg.norm(b)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis)
    c = float(np.dot(a, b))
    if s < 1e-9:
        return np.eye(3)
    return rot_axis(axis / s, math.degrees(math.atan2(s, c)))


def unit(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


def secant(fn, target: float, x0: float, x1: float, tol: float = 1e-5, iters: int = 12) -> float:
    """Solve fn(x) = target for a smooth, nearly linear fn."""
    f0, f1 = fn(x0) - target, fn(x1) - target
    for _ in range(iters):
        if abs(f1) < tol or f1 == f0:
            break
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
        f1 = fn(x1) - target
    return x1


# --------------------------------------------------------------------------
# The body model
# --------------------------------------------------------------------------


class _BodyRig:
    """One body shape in anny's identity pose, plus what posing needs."""

    def __init__(self, model, body: Body):
        import torch

        self.model = model
        self.body = body
        self.labels: list[str] = list(model.bone_labels)
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.parents = np.asarray(model.bone_parents, dtype=int)
        n = len(self.labels)
        identity = torch.eye(4, dtype=model.dtype)[None, None].repeat(1, n, 1, 1)
        with torch.no_grad():
            out = model(pose_parameters=identity, phenotype_kwargs=body.kwargs())
        # Identity deltas: the rest (A-)pose with the root bone head at the origin.
        self.vertices = out["vertices"][0].detach().cpu().numpy().astype(np.float64)
        self.heads = out["bone_poses"][0, :, :3, 3].detach().cpu().numpy().astype(np.float64)
        self.weights = model.vertex_bone_weights.detach().cpu().numpy().astype(np.float64)
        self.weight_bones = model.vertex_bone_indices.detach().cpu().numpy().astype(int)
        # Bones sorted so that every parent comes before its children.
        depth = np.zeros(n, int)
        for i in range(1, n):
            j, d = i, 0
            while j != 0:
                j = self.parents[j]
                d += 1
            depth[i] = d
        self.order = list(np.argsort(depth, kind="stable"))

    def head(self, name: str) -> np.ndarray:
        return self.heads[self.index[name]]

    # -- kinematics ---------------------------------------------------------
    def full_rotations(self, targets: dict[str, np.ndarray]) -> np.ndarray:
        """World rotation (relative to rest) of every bone: the target where
        given, else the parent's."""
        G = np.empty((len(self.labels), 3, 3))
        for i in self.order:
            name = self.labels[i]
            if name in targets:
                G[i] = targets[name]
            elif i == 0:
                G[i] = np.eye(3)
            else:
                G[i] = G[self.parents[i]]
        return G

    def forward(self, G: np.ndarray) -> np.ndarray:
        """Posed bone head positions (root head stays at the origin)."""
        p = np.empty_like(self.heads)
        for i in self.order:
            if i == 0:
                p[i] = self.heads[0]
            else:
                par = self.parents[i]
                p[i] = p[par] + G[par] @ (self.heads[i] - self.heads[par])
        return p

    def skin(self, G: np.ndarray, p: np.ndarray, vertex_ids) -> np.ndarray:
        """Linear blend skinning of a few vertices (same as anny's LBS)."""
        ids = np.asarray(vertex_ids, int)
        v0 = self.vertices[ids]
        out = np.zeros_like(v0)
        for k in range(self.weights.shape[1]):
            b = self.weight_bones[ids, k]
            w = self.weights[ids, k][:, None]
            moved = np.einsum("nij,nj->ni", G[b], v0 - self.heads[b]) + p[b]
            out += w * moved
        return out

    def delta_parameters(self, G: np.ndarray) -> np.ndarray:
        """anny 'local-ref' delta transforms for the world rotations G."""
        n = len(self.labels)
        D = np.tile(np.eye(4), (n, 1, 1))
        D[0, :3, :3] = G[0]
        for i in range(1, n):
            D[i, :3, :3] = G[self.parents[i]].T @ G[i]
        return D


# --------------------------------------------------------------------------
# Landmarks
# --------------------------------------------------------------------------


# How much of a pelvic tilt (or frontal drop) each spine bone keeps, as a
# world rotation.  In anny's skin weights the skin over the ASIS, PSIS,
# iliac crests, sacrum and lower belly hangs mostly on spine04 and spine05, so
# these turn with the pelvis; the curve is then taken back over the
# thoracolumbar bones (spine03 upright, spine02 half the tilt the other way,
# spine01 a quarter), which deepens the lumbar curve with an anterior tilt
# and keeps the shoulders within about 3 cm of their place over the hips.
LUMBAR_PROFILE = (("spine05", 1.0), ("spine04", 1.0), ("spine03", 0.0), ("spine02", -0.5), ("spine01", -0.25))


def _mirror_vertex(vertices: np.ndarray, vid: int) -> int:
    target = vertices[vid] * np.array([-1.0, 1.0, 1.0])
    return int(np.argmin(np.linalg.norm(vertices - target, axis=1)))


def derive_landmark_vertices(rig: _BodyRig) -> dict[str, int]:
    """Pick the landmark vertices on a body in its rest pose (see GROUND_TRUTH.md).

    Anatomical positions come from the rig's joint centres and from published
    proportions; each is snapped to the skin vertex the rule names.
    """
    v = rig.vertices
    floor = v[:, 2].min()
    stature = v[:, 2].max() - floor
    k = stature / 1.75
    hip = rig.head("upperleg01.L")
    out: dict[str, int] = {}

    def pick(mask: np.ndarray, score: np.ndarray) -> int:
        ids = np.where(mask)[0]
        if len(ids) == 0:
            raise RuntimeError("landmark window empty")
        return int(ids[np.argmax(score[ids])])

    # C7: the midline vertex furthest back at the cervicale height, 0.856 of
    # the stature above the floor (ANSUR II cervicale height / stature).
    zc = floor + 0.856 * stature
    out["c7"] = pick((np.abs(v[:, 0]) < 0.006) & (np.abs(v[:, 2] - zc) < 0.008) & (v[:, 1] > 0), v[:, 1])
    # ASIS and PSIS: Harrington et al. 2007 pelvis proportions (hip joint
    # centre relative to the pelvis, inter-ASIS width about 24 cm, depth
    # about 15 cm) with the pelvis at 12 deg of anterior tilt put the ASIS
    # about 7 cm above and 6 cm ahead of the hip joint centre, 12 cm from the
    # midline, and the PSIS about 10 cm above it, 4.5 cm from the midline.
    # Scaled by stature / 1.75 m and snapped to the skin: the most anterior
    # vertex (ASIS) or most posterior vertex (PSIS) in a small window.
    za, xa = hip[2] + 0.072 * k, 0.12 * k
    out["asis_left"] = pick((np.abs(v[:, 0] - xa) < 0.012) & (np.abs(v[:, 2] - za) < 0.012) & (v[:, 1] < hip[1]), -v[:, 1])
    zp, xp = hip[2] + 0.103 * k, 0.045 * k
    out["psis_left"] = pick((np.abs(v[:, 0] - xp) < 0.012) & (np.abs(v[:, 2] - zp) < 0.012) & (v[:, 1] > hip[1]), v[:, 1])
    # Iliac crest top: the widest point of the waist outline 13 cm (scaled)
    # above the hip joint centre, near the coronal plane of the hip joints.
    zi = hip[2] + 0.13 * k
    out["iliac_crest_left"] = pick((np.abs(v[:, 2] - zi) < 0.008) & (np.abs(v[:, 1] - hip[1]) < 0.04) & (v[:, 0] > 0), v[:, 0])
    # Acromion: the top of the shoulder right above the humeral head centre
    # (upperarm01 joint).
    sh = rig.head("upperarm01.L")
    near = np.hypot(v[:, 0] - sh[0], v[:, 1] - sh[1]) < 0.02
    out["acromion_left"] = pick(near & (v[:, 2] > sh[2]), v[:, 2])
    out["tragus_left"] = TRAGUS_LEFT
    for name in list(out):
        if name.endswith("_left"):
            out[name.replace("_left", "_right")] = _mirror_vertex(v, out[name])
    return out


# --------------------------------------------------------------------------
# Materials
# --------------------------------------------------------------------------

_ARM_BONES = ("shoulder01", "upperarm", "lowerarm", "wrist", "finger", "metacarpal")


class _Garments:
    """The body's triangles, cut along the clothing edges, with a material each.

    The hems, waistband, neckline, sleeve ends and hairline are level lines
    of smooth fields on the rest-pose body.  Triangles those lines cross are
    split at the crossing, so the edges run straight instead of following
    the mesh's zigzag.  Each new vertex is a fixed blend of two (or, after
    several cuts, a few) original vertices, so it follows the posed surface
    exactly: ``positions(posed) = (posed[ids] * weights).sum(1)``.
    """

    def __init__(self, rig: _BodyRig, faces: np.ndarray, landmarks: dict[str, int], loose: bool = False):
        n = len(rig.vertices)
        self.ids = [[i] for i in range(n)]
        self.wts = [[1.0] for _ in range(n)]
        rest = [p for p in rig.vertices]
        tris = [tuple(f) for f in faces]
        fields = _garment_fields(rig, landmarks, loose)
        for field in fields:
            tris = self._cut(tris, rest, field)
        k = max(len(i) for i in self.ids)
        self.ids_arr = np.array([i + [i[0]] * (k - len(i)) for i in self.ids], dtype=np.int64)
        self.wts_arr = np.array([w + [0.0] * (k - len(w)) for w in self.wts])
        self.faces = np.array(tris, dtype=np.int64)
        rest_arr = np.array(rest)
        centres = rest_arr[self.faces].mean(axis=1)
        # the bone that moves a triangle most: that of its first corner's main source vertex
        dom_vertex = rig.weight_bones[np.arange(n), rig.weights.argmax(1)]
        first = self.ids_arr[self.faces[:, 0], 0]
        dom_name = np.array([rig.labels[b] for b in dom_vertex[first]])
        self.material = _classify(rig, landmarks, centres, dom_name, dom_vertex, loose)
        # sleeves hang with the arm, not from the chest: a loose top drapes only its trunk part
        self.on_arm = np.array([any(n.startswith(a) for a in _ARM_BONES) for n in dom_name])

    def _cut(self, tris, rest, field):
        values = {}

        def f(i):
            if i not in values:
                values[i] = field(rest[i][None])[0]
            return values[i]

        edge_cache: dict[tuple[int, int], int] = {}

        def crossing(a, b):
            key = (min(a, b), max(a, b))
            if key not in edge_cache:
                fa, fb = f(a), f(b)
                t = fa / (fa - fb)
                merged: dict[int, float] = {}
                for src, w in ((a, 1 - t), (b, t)):
                    for i, wi in zip(self.ids[src], self.wts[src]):
                        merged[i] = merged.get(i, 0.0) + w * wi
                order = sorted(merged, key=lambda i: -merged[i])
                self.ids.append(order)
                self.wts.append([merged[i] for i in order])
                rest.append((1 - t) * rest[a] + t * rest[b])
                edge_cache[key] = len(rest) - 1
            return edge_cache[key]

        all_ids = np.array(tris)
        vals = field(np.array(rest)[all_ids.reshape(-1)]).reshape(-1, 3)
        for i, v in zip(all_ids.reshape(-1), vals.reshape(-1)):
            values[int(i)] = v
        pos = vals >= 0
        straddle = pos.any(axis=1) & ~pos.all(axis=1)
        out = [t for t, sflag in zip(tris, straddle) if not sflag]
        for t, p in zip(all_ids[straddle], pos[straddle]):
            # rotate so that the corner alone on its side comes first
            lone = [k for k in range(3) if (p.sum() == 1) == p[k]][0]
            a, b, c = (int(t[(lone + k) % 3]) for k in range(3))
            pab, pac = crossing(a, b), crossing(a, c)
            out += [(a, pab, pac), (pab, b, c), (pab, c, pac)]
        return out

    def positions(self, posed: np.ndarray) -> np.ndarray:
        return np.einsum("nk,nkd->nd", self.wts_arr, posed[self.ids_arr])


def _garment_fields(rig: _BodyRig, landmarks: dict[str, int], loose: bool = False):
    """Smooth scalar fields whose zero lines are the clothing edges (a loose shirt's hem last, so that the
    close-fitting cut is made of exactly the same triangles as before it existed)."""
    g = _garment_geometry(rig, landmarks)
    fields = [
        lambda p: p[:, 2] - g["waist_z"],
        lambda p: p[:, 2] - g["hem_z"],
        lambda p: g["neckline"](p) - p[:, 2],
        lambda p: g["hairline"](p) - p[:, 2],
    ]
    for side in ("L", "R"):
        fields.append(lambda p, side=side: g["sleeve_t"][side](p) - g["sleeve_end"])
    if loose:
        fields.append(lambda p: p[:, 2] - g["shirt_hem_z"])
    return fields


def _garment_geometry(rig: _BodyRig, landmarks: dict[str, int]) -> dict:
    hip = rig.head("upperleg01.L")
    knee = rig.head("lowerleg01.L")
    neck = rig.head("neck01")
    eye = 0.5 * (rig.head("eye.L") + rig.head("eye.R"))
    tragus = rig.vertices[landmarks["tragus_left"]]
    front_line, back_line = eye[2] + 0.045, tragus[2] - 0.03
    y0, y1 = eye[1] + 0.05, tragus[1] + 0.06
    sleeve_t = {}
    for side in ("L", "R"):
        s0, e0 = rig.head(f"upperarm01.{side}"), rig.head(f"lowerarm01.{side}")
        axis = (e0 - s0) / float((e0 - s0) @ (e0 - s0))
        sleeve_t[side] = lambda p, s0=s0, axis=axis: (p - s0) @ axis
    return {
        "waist_z": rig.head("spine04")[2] + 0.35 * (rig.head("spine03")[2] - rig.head("spine04")[2]),
        "hem_z": hip[2] - 0.42 * (hip[2] - knee[2]),
        # the neckline dips a little in front
        "neckline": lambda p: neck[2] - 0.018 - 0.6 * np.clip(neck[1] - p[:, 1] - 0.02, 0, None),
        # hair down to the forehead in front and to below the ears at the back
        "hairline": lambda p: front_line + (back_line - front_line) * np.clip((p[:, 1] - y0) / (y1 - y0), 0, 1),
        "sleeve_t": sleeve_t,
        "sleeve_end": 0.38,
        # a loose T-shirt hangs over the waistband to about the hip joints
        "shirt_hem_z": hip[2] + 0.01,
        "tragus": tragus,
    }


def _classify(rig: _BodyRig, landmarks: dict[str, int], v: np.ndarray, dom_name: np.ndarray, dom_vertex: np.ndarray,
              loose: bool = False) -> np.ndarray:
    """Material of each triangle from its centre (rest pose) and its bone."""
    g = _garment_geometry(rig, landmarks)
    waist = g["shirt_hem_z"] if loose else g["waist_z"]
    is_arm = np.array([any(n.startswith(a) for a in _ARM_BONES) for n in dom_name])
    is_head = np.isin(dom_name, ["head", "eye.L", "eye.R"])
    mat = np.full(len(v), "skin", dtype=object)
    # Shorts: from mid-thigh to the waist, legs and pelvis only.
    mat[(v[:, 2] <= waist) & (v[:, 2] >= g["hem_z"]) & ~is_arm] = "shorts"
    # Top: trunk from the waist to the neckline, short sleeves.
    trunk = (v[:, 2] > waist) & (v[:, 2] < g["neckline"](v)) & ~is_head & ~is_arm
    sleeve = np.zeros(len(v), bool)
    for side in ("L", "R"):
        arm_part = np.isin(dom_name, [f"shoulder01.{side}", f"upperarm01.{side}", f"upperarm02.{side}", f"clavicle.{side}"])
        sleeve |= arm_part & (g["sleeve_t"][side](v) < g["sleeve_end"]) & (v[:, 2] < g["neckline"](v))
    mat[trunk | sleeve] = "top"
    # Hair: a short cap over the crown and the back of the head, clear of the ears.
    tragus = g["tragus"]
    ear = (np.abs(v[:, 0]) > abs(tragus[0]) - 0.012) & (np.abs(v[:, 2] - tragus[2]) < 0.045) & (np.abs(v[:, 1] - tragus[1]) < 0.045)
    mat[(dom_name == "head") & (v[:, 2] > g["hairline"](v)) & ~ear] = "hair"
    # Eyes: white eyeballs with a dark iris on the front.
    for side in ("L", "R"):
        eye_faces = dom_name == f"eye.{side}"
        centre = rig.head(f"eye.{side}")
        mat[eye_faces] = "eye_white"
        radius = np.linalg.norm(rig.vertices[dom_vertex == rig.index[f"eye.{side}"]] - centre, axis=1).max()
        mat[eye_faces & (v[:, 1] < centre[1] - 0.72 * radius)] = "iris"
    return mat


CLOTHING = ("tight", "loose")
"""``Scene.clothing``.  ``tight``: close-fitting T-shirt and shorts, the skin itself recoloured (every render
before loose clothes existed).  ``loose``: a T-shirt cut to the hip joints and shorts that are their own
surfaces, hung plumb off the body (see :func:`_dress`)."""

HAIR_STYLES = ("cap", "volume")
"""``Scene.hair``.  ``cap``: the scalp recoloured.  ``volume``: a hair mass standing a couple of centimetres
off the scalp, more at the back and on top (see :func:`_dress`)."""


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _hang(pos: np.ndarray, ids: np.ndarray, axis_xy: np.ndarray, z_cap: float, ramp: float,
          weight=None) -> np.ndarray:
    """Offsets that hang the surface points ``pos[ids]`` plumb (along -z, the body frame's vertical) from the
    most outward point above them.

    Around a vertical axis through ``axis_xy`` each point has a direction (angle) and a distance; the cloth
    at height z in a direction stands as far out as the furthest point of the same surface in that direction
    between z and ``z_cap`` (a profile binned by 4 deg and 1 cm, cumulated from the top down, evened over
    neighbouring directions), so that it
    bridges every hollow below a bulge and is never inside the skin (the distance only grows).  Points above
    ``z_cap`` stay on the skin (and are no source); the push fades in over ``ramp`` metres below it, so that the
    cloth leaves the body smoothly.  ``weight(direction xy) -> 0..1`` scales the push (e.g. none between the
    legs).  Returns offsets for ``ids`` (rows of ``pos[ids]``).
    """
    p = pos[ids]
    d = p[:, :2] - axis_xy
    r = np.hypot(d[:, 0], d[:, 1])
    theta = np.arctan2(d[:, 1], d[:, 0])
    n_theta, dz = 90, 0.01
    tb = np.floor((theta + np.pi) / (2 * np.pi) * n_theta).astype(np.int64) % n_theta
    z0 = p[:, 2].min()
    zb = np.floor((p[:, 2] - z0) / dz).astype(np.int64)
    n_z = int(zb.max()) + 1
    prof = np.full((n_theta, n_z), -np.inf)
    src = p[:, 2] <= z_cap
    np.maximum.at(prof, (tb[src], zb[src]), r[src])
    # a bin's neighbours too: the sampled surface has gaps between vertices
    prof = np.maximum(prof, np.maximum(np.roll(prof, 1, 0), np.roll(prof, -1, 0)))
    # the furthest point at or above each height (top down)
    prof = np.maximum.accumulate(prof[:, ::-1], axis=1)[:, ::-1]
    prof[~np.isfinite(prof)] = 0.0
    # evened over neighbouring directions (no teeth along the hanging edge); the max() below keeps every
    # point at least on the skin
    prof = sum(w * np.roll(prof, k, 0) for k, w in ((-2, 1), (-1, 2), (0, 3), (1, 2), (2, 1))) / 9.0
    # linear in the direction between bin centres
    u = (theta + np.pi) / (2 * np.pi) * n_theta - 0.5
    lo = np.floor(u).astype(np.int64)
    f = u - lo
    reach = (1 - f) * prof[lo % n_theta, zb] + f * prof[(lo + 1) % n_theta, zb]
    push = np.maximum(reach - r, 0.0) * _smoothstep((z_cap - p[:, 2]) / ramp)
    direction = d / np.maximum(r, 1e-9)[:, None]
    if weight is not None:
        push = push * weight(direction)
    out = np.zeros_like(p)
    out[:, :2] = direction * push[:, None]
    return out


def _dress(scene: "Scene", garments: "_Garments", posed: np.ndarray, normals: np.ndarray,
           joints: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Surfaces of the loose garments and of a hair volume, in the body frame.

    ``posed`` and ``normals`` are the cut mesh's posed vertices and unit normals (body frame: metres, z up,
    facing -y, left +x), ``joints`` the named joint centres of :meth:`Renderer.posed_body`.  Returns
    ``{material: (positions, normals)}``, each array one row per cut vertex, for the materials that get a
    surface of their own; the rest (close-fitting clothes, the hair cap) stay the skin recoloured.  Tight
    clothes and the hair cap return ``{}``: default renders stay byte-identical to those made before loose
    clothes existed.

    * Loose T-shirt (trunk part; the sleeves hang with the arms, ``garments.on_arm``): hung plumb from the
      most outward point above, at or below the armpits: the chest in front, the shoulder blades behind,
      the ribs under the armpits at the sides (higher up the cloth would fall from the shoulders through the
      arms).  It bridges the lumbar hollow and the waist down to its hem at the hip joints.
    * Loose shorts: each leg hung plumb around its hip joint from the hips and buttocks, bridging the
      gluteal fold and the waist-to-thigh curve; not between the legs (the push fades out towards the other
      leg), so the two legs stay apart.
    * Hair volume: the hair material pushed out 1.5 cm, up to about 3.5 cm at the back and on top, fading
      to nothing at the hairline and around the ears so the hair meets the skin without a gap.

    Only vertices inside a material move; along the edges a garment shares with the skin (neckline, sleeve
    ends, hairline) the push is zero, so no hole opens.  The free hems (shirt, shorts legs) stand open, as
    real loose clothes do.  Normals are recomputed on the moved surface (blended back to the skin's where the
    push vanishes, so the shading has no seam).
    """
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    faces, mat = garments.faces, garments.material
    shoulder = 0.5 * (joints["left_shoulder"] + joints["right_shoulder"])
    hips = 0.5 * (joints["left_hip"] + joints["right_hip"])
    trunk_len = float(shoulder[2] - hips[2])  # about 0.5 m for a 1.75 m person

    def surface(name: str, offsets: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = posed.copy()
        pos[ids] += offsets
        own = faces[mat == name]
        n_new = _vertex_normals(pos, own)
        # where the surface left the skin its own normals; where it still lies on it the skin's (no seam)
        w = np.zeros(len(pos))
        w[ids] = np.clip(np.linalg.norm(offsets, axis=1) / 0.004, 0.0, 1.0)
        n = normals * (1 - w[:, None]) + n_new * w[:, None]
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        return pos, n

    if scene.clothing == "loose":
        # T-shirt: the trunk part only.
        trunk_ids = np.unique(faces[(mat == "top") & ~garments.on_arm])
        axis = np.array([hips[0], posed[trunk_ids, 1].mean()])
        # sources up to the armpits: a tenth of the hip-to-shoulder height below the shoulder joints (5 cm
        # on an average man); the cloth leaves the body over the 3 cm below that
        z_cap = float(shoulder[2] - 0.10 * trunk_len)
        top = _hang(posed, trunk_ids, axis, z_cap, ramp=0.03)
        out["top"] = surface("top", top, trunk_ids)

        # Shorts: each leg around its own hip joint, from the waistband (under the shirt) down.
        short_ids = np.unique(faces[mat == "shorts"])
        z_top = float(posed[short_ids, 2].max())
        offsets = np.zeros((len(short_ids), 3))
        for side, sx in (("left", 1.0), ("right", -1.0)):
            sel = (posed[short_ids, 0] - hips[0]) * sx >= 0
            hip = joints[f"{side}_hip"]

            def away_from_other_leg(direction, sx=sx):
                # cosine to the other leg's side: full push from about 73 deg away, none within 45 deg
                towards = -sx * direction[:, 0]
                return _smoothstep((0.7 - towards) / 0.4)

            offsets[sel] = _hang(posed, short_ids[sel], hip[:2], z_top, ramp=0.02, weight=away_from_other_leg)
        out["shorts"] = surface("shorts", offsets, short_ids)

    if scene.hair == "volume":
        hair_faces = mat == "hair"
        hair_ids = np.unique(faces[hair_faces])
        edge = np.intersect1d(hair_ids, np.unique(faces[~hair_faces]))
        p = posed[hair_ids]
        # distance to the hair's edge (hairline, around the ears, the nape)
        dist = np.full(len(p), np.inf)
        for chunk in np.array_split(np.arange(len(p)), max(1, len(p) // 2000)):
            diff = p[chunk, None, :] - posed[edge][None, :, :]
            dist[chunk] = np.sqrt((diff ** 2).sum(-1)).min(1)
        centre = 0.5 * (joints["left_ear"] + joints["right_ear"])
        radial = p - centre
        radial /= np.maximum(np.linalg.norm(radial, axis=1, keepdims=True), 1e-12)
        lift = 0.015 + 0.010 * np.clip(radial[:, 2], 0, 1) + 0.010 * np.clip(radial[:, 1], 0, 1)
        lift *= _smoothstep(dist / 0.03)
        # out along the skin normal, evened by the direction from the head's centre (no spikes at the ears)
        direction = normals[hair_ids] + radial
        direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-12)
        out["hair"] = surface("hair", direction * lift[:, None], hair_ids)
    return out


def _srgb_to_linear(rgb) -> list[float]:
    out = []
    for c in rgb:
        c = c / 255.0
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


# --------------------------------------------------------------------------
# The renderer
# --------------------------------------------------------------------------


class Renderer:
    """Holds the body model, per-body caches and the OpenGL context."""

    def __init__(self):
        import anny

        self.model = anny.Anny()
        self.faces = self.model.get_triangular_faces().detach().cpu().numpy().astype(np.int64)
        self._rigs: dict[Body, _BodyRig] = {}
        self._materials: dict[tuple[Body, str], _Garments] = {}
        self._coco = None
        self._gl = None
        self._gl_size = None
        self.landmarks = dict(LANDMARK_VERTICES)

    def rig(self, body: Body) -> _BodyRig:
        if body not in self._rigs:
            self._rigs[body] = _BodyRig(self.model, body)
        return self._rigs[body]

    def garments(self, body: Body, clothing: str = "tight") -> "_Garments":
        key = (body, clothing)
        if key not in self._materials:
            self._materials[key] = _Garments(self.rig(body), self.faces, self.landmarks, loose=clothing == "loose")
        return self._materials[key]

    def coco(self):
        if self._coco is None:
            import anny

            kr = anny.KeypointsRegressor.coco(self.model)
            self._coco = (kr.regression_weights.detach().cpu().numpy().astype(np.float64), list(kr.labels))
        return self._coco

    # -- posing -----------------------------------------------------------------
    def pose(self, scene: Scene) -> dict:
        """Pose the body; returns rotations, joints and vertices in the body frame
        (before placing it on the floor)."""
        rig = self.rig(scene.body_shape())
        lm = self.landmarks
        h = rig.head
        lean, tilt, drop = scene.trunk_lean_deg, scene.pelvic_tilt_deg, scene.pelvic_drop_deg
        flex, kappa = scene.neck_flexion_deg, scene.knee_hyperextension_deg

        # Straight legs: the rest pose has the knees bent a few degrees
        # (hip, knee and ankle joint centres not in line); these angles put
        # each thigh and shank vertical in the sagittal plane.
        straight = {}
        for side in ("L", "R"):
            hip, knee, ankle = h(f"upperleg01.{side}"), h(f"lowerleg01.{side}"), h(f"foot.{side}")
            t, s = knee - hip, ankle - knee
            # rot_x(a) sends (y, z) to y' = y cos a - z sin a; y' = 0 needs tan a = y / z.
            straight[side] = (math.degrees(math.atan(t[1] / t[2])), math.degrees(math.atan(s[1] / s[2])))

        # Arms hanging: upper arm straight down, arm_abduction_deg (6 by
        # default) out from the body; the forearm 2 deg less, and 12 deg
        # forward of it (elbow nearly straight), hands turned so that the
        # palms face the thighs.
        arm_targets = {}
        for side, sx in (("L", 1.0), ("R", -1.0)):
            s0, e0, w0 = h(f"upperarm01.{side}"), h(f"lowerarm01.{side}"), h(f"wrist.{side}")
            abduction = math.radians(scene.arm_abduction_deg)
            up_dir = unit([sx * math.sin(abduction), 0.0, -math.cos(abduction)])
            fore_dir = unit([sx * math.sin(abduction - math.radians(2)), -math.sin(math.radians(12)), -1.0])
            swing = scene.arm_swing_left_deg if side == "L" else scene.arm_swing_right_deg
            if scene.arm_flexion_deg or swing:
                # Both arms swung forwards about the shoulders' axis (x), elbows as they were.
                forwards = rot_x(-scene.arm_flexion_deg - swing)
                up_dir, fore_dir = forwards @ up_dir, forwards @ fore_dir
            G_up = rot_between(e0 - s0, up_dir)
            fore_rest = G_up @ (w0 - e0)
            G_fore = rot_between(fore_rest, fore_dir) @ G_up
            G_fore = rot_axis(fore_dir, sx * self.forearm_twist_deg) @ G_fore
            arm_targets[side] = (G_up, G_fore)

        walk = {"L": (scene.hip_flexion_left_deg, scene.knee_flexion_left_deg, scene.ankle_flexion_left_deg),
                "R": (scene.hip_flexion_right_deg, scene.knee_flexion_right_deg, scene.ankle_flexion_right_deg)}

        def targets(alpha: float, theta: float, phi: float, k_left: float, k_right: float) -> dict[str, np.ndarray]:
            T: dict[str, np.ndarray] = {}
            T["root"] = rot_x(lean + tilt) @ rot_y(-drop)
            for bone, share in self.lumbar_profile:
                extra = alpha / 4 if bone == "spine01" else 0.0
                T[bone] = rot_x(lean + extra + share * tilt) @ rot_y(-share * drop)
            for side in ("L", "R"):
                T[f"clavicle.{side}"] = rot_x(lean + alpha / 4) @ rot_y(-theta)
                G_up, G_fore = arm_targets[side]
                T[f"upperarm01.{side}"] = G_up
                T[f"lowerarm01.{side}"] = G_fore
            T["neck01"] = rot_x(lean + alpha + flex / 4)
            T["neck02"] = rot_x(lean + alpha + flex / 2)
            T["neck03"] = rot_x(lean + alpha + 3 * flex / 4)
            T["head"] = rot_x(flex)
            for side, kneeflex in (("L", k_left), ("R", k_right)):
                a_t, a_s = straight[side]
                T[f"upperleg01.{side}"] = rot_x(phi + a_t + kappa / 2 - kneeflex / 2)
                T[f"lowerleg01.{side}"] = rot_x(phi + a_s - kappa / 2 + kneeflex / 2)
                T[f"foot.{side}"] = np.eye(3)
                hip, knee, ankle = walk[side]
                if hip or knee or ankle:
                    # rot_x(+a) turns a hanging segment backwards: the thigh goes forwards with -hip, the
                    # shank back from it by the knee, the foot with the shank less the dorsiflexion.
                    T[f"upperleg01.{side}"] = rot_x(phi + a_t - hip)
                    T[f"lowerleg01.{side}"] = rot_x(phi + a_s - hip + knee)
                    T[f"foot.{side}"] = rot_x(-hip + knee - ankle)
            return T

        def solve_G(alpha, theta, phi, kl, kr):
            return rig.full_rotations(targets(alpha, theta, phi, kl, kr))

        # 1. shoulders: the line through the shoulder joints tilts by shoulder_drop.
        def shoulder_tilt(theta):
            p = rig.forward(solve_G(0.0, theta, 0.0, 0.0, 0.0))
            d = p[rig.index["upperarm01.L"]] - p[rig.index["upperarm01.R"]]
            return math.degrees(math.atan2(d[2], d[0]))

        theta = 0.0
        if scene.shoulder_drop_deg:
            base = shoulder_tilt(0.0)
            theta = secant(shoulder_tilt, base + scene.shoulder_drop_deg, 0.0, scene.shoulder_drop_deg)

        # 2. head protraction: tragus ahead of acromion grows by the asked cm.
        tragus_ids = [lm["tragus_left"], lm["tragus_right"]]

        def ear_ahead(alpha):
            G = solve_G(alpha, theta, 0.0, 0.0, 0.0)
            p = rig.forward(G)
            tr = rig.skin(G, p, tragus_ids).mean(0)
            ac = self._acromions(rig, G, p).mean(0)
            return (ac[1] - tr[1]) * 100.0

        alpha = 0.0
        if scene.head_protraction_cm:
            base = ear_ahead(0.0)
            alpha = secant(ear_ahead, base + scene.head_protraction_cm, 0.0, 8.0 * scene.head_protraction_cm)

        # 3. legs: hips ahead of ankles by feet_behind; with a pelvic drop the
        #    lower side's knee bends until both ankles are at the same height.
        iL, iR = rig.index["upperleg01.L"], rig.index["upperleg01.R"]
        aL, aR = rig.index["foot.L"], rig.index["foot.R"]

        def hip_ahead(phi, kl, kr):
            p = rig.forward(solve_G(alpha, theta, phi, kl, kr))
            return 100.0 * 0.5 * ((p[aL][1] - p[iL][1]) + (p[aR][1] - p[iR][1]))

        def ankle_gap(phi, kl, kr):  # left ankle minus right ankle height, cm
            p = rig.forward(solve_G(alpha, theta, phi, kl, kr))
            return 100.0 * (p[aL][2] - p[aR][2])

        phi, kl, kr = 0.0, 0.0, 0.0
        for _ in range(3):
            # The pelvis turned left-side-up leaves the right ankle lower than
            # the left (gap > 0); bending the right knee lifts it back.
            if drop > 0:
                kr = max(0.0, secant(lambda k: ankle_gap(phi, kl, k), 0.0, 5.0, 15.0))
            elif drop < 0:
                kl = max(0.0, secant(lambda k: ankle_gap(phi, k, kr), 0.0, 5.0, 15.0))
            phi = secant(lambda f: hip_ahead(f, kl, kr), scene.feet_behind_cm, 0.0, 2.0)
            if not drop:
                break

        G = solve_G(alpha, theta, phi, kl, kr)
        return {
            "rig": rig,
            "G": G,
            "solved": {
                "head_protraction_neck_angle_deg": alpha,
                "clavicle_frontal_angle_deg": theta,
                "leg_sagittal_angle_deg": phi,
                "knee_flexion_left_deg": kl,
                "knee_flexion_right_deg": kr,
            },
        }

    forearm_twist_deg = 0.0
    lumbar_profile = LUMBAR_PROFILE

    def _acromions(self, rig: _BodyRig, G: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Acromion points carried rigidly by the shoulder01 bones (the
        scapula does not turn with the humerus when the arm is lowered)."""
        out = []
        for side, name in (("L", "acromion_left"), ("R", "acromion_right")):
            b = rig.index[f"shoulder01.{side}"]
            v0 = rig.vertices[self.landmarks[name]]
            out.append(G[b] @ (v0 - rig.heads[b]) + p[b])
        return np.array(out)

    # -- the posed, placed body ---------------------------------------------------
    def posed_body(self, scene: Scene) -> dict:
        """Vertices, joints and landmarks of the posed body in the body frame,
        standing on the floor z = 0 with the ankle midpoint at the origin."""
        import torch

        posed = self.pose(scene)
        rig, G = posed["rig"], posed["G"]
        D = torch.as_tensor(rig.delta_parameters(G)[None], dtype=self.model.dtype)
        with torch.no_grad():
            out = self.model(pose_parameters=D, phenotype_kwargs=rig.body.kwargs())
        verts = out["vertices"][0].detach().cpu().numpy().astype(np.float64)
        joints = out["bone_poses"][0, :, :3, 3].detach().cpu().numpy().astype(np.float64)
        p = rig.forward(G)
        # The model and our own kinematics must agree (same convention).
        assert np.abs(joints - p).max() < 1e-4, "pose convention mismatch"
        acromions = self._acromions(rig, G, p)

        ankle_mid = 0.5 * (joints[rig.index["foot.L"]] + joints[rig.index["foot.R"]])
        # The body faces -y: a walk's travel carries it that way.
        shift = np.array([-ankle_mid[0] + scene.carry_sideways_m, -ankle_mid[1] - scene.travel_m, -verts[:, 2].min()])
        verts = verts + shift
        joints = joints + shift
        acromions = acromions + shift
        weights, labels = self.coco()
        coco = weights @ verts
        # Skin points: the posed vertices.  Bony points: the same vertices'
        # rest positions carried rigidly by the bone they belong to (the
        # pelvis for ASIS, PSIS and iliac crests, shoulder01 for the
        # acromion), free of the skin blending between neighbouring bones.
        points = {"c7": verts[self.landmarks["c7"]]}
        root = rig.index["root"]
        for side in ("left", "right"):
            points[f"tragus_{side}"] = verts[self.landmarks[f"tragus_{side}"]]
            for name in ("asis", "psis", "iliac_crest"):
                vid = self.landmarks[f"{name}_{side}"]
                points[f"{name}_{side}"] = G[root] @ (rig.vertices[vid] - rig.heads[root]) + p[root] + shift
                points[f"{name}_{side}_skin"] = verts[vid]
            points[f"acromion_{side}_skin"] = verts[self.landmarks[f"acromion_{side}"]]
        points["acromion_left"], points["acromion_right"] = acromions
        named_joints = {}
        for side, s in (("left", "L"), ("right", "R")):
            named_joints[f"{side}_shoulder"] = joints[rig.index[f"upperarm01.{s}"]]
            named_joints[f"{side}_elbow"] = joints[rig.index[f"lowerarm01.{s}"]]
            named_joints[f"{side}_wrist"] = joints[rig.index[f"wrist.{s}"]]
            named_joints[f"{side}_hip"] = joints[rig.index[f"upperleg01.{s}"]]
            named_joints[f"{side}_knee"] = joints[rig.index[f"lowerleg01.{s}"]]
            named_joints[f"{side}_ankle"] = joints[rig.index[f"foot.{s}"]]
            for part, coco_name in (("ear", "ear"), ("eye", "eye"), ("heel", "heel"), ("toe", "big_toe"), ("small_toe", "small_toe")):
                named_joints[f"{side}_{part}"] = coco[labels.index(f"{side}_{coco_name}")]
        named_joints["nose"] = coco[labels.index("nose")]
        return {
            "rig": rig,
            "vertices": verts,
            "joints": named_joints,
            "landmarks": points,
            "solved": posed["solved"],
        }

    # -- rendering ---------------------------------------------------------------
    def _context(self, width: int, height: int):
        import pyrender

        if self._gl is None or self._gl_size != (width, height):
            if self._gl is not None:
                self._gl.delete()
            self._gl = pyrender.OffscreenRenderer(width, height)
            self._gl_size = (width, height)
        return self._gl

    def render(self, scene: Scene, mask: bool = False):
        """Returns (rgb uint8 HxWx3, ground-truth dict[, person mask bool HxW])."""
        import pyrender

        scene.validate()
        body = self.posed_body(scene)
        verts = body["vertices"]
        turn = {"front": 0.0, "back": 180.0, "side": -90.0 if scene.facing == "left" else 90.0}[scene.view]
        R_view = rot_z(turn + scene.turn_deg)
        world = verts @ R_view.T

        cam = Camera.for_scene(scene)
        garments = self.garments(scene.body_shape(), scene.clothing)
        normals_by_vertex = _vertex_normals(world, self.faces)
        normals = garments.positions(normals_by_vertex)
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
        world_cut = garments.positions(world)
        face_mat = garments.material

        colours = {
            "skin": scene.skin_rgb,
            "top": scene.top_rgb,
            "shorts": scene.shorts_rgb,
            "hair": scene.hair_rgb,
            "eye_white": (230, 228, 220),
            "iris": (55, 40, 30),
        }
        pr_scene = pyrender.Scene(bg_color=[*(c / 255.0 for c in scene.background_rgb), 1.0], ambient_light=[0.28, 0.28, 0.28])
        person_nodes = []
        positions = world_cut.astype(np.float32)
        normals32 = normals.astype(np.float32)
        # Loose garments and a hair volume: their own surfaces, standing off the skin (close-fitting
        # clothes and the hair cap are the skin itself, recoloured).
        dressed = _dress(scene, garments, garments.positions(verts), normals @ R_view, body["joints"])
        dressed = {name: ((pos @ R_view.T).astype(np.float32), (n @ R_view.T).astype(np.float32)) for name, (pos, n) in dressed.items()}
        for name, rgb in colours.items():
            sel = garments.faces[face_mat == name]
            if len(sel) == 0:
                continue
            prim = pyrender.Primitive(
                positions=dressed[name][0] if name in dressed else positions,
                normals=dressed[name][1] if name in dressed else normals32,
                indices=sel.astype(np.uint32),
                material=_material(rgb, roughness=0.85 if name != "eye_white" else 0.4),
            )
            person_nodes.append(pr_scene.add(pyrender.Mesh([prim])))
        for point in scene.markers:
            person_nodes.append(pr_scene.add(_marker(world, normals_by_vertex, self.landmarks[point], scene)))
        for mesh in _room(scene, cam):
            pr_scene.add(mesh)
        pr_scene.add(pyrender.PerspectiveCamera(yfov=math.radians(scene.yfov_deg), aspectRatio=scene.width / scene.height, znear=0.05, zfar=30.0), pose=cam.gl_pose)
        for direction, intensity in ((unit([0.45, 1.0, -0.75]), 2.6), (unit([-0.6, 0.5, -0.3]), 0.9)):
            pr_scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=intensity), pose=_light_pose(direction))
        gl = self._context(scene.width, scene.height)
        rgb, depth = gl.render(pr_scene)
        rgb = np.ascontiguousarray(rgb[:, :, :3])
        person_mask = None
        if mask:
            seg = {node: (255, 255, 255) for node in person_nodes}
            seg_img, _ = gl.render(pr_scene, flags=pyrender.RenderFlags.SEG, seg_node_map=seg)
            person_mask = seg_img[:, :, 0] > 127
        truth = ground_truth(scene, body, R_view, cam, depth, self.landmarks)
        if mask:
            return rgb, truth, person_mask
        return rgb, truth


MARKER_DIAMETER_M = 0.025
"""Round skin markers as photogrammetry uses them: balls (or domes) 2.5 cm across, seen round from any side."""


def _marker(world: np.ndarray, normals: np.ndarray, vertex: int, scene: "Scene"):
    """A small ball resting on the skin at ``vertex``: its centre one radius out along the surface normal."""
    import pyrender
    import trimesh

    radius = MARKER_DIAMETER_M / 2
    ball = trimesh.creation.icosphere(subdivisions=3, radius=radius)
    normal = normals[vertex] / max(np.linalg.norm(normals[vertex]), 1e-12)
    ball.apply_translation(world[vertex] + radius * normal)
    return pyrender.Mesh.from_trimesh(ball, material=_material(scene.marker_rgb, roughness=0.6), smooth=True)


def _material(rgb, roughness=0.85):
    import pyrender

    return pyrender.MetallicRoughnessMaterial(
        baseColorFactor=[*_srgb_to_linear(rgb), 1.0], metallicFactor=0.0, roughnessFactor=roughness, doubleSided=True
    )


def _vertex_normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    n = np.zeros_like(v)
    for k in range(3):
        np.add.at(n, f[:, k], fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return n / np.maximum(length, 1e-12)


def _light_pose(direction: np.ndarray) -> np.ndarray:
    """A pose whose -z axis points along the light's travel direction."""
    z = -unit(direction)
    x = np.cross([0.0, 0.0, 1.0], z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x = unit(x)
    y = np.cross(z, x)
    T = np.eye(4)
    T[:3, 0], T[:3, 1], T[:3, 2] = x, y, z
    return T


def _quad(corners, rgb):
    import pyrender

    c = np.asarray(corners, np.float32)
    n = unit(np.cross(c[1] - c[0], c[2] - c[0])).astype(np.float32)
    prim = pyrender.Primitive(
        positions=c,
        normals=np.tile(n, (4, 1)),
        indices=np.array([[0, 1, 2], [0, 2, 3]], np.uint32),
        material=_material(rgb, roughness=0.95),
    )
    return pyrender.Mesh([prim])


ROOMS = ("plain", "structured")
"""``plain``: a bare wall.  ``structured``: the same wall with a door (frame and
leaf) left of the person, a wall corner right of them, and a shelf board:
true verticals and horizontals for posture's roll-from-lines levelling.
Defaults keep every earlier render unchanged."""
TRIM_RGB = (245, 243, 236)
DOOR_RGB = (120, 88, 62)
SHELF_RGB = (95, 70, 50)


def _room(scene: Scene, cam: "Camera"):
    """A floor and a wall 3 m behind the person; with ``room="structured"`` a door, a wall corner and a shelf."""
    back = 3.0
    near = -scene.camera_distance_m - 2.0
    floor = _quad([(-8, near, 0), (8, near, 0), (8, back, 0), (-8, back, 0)], scene.floor_rgb)
    if scene.room == "plain":
        wall = _quad([(-8, back, 0), (8, back, 0), (8, back, 7), (-8, back, 7)], scene.background_rgb)
        return [floor, wall]
    corner = 1.45  # x of the corner: within a 60 deg portrait view at 2.5-4 m, beside a standing person
    wall = _quad([(-8, back, 0), (corner, back, 0), (corner, back, 7), (-8, back, 7)], scene.background_rgb)
    # The side wall turns towards the camera; its own shade (another light angle) makes the corner an edge.
    side = _quad([(corner, back, 0), (corner, near, 0), (corner, near, 7), (corner, back, 7)],
                 tuple(int(c * 0.8) for c in scene.background_rgb))
    meshes = [floor, wall, side]
    front = back - 0.02  # trim and leaf stand just proud of the wall, so depth never mixes them
    left, right, top, trim = -1.75, -0.95, 2.05, 0.07
    meshes.append(_quad([(left, front, 0), (right, front, 0), (right, front, top), (left, front, top)], DOOR_RGB))
    trim_y = front - 0.01
    for x0, x1, z0, z1 in ((left - trim, left, 0, top + trim), (right, right + trim, 0, top + trim),
                           (left - trim, right + trim, top, top + trim)):
        meshes.append(_quad([(x0, trim_y, z0), (x1, trim_y, z0), (x1, trim_y, z1), (x0, trim_y, z1)], TRIM_RGB))
    # A shelf board on the back wall, seen edge-on: a horizontal with a shadowed underside.
    shelf_x0, shelf_x1, shelf_z, depth = 0.75, 1.35, 1.55, 0.22
    meshes.append(_quad([(shelf_x0, back - depth, shelf_z), (shelf_x1, back - depth, shelf_z),
                         (shelf_x1, back, shelf_z), (shelf_x0, back, shelf_z)], SHELF_RGB))
    meshes.append(_quad([(shelf_x0, back - depth, shelf_z - 0.03), (shelf_x1, back - depth, shelf_z - 0.03),
                         (shelf_x1, back - depth, shelf_z), (shelf_x0, back - depth, shelf_z)], SHELF_RGB))
    return meshes


# --------------------------------------------------------------------------
# Camera
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Camera:
    """A pinhole camera on the -y side of the person, looking towards +y.

    ``world_to_camera`` uses the OpenCV convention (x right, y down, z along
    the view); pixel coordinates are continuous with the origin at the
    top-left corner of the image (the centre of pixel (i, j) is at
    (i + 0.5, j + 0.5)).
    """

    position: tuple
    rotation: tuple  # 3x3, rows are the camera's x (right), y (down), z (forward) axes in world coordinates
    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    @staticmethod
    def for_scene(scene: Scene) -> "Camera":
        # OpenGL camera axes before pitch and roll: x right = +x, y up = +z, z back = -y.
        x, y, z = np.array([1.0, 0, 0]), np.array([0, 0, 1.0]), np.array([0, -1.0, 0])
        # pitch: + tips the view up (about the camera's x axis)
        P = rot_axis(x, scene.camera_pitch_deg)
        y, z = P @ y, P @ z
        # roll: + turns the camera counter-clockwise as seen by the photographer,
        # so the picture content turns clockwise
        Rr = rot_axis(z, scene.camera_roll_deg)
        x, y = Rr @ x, Rr @ y
        rotation = np.stack([x, -y, -z])  # OpenCV rows
        f = 0.5 * scene.height / math.tan(math.radians(scene.yfov_deg) / 2)
        return Camera(
            position=(0.0, -scene.camera_distance_m, scene.camera_height_m),
            rotation=tuple(map(tuple, rotation)),
            fx=f,
            fy=f,
            cx=scene.width / 2.0,
            cy=scene.height / 2.0,
            width=scene.width,
            height=scene.height,
        )

    @property
    def R(self) -> np.ndarray:
        return np.array(self.rotation)

    @property
    def gl_pose(self) -> np.ndarray:
        R = self.R
        T = np.eye(4)
        T[:3, 0], T[:3, 1], T[:3, 2] = R[0], -R[1], -R[2]
        T[:3, 3] = self.position
        return T

    @property
    def world_to_camera(self) -> np.ndarray:
        T = np.eye(4)
        T[:3, :3] = self.R
        T[:3, 3] = -self.R @ np.array(self.position)
        return T

    @property
    def K(self) -> np.ndarray:
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1.0]])

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points -> (pixel xy, depth along the view axis)."""
        pc = (np.atleast_2d(pts) - np.array(self.position)) @ self.R.T
        uv = np.stack([self.fx * pc[:, 0] / pc[:, 2] + self.cx, self.fy * pc[:, 1] / pc[:, 2] + self.cy], axis=1)
        return uv, pc[:, 2]


# --------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------


def _deg(y: float, x: float) -> float:
    return math.degrees(math.atan2(y, x))


def clinical_measures(joints: dict, lm: dict) -> dict:
    """Clinical quantities from the posed body in the body frame (forward = -y,
    left = +x, up = +z).  Signs as in SPEC.md; definitions in GROUND_TRUTH.md."""
    fwd = lambda a, b: (b[1] - a[1])  # how far a is ahead of b, metres  # noqa: E731
    out: dict = {}
    mid = lambda a, b: 0.5 * (np.asarray(a) + np.asarray(b))  # noqa: E731
    c7 = lm["c7"]

    def cva(tr):
        return _deg(tr[2] - c7[2], fwd(tr, c7))

    out["craniovertebral_angle_deg"] = cva(mid(lm["tragus_left"], lm["tragus_right"]))
    out["craniovertebral_angle_left_deg"] = cva(lm["tragus_left"])
    out["craniovertebral_angle_right_deg"] = cva(lm["tragus_right"])
    tr_mid = mid(lm["tragus_left"], lm["tragus_right"])
    ac_mid = mid(lm["acromion_left"], lm["acromion_right"])
    out["ear_ahead_of_shoulder_cm"] = 100 * fwd(tr_mid, ac_mid)
    hip_mid = mid(joints["left_hip"], joints["right_hip"])
    sh_mid = mid(joints["left_shoulder"], joints["right_shoulder"])
    ank_mid = mid(joints["left_ankle"], joints["right_ankle"])
    knee_mid = mid(joints["left_knee"], joints["right_knee"])
    out["hip_ahead_of_ankle_cm"] = 100 * fwd(hip_mid, ank_mid)
    out["hip_ahead_of_ankle_left_cm"] = 100 * fwd(joints["left_hip"], joints["left_ankle"])
    out["hip_ahead_of_ankle_right_cm"] = 100 * fwd(joints["right_hip"], joints["right_ankle"])
    out["trunk_lean_deg"] = _deg(fwd(sh_mid, hip_mid), sh_mid[2] - hip_mid[2])
    thigh = _deg(fwd(knee_mid, hip_mid), hip_mid[2] - knee_mid[2])  # + = knee ahead of hip
    out["hip_extension_deg"] = -(out["trunk_lean_deg"] + thigh)
    for suffix in ("", "_skin"):
        tilts = []
        for side in ("left", "right"):
            a, p = lm[f"asis_{side}{suffix}"], lm[f"psis_{side}{suffix}"]
            tilts.append(_deg(p[2] - a[2], fwd(a, p)))
            out[f"pelvic_tilt_{side}{suffix}_deg"] = tilts[-1]
        out[f"pelvic_tilt{suffix}_deg"] = float(np.mean(tilts))
        cl, cr = lm[f"iliac_crest_left{suffix}"], lm[f"iliac_crest_right{suffix}"]
        out[f"iliac_crest_height_difference{suffix}_cm"] = 100 * (cl[2] - cr[2])
        out[f"pelvic_obliquity{suffix}_deg"] = _deg(cl[2] - cr[2], cl[0] - cr[0])
    al, ar = lm["acromion_left"], lm["acromion_right"]
    out["shoulder_height_difference_cm"] = 100 * (al[2] - ar[2])
    out["shoulder_tilt_deg"] = _deg(al[2] - ar[2], al[0] - ar[0])
    out["lateral_trunk_shift_cm"] = 100 * (sh_mid[0] - hip_mid[0])
    leg = {s: np.linalg.norm(joints[f"{s}_hip"] - joints[f"{s}_ankle"]) for s in ("left", "right")}
    out["apparent_leg_length_difference_cm"] = 100 * (leg["left"] - leg["right"])
    for side in ("left", "right"):
        hip, knee, ank = joints[f"{side}_hip"], joints[f"{side}_knee"], joints[f"{side}_ankle"]
        u = np.array([hip[1] - knee[1], hip[2] - knee[2]])
        w = np.array([ank[1] - knee[1], ank[2] - knee[2]])
        inner = math.degrees(math.acos(np.clip(u @ w / (np.linalg.norm(u) * np.linalg.norm(w)), -1, 1)))
        t = (knee[2] - hip[2]) / (ank[2] - hip[2])
        line_y = hip[1] + t * (ank[1] - hip[1])
        sign = 1.0 if knee[1] > line_y else -1.0  # knee behind the hip-ankle line = hyperextended
        out[f"knee_angle_{side}_deg"] = sign * (180.0 - inner)
    out["knee_angle_deg"] = 0.5 * (out["knee_angle_left_deg"] + out["knee_angle_right_deg"])
    plumb = {}
    for name, pt in (("ear", tr_mid), ("shoulder", ac_mid), ("hip", hip_mid), ("knee", knee_mid)):
        plumb[name] = 100 * fwd(pt, ank_mid)
    out["plumb_line_cm"] = plumb
    return out


def ground_truth(scene: Scene, body: dict, R_view: np.ndarray, cam: Camera, depth: np.ndarray, landmark_ids: dict) -> dict:
    verts = body["vertices"]
    joints, lm = body["joints"], body["landmarks"]
    measures = clinical_measures(joints, lm)
    rig = body["rig"]
    height_cm = 100 * (verts[:, 2].max() - verts[:, 2].min())
    standing = 100 * (rig.vertices[:, 2].max() - rig.vertices[:, 2].min())

    def to_world(p):
        return np.asarray(p) @ R_view.T

    pixels, world_pts, visible = {}, {}, {}
    for group in (joints, lm):
        for name, p in group.items():
            w = to_world(p)
            uv, z = cam.project(w)
            pixels[name] = [round(float(uv[0, 0]), 2), round(float(uv[0, 1]), 2)]
            world_pts[name] = [round(float(c), 5) for c in w]
            if group is lm:
                i, j = int(uv[0, 1]), int(uv[0, 0])
                ok = 0 <= i < depth.shape[0] and 0 <= j < depth.shape[1]
                visible[name] = bool(ok and depth[i, j] > 0 and z[0] <= depth[i, j] + 0.015)
    all_uv, _ = cam.project(verts @ R_view.T)
    bbox = [float(all_uv[:, 0].min()), float(all_uv[:, 1].min()), float(all_uv[:, 0].max()), float(all_uv[:, 1].max())]
    # the true vertical as seen in the picture (+ = its top leans clockwise)
    a, _ = cam.project(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    up = a[1] - a[0]
    vertical_deg = math.degrees(math.atan2(up[0], -up[1]))
    near = None
    if scene.view == "side":
        near = "left" if scene.facing == "left" else "right"

    def rnd(x):
        if isinstance(x, dict):
            return {k: rnd(v) for k, v in x.items()}
        return round(float(x), 3)

    return {
        "schema": SCHEMA,
        "scene": scene.to_json(),
        "view": scene.view,
        "facing": scene.facing if scene.view == "side" else None,
        "near_side": near,
        "person": {
            "height_cm": round(height_cm, 2),
            "standing_height_cm": round(standing, 2),
            "bbox_px": [round(b, 1) for b in bbox],
            "in_frame": bool(bbox[0] >= 0 and bbox[1] >= 0 and bbox[2] <= scene.width and bbox[3] <= scene.height),
        },
        "measures": rnd(measures),
        "pose_solution": rnd(body["solved"]),
        "camera": {
            "intrinsics": {"fx": cam.fx, "fy": cam.fy, "cx": cam.cx, "cy": cam.cy, "width": cam.width, "height": cam.height, "yfov_deg": scene.yfov_deg, "K": cam.K.tolist()},
            "extrinsics": {
                "convention": "OpenCV: x right, y down, z forward; p_cam = R (p_world - C)",
                "position_m": list(cam.position),
                "R": [list(r) for r in cam.rotation],
                "world_to_camera": cam.world_to_camera.tolist(),
                "roll_deg": scene.camera_roll_deg,
                "pitch_deg": scene.camera_pitch_deg,
            },
            "vertical_in_image_deg": round(vertical_deg, 3),
            "world_frame": "z up (floor z = 0); the ankle midpoint on the origin; the camera looks along +y; image-right is +x",
            "person_turn_deg": turn_of(scene),
        },
        "pixels": pixels,
        "landmarks_visible": visible,
        "world_m": world_pts,
        "landmark_vertex_ids": dict(landmark_ids),
        "units": {"pixels": "continuous pixel coordinates, origin at the image's top-left corner", "world_m": "metres"},
    }


def turn_of(scene: Scene) -> float:
    base = {"front": 0.0, "back": 180.0, "side": -90.0 if scene.facing == "left" else 90.0}[scene.view]
    return base + scene.turn_deg


# --------------------------------------------------------------------------
# Module-level API
# --------------------------------------------------------------------------

_DEFAULT: Renderer | None = None


def default_renderer() -> Renderer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Renderer()
    return _DEFAULT


def render(scene: Scene):
    """Render one scene: returns (rgb uint8 array HxWx3, ground-truth dict)."""
    return default_renderer().render(scene)


def save(rgb: np.ndarray, truth: dict, png_path: str | os.PathLike) -> None:
    """Write the PNG and its JSON (same stem) atomically."""
    from PIL import Image

    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = png_path.with_name(png_path.stem + ".tmp.png")
    Image.fromarray(rgb).save(tmp, optimize=False, compress_level=6)
    jtmp = png_path.with_suffix(".json.tmp")
    jtmp.write_text(json.dumps(truth, indent=1) + "\n")
    os.replace(jtmp, png_path.with_suffix(".json"))
    os.replace(tmp, png_path)


def _parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Render one synthetic person of known posture (PNG + JSON ground truth).")
    ap.add_argument("out", nargs="?", help="output PNG path (the JSON goes beside it)")
    ap.add_argument("--derive-landmarks", action="store_true", help="print the landmark vertex ids picked on the template body")
    ap.add_argument("--mask", action="store_true", help="also write the person's mask as NAME.mask.png")
    for f in dataclasses.fields(Scene):
        flag = "--" + f.name.replace("_", "-")
        if f.name.endswith("_rgb"):
            ap.add_argument(flag, type=lambda s: tuple(int(c) for c in s.split(",")), default=None, help="R,G,B")
        elif f.name in ("view", "facing", "body", "clothing", "hair", "room"):
            ap.add_argument(flag, default=None)
        elif f.name in ("width", "height"):
            ap.add_argument(flag, type=int, default=None)
        else:
            ap.add_argument(flag, type=float, default=None)
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = _parse_args(argv)
    r = default_renderer()
    if args.derive_landmarks:
        derived = derive_landmark_vertices(r.rig(TEMPLATE_BODY))
        print(json.dumps(derived, indent=1))
        if derived != LANDMARK_VERTICES:
            print("note: differs from LANDMARK_VERTICES (another anny version?)", file=sys.stderr)
        if not args.out:
            return 0
    if not args.out:
        print("give an output PNG path", file=sys.stderr)
        return 2
    kwargs = {f.name: getattr(args, f.name) for f in dataclasses.fields(Scene) if getattr(args, f.name) is not None}
    scene = Scene(**kwargs)
    t0 = time.perf_counter()
    result = r.render(scene, mask=args.mask)
    dt = time.perf_counter() - t0
    rgb, truth = result[0], result[1]
    save(rgb, truth, args.out)
    if args.mask:
        from PIL import Image

        Image.fromarray((result[2] * 255).astype(np.uint8)).save(Path(args.out).with_suffix(".mask.png"))
    m = truth["measures"]
    print(
        f"{args.out}: {dt:.2f} s; height {truth['person']['height_cm']:.1f} cm; CVA {m['craniovertebral_angle_deg']:.1f} deg; "
        f"ear ahead {m['ear_ahead_of_shoulder_cm']:.1f} cm; hip ahead {m['hip_ahead_of_ankle_cm']:.1f} cm; "
        f"trunk {m['trunk_lean_deg']:.1f} deg; tilt {m['pelvic_tilt_deg']:.1f} deg; crest diff {m['iliac_crest_height_difference_cm']:.1f} cm; "
        f"knee {m['knee_angle_deg']:.1f} deg"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

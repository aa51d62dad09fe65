"""What the tests share: synthetic people whose every measurement is known exactly, constructed outline masks,
whole analyses built without a model, and the paths of the checkout and of the data beside it.

A person is built from named physical parameters, in pixels: where each joint
stands horizontally (``*_ahead``: forward of the vertical through the ankle, in
the direction the person faces) and at which fraction of the body height below
the top of the head it sits (:data:`LEVELS`). The body height runs from the top
of the head (``top_y``) to the soles (``top_y + height_px``, the lowest foot
landmark), so ``BodyScale(height_px)`` is the scale of every builder here.

Image coordinates throughout: x right, y down, pixels. ``facing`` is +1 when
the person faces image-right and -1 when image-left, as in
:mod:`posture.stages.measure`.

Physically, a person facing image-right turns their right side to the camera
(forward × up = the person's right, which points at the camera), so the near
side defaults to ``"right"`` for ``facing=+1`` and ``"left"`` for ``facing=-1``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from posture.analysis import Analysis, ModelIdentity
from posture.core.image import ImageOrigin, LoadedImage
from posture.core.measurement import Measurement
from posture.core.pose import NUM_LANDMARKS, Landmark, Pose, side_landmark
from posture.knowledge.explanations import load_knowledge_base
from posture.pipeline import measure, provenance
from posture.stages.findings import evaluate
from posture.stages.frame import PERCENT_HEIGHT
from posture.stages.gate import assess

REPO = Path(__file__).resolve().parents[1]
"""The checkout: computed from this file's place (tests/builders.py), so right from any test directory."""
SAMPLES = REPO / "samples"
DATA = REPO / "tests" / "data"
SYNTHETIC = DATA / "synthetic"
"""Committed renders of people in known postures, each with its ground truth beside it."""
KNOWLEDGE = REPO / "posture" / "knowledge"
SHARED = REPO.parent / "shared"
"""The real photos and texts kept beside the checkout, not in it."""
PHOTOS = SHARED / "photos"

SIDES = ("left", "right")

# The side measurements landmarks alone give; the outline measures need a mask (stages/measure/test_silhouette.py).
SIDE_MEASUREMENT_IDS = ("head_forward_angle", "head_forward_offset", "trunk_lean", "hip_extension",
                        "foot_hip_offset", "plumb_line", "knee_angle")

LEVELS: dict[str, float] = {
    "eye": 0.060,
    "ear": 0.070,
    "nose": 0.080,
    "mouth": 0.100,
    "shoulder": 0.180,
    "elbow": 0.380,
    "hip": 0.480,
    "wrist": 0.490,
    "hand": 0.530,
    "knee": 0.720,
    "ankle": 0.960,
    "heel": 0.985,
    "foot_index": 1.000,
}
"""Fraction of body height below the top of the head (MediaPipe's landmarks, an adult standing)."""

# Horizontal offsets of the face landmarks forward of the ear in a profile, as fractions of height.
_PROFILE_FACE = {"eye": 0.035, "eye_inner": 0.042, "eye_outer": 0.030, "nose": 0.055, "mouth": 0.045}
_HEEL_BACK = 0.030
_TOE_AHEAD = 0.110

# Half-widths (fractions of height) used across the body in front views and as depths in side views.
HALF_WIDTH: dict[str, float] = {
    "ear": 0.070,
    "eye": 0.030,
    "eye_inner": 0.020,
    "eye_outer": 0.040,
    "mouth": 0.025,
    "shoulder": 0.115,
    "elbow": 0.130,
    "wrist": 0.140,
    "hand": 0.145,
    "hip": 0.060,
    "knee": 0.050,
    "ankle": 0.045,
    "heel": 0.045,
    "foot_index": 0.055,
}

_HAND = ("PINKY", "INDEX", "THUMB")


def _set(xy: np.ndarray, side: str, name: str, x: float, y: float) -> None:
    xy[side_landmark(side, name)] = (x, y)


def point(xy: np.ndarray, side: str, name: str) -> np.ndarray:
    """The (x, y) of landmark ``name`` (e.g. ``"KNEE"``) on ``side``: a copy."""
    return np.array(xy[side_landmark(side, name)], dtype=np.float64)


def move(xy: np.ndarray, side: str, names: tuple[str, ...], dx: float = 0.0, dy: float = 0.0) -> None:
    """Shift the landmarks ``names`` of ``side`` in place by (dx, dy) pixels."""
    for name in names:
        xy[side_landmark(side, name)] += (dx, dy)


def physical_near_side(facing: int) -> str:
    """The side a person in a true profile turns to the camera (see the module docstring)."""
    return "right" if facing > 0 else "left"


def side_person(
    *,
    facing: int = 1,
    near_side: str | None = None,
    ear_ahead: float = 0.0,
    shoulder_ahead: float = 0.0,
    hip_ahead: float = 0.0,
    knee_ahead: float = 0.0,
    ankle_x: float = 500.0,
    top_y: float = 50.0,
    height_px: float = 1000.0,
    far_side_dx: float = 0.0,
    far_side_ahead: dict[str, float] | None = None,
) -> np.ndarray:
    """A person standing in profile: landmark array of shape (33, 2), pixels.

    Args:
        facing: +1 facing image-right, -1 facing image-left.
        near_side: the side the measurements should use; its landmarks are
            placed exactly as asked. Defaults to the physical near side.
        ear_ahead, shoulder_ahead, hip_ahead, knee_ahead: pixels forward of the
            vertical through the near ankle (negative = behind).
        ankle_x: image x of the near ankle.
        top_y: image y of the top of the head; the soles are at ``top_y + height_px``.
        height_px: body height in pixels (head top to soles).
        far_side_dx: image-x shift of every far-side landmark (the other side of
            a body that is not in a perfect profile); 0 puts it exactly behind.
        far_side_ahead: per-joint overrides of the ``*_ahead`` values for the far
            side (keys ``"ear"``, ``"shoulder"``, ``"hip"``, ``"knee"``, ``"ankle"``).

    The face (eyes, nose, mouth) is placed forward of each ear, the heel behind
    and the toes ahead of each ankle, the arm hanging from each shoulder.
    """
    if facing not in (1, -1):
        raise ValueError(f"facing must be +1 or -1, got {facing!r}")
    near = near_side or physical_near_side(facing)
    far = "left" if near == "right" else "right"
    xy = np.zeros((NUM_LANDMARKS, 2), dtype=np.float64)

    def y(level: str) -> float:
        return top_y + LEVELS[level] * height_px

    def fx(ahead: float) -> float:
        return ankle_x + facing * ahead

    near_ahead = {"ear": ear_ahead, "shoulder": shoulder_ahead, "hip": hip_ahead, "knee": knee_ahead, "ankle": 0.0}
    far_ahead = dict(near_ahead)
    far_ahead.update(far_side_ahead or {})
    for side, ahead, shift in ((near, near_ahead, 0.0), (far, far_ahead, far_side_dx)):
        def x(offset: float, shift: float = shift) -> float:
            return fx(offset) + shift

        ear_x = x(ahead["ear"])
        _set(xy, side, "EAR", ear_x, y("ear"))
        _set(xy, side, "EYE", ear_x + facing * _PROFILE_FACE["eye"] * height_px, y("eye"))
        _set(xy, side, "EYE_INNER", ear_x + facing * _PROFILE_FACE["eye_inner"] * height_px, y("eye"))
        _set(xy, side, "EYE_OUTER", ear_x + facing * _PROFILE_FACE["eye_outer"] * height_px, y("eye"))
        xy[Landmark[f"MOUTH_{side.upper()}"]] = (ear_x + facing * _PROFILE_FACE["mouth"] * height_px, y("mouth"))
        shoulder_x = x(ahead["shoulder"])
        _set(xy, side, "SHOULDER", shoulder_x, y("shoulder"))
        _set(xy, side, "ELBOW", shoulder_x, y("elbow"))
        _set(xy, side, "WRIST", shoulder_x + facing * 0.01 * height_px, y("wrist"))
        for name in _HAND:
            _set(xy, side, name, shoulder_x + facing * 0.015 * height_px, y("hand"))
        _set(xy, side, "HIP", x(ahead["hip"]), y("hip"))
        _set(xy, side, "KNEE", x(ahead["knee"]), y("knee"))
        ankle = x(ahead["ankle"])
        _set(xy, side, "ANKLE", ankle, y("ankle"))
        _set(xy, side, "HEEL", ankle - facing * _HEEL_BACK * height_px, y("heel"))
        _set(xy, side, "FOOT_INDEX", ankle + facing * _TOE_AHEAD * height_px, y("foot_index"))
    near_ear = xy[side_landmark(near, "EAR")]
    xy[Landmark.NOSE] = (near_ear[0] + facing * _PROFILE_FACE["nose"] * height_px, y("nose"))
    return xy


def front_person(
    *,
    back: bool = False,
    center_x: float = 500.0,
    top_y: float = 50.0,
    height_px: float = 1000.0,
    shoulder_rise: float = 0.0,
    hip_rise: float = 0.0,
    trunk_shift: float = 0.0,
    half_widths: dict[str, float] | None = None,
) -> np.ndarray:
    """A person facing the camera (or, with ``back``, facing away): shape (33, 2), pixels.

    Args:
        back: photographed from behind: the person's left is on the image left.
            In a front view the person's left is on the image right.
        center_x: image x of the body's midline (mid-hip, feet, face).
        top_y, height_px: as in :func:`side_person`.
        shoulder_rise: pixels the person's left shoulder is higher than the right
            (split evenly about the shoulder level).
        hip_rise: likewise for the hips.
        trunk_shift: pixels the mid-shoulder point (and the head and arms with
            it) stands towards the person's left of the mid-hip point.
        half_widths: overrides of :data:`HALF_WIDTH` (fractions of height).
    """
    widths = dict(HALF_WIDTH)
    widths.update(half_widths or {})
    to_left = -1.0 if back else 1.0  # image-x direction of the person's left
    xy = np.zeros((NUM_LANDMARKS, 2), dtype=np.float64)

    def y(level: str) -> float:
        return top_y + LEVELS[level] * height_px

    upper_x = center_x + to_left * trunk_shift
    for side in SIDES:
        sign = to_left if side == "left" else -to_left
        rise = 0.5 if side == "left" else -0.5

        def x(name: str, centre: float, sign: float = sign) -> float:
            return centre + sign * widths[name] * height_px

        _set(xy, side, "EAR", x("ear", upper_x), y("ear"))
        _set(xy, side, "EYE", x("eye", upper_x), y("eye"))
        _set(xy, side, "EYE_INNER", x("eye_inner", upper_x), y("eye"))
        _set(xy, side, "EYE_OUTER", x("eye_outer", upper_x), y("eye"))
        xy[Landmark[f"MOUTH_{side.upper()}"]] = (x("mouth", upper_x), y("mouth"))
        _set(xy, side, "SHOULDER", x("shoulder", upper_x), y("shoulder") - rise * shoulder_rise)
        _set(xy, side, "ELBOW", x("elbow", upper_x), y("elbow"))
        _set(xy, side, "WRIST", x("wrist", upper_x), y("wrist"))
        for name in _HAND:
            _set(xy, side, name, x("hand", upper_x), y("hand"))
        _set(xy, side, "HIP", x("hip", center_x), y("hip") - rise * hip_rise)
        _set(xy, side, "KNEE", x("knee", center_x), y("knee"))
        _set(xy, side, "ANKLE", x("ankle", center_x), y("ankle"))
        _set(xy, side, "HEEL", x("heel", center_x), y("heel"))
        _set(xy, side, "FOOT_INDEX", x("foot_index", center_x), y("foot_index"))
    xy[Landmark.NOSE] = (upper_x, y("nose"))
    return xy


# ------------------------------------------------------------------ depth and world landmarks


def side_depth(near_side: str, *, height_px: float = 1000.0) -> np.ndarray:
    """MediaPipe-style z (pixels, smaller = nearer the camera) for a profile: each near-side
    landmark in front of the midline by the body's half-width there, each far-side one behind it."""
    z = np.zeros(NUM_LANDMARKS, dtype=np.float64)
    for landmark in Landmark:
        name = landmark.name
        side = "left" if "LEFT" in name else "right" if "RIGHT" in name else None
        if side is None:
            continue
        part = name.replace("LEFT_", "").replace("RIGHT_", "").replace("_LEFT", "").replace("_RIGHT", "").lower()
        part = {"pinky": "hand", "index": "hand", "thumb": "hand"}.get(part, part)
        half = HALF_WIDTH.get(part, 0.05) * height_px
        z[landmark] = -half if side == near_side else half
    return z


def front_depth(*, back: bool = False, height_px: float = 1000.0) -> np.ndarray:
    """z for a front (or back) view: the body in one plane, the face nearer (front) or further (back)."""
    z = np.zeros(NUM_LANDMARKS, dtype=np.float64)
    face = [Landmark.NOSE, Landmark.LEFT_EYE_INNER, Landmark.LEFT_EYE, Landmark.LEFT_EYE_OUTER,
            Landmark.RIGHT_EYE_INNER, Landmark.RIGHT_EYE, Landmark.RIGHT_EYE_OUTER,
            Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT]
    z[face] = (1.0 if back else -1.0) * 0.08 * height_px
    return z


def turn(xy: np.ndarray, z: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate a body about the vertical axis through its mid-hip by ``degrees``: new (xy, z)."""
    centre = (xy[Landmark.LEFT_HIP, 0] + xy[Landmark.RIGHT_HIP, 0]) / 2.0
    angle = math.radians(degrees)
    dx = xy[:, 0] - centre
    turned = xy.copy()
    turned[:, 0] = centre + dx * math.cos(angle) - z * math.sin(angle)
    return turned, dx * math.sin(angle) + z * math.cos(angle)


def rotate_in_image(xy: np.ndarray, degrees: float, centre: tuple[float, float]) -> np.ndarray:
    """Rotate landmark positions in the image plane about ``centre`` (y down; + turns clockwise on screen)."""
    angle = math.radians(degrees)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return (xy - centre) @ rotation.T + centre


def world_from(xy: np.ndarray, z: np.ndarray, *, metres_tall: float = 1.7) -> np.ndarray:
    """Metric landmarks consistent with the image ones: centred between the hips, x right, y down,
    z away from the camera, scaled so the landmarks' vertical extent is about ``metres_tall``."""
    extent = float(np.ptp(xy[:, 1])) or 1.0
    metres_per_px = metres_tall / extent
    mid_hip = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    mid_z = (z[Landmark.LEFT_HIP] + z[Landmark.RIGHT_HIP]) / 2.0
    return np.column_stack([(xy - mid_hip) * metres_per_px, (z - mid_z) * metres_per_px])


def make_pose(
    xy: np.ndarray,
    *,
    visibility: float | np.ndarray = 1.0,
    z: np.ndarray | None = None,
    world: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    mask_scale: float = 1.0,
) -> Pose:
    """A :class:`posture.core.pose.Pose` from a landmark array.

    ``z`` defaults to zeros (every landmark in one plane); ``world`` defaults to
    :func:`world_from` ``(xy, z)``, so a profile built with :func:`side_depth`
    has a body yaw of 90° and a front view one of 0°.
    """
    xy = np.array(xy, dtype=np.float64)
    z = np.zeros(NUM_LANDMARKS) if z is None else np.array(z, dtype=np.float64)
    world = world_from(xy, z) if world is None else np.array(world, dtype=np.float64)
    visibility = np.broadcast_to(np.asarray(visibility, dtype=np.float64), (NUM_LANDMARKS,)).copy()
    return Pose(xy=xy, z=z, visibility=visibility, world=world,
                mask=None if mask is None else np.array(mask), mask_scale=mask_scale)


def side_pose(*, facing: int = 1, near_side: str | None = None, visibility: float | np.ndarray = 1.0,
              mask: np.ndarray | None = None, mask_scale: float = 1.0, **person: float) -> Pose:
    """:func:`side_person` as a Pose, its near side nearer the camera in z and in the world landmarks."""
    near = near_side or physical_near_side(facing)
    height_px = float(person.get("height_px", 1000.0))
    xy = side_person(facing=facing, near_side=near, **person)
    return make_pose(xy, z=side_depth(near, height_px=height_px), visibility=visibility,
                     mask=mask, mask_scale=mask_scale)


def front_pose(*, back: bool = False, visibility: float | np.ndarray = 1.0, mask: np.ndarray | None = None,
               mask_scale: float = 1.0, **person: float) -> Pose:
    """:func:`front_person` as a Pose (body in one plane: body yaw 0°)."""
    height_px = float(person.get("height_px", 1000.0))
    xy = front_person(back=back, **person)
    return make_pose(xy, z=front_depth(back=back, height_px=height_px), visibility=visibility,
                     mask=mask, mask_scale=mask_scale)


def silhouette_mask(
    *,
    shape: tuple[int, int],
    mask_scale: float,
    head_centre_x: float,
    head_top_y: float,
    head_half_width: float,
    head_half_height: float,
    body: tuple[float, float, float, float] | None = None,
    extra: tuple[tuple[float, float, float, float], ...] = (),
) -> np.ndarray:
    """A person-probability mask (1 inside, 0 outside) at ``mask_scale`` mask pixels per image pixel.

    Args:
        shape: (rows, cols) of the mask.
        head_centre_x, head_top_y, head_half_width, head_half_height: the head
            as a filled ellipse, in image pixels; its top is at ``head_top_y``.
        body, extra: filled rectangles (x0, y0, x1, y1) in image pixels (body, arms, ...).
    """
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    s = mask_scale
    centre_y = (head_top_y + head_half_height) * s
    inside = ((cols - head_centre_x * s) / (head_half_width * s)) ** 2 + (
        (rows - centre_y) / (head_half_height * s)
    ) ** 2 <= 1.0 + 1e-12
    for x0, y0, x1, y1 in ((body,) if body is not None else ()) + extra:
        inside |= (cols >= x0 * s) & (cols <= x1 * s) & (rows >= y0 * s) & (rows <= y1 * s)
    return inside.astype(np.float32)


# ------------------------------------------------------------------ exact answers


def atan_deg(opposite: float, adjacent: float) -> float:
    """The angle whose tangent is opposite / adjacent, in degrees (the closed form of most side angles)."""
    return math.degrees(math.atan2(opposite, adjacent))


def phone_gravity(roll_deg: float, quarter_turns: int = 0, pitch_deg: float = 0.0) -> tuple[float, float, float]:
    """What an iPhone records for a camera rolled by ``roll_deg`` (GROUND_TRUTH sign), in ExifTool's axes.

    Upright in portrait the phone feels (0, -1, 0). Turning the phone
    counter-clockwise by r (a positive roll) leans true up clockwise on the
    screen: screen-up-of-sky = (sin r, -cos r) in (right, down), and the
    stored vector is (-right, down) = (-sin r, -cos r). A landscape hold adds
    quarter turns, and pitching the phone moves part of the vector into Z.
    """
    angle = math.radians(roll_deg + 90.0 * quarter_turns)
    in_plane = math.cos(math.radians(pitch_deg))
    return (-math.sin(angle) * in_plane, -math.cos(angle) * in_plane, math.sin(math.radians(pitch_deg)))


# ------------------------------------------------------------------ constructed outline masks

MASK_WIDTH, MASK_HEIGHT = 1000, 1100
"""The size of a constructed mask, in image pixels (room for a side person of the default 1000 px)."""
EDGE_WIDTH = 4.0
"""Pixels over which a constructed mask's person probability falls linearly from 1 to 0."""


def soft_mask(left: Callable[[float], float], right: Callable[[float], float], *, scale: float = 1.0,
              rows: int = MASK_HEIGHT, cols: int = MASK_WIDTH) -> np.ndarray:
    """Person between x = left(y) and x = right(y) (original pixels), with a soft linear edge.

    Bilinear sampling puts the 0.5 crossing exactly where the edge was drawn, so sub-pixel positions can be checked.
    """
    mask = np.zeros((round(rows * scale), round(cols * scale)), dtype=np.float32)
    x = (np.arange(mask.shape[1]) + 0.5) / scale
    for row in range(mask.shape[0]):
        y = (row + 0.5) / scale
        inside = np.minimum(x - left(y), right(y) - x) * scale / EDGE_WIDTH + 0.5
        mask[row] = np.clip(inside, 0.0, 1.0)
    return mask


def side_mask(xy: np.ndarray, facing: int, back: Callable[[float], float], front: Callable[[float], float],
              near_side: str = "right") -> np.ndarray:
    """A side outline around an upright trunk: ``back(t)`` and ``front(t)`` in trunk lengths from the hip."""
    hip = xy[Landmark[f"{near_side.upper()}_HIP"]]
    shoulder = xy[Landmark[f"{near_side.upper()}_SHOULDER"]]
    length = float(hip[1] - shoulder[1])

    def level(y: float) -> float:
        return (float(hip[1]) - y) / length

    behind = (lambda y: hip[0] - back(level(y)) * length) if facing > 0 else (lambda y: hip[0] - front(level(y)) * length)
    ahead = (lambda y: hip[0] + front(level(y)) * length) if facing > 0 else (lambda y: hip[0] + back(level(y)) * length)
    return soft_mask(behind, ahead)


def back_outline(t: float) -> float:
    """A back outline: buttock 0.25 behind the axis at the hip, a lumbar hollow 0.15 at 0.3, upper back 0.22."""
    if t < 0.0:
        return 0.25
    if t < 0.3:
        return 0.25 - 0.1 * t / 0.3
    if t < 0.8:
        return 0.15 + 0.07 * (t - 0.3) / 0.5
    return 0.22


def front_outline(t: float) -> float:
    """A front outline: groin at 0.15 at the hip level, belly 0.30 at 0.25, lower ribs 0.22 at 0.55."""
    if t < 0.0:
        return 0.15 + 0.2 * t ** 2
    if t < 0.25:
        return 0.15 + 0.15 * t / 0.25
    return 0.30 - 0.08 * min(1.0, (t - 0.25) / 0.3)


# ------------------------------------------------------------------ whole analyses (no model)

FAKE_MODEL = ModelIdentity(name="pose_landmarker_full.task", sha256="ab" * 32, calibrated=True)
"""The model an analysis built here claims to come from."""


def analysis_image(name: str, *, sha: str, capture_time: str | None = None) -> LoadedImage:
    """A grey 1000 x 1100 photo named ``name`` (nothing is read from disk)."""
    rgb = np.full((1100, 1000, 3), 128, dtype=np.uint8)
    rgb.setflags(write=False)
    origin = ImageOrigin(sha256=sha, format="JPEG", exif_orientation=1, capture_time=capture_time, file_size=1)
    return LoadedImage(path=Path(name), width=1000, height=1100, rgb=rgb, scale=1.0, warnings=(), origin=origin)


def built(name: str, *, front: bool = False, capture_time: str | None = None, model: ModelIdentity = FAKE_MODEL,
          uncertainty: float | None = 0.5, **pose: Any) -> Analysis:
    """An analysis of a constructed person (no model), each measurement given ``uncertainty``."""
    person = front_pose(**pose) if front else side_pose(facing=1, **pose)
    verdict = assess((person,), width=1000, height=1100)
    assert verdict.ok, verdict.problem
    frame, measured = measure(verdict, None)
    measurements = measured.measurements
    measurements = tuple(dataclasses.replace(m, uncertainty=uncertainty) for m in measurements)
    knowledge = load_knowledge_base()
    image = analysis_image(name, sha=f"{abs(hash(name)):064x}"[:64], capture_time=capture_time)
    return Analysis(image=image, verdict=verdict, frame=frame, measurements=measurements,
                    findings=evaluate(measurements, view=verdict.view, scale=frame.scale, knowledge=knowledge),
                    knowledge=knowledge, warnings=(),
                    provenance=provenance(image, model=model, mediapipe_version="1.2.2", people_detected=1))


def refused(name: str) -> Analysis:
    """The analysis of a photo the quality gate refused (no person found)."""
    verdict = assess((), width=1000, height=1100)
    image = analysis_image(name, sha="ee" * 32)
    return Analysis(image=image, verdict=verdict, frame=None, measurements=(), findings=(),
                    knowledge=load_knowledge_base(), warnings=(),
                    provenance=provenance(image, model=FAKE_MODEL, mediapipe_version="1.2.2", people_detected=0))


def hip_height_reading(value: float, **components: float) -> Measurement:
    """One reading of the front view's hip height in % of body height, with the given components."""
    return Measurement("hip_height_difference", value, PERCENT_HEIGHT, "outline", (),
                       components=tuple(components.items()))

"""Posture measurements: pure functions from landmark positions to numbers.

Coordinates are pixels with x to the right and y down (after levelling).
``facing`` is +1 when the person faces image-right and -1 when they face
image-left, so ``forward = facing * dx`` and ``up = -dy``. Offsets are returned
both in pixels and, through :class:`BodyScale`, as % of body height or cm.
Signs follow SPEC.md: for every side-view measurement, + means forward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posture.calibration import LinearCalibration
from posture.landmarks import Landmark, side_landmark

SIDE_MEASUREMENT_IDS = (
    "head_forward_angle",
    "head_forward_offset",
    "trunk_lean",
    "hip_extension",
    "foot_hip_offset",
    "plumb_line",
    "knee_angle",
)
FRONT_MEASUREMENT_IDS = ("shoulder_height_difference", "lateral_trunk_shift")

PERCENT_HEIGHT = "percent_height"
CM = "cm"
DEGREES = "deg"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured quantity, with what it means and how it was obtained.

    Attributes:
        id: the SPEC.md measurement id, e.g. ``"trunk_lean"``.
        value: the number, in ``unit``; sign conventions are in SPEC.md.
        unit: ``"deg"``, ``"cm"`` or ``"percent_height"`` (% of body height).
        method: one sentence on how it was measured.
        landmarks: names of the landmarks it used.
        proxy: True when it stands in for a clinical measure it does not
            measure directly (the method says which).
        uncertainty: half-width of a 95% interval in ``unit``, or None when
            it was not estimated.
        components: named sub-values in ``unit`` (the plumb-line offsets).
    """

    id: str
    value: float
    unit: str
    method: str
    landmarks: tuple[str, ...]
    proxy: bool = False
    uncertainty: float | None = None
    components: tuple[tuple[str, float], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class BodyScale:
    """Converts pixel distances to % of body height, or to cm when the height is known."""

    body_height_px: float
    height_cm: float | None = None

    @property
    def unit(self) -> str:
        return CM if self.height_cm is not None else PERCENT_HEIGHT

    def convert(self, distance_px: float) -> float:
        fraction = distance_px / self.body_height_px
        return fraction * self.height_cm if self.height_cm is not None else 100.0 * fraction

    def from_percent(self, percent: float) -> float:
        """A threshold given in % of body height, in this scale's unit."""
        return percent * self.height_cm / 100.0 if self.height_cm is not None else percent


def _names(*landmarks: Landmark) -> tuple[str, ...]:
    return tuple(landmark.name.lower() for landmark in landmarks)


def forward_angle_from_vertical(start: np.ndarray, end: np.ndarray, facing: int) -> float:
    """Angle in degrees of the segment start → end from the upward vertical; + = end ahead of start.

    Args:
        start, end: shape (2,), pixel positions; ``end`` is expected above ``start``.
        facing: +1 (facing image-right) or -1 (facing image-left).
    """
    dx, dy = end - start
    return math.degrees(math.atan2(facing * dx, -dy))


def joint_bend(start: np.ndarray, joint: np.ndarray, end: np.ndarray) -> float:
    """Unsigned deviation in degrees of the angle start–joint–end from a straight line."""
    first, second = start - joint, end - joint
    cosine = float(np.dot(first, second) / (np.linalg.norm(first) * np.linalg.norm(second)))
    return 180.0 - math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def interior_angle_deviation(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, facing: int) -> float:
    """Deviation of the hip–knee–ankle angle from straight, in degrees.

    + when the knee lies behind the hip → ankle line (hyperextended), − when
    it lies ahead (flexed), 0 when the three points are collinear.
    """
    bend = joint_bend(hip, knee, ankle)
    # Signed distance of the knee ahead of the hip → ankle line, in the forward direction.
    line = ankle - hip
    cross = line[0] * (knee - hip)[1] - line[1] * (knee - hip)[0]
    knee_ahead = -facing * cross
    return -bend if knee_ahead > 0 else bend


def measure_side_view(
    xy: np.ndarray, *, facing: int, near_side: str, scale: BodyScale, head_calibration: LinearCalibration | None = None
) -> tuple[Measurement, ...]:
    """All side-view measurements of SPEC.md from one person's landmarks.

    Args:
        xy: shape (33, 2), landmark pixels, levelled (y down, true vertical).
        facing: +1 when the person faces image-right, -1 when image-left.
        near_side: ``"left"`` or ``"right"``: the side facing the camera, whose
            landmarks are used (the far side's are partly guessed by the model).
        scale: converts pixel offsets to % of body height or cm.
        head_calibration: maps the shoulder → ear angle to the clinical
            craniovertebral angle; without it the angle is reported uncalibrated.

    Returns:
        The measurements in the order of :data:`SIDE_MEASUREMENT_IDS`.
    """
    if facing not in (1, -1):
        raise ValueError(f"facing must be +1 or -1, got {facing!r}")
    ear, shoulder, hip, knee, ankle = (
        side_landmark(near_side, name) for name in ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE")
    )
    p = {landmark: np.asarray(xy[landmark], dtype=np.float64) for landmark in (ear, shoulder, hip, knee, ankle)}

    def ahead_px(point: Landmark, reference: Landmark) -> float:
        return float(facing * (p[point][0] - p[reference][0]))

    ear_up = float(p[shoulder][1] - p[ear][1])
    head_angle = math.degrees(math.atan2(ear_up, ahead_px(ear, shoulder)))
    trunk = forward_angle_from_vertical(p[hip], p[shoulder], facing)
    # The thigh hangs down from the hip: measure it from the downward vertical, + = knee ahead.
    thigh = math.degrees(math.atan2(ahead_px(knee, hip), float(p[knee][1] - p[hip][1])))
    unit = scale.unit
    plumb = tuple((point.name.lower().split("_", 1)[1], scale.convert(ahead_px(point, ankle)))
                  for point in (ear, shoulder, hip, knee))
    if head_calibration is None:
        head_value = head_angle
        head_method = ("Angle of the shoulder → ear line above horizontal (landmark proxy of the craniovertebral "
                       "angle, uncalibrated: the shoulder landmark is not C7 and the ear landmark is not the tragus).")
    else:
        head_value = head_calibration.apply(head_angle)
        head_method = ("Craniovertebral angle estimated from the shoulder → ear landmark angle with a calibration "
                       f"fitted on rendered bodies of known angle (CVA = {head_calibration.offset:.1f} + "
                       f"{head_calibration.slope:.2f} × angle; bench/ACCURACY.md).")
    return (
        Measurement(
            "head_forward_angle", head_value, DEGREES, head_method, _names(shoulder, ear), proxy=True,
            components=(("uncalibrated_deg", head_angle),),
        ),
        Measurement(
            "head_forward_offset", scale.convert(ahead_px(ear, shoulder)), unit,
            "Horizontal distance of the ear landmark ahead of the shoulder landmark.",
            _names(ear, shoulder),
        ),
        Measurement(
            "trunk_lean", trunk, DEGREES,
            "Angle of the hip → shoulder line from vertical.",
            _names(hip, shoulder),
        ),
        Measurement(
            "hip_extension", -(trunk + thigh), DEGREES,
            "Angle between the trunk line (hip → shoulder) and the thigh line (hip → knee), 0 when they are "
            "in one straight line; + when the hips are pushed forward of both.",
            _names(shoulder, hip, knee),
        ),
        Measurement(
            "foot_hip_offset", scale.convert(ahead_px(hip, ankle)), unit,
            "Horizontal distance of the hip joint landmark ahead of the ankle landmark.",
            _names(hip, ankle),
        ),
        Measurement(
            "plumb_line", plumb[0][1], unit,
            "Horizontal offsets of ear, shoulder, hip and knee landmarks from the vertical through the ankle "
            "landmark; the value is the ear's.",
            _names(ear, shoulder, hip, knee, ankle), components=plumb,
        ),
        Measurement(
            "knee_angle", interior_angle_deviation(p[hip], p[knee], p[ankle], facing), DEGREES,
            "Deviation of the hip–knee–ankle angle from straight; + = knee behind the hip–ankle line.",
            _names(hip, knee, ankle),
        ),
    )


def measure_front_view(xy: np.ndarray, *, back: bool, scale: BodyScale) -> tuple[Measurement, ...]:
    """Front/back-view measurements that landmarks can support.

    Args:
        xy: shape (33, 2), landmark pixels, levelled.
        back: True for a photo taken from behind. The person's left is on the
            image right in a front view and on the image left in a back view.
        scale: converts pixel offsets to % of body height or cm.
    """
    to_persons_left = -1.0 if back else 1.0
    left_shoulder, right_shoulder = xy[Landmark.LEFT_SHOULDER], xy[Landmark.RIGHT_SHOULDER]
    left_hip, right_hip = xy[Landmark.LEFT_HIP], xy[Landmark.RIGHT_HIP]
    shoulder_rise = float(right_shoulder[1] - left_shoulder[1])
    shoulder_span = float(abs(left_shoulder[0] - right_shoulder[0]))
    shift = float(to_persons_left * ((left_shoulder[0] + right_shoulder[0]) - (left_hip[0] + right_hip[0])) / 2.0)
    tilt = math.degrees(math.atan2(shoulder_rise, shoulder_span))
    return (
        Measurement(
            "shoulder_height_difference", scale.convert(shoulder_rise), scale.unit,
            f"Height of the left shoulder landmark above the right one (shoulder tilt {tilt:+.1f} deg).",
            _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
            components=(("shoulder_tilt_deg", tilt),),
        ),
        Measurement(
            "lateral_trunk_shift", scale.convert(shift), scale.unit,
            "Horizontal offset of the mid-shoulder point from the mid-hip point, + towards the person's left.",
            _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
        ),
    )

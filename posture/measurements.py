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

from posture.calibration import Calibrations
from posture.frame import BodyScale
from posture.geometry import forward_angle_from_vertical, interior_angle_deviation
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

DEGREES = "deg"

_Calibrated = tuple[float, str, tuple[tuple[str, float], ...]]
"""A calibrated value, its method sentence, and the landmark value as a component (empty when uncalibrated)."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured quantity, with what it means and how it was obtained.

    Attributes:
        id: the SPEC.md measurement id, e.g. ``"trunk_lean"``.
        value: the number, in ``unit``; sign conventions are in SPEC.md.
        unit: ``"deg"``, ``"cm"`` or ``"percent_height"`` (% of body height).
        method: how it was measured, and how it was calibrated if it was.
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

    @property
    def landmark_value(self) -> float:
        """The value as the landmarks give it, before any calibration (the value itself when uncalibrated)."""
        return dict(self.components).get("uncalibrated", self.value)


def _names(*landmarks: Landmark) -> tuple[str, ...]:
    return tuple(landmark.name.lower() for landmark in landmarks)


def measure_side_view(
    xy: np.ndarray, *, facing: int, near_side: str, scale: BodyScale, calibrations: Calibrations | None = None
) -> tuple[Measurement, ...]:
    """All side-view measurements of SPEC.md from one person's landmarks.

    Args:
        xy: shape (33, 2), landmark pixels, levelled (y down, true vertical).
        facing: +1 when the person faces image-right, -1 when image-left.
        near_side: ``"left"`` or ``"right"``: the side facing the camera, whose
            landmarks are used (the far side's are partly guessed by the model).
        scale: converts pixel offsets to % of body height or cm.
        calibrations: corrections fitted on rendered bodies (head angle to the
            clinical craniovertebral angle; the hip landmark's forward bias).
            Without them every value is the bare landmark geometry.

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

    def calibrated(measurement_id: str, landmark_value: float, unit: str, method: str) -> _Calibrated:
        """The value after its calibration (if any), the method extended to say so, and the raw value."""
        correction = calibrations.get(measurement_id) if calibrations is not None else None
        if correction is None:
            return landmark_value, method, ()
        return (correction.apply(landmark_value),
                f"{method} Then {correction.describe(unit)}, fitted on rendered bodies of known posture "
                "(bench/ACCURACY.md).",
                (("uncalibrated", landmark_value),))

    head_angle, head_method, head_raw = calibrated(
        "head_forward_angle",
        math.degrees(math.atan2(float(p[shoulder][1] - p[ear][1]), ahead_px(ear, shoulder))), "deg",
        "Proxy of the craniovertebral angle (tragus–C7 line above horizontal): MediaPipe has neither point, so "
        "the angle of the shoulder → ear landmark line above horizontal is used.")
    trunk_landmarks = forward_angle_from_vertical(p[hip], p[shoulder], facing)
    trunk, trunk_method, trunk_raw = calibrated(
        "trunk_lean", trunk_landmarks, "deg", "Angle of the hip → shoulder landmark line from vertical.")
    # The thigh hangs down from the hip: measure it from the downward vertical, + = knee ahead.
    thigh = math.degrees(math.atan2(ahead_px(knee, hip), float(p[knee][1] - p[hip][1])))
    extension, extension_method, extension_raw = calibrated(
        "hip_extension", -(trunk_landmarks + thigh), "deg",
        "Angle between the trunk line (hip → shoulder) and the thigh line (hip → knee), 0 when they are in one "
        "straight line; + when the hips are pushed forward of both.")
    feet_percent, feet_method, feet_raw = calibrated(
        "foot_hip_offset", scale.percent(ahead_px(hip, ankle)), "% of body height",
        "Horizontal distance of the hip landmark ahead of the ankle landmark.")
    unit = scale.unit
    plumb = tuple((point.name.lower().split("_", 1)[1], scale.convert(ahead_px(point, ankle)))
                  for point in (ear, shoulder, hip, knee))
    return (
        Measurement("head_forward_angle", head_angle, DEGREES, head_method, _names(shoulder, ear), proxy=True,
                    components=head_raw),
        Measurement(
            "head_forward_offset", scale.convert(ahead_px(ear, shoulder)), unit,
            "Proxy of the tragus ahead of the acromion: horizontal distance of the ear landmark ahead of the "
            "shoulder landmark.",
            _names(ear, shoulder), proxy=True,
        ),
        Measurement("trunk_lean", trunk, DEGREES, trunk_method, _names(hip, shoulder), components=trunk_raw),
        Measurement("hip_extension", extension, DEGREES, extension_method, _names(shoulder, hip, knee),
                    components=extension_raw),
        Measurement(
            "foot_hip_offset", scale.from_percent(feet_percent), unit, feet_method, _names(hip, ankle),
            components=tuple((name, scale.from_percent(value)) for name, value in feet_raw),
        ),
        Measurement(
            "plumb_line", plumb[0][1], unit,
            "Proxy of Kendall's plumb line (ear lobe, acromion, greater trochanter, knee, lateral malleolus): "
            "horizontal offsets of the ear, shoulder, hip and knee landmarks from the vertical through the ankle "
            "landmark, as the landmarks lie (without the bias correction of foot_hip_offset); the value is the "
            "ear's.",
            _names(ear, shoulder, hip, knee, ankle), proxy=True, components=plumb,
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
            f"Proxy of the acromion heights: the left shoulder landmark's height above the right one (shoulder "
            f"tilt {tilt:+.1f} deg). On rendered bodies it follows a true difference at about 0.6 of its size.",
            _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), proxy=True,
            components=(("shoulder_tilt_deg", tilt),),
        ),
        Measurement(
            "lateral_trunk_shift", scale.convert(shift), scale.unit,
            "Horizontal offset of the mid-shoulder point from the mid-hip point, + towards the person's left.",
            _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
        ),
    )

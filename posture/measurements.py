"""Posture measurements: pure functions from landmark positions to numbers.

Coordinates are pixels with x to the right and y down (after levelling).
``facing`` is +1 when the person faces image-right and -1 when they face
image-left, so ``forward = facing * dx`` and ``up = -dy``. Offsets are returned
both in pixels and, through :class:`BodyScale`, as % of body height or cm.
Signs follow SPEC.md: for every side-view measurement, + means forward.

Each measurement id of :mod:`posture.registry` has one function here,
registered with :func:`_measures`; :func:`measure_side_view` and
:func:`measure_front_view` run those that apply, in the registry's order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from posture import registry
from posture.calibration import Calibrations
from posture.frame import BodyScale
from posture.geometry import forward_angle_from_vertical, interior_angle_deviation
from posture.landmarks import Landmark, side_landmark
from posture.units import DEG

_Calibrated = tuple[float, str, tuple[tuple[str, float], ...]]
"""A calibrated value, its method sentence, and the landmark value as a component (empty when uncalibrated)."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured quantity, with what it means and how it was obtained.

    Attributes:
        id: the measurement id of :mod:`posture.registry`, e.g. ``"trunk_lean"``.
        value: the number, in ``unit``; sign conventions are in the registry and SPEC.md.
        unit: ``"deg"``, ``"cm"`` or ``"percent_height"`` (% of body height).
        method: how it was measured, and how it was calibrated if it was.
        landmarks: names of the landmarks it used.
        proxy: True when it stands in for a clinical measure it does not
            measure directly (the method says which).
        uncertainty: half-width of a 95% interval in ``unit``, or None when
            it was not estimated.
        components: named sub-values (the plumb-line offsets in ``unit``; the
            shoulder tilt in degrees, named ``*_deg``; ``uncalibrated``, the
            landmark value before calibration, in ``unit``).
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

    @property
    def definition(self) -> registry.Definition:
        return registry.definition(self.id)


@dataclass(frozen=True, slots=True)
class SideBody:
    """What a side-view measurement reads: the near side's landmarks, the facing and the scale.

    Attributes:
        points: side-free name (``"EAR"``, ``"SHOULDER"``, ``"HIP"``, ``"KNEE"``,
            ``"ANKLE"``) → shape (2,) pixel position on the near side.
        landmarks: the same names → the MediaPipe landmark they came from.
        facing: +1 when the person faces image-right, -1 when image-left.
        scale: converts pixel offsets to % of body height or cm.
        calibrations: fitted corrections, or None for bare landmark geometry.
    """

    points: dict[str, np.ndarray]
    landmarks: dict[str, Landmark]
    facing: int
    scale: BodyScale
    calibrations: Calibrations | None

    def ahead_px(self, point: str, reference: str) -> float:
        """Horizontal pixels by which ``point`` lies ahead of ``reference`` (+ = in the facing direction)."""
        return float(self.facing * (self.points[point][0] - self.points[reference][0]))

    def names(self, *parts: str) -> tuple[str, ...]:
        return tuple(self.landmarks[part].name.lower() for part in parts)

    def calibrated(self, measurement_id: str, landmark_value: float, unit: str, method: str) -> _Calibrated:
        """The value after its calibration (if any), the method extended to say so, and the raw value."""
        correction = self.calibrations.get(measurement_id) if self.calibrations is not None else None
        if correction is None:
            return landmark_value, method, ()
        return (correction.apply(landmark_value),
                f"{method} Then {correction.describe(unit)}, fitted on rendered bodies of known posture "
                "(bench/ACCURACY.md).",
                (("uncalibrated", landmark_value),))


@dataclass(frozen=True, slots=True)
class FrontBody:
    """What a front- or back-view measurement reads.

    Attributes:
        xy: shape (33, 2), landmark pixels, levelled.
        back: True for a photo taken from behind. The person's left is on the
            image right in a front view and on the image left in a back view.
        scale: converts pixel offsets to % of body height or cm.
    """

    xy: np.ndarray
    back: bool
    scale: BodyScale

    @property
    def to_persons_left(self) -> float:
        """+1 or -1: the image-x direction of the person's left."""
        return -1.0 if self.back else 1.0


SideFunction = Callable[[SideBody], "Measurement"]
FrontFunction = Callable[[FrontBody], "Measurement"]
_SIDE: dict[str, SideFunction] = {}
_FRONT: dict[str, FrontFunction] = {}


def _measures(measurement_id: str) -> Callable[[Callable[..., Measurement]], Callable[..., Measurement]]:
    """Register the function that measures ``measurement_id`` for the views its definition names."""
    definition = registry.definition(measurement_id)

    def register(function: Callable[..., Measurement]) -> Callable[..., Measurement]:
        table: dict[str, Callable[..., Measurement]] = _SIDE if "side" in definition.views else _FRONT
        table[measurement_id] = function
        return function

    return register


def _names(*landmarks: Landmark) -> tuple[str, ...]:
    return tuple(landmark.name.lower() for landmark in landmarks)


@_measures("head_forward_angle")
def head_forward_angle(body: SideBody) -> Measurement:
    p = body.points
    angle = math.degrees(math.atan2(float(p["SHOULDER"][1] - p["EAR"][1]), body.ahead_px("EAR", "SHOULDER")))
    value, method, raw = body.calibrated(
        "head_forward_angle", angle, DEG,
        "Proxy of the craniovertebral angle (tragus–C7 line above horizontal): MediaPipe has neither point, so "
        "the angle of the shoulder → ear landmark line above horizontal is used.")
    return Measurement("head_forward_angle", value, DEG, method, body.names("SHOULDER", "EAR"), proxy=True,
                       components=raw)


@_measures("head_forward_offset")
def head_forward_offset(body: SideBody) -> Measurement:
    return Measurement(
        "head_forward_offset", body.scale.convert(body.ahead_px("EAR", "SHOULDER")), body.scale.unit,
        "Proxy of the tragus ahead of the acromion: horizontal distance of the ear landmark ahead of the "
        "shoulder landmark.",
        body.names("EAR", "SHOULDER"), proxy=True,
    )


def _trunk_landmark_angle(body: SideBody) -> float:
    return forward_angle_from_vertical(body.points["HIP"], body.points["SHOULDER"], body.facing)


@_measures("trunk_lean")
def trunk_lean(body: SideBody) -> Measurement:
    value, method, raw = body.calibrated("trunk_lean", _trunk_landmark_angle(body), DEG,
                                         "Angle of the hip → shoulder landmark line from vertical.")
    return Measurement("trunk_lean", value, DEG, method, body.names("HIP", "SHOULDER"), components=raw)


@_measures("hip_extension")
def hip_extension(body: SideBody) -> Measurement:
    p = body.points
    # The thigh hangs down from the hip: measure it from the downward vertical, + = knee ahead.
    thigh = math.degrees(math.atan2(body.ahead_px("KNEE", "HIP"), float(p["KNEE"][1] - p["HIP"][1])))
    value, method, raw = body.calibrated(
        "hip_extension", -(_trunk_landmark_angle(body) + thigh), DEG,
        "Angle between the trunk line (hip → shoulder) and the thigh line (hip → knee), 0 when they are in one "
        "straight line; + when the hips are pushed forward of both.")
    return Measurement("hip_extension", value, DEG, method, body.names("SHOULDER", "HIP", "KNEE"), components=raw)


@_measures("foot_hip_offset")
def foot_hip_offset(body: SideBody) -> Measurement:
    scale = body.scale
    # The calibration is fitted in % of body height, so it is applied before converting to cm.
    percent, method, raw = body.calibrated(
        "foot_hip_offset", scale.percent(body.ahead_px("HIP", "ANKLE")), "% of body height",
        "Horizontal distance of the hip landmark ahead of the ankle landmark.")
    return Measurement("foot_hip_offset", scale.from_percent(percent), scale.unit, method,
                       body.names("HIP", "ANKLE"),
                       components=tuple((name, scale.from_percent(value)) for name, value in raw))


@_measures("plumb_line")
def plumb_line(body: SideBody) -> Measurement:
    parts = ("EAR", "SHOULDER", "HIP", "KNEE")
    offsets = tuple((part.lower(), body.scale.convert(body.ahead_px(part, "ANKLE"))) for part in parts)
    return Measurement(
        "plumb_line", offsets[0][1], body.scale.unit,
        "Proxy of Kendall's plumb line (ear lobe, acromion, greater trochanter, knee, lateral malleolus): "
        "horizontal offsets of the ear, shoulder, hip and knee landmarks from the vertical through the ankle "
        "landmark, as the landmarks lie (without the bias correction of foot_hip_offset); the value is the "
        "ear's.",
        body.names(*parts, "ANKLE"), proxy=True, components=offsets,
    )


@_measures("knee_angle")
def knee_angle(body: SideBody) -> Measurement:
    p = body.points
    return Measurement(
        "knee_angle", interior_angle_deviation(p["HIP"], p["KNEE"], p["ANKLE"], body.facing), DEG,
        "Deviation of the hip–knee–ankle angle from straight; + = knee behind the hip–ankle line.",
        body.names("HIP", "KNEE", "ANKLE"),
    )


@_measures("shoulder_height_difference")
def shoulder_height_difference(body: FrontBody) -> Measurement:
    left, right = body.xy[Landmark.LEFT_SHOULDER], body.xy[Landmark.RIGHT_SHOULDER]
    rise = float(right[1] - left[1])
    tilt = math.degrees(math.atan2(rise, float(abs(left[0] - right[0]))))
    return Measurement(
        "shoulder_height_difference", body.scale.convert(rise), body.scale.unit,
        f"Proxy of the acromion heights: the left shoulder landmark's height above the right one (shoulder "
        f"tilt {tilt:+.1f} deg). On rendered bodies it follows a true difference at about 0.6 of its size.",
        _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), proxy=True,
        components=(("shoulder_tilt_deg", tilt),),
    )


@_measures("lateral_trunk_shift")
def lateral_trunk_shift(body: FrontBody) -> Measurement:
    xy = body.xy
    shoulders = xy[Landmark.LEFT_SHOULDER][0] + xy[Landmark.RIGHT_SHOULDER][0]
    hips = xy[Landmark.LEFT_HIP][0] + xy[Landmark.RIGHT_HIP][0]
    shift = float(body.to_persons_left * (shoulders - hips) / 2.0)
    return Measurement(
        "lateral_trunk_shift", body.scale.convert(shift), body.scale.unit,
        "Horizontal offset of the mid-shoulder point from the mid-hip point, + towards the person's left.",
        _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    )


_undefined = [d.id for d in registry.DEFINITIONS if d.id not in _SIDE and d.id not in _FRONT]
if _undefined:
    raise RuntimeError(f"measurements defined in the registry without a function: {_undefined}")


def measure_side_view(
    xy: np.ndarray, *, facing: int, near_side: str, scale: BodyScale, calibrations: Calibrations | None = None,
    stride: bool = False,
) -> tuple[Measurement, ...]:
    """Every side-view measurement of the registry from one person's landmarks.

    Args:
        xy: shape (33, 2), landmark pixels, levelled (y down, true vertical).
        facing: +1 when the person faces image-right, -1 when image-left.
        near_side: ``"left"`` or ``"right"``: the side facing the camera, whose
            landmarks are used (the far side's are partly guessed by the model).
        scale: converts pixel offsets to % of body height or cm.
        calibrations: corrections fitted on rendered bodies (head angle to the
            clinical craniovertebral angle; the hip landmark's forward bias).
            Without them every value is the bare landmark geometry.
        stride: the legs are in a walking step: only the stride-safe measurements.

    Returns:
        The measurements in the registry's order.
    """
    if facing not in (1, -1):
        raise ValueError(f"facing must be +1 or -1, got {facing!r}")
    parts = ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE")
    landmarks = {part: side_landmark(near_side, part) for part in parts}
    body = SideBody(points={part: np.asarray(xy[landmark], dtype=np.float64) for part, landmark in landmarks.items()},
                    landmarks=landmarks, facing=facing, scale=scale, calibrations=calibrations)
    return tuple(_SIDE[d.id](body) for d in registry.for_view("side", stride=stride))


def measure_front_view(xy: np.ndarray, *, back: bool, scale: BodyScale) -> tuple[Measurement, ...]:
    """Every front/back-view measurement of the registry.

    Args:
        xy: shape (33, 2), landmark pixels, levelled.
        back: True for a photo taken from behind.
        scale: converts pixel offsets to % of body height or cm.
    """
    body = FrontBody(xy=np.asarray(xy, dtype=np.float64), back=back, scale=scale)
    return tuple(_FRONT[d.id](body) for d in registry.for_view("back" if back else "front"))


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

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from posture import outline, registry
from posture.calibration import Calibrations, LinearCalibration
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
            landmark value before calibration, in ``unit``; an outline
            measure's features, as its method says).
        points: named image points (original pixels) of the outline it read,
            for drawing; landmarks are named in ``landmarks`` instead.
    """

    id: str
    value: float
    unit: str
    method: str
    landmarks: tuple[str, ...]
    proxy: bool = False
    uncertainty: float | None = None
    components: tuple[tuple[str, float], ...] = field(default=())
    points: tuple[tuple[str, float, float], ...] = field(default=())

    @property
    def landmark_value(self) -> float:
        """The value as the landmarks give it, before any calibration (the value itself when uncalibrated)."""
        return dict(self.components).get("uncalibrated", self.value)

    @property
    def definition(self) -> registry.Definition:
        return registry.definition(self.id)


@dataclass(frozen=True, slots=True)
class Mask:
    """The segmentation mask: shape (h, w) person probability, and mask pixels per original pixel."""

    probability: np.ndarray
    scale: float


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
        outline: the segmentation mask and its scale, or None when there is none.
        profile: the side outline read from it once for every outline measure
            (:func:`side_profile`), or None without one.
    """

    points: dict[str, np.ndarray]
    landmarks: dict[str, Landmark]
    facing: int
    scale: BodyScale
    calibrations: Calibrations | None
    outline: Mask | None = None
    profile: SideProfile | None = None

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
        calibrations: fitted corrections, or None (the outline measures then are not given).
        outline: the segmentation mask and its scale, or None when there is none.
    """

    xy: np.ndarray
    back: bool
    scale: BodyScale
    calibrations: Calibrations | None = None
    outline: Mask | None = None

    def correction(self, measurement_id: str) -> LinearCalibration | None:
        """The calibration of an outline measure for this view: seen from behind, its own fit where there is one.

        The outline of the flanks and shoulders differs from behind (buttocks, shoulder blades), so the back
        view may carry a separate entry, ``<id>_back``.
        """
        if self.calibrations is None:
            return None
        if self.back:
            own = self.calibrations.get(f"{measurement_id}_back")
            if own is not None:
                return own
        return self.calibrations.get(measurement_id)

    @property
    def to_persons_left(self) -> float:
        """+1 or -1: the image-x direction of the person's left."""
        return -1.0 if self.back else 1.0


@dataclass(frozen=True, slots=True)
class Withheld:
    """An outline measure not given because the outline is probably not the body's: its id and why (a clause)."""

    id: str
    reason: str


class Measured(tuple[Measurement, ...]):
    """The measurements of one view, plus one sentence per reason an outline measure was withheld.

    A tuple, so that every caller that wants only the measurements is unaffected; the pipeline adds
    ``withheld`` to the analysis' warnings.
    """

    withheld: tuple[str, ...]

    def __new__(cls, measurements: tuple[Measurement, ...], withheld: tuple[str, ...] = ()) -> Measured:
        made = super().__new__(cls, measurements)
        made.withheld = withheld
        return made


def withheld_notes(measurements: tuple[Measurement, ...]) -> tuple[str, ...]:
    """The warnings saying which outline measures were withheld and why (none for a plain tuple)."""
    return getattr(measurements, "withheld", ())


SideFunction = Callable[[SideBody], "Measurement | Withheld | None"]
FrontFunction = Callable[[FrontBody], "Measurement | Withheld | None"]
_SIDE: dict[str, SideFunction] = {}
_FRONT: dict[str, FrontFunction] = {}


_Function = Callable[..., "Measurement | Withheld | None"]


def _measures(measurement_id: str) -> Callable[[_Function], _Function]:
    """Register the function that measures ``measurement_id`` for the views its definition names.

    A function returns None when the photo does not allow the measurement
    (no outline, no calibration, an outline it cannot read); the report then lists it as not measured.
    It returns :class:`Withheld` when it could read an outline but judges it to be cloth rather than body.
    """
    definition = registry.definition(measurement_id)

    def register(function: _Function) -> _Function:
        table: dict[str, _Function] = _SIDE if "side" in definition.views else _FRONT
        table[measurement_id] = function
        return function

    return register


def _names(*landmarks: Landmark) -> tuple[str, ...]:
    return tuple(landmark.name.lower() for landmark in landmarks)


@_measures("head_forward_angle")
def head_forward_angle(body: SideBody) -> Measurement:
    p = body.points
    landmark = math.degrees(math.atan2(float(p["SHOULDER"][1] - p["EAR"][1]), body.ahead_px("EAR", "SHOULDER")))
    correction = body.calibrations.get("head_forward_angle") if body.calibrations is not None else None
    found = head_points(body) if correction is not None else None
    if correction is None or found is None:
        value, method, raw = body.calibrated(
            "head_forward_angle", landmark, DEG,
            "Proxy of the craniovertebral angle (tragus–C7 line above horizontal): MediaPipe has neither point, "
            "so the angle of the shoulder → ear landmark line above horizontal is used.")
        return Measurement("head_forward_angle", value, DEG, method, body.names("SHOULDER", "EAR"), proxy=True,
                           components=raw)
    c7, tragus = found
    angle = head_line_angle(c7, tragus, body.facing)
    from_landmarks = correction.apply(landmark)
    # The weights blend the outline estimate into the landmark one (1: the outline alone); none yet: landmarks.
    value = from_landmarks + sum(weight * (angle - from_landmarks) for weight in correction.weights.values())
    share = sum(correction.weights.values())
    # A last line, fitted on changes from each calibration body's neutral, so that a change is followed at full
    # size (fitted on absolute values, as above, the body-to-body scatter flattens the line).
    changes = body.calibrations.get(HEAD_CHANGES) if body.calibrations is not None else None
    if changes is not None:
        value = changes.apply(value)
    scaled = "" if changes is None else f", then scaled by {changes.slope:.2f} so that changes keep their size"
    return Measurement(
        "head_forward_angle", value, DEG,
        "Proxy of the craniovertebral angle (tragus–C7 line above horizontal), read from the outline and the "
        "landmarks: C7 is taken on the outline of the back of the neck, where it bends into the upper back (a "
        "mix of the nape's hollow, the steepest stretch of the bend and the ear's height, fitted on rendered "
        "bodies), the tragus from the ear landmark moved along and across the ear → nose line (both placed so that "
        "the line follows the CVA and its changes on those bodies); the angle of the C7 → tragus "
        f"line above horizontal, weighted {share:.2f} against the shoulder → ear landmark angle "
        f"({correction.describe(DEG)}){scaled}, fitted on rendered bodies of known CVA (bench/ACCURACY.md). Hair or a "
        "collar on the back of the neck moves C7 with it.",
        body.names("SHOULDER", "EAR", "NOSE"), proxy=True,
        components=(("uncalibrated", landmark), ("outline_angle", angle)),
        points=(("c7", float(c7[0]), float(c7[1])), ("tragus", float(tragus[0]), float(tragus[1]))),
    )


HEAD_CHANGES = "head_forward_angle_changes"
"""The calibration entry of the head angle's last line: ``offset + slope ×`` the blended angle."""


def head_line_angle(c7: np.ndarray, tragus: np.ndarray, facing: int) -> float:
    """The C7 → tragus line's angle above horizontal in degrees (the CVA's definition): 90 = tragus straight above."""
    return math.degrees(math.atan2(float(c7[1] - tragus[1]), facing * float(tragus[0] - c7[0])))


NECK_ROW_STEP = 0.002
"""Rows read on the back of the neck, in body heights apart (about 3.5 mm on a 1.75 m person)."""
NECK_BELOW_SHOULDER = 0.06
"""How far below the shoulder landmark, in body heights, the bend into the upper back is looked for."""
NECK_SMOOTH = 0.004
"""Smoothing of the back-of-neck outline before its steepest stretch is found, in body heights (a Gaussian's SD)."""
NECK_REACH = 0.3
"""How far a ray looks for the back of the neck, in body heights: beyond any neck's or upper back's depth."""
C7_ROW = (0.415, 0.356, 0.0322)
"""C7's image row: the nape's hollow, moved by these shares of the way to the steepest stretch of the bend and to
the ear landmark's row, and by this many body heights down. Fitted with :data:`C7_FORWARD` and
:data:`TRAGUS_FROM_EAR` on renders of the five calibration bodies (bench/accuracy.py --fit-head-geometry) to the
angle of the line between the two points: to the CVA, to each posture's change of it from the same body's neutral
render, and with the points kept near the skin vertex over C7 and the tragus (about 0.7% of body height, 1.2 cm, from
them). Fitted to the points' places alone, the line read a neck flexion's change about 10% too large and a head
protraction's about 10% too small (bench/ACCURACY.md)."""
C7_FORWARD = 0.0026
"""C7 lies this many body heights ahead of the back outline at its row (the outline seen from below is the upper
trapezius, behind the spine)."""
TRAGUS_FROM_EAR = (0.388, 0.478, -0.0195, -0.0168)
"""The tragus proxy: the ear landmark moved by (a, b) times the ear → nose vector and its quarter turn (so the move
turns with the head), and by (forward, down) body heights; fitted as :data:`C7_ROW`. The turning part is large: the
ear landmark drops further than the tragus when the head bows, and turning the move with the head takes some of that
back."""


@dataclass(frozen=True, slots=True)
class NeckOutline:
    """The back outline of the neck and upper back, row by row (levelled pixels).

    Attributes:
        rows: shape (n,), image rows (y), top down.
        back: shape (n,), x of the back outline on each row (NaN where no edge was found).
        behind: shape (n,), how far behind the shoulder landmark it lies, pixels (+ = behind).
        hollow: the row of the nape's hollow (the outline's most forward point between ear and shoulder).
        bend: the row where the outline turns backwards most steeply, below the hollow.
    """

    rows: np.ndarray
    back: np.ndarray
    behind: np.ndarray
    hollow: float
    bend: float


def neck_outline(body: SideBody) -> NeckOutline | None:
    """The back of the neck from the ear's row to below the shoulder, or None without a mask or a clear outline.

    Each row is read by a horizontal ray walking backwards from the ear → shoulder landmark line (from the
    shoulder landmark below it), which lies inside the neck.
    """
    if body.outline is None:
        return None
    ear, shoulder = body.points["EAR"], body.points["SHOULDER"]
    height = body.scale.body_height_px
    if not shoulder[1] > ear[1]:
        return None
    rows = np.arange(float(ear[1]), float(shoulder[1]) + NECK_BELOW_SHOULDER * height, NECK_ROW_STEP * height)
    share = np.clip((rows - ear[1]) / (shoulder[1] - ear[1]), 0.0, 1.0)
    starts = np.column_stack([ear[0] + share * (shoulder[0] - ear[0]), rows])
    distances = outline.edges_along(body.outline.probability, body.outline.scale, starts,
                                    np.array([-float(body.facing), 0.0]), reach_px=NECK_REACH * height)
    if rows.size < 10 or np.isfinite(distances).mean() < 0.8:
        return None
    back = starts[:, 0] - body.facing * distances
    behind = -body.facing * (back - shoulder[0])
    upper = rows <= shoulder[1]
    hollow = outline.peak_level(rows, np.where(upper, -behind, np.nan), float(rows[0]), float(shoulder[1]))
    if not np.isfinite(hollow):
        return None
    bend = outline.steepest_level(rows, behind, hollow, float(rows[-1]), smooth=NECK_SMOOTH * height)
    if not np.isfinite(bend):
        return None
    return NeckOutline(rows=rows, back=back, behind=behind, hollow=hollow, bend=bend)


def head_points(body: SideBody) -> tuple[np.ndarray, np.ndarray] | None:
    """C7 on the back outline of the neck and the tragus proxy (levelled pixels), or None without an outline."""
    neck = neck_outline(body)
    if neck is None or "NOSE" not in body.points:
        return None
    return place_head_points(body, neck)


def place_head_points(body: SideBody, neck: NeckOutline, c7_row: tuple[float, float, float] = C7_ROW,
                      c7_forward: float = C7_FORWARD,
                      tragus_from_ear: tuple[float, float, float, float] = TRAGUS_FROM_EAR,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """C7 and the tragus proxy placed from a neck outline already read, by the given constants.

    Apart from :func:`head_points` so that their fit (bench/accuracy.py --fit-head-geometry) can try other
    constants on outlines read once.
    """
    height = body.scale.body_height_px
    ear, nose = body.points["EAR"], body.points["NOSE"]
    to_bend, to_ear, down = c7_row
    row = neck.hollow + to_bend * (neck.bend - neck.hollow) + to_ear * (float(ear[1]) - neck.hollow) + down * height
    finite = np.isfinite(neck.back)
    back_x = float(np.interp(row, neck.rows[finite], neck.back[finite]))
    c7 = np.array([back_x + body.facing * c7_forward * height, row])
    along, across, forward, below = tragus_from_ear
    to_nose = np.asarray(nose, dtype=np.float64) - ear
    quarter = body.facing * np.array([-to_nose[1], to_nose[0]])
    tragus = ear + along * to_nose + across * quarter + np.array([body.facing * forward, below]) * height
    return c7, tragus


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


SHOULDER_TOP_SPAN = (0.55, 1.05)
"""Where the top of each shoulder is read: fractions of the half shoulder span out from the midline, clear of the neck."""


def shoulder_tops(body: FrontBody) -> dict[str, np.ndarray] | None:
    """Height of the top of each shoulder's outline above the shoulder landmarks' midpoint, in pixels, or None.

    Rays go straight up from just below the shoulder line at several distances
    out from the midline; the person's left and right share the same distances.
    """
    if body.outline is None:
        return None
    xy = body.xy
    left, right = xy[Landmark.LEFT_SHOULDER], xy[Landmark.RIGHT_SHOULDER]
    middle = (left + right) / 2.0
    half_span = float(abs(left[0] - right[0])) / 2.0
    trunk = float(np.hypot(*(middle - (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0)))
    if half_span <= 0.0 or trunk <= 0.0:
        return None
    frame = outline.AxisFrame(origin=middle, up=np.array([body.to_persons_left, 0.0]), across=np.array([0.0, -1.0]),
                              length=half_span)
    reach = 0.6 * trunk
    outwards = np.linspace(*SHOULDER_TOP_SPAN, 11)
    tops = {side: outline.edge_distances(body.outline.probability, body.outline.scale, frame, sign * outwards,
                                         direction=1, start_px=-0.08 * trunk, reach_px=reach)
            for side, sign in (("left", 1.0), ("right", -1.0))}
    if any(np.isfinite(top).mean() < 0.6 for top in tops.values()):
        return None
    return tops


@_measures("shoulder_height_difference")
def shoulder_height_difference(body: FrontBody) -> Measurement:
    left, right = body.xy[Landmark.LEFT_SHOULDER], body.xy[Landmark.RIGHT_SHOULDER]
    rise = float(right[1] - left[1])
    span = float(abs(left[0] - right[0]))
    correction = body.correction("shoulder_height_difference")
    tops = shoulder_tops(body) if correction is not None else None
    if correction is None or tops is None:
        tilt = math.degrees(math.atan2(rise, span))
        return Measurement(
            "shoulder_height_difference", body.scale.convert(rise), body.scale.unit,
            f"Proxy of the acromion heights: the left shoulder landmark's height above the right one (shoulder "
            f"tilt {tilt:+.1f} deg). On rendered bodies it follows a true difference at about 0.6 of its size.",
            _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), proxy=True,
            components=(("shoulder_tilt_deg", tilt),),
        )
    outline_rise = float(np.nanmean(tops["left"] - tops["right"]))
    features = {"outline_difference": body.scale.percent(outline_rise), "landmark_difference": body.scale.percent(rise)}
    percent = correction.combine(features)
    tilt = math.degrees(math.atan2(percent * body.scale.body_height_px / 100.0, span))
    return Measurement(
        "shoulder_height_difference", body.scale.from_percent(percent), body.scale.unit,
        "Estimated from the outline of the top of each shoulder (silhouette) together with the shoulder "
        f"landmarks, calibrated on rendered bodies against the acromions (shoulder tilt {tilt:+.1f} deg).",
        _names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), proxy=True,
        components=(("shoulder_tilt_deg", tilt), *features.items()),
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


# ------------------------------------------------------------------ outline measures, side view
# Levels are fractions of the hip → shoulder length along the trunk, 0 at the hip landmark.
PROFILE_LEVELS = np.round(np.arange(-0.45, 1.0001, 0.01), 2)
BUTTOCK_SPAN = (-0.40, 0.10)
LUMBAR_SPAN = (0.10, 0.55)
GROIN_SPAN = (-0.25, 0.10)
RIBS_LEVEL = 0.55
PROFILE_REACH = 0.7
"""How far a ray looks for the side outline, in trunk lengths: beyond any trunk's depth (at most about 0.35)."""
"""Where on the trunk each part of the side outline is looked for (measured on renders of seven bodies)."""


@dataclass(frozen=True, slots=True)
class SideProfile:
    """The side outline along the trunk: distances behind and ahead of the hip → shoulder axis, in trunk lengths."""

    levels: np.ndarray
    back: np.ndarray
    front: np.ndarray
    frame: outline.AxisFrame

    def point(self, level: float, behind: bool) -> tuple[float, float]:
        """The image point of the outline at ``level`` (original pixels)."""
        profile = self.back if behind else self.front
        distance = float(np.interp(level, self.levels[np.isfinite(profile)], profile[np.isfinite(profile)]))
        x, y = self.frame.point(level, (-distance if behind else distance) * self.frame.length)
        return float(x), float(y)


def side_profile(body: SideBody) -> SideProfile | None:
    """The side outline, or None without a mask or when the outline misses most of the trunk."""
    if body.outline is None:
        return None
    frame = outline.trunk_frame(body.points["HIP"], body.points["SHOULDER"], body.facing)
    reach = PROFILE_REACH * frame.length
    mask, scale = body.outline.probability, body.outline.scale
    back = outline.edge_distances(mask, scale, frame, PROFILE_LEVELS, direction=-1, reach_px=reach) / frame.length
    front = outline.edge_distances(mask, scale, frame, PROFILE_LEVELS, direction=1, reach_px=reach) / frame.length
    if np.isfinite(back).mean() < 0.8 or np.isfinite(front).mean() < 0.8:
        return None
    return SideProfile(levels=PROFILE_LEVELS, back=back, front=front, frame=frame)


CLOTH_WAIST_DEPTH = 0.54
"""Trunk depth (back to front outline, square to the hip → shoulder line) at the waist, in trunk lengths, beyond
which the side outline is taken for loose cloth: the deepest of 350 close-fitting side renders of seven bodies
(heavy ones included) reached 0.53, loose T-shirts 0.46-0.66 (bench/ACCURACY.md, "Looser clothing")."""
CLOTH_BACK_STEP = 0.03
"""A step in the back outline between neighbouring levels (0.01 trunk lengths apart), in trunk lengths, beyond
which it is taken for a garment's hem standing off the body: close-fitting renders stayed below 0.024."""
WAIST_DEPTH_SPAN = (0.20, 0.50)
STEP_SPAN = (-0.30, 0.60)
CLOTH_RECESSION = 0.045
"""How far, in trunk lengths, the back and the front outline together must draw in on the way down between the chest and
the waist (:data:`PLUMB_SPAN`) for the outline to be taken for the body. Cloth hangs plumb from the most outward
point above it (the shoulder blades behind, the chest in front), so a loose top's outlines never move inward above
its hem; a body's do: the low back's hollow behind, below the chest in front, and one or the other whenever the trunk
leans. The 350 close-fitting side renders of seven bodies drew in by 0.058 at least (a lean man leaning 20° forward;
0.079 and more outside the trunk-lean sweep), the 56 loose T-shirts by 0.034 at most (bench/ACCURACY.md, "Looser
clothing"), so this sits about midway. In real side photos (frames of public gait videos) three T-shirts and a polo
drew in by 0.007-0.027 and a close-fitting top by 0.15, but a T-shirt under long hair hanging down the back by
0.10-0.15: hair, folds or cloth clinging to the body let a loose top escape this check, and a body whose back and
front both fall plumb would be withheld falsely."""
PLUMB_SPAN = (0.15, 0.80)
"""Levels where the recession is read: below the armpits, where a loose top starts to hang, and above its hem."""


def plumb_recession(profile: SideProfile, behind: bool) -> float:
    """The furthest the back (or front) outline moves inward below a point of it higher up, in trunk lengths.

    Read horizontally (the photo is levelled, so horizontal is square to true vertical) over :data:`PLUMB_SPAN`:
    cloth hanging plumb gives 0. NaN without two outline points there.
    """
    values = profile.back if behind else profile.front
    keep = (profile.levels >= PLUMB_SPAN[0]) & (profile.levels <= PLUMB_SPAN[1]) & np.isfinite(values)
    if keep.sum() < 2:
        return math.nan
    frame = profile.frame
    offsets = (-values[keep] if behind else values[keep]) * frame.length
    points = frame.origin + (profile.levels[keep] * frame.length)[:, None] * frame.up + offsets[:, None] * frame.across
    # outward = away from the trunk, horizontally: forward for the front, backward for the back
    forward = math.copysign(1.0, float(frame.across[0]))
    outward = (-forward if behind else forward) * points[:, 0]
    top_down = np.argsort(points[:, 1])
    outward = outward[top_down]
    return float(np.max(np.maximum.accumulate(outward) - outward)) / frame.length


def side_cloth(profile: SideProfile) -> str | None:
    """Why the side outline around the pelvis is probably loose cloth rather than the body, or None.

    A loose top hangs from the chest and the shoulder blades: the trunk looks deeper at the waist than any
    close-fitting body, its hem stands off the body in a step, and neither its back nor its front outline moves
    inward on the way down from the chest to the waist (:data:`CLOTH_RECESSION`). Any sign withholds the outline
    measures.
    """
    levels, back, front = profile.levels, profile.back, profile.front
    waist = (levels >= WAIST_DEPTH_SPAN[0]) & (levels <= WAIST_DEPTH_SPAN[1])
    depth = back[waist] + front[waist]
    if np.isfinite(depth).any() and float(np.nanmean(depth)) > CLOTH_WAIST_DEPTH:
        return (f"the trunk is {float(np.nanmean(depth)):.2f} trunk lengths deep at the waist, more than a body in "
                "close-fitting clothes")
    spanned = back[(levels >= STEP_SPAN[0]) & (levels <= STEP_SPAN[1])]
    steps = np.abs(np.diff(spanned))
    if np.isfinite(steps).any() and float(np.nanmax(steps)) > CLOTH_BACK_STEP:
        return "the back outline steps out as a garment's hem does"
    recession = plumb_recession(profile, behind=True) + plumb_recession(profile, behind=False)
    if recession < CLOTH_RECESSION:
        return (f"the back and front of the trunk hang plumb from the chest to the waist, as cloth does: together "
                f"they draw in by {recession:.3f} trunk lengths, a body by more than {CLOTH_RECESSION:.3f}")
    return None


def _span(profile: np.ndarray, levels: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    return np.where((levels >= span[0]) & (levels <= span[1]), profile, np.nan)


@_measures("pelvic_tilt")
def pelvic_tilt(body: SideBody) -> Measurement | Withheld | None:
    correction = body.calibrations.get("pelvic_tilt") if body.calibrations is not None else None
    profile = body.profile
    if correction is None or profile is None:
        return None
    cloth = side_cloth(profile)
    if cloth is not None:
        return Withheld("pelvic_tilt", cloth)
    levels, back = profile.levels, profile.back
    hollow, lumbar_level = outline.hollow_depth(levels, back, *LUMBAR_SPAN)
    buttock_level = outline.peak_level(levels, _span(back, levels, BUTTOCK_SPAN), *BUTTOCK_SPAN)
    upper_level = outline.peak_level(levels, _span(back, levels, (LUMBAR_SPAN[1], 1.0)), LUMBAR_SPAN[1], 1.0)
    if not all(np.isfinite(v) for v in (hollow, lumbar_level, buttock_level, upper_level)):
        return None
    buttock = float(np.nanmax(_span(back, levels, BUTTOCK_SPAN))) - float(np.interp(lumbar_level, levels, back))
    features = {"hollow_depth": hollow, "buttock_prominence": buttock,
                "trunk_lean_landmarks": _trunk_landmark_angle(body)}
    value = correction.combine(features)
    return Measurement(
        "pelvic_tilt", value, DEG,
        "Estimated from the body outline (silhouette): how deep the hollow of the low back lies under the line "
        "touching the buttock and the upper back, and how far the buttock stands behind that hollow, both in "
        "trunk lengths along the hip → shoulder line, with the trunk line's lean; calibrated on rendered bodies "
        "of known ASIS–PSIS tilt (bench/ACCURACY.md). The outline cannot tell a pelvis tipped by bending at the "
        "hips from one tipped by the trunk's lean except through that lean.",
        body.names("HIP", "SHOULDER"), proxy=True,
        components=(("hollow_depth", hollow), ("buttock_prominence", buttock)),
        points=(("buttock", *profile.point(buttock_level, True)), ("lumbar", *profile.point(lumbar_level, True)),
                ("upper_back", *profile.point(upper_level, True))),
    )


@_measures("belly_prominence")
def belly_prominence(body: SideBody) -> Measurement | Withheld | None:
    profile = body.profile
    if profile is None:
        return None
    cloth = side_cloth(profile)
    if cloth is not None:
        return Withheld("belly_prominence", cloth)
    levels, front = profile.levels, profile.front
    groin_level = outline.peak_level(levels, -_span(front, levels, GROIN_SPAN), *GROIN_SPAN)
    if not np.isfinite(groin_level):
        return None
    stands_out = outline.bulge(levels, front, groin_level, RIBS_LEVEL)
    if not np.isfinite(stands_out):
        return None
    inside = (levels > groin_level) & (levels < RIBS_LEVEL) & np.isfinite(front)
    chord = np.interp(levels, [groin_level, RIBS_LEVEL],
                      [float(np.interp(groin_level, levels, front)), float(np.interp(RIBS_LEVEL, levels, front))])
    belly_level = float(levels[inside][int(np.argmax((front - chord)[inside]))])
    return Measurement(
        "belly_prominence", body.scale.convert(stands_out * profile.frame.length), body.scale.unit,
        "From the body outline: the furthest the front of the belly stands ahead of the straight line from the "
        "groin crease to the lower ribs, measured square to the hip → shoulder line. Clothing adds to it.",
        body.names("HIP", "SHOULDER"),
        points=(("groin", *profile.point(groin_level, False)), ("belly", *profile.point(belly_level, False)),
                ("ribs", *profile.point(RIBS_LEVEL, False))),
    )


# ------------------------------------------------------------------ outline measures, front and back views
HIP_LEVELS = np.round(np.arange(-0.30, 0.60001, 0.01), 2)
WAIST_SPAN = (0.15, 0.45)
MAX_HIP_SHIFT = 0.15
"""Trunk lengths above the mid-hip point where each flank's outline is read (hip to lower ribs), the part of
it where the waist draws in on a hiked side, and the largest vertical shift searched between the two flanks."""
CREST_WIDTH_SHARE = 0.7
"""The iliac crests' span as a share of the widest span of the flanks (measured on the rendered bodies)."""
MIN_HIP_OUTLINE_SHARE = 0.6
"""Share of the hip span whose outline must be clear of the arms; below it the hip height is not given."""
CLOTH_WAIST_WIDTH = 1.08
"""Waist width (both flanks, over WAIST_SPAN) over the shoulder landmarks' span beyond which the flanks are taken
for loose cloth: close-fitting renders of seven bodies reached 1.07, loose T-shirts 0.89-1.15
(bench/ACCURACY.md, "Looser clothing"), so this catches only the widest shirts."""
INSET_CHEST_SPAN = (0.45, 0.60)
INSET_HIP_SPAN = (-0.30, 0.0)
"""Levels (trunk lengths above the mid-hip point) where :func:`waist_inset` reads the flank below the armpits and
at the hips; the waist is :data:`WAIST_SPAN`."""
CLOTH_WAIST_INSET = 0.075
"""How far, in trunk lengths, each flank must draw in at the waist (the mean of the two flanks, see
:func:`waist_inset`) for the outline to be taken for the body. A loose top hangs from the chest to the hips and
bridges the waist: on the three lean rendered bodies (man_average, man_tall_lean, woman_athletic) the 36 loose
T-shirts drew in by 0.066 at most, on woman_average by 0.068-0.092; the 182 close-fitting front/back renders whose
flanks could be read (140 with the arms away) drew in by 0.091 at least (man_heavy_older; the other heavy and stocky
bodies 0.12 and more), so this sits a little below midway. On the heavy and stocky bodies the loose top lies on
the flanks as close-fitting clothes do (0.084-0.142): those shirts pass, and a real body with no waist at all in
close-fitting clothes (a large belly) would be withheld falsely (bench/ACCURACY.md, "Looser clothing")."""
_INSET_MIN_POINTS = 3


def waist_inset(levels: np.ndarray, flank: np.ndarray) -> float:
    """How far one flank draws in at the waist, in the flank's units (trunk lengths): from its widest point below
    the armpits (:data:`INSET_CHEST_SPAN`) in to its narrowest at the waist (:data:`WAIST_SPAN`), plus from there
    out to its widest at the hips (:data:`INSET_HIP_SPAN`).

    ``flank`` is the distance from the mid-line out to the outline at each level, NaN where it was not read. A
    flank hanging straight from the chest to the hips, as cloth does, gives 0. NaN with fewer than three
    readings in any of the three spans.
    """
    parts = []
    for (low, high), pick in ((INSET_CHEST_SPAN, np.max), (WAIST_SPAN, np.min), (INSET_HIP_SPAN, np.max)):
        read = flank[(levels >= low) & (levels <= high) & np.isfinite(flank)]
        if read.size < _INSET_MIN_POINTS:
            return math.nan
        parts.append(float(pick(read)))
    chest, waist, hips = parts
    return (chest - waist) + (hips - waist)


@_measures("hip_height_difference")
def hip_height_difference(body: FrontBody) -> Measurement | Withheld | None:
    correction = body.correction("hip_height_difference")
    if correction is None or body.outline is None:
        return None
    xy, scale = body.xy, body.scale
    left_hip, right_hip = xy[Landmark.LEFT_HIP], xy[Landmark.RIGHT_HIP]
    mid_hip = (left_hip + right_hip) / 2.0
    mid_shoulder = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2.0
    trunk = float(np.hypot(*(mid_shoulder - mid_hip)))
    frame = outline.upright_frame(mid_hip, trunk, int(body.to_persons_left))
    mask, mask_scale = body.outline.probability, body.outline.scale
    edges, spans = {}, {}
    for side, direction in (("left", 1), ("right", -1)):
        edges[side], gaps = outline.edges_and_gaps(mask, mask_scale, frame, HIP_LEVELS, direction=direction,
                                                   reach_px=trunk)
        # Down to the fingertips the arm hangs beside the hip: the edge is the hip's only where a gap
        # separates the two; an arm resting against the hip would pass its own outline off as the hip's.
        fingertips = (mid_hip[1] - xy[Landmark[f"{side.upper()}_INDEX"]][1]) / trunk
        beside_arm = HIP_LEVELS >= fingertips
        trusted = np.where(beside_arm & ~gaps, np.nan, edges[side])
        spans[side] = trusted
        if np.isfinite(trusted).mean() < MIN_HIP_OUTLINE_SHARE:
            return None
    waist = {side: _span(spans[side], HIP_LEVELS, WAIST_SPAN) for side in spans}
    shoulder_span = float(abs(xy[Landmark.LEFT_SHOULDER][0] - xy[Landmark.RIGHT_SHOULDER][0]))
    widths = waist["left"] + waist["right"]
    if np.isfinite(widths).any() and shoulder_span > 0.0:
        ratio = float(np.nanmean(widths)) / shoulder_span
        if ratio > CLOTH_WAIST_WIDTH:
            return Withheld("hip_height_difference", f"the waist is {ratio:.2f} times as wide as the shoulder "
                            "landmarks are apart, wider than a body in close-fitting clothes")
    inset = float(np.mean([waist_inset(HIP_LEVELS, spans[side] / trunk) for side in spans]))
    if inset < CLOTH_WAIST_INSET:  # NaN (a flank not read enough) is no sign either way
        return Withheld("hip_height_difference", f"the flanks hang almost straight from the chest to the hips, as "
                        f"a loose top does: they draw in at the waist by {inset:.3f} trunk lengths, where the "
                        f"close-fitting bodies posture was checked on drew in by more than {CLOTH_WAIST_INSET:.3f} "
                        "(a body with little waist can look the same)")
    shift = outline.best_shift(HIP_LEVELS, spans["left"], spans["right"], MAX_HIP_SHIFT)
    waist_gap = float(np.nanmean(waist["right"] - waist["left"])) if np.isfinite(
        waist["right"] - waist["left"]).any() else math.nan
    if not (np.isfinite(shift) and np.isfinite(waist_gap)):
        return None
    features = {
        # A hip drawn up narrows the waist above it on that side: + when the left waist is the narrower.
        "waist_difference": scale.percent(waist_gap),
        "outline_shift": scale.percent(shift * trunk),
        "landmark_difference": scale.percent(float(right_hip[1] - left_hip[1])),
    }
    percent = correction.combine(features)
    crest_width = CREST_WIDTH_SHARE * float(np.nanmax(spans["left"]) + np.nanmax(spans["right"]))
    obliquity = math.degrees(math.atan2(percent * scale.body_height_px / 100.0, crest_width))
    points = tuple((f"{side}_waist", *(float(c) for c in frame.point(
        float(np.mean(WAIST_SPAN)), (1 if side == "left" else -1) * float(np.nanmean(waist[side])))))
        for side in ("left", "right"))
    return Measurement(
        "hip_height_difference", scale.from_percent(percent), scale.unit,
        "Estimated from the outline of each flank from hip to lower ribs (silhouette: how much narrower one "
        "waist is than the other, and the vertical shift that best lines the left flank up with the right) "
        "together with the hip landmarks, calibrated on rendered bodies against the iliac crests "
        "(bench/ACCURACY.md); the obliquity is that height over the hips' width (pelvic obliquity "
        f"{obliquity:+.1f} deg). Read only where the arms hang clear of the body.",
        _names(Landmark.LEFT_HIP, Landmark.RIGHT_HIP), proxy=True,
        components=(*features.items(), ("pelvic_obliquity_deg", obliquity)), points=points,
    )


@_measures("apparent_leg_length_difference")
def apparent_leg_length_difference(body: FrontBody) -> Measurement:
    xy = body.xy
    left = float(np.hypot(*(xy[Landmark.LEFT_HIP] - xy[Landmark.LEFT_ANKLE])))
    right = float(np.hypot(*(xy[Landmark.RIGHT_HIP] - xy[Landmark.RIGHT_ANKLE])))
    return Measurement(
        "apparent_leg_length_difference", body.scale.convert(left - right), body.scale.unit,
        "Hip → ankle landmark distance, left minus right, as the person stands: a bent knee or a hiked hip "
        "changes it, so it is the legs' apparent length, not the bones'.",
        _names(Landmark.LEFT_HIP, Landmark.LEFT_ANKLE, Landmark.RIGHT_HIP, Landmark.RIGHT_ANKLE), proxy=True,
    )


_undefined = [d.id for d in registry.DEFINITIONS if d.id not in _SIDE and d.id not in _FRONT]
if _undefined:
    raise RuntimeError(f"measurements defined in the registry without a function: {_undefined}")


def measure_side_view(
    xy: np.ndarray, *, facing: int, near_side: str, scale: BodyScale, calibrations: Calibrations | None = None,
    stride: bool = False, outline: Mask | None = None,
) -> Measured:
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
        outline: the segmentation mask, for the outline measures (pelvic tilt, belly).

    Returns:
        The measurements in the registry's order; ``withheld`` says which outline measures were not given
        because the outline looked like loose cloth.
    """
    if facing not in (1, -1):
        raise ValueError(f"facing must be +1 or -1, got {facing!r}")
    parts = ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE")
    landmarks = {part: side_landmark(near_side, part) for part in parts}
    landmarks["NOSE"] = Landmark.NOSE  # the head angle's tragus proxy turns with the ear → nose line
    body = SideBody(points={part: np.asarray(xy[landmark], dtype=np.float64) for part, landmark in landmarks.items()},
                    landmarks=landmarks, facing=facing, scale=scale, calibrations=calibrations, outline=outline)
    body = dataclasses.replace(body, profile=side_profile(body))
    return _collect(_SIDE[d.id](body) for d in registry.for_view("side", stride=stride))


def measure_front_view(xy: np.ndarray, *, back: bool, scale: BodyScale, calibrations: Calibrations | None = None,
                       outline: Mask | None = None) -> Measured:
    """Every front/back-view measurement of the registry.

    Args:
        xy: shape (33, 2), landmark pixels, levelled.
        back: True for a photo taken from behind.
        scale: converts pixel offsets to % of body height or cm.
        calibrations: fitted corrections; the outline measures need theirs.
        outline: the segmentation mask, for the outline measures.
    """
    body = FrontBody(xy=np.asarray(xy, dtype=np.float64), back=back, scale=scale, calibrations=calibrations,
                     outline=outline)
    return _collect(_FRONT[d.id](body) for d in registry.for_view("back" if back else "front"))


def _collect(results: Iterable[Measurement | Withheld | None]) -> Measured:
    """The measurements, and one warning per distinct reason naming the outline measures it withheld."""
    measurements: list[Measurement] = []
    reasons: dict[str, list[str]] = {}
    for result in results:
        if isinstance(result, Withheld):
            reasons.setdefault(result.reason, []).append(result.id)
        elif result is not None:
            measurements.append(result)
    notes = tuple(
        f"Probably loose clothing around the pelvis ({reason}): {' and '.join(ids)} not given, since the outline "
        "would measure the cloth, not the body; a photo in close-fitting clothes lets posture read "
        f"{'them' if len(ids) > 1 else 'it'}." for reason, ids in reasons.items())
    return Measured(tuple(measurements), notes)


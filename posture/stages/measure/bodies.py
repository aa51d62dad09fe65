"""What every measure function reads: one person's levelled landmarks and outline in a side or front/back view.

A measure function registers itself under its registry id with :func:`measures`;
:mod:`posture.stages.measure.views` runs them in the registry's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posture.core.measurement import Calibrated, Measurement, Withheld
from posture.core.pose import Landmark
from posture.knowledge import registry
from posture.knowledge.calibration import Calibrations, LinearCalibration
from posture.stages.frame import BodyScale
from posture.stages.measure import outline


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

    def calibrated(self, measurement_id: str, landmark_value: float, unit: str, method: str) -> Calibrated:
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
class Measured:
    """The measurements of one view, and the measures its view could give but this photo does not, with why.

    The withheld measures travel beside the measurements, not on them, so that turning or
    averaging the measurements can never drop them on the way to the report.
    """

    measurements: tuple[Measurement, ...]
    withheld: tuple[Withheld, ...] = ()


SideFunction = Callable[[SideBody], "Measurement | Withheld | None"]
FrontFunction = Callable[[FrontBody], "Measurement | Withheld | None"]
SIDE_MEASURES: dict[str, SideFunction] = {}
FRONT_MEASURES: dict[str, FrontFunction] = {}


MeasureFunction = Callable[..., "Measurement | Withheld | None"]


def measures(measurement_id: str) -> Callable[[MeasureFunction], MeasureFunction]:
    """Register the function that measures ``measurement_id`` for the views its definition names.

    A function returns None when the photo does not allow the measurement
    (no outline, no calibration, an outline it cannot read); the report then lists it as not measured.
    It returns :class:`Withheld` when it could read an outline but judges it to be cloth rather than body.
    """
    definition = registry.definition(measurement_id)

    def register(function: MeasureFunction) -> MeasureFunction:
        table: dict[str, MeasureFunction] = SIDE_MEASURES if "side" in definition.views else FRONT_MEASURES
        table[measurement_id] = function
        return function

    return register


def landmark_names(*landmarks: Landmark) -> tuple[str, ...]:
    return tuple(landmark.name.lower() for landmark in landmarks)



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

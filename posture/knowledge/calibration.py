"""Corrections of landmark measures, fitted on rendered bodies of known posture (bench/accuracy.py).

MediaPipe's landmarks are not the anatomical points the clinical measures
use: the shoulder landmark is not C7, and on rendered bodies the hip landmark
reads about 2 cm further ahead of the ankle landmark than the true hip joint
is ahead of the true ankle. ``knowledge/calibration.toml``
holds, per measurement, ``true = offset + slope × landmark value``, fitted on
some rendered bodies and checked on others.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

from posture.knowledge.reader import loads

CALIBRATION_VERSION_DIGITS = 12


@dataclass(frozen=True, slots=True)
class LinearCalibration:
    """``true = offset + slope × landmark value``, in the measurement's unit (% of body height for offsets).

    An outline measure has no single landmark value: it is estimated from
    several named features, ``true = offset + Σ weights[name] × feature[name]``.
    """

    offset: float
    slope: float = 1.0
    weights: Mapping[str, float] = field(default_factory=dict)

    def apply(self, value: float) -> float:
        return self.offset + self.slope * value

    def combine(self, features: Mapping[str, float]) -> float:
        """The estimate from named features; every weighted feature must be given.

        Raises:
            KeyError: a weighted feature is missing.
        """
        return self.offset + sum(weight * features[name] for name, weight in self.weights.items())

    def describe(self, unit: str) -> str:
        if self.slope == 1.0:
            return f"corrected by {self.offset:+.1f} {unit} for the landmarks' bias"
        return f"estimated as {self.offset:.1f} + {self.slope:.2f} × the landmark value"


@dataclass(frozen=True, slots=True)
class Calibrations:
    """The fitted corrections, with where they were fitted and checked.

    Attributes:
        corrections: measurement id → its correction.
        model_sha256: the pose model the fit was made with.
        fitted_on: the renders used for fitting (bench/ACCURACY.md checks the fit on other bodies).
        version: the first 12 hex digits of the file's sha256: any refit changes it, so results from
            different calibrations are never taken as comparable.
    """

    corrections: Mapping[str, LinearCalibration]
    model_sha256: str
    fitted_on: str
    version: str

    def get(self, measurement_id: str) -> LinearCalibration | None:
        return self.corrections.get(measurement_id)


def parse_calibrations(text: str) -> Calibrations:
    data = loads(text)
    corrections = {
        name: LinearCalibration(offset=float(table["offset"]), slope=float(table.get("slope", 1.0)),
                                weights={key: float(value) for key, value in table.get("weights", {}).items()})
        for name, table in data.items()
        if isinstance(table, dict)
    }
    return Calibrations(corrections=corrections, model_sha256=str(data["model_sha256"]),
                        fitted_on=str(data["fitted_on"]),
                        version=hashlib.sha256(text.encode("utf-8")).hexdigest()[:CALIBRATION_VERSION_DIGITS])


@functools.cache
def load_calibrations() -> Calibrations:
    """The calibrations shipped with posture (``knowledge/calibration.toml``)."""
    source = resources.files("posture") / "knowledge" / "calibration.toml"
    return parse_calibrations(source.read_text(encoding="utf-8"))

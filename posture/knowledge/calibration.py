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
from typing import Any

from posture.knowledge import registry
from posture.knowledge.reader import (
    check_keys,
    loads,
    number,
    number_table,
    required_table,
    required_text,
)

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


_PROVENANCE_KEYS = frozenset({"model_sha256", "fitted_on"})
_NOTE_KEYS = frozenset({"held_out"})
_CORRECTION_KEYS = frozenset({"offset"})
_OPTIONAL_CORRECTION_KEYS = frozenset({"slope", "weights"})


def parse_calibrations(text: str) -> Calibrations:
    """Parse and strictly check the text of a ``calibration.toml`` file.

    Besides the model, the fit's renders and the held-out bodies (a note,
    optional), every key is a table named after the measurement it corrects:
    its id, or its id and a variant (``hip_height_difference_back``, the fit
    for back views; ``head_forward_angle_changes``, the fit for changes).

    Raises:
        ValueError: not TOML, an unknown or missing key, a correction named
            after no measurement, or a value that is not a finite number.
    """
    data = loads(text)
    entry = "calibration.toml"
    check_keys({key: value for key, value in data.items() if not isinstance(value, dict)}, entry,
               _PROVENANCE_KEYS, _NOTE_KEYS)
    for key in _NOTE_KEYS & set(data):
        required_text(data, key, entry)
    corrections = {name: _correction(data, name) for name, value in data.items() if isinstance(value, dict)}
    return Calibrations(corrections=corrections, model_sha256=required_text(data, "model_sha256", entry),
                        fitted_on=required_text(data, "fitted_on", entry),
                        version=hashlib.sha256(text.encode("utf-8")).hexdigest()[:CALIBRATION_VERSION_DIGITS])


def _correction(data: Mapping[str, Any], name: str) -> LinearCalibration:
    entry = f"calibration [{name}]"
    if not any(name == known or name.startswith(f"{known}_") for known in registry.BY_ID):
        raise ValueError(f"{entry}: {name!r} names no measurement; a correction is named after the id it corrects "
                         f"(or the id and a variant such as '_back'), one of {sorted(registry.BY_ID)}")
    table = required_table(data, name, entry)
    check_keys(table, entry, _CORRECTION_KEYS, _OPTIONAL_CORRECTION_KEYS)
    return LinearCalibration(offset=number(table, "offset", entry),
                             slope=number(table, "slope", entry) if "slope" in table else 1.0,
                             weights=number_table(table, "weights", entry) if "weights" in table else {})


@functools.cache
def load_calibrations() -> Calibrations:
    """The calibrations shipped with posture (``knowledge/calibration.toml``)."""
    source = resources.files("posture") / "knowledge" / "calibration.toml"
    return parse_calibrations(source.read_text(encoding="utf-8"))

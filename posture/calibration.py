"""Calibrations of landmark proxies, fitted on rendered bodies of known posture (bench/accuracy.py)."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True, slots=True)
class LinearCalibration:
    """``true = offset + slope × proxy``, with where it was fitted and checked."""

    offset: float
    slope: float
    fitted_on: str
    held_out: str

    def apply(self, proxy: float) -> float:
        return self.offset + self.slope * proxy


@functools.cache
def load_head_calibration() -> LinearCalibration | None:
    """The head-angle calibration in ``knowledge/calibration.toml``, or None when none has been fitted."""
    source = resources.files("posture") / "knowledge" / "calibration.toml"
    if not source.is_file():
        return None
    table = tomllib.loads(source.read_text(encoding="utf-8"))["head_forward_angle"]
    return LinearCalibration(offset=float(table["offset"]), slope=float(table["slope"]),
                             fitted_on=str(table["fitted_on"]), held_out=str(table["held_out"]))

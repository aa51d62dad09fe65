"""How far re-taken photos of one posture scatter: turns one photo's readings into a 95% repeatability interval."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import numpy as np

from posture.core.measurement import Measurement
from posture.core.units import CM
from posture.knowledge import registry
from posture.knowledge.reader import (
    check_keys,
    check_measurement_keys,
    loads,
    number_table,
    required_text,
    whole_number,
)

T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179}
"""Student's t quantile for a two-sided 95% interval, by degrees of freedom: few readings, wide intervals."""
Z_95 = 1.959964
"""The normal distribution's two-sided 95% quantile: a half-width is this many standard deviations."""


def t_975(freedom: float) -> float:
    """Student's t for a two-sided 95% interval at ``freedom`` degrees of freedom (the table, then a series)."""
    whole = max(1, int(freedom))
    if whole in T_975:
        return T_975[whole]
    return Z_95 + (Z_95**3 + Z_95) / (4 * whole) + (5 * Z_95**5 + 16 * Z_95**3 + 3 * Z_95) / (96 * whole**2)


@dataclass(frozen=True, slots=True)
class Repeatability:
    """What turns a photo's readings into a repeatability interval (``knowledge/repeatability.toml``).

    A measurement that ``bench/coverage.py --fit`` has not fitted yet (a new
    one) still gets an interval, from defaults no narrower than any fitted
    measurement's: the largest fitted factor, and the largest typical spread
    fitted for a measurement of its quantity (degrees for angles, % of body
    height for lengths, which cannot be compared with each other). Too wide
    an interval costs a real change called "no detectable change"; too narrow
    a one claims changes and findings the photo cannot support, which is the
    worse error (SPEC.md, "Say only what the photo shows"). The defaults
    follow the fit: a refit that widens any measurement widens them too.
    bench/COVERAGE.md marks such a measurement "default, not fitted" until a
    fit includes it.

    Attributes:
        prior_readings: how many degrees of freedom the typical spread counts
            for when it is pooled with a photo's own (which has one fewer
            than its readings).
        factor: per fitted measurement, how much wider (or narrower) than the
            t interval of the mean of a photo's readings re-taken photos
            scatter. Measurements differ here: the altered copies move the
            head angle far more than re-taking the photo moves their mean (the
            mirror alone by 2.2° on average, the model's left-right bias,
            which every re-take repeats), while pelvic tilt's mean moves
            between re-takes nearly as much as its readings do between copies.
        typical_spread: per fitted measurement, the standard deviation of one
            photo's readings, in degrees or % of body height, over the
            rendered photos the factors were fitted on.
    """

    prior_readings: int
    factor: Mapping[str, float]
    typical_spread: Mapping[str, float]

    def is_fitted(self, measurement_id: str) -> bool:
        """True when the fit gave this measurement its own factor and spread; False when it gets the defaults."""
        return measurement_id in self.factor and measurement_id in self.typical_spread

    def factor_of(self, measurement_id: str) -> float | None:
        """The measurement's fitted factor, else the largest fitted one; None when nothing was fitted."""
        fitted = self.factor.get(measurement_id)
        return fitted if fitted is not None else max(self.factor.values(), default=None)

    def spread_of(self, measurement_id: str) -> float | None:
        """The measurement's fitted typical spread (degrees or % of body height), else the largest of its quantity.

        None when no measurement of its quantity was fitted.
        """
        fitted = self.typical_spread.get(measurement_id)
        if fitted is not None:
            return fitted
        quantity = registry.definition(measurement_id).quantity
        return max((spread for name, spread in self.typical_spread.items()
                    if registry.definition(name).quantity == quantity), default=None)

    def half_width(self, measurement: Measurement, values: list[float], height_cm: float | None) -> float | None:
        """The 95% half-width of the mean of ``values``, readings of ``measurement``; None when nothing was fitted."""
        factor = self.factor_of(measurement.id)
        if factor is None:
            return None
        return half_width_of_mean(values, factor, self.typical(measurement, height_cm), self.prior_readings)

    def typical(self, measurement: Measurement, height_cm: float | None) -> float | None:
        """The typical spread of ``measurement``'s readings in its own unit (see :meth:`spread_of`)."""
        spread = self.spread_of(measurement.id)
        if spread is None:
            return None
        if measurement.unit == CM:
            if height_cm is None:
                raise ValueError(f"{measurement.id} is in cm, so the person's height is needed")
            return spread * height_cm / 100.0
        return spread


_KEYS = frozenset({"fitted_on", "prior_readings", "factor", "typical_spread"})


def parse_repeatability(text: str) -> Repeatability:
    """Parse and strictly check the text of a ``repeatability.toml`` file.

    Raises:
        ValueError: not TOML, an unknown or missing key, a factor or spread
            that is not a number above zero, a measurement posture does not
            define, or a measurement with a factor but no spread (or the reverse).
    """
    data = loads(text)
    entry = "repeatability.toml"
    check_keys(data, entry, _KEYS)
    required_text(data, "fitted_on", entry)
    factor = number_table(data, "factor", entry, positive=True)
    typical_spread = number_table(data, "typical_spread", entry, positive=True)
    check_measurement_keys(factor, f"{entry} [factor]")
    check_measurement_keys(typical_spread, f"{entry} [typical_spread]")
    unpaired = sorted(set(factor) ^ set(typical_spread))
    if unpaired:
        raise ValueError(f"{entry}: {unpaired[0]!r} needs both a factor and a typical_spread, as the fit writes them")
    return Repeatability(prior_readings=whole_number(data, "prior_readings", entry, minimum=0),
                         factor=factor, typical_spread=typical_spread)


@functools.cache
def repeatability() -> Repeatability:
    """The shipped :class:`Repeatability`, written by ``bench/coverage.py --fit`` and checked in bench/COVERAGE.md."""
    source = resources.files("posture") / "knowledge" / "repeatability.toml"
    return parse_repeatability(source.read_text(encoding="utf-8"))


def half_width_of_mean(values: list[float], factor: float, typical: float | None = None,
                       prior_readings: int = 0) -> float | None:
    """Half-width of the 95% interval of the mean of one measurement's readings, for re-taken photos.

    Student's t times the standard error of the mean, widened by ``factor``
    (see :class:`Repeatability`). With a ``typical`` spread (same unit) the
    readings' own variance is pooled with it, the typical one counting for
    ``prior_readings`` degrees of freedom, and t is taken at the pooled
    degrees of freedom. None with fewer than three readings, or two when a
    typical spread is pooled in (then two readings, the photo and one copy
    the gate accepted, still give a spread to pool, with one degree of freedom).
    """
    pooled = typical is not None and prior_readings > 0
    if len(values) < (2 if pooled else 3):
        return None
    variance = float(np.var(values, ddof=1))
    if not math.isfinite(variance):
        return None
    freedom = len(values) - 1
    if pooled:
        variance = (prior_readings * typical**2 + freedom * variance) / (prior_readings + freedom)
        freedom += prior_readings
    return factor * T_975[freedom] * math.sqrt(variance / len(values))

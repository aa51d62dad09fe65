"""The averaging of a photo's readings and their half-width, on readings with known answers.

The whole pipeline (real photos through the Analyzer) is in test_metamorphic.py;
coverage of re-taken photos is a benchmark (bench/coverage.py), not a test.
"""

from __future__ import annotations

import math

import pytest

from posture.frame import PERCENT_HEIGHT
from posture.measurements import Measurement
from posture.uncertainty import (
    T_975,
    _averaged,
    _signed,
    half_width_of_mean,
    repeatability_factor,
)


def reading(value: float, **components: float) -> Measurement:
    return Measurement("hip_height_difference", value, PERCENT_HEIGHT, "outline", (),
                       components=tuple(components.items()))


def test_half_width_is_t_times_the_standard_error_of_the_mean_times_the_factor() -> None:
    # Readings 1, 2, 3: standard deviation 1, standard error 1/sqrt(3), two degrees of freedom.
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.0) == pytest.approx(T_975[2] / math.sqrt(3))
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.5) == pytest.approx(1.5 * T_975[2] / math.sqrt(3))
    assert half_width_of_mean([1.0, 2.0], 1.0) is None  # two readings say too little about their spread
    assert half_width_of_mean([2.0, 2.0, 2.0], 1.0) == 0.0


def test_the_reported_value_and_components_are_the_readings_mean() -> None:
    photo = reading(1.0, pelvic_obliquity_deg=2.0, landmark_difference=0.5)
    readings = [photo, reading(2.0, pelvic_obliquity_deg=4.0, landmark_difference=1.0),
                reading(3.0, pelvic_obliquity_deg=6.0)]  # one copy lacks a component
    averaged = _averaged(photo, readings, factor=1.0)
    assert averaged.value == pytest.approx(2.0)
    assert averaged.uncertainty == pytest.approx(T_975[2] / math.sqrt(3))
    components = dict(averaged.components)
    assert components["pelvic_obliquity_deg"] == pytest.approx(4.0)
    assert components["landmark_difference"] == 0.5  # not read on every copy: the photo's own stays


def test_too_few_readings_leave_the_photos_own_measurement() -> None:
    photo = reading(1.0)
    assert _averaged(photo, [photo, reading(5.0)], factor=1.0) is photo


def test_a_mirrored_front_reading_turns_value_and_components_back_to_the_persons_sides() -> None:
    mirrored = _signed(reading(-1.5, pelvic_obliquity_deg=-3.0), -1.0)
    assert mirrored.value == 1.5
    assert dict(mirrored.components) == {"pelvic_obliquity_deg": 3.0}


def test_the_shipped_factor_widens_the_standard_error_by_a_plausible_amount() -> None:
    """Re-takes scatter more than copies of one photo (factor > 1), but not wildly more (bench/COVERAGE.md)."""
    assert 1.0 < repeatability_factor() < 3.0

"""Tests for posture.stages.copies: the averaging of a photo's readings and their half-width, on readings with known
answers.

The whole pipeline (real photos through the Analyzer) is in test_metamorphic.py;
coverage of re-taken photos is a benchmark (bench/coverage.py), not a test.
"""

from __future__ import annotations

import math

import pytest
from builders import hip_height_reading

from posture.knowledge.repeatability import T_975, Repeatability
from posture.stages.copies import averaged_measurement, signed

UNWIDENED = Repeatability(prior_readings=0, factor={"hip_height_difference": 1.0}, typical_spread={})


def test_the_reported_value_and_components_are_the_readings_mean() -> None:
    photo = hip_height_reading(1.0, pelvic_obliquity_deg=2.0, landmark_difference=0.5)
    readings = [photo, hip_height_reading(2.0, pelvic_obliquity_deg=4.0, landmark_difference=1.0),
                hip_height_reading(3.0, pelvic_obliquity_deg=6.0)]  # one copy lacks a component
    averaged = averaged_measurement(photo, readings, UNWIDENED, None)
    assert averaged.value == pytest.approx(2.0)
    assert averaged.uncertainty == pytest.approx(T_975[2] / math.sqrt(3))
    components = dict(averaged.components)
    assert components["pelvic_obliquity_deg"] == pytest.approx(4.0)
    assert components["landmark_difference"] == 0.5  # not read on every copy: the photo's own stays


def test_too_few_readings_leave_the_photos_own_measurement() -> None:
    photo = hip_height_reading(1.0)
    assert averaged_measurement(photo, [photo, hip_height_reading(5.0)], UNWIDENED, None) is photo


def test_a_mirrored_front_reading_turns_value_and_components_back_to_the_persons_sides() -> None:
    mirrored = signed(hip_height_reading(-1.5, pelvic_obliquity_deg=-3.0), -1.0)
    assert mirrored.value == 1.5
    assert dict(mirrored.components) == {"pelvic_obliquity_deg": 3.0}

"""Tests for posture.stages.copies: the averaging of a photo's readings and their half-width, on readings with known
answers.

The whole pipeline (real photos through the Analyzer) is in test_metamorphic.py;
coverage of re-taken photos is a benchmark (bench/coverage.py), not a test.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest
from builders import analysis_image, hip_height_reading

from posture.core.image import LoadedImage
from posture.core.measurement import Measurement
from posture.core.units import CM, DEG
from posture.knowledge.repeatability import T_975, Repeatability, repeatability
from posture.stages.copies import (
    altered_copies,
    averaged_measurement,
    averaged_measurements,
    copy_sign,
    signed,
)
from posture.stages.level import upright_image

UNWIDENED = Repeatability(prior_readings=0, factor={"hip_height_difference": 1.0}, typical_spread={})
UNWIDENED_BOTH = Repeatability(prior_readings=0, factor={"hip_height_difference": 1.0, "trunk_lean": 1.0},
                               typical_spread={})


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


# ------------------------------------------------------------------ the copies and their signs


def _photo() -> LoadedImage:
    """A small photo whose columns and colours differ, so a flip or a grey conversion shows."""
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    rgb[..., 0] = np.arange(6) * 40  # red grows to the right
    rgb[1, :, 2] = 200
    return dataclasses.replace(analysis_image("p.jpg", sha="ab" * 32), rgb=rgb, width=6, height=4)


def test_the_copies_are_the_mirror_and_the_grey_photo() -> None:
    photo = _photo()
    copies = dict(altered_copies(photo))
    assert list(copies) == ["mirror", "grayscale"]
    np.testing.assert_array_equal(copies["mirror"].rgb, photo.rgb[:, ::-1])
    grey = cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2GRAY)
    np.testing.assert_array_equal(copies["grayscale"].rgb, np.repeat(grey[..., None], 3, axis=2))
    assert copies["grayscale"].path == photo.path


def test_a_rolled_photos_copies_are_made_from_it_turned_upright() -> None:
    photo = dataclasses.replace(analysis_image("p.jpg", sha="ab" * 32), rgb=np.tile(
        (np.arange(1000) % 256).astype(np.uint8)[None, :, None], (1100, 1, 3)))
    upright = upright_image(photo, 5.0)
    copies = dict(altered_copies(photo, 5.0))
    np.testing.assert_array_equal(copies["mirror"].rgb, upright.rgb[:, ::-1])
    assert not np.array_equal(copies["mirror"].rgb, photo.rgb[:, ::-1])


@pytest.mark.parametrize(("name", "view", "sign"), [("mirror", "front", -1.0), ("mirror", "back", -1.0),
                                                    ("mirror", "side-left", 1.0), ("grayscale", "front", 1.0)])
def test_only_the_mirror_swaps_left_and_right_and_only_in_front_and_back_views(name: str, view: str,
                                                                              sign: float) -> None:
    assert copy_sign(name, view) == sign


def test_a_reading_signed_plus_one_is_the_reading_itself() -> None:
    reading = hip_height_reading(1.5, pelvic_obliquity_deg=3.0)
    assert signed(reading, 1.0) is reading


def test_every_measurement_is_averaged_over_its_own_readings() -> None:
    first, second = hip_height_reading(1.0), Measurement("trunk_lean", 10.0, DEG, "test", ())
    readings = {"hip_height_difference": [first, hip_height_reading(2.0), hip_height_reading(3.0)],
                "trunk_lean": [second, dataclasses.replace(second, value=12.0), dataclasses.replace(second, value=14.0)]}
    averaged = averaged_measurements((first, second), readings, None, UNWIDENED_BOTH)
    assert [m.value for m in averaged] == pytest.approx([2.0, 12.0])
    # Without a Repeatability the shipped one is used.
    shipped = averaged_measurements((first, second), readings, None)
    assert [m.uncertainty for m in shipped] == [
        averaged_measurement(m, readings[m.id], repeatability(), None).uncertainty for m in (first, second)]


def test_a_spread_in_cm_is_the_typical_one_at_the_persons_height() -> None:
    """The typical spread is in % of body height: 1% of 170 cm is 1.7 cm, pooled with the readings' own."""
    repeat = Repeatability(prior_readings=2, factor={"foot_hip_offset": 1.0}, typical_spread={"foot_hip_offset": 1.0})
    photo = Measurement("foot_hip_offset", 3.0, CM, "test", ())
    readings = [photo, dataclasses.replace(photo, value=3.0), dataclasses.replace(photo, value=3.0)]
    averaged = averaged_measurement(photo, readings, repeat, 170.0)
    assert averaged.uncertainty == pytest.approx(T_975[4] * math.sqrt(2 * 1.7**2 / 4 / 3))


def test_every_measurement_in_cm_is_averaged_at_the_persons_height() -> None:
    repeat = Repeatability(prior_readings=2, factor={"foot_hip_offset": 1.0}, typical_spread={"foot_hip_offset": 1.0})
    photo = Measurement("foot_hip_offset", 3.0, CM, "test", ())
    readings = {"foot_hip_offset": [photo, photo, photo]}
    (averaged,) = averaged_measurements((photo,), readings, 170.0, repeat)
    assert averaged.uncertainty == averaged_measurement(photo, readings["foot_hip_offset"], repeat, 170.0).uncertainty

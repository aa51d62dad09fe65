"""Tests for posture.stages.measure.head: the head's forward angle and offset from the landmarks, and the
back of the neck (the nape's hollow, C7, the tragus and the head line) read from a constructed outline.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest
from builders import MASK_HEIGHT, MASK_WIDTH, atan_deg, soft_mask
from side_views import EAR_OVER_SHOULDER, VIEWS, side

from posture.core.measurement import Withheld
from posture.core.pose import Landmark
from posture.knowledge.calibration import Calibrations, LinearCalibration
from posture.stages.frame import CM, PERCENT_HEIGHT, BodyScale
from posture.stages.measure.bodies import Mask, SideBody
from posture.stages.measure.head import (
    HAIR_ON_NECK_DEG,
    HEAD_CHANGES,
    TRAGUS_FROM_EAR,
    head_forward_angle,
    head_line_angle,
    head_points,
    neck_outline,
    place_head_points,
)
from posture.stages.measure.silhouette import C7_FORWARD, C7_ROW

# ------------------------------------------------------------------ head_forward_angle


@VIEWS
@pytest.mark.parametrize(
    ("ear_ahead", "shoulder_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 90.0, id="ear-straight-above"),
        pytest.param(40.0, 40.0, 90.0, id="both-ahead-ear-above"),
        pytest.param(110.0, 0.0, 45.0, id="ear-ahead-by-its-height"),
        pytest.param(30.0, 0.0, atan_deg(110.0, 30.0), id="ear-ahead-30"),
        pytest.param(50.0, 20.0, atan_deg(110.0, 30.0), id="relative-to-shoulder"),
        pytest.param(-30.0, 0.0, 180.0 - atan_deg(110.0, 30.0), id="ear-behind-30"),
        pytest.param(0.0, 30.0, 180.0 - atan_deg(110.0, 30.0), id="shoulder-ahead-of-ear"),
        pytest.param(110.0 * math.sqrt(3.0), 0.0, 30.0, id="ear-far-ahead-30deg"),
    ],
)
def test_head_forward_angle(facing: int, near_side: str, ear_ahead: float, shoulder_ahead: float,
                            expected: float) -> None:
    m = side(facing, near_side, ear_ahead=ear_ahead, shoulder_ahead=shoulder_ahead)
    assert m["head_forward_angle"].value == pytest.approx(expected)


def test_head_forward_angle_exact_formula() -> None:
    value = side(ear_ahead=37.0)["head_forward_angle"].value
    assert value == pytest.approx(math.degrees(math.atan2(EAR_OVER_SHOULDER, 37.0)))
    assert value == pytest.approx(71.4089, abs=1e-4)


@pytest.mark.parametrize(("ear_ahead", "is_above_90"), [(-1.0, True), (1.0, False)])
def test_head_forward_angle_above_90_only_when_the_ear_is_behind(ear_ahead: float, is_above_90: bool) -> None:
    assert (side(ear_ahead=ear_ahead)["head_forward_angle"].value > 90.0) is is_above_90


def test_head_forward_angle_decreases_as_the_head_goes_forward() -> None:
    angles = [side(ear_ahead=d)["head_forward_angle"].value for d in (-20.0, 0.0, 20.0, 60.0, 120.0)]
    assert angles == sorted(angles, reverse=True)
    assert len(set(angles)) == len(angles)


# ------------------------------------------------------------------ head_forward_offset


@VIEWS
@pytest.mark.parametrize(
    ("ear_ahead", "shoulder_ahead", "percent"),
    [(0.0, 0.0, 0.0), (50.0, 0.0, 5.0), (-20.0, 0.0, -2.0), (35.0, 10.0, 2.5), (0.0, 30.0, -3.0)],
)
def test_head_forward_offset_percent(facing: int, near_side: str, ear_ahead: float, shoulder_ahead: float,
                                     percent: float) -> None:
    m = side(facing, near_side, ear_ahead=ear_ahead, shoulder_ahead=shoulder_ahead)["head_forward_offset"]
    assert m.value == pytest.approx(percent, abs=1e-12)
    assert m.unit == PERCENT_HEIGHT


@pytest.mark.parametrize(("ear_ahead", "cm"), [(50.0, 8.5), (-20.0, -3.4), (0.0, 0.0)])
def test_head_forward_offset_cm(ear_ahead: float, cm: float) -> None:
    m = side(ear_ahead=ear_ahead, height_cm=170.0)["head_forward_offset"]
    assert m.value == pytest.approx(cm, abs=1e-12)
    assert m.unit == CM


# ------------------------------------------------------------------ the back of the neck (head angle)


def _neck_body(facing: int) -> tuple[SideBody, Callable[[float], float]]:
    """A side body whose back outline has the nape's hollow at row 300 and its steepest bend at row 400.

    Read as how far behind the shoulder the outline lies, going down: forward by 0.2 px per row to the hollow,
    back by 0.2 px per row to row 380, by 1 px per row to row 420 (the bend), by 0.2 px per row below.
    """
    def behind(y: float) -> float:
        if y < 300.0:
            return 0.2 * (300.0 - y)
        if y < 380.0:
            return 0.2 * (y - 300.0)
        if y < 420.0:
            return 16.0 + (y - 380.0)
        return 56.0 + 0.2 * (y - 420.0)

    shoulder_x = 600.0
    if facing == 1:
        mask = soft_mask(lambda y: shoulder_x - 100.0 - behind(y), lambda y: 900.0)
    else:
        mask = soft_mask(lambda y: 100.0, lambda y: shoulder_x + 100.0 + behind(y))
    points = {"EAR": np.array([shoulder_x + facing * 60.0, 200.0]), "SHOULDER": np.array([shoulder_x, 400.0]),
              "NOSE": np.array([shoulder_x + facing * 140.0, 215.0])}
    body = SideBody(points=points, landmarks={"EAR": Landmark.RIGHT_EAR, "SHOULDER": Landmark.RIGHT_SHOULDER,
                                              "NOSE": Landmark.NOSE},
                    facing=facing, scale=BodyScale(1000.0), calibrations=None, outline=Mask(mask, 1.0))
    return body, behind


@pytest.mark.parametrize("facing", [1, -1])
def test_the_nape_hollow_and_the_bend_into_the_upper_back(facing: int) -> None:
    body, behind = _neck_body(facing)
    neck = neck_outline(body)
    assert neck is not None
    assert neck.hollow == pytest.approx(300.0, abs=1e-6)
    assert neck.bend == pytest.approx(400.0, abs=1e-6)
    np.testing.assert_allclose(neck.behind, [100.0 + behind(y) for y in neck.rows], atol=0.3)


@pytest.mark.parametrize("facing", [1, -1])
def test_c7_and_the_tragus_follow_their_constants(facing: int) -> None:
    body, behind = _neck_body(facing)
    found = head_points(body)
    assert found is not None
    c7, tragus = found
    to_bend, to_ear, down = C7_ROW
    row = 300.0 + to_bend * 100.0 + to_ear * (200.0 - 300.0) + down * 1000.0
    assert c7[1] == pytest.approx(row, abs=1e-6)
    assert facing * (600.0 - c7[0]) == pytest.approx(100.0 + behind(row) - C7_FORWARD * 1000.0, abs=0.3)
    along, across, forward, below = TRAGUS_FROM_EAR
    ear, to_nose = np.array([600.0 + facing * 60.0, 200.0]), np.array([facing * 80.0, 15.0])
    expected = ear + along * to_nose + across * facing * np.array([-15.0, facing * 80.0]) + np.array(
        [facing * forward, below]) * 1000.0
    np.testing.assert_allclose(tragus, expected, atol=1e-9)


@pytest.mark.parametrize("facing", [1, -1])
def test_c7_and_the_tragus_follow_the_constants_they_are_given(facing: int) -> None:
    """The fit tries other constants on an outline read once: zero moves put C7 on the outline at the nape's hollow
    and the tragus on the ear landmark; a whole share to the bend puts C7 at the bend's row."""
    body, behind = _neck_body(facing)
    neck = neck_outline(body)
    assert neck is not None
    c7, tragus = place_head_points(body, neck, (0.0, 0.0, 0.0), 0.0, (0.0, 0.0, 0.0, 0.0))
    assert c7[1] == pytest.approx(300.0, abs=1e-6)
    assert facing * (600.0 - c7[0]) == pytest.approx(100.0 + behind(300.0), abs=0.3)
    np.testing.assert_allclose(tragus, [600.0 + facing * 60.0, 200.0], atol=1e-9)
    c7, tragus = place_head_points(body, neck, (1.0, 0.0, 0.0), 0.01, (0.0, 0.0, 0.01, 0.02))
    assert c7[1] == pytest.approx(400.0, abs=1e-6)
    assert facing * (600.0 - c7[0]) == pytest.approx(100.0 + behind(400.0) - 10.0, abs=0.3)
    np.testing.assert_allclose(tragus, [600.0 + facing * 70.0, 220.0], atol=1e-9)


@pytest.mark.parametrize("facing", [1, -1])
def test_the_head_line_angle_is_the_c7_tragus_line_above_horizontal_forward(facing: int) -> None:
    c7 = np.array([500.0, 300.0])
    assert head_line_angle(c7, np.array([500.0, 200.0]), facing) == pytest.approx(90.0)
    assert head_line_angle(c7, np.array([500.0 + facing * 100.0, 200.0]), facing) == pytest.approx(45.0)
    assert head_line_angle(c7, np.array([500.0 - facing * 100.0, 200.0]), facing) == pytest.approx(135.0)
    assert head_line_angle(c7, np.array([500.0 + facing * 100.0 * math.sqrt(3.0), 200.0]), facing) == pytest.approx(
        30.0)


def test_no_mask_or_no_clear_neck_means_no_outline_head_angle() -> None:
    body, _ = _neck_body(1)
    assert head_points(dataclasses.replace(body, outline=None)) is None
    empty = Mask(np.zeros((MASK_HEIGHT, MASK_WIDTH), dtype=np.float32), 1.0)
    assert neck_outline(dataclasses.replace(body, outline=empty)) is None


def test_the_head_angle_blends_outline_and_landmarks_then_applies_the_changes_line() -> None:
    body, _ = _neck_body(1)
    c7, tragus = head_points(body)  # type: ignore[misc]
    outline_angle = head_line_angle(c7, tragus, 1)
    landmark_angle = math.degrees(math.atan2(400.0 - 200.0, 60.0))  # shoulder → ear above horizontal
    offset = outline_angle + 5.0 - 1.1 * landmark_angle  # the landmarks' estimate 5° above the outline's angle
    blend = LinearCalibration(offset=offset, slope=1.1, weights={"outline_angle": 0.75})
    blended = (offset + 1.1 * landmark_angle) + 0.75 * (outline_angle - (offset + 1.1 * landmark_angle))

    def head_angle(corrections: dict[str, LinearCalibration]) -> float:
        calibrations = Calibrations(corrections=corrections, model_sha256="", fitted_on="", version="")
        return head_forward_angle(dataclasses.replace(body, calibrations=calibrations)).value

    assert head_angle({"head_forward_angle": blend}) == pytest.approx(blended)
    changes = LinearCalibration(offset=-4.0, slope=1.08)
    assert head_angle({"head_forward_angle": blend, HEAD_CHANGES: changes}) == pytest.approx(-4.0 + 1.08 * blended)


@pytest.mark.parametrize("facing", [1, -1])
def test_the_neck_is_read_from_rays_starting_on_the_ear_shoulder_line(facing: int) -> None:
    """A neck whose front lies only 30 px ahead of the ear → shoulder line (below the shoulder, of the shoulder's
    vertical): a ray started anywhere else would begin outside it and read nothing."""
    body, behind = _neck_body(facing)
    ear, shoulder = body.points["EAR"], body.points["SHOULDER"]

    def line(y: float) -> float:
        share = min(max((y - ear[1]) / (shoulder[1] - ear[1]), 0.0), 1.0)
        return float(ear[0] + share * (shoulder[0] - ear[0]))

    if facing == 1:
        mask = soft_mask(lambda y: 500.0 - behind(y), lambda y: line(y) + 30.0)
    else:
        mask = soft_mask(lambda y: line(y) - 30.0, lambda y: 700.0 + behind(y))
    neck = neck_outline(dataclasses.replace(body, outline=Mask(mask, 1.0)))
    assert neck is not None
    assert neck.hollow == pytest.approx(300.0, abs=1e-6) and neck.bend == pytest.approx(400.0, abs=1e-6)


def test_no_neck_is_read_where_the_ear_is_not_above_the_shoulder() -> None:
    body, _ = _neck_body(1)
    level = dict(body.points, EAR=np.array([660.0, 400.0]))
    assert neck_outline(dataclasses.replace(body, points=level)) is None


@pytest.mark.parametrize(("gap", "withheld"), [(HAIR_ON_NECK_DEG - 0.5, False), (HAIR_ON_NECK_DEG + 0.5, True)])
def test_an_outline_angle_far_below_the_landmarks_is_hair_on_the_neck(gap: float, withheld: bool) -> None:
    """The landmarks' estimate put ``gap`` degrees above the outline's C7 → tragus angle."""
    body, _ = _neck_body(1)
    c7, tragus = head_points(body)  # type: ignore[misc]
    outline_angle = head_line_angle(c7, tragus, 1)
    landmark_angle = math.degrees(math.atan2(400.0 - 200.0, 60.0))
    correction = LinearCalibration(offset=outline_angle + gap - landmark_angle, slope=1.0,
                                   weights={"outline_angle": 0.9})
    calibrations = Calibrations(corrections={"head_forward_angle": correction}, model_sha256="", fitted_on="",
                                version="")
    result = head_forward_angle(dataclasses.replace(body, calibrations=calibrations))
    assert isinstance(result, Withheld) is withheld
    if withheld:
        assert (result.id, result.kind) == ("head_forward_angle", "outline") and "hair" in result.reason

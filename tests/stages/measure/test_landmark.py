"""Tests for posture.stages.measure.landmark: the side measurements read from the landmarks alone
(trunk lean, hip extension, foot-hip offset, plumb line, knee angle) on synthetic people of exactly known posture.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import atan_deg
from side_views import SHANK, THIGH, TRUNK, VIEWS, side

from posture.stages.frame import CM

# ------------------------------------------------------------------ trunk_lean


@VIEWS
@pytest.mark.parametrize(
    ("shoulder_ahead", "hip_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 0.0, id="upright"),
        pytest.param(30.0, 0.0, atan_deg(30.0, 300.0), id="forward"),
        pytest.param(-30.0, 0.0, -atan_deg(30.0, 300.0), id="back"),
        pytest.param(0.0, 30.0, -atan_deg(30.0, 300.0), id="hips-forward-is-leaning-back"),
        pytest.param(300.0, 0.0, 45.0, id="forward-45"),
        pytest.param(60.0, 60.0, 0.0, id="whole-trunk-ahead-but-vertical"),
        pytest.param(-100.0, -50.0, -atan_deg(50.0, 300.0), id="back-relative"),
    ],
)
def test_trunk_lean(facing: int, near_side: str, shoulder_ahead: float, hip_ahead: float, expected: float) -> None:
    m = side(facing, near_side, shoulder_ahead=shoulder_ahead, hip_ahead=hip_ahead)
    assert m["trunk_lean"].value == pytest.approx(expected, abs=1e-12)


def test_trunk_lean_exact_value() -> None:
    assert side(shoulder_ahead=52.0)["trunk_lean"].value == pytest.approx(9.8336, abs=1e-4)


# ------------------------------------------------------------------ hip_extension


def hip_extension_expected(shoulder_ahead: float, hip_ahead: float, knee_ahead: float) -> float:
    """Independent: 180° minus the interior shoulder–hip–knee angle, + when the hip is ahead of the
    shoulder → knee line (hips pushed forward), − when behind it (hips flexed)."""
    shoulder = np.array([shoulder_ahead, TRUNK])  # (forward, up) with the hip at the origin
    hip = np.array([hip_ahead, 0.0])
    knee = np.array([knee_ahead, -THIGH])
    a, b = shoulder - hip, knee - hip
    interior = math.degrees(math.acos(float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))))
    # Forward position of the shoulder → knee line at the hip's height.
    line_at_hip = shoulder_ahead + (knee_ahead - shoulder_ahead) * TRUNK / (TRUNK + THIGH)
    return math.copysign(180.0 - interior, hip_ahead - line_at_hip)


@VIEWS
@pytest.mark.parametrize(
    ("shoulder_ahead", "hip_ahead", "knee_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 0.0, 0.0, id="collinear-vertical"),
        pytest.param(30.0, 0.0, -24.0, 0.0, id="collinear-slanted"),
        pytest.param(0.0, 30.0, 0.0, atan_deg(30.0, 300.0) + atan_deg(30.0, 240.0), id="hips-pushed-forward"),
        pytest.param(-30.0, 0.0, 0.0, atan_deg(30.0, 300.0), id="trunk-back-over-hips"),
        pytest.param(0.0, 0.0, -24.0, atan_deg(24.0, 240.0), id="thigh-back"),
        pytest.param(100.0, 0.0, 0.0, -atan_deg(100.0, 300.0), id="flexed-bending-forward"),
        pytest.param(60.0, 0.0, 40.0, -(atan_deg(60.0, 300.0) + atan_deg(40.0, 240.0)), id="flexed-both"),
        pytest.param(300.0, 0.0, 0.0, -45.0, id="flexed-45"),
    ],
)
def test_hip_extension(facing: int, near_side: str, shoulder_ahead: float, hip_ahead: float, knee_ahead: float,
                       expected: float) -> None:
    m = side(facing, near_side, shoulder_ahead=shoulder_ahead, hip_ahead=hip_ahead, knee_ahead=knee_ahead)
    assert m["hip_extension"].value == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(hip_extension_expected(shoulder_ahead, hip_ahead, knee_ahead), abs=1e-9)


@pytest.mark.parametrize(
    ("shoulder_ahead", "hip_ahead", "knee_ahead"),
    [(-40.0, 25.0, -10.0), (10.0, 45.0, 5.0), (120.0, -20.0, 70.0), (0.0, -35.0, 12.0)],
)
def test_hip_extension_is_the_signed_deviation_of_the_shoulder_hip_knee_angle(
    shoulder_ahead: float, hip_ahead: float, knee_ahead: float
) -> None:
    for facing in (1, -1):
        m = side(facing, "right", shoulder_ahead=shoulder_ahead, hip_ahead=hip_ahead, knee_ahead=knee_ahead)
        assert m["hip_extension"].value == pytest.approx(
            hip_extension_expected(shoulder_ahead, hip_ahead, knee_ahead), abs=1e-9)


@pytest.mark.parametrize(("hip_ahead", "positive"), [(15.0, True), (-15.0, False)])
def test_hip_extension_sign(hip_ahead: float, positive: bool) -> None:
    assert (side(hip_ahead=hip_ahead)["hip_extension"].value > 0) is positive


# ------------------------------------------------------------------ foot_hip_offset


@VIEWS
@pytest.mark.parametrize(
    ("hip_ahead", "percent"),
    [
        pytest.param(0.0, 0.0, id="hip-over-ankle"),
        pytest.param(45.0, 4.5, id="hips-ahead-sway"),
        pytest.param(-30.0, -3.0, id="feet-ahead-stoop"),
        pytest.param(7.0, 0.7, id="slightly-ahead"),
    ],
)
def test_foot_hip_offset(facing: int, near_side: str, hip_ahead: float, percent: float) -> None:
    m = side(facing, near_side, hip_ahead=hip_ahead)["foot_hip_offset"]
    assert m.value == pytest.approx(percent, abs=1e-12)


@pytest.mark.parametrize(("hip_ahead", "cm"), [(45.0, 7.65), (-30.0, -5.1)])
def test_foot_hip_offset_cm(hip_ahead: float, cm: float) -> None:
    assert side(hip_ahead=hip_ahead, height_cm=170.0)["foot_hip_offset"].value == pytest.approx(cm, abs=1e-12)


def test_foot_hip_offset_ignores_the_shoulders_and_knees() -> None:
    m = side(hip_ahead=20.0, shoulder_ahead=-50.0, knee_ahead=35.0, ear_ahead=80.0)
    assert m["foot_hip_offset"].value == pytest.approx(2.0, abs=1e-12)


# ------------------------------------------------------------------ plumb_line


@VIEWS
def test_plumb_line_components_are_each_joint_ahead_of_the_ankle(facing: int, near_side: str) -> None:
    m = side(facing, near_side, ear_ahead=62.0, shoulder_ahead=31.0, hip_ahead=-12.0, knee_ahead=8.0)["plumb_line"]
    assert dict(m.components) == pytest.approx({"ear": 6.2, "shoulder": 3.1, "hip": -1.2, "knee": 0.8}, abs=1e-12)
    assert [name for name, _ in m.components] == ["ear", "shoulder", "hip", "knee"]
    assert m.value == pytest.approx(6.2, abs=1e-12)


def test_plumb_line_value_equals_the_ear_component() -> None:
    m = side(ear_ahead=-25.0, shoulder_ahead=10.0)["plumb_line"]
    assert m.value == pytest.approx(-2.5, abs=1e-12)
    assert m.value == dict(m.components)["ear"]


def test_plumb_line_in_cm() -> None:
    m = side(ear_ahead=50.0, shoulder_ahead=20.0, hip_ahead=10.0, knee_ahead=-10.0, height_cm=180.0)["plumb_line"]
    assert m.unit == CM
    assert dict(m.components) == pytest.approx({"ear": 9.0, "shoulder": 3.6, "hip": 1.8, "knee": -1.8}, abs=1e-12)


def test_plumb_line_hip_component_is_the_foot_hip_offset() -> None:
    m = side(hip_ahead=33.0, ear_ahead=5.0)
    assert dict(m["plumb_line"].components)["hip"] == pytest.approx(m["foot_hip_offset"].value)


def test_plumb_line_is_relative_to_the_ankle_not_the_image() -> None:
    near = side(ear_ahead=40.0, ankle_x=300.0)["plumb_line"]
    far = side(ear_ahead=40.0, ankle_x=900.0)["plumb_line"]
    assert dict(near.components) == pytest.approx(dict(far.components))


# ------------------------------------------------------------------ knee_angle


def knee_expected(hip_ahead: float, knee_ahead: float) -> float:
    """Independent: the turn from the thigh's direction to the shank's, + = knee behind the hip–ankle line."""
    thigh = math.atan2(knee_ahead - hip_ahead, THIGH)  # from the downward vertical, + = forward
    shank = math.atan2(0.0 - knee_ahead, SHANK)
    return math.degrees(shank - thigh)


@VIEWS
@pytest.mark.parametrize(
    ("hip_ahead", "knee_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 0.0, id="straight-vertical"),
        pytest.param(40.0, 20.0, 0.0, id="straight-slanted"),
        pytest.param(0.0, -20.0, 2.0 * atan_deg(20.0, 240.0), id="hyperextended"),
        pytest.param(0.0, 20.0, -2.0 * atan_deg(20.0, 240.0), id="flexed"),
        pytest.param(40.0, 0.0, atan_deg(40.0, 240.0), id="behind-a-slanted-line"),
        pytest.param(40.0, 40.0, -atan_deg(40.0, 240.0), id="ahead-of-a-slanted-line"),
        pytest.param(0.0, 80.0, -2.0 * atan_deg(80.0, 240.0), id="deeply-flexed"),
        pytest.param(-30.0, -30.0, atan_deg(30.0, 240.0), id="hip-behind-ankle-knee-behind-line"),
    ],
)
def test_knee_angle(facing: int, near_side: str, hip_ahead: float, knee_ahead: float, expected: float) -> None:
    m = side(facing, near_side, hip_ahead=hip_ahead, knee_ahead=knee_ahead)
    assert m["knee_angle"].value == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(knee_expected(hip_ahead, knee_ahead), abs=1e-9)


def test_knee_angle_exact_value() -> None:
    # Knee 21 px behind the vertical hip-ankle line: 2 * atan(21 / 240).
    assert side(knee_ahead=-21.0)["knee_angle"].value == pytest.approx(10.0013, abs=1e-4)


@pytest.mark.parametrize(("knee_ahead", "sign"), [(-5.0, 1.0), (5.0, -1.0)])
def test_knee_angle_sign(knee_ahead: float, sign: float) -> None:
    assert math.copysign(1.0, side(knee_ahead=knee_ahead)["knee_angle"].value) == sign

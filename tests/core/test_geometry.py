"""Tests for posture.core.geometry: the angle helpers every measurement is built on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import atan_deg

from posture.core.geometry import forward_angle_from_vertical, interior_angle_deviation, joint_bend

# ------------------------------------------------------------------ the geometric helpers


@pytest.mark.parametrize(
    ("start", "end", "facing", "expected"),
    [
        ((0.0, 0.0), (0.0, -10.0), 1, 0.0),
        ((0.0, 0.0), (10.0, -10.0), 1, 45.0),
        ((0.0, 0.0), (10.0, -10.0), -1, -45.0),
        ((0.0, 0.0), (-10.0, -10.0), -1, 45.0),
        ((5.0, 5.0), (5.0 + math.sqrt(3.0), 4.0), 1, 60.0),
        ((0.0, 0.0), (10.0, 0.0), 1, 90.0),
        ((0.0, 0.0), (0.0, 10.0), 1, 180.0),
    ],
)
def test_forward_angle_from_vertical(start: tuple[float, float], end: tuple[float, float], facing: int,
                                     expected: float) -> None:
    assert forward_angle_from_vertical(np.array(start), np.array(end), facing) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("start", "joint", "end", "expected"),
    [
        ((0.0, 0.0), (0.0, 1.0), (0.0, 2.0), 0.0),
        ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0), 90.0),
        ((0.0, 0.0), (0.0, 1.0), (-1.0, 1.0), 90.0),
        ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0 + math.sqrt(3.0)), 30.0),
        ((0.0, 0.0), (0.0, 10.0), (0.0, 0.0 + 1e-9), 180.0),
        ((3.0, 4.0), (6.0, 8.0), (9.0, 12.0), 0.0),
    ],
)
def test_joint_bend_is_unsigned_deviation_from_straight(start: tuple[float, float], joint: tuple[float, float],
                                                         end: tuple[float, float], expected: float) -> None:
    assert joint_bend(np.array(start), np.array(joint), np.array(end)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("knee_dx", "facing", "expected_sign"),
    [(-10.0, 1, 1.0), (10.0, 1, -1.0), (10.0, -1, 1.0), (-10.0, -1, -1.0)],
)
def test_interior_angle_deviation_sign_follows_the_facing(knee_dx: float, facing: int, expected_sign: float) -> None:
    hip, knee, ankle = np.array([100.0, 0.0]), np.array([100.0 + knee_dx, 240.0]), np.array([100.0, 480.0])
    value = interior_angle_deviation(hip, knee, ankle, facing)
    assert value == pytest.approx(expected_sign * 2.0 * atan_deg(10.0, 240.0))


def test_interior_angle_deviation_is_zero_on_the_line() -> None:
    hip, knee, ankle = np.array([130.0, 0.0]), np.array([115.0, 240.0]), np.array([100.0, 480.0])
    assert interior_angle_deviation(hip, knee, ankle, 1) == pytest.approx(0.0, abs=1e-6)
    assert interior_angle_deviation(hip, knee, ankle, -1) == pytest.approx(0.0, abs=1e-6)

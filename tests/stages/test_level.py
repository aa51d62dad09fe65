"""Tests for posture.stages.level: the camera roll from gravity, the choice of levelling (user, gravity, lines),
and turning a person and its outline points into the levelled frame and back.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import phone_gravity, side_pose

from posture.stages.level import choose_levelling, level_points, level_pose, roll_from_gravity

# --------------------------------------------------------------------------
# Gravity
# --------------------------------------------------------------------------


@pytest.mark.parametrize("roll", [-7.0, -2.5, 0.0, 0.3, 4.0])
@pytest.mark.parametrize("quarter_turns", [0, 1, -1, 2])
def test_roll_from_gravity_in_any_hold(roll: float, quarter_turns: int) -> None:
    # The saved picture is turned upright by whole quarter turns, so only the remainder is roll.
    assert roll_from_gravity(phone_gravity(roll, quarter_turns)) == pytest.approx(roll, abs=1e-9)


def test_roll_from_gravity_ignores_pitch() -> None:
    assert roll_from_gravity(phone_gravity(3.0, pitch_deg=40.0)) == pytest.approx(3.0, abs=1e-9)


def test_a_phone_pointing_at_the_floor_has_no_roll() -> None:
    assert roll_from_gravity((0.05, -0.1, 0.99)) is None
    assert roll_from_gravity((math.nan, -1.0, 0.0)) is None


def test_a_phone_turned_counter_clockwise_gives_a_positive_roll() -> None:
    # Turned counter-clockwise, the phone's left edge drops: gravity pulls towards the left-bottom corner,
    # so the felt vector (opposite) points to the right-top: X (towards the left) negative.
    assert roll_from_gravity((-0.05, -0.99, 0.0)) == pytest.approx(math.degrees(math.atan2(0.05, 0.99)))


# --------------------------------------------------------------------------
# Levelling a person
# --------------------------------------------------------------------------


@pytest.mark.parametrize("roll", [-3.0, 2.0])
def test_level_points_turns_true_up_into_image_up(roll: float) -> None:
    r = math.radians(roll)
    up = np.array([[0.0, 0.0], [math.sin(r) * 100, -math.cos(r) * 100]])
    levelled = level_points(up, roll, (50.0, 50.0))
    direction = levelled[1] - levelled[0]
    assert direction == pytest.approx([0.0, -100.0], abs=1e-9)


def test_level_pose_turns_landmarks_and_mask_together() -> None:
    pose = side_pose(facing=1)
    rows, cols = 1100, 1000
    mask = np.zeros((rows, cols), np.float32)
    ankle = np.round(pose.xy[28]).astype(int)
    mask[ankle[1] - 3:ankle[1] + 4, ankle[0] - 3:ankle[0] + 4] = 1.0
    import dataclasses

    pose = dataclasses.replace(pose, mask=mask, mask_scale=1.0)
    levelled = level_pose(pose, 4.0)
    spot = np.argwhere(levelled.mask > 0.5).mean(axis=0)[::-1]  # (x, y)
    assert spot == pytest.approx(levelled.xy[28], abs=1.0)
    # Distances are kept; the vertical through the hips turns by the roll.
    assert np.linalg.norm(levelled.xy[0] - levelled.xy[28]) == pytest.approx(np.linalg.norm(pose.xy[0] - pose.xy[28]))
    assert level_pose(pose, 0.0) is pose


def test_choose_levelling_prefers_the_user_then_gravity_then_lines() -> None:
    from posture.stages.lines import LineEstimate

    lines = LineEstimate(1.0, 4, 2.0, 0.1)
    assert choose_levelling(user_roll=-2.0, gravity=phone_gravity(3.0), lines=lines).camera_roll == -2.0
    assert choose_levelling(gravity=phone_gravity(3.0), lines=lines).source == "gravity"
    assert choose_levelling(gravity=(0.0, 0.0, 1.0), lines=lines).source == "lines"
    # A phone on a slant far beyond a tilted hold is not levelled from lines either.
    assert choose_levelling(lines=LineEstimate(30.0, 4, 2.0, 0.1)).source == "none"


def test_outline_points_return_to_the_photo_for_drawing() -> None:
    """Measured in the levelled frame, drawn on the photo: turning the points back undoes the levelling."""
    from posture.core.measurement import Measurement
    from posture.pipeline import photo_points
    from posture.stages.level import Levelling, level_points

    photo = np.array([[410.0, 620.0], [350.5, 700.25]])
    pose_xy = np.array([[300.0, 600.0], [500.0, 700.0]])  # its landmarks' box centres on (400, 650)
    levelled = level_points(photo, 3.5, (400.0, 650.0))
    measured = Measurement("pelvic_tilt", 12.0, "deg", "m", (),
                           points=(("buttock", *levelled[0]), ("lumbar", *levelled[1])))
    (back,) = photo_points((measured,), Levelling(3.5, "user", "Levelled by the user."), pose_xy)
    np.testing.assert_allclose([(x, y) for _, x, y in back.points], photo, atol=1e-9)
    assert [name for name, _, _ in back.points] == ["buttock", "lumbar"]

"""Tests for posture.stages.level: the camera roll from gravity, the choice of levelling (user, gravity, lines),
and turning a person and its outline points into the levelled frame and back.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math

import numpy as np
import pytest
from builders import analysis_image, phone_gravity, side_pose

from posture.core.image import LoadedImage
from posture.stages.level import (
    NOT_LEVELLED,
    Levelling,
    choose_levelling,
    find_levelling,
    level_points,
    level_pose,
    levelling_before_the_person,
    roll_from_gravity,
    upright_image,
)
from posture.stages.lines import LineSearch

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


# --------------------------------------------------------------------------
# What each choice says, and finding it for a photo
# --------------------------------------------------------------------------


def test_each_levelling_says_where_its_vertical_came_from() -> None:
    from posture.stages.lines import LineEstimate

    assert choose_levelling(user_roll=2) == Levelling(2.0, "user", "Levelled by the camera roll given by the user (+2.0°).")
    gravity = choose_levelling(gravity=phone_gravity(3.0))
    assert (gravity.source, gravity.note) == ("gravity", "Levelled by the phone's gravity sensor, recorded with the "
                                                         "photo (camera roll +3.0°).")
    assert gravity.camera_roll == pytest.approx(3.0)
    assert choose_levelling(lines=LineEstimate(-1.25, 4, 2.0, 0.1)) == Levelling(
        -1.25, "lines", "Levelled by 4 upright lines in the background (camera roll -1.2°).")
    assert choose_levelling(lines=LineEstimate(1.0, 2, 0.4, 0.1, level_segments=3)).note == (
        "Levelled by 2 upright lines in the background, confirmed by 3 level ones such as a shelf or the floor's edge "
        "(camera roll +1.0°).")
    assert choose_levelling() == Levelling(0.0, "none", (
        "No reliable vertical was found in the photo (no gravity record; the background's upright lines too few, "
        "disagreeing or converging), so its vertical is taken as true vertical: hold the phone level, or give --roll."))


@pytest.mark.parametrize(("roll", "applied"), [(20.0, True), (-20.0, True), (20.01, False)])
def test_a_roll_of_up_to_twenty_degrees_is_levelled(roll: float, applied: bool) -> None:
    from posture.stages.lines import LineEstimate

    assert choose_levelling(lines=LineEstimate(roll, 4, 2.0, 0.1)).applied is applied
    gravity = (-math.sin(math.radians(roll)), -math.cos(math.radians(roll)), 0.0)
    assert choose_levelling(gravity=gravity).applied is (abs(roll_from_gravity(gravity)) <= 20.0)  # type: ignore[arg-type]


def _photo(gravity: tuple[float, float, float] | None = None) -> LoadedImage:
    image = analysis_image("p.jpg", sha="ab" * 32)
    return dataclasses.replace(image, origin=dataclasses.replace(image.origin, gravity=gravity))


def test_a_photo_is_levelled_by_the_user_then_its_gravity_record_then_its_lines() -> None:
    pose = side_pose()
    assert find_levelling(_photo(phone_gravity(3.0)), pose, roll=-2.0) == choose_levelling(user_roll=-2.0)
    assert find_levelling(_photo(phone_gravity(3.0)), pose, roll=-2.0, level=False) is NOT_LEVELLED
    assert find_levelling(_photo(phone_gravity(3.0)), pose).source == "gravity"
    # A plain grey photo has no lines: not levelled, and the sentence says so.
    assert find_levelling(_photo(), pose) == choose_levelling()
    assert find_levelling(_photo((0.0, 0.0, -1.0)), pose) == choose_levelling()  # the phone pointed at the floor


def test_a_line_search_already_started_is_the_one_used() -> None:
    search = concurrent.futures.Future()
    segments = np.array([[300.0, 900.0, 300.0 + 400.0 * math.sin(math.radians(2.0)),
                          900.0 - 400.0 * math.cos(math.radians(2.0))],
                         [700.0, 900.0, 700.0 + 400.0 * math.sin(math.radians(2.0)),
                          900.0 - 400.0 * math.cos(math.radians(2.0))]])
    search.set_result(LineSearch(segments, (1000, 1000)))
    levelled = find_levelling(_photo(), side_pose(), lines=search)
    assert levelled.source == "lines" and levelled.camera_roll == pytest.approx(2.0)
    assert levelling_before_the_person(_photo(), level=True) is None


@pytest.mark.parametrize("roll", [4.0, -9.0])
def test_a_half_resolution_mask_turns_with_the_landmarks(roll: float) -> None:
    """The mask is turned about the same point as the landmarks, in its own pixels (half the photo's here)."""
    pose = side_pose(facing=1)
    mask = np.zeros((550, 500), np.float32)
    ankle = np.round(pose.xy[28] * 0.5).astype(int)
    mask[ankle[1] - 2:ankle[1] + 3, ankle[0] - 2:ankle[0] + 3] = 1.0
    levelled = level_pose(dataclasses.replace(pose, mask=mask, mask_scale=0.5), roll)
    assert levelled.mask is not None and levelled.mask.shape == (550, 500) and levelled.mask.dtype == np.float32
    spot = (np.argwhere(levelled.mask > 0.5).mean(axis=0)[::-1] + 0.5) / 0.5  # mask pixel centres, in photo pixels
    assert spot == pytest.approx(levelled.xy[28], abs=2.0)
    np.testing.assert_array_equal(levelled.z, pose.z)
    assert levelled.z is not pose.z and levelled.world is not pose.world


def test_an_upright_image_keeps_its_size_and_turns_about_its_centre() -> None:
    rgb = np.zeros((101, 201, 3), np.uint8)
    rgb[49:52, 129:132] = 255  # a spot 30 px right of the centre (100.5, 50.5)
    photo = dataclasses.replace(analysis_image("p.jpg", sha="ab" * 32), rgb=rgb, width=201, height=101)
    turned = upright_image(photo, 90.0).rgb
    assert turned.shape == rgb.shape and turned.dtype == np.uint8
    # Turned counter-clockwise (as viewed) by 90°: right of the centre goes up, 30 px above it.
    spot = np.argwhere(turned[..., 0] > 127).mean(axis=0)[::-1]
    assert spot == pytest.approx([100.0, 20.0], abs=1.0)
    assert (turned[0, 0] == 0).all()  # corners turned in from outside are black


def test_gravity_of_exactly_the_least_in_plane_part_gives_a_roll_and_the_nearest_quarter_turn_is_taken() -> None:
    assert roll_from_gravity((0.3, 0.0, 0.95)) == 0.0  # 0.3 g in the picture's plane: just enough
    # True up 45.3° from screen-up is nearer the quarter turn: the picture is shown turned, rolled by -44.7°.
    assert roll_from_gravity(phone_gravity(45.3)) == pytest.approx(-44.7)


def test_a_pose_without_a_mask_is_turned_without_one() -> None:
    pose = side_pose(facing=1)
    assert level_pose(pose, 4.0).mask is None

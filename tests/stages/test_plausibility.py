"""The landmarks' plausibility: each rule on constructed people with exact answers, just inside and just outside."""

from __future__ import annotations

import numpy as np
import pytest
from builders import front_person, front_pose, make_pose, move, side_pose

from posture.core.pose import Landmark, side_landmark
from posture.stages.plausibility import (
    EDGE_TOLERANCE,
    THIGH_DEPTH_SHARE,
    MIN_PRESENCE,
    MIN_VISIBILITY,
    depth_share,
    feet_off_outline,
    implausible_lengths,
    joints_off_outline,
    load_beside_leg,
    outline_reach,
    side_torso_doubts,
    thigh_depth,
    thighs_hidden,
    unseen_joints,
)

HEIGHT_PX = 940.0
"""The landmarks' vertical extent of a default constructed person: eyes at 110, toes at 1050."""


def straight_legs(xy: np.ndarray) -> np.ndarray:
    """Each leg's hip, knee and ankle on one vertical (left at x = 550, right at 450): exact lengths 240 and 240."""
    for side, x in (("left", 550.0), ("right", 450.0)):
        for name in ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
            xy[side_landmark(side, name), 0] = x
    return xy


def block_mask(x0: int, x1: int, *, rows: int = 1200, cols: int = 1000, bottom: int = 1199) -> np.ndarray:
    """A person's outline as one block: columns x0..x1, rows 0..bottom (mask scale 1)."""
    mask = np.zeros((rows, cols), dtype=np.float32)
    mask[: bottom + 1, x0 : x1 + 1] = 1.0
    return mask


# ------------------------------------------------------------------ joints and segments on the outline


def test_the_tolerance_is_two_percent_of_the_landmarks_height() -> None:
    assert EDGE_TOLERANCE * HEIGHT_PX == pytest.approx(18.8)


@pytest.mark.parametrize(("knee_x", "off"), [(636.0, False), (644.0, True)])
def test_a_knee_beyond_the_outline_by_more_than_the_tolerance_is_off_it(knee_x: float, off: bool) -> None:
    # The outline ends at x = 620; the tolerance reaches 19 px past it.
    xy = straight_legs(front_person())
    xy[Landmark.LEFT_KNEE] = (knee_x, 770.0)
    doubts = joints_off_outline(make_pose(xy, mask=block_mask(300, 620)), ("left", "right"))
    knees = [d for d in doubts if "KNEE" in d.parts and d.side == "left"]
    assert bool(knees) is off
    if off:
        assert knees[0].kind == "landmarks"
        assert "the left knee" in knees[0].reason.lower() and "off the person's outline" in knees[0].reason


@pytest.mark.parametrize(("gap", "off"), [((811, 879), False), ((811, 909), True)])
def test_a_shin_that_leaves_the_outline_for_a_third_of_its_length_is_off_it(gap: tuple[int, int], off: bool) -> None:
    # The left shin runs from y = 770 to 1010, sampled every 30 px; a gap in the left leg's outline hides two
    # samples (7 of 9 inside: 0.78, kept) or three (6 of 9: 0.67, below 0.75).
    xy = straight_legs(front_person())
    mask = block_mask(300, 620)
    mask[gap[0] : gap[1] + 1, 500:] = 0.0
    doubts = joints_off_outline(make_pose(xy, mask=mask), ("left", "right"))
    assert [(d.side, d.parts) for d in doubts] == ([("left", ("KNEE", "ANKLE"))] if off else [])


def test_without_a_mask_nothing_is_off_the_outline() -> None:
    assert joints_off_outline(make_pose(front_person()), ("left", "right")) == []


# ------------------------------------------------------------------ the model's own confidence


@pytest.mark.parametrize(("score", "hidden"), [(MIN_VISIBILITY + 0.01, False), (MIN_VISIBILITY - 0.01, True)])
def test_a_joint_seen_less_than_even_odds_is_a_guess(score: float, hidden: bool) -> None:
    visibility = np.ones(33)
    visibility[Landmark.RIGHT_ANKLE] = score
    doubts = unseen_joints(make_pose(front_person(), visibility=visibility), ("left", "right"))
    assert [(d.side, d.parts) for d in doubts] == ([("right", ("ANKLE",))] if hidden else [])


@pytest.mark.parametrize(("score", "hidden"), [(MIN_PRESENCE + 0.01, False), (MIN_PRESENCE - 0.01, True)])
def test_a_joint_unlikely_to_be_in_the_photo_is_a_guess(score: float, hidden: bool) -> None:
    pose = make_pose(front_person())
    presence = np.ones(33)
    presence[Landmark.LEFT_EAR] = score
    pose = type(pose)(xy=pose.xy, z=pose.z, visibility=pose.visibility, world=pose.world, mask=None, mask_scale=1.0,
                      presence=presence)
    doubts = unseen_joints(pose, ("left",))
    assert [(d.side, d.parts) for d in doubts] == ([("left", ("EAR",))] if hidden else [])
    if hidden:
        assert doubts[0].reason.startswith("The left ear is hidden or guessed")


def test_the_far_side_of_a_profile_is_not_asked_to_be_seen() -> None:
    visibility = np.ones(33)
    visibility[[side_landmark("left", n) for n in ("SHOULDER", "HIP", "KNEE", "ANKLE", "EAR")]] = 0.1
    assert unseen_joints(side_pose(facing=1, visibility=visibility), ("right",)) == []


# ------------------------------------------------------------------ proportions


@pytest.mark.parametrize(("ratio", "implausible"), [(1.64, False), (1.66, True)])
def test_a_thigh_more_than_1_65_shins_long_is_a_landmark_off_its_joint(ratio: float, implausible: bool) -> None:
    xy = straight_legs(front_person())
    knee_y = (530.0 + ratio * 1010.0) / (1.0 + ratio)  # hip at 530, ankle at 1010
    xy[Landmark.LEFT_KNEE, 1] = knee_y
    doubts = implausible_lengths(make_pose(xy), ("left", "right"), compare_sides=False)
    assert [(d.side, d.parts) for d in doubts] == ([("left", ("HIP", "KNEE", "ANKLE"))] if implausible else [])


@pytest.mark.parametrize(("ratio", "implausible"), [(0.96, False), (0.94, True)])
def test_legs_shorter_than_0_95_torsos_are_implausible(ratio: float, implausible: bool) -> None:
    xy = straight_legs(front_person())
    xy[Landmark.RIGHT_SHOULDER] = (450.0, 530.0 - 480.0 / ratio)  # above the right hip; the leg is 480 px long
    doubts = implausible_lengths(make_pose(xy), ("right",), compare_sides=False)
    assert [(d.side, d.parts) for d in doubts] == (
        [("right", ("HIP", "KNEE", "ANKLE"))] if implausible else [])


@pytest.mark.parametrize(("factor", "disagree"), [(1.19, False), (1.21, True)])
def test_left_and_right_shins_may_differ_by_a_fifth_at_most(factor: float, disagree: bool) -> None:
    xy = straight_legs(front_person())
    move(xy, "left", ("ANKLE", "HEEL", "FOOT_INDEX"), dy=240.0 * (factor - 1.0))
    pose = make_pose(xy)
    assert implausible_lengths(pose, ("left", "right"), compare_sides=False) == []
    doubts = implausible_lengths(pose, ("left", "right"), compare_sides=True)
    # A shin foreshortened towards the camera is a leg stepping forward: the pelvis' measures go with it.
    assert [(d.side, d.parts) for d in doubts] == ([(None, ("KNEE", "ANKLE", "LEGS"))] if disagree else [])
    if disagree:
        assert doubts[0].reason.startswith("The right shin looks 17% shorter than the other")  # 1 - 1 / 1.21


# ------------------------------------------------------------------ side views: depth and crossing


@pytest.mark.parametrize(("x", "expected"), [(468.0, 18.5 / 101.0), (470.0, 20.5 / 101.0), (500.0, 0.5)])
def test_depth_share_runs_from_the_back_edge_to_the_front(x: float, expected: float) -> None:
    pose = side_pose(facing=1, mask=block_mask(450, 550))
    assert depth_share(pose, np.array([x, 400.0]), facing=1) == pytest.approx(expected)
    assert depth_share(pose, np.array([x, 400.0]), facing=-1) == pytest.approx(1.0 - expected)
    assert depth_share(pose, np.array([440.0, 400.0]), facing=1) is None  # outside the outline


@pytest.mark.parametrize(("x", "on_edge"), [(470.0, False), (468.0, True)])
def test_a_near_shoulder_on_the_back_of_the_torso_is_implausible(x: float, on_edge: bool) -> None:
    # The torso spans x 450-550 (101 columns): the shoulder at 470 lies 20% of the way in, at 468 18%.
    pose = side_pose(facing=1, mask=block_mask(450, 550))
    xy = pose.xy.copy()
    for name in ("SHOULDER", "HIP"):
        xy[side_landmark("right", name), 0] = x
    doubts = side_torso_doubts(make_pose(xy, mask=block_mask(450, 550)), "right", facing=1)
    parts = sorted(p for d in doubts for p in d.parts)
    assert parts == (["HIP", "SHOULDER"] if on_edge else [])
    if on_edge:
        assert "sits on the back edge" in doubts[0].reason


@pytest.mark.parametrize(("offset", "crossed"), [(29.0, False), (31.0, True)])
def test_torso_sides_that_cross_by_a_tenth_of_the_torso_are_mixed_up(offset: float, crossed: bool) -> None:
    # The torso is 300 px long: the near shoulder ahead of the far one and the near hip behind the far one,
    # each by ``offset``.
    pose = side_pose(facing=1, far_side_ahead={"shoulder": -offset, "hip": offset})
    doubts = side_torso_doubts(pose, "right", facing=1)
    assert [d.parts for d in doubts] == ([("SHOULDER", "HIP")] if crossed else [])


# ------------------------------------------------------------------ the feet against the outline


@pytest.mark.parametrize(("bottom", "off"), [(1124, False), (1126, True)])
def test_soles_more_than_eight_percent_below_the_foot_landmarks_disagree(bottom: int, off: bool) -> None:
    # The lowest foot landmark is at y = 1050; the outline's lowest row ends at bottom + 0.5, i.e. 74.5 px
    # (7.93% of 940) or 76.5 px (8.14%) below it.
    doubt = feet_off_outline(make_pose(front_person(), mask=block_mask(300, 700, bottom=bottom)))
    assert (doubt is not None) is off
    if doubt is not None:
        assert doubt.parts == ("ANKLE",) and "below the foot landmarks" in doubt.reason


# ------------------------------------------------------------------ side views: something in front of the thighs


def test_the_thighs_limit_is_28_percent_of_the_height() -> None:
    assert THIGH_DEPTH_SHARE * HEIGHT_PX == pytest.approx(263.2)


@pytest.mark.parametrize(("columns", "hidden"), [(263, False), (264, True)])
def test_an_outline_deeper_across_the_thighs_than_legs_are_hides_them(columns: int, hidden: bool) -> None:
    # The near hip (x 500, y 530) and knee (x 500, y 770) lie in a block 263 columns wide (28.0% of the landmarks'
    # 940 px height) or 264 (28.1%), as a barbell's plates held in front of the thighs make it.
    pose = side_pose(facing=1, mask=block_mask(380, 380 + columns - 1))
    assert thigh_depth(pose, "right") == pytest.approx(columns / HEIGHT_PX)
    doubt = thighs_hidden(pose, "right")
    assert (doubt is not None) is hidden
    if doubt is not None:
        assert doubt.parts == ("HIP", "KNEE") and doubt.kind == "scene"
        assert doubt.reason.startswith("The outline across the thighs is 28% of the body's height deep")


def test_thighs_mostly_off_the_outline_give_no_depth() -> None:
    # Only the rows from y 660 down hold the outline: 10 of the 21 rows from hip to knee, fewer than half.
    mask = block_mask(300, 700)
    mask[:660] = 0.0
    assert thigh_depth(side_pose(facing=1, mask=mask), "right") is None


# ------------------------------------------------------------------ a load beside one thigh (front and back views)


@pytest.mark.parametrize(("right_reach", "loaded"), [(199, False), (201, True)])
def test_an_outline_reaching_twice_as_far_on_one_side_below_the_hands_is_a_load(right_reach: int,
                                                                                 loaded: bool) -> None:
    # The hips' middle is at x 500; the outline's block reaches 100 px to the image's left and ``right_reach``
    # to its right, over every row from the fingertips (y 540 + 0.07 x 940) down to the knees (y 770).
    pose = front_pose(mask=block_mask(400, 500 + right_reach))
    assert outline_reach(pose) == pytest.approx((100 / HEIGHT_PX, right_reach / HEIGHT_PX))
    doubt = load_beside_leg(pose)
    assert (doubt is not None) is loaded
    if doubt is not None:
        assert doubt.parts == ("ALL",) and doubt.kind == "scene"
        # Facing the camera, the person's left thigh is on the image's right.
        assert doubt.reason.startswith("Below the hands the outline reaches 2.0 times as far out beside the left "
                                       "thigh as beside the other")


def test_a_load_seen_from_behind_is_beside_the_thigh_on_the_same_image_side() -> None:
    doubt = load_beside_leg(front_pose(back=True, mask=block_mask(400, 750)))
    assert doubt is not None and "beside the right thigh" in doubt.reason


def test_only_the_rows_between_the_fingertips_and_the_knees_count() -> None:
    # Wide at the hands (down to y 600) and below the knees (from y 771): a skirt's hem, hands held out.
    mask = block_mask(400, 600)
    mask[:601, 600:900] = 1.0
    mask[771:, 600:900] = 1.0
    pose = front_pose(mask=mask)
    assert outline_reach(pose) == pytest.approx((100 / HEIGHT_PX, 100 / HEIGHT_PX))
    assert load_beside_leg(pose) is None


def test_no_outline_below_the_hands_gives_no_reach() -> None:
    mask = block_mask(400, 600)
    mask[600:780] = 0.0
    assert outline_reach(front_pose(mask=mask)) is None
    assert outline_reach(front_pose()) is None

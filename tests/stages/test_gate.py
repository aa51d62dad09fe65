"""Tests for posture.stages.gate, the quality gate, on synthetic poses: who is in the photo, and in which view."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from builders import (
    front_depth,
    front_person,
    front_pose,
    make_pose,
    move,
    physical_near_side,
    point,
    rotate_in_image,
    side_depth,
    side_person,
    side_pose,
    silhouette_mask,
    turn,
    world_from,
)

from posture.core.pose import Landmark, Pose, side_landmark
from posture.stages.gate import (
    MAX_THIGH_FROM_VERTICAL_DEG,
    MIN_KEY_VISIBILITY,
    TWO_PEOPLE,
    _facing,
    _near_side,
    assess,
    body_proportions,
    body_yaw,
    with_people_beside,
)

# A 1000 px tall person with the head top at y=50 and the soles at y=1050 fits this photo.
W, HT = 1000, 1100


def pose_of(xy: np.ndarray, near_side: str | None = None, **kwargs: object) -> Pose:
    """A pose from an edited profile (``near_side`` given) or front view (None)."""
    z = side_depth(near_side) if near_side else front_depth()
    return make_pose(xy, z=z, **kwargs)  # type: ignore[arg-type]


def check(*poses: Pose, width: int = W, height: int = HT, dark: bool = False):
    return assess(tuple(poses), width=width, height=height, dark=dark)


# ------------------------------------------------------------------ who is in the photo


def test_no_person() -> None:
    verdict = check()
    assert not verdict.ok
    assert verdict.pose is None
    assert verdict.view == "unsupported"
    assert verdict.problem_kind == "person"
    assert verdict.problem.startswith("No person")
    assert "dark" not in verdict.problem


def test_no_person_in_a_dark_photo_says_it_is_dark() -> None:
    verdict = check(dark=True)
    assert verdict.problem.startswith("No person")
    assert "very dark" in verdict.problem


@pytest.mark.parametrize("second_height", [1000.0, 800.0, 620.0])
def test_two_people_of_similar_size_are_refused(second_height: float) -> None:
    first = side_pose(facing=1)
    second = side_pose(facing=-1, ankle_x=800.0, height_px=second_height)
    verdict = check(first, second)
    assert not verdict.ok
    assert verdict.problem_kind == "person"
    assert verdict.view == "unsupported"
    assert "Two people" in verdict.problem


@pytest.mark.parametrize("second_height", [580.0, 400.0, 200.0])
def test_a_much_smaller_second_person_is_ignored_with_a_warning(second_height: float) -> None:
    first = side_pose(facing=1)
    second = side_pose(facing=-1, ankle_x=900.0, height_px=second_height)
    verdict = check(first, second)
    assert verdict.ok
    assert verdict.pose is first
    assert verdict.view == "side-right"
    assert verdict.warnings == ("A second, smaller person in the photo was ignored.",)


@pytest.mark.parametrize(("ratio", "refused"), [(0.59, False), (0.61, True), (1.3, True)])
def test_a_person_of_similar_size_found_beside_the_subject_refuses_the_photo(ratio: float, refused: bool) -> None:
    first = side_pose(facing=1)
    accepted = check(first)
    beside = tuple(dataclasses.replace(first, xy=first.xy * scale) for scale in (0.3, ratio))
    verdict = with_people_beside(accepted, beside)
    assert verdict.ok is not refused
    if refused:
        assert verdict.problem == TWO_PEOPLE and verdict.problem_kind == "person"
        assert verdict.view == accepted.view  # the view was seen; only the second person stops the reading
    else:
        assert verdict is accepted


@pytest.mark.parametrize(("visibility", "refused"), [(MIN_KEY_VISIBILITY - 0.02, False),
                                                     (MIN_KEY_VISIBILITY + 0.02, True)])
def test_a_person_beside_the_subject_counts_only_if_the_body_is_seen(visibility: float, refused: bool) -> None:
    first = side_pose(facing=1)
    accepted = check(first)
    guessed = dataclasses.replace(first, visibility=np.full(len(first.visibility), visibility))
    assert with_people_beside(accepted, (guessed,)).ok is not refused


def test_a_refused_verdict_stays_as_it_was_refused() -> None:
    refused = check(side_pose(facing=1, top_y=200.0))
    assert with_people_beside(refused, (side_pose(facing=-1),)) is refused


def test_the_second_person_warning_is_kept_when_the_first_is_then_refused() -> None:
    first = side_pose(facing=1, top_y=200.0)  # soles at 1200, below the bottom of a 1100 px photo
    second = side_pose(facing=-1, ankle_x=900.0, height_px=300.0)
    verdict = check(first, second)
    assert not verdict.ok
    assert "cut off" in verdict.problem
    assert verdict.warnings == ("A second, smaller person in the photo was ignored.",)


@pytest.mark.parametrize(
    ("person", "width", "height", "named", "not_named"),
    [
        pytest.param({"top_y": 50.0}, W, 1000, "left heel, right heel", "ankle", id="heels-below-the-bottom"),
        pytest.param({"top_y": 170.0}, W, 1100, "(left ankle, left heel, right ankle)", "knee",
                     id="feet-below-the-bottom"),
        pytest.param({"top_y": -100.0}, W, HT, "nose", "heel", id="head-above-the-top"),
        pytest.param({"ankle_x": 500.0}, 545, HT, "(nose)", "shoulder", id="nose-past-the-right-edge"),
    ],
)
def test_a_body_cut_off_by_the_frame_is_refused_naming_the_part(
    person: dict[str, float], width: int, height: int, named: str, not_named: str
) -> None:
    verdict = check(side_pose(facing=1, **person), width=width, height=height)
    assert not verdict.ok
    assert verdict.problem_kind == "person"
    assert "cut off" in verdict.problem
    assert named in verdict.problem
    assert not_named not in verdict.problem


def test_a_head_cut_off_by_the_top_edge_is_refused() -> None:
    xy = side_person(facing=1, top_y=-40.0)  # crown at y=-40, eyes at y=20, nose at y=40
    mask = silhouette_mask(shape=(500, 500), mask_scale=0.5, head_centre_x=520.0, head_top_y=-40.0,
                           head_half_width=70.0, head_half_height=70.0, body=(400.0, 180.0, 640.0, 960.0))
    assert mask[0].max() == 1.0  # the head's outline runs into the top edge of the photo
    verdict = check(make_pose(xy, z=side_depth("right"), mask=mask, mask_scale=0.5), height=1000)
    assert not verdict.ok
    assert verdict.problem_kind == "person"
    assert "cut off" in verdict.problem


def test_cut_off_lists_at_most_three_parts() -> None:
    verdict = check(side_pose(facing=1, top_y=400.0))  # knees, ankles and heels below a 1100 px photo
    assert "(left knee, left ankle, left heel)" in verdict.problem


def test_landmarks_a_hair_outside_the_frame_are_tolerated() -> None:
    # Heels 5 px below the bottom edge of a 1000 px photo: within the 1% margin of 10 px.
    verdict = check(side_pose(facing=1, top_y=20.0), height=1000)
    assert verdict.ok, verdict.problem


@pytest.mark.parametrize(
    ("height_px", "photo_height", "small"),
    [
        (140.0, 300, True),    # 131.6 px of landmarks: under the 150 px floor
        (300.0, 2000, True),   # 282 px in a 2000 px photo: under 20% of its height
        (300.0, 1000, False),  # 282 px in a 1000 px photo: enough
        (170.0, 300, False),   # 159.8 px: above 150 px and 20% of 300
    ],
)
def test_too_small_a_person_is_refused(height_px: float, photo_height: int, small: bool) -> None:
    pose = side_pose(facing=1, height_px=height_px, top_y=5.0, ankle_x=150.0)
    verdict = check(pose, width=400, height=photo_height)
    assert (verdict.problem is not None and "too small" in verdict.problem) is small
    if small:
        assert verdict.problem_kind == "person"
        assert verdict.view == "unsupported"
    else:
        assert verdict.ok, verdict.problem


def test_poorly_visible_landmarks_are_refused() -> None:
    verdict = check(side_pose(facing=1, visibility=MIN_KEY_VISIBILITY - 0.1))
    assert not verdict.ok
    assert verdict.problem_kind == "person"
    assert "visib" in verdict.problem
    assert "0.40" in verdict.problem


def test_a_shape_without_human_leg_proportions_is_refused() -> None:
    xy = side_person(facing=1)
    for side in ("left", "right"):  # shoulders 120 px above the hips, legs 480 px long: 4 torsos
        move(xy, side, ("SHOULDER",), dy=180.0)
    verdict = check(pose_of(xy, "right"))
    assert not verdict.ok
    assert verdict.problem_kind == "person"
    assert "4.0" in verdict.problem  # the leg-to-torso ratio it found


# ------------------------------------------------------------------ side views


@pytest.mark.parametrize(("facing", "view"), [(1, "side-right"), (-1, "side-left")])
def test_a_profile_is_a_side_view_with_its_facing_and_near_side(facing: int, view: str) -> None:
    verdict = check(side_pose(facing=facing))
    assert verdict.ok, verdict.problem
    assert verdict.view == view
    assert verdict.facing == facing
    assert verdict.near_side == physical_near_side(facing)
    assert verdict.stride is False
    assert verdict.warnings == ()


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("near_side", ["left", "right"])
def test_the_near_side_is_the_one_nearer_the_camera(facing: int, near_side: str) -> None:
    verdict = check(side_pose(facing=facing, near_side=near_side))
    assert verdict.near_side == near_side
    assert verdict.facing == facing


def test_a_profile_slightly_off_square_is_still_a_side_view() -> None:
    # The far shoulder and hip show 50 px beside the near ones (width ratio 1/6).
    verdict = check(side_pose(facing=-1, far_side_dx=50.0))
    assert verdict.ok
    assert verdict.view == "side-left"


def test_the_pose_is_returned_with_the_verdict() -> None:
    pose = side_pose(facing=1)
    assert check(pose).pose is pose


@pytest.mark.parametrize(
    ("nose_dx", "toes_dx", "expected"),
    [
        pytest.param(40.0, 100.0, 1, id="nose-and-toes-right"),
        pytest.param(-40.0, -100.0, -1, id="nose-and-toes-left"),
        pytest.param(40.0, -100.0, 1, id="nose-outvotes-toes"),
        pytest.param(-40.0, 100.0, -1, id="nose-outvotes-toes-left"),
        pytest.param(0.0, 100.0, 1, id="toes-break-a-tie-right"),
        pytest.param(0.0, -100.0, -1, id="toes-break-a-tie-left"),
    ],
)
def test_facing_from_the_nose_and_the_toes(nose_dx: float, toes_dx: float, expected: int) -> None:
    xy = side_person(facing=1)
    ears = (xy[Landmark.LEFT_EAR, 0] + xy[Landmark.RIGHT_EAR, 0]) / 2.0
    xy[Landmark.NOSE, 0] = ears + nose_dx
    for side in ("left", "right"):
        heel = point(xy, side, "HEEL")
        xy[Landmark[f"{side.upper()}_FOOT_INDEX"], 0] = heel[0] + toes_dx
    assert _facing(xy) == expected


def test_near_side_from_depth() -> None:
    xy = side_person(facing=1)
    assert _near_side(make_pose(xy, z=side_depth("left"))) == "left"
    assert _near_side(make_pose(xy, z=side_depth("right"))) == "right"


@pytest.mark.parametrize(("left", "right", "expected"), [(0.9, 0.4, "left"), (0.3, 0.8, "right"), (0.7, 0.7, "left")])
def test_near_side_from_visibility_when_depth_ties(left: float, right: float, expected: str) -> None:
    visibility = np.full(33, 0.5)
    visibility[[lm for lm in Landmark if lm.name.startswith("LEFT_")]] = left
    visibility[[lm for lm in Landmark if lm.name.startswith("RIGHT_")]] = right
    assert _near_side(make_pose(side_person(facing=1), z=np.zeros(33), visibility=visibility)) == expected


# ------------------------------------------------------------------ front and back views


def test_a_person_facing_the_camera_is_a_front_view() -> None:
    verdict = check(front_pose(back=False))
    assert verdict.ok, verdict.problem
    assert verdict.view == "front"
    assert verdict.near_side is None
    assert verdict.facing == 0
    assert verdict.warnings == ()


def test_left_and_right_swapped_is_a_back_view() -> None:
    verdict = check(front_pose(back=True))
    assert verdict.ok, verdict.problem
    assert verdict.view == "back"


def test_the_back_view_comes_from_the_body_not_the_face() -> None:
    # A front-view face (nose nearer the camera) on a body whose left shoulder and hip are on the image left.
    xy = front_person(back=True)
    verdict = check(make_pose(xy, z=front_depth(back=False)))
    assert verdict.view == "back"


# ------------------------------------------------------------------ unsupported views


def test_a_person_lying_down_is_an_unsupported_view() -> None:
    # A front-view body turned 90° in the picture: lying along the image x axis, 1000 px long.
    xy = rotate_in_image(front_person(), 90.0, (600.0, 500.0))
    assert body_proportions(xy)["torso_tilt"] == pytest.approx(90.0)
    verdict = check(make_pose(xy, z=front_depth()), width=1200, height=1000)
    assert not verdict.ok
    assert verdict.problem_kind == "view"
    assert verdict.view == "unsupported"
    assert "lying" in verdict.problem


def test_a_person_lying_in_profile_across_the_photo_is_an_unsupported_view() -> None:
    # 940 px long but only 140 px high: lying, not "too small".
    xy = rotate_in_image(side_person(facing=1), -90.0, (700.0, 550.0))
    verdict = check(pose_of(xy, "right"), width=1500, height=1000)
    assert not verdict.ok
    assert verdict.problem_kind == "view"
    assert "lying" in verdict.problem


def test_bending_far_forward_is_an_unsupported_view() -> None:
    # The upper body (landmarks 0-22) folded 60° forward about the hips.
    xy = side_person(facing=1, ankle_x=300.0)
    xy[:23] = rotate_in_image(xy[:23], 60.0, tuple(point(xy, "right", "HIP")))
    assert body_proportions(xy)["torso_tilt"] == pytest.approx(60.0)
    verdict = check(pose_of(xy, "right"))
    assert verdict.problem_kind == "view"
    assert "bending" in verdict.problem


def sitting(facing: int, on_floor: bool) -> np.ndarray:
    xy = side_person(facing=facing, ankle_x=400.0 if facing > 0 else 600.0)
    for side in ("left", "right"):
        hip = point(xy, side, "HIP")
        knee = hip + (facing * 240.0, 0.0)
        ankle = knee + ((facing * 240.0, 0.0) if on_floor else (0.0, 240.0))
        xy[Landmark[f"{side.upper()}_KNEE"]] = knee
        xy[Landmark[f"{side.upper()}_ANKLE"]] = ankle
        xy[Landmark[f"{side.upper()}_HEEL"]] = ankle + (-facing * 30.0, 25.0)
        xy[Landmark[f"{side.upper()}_FOOT_INDEX"]] = ankle + (facing * 110.0, 40.0)
    return xy


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("on_floor", [False, True], ids=["on-a-chair", "on-the-floor"])
def test_a_sitting_person_is_an_unsupported_view(facing: int, on_floor: bool) -> None:
    xy = sitting(facing, on_floor)
    assert body_proportions(xy)["leg_drop"] == pytest.approx(0.0 if on_floor else 0.8)
    verdict = check(pose_of(xy, physical_near_side(facing)))
    assert not verdict.ok
    assert verdict.problem_kind == "view"
    assert "sitting" in verdict.problem


@pytest.mark.parametrize(
    ("image_turn", "world_turn"),
    [
        pytest.param(45.0, 45.0, id="turned-45"),
        pytest.param(50.0, 50.0, id="turned-50"),
        pytest.param(75.0, 45.0, id="narrow-but-yaw-45"),
        pytest.param(20.0, 50.0, id="wide-but-yaw-50"),
    ],
)
def test_a_person_turned_part_way_is_an_unsupported_view(image_turn: float, world_turn: float) -> None:
    xy0, z0 = front_person(), front_depth()
    xy, z = turn(xy0, z0, image_turn)
    world = world_from(*turn(xy0, z0, world_turn))
    pose = make_pose(xy, z=z, world=world)
    assert body_yaw(pose.world) == pytest.approx(world_turn)
    verdict = check(pose)
    assert not verdict.ok
    assert verdict.problem_kind == "view"
    assert "turned part-way" in verdict.problem
    assert f"about {world_turn:.0f}°" in verdict.problem


def test_the_three_quarter_width_of_the_brief() -> None:
    # Width ratio ~0.38-0.41 and yaw 45: between a profile (<= 0.3) and a front view (>= 0.45).
    xy, _ = turn(front_person(), front_depth(), 45.0)
    assert 0.3 < body_proportions(xy)["width"] < 0.45
    assert body_proportions(xy)["width"] == pytest.approx((230.0 + 120.0) / 2.0 / 300.0 * np.cos(np.pi / 4))


@pytest.mark.parametrize(("turned", "view"), [(15.0, "front"), (75.0, "side-right"), (-75.0, "side-left")])
def test_a_small_turn_keeps_the_view(turned: float, view: str) -> None:
    xy, z = turn(front_person(), front_depth(), turned)
    verdict = check(make_pose(xy, z=z))
    assert verdict.ok, verdict.problem
    assert verdict.view == view


# ------------------------------------------------------------------ walking


def striding(facing: int, step: float) -> np.ndarray:
    """Near leg forward, far leg back, each a straight line from its hip, ankles ``step`` px apart."""
    near = physical_near_side(facing)
    far = "left" if near == "right" else "right"
    xy = side_person(facing=facing)
    move(xy, near, ("KNEE",), dx=facing * step / 4.0)
    move(xy, near, ("ANKLE", "HEEL", "FOOT_INDEX"), dx=facing * step / 2.0)
    move(xy, far, ("KNEE",), dx=-facing * step / 4.0)
    move(xy, far, ("ANKLE", "HEEL", "FOOT_INDEX"), dx=-facing * step / 2.0)
    return xy


@pytest.mark.parametrize(("facing", "view"), [(1, "side-right"), (-1, "side-left")])
def test_a_walking_stride_is_measured_with_a_warning(facing: int, view: str) -> None:
    xy = striding(facing, step=300.0)
    assert body_proportions(xy)["stance"] == pytest.approx(300.0 / 940.0)
    verdict = check(pose_of(xy, physical_near_side(facing)))
    assert verdict.ok, verdict.problem
    assert verdict.view == view
    assert verdict.stride is True
    assert len(verdict.warnings) == 1
    assert "walking step" in verdict.warnings[0]


def test_feet_slightly_apart_are_not_a_stride() -> None:
    xy = striding(1, step=60.0)  # 6% of the landmark height
    verdict = check(pose_of(xy, "right"))
    assert verdict.ok
    assert verdict.stride is False
    assert verdict.warnings == ()


@pytest.mark.parametrize(("step", "stride"), [(80.0, False), (88.0, True)])
def test_one_foot_ahead_by_more_than_six_tenths_of_a_foot_is_a_stride(step: float, stride: bool) -> None:
    # Feet 140 px long: the span is 1.57 foot lengths at 80 px and 1.63 at 88, with the ankles less than a
    # tenth of the height apart and the knees straight, so only the feet's span tells the step.
    xy = striding(1, step=step)
    shape = body_proportions(xy)
    assert shape["feet_span"] == pytest.approx((140.0 + step) / 140.0)
    assert shape["stance"] < 0.1 and shape["knee_bend"] < 20.0
    verdict = check(pose_of(xy, "right"))
    assert verdict.ok
    assert verdict.stride is stride


def test_a_clearly_bent_knee_is_a_stride() -> None:
    xy = side_person(facing=1)
    move(xy, "left", ("KNEE",), dx=60.0)  # far knee bent 2 * atan(60 / 240) = 28°
    assert body_proportions(xy)["knee_bend"] == pytest.approx(2 * np.degrees(np.arctan(60 / 240)))
    assert body_proportions(xy)["stance"] == 0.0
    verdict = check(pose_of(xy, "right"))
    assert verdict.ok
    assert verdict.stride is True


# ------------------------------------------------------------------ the helpers


def test_body_proportions_of_a_profile() -> None:
    shape = body_proportions(side_person(facing=1, far_side_dx=30.0))
    assert shape == pytest.approx({
        "width": 30.0 / 300.0,
        "torso_tilt": 0.0,
        "leg_drop": 1.6,
        "leg_length": 1.6,
        "stance": 30.0 / 940.0,
        "knee_bend": 0.0,
        "feet_span": (140.0 + 30.0) / 140.0,  # a foot is 0.03 + 0.11 of the height from heel to toe
        "thigh": 0.0,
    })


def test_body_proportions_of_a_leaning_trunk() -> None:
    shape = body_proportions(side_person(facing=1, shoulder_ahead=100.0, hip_ahead=-50.0))
    torso = np.hypot(150.0, 300.0)
    assert shape["torso_tilt"] == pytest.approx(np.degrees(np.arctan2(150.0, 300.0)))
    assert shape["leg_drop"] == pytest.approx(480.0 / torso)
    assert shape["leg_length"] == pytest.approx((np.hypot(50.0, 240.0) + 240.0) / torso)
    assert shape["knee_bend"] == pytest.approx(np.degrees(np.arctan2(50.0, 240.0)))
    assert shape["thigh"] == pytest.approx(np.degrees(np.arctan2(50.0, 240.0)))


@pytest.mark.parametrize(("thigh_deg", "standing"), [(MAX_THIGH_FROM_VERTICAL_DEG - 1.0, True),
                                                     (MAX_THIGH_FROM_VERTICAL_DEG + 1.0, False)])
def test_thighs_far_from_vertical_are_sitting_though_the_feet_are_below_the_hips(thigh_deg: float,
                                                                                standing: bool) -> None:
    """Seated at a desk in profile, the feet stand below the hips (the legs drop far enough) but the thighs run
    forwards: a thigh turned more than 50° from vertical is not standing."""
    xy = side_person(facing=1)
    for side in ("left", "right"):
        hip, knee = xy[side_landmark(side, "HIP")], xy[side_landmark(side, "KNEE")]
        knee[0] = hip[0] + (knee[1] - hip[1]) * np.tan(np.radians(thigh_deg))
    verdict = check(pose_of(xy, near_side="left"))
    assert body_proportions(xy)["thigh"] == pytest.approx(thigh_deg)
    assert verdict.ok is standing
    if not standing:
        assert verdict.problem_kind == "view" and "sitting" in (verdict.problem or "")


def test_body_proportions_of_a_front_view() -> None:
    shape = body_proportions(front_person())
    assert shape["width"] == pytest.approx((230.0 + 120.0) / 2.0 / 300.0)
    assert shape["torso_tilt"] == pytest.approx(0.0)
    assert shape["leg_drop"] == pytest.approx(1.6)
    assert shape["stance"] == pytest.approx(90.0 / 940.0)


@pytest.mark.parametrize("degrees", [0.0, 20.0, 45.0, 70.0, 90.0])
def test_body_yaw_is_the_turn_from_facing_the_camera(degrees: float) -> None:
    xy, z = turn(front_person(), front_depth(), degrees)
    assert body_yaw(world_from(xy, z)) == pytest.approx(degrees)


def test_body_yaw_of_the_builders() -> None:
    assert body_yaw(side_pose(facing=1).world) == pytest.approx(90.0)
    assert body_yaw(side_pose(facing=-1).world) == pytest.approx(90.0)
    assert body_yaw(front_pose().world) == pytest.approx(0.0)
    assert body_yaw(front_pose(back=True).world) == pytest.approx(0.0)

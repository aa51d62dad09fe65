"""Tests for posture.stages.frame: the body scale (percent of height or cm) and the body frame built from a pose,
its head top found in the mask or, failing that, from the face.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import front_person, make_pose, side_depth, side_person, silhouette_mask

from posture.core.pose import Landmark, Pose, head_top_from_mask
from posture.stages.frame import CM, PERCENT_HEIGHT, BodyScale, build_frame

PHOTO = (1100, 1000)  # rows, cols of the photo: a 1000 px person with the head top at y=50 fits


# ------------------------------------------------------------------ BodyScale


@pytest.mark.parametrize(
    ("body_height_px", "height_cm", "distance_px", "expected", "unit"),
    [
        (1000.0, None, 50.0, 5.0, PERCENT_HEIGHT),
        (800.0, None, -20.0, -2.5, PERCENT_HEIGHT),
        (1000.0, 170.0, 50.0, 8.5, CM),
        (850.0, 170.0, 85.0, 17.0, CM),
        (1200.0, 180.0, -30.0, -4.5, CM),
        (1000.0, None, 0.0, 0.0, PERCENT_HEIGHT),
    ],
)
def test_body_scale_convert(body_height_px: float, height_cm: float | None, distance_px: float, expected: float,
                            unit: str) -> None:
    scale = BodyScale(body_height_px, height_cm)
    assert scale.convert(distance_px) == pytest.approx(expected)
    assert scale.unit == unit


@pytest.mark.parametrize(
    ("height_cm", "percent", "expected"),
    [(None, 3.0, 3.0), (None, -2.0, -2.0), (170.0, 3.0, 5.1), (170.0, -2.0, -3.4), (200.0, 1.5, 3.0)],
)
def test_body_scale_from_percent(height_cm: float | None, percent: float, expected: float) -> None:
    assert BodyScale(1000.0, height_cm).from_percent(percent) == pytest.approx(expected)


def test_body_scale_round_trip_of_one_percent() -> None:
    scale = BodyScale(731.0, 163.0)
    assert scale.convert(7.31) == pytest.approx(scale.from_percent(1.0))


def mask_for(xy: np.ndarray, *, mask_scale: float, head_top_y: float, head_centre_x: float,
             extra: tuple[tuple[float, float, float, float], ...] = (), head_value: float = 1.0) -> np.ndarray:
    """A filled-ellipse head 140 x 140 px whose top is at ``head_top_y``, a neck, and a body rectangle."""
    shape = (int(PHOTO[0] * mask_scale), int(PHOTO[1] * mask_scale))
    centre = float(head_centre_x)
    shoulders_y = float(xy[Landmark.LEFT_SHOULDER, 1])
    floor_y = float(np.max(xy[:, 1]))
    mask = silhouette_mask(
        shape=shape, mask_scale=mask_scale, head_centre_x=centre, head_top_y=head_top_y,
        head_half_width=70.0, head_half_height=70.0,
        body=(centre - 120.0, shoulders_y, centre + 120.0, floor_y),
        extra=((centre - 30.0, head_top_y + 100.0, centre + 30.0, shoulders_y),) + extra,
    )
    return mask * head_value if head_value != 1.0 else mask


def front_with_mask(top_y: float = 50.0, mask_scale: float = 0.5, **kwargs: object) -> tuple[np.ndarray, Pose]:
    xy = front_person(top_y=top_y)
    mask = mask_for(xy, mask_scale=mask_scale, head_top_y=top_y, head_centre_x=500.0,
                    **kwargs)  # type: ignore[arg-type]
    return xy, make_pose(xy, mask=mask, mask_scale=mask_scale)


# ------------------------------------------------------------------ head top from the mask


@pytest.mark.parametrize("mask_scale", [0.5, 0.25, 1.0])
@pytest.mark.parametrize("top_y", [50.0, 73.3, 20.0, 131.0])
def test_head_top_is_found_in_the_mask(mask_scale: float, top_y: float) -> None:
    _, pose = front_with_mask(top_y=top_y, mask_scale=mask_scale)
    frame = build_frame(pose)
    assert frame.head_top_method == "mask"
    assert abs(frame.head_top_y - top_y) <= 1.0 / mask_scale
    assert frame.head_top_y == pytest.approx(head_top_from_mask(pose))


def test_head_top_exactly_on_a_mask_row() -> None:
    _, pose = front_with_mask(top_y=50.0, mask_scale=0.5)
    assert head_top_from_mask(pose) == pytest.approx(50.0)


@pytest.mark.parametrize("height_cm", [None, 172.0])
def test_body_height_is_floor_minus_head_top(height_cm: float | None) -> None:
    xy, pose = front_with_mask(top_y=50.0, mask_scale=0.5)
    frame = build_frame(pose, height_cm=height_cm)
    assert frame.floor_y == pytest.approx(1050.0)
    assert frame.floor_y == pytest.approx(float(np.max(xy[[Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL,
                                                          Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX], 1])))
    assert frame.body_height_px == pytest.approx(frame.floor_y - frame.head_top_y)
    assert frame.body_height_px == pytest.approx(1000.0)
    assert frame.scale.body_height_px == pytest.approx(frame.body_height_px)
    assert frame.scale.height_cm == height_cm
    assert frame.scale.unit == (PERCENT_HEIGHT if height_cm is None else CM)


@pytest.mark.parametrize("lowest", [Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL, Landmark.LEFT_FOOT_INDEX,
                                    Landmark.RIGHT_FOOT_INDEX], ids=lambda landmark: landmark.name.lower())
def test_the_floor_is_the_lowest_foot_landmark(lowest: Landmark) -> None:
    xy = front_person()
    xy[lowest, 1] = 1062.0  # one heel or toe a little lower than the other three
    xy[Landmark.LEFT_ANKLE, 1] = xy[Landmark.RIGHT_ANKLE, 1] = 1040.0  # ankles are not foot-sole landmarks
    xy[Landmark.LEFT_KNEE, 1] = 1080.0  # nor is anything else, however low
    mask = mask_for(xy, mask_scale=0.5, head_top_y=50.0, head_centre_x=500.0)
    frame = build_frame(make_pose(xy, mask=mask, mask_scale=0.5))
    assert frame.floor_y == pytest.approx(1062.0)
    assert frame.body_height_px == pytest.approx(1012.0)


def test_head_top_of_a_profile() -> None:
    xy = side_person(facing=1, top_y=80.0)
    head_centre = float((xy[Landmark.RIGHT_EAR, 0] + xy[Landmark.NOSE, 0]) / 2.0)
    mask = mask_for(xy, mask_scale=0.5, head_top_y=80.0, head_centre_x=head_centre)
    frame = build_frame(make_pose(xy, z=side_depth("right"), mask=mask, mask_scale=0.5))
    assert frame.head_top_method == "mask"
    assert abs(frame.head_top_y - 80.0) <= 2.0
    assert frame.body_height_px == pytest.approx(1080.0 - frame.head_top_y)


def test_a_raised_hand_beside_the_head_does_not_move_the_head_top() -> None:
    xy = front_person(top_y=50.0)
    for wrist_part in (Landmark.LEFT_WRIST, Landmark.LEFT_PINKY, Landmark.LEFT_INDEX, Landmark.LEFT_THUMB):
        xy[wrist_part] = (850.0, 5.0)
    xy[Landmark.LEFT_ELBOW] = (800.0, 150.0)
    arm = ((820.0, 0.0, 880.0, 240.0), (600.0, 150.0, 880.0, 240.0))  # hand up to the top edge, arm to the shoulder
    mask = mask_for(xy, mask_scale=0.5, head_top_y=50.0, head_centre_x=500.0, extra=arm)
    pose = make_pose(xy, mask=mask, mask_scale=0.5)
    assert mask[0, int(850 * 0.5)] == 1.0  # the hand reaches the top of the photo
    frame = build_frame(pose)
    assert frame.head_top_method == "mask"
    assert frame.head_top_y == pytest.approx(50.0)
    assert frame.body_height_px == pytest.approx(1000.0)


def test_background_far_from_the_head_is_ignored() -> None:
    # A second blob (a doorway, another object) above head height on the other side of the photo.
    blob = ((20.0, 0.0, 200.0, 400.0),)
    _, pose = front_with_mask(top_y=90.0, mask_scale=0.5, extra=blob)
    assert build_frame(pose).head_top_y == pytest.approx(90.0)


# ------------------------------------------------------------------ fallback to the face


def face_fallback(xy: np.ndarray) -> float:
    eye_y = (xy[Landmark.LEFT_EYE, 1] + xy[Landmark.RIGHT_EYE, 1]) / 2.0
    mouth_y = (xy[Landmark.MOUTH_LEFT, 1] + xy[Landmark.MOUTH_RIGHT, 1]) / 2.0
    return float(eye_y - 1.6 * abs(mouth_y - eye_y))


@pytest.mark.parametrize("top_y", [50.0, 200.0])
def test_without_a_mask_the_head_top_comes_from_the_face(top_y: float) -> None:
    xy = front_person(top_y=top_y)
    pose = make_pose(xy, mask=None)
    assert head_top_from_mask(pose) is None
    frame = build_frame(pose, height_cm=180.0)
    assert frame.head_top_method == "face landmarks"
    # Eyes 60 px below the head top, mouth 40 px below the eyes: 60 - 1.6 * 40 = -4 px.
    assert frame.head_top_y == pytest.approx(top_y - 4.0)
    assert frame.head_top_y == pytest.approx(face_fallback(xy))
    assert frame.body_height_px == pytest.approx(1004.0)
    assert frame.scale.body_height_px == pytest.approx(1004.0)
    assert frame.scale.height_cm == 180.0


def test_an_empty_mask_falls_back_to_the_face() -> None:
    xy = front_person()
    pose = make_pose(xy, mask=np.zeros((550, 500), dtype=np.float32), mask_scale=0.5)
    frame = build_frame(pose)
    assert frame.head_top_method == "face landmarks"
    assert frame.head_top_y == pytest.approx(face_fallback(xy))


def test_a_mask_without_a_head_falls_back_to_the_face() -> None:
    # Only the body below the shoulders: nothing in the search band above the eyes.
    xy = front_person()
    shape = (550, 500)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    mask = ((rows >= 230 * 0.5) & (np.abs(cols - 250) <= 60)).astype(np.float32)
    frame = build_frame(make_pose(xy, mask=mask, mask_scale=0.5))
    assert frame.head_top_method == "face landmarks"


@pytest.mark.parametrize(("head_value", "method"), [(0.4, "face landmarks"), (0.6, "mask")])
def test_the_mask_is_thresholded_at_one_half(head_value: float, method: str) -> None:
    xy = front_person()
    mask = mask_for(xy, mask_scale=0.5, head_top_y=50.0, head_centre_x=500.0, head_value=head_value)
    assert build_frame(make_pose(xy, mask=mask, mask_scale=0.5)).head_top_method == method

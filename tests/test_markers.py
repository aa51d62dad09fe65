"""Skin markers (posture.markers) on constructed photos with known answers: found, paired, measured, or refused."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from builders import front_pose, side_pose

from posture.frame import BodyScale
from posture.landmarks import Landmark, Pose, side_landmark
from posture.markers import MarkerProblem, find_markers, marker_measurements
from posture.quality import Verdict

GREEN = (40, 215, 70)
H = 1000.0
SIZE = (1100, 1000)
DIAMETER = 16.0  # 1.6% of a 1000 px body, a 2.7 cm marker on a 170 cm person


def photo(points: list[tuple[float, float]], *, colour: tuple[int, int, int] = GREEN,
          diameter: float = DIAMETER) -> np.ndarray:
    """A grey picture with round markers centred on ``points`` (original = working pixels).

    posture's pixel (i, j) spans [j, j + 1) x [i, i + 1); OpenCV draws with pixel centres on whole numbers.
    """
    rgb = np.full((*SIZE, 3), 120, dtype=np.uint8)
    for x, y in points:
        cv2.circle(rgb, (round((x - 0.5) * 16), round((y - 0.5) * 16)), round(diameter / 2 * 16), colour, -1,
                   cv2.LINE_AA, shift=4)
    return rgb


def whole_mask() -> np.ndarray:
    return np.ones(SIZE, dtype=np.float32)


def side(facing: int = 1) -> tuple[Pose, Verdict]:
    pose = side_pose(facing=facing, mask=whole_mask())
    near = "right" if facing == 1 else "left"
    return pose, Verdict(pose=pose, view="side-right" if facing == 1 else "side-left", near_side=near,
                         facing=facing)


def test_round_marks_of_the_colour_are_found_at_their_centres() -> None:
    pose, _ = side()
    centres = [(400.3, 500.7), (450.0, 620.25)]
    found = find_markers(photo(centres), 1.0, pose, H)
    assert len(found) == 2
    for (x, y), marker in zip(sorted(centres), sorted(found, key=lambda m: m.x)):
        assert (marker.x, marker.y) == pytest.approx((x, y), abs=0.3)
        assert marker.diameter == pytest.approx(DIAMETER, abs=2.0)


@pytest.mark.parametrize(
    ("colour", "diameter"),
    [((200, 60, 60), DIAMETER), ((90, 120, 95), DIAMETER), (GREEN, 2.0), (GREEN, 120.0)],
    ids=["red", "dull-green-clothing", "speck", "large-green-patch"],
)
def test_other_colours_and_sizes_are_not_markers(colour: tuple[int, int, int], diameter: float) -> None:
    pose, _ = side()
    assert find_markers(photo([(400.0, 500.0)], colour=colour, diameter=diameter), 1.0, pose, H) == ()


def test_a_green_bar_is_not_round_enough() -> None:
    pose, _ = side()
    rgb = np.full((*SIZE, 3), 120, dtype=np.uint8)
    rgb[500:504, 300:330] = GREEN  # a stripe on a garment
    assert find_markers(rgb, 1.0, pose, H) == ()


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
@pytest.mark.parametrize("tilt", [-8.0, 0.0, 12.0, 25.0])
def test_pelvic_tilt_from_asis_and_psis(facing: int, tilt: float) -> None:
    pose, verdict = side(facing)
    hip = pose.xy[side_landmark(verdict.near_side or "right", "HIP")]
    half_span = 70.0
    dx, dy = half_span * math.cos(math.radians(tilt)), half_span * math.sin(math.radians(tilt))
    asis = (hip[0] + facing * dx, hip[1] - 60.0 + dy)
    psis = (hip[0] - facing * dx, hip[1] - 60.0 - dy)
    markers = find_markers(photo([asis, psis]), 1.0, pose, H)
    (measured,) = marker_measurements(markers, verdict, BodyScale(H))
    assert measured.id == "pelvic_tilt" and not measured.proxy
    assert measured.value == pytest.approx(tilt, abs=0.5)  # + = ASIS lower: anterior


def test_head_angle_from_tragus_and_c7() -> None:
    pose, verdict = side(1)
    ear = pose.xy[Landmark.RIGHT_EAR]
    r = DIAMETER / 2
    tragus = (ear[0] + 4.0, ear[1] + 3.0)
    c7_skin = (tragus[0] - 60.0, tragus[1] + 60.0 * math.tan(math.radians(50.0)))
    c7 = (c7_skin[0] - r, c7_skin[1])  # the C7 ball stands behind the skin
    measured = {m.id: m for m in marker_measurements(find_markers(photo([tragus, c7]), 1.0, pose, H), verdict,
                                                     BodyScale(H))}
    assert measured["head_forward_angle"].value == pytest.approx(50.0, abs=0.5)


@pytest.mark.parametrize("back", [True, False], ids=["back", "front"])
def test_hip_height_from_markers_on_both_iliac_crests(back: bool) -> None:
    pose = front_pose(back=back, mask=whole_mask())
    verdict = Verdict(pose=pose, view="back" if back else "front")
    hips = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    persons_left = -1.0 if back else 1.0
    left = (hips[0] + persons_left * 120.0, hips[1] - 80.0 - 6.0)  # the left crest 12 px higher
    right = (hips[0] - persons_left * 120.0, hips[1] - 80.0 + 6.0)
    (measured,) = marker_measurements(find_markers(photo([left, right]), 1.0, pose, H), verdict, BodyScale(H, 170.0))
    assert measured.id == "hip_height_difference"
    assert measured.value == pytest.approx(12.0 * 170.0 / H, abs=0.05)
    assert dict(measured.components)["pelvic_obliquity_deg"] == pytest.approx(math.degrees(math.atan2(12.0, 240.0)),
                                                                              abs=0.3)


def test_three_markers_where_two_belong_is_ambiguous() -> None:
    pose, verdict = side(1)
    hip = pose.xy[Landmark.RIGHT_HIP]
    markers = find_markers(photo([(hip[0] + 70, hip[1] - 60), (hip[0] - 70, hip[1] - 60), (hip[0], hip[1] - 20)]),
                           1.0, pose, H)
    with pytest.raises(MarkerProblem, match="found 3 markers near the pelvis"):
        marker_measurements(markers, verdict, BodyScale(H))


def test_markers_far_from_the_person_are_ignored() -> None:
    mask = np.zeros(SIZE, dtype=np.float32)
    mask[100:1050, 350:650] = 1.0
    pose = side_pose(facing=1, mask=mask)
    assert find_markers(photo([(950.0, 500.0)]), 1.0, pose, H) == ()  # a green sign on the wall
    assert len(find_markers(photo([(640.0, 500.0)]), 1.0, pose, H)) == 1


def test_asking_for_markers_on_a_photo_without_them_is_a_refusal_with_exit_8(analyzer: object) -> None:
    from pathlib import Path

    from posture.errors import ExitCode

    sample = Path(__file__).resolve().parents[1] / "samples" / "side-left_neutral.png"
    analysis = analyzer.analyze(sample, markers="green")  # type: ignore[attr-defined]
    assert analysis.status == "refused" and analysis.problem_kind == "markers"
    assert "No pair of green skin markers" in (analysis.problem or "")
    error = analysis.error()
    assert error is not None and error.exit_code == ExitCode.MARKERS == 8

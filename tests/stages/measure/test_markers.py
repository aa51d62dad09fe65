"""Tests for posture.stages.measure.markers: skin markers on constructed photos with known answers: found, paired,
measured, or refused.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import SAMPLES, analysis_image, front_pose, side_pose
from PIL import Image

from posture.analyzer import Analyzer
from posture.core.image import LoadedImage
from posture.core.pose import Landmark, Pose, side_landmark
from posture.core.units import DEG
from posture.stages.level import choose_levelling
from posture.stages.frame import BodyScale, Frame
from posture.stages.gate import Verdict
from posture.stages.measure.markers import (
    NEARER_THAN_MID_PLANE_CM,
    PHONE_FOCAL_35MM,
    Marker,
    MarkerProblem,
    MarkersUnusable,
    Perspective,
    _centre,
    _fit_circle,
    _outline,
    _toward_body,
    _turned,
    find_markers,
    labelled_measurements,
    marker_measurements,
    measure_markers,
    photo_perspective,
    unused_sentences,
)
from posture.stages.measure.marker_labels import label_markers

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
    # 2 hip half-widths out: from behind, outside the hip joints' line, the crests; in front, the pelvis's pair.
    assert measured.method.startswith(f"From skin markers on both {'iliac crests' if back else 'sides of the pelvis'}:")
    assert measured.value == pytest.approx(12.0 * 170.0 / H, abs=0.05)
    assert dict(measured.components)["pelvic_obliquity_deg"] == pytest.approx(math.degrees(math.atan2(12.0, 240.0)),
                                                                              abs=0.3)


def test_a_third_marker_below_the_line_from_asis_to_psis_is_ambiguous() -> None:
    pose, verdict = side(1)
    hip = pose.xy[Landmark.RIGHT_HIP]
    markers = find_markers(photo([(hip[0] + 70, hip[1] - 60), (hip[0] - 70, hip[1] - 60), (hip[0], hip[1] - 20)]),
                           1.0, pose, H)
    with pytest.raises(MarkerProblem, match="below the line from one to the other, where no iliac crest is"):
        marker_measurements(markers, verdict, BodyScale(H))


def test_a_back_photo_with_both_psis_and_both_crests_gives_hip_height_from_the_crests() -> None:
    """The crests are what posture's hip height, thresholds and calibration speak of; the PSIS are left out."""
    pose = front_pose(back=True, mask=whole_mask())
    verdict = Verdict(pose=pose, view="back")
    hips = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    # From behind the person's left is on the image left. The PSIS 30 px either side of the spine, the left one
    # 4 px higher (a third of the crests' difference, as their narrower span gives); the crests 100 px out, the
    # left one 12 px higher.
    centres = [(hips[0] - 30.0, hips[1] - 82.0), (hips[0] + 30.0, hips[1] - 78.0),
               (hips[0] - 100.0, hips[1] - 92.0), (hips[0] + 100.0, hips[1] - 80.0)]
    markers = find_markers(photo(centres), 1.0, pose, H)
    assert len(markers) == 4
    labels = label_markers(markers, verdict)
    (measured,) = labelled_measurements(labels, verdict, BodyScale(H, 170.0))
    assert measured.id == "hip_height_difference"
    assert measured.value == pytest.approx(12.0 * 170.0 / H, abs=0.03)
    assert "both iliac crests" in measured.method
    assert unused_sentences(labels) == ("2 PSIS markers were recognised and not used.",)


def test_a_back_photo_with_both_crests_and_one_psis_gives_hip_height_from_the_crests() -> None:
    pose = front_pose(back=True, mask=whole_mask())
    verdict = Verdict(pose=pose, view="back")
    hips = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    centres = [(hips[0] - 30.0, hips[1] - 82.0), (hips[0] - 100.0, hips[1] - 86.0), (hips[0] + 100.0, hips[1] - 80.0)]
    labels = label_markers(find_markers(photo(centres), 1.0, pose, H), verdict)
    (measured,) = labelled_measurements(labels, verdict, BodyScale(H, 170.0))
    assert measured.value == pytest.approx(6.0 * 170.0 / H, abs=0.03) and "both iliac crests" in measured.method
    assert unused_sentences(labels) == ("1 PSIS marker was recognised and not used.",)


def test_a_back_photo_with_a_psis_on_one_side_and_a_crest_on_the_other_gives_no_hip_height() -> None:
    pose = front_pose(back=True, mask=whole_mask())
    verdict = Verdict(pose=pose, view="back")
    hips = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    labels = label_markers(find_markers(photo([(hips[0] - 30.0, hips[1] - 80.0), (hips[0] + 100.0, hips[1] - 80.0)]),
                                        1.0, pose, H), verdict)
    assert set(labels.named) == {"left_psis", "right_iliac_crest"}
    assert labelled_measurements(labels, verdict, BodyScale(H)) == ()


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
def test_a_side_photo_with_asis_psis_and_crest_gives_pelvic_tilt_from_asis_and_psis(facing: int) -> None:
    pose, verdict = side(facing)
    hip = pose.xy[side_landmark(verdict.near_side or "right", "HIP")]
    tilt = 12.0
    dx, dy = 70.0 * math.cos(math.radians(tilt)), 70.0 * math.sin(math.radians(tilt))
    asis, psis = (hip[0] + facing * dx, hip[1] - 60.0 + dy), (hip[0] - facing * dx, hip[1] - 60.0 - dy)
    crest = (hip[0] + facing * 10.0, hip[1] - 85.0)  # between them, above the line
    labels = label_markers(find_markers(photo([crest, psis, asis]), 1.0, pose, H), verdict)
    (measured,) = labelled_measurements(labels, verdict, BodyScale(H))
    assert measured.id == "pelvic_tilt" and measured.value == pytest.approx(tilt, abs=0.5)
    assert unused_sentences(labels) == ("1 iliac-crest marker was recognised and not used.",)


def test_a_lone_tragus_is_left_out_and_the_pelvis_still_measured() -> None:
    pose, verdict = side(1)
    hip, ear = pose.xy[Landmark.RIGHT_HIP], pose.xy[Landmark.RIGHT_EAR]
    labels = label_markers(find_markers(photo([(hip[0] + 70, hip[1] - 60), (hip[0] - 70, hip[1] - 70),
                                               (ear[0] + 4.0, ear[1] + 3.0)]), 1.0, pose, H), verdict)
    (measured,) = labelled_measurements(labels, verdict, BodyScale(H))
    assert measured.id == "pelvic_tilt"
    assert unused_sentences(labels) == (
        "1 marker at the neck was not used: the head angle needs markers on both the tragus and C7.",)


def test_markers_far_from_the_person_are_ignored() -> None:
    mask = np.zeros(SIZE, dtype=np.float32)
    mask[100:1050, 350:650] = 1.0
    pose = side_pose(facing=1, mask=mask)
    assert find_markers(photo([(950.0, 500.0)]), 1.0, pose, H) == ()  # a green sign on the wall
    assert len(find_markers(photo([(640.0, 500.0)]), 1.0, pose, H)) == 1


def test_asking_for_markers_on_a_photo_without_them_is_a_refusal_with_exit_8(analyzer: object) -> None:

    from posture.errors import ExitCode

    sample = SAMPLES / "side-left_neutral.png"
    analysis = analyzer.analyze(sample, markers="green")  # type: ignore[attr-defined]
    assert analysis.status == "refused" and analysis.problem_kind == "markers"
    assert "No pair of green skin markers" in (analysis.problem or "")
    error = analysis.error()
    assert error is not None and error.exit_code == ExitCode.MARKERS == 8


# --- The three corrections between a marker's picture and the skin point under it ---


def disc(cx: float, cy: float, radius: float, *, size: int = 41,
         hidden: tuple[float, float, float] | None = None) -> np.ndarray:
    """A blob: the pixels whose centres lie within ``radius`` of (cx, cy) (pixel (i, j) centred on (j + 0.5, i + 0.5)).

    ``hidden`` = (nx, ny, d): the pixels more than d beyond the centre along the unit vector (nx, ny) are hidden
    behind a straight edge, as a ball behind the body's outline.
    """
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    blob = np.hypot(xs - cx, ys - cy) <= radius
    if hidden is not None:
        nx, ny, d = hidden
        blob &= (xs - cx) * nx + (ys - cy) * ny <= d
    return blob


def centroid(blob: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(blob)
    return float(np.mean(cols)) + 0.5, float(np.mean(rows)) + 0.5


@pytest.mark.parametrize("centre", [(20.3, 19.6), (20.0, 20.0), (20.75, 20.45)])
def test_a_whole_disc_is_centred_on_its_centroid(centre: tuple[float, float]) -> None:
    blob = disc(*centre, 10.0)
    (x, y), radius = _centre(blob)
    assert (x, y) == pytest.approx(centroid(blob), abs=1e-12)  # the centroid itself, not a fitted circle's centre
    assert radius == pytest.approx(math.sqrt(blob.sum() / math.pi), abs=1e-12)  # the radius from the area
    assert math.hypot(x - centre[0], y - centre[1]) < 0.15  # the rasterised disc's own error, up to 0.14 px
    assert radius == pytest.approx(10.0, abs=0.1)


@pytest.mark.parametrize("edge_deg", range(0, 360, 45))
def test_a_ball_a_third_hidden_is_centred_on_the_round_part_of_its_rim(edge_deg: int) -> None:
    cx, cy, r = 20.3, 19.6, 10.0
    # A straight edge 0.265 r from the centre hides a third of the disc (the segment theta - sin theta = 2 pi / 3),
    # give or take the pixels along it.
    edge = math.radians(edge_deg)
    blob = disc(cx, cy, r, hidden=(math.cos(edge), math.sin(edge), 0.265 * r))
    assert blob.sum() / disc(cx, cy, r).sum() == pytest.approx(2.0 / 3.0, abs=0.04)
    (x, y), radius = _centre(blob)
    # What the fit is for: the visible part's centroid is almost 3 px off, away from the edge.
    assert math.hypot(centroid(blob)[0] - cx, centroid(blob)[1] - cy) > 2.5
    # Within a third of a pixel or so (over random centres and edges: median 0.12 px, worst 0.5 px).
    assert math.hypot(x - cx, y - cy) < 0.4
    assert radius == pytest.approx(r, abs=0.3)


def test_a_circle_is_fitted_exactly_through_points_on_it() -> None:
    angles = np.linspace(0.2, 2.0 * math.pi + 0.2, 12, endpoint=False)
    points = np.column_stack([3.5 + 7.25 * np.cos(angles), -2.25 + 7.25 * np.sin(angles)])
    fitted = _fit_circle(points)
    assert fitted is not None
    centre, radius = fitted
    assert tuple(centre) == pytest.approx((3.5, -2.25), abs=1e-9)
    assert radius == pytest.approx(7.25, abs=1e-9)
    # An arc of a quarter circle pins it down as well.
    fitted = _fit_circle(points[:4])
    assert fitted is not None
    assert tuple(fitted[0]) == pytest.approx((3.5, -2.25), abs=1e-9) and fitted[1] == pytest.approx(7.25, abs=1e-9)


@pytest.mark.parametrize("line", [(2.0, 1.0), (0.0, 4.0)], ids=["slanted", "horizontal"])
def test_points_on_a_line_have_no_circle(line: tuple[float, float]) -> None:
    slope, offset = line
    t = np.linspace(-3.0, 5.0, 9)
    assert _fit_circle(np.column_stack([t, slope * t + offset])) is None


F_PX = 1000.0  # any focal length: parallax in the picture does not depend on it


def pinhole(centre: np.ndarray, lateral_cm: np.ndarray, depth_cm: float) -> np.ndarray:
    """Where a pinhole camera pictures a point ``lateral_cm`` off its axis at ``depth_cm``."""
    return centre + F_PX * lateral_cm / depth_cm


def test_a_point_at_the_picture_centre_stays_in_the_mid_plane() -> None:
    perspective = Perspective(centre_x=500.0, centre_y=550.0, distance_cm=300.0, focal_source="assumed")
    assert tuple(perspective.to_mid_plane(np.array([500.0, 550.0]), 12.5)) == (500.0, 550.0)


@pytest.mark.parametrize("offset", [(100.0, 0.0), (-60.0, 80.0)], ids=["right", "left-below"])
def test_a_nearer_point_moves_towards_the_centre_as_a_pinhole_camera_pictures_it(offset: tuple[float, float]) -> None:
    centre, distance, nearer = np.array([500.0, 550.0]), 300.0, 10.0
    pictured = centre + np.array(offset)
    # The point 10 cm nearer than the mid-plane: its lateral offset from the camera's axis, then its picture in the
    # mid-plane, at the full distance.
    lateral = (pictured - centre) * (distance - nearer) / F_PX
    in_mid_plane = pinhole(centre, lateral, distance)
    perspective = Perspective(centre_x=500.0, centre_y=550.0, distance_cm=distance, focal_source="EXIF")
    moved = perspective.to_mid_plane(pictured, nearer)
    assert tuple(moved) == pytest.approx(tuple(in_mid_plane), abs=1e-9)
    assert float(np.hypot(*(pictured - moved))) == pytest.approx(math.hypot(*offset) * 10.0 / 300.0, abs=1e-9)
    assert np.hypot(*(moved - centre)) < np.hypot(*(pictured - centre))  # towards the centre, not away


def test_side_view_markers_are_measured_where_they_would_show_in_the_mid_plane() -> None:
    pose, verdict = side(1)
    centre, distance = np.array([SIZE[1] / 2.0, SIZE[0] / 2.0]), 300.0
    r = DIAMETER / 2
    hip, ear = pose.xy[Landmark.RIGHT_HIP], pose.xy[Landmark.RIGHT_EAR]
    tilt, head = 12.0, 50.0
    span = 70.0 * np.array([math.cos(math.radians(tilt)), math.sin(math.radians(tilt))])
    tragus = ear + np.array([4.0, 3.0])
    # In the mid-plane: the ASIS and PSIS balls at a 12 deg tilt, the C7 ball one radius behind the skin at 50 deg.
    mid = {"asis": hip + np.array([0.0, -60.0]) + span, "psis": hip + np.array([0.0, -60.0]) - span,
           "tragus": tragus,
           "c7": tragus + np.array([-60.0, 60.0 * math.tan(math.radians(head))]) - np.array([r, 0.0])}

    def photographed(name: str) -> Marker:
        lateral = (mid[name] - centre) * distance / F_PX  # in the mid-plane ...
        x, y = pinhole(centre, lateral, distance - NEARER_THAN_MID_PLANE_CM[name])  # ... but this much nearer
        return Marker(x=float(x), y=float(y), diameter=DIAMETER, roundness=1.0)

    markers = tuple(photographed(name) for name in mid)
    perspective = Perspective(centre_x=float(centre[0]), centre_y=float(centre[1]), distance_cm=distance,
                              focal_source="assumed")
    measured = {m.id: m.value for m in marker_measurements(markers, verdict, BodyScale(H), perspective)}
    assert measured["pelvic_tilt"] == pytest.approx(tilt, abs=1e-9)
    assert measured["head_forward_angle"] == pytest.approx(head, abs=1e-9)
    # What it undoes: taken as they show, the nearer tragus reads several degrees off, the pelvis about one.
    flat = {m.id: m.value for m in marker_measurements(markers, verdict, BodyScale(H))}
    assert abs(flat["head_forward_angle"] - head) > 3.0
    assert abs(flat["pelvic_tilt"] - tilt) > 0.5


def half_plane_person(edge_deg: float, *, size: int = 200) -> np.ndarray:
    """A person filling the picture on one side of a straight outline through its centre, the outward normal at
    ``edge_deg`` (image axes, y down)."""
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    nx, ny = math.cos(math.radians(edge_deg)), math.sin(math.radians(edge_deg))
    return ((xs - size / 2) * nx + (ys - size / 2) * ny < 0.0).astype(np.float32)


@pytest.mark.parametrize("edge_deg", [0.0, 30.0, 100.0, 225.0])
def test_a_ball_on_the_outline_has_its_way_to_the_body_across_it(edge_deg: float) -> None:
    person = half_plane_person(edge_deg)
    toward = _toward_body(person, _outline(person), 100.0, 100.0, 8.0)
    assert toward is not None
    inward = (-math.cos(math.radians(edge_deg)), -math.sin(math.radians(edge_deg)))
    assert math.hypot(*toward) == pytest.approx(1.0, abs=1e-9)
    assert math.degrees(math.acos(min(1.0, toward[0] * inward[0] + toward[1] * inward[1]))) < 1.0


@pytest.mark.parametrize("depth", [40.0, -40.0], ids=["inside", "outside"])
def test_a_ball_off_the_outline_has_no_way_to_the_body(depth: float) -> None:
    person = half_plane_person(30.0)
    inward = np.array([-math.cos(math.radians(30.0)), -math.sin(math.radians(30.0))])
    x, y = np.array([100.0, 100.0]) + depth * inward  # 5 radii into the person, or away from it
    assert _toward_body(person, _outline(person), float(x), float(y), 8.0) is None
    assert _toward_body(None, None, 100.0, 100.0, 8.0) is None  # no mask


def test_the_c7_skin_point_is_one_radius_towards_the_body() -> None:
    pose, verdict = side(1)
    r = DIAMETER / 2
    tragus = pose.xy[Landmark.RIGHT_EAR] + np.array([4.0, 3.0])
    c7_skin = tragus + np.array([-60.0, 60.0 * math.tan(math.radians(50.0))])
    toward = (0.6, -0.8)  # the back of the neck sloping: the skin ahead of and above the ball
    c7 = c7_skin - r * np.array(toward)
    markers = (Marker(x=float(tragus[0]), y=float(tragus[1]), diameter=DIAMETER, roundness=1.0),
               Marker(x=float(c7[0]), y=float(c7[1]), diameter=DIAMETER, roundness=1.0, toward_body=toward))
    (measured,) = marker_measurements(markers, verdict, BodyScale(H))
    assert measured.value == pytest.approx(50.0, abs=1e-9)
    assert dict((name, (x, y)) for name, x, y in measured.points)["c7"] == pytest.approx(tuple(c7_skin), abs=1e-9)


@pytest.mark.parametrize("on_outline", [("left", "right"), ("left",)], ids=["both", "left-only"])
def test_crest_balls_on_the_outline_stand_off_along_the_crest_line(on_outline: tuple[str, ...]) -> None:
    pose = front_pose(back=True, mask=whole_mask())
    verdict = Verdict(pose=pose, view="back")
    hips = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    r = DIAMETER / 2
    centres = {"left": hips + np.array([-120.0, -86.0]), "right": hips + np.array([120.0, -74.0])}  # from behind
    markers = tuple(Marker(x=float(x), y=float(y), diameter=DIAMETER, roundness=1.0,
                           toward_body=(1.0, 0.0) if name == "left" and name in on_outline else
                           (-1.0, 0.0) if name in on_outline else None)
                    for name, (x, y) in centres.items())
    along = (centres["right"] - centres["left"]) / np.hypot(*(centres["right"] - centres["left"]))
    skin = {"left": centres["left"] + (r * along if "left" in on_outline else 0.0),
            "right": centres["right"] - (r * along if "right" in on_outline else 0.0)}
    (measured,) = marker_measurements(markers, verdict, BodyScale(H, 170.0))
    rise = float(skin["right"][1] - skin["left"][1])
    assert rise < 12.0  # moved in along the line, the crests are closer together and their rise less
    assert measured.value == pytest.approx(rise * 170.0 / H, abs=1e-9)
    assert dict(measured.components)["pelvic_obliquity_deg"] == pytest.approx(
        math.degrees(math.atan2(rise, float(skin["right"][0] - skin["left"][0]))), abs=1e-9)
    points = {name: (x, y) for name, x, y in measured.points}
    assert points["left_pelvis"] == pytest.approx(tuple(skin["left"]), abs=1e-9)
    assert points["right_pelvis"] == pytest.approx(tuple(skin["right"]), abs=1e-9)


@pytest.mark.parametrize(("recorded", "height_cm"), [(52, 180.0), (None, 180.0), (None, None)],
                         ids=["exif", "no-exif", "no-exif-no-height"])
def test_the_camera_distance_from_the_focal_length_in_the_photos_exif_or_a_phones(
        tmp_path: Path, recorded: int | None, height_cm: float | None) -> None:
    from posture.io.loading import load_image

    exif = Image.Exif()
    if recorded is not None:
        exif.get_ifd(0x8769)[0xA405] = recorded  # FocalLengthIn35mmFilm, in the Exif IFD
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (300, 400), (120, 120, 120)).save(path, exif=exif)
    body_px = 250.0
    frame = Frame(head_top_y=60.0, floor_y=60.0 + body_px, head_top_method="mask", scale=BodyScale(body_px, height_cm))
    # photo_perspective reads only the photo and its frame.
    perspective = photo_perspective(load_image(path), frame)
    assert perspective is not None
    assert perspective.focal_source == ("EXIF" if recorded is not None else "assumed")
    # A 35 mm-equivalent focal length is on the scale of a 36 x 24 mm frame's diagonal: a 4:3 photo's long side
    # is 4/5 of it. A person H cm tall, h px tall in the picture, stands f_px H / h away.
    focal_px = (recorded or PHONE_FOCAL_35MM) / (0.8 * math.hypot(36.0, 24.0)) * 400.0
    assert perspective.distance_cm == pytest.approx(focal_px * (height_cm or 170.0) / body_px, rel=1e-3)
    assert (perspective.centre_x, perspective.centre_y) == (150.0, 200.0)


# ------------------------------------------------------------------ measure_markers: the photo's markers, levelled


def _marked_side_photo(tilt: float = 12.0) -> tuple[LoadedImage, Verdict, Frame]:
    """A side photo with ASIS and PSIS markers for a pelvis tilted ``tilt`` degrees, its verdict and its frame."""
    pose, verdict = side(1)
    hip = pose.xy[side_landmark("right", "HIP")]
    dx, dy = 70.0 * math.cos(math.radians(tilt)), 70.0 * math.sin(math.radians(tilt))
    rgb = photo([(hip[0] + dx, hip[1] - 60.0 + dy), (hip[0] - dx, hip[1] - 60.0 - dy)])
    image = dataclasses.replace(analysis_image("marked.png", sha="cd" * 32), rgb=rgb)
    frame = Frame(head_top_y=50.0, floor_y=50.0 + H, head_top_method="mask", scale=BodyScale(H))
    return image, verdict, frame


def test_the_markers_of_a_photo_are_measured_and_said() -> None:
    image, verdict, frame = _marked_side_photo()
    reading = measure_markers(image, verdict, frame)
    perspective = photo_perspective(image, frame)
    assert perspective is not None
    # The markers stand off the mid-plane towards the camera: undone, they tilt the pelvis further than 12°.
    expected = marker_measurements(find_markers(image.rgb, 1.0, verdict.pose, H), verdict, BodyScale(H), perspective)  # type: ignore[arg-type]
    assert reading.measurements == expected and expected[0].id == "pelvic_tilt" and expected[0].value > 12.5
    assert reading.note == (
        "Skin markers (green): 2 found (ASIS, PSIS); pelvic_tilt from ASIS and PSIS. Parallax undone for markers off "
        "the body's "
        f"mid-plane: camera about {perspective.distance_cm / 100.0:.1f} m away (no focal length in the photo, a "
        f"phone's main camera ({PHONE_FOCAL_35MM:g} mm equivalent) assumed).")


def test_markers_in_a_rolled_photo_are_turned_with_the_person() -> None:
    """Levelled by 5°: markers, person and picture centre turn together, so the tilt is 5° less than unlevelled."""
    image, verdict, frame = _marked_side_photo()
    (level,) = measure_markers(image, verdict, frame).measurements
    rolled = dataclasses.replace(frame, levelling=choose_levelling(user_roll=5.0))
    (tilt,) = measure_markers(image, verdict, rolled).measurements
    assert tilt.value == pytest.approx(level.value - 5.0, abs=0.05)


def test_a_photo_without_markers_is_refused_in_words_and_a_refused_person_carries_none() -> None:
    image, verdict, frame = _marked_side_photo()
    blank = dataclasses.replace(image, rgb=np.full_like(image.rgb, 120))
    with pytest.raises(MarkersUnusable) as caught:
        measure_markers(blank, verdict, frame, colour="green")
    assert str(caught.value) == (
        "No pair of green skin markers was found where markers belong (0 round green marks on the person); put them "
        "on ASIS and PSIS (and tragus and C7) for a side photo or on both PSIS or both iliac crests for a back photo, "
        "or leave out --markers.")
    with pytest.raises(ValueError, match="only an accepted verdict's person"):
        measure_markers(image, dataclasses.replace(verdict, problem="no person"), frame)


def test_a_direction_is_turned_into_the_levelled_frame() -> None:
    assert _turned(None, 10.0) is None
    x, y = _turned((1.0, 0.0), 90.0)  # type: ignore[misc]
    assert (x, y) == (pytest.approx(0.0, abs=1e-12), pytest.approx(-1.0))


def test_side_markers_give_both_measures_with_their_method_and_points() -> None:
    pose, verdict = side(1)
    hip, ear = pose.xy[Landmark.RIGHT_HIP], pose.xy[Landmark.RIGHT_EAR]
    asis, psis = (hip[0] + 70.0, hip[1] - 60.0), (hip[0] - 70.0, hip[1] - 60.0)
    tragus = (ear[0] + 4.0, ear[1] + 3.0)
    c7 = (tragus[0] - 60.0 - DIAMETER / 2, tragus[1] + 70.0)
    tilt, head = marker_measurements(find_markers(photo([asis, psis, tragus, c7]), 1.0, pose, H), verdict,
                                     BodyScale(H))
    assert (tilt.id, tilt.unit, tilt.method, tilt.landmarks) == (
        "pelvic_tilt", DEG, "From skin markers: the angle of the PSIS → ASIS marker line below horizontal.",
        ("marker_asis", "marker_psis"))
    assert [name for name, _, _ in tilt.points] == ["asis", "psis"]
    np.testing.assert_allclose([xy for _, *xy in tilt.points], [asis, psis], atol=0.3)
    assert (head.id, head.unit, head.method, head.landmarks) == (
        "head_forward_angle", DEG,
        "From skin markers: the craniovertebral angle, the C7 → tragus marker line above horizontal.",
        ("marker_tragus", "marker_c7"))
    assert [name for name, _, _ in head.points] == ["tragus", "c7"]
    # No outline in the whole-picture mask: the C7 skin point is one radius forwards of its ball.
    np.testing.assert_allclose([xy for _, *xy in head.points], [tragus, (c7[0] + DIAMETER / 2, c7[1])], atol=0.5)


def test_crest_markers_give_the_hip_height_with_its_method_and_points() -> None:
    pose = front_pose(mask=whole_mask())
    verdict = Verdict(pose=pose, view="front")
    hips = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    left, right = (hips[0] + 120.0, hips[1] - 86.0), (hips[0] - 120.0, hips[1] - 74.0)
    (measured,) = marker_measurements(find_markers(photo([left, right]), 1.0, pose, H), verdict, BodyScale(H))
    obliquity = math.degrees(math.atan2(12.0, 240.0))
    assert (measured.unit, measured.landmarks) == (BodyScale(H).unit, ("marker_left_pelvis", "marker_right_pelvis"))
    assert measured.method == ("From skin markers on both sides of the pelvis: the left one's height above the right "
                               f"one's (pelvic obliquity {obliquity:+.1f} deg).")
    assert [name for name, _, _ in measured.points] == ["left_pelvis", "right_pelvis"]
    np.testing.assert_allclose([xy for _, *xy in measured.points], [left, right], atol=0.3)


def test_a_refused_person_gives_no_marker_measures() -> None:
    pose, verdict = side(1)
    hip = pose.xy[Landmark.RIGHT_HIP]
    markers = find_markers(photo([(hip[0] + 70.0, hip[1] - 60.0), (hip[0] - 70.0, hip[1] - 60.0)]), 1.0, pose, H)
    assert marker_measurements(markers, dataclasses.replace(verdict, problem="refused"), BodyScale(H)) == ()
# --- Renders marked as a practitioner often marks: more points than the measures need ---

MARKED_RENDERS = Path(__file__).resolve().parents[2] / "data" / "markers"
"""Two renders of bench/synthetic/make_set.py --fuller-markers (held-out bodies), with their truth."""


def read_render(name: str) -> tuple[Path, dict]:
    import json

    return MARKED_RENDERS / f"{name}.png", json.loads((MARKED_RENDERS / f"{name}.json").read_text())


def test_a_back_render_with_both_psis_and_both_crests_reads_hip_height_from_the_crests(analyzer: Analyzer) -> None:
    path, truth = read_render("man_tall_lean_back_pelvic-drop+4_markers")
    analysis = analyzer.analyze(path, markers="green", height_cm=truth["person"]["height_cm"], uncertainty=False)
    assert analysis.ok
    measured = {m.id: m for m in analysis.measurements}["hip_height_difference"]
    assert measured.method.startswith("From skin markers on both iliac crests")
    crest_rise = 100.0 * (truth["world_m"]["iliac_crest_left_skin"][2] - truth["world_m"]["iliac_crest_right_skin"][2])
    assert measured.value == pytest.approx(crest_rise, abs=0.3)  # the marker target for hip height
    assert any("4 found (both PSIS, both iliac crests)" in w and "2 PSIS markers were recognised and not used"
               in w for w in analysis.warnings)


def test_a_side_render_with_asis_crest_and_psis_reads_the_tilt_from_asis_and_psis(analyzer: Analyzer) -> None:
    path, truth = read_render("woman_heavy_older_side-left_pelvic-tilt+10_markers")
    analysis = analyzer.analyze(path, markers="green", height_cm=truth["person"]["height_cm"], uncertainty=False)
    assert analysis.ok
    measured = {m.id: m.value for m in analysis.measurements if m.method.startswith("From skin markers")}
    assert measured["pelvic_tilt"] == pytest.approx(truth["measures"]["pelvic_tilt_left_skin_deg"], abs=1.5)
    assert measured["head_forward_angle"] == pytest.approx(truth["measures"]["craniovertebral_angle_left_deg"],
                                                           abs=1.5)
    assert any("1 iliac-crest marker was recognised and not used" in w for w in analysis.warnings)

"""Tests for posture.stages.lines: the camera roll from the background's upright and level lines."""

from __future__ import annotations

import dataclasses
import math
import os
import threading

import cv2
import numpy as np
import pytest
from builders import analysis_image, side_pose

from posture.core.image import LoadedImage
from posture.stages.level import choose_levelling
from posture.stages.lines import (
    PLAUSIBLE_LEAN_DEG_PER_HEIGHT,
    LineEstimate,
    _line_searcher,
    _yield_to_the_landmarker,
    background_lines,
    consensus,
    converging_bias,
    line_segments,
    needs_line_search,
    person_mask,
    roll_from_lines,
    roll_from_segments,
    search_lines,
    start_line_search,
)

# --------------------------------------------------------------------------
# Background lines
# --------------------------------------------------------------------------

ROWS, COLS = 1280, 720


def _room(lean_deg: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A wall with a door frame and a wall corner, a shelf, and a 'person' whose edges lean 8° the other way.

    ``lean_deg`` turns the picture's content clockwise, as a camera rolled by
    ``lean_deg`` would: the answer the line search must find.
    """
    wall = np.full((ROWS, COLS), 200, np.uint8)
    cv2.rectangle(wall, (40, 250), (170, 1100), 90, 12)  # door frame
    cv2.line(wall, (640, 0), (640, 1100), 150, 3)  # wall corner
    cv2.rectangle(wall, (520, 500), (600, 800), 120, -1)  # shelf unit
    cv2.rectangle(wall, (0, 1100), (COLS, ROWS), 140, -1)  # floor
    person = np.zeros((ROWS, COLS), np.uint8)
    cv2.fillConvexPoly(person, np.array([[330, 200], [430, 200], [560, 1150], [460, 1150]], np.int32), 1)
    wall[person > 0] = 40
    matrix = cv2.getRotationMatrix2D((COLS / 2, ROWS / 2), -lean_deg, 1.0)  # OpenCV: + is counter-clockwise
    turned = cv2.warpAffine(wall, matrix, (COLS, ROWS), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    mask = cv2.warpAffine(person, matrix, (COLS, ROWS), flags=cv2.INTER_NEAREST) > 0
    return turned, mask


@pytest.mark.parametrize("lean", [-4.0, -1.5, 0.0, 2.0, 5.0])
def test_roll_from_door_frame_and_wall_corner(lean: float) -> None:
    gray, person = _room(lean)
    estimate = roll_from_lines(gray, person)
    assert estimate.roll == pytest.approx(lean, abs=0.2)
    assert estimate.segments >= 2 and estimate.spread < 0.5


def test_the_person_is_kept_out_of_the_line_search() -> None:
    gray, person = _room(2.0)
    # Without the mask, the person's leaning edges and limbs are taken for verticals.
    blind = roll_from_lines(gray, None)
    seen = roll_from_lines(gray, person)
    assert seen.roll == pytest.approx(2.0, abs=0.2)
    assert blind.segments > seen.segments


def test_a_plain_wall_gives_no_roll() -> None:
    gray = np.full((ROWS, COLS), 200, np.uint8)
    cv2.line(gray, (300, 100), (300, 260), 60, 3)  # one short stripe is not a vertical to trust
    estimate = roll_from_lines(gray)
    assert estimate.roll is None
    assert choose_levelling(lines=estimate).source == "none"


def test_disagreeing_lines_give_no_roll() -> None:
    gray = np.full((ROWS, COLS), 200, np.uint8)
    # Two equally strong families of lines 5° apart: neither may be taken for the vertical.
    for x, lean in ((100, -2.5), (300, 2.5), (500, -2.5), (650, 2.5)):
        dx = math.tan(math.radians(lean)) * 1000
        cv2.line(gray, (round(x - dx / 2), 1100), (round(x + dx / 2), 100), 60, 3)
    assert roll_from_lines(gray).roll is None


def test_lines_converging_from_a_pitched_camera_give_no_roll() -> None:
    # A camera pitched down: true verticals lean by 10° per image height of distance from the centre line. Four
    # on the right agree with one another (their mean leans 2°, the camera is level); two on the left show the
    # lean growing across the picture.
    gray = np.full((ROWS, COLS), 200, np.uint8)
    for x in (100, 180, 560, 600, 640, 680):
        lean = math.radians(10.0 * (x - COLS / 2) / ROWS)
        dx = math.tan(lean) * 400
        cv2.line(gray, (round(x - dx / 2), 900), (round(x + dx / 2), 500), 60, 3)
    right_only = gray.copy()
    right_only[:, :300] = 200
    estimate = roll_from_lines(gray)
    assert estimate.roll is None and estimate.segments >= 4
    # The right four alone cannot show that they converge, and lie too far right to rule it out.
    assert roll_from_lines(right_only).roll is None
    # A floor's edge square to the camera stays level under a pitch: it contradicts them rather than confirms.
    cv2.line(right_only, (0, 1100), (COLS, 1100), 60, 3)
    assert roll_from_lines(right_only).roll is None
    # The same lines on a wall seen by a level camera rolled 2°: then the floor's edge agrees, and confirms them.
    rolled = np.full((ROWS, COLS), 200, np.uint8)
    for x in (560, 600, 640, 680):
        dx = math.tan(math.radians(2.0)) * 400
        cv2.line(rolled, (round(x - dx / 2), 900), (round(x + dx / 2), 500), 60, 3)
    drop = math.tan(math.radians(2.0)) * COLS
    cv2.line(rolled, (0, round(1100 - drop / 2)), (COLS, round(1100 + drop / 2)), 60, 3)
    assert roll_from_lines(rolled).roll == pytest.approx(2.0, abs=0.2)


def _cropped_room(lean_deg: float, *, floor_slope_deg: float = 0.0, door: bool = True, floor: bool = True,
                  shelf: bool = True, door_at_edge: bool = False) -> np.ndarray:
    """What is left of a room once a crop has cut most of the door frame away: short stretches of two upright
    edges, the floor's edge across the picture (``floor_slope_deg`` turns it alone, as perspective turns level
    lines of a wall not square to the camera), and a shelf; all turned by ``lean_deg`` as in :func:`_room`."""
    wall = np.full((ROWS, COLS), 200, np.uint8)
    if door:
        left = -10 if door_at_edge else 40  # at the picture's edge only the post's inner edge is left
        cv2.rectangle(wall, (left, 700), (100, 1000), 90, -1)  # a door post's lowest 300 px: two upright edges
    if floor:
        drop = math.tan(math.radians(floor_slope_deg)) * COLS
        cv2.fillPoly(wall, [np.array([[0, 1100], [COLS, round(1100 + drop)], [COLS, ROWS], [0, ROWS]], np.int32)], 140)
    if shelf:
        cv2.rectangle(wall, (400, 500), (700, 520), 120, -1)  # a shelf board
    matrix = cv2.getRotationMatrix2D((COLS / 2, ROWS / 2), -lean_deg, 1.0)
    return cv2.warpAffine(wall, matrix, (COLS, ROWS), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("lean", [-3.0, 2.0, 4.5])
def test_level_lines_that_agree_make_up_for_a_short_upright_one(lean: float) -> None:
    estimate = roll_from_lines(_cropped_room(lean))
    assert estimate.roll == pytest.approx(lean, abs=0.2)
    assert estimate.segments == 2 and estimate.level_segments >= 2
    assert "confirmed by" in choose_levelling(lines=estimate).note
    # The door alone is too short to trust.
    assert roll_from_lines(_cropped_room(lean, floor=False, shelf=False)).roll is None


def test_level_lines_confirm_but_do_not_move_the_roll() -> None:
    # The floor's edge turned 0.4° by perspective: still confirming (within 0.5°), but the roll is the door's.
    door_only = roll_from_lines(_cropped_room(2.0, floor=False, shelf=False))
    assert door_only.roll is None and door_only.segments == 2
    confirmed = roll_from_lines(_cropped_room(2.0, floor_slope_deg=0.4, shelf=False))
    assert confirmed.roll == pytest.approx(2.0, abs=0.02)


def test_level_lines_alone_or_disagreeing_give_no_roll() -> None:
    assert roll_from_lines(_cropped_room(2.0, door=False)).roll is None
    # One upright edge is not enough, however many level lines confirm it: one stripe is no vertical to trust.
    assert roll_from_lines(_cropped_room(2.0, door_at_edge=True)).roll is None
    # The floor's edge turned 1° from the door's (perspective, not roll, may have turned it), and nothing else
    # level to outvote it: the level family is clear on its own but does not agree with the upright one.
    assert roll_from_lines(_cropped_room(2.0, floor_slope_deg=1.0, shelf=False)).roll is None


def test_the_gray_image_is_checked() -> None:
    with pytest.raises(ValueError, match="uint8"):
        roll_from_lines(np.zeros((10, 10), np.float32))


# --------------------------------------------------------------------------
# The limits, on segments placed by hand (a picture of 1000 x 1000 pixels)
# --------------------------------------------------------------------------

SIDE = 1000


def _upright(x: float, roll: float, length: float, bottom: float = 900.0) -> list[float]:
    """A segment rising from (x, bottom), its top leaning ``roll`` degrees clockwise: x0, y0, x1, y1."""
    lean = math.radians(roll)
    return [x, bottom, x + length * math.sin(lean), bottom - length * math.cos(lean)]


def _level(y: float, roll: float, length: float, left: float = 100.0) -> list[float]:
    """A segment running right from (left, y), turned ``roll`` degrees clockwise (its right end lower)."""
    turn = math.radians(roll)
    return [left, y, left + length * math.cos(turn), y + length * math.sin(turn)]


# The limits are written out, not imported: a test reading the constant would move with a mistaken one.
@pytest.mark.parametrize(("apart", "confirmed"), [(0.49, True), (0.51, False)], ids=["inside", "outside"])
def test_level_lines_confirm_upright_ones_only_within_the_agreement_limit(apart: float, confirmed: bool) -> None:
    """Two upright segments too short alone (0.3 image heights) and two level ones ``apart`` degrees from them:
    the families must agree within 0.5°."""
    segments = np.array([_upright(400.0, 2.0, 150.0), _upright(600.0, 2.0, 150.0),
                         _level(200.0, 2.0 + apart, 300.0), _level(300.0, 2.0 + apart, 300.0, left=500.0)])
    estimate = roll_from_segments(segments, (SIDE, SIDE))
    assert estimate.segments == 2 and estimate.spread == pytest.approx(0.0, abs=1e-9)
    if confirmed:
        assert estimate.roll == pytest.approx(2.0, abs=1e-6) and estimate.level_segments == 2
        assert estimate.support == pytest.approx(0.9)  # the upright lines' 0.3 image heights and the level ones' 0.6
    else:
        assert estimate.roll is None and estimate.support == pytest.approx(0.3)


def test_upright_and_level_lines_together_need_six_tenths_of_the_height() -> None:
    """Exactly 0.6: two upright segments of 0.15 and two level ones of 0.15 image heights (a level camera, so the
    lengths and their sum are exact)."""
    segments = np.array([_upright(400.0, 0.0, 150.0), _upright(600.0, 0.0, 150.0),
                         _level(200.0, 0.0, 150.0), _level(300.0, 0.0, 150.0, left=500.0)])
    estimate = roll_from_segments(segments, (SIDE, SIDE))
    assert estimate.support == 0.6 and estimate.roll == 0.0


@pytest.mark.parametrize(("spread", "levelled"), [(0.99, True), (1.01, False)], ids=["inside", "outside"])
def test_upright_lines_give_the_roll_only_within_the_spread_limit(spread: float, levelled: bool) -> None:
    """Three long upright segments leaning -s, 0 and +s degrees (equal lengths, so their spread is s √(2/3)): they
    must spread no more than 1°."""
    lean = spread / math.sqrt(2.0 / 3.0)
    segments = np.array([_upright(300.0, -lean, 400.0), _upright(500.0, 0.0, 400.0), _upright(700.0, lean, 400.0)])
    estimate = roll_from_segments(segments, (SIDE, SIDE))
    assert estimate.spread == pytest.approx(spread)
    assert (estimate.roll is not None) is levelled


# --------------------------------------------------------------------------
# The search itself: its size, when it runs, its thread, the person's mask
# --------------------------------------------------------------------------


def _image(gray: np.ndarray, gravity: tuple[float, float, float] | None = None) -> LoadedImage:
    photo = analysis_image("p.jpg", sha="ab" * 32)
    rgb = np.repeat(gray[..., None], 3, axis=2)
    return dataclasses.replace(photo, rgb=rgb, width=gray.shape[1], height=gray.shape[0],
                               origin=dataclasses.replace(photo.origin, gravity=gravity))


def test_the_lines_are_searched_with_the_long_side_shrunk_to_480_pixels() -> None:
    gray, _ = _room(2.0)  # 1280 x 720
    search = search_lines(_image(gray))
    assert search.shape == (480, 270)
    shrunk = cv2.resize(gray, (270, 480), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(search.segments, line_segments(shrunk))
    assert roll_from_segments(search.segments, search.shape).roll == pytest.approx(2.0, abs=0.3)
    small = gray[::4, ::4].copy()  # 320 x 180: searched as it is
    assert search_lines(_image(small)).shape == (320, 180)
    np.testing.assert_array_equal(search_lines(_image(small)).segments, line_segments(small))


@pytest.mark.parametrize(("roll", "level", "gravity", "needed"), [
    (None, True, None, True), (1.0, True, None, False), (None, False, None, False),
    (None, True, (0.0, -1.0, 0.0), False)], ids=["lines", "user-roll", "not-levelled", "gravity"])
def test_the_lines_are_searched_only_when_levelling_will_need_them(roll: float | None, level: bool,
                                                                     gravity: tuple[float, float, float] | None,
                                                                     needed: bool) -> None:
    image = _image(np.full((64, 48), 200, np.uint8), gravity)
    assert needs_line_search(image, roll=roll, level=level) is needed
    started = start_line_search(image, roll=roll, level=level)
    assert (started is not None) is needed
    if started is not None:
        found = started.result(timeout=30)
        assert found.shape == (64, 48) and found.segments.shape == (0, 4)


def test_the_search_thread_yields_to_the_landmarker() -> None:
    """Its thread runs 10 steps nicer than it was (at most 19); checked from a thread set to niceness 0 first."""
    seen: list[int] = []

    def run() -> None:
        thread = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, thread, 0)
        except OSError:
            return
        _yield_to_the_landmarker()
        seen.append(os.getpriority(os.PRIO_PROCESS, thread))
        os.setpriority(os.PRIO_PROCESS, thread, 15)
        _yield_to_the_landmarker()
        seen.append(os.getpriority(os.PRIO_PROCESS, thread))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if not seen:
        pytest.skip("this process may not lower a thread's niceness to 0, so the change cannot be seen")
    assert seen == [10, 19]


def test_the_persons_mask_is_read_at_the_searchs_size() -> None:
    pose = side_pose()
    assert person_mask(pose, (10, 10)) is None
    mask = np.zeros((20, 40), np.float32)
    mask[:, 10:20] = 0.9
    mask[:, 20:22] = 0.5  # not above the threshold
    with_mask = dataclasses.replace(pose, mask=mask)
    same = person_mask(with_mask, (20, 40))
    assert same is not None and same.dtype == bool and same[:, 10:20].all() and not same[:, 20:].any()
    half = person_mask(with_mask, (10, 20))
    assert half is not None and half.shape == (10, 20) and half[:, 5:10].all() and not half[:, 11:].any()


# --------------------------------------------------------------------------
# The family consensus, the converging lines, and which segments count, on numbers given directly
# --------------------------------------------------------------------------


def test_a_familys_consensus_is_its_length_weighted_inliers() -> None:
    """Median 0.5 (by length); 2.0 lies exactly INLIER_DEG (1.5°) from it and counts, 3.0 does not."""
    found = consensus(np.array([0.0, 0.5, 2.0, 3.0]), np.array([100.0, 300.0, 100.0, 50.0]), 1000)
    assert found is not None
    assert (found.count, found.perspective, found.perspective_seen) == (3, 0.0, True)
    assert found.roll == pytest.approx((0.0 * 100 + 0.5 * 300 + 2.0 * 100) / 500)
    assert found.spread == pytest.approx(math.sqrt((100 * 0.7**2 + 300 * 0.2**2 + 100 * 1.3**2) / 500))
    assert found.support == pytest.approx(0.5) and found.agreement == pytest.approx(500 / 550)
    assert consensus(np.zeros(0), np.zeros(0), 1000) is None


def _fit_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    mean_x, mean_y = np.average(x, weights=w), np.average(y, weights=w)
    return float(np.sum(w * (x - mean_x) * (y - mean_y)) / np.sum(w * (x - mean_x) ** 2))


def test_converging_lines_move_the_roll_by_their_slope_times_where_the_inliers_stand() -> None:
    across = np.array([-0.3, -0.1, 0.0, 0.2, 0.4, 0.1])
    angles = np.array([0.4, 0.8, 1.5, 1.4, 1.8, 9.0])  # the last is beyond the 6° band about the centre, 1.0
    lengths = np.array([100.0, 200.0, 400.0, 100.0, 300.0, 500.0])
    inliers = np.array([True, True, True, True, False, False])
    bias, seen = converging_bias(angles, lengths, across, 1.0, inliers)
    place = np.average(across[:4], weights=lengths[:4])
    assert seen and bias == pytest.approx(_fit_slope(across[:5], angles[:5], lengths[:5]) * place)


@pytest.mark.parametrize(("across", "seen"), [([0.0, 0.0, 0.2, 0.2], True), ([0.0, 0.0, 0.1, 0.1], False),
                                              ([0.0, 0.15, 0.3], True)],
                         ids=["spread-exactly-0.1", "spread-0.05", "three-segments"])
def test_the_lean_is_read_from_segments_spread_at_least_a_tenth_of_the_height_across(across: list[float],
                                                                                    seen: bool) -> None:
    x = np.array(across)
    angles = 1.0 + 2.0 * x
    lengths = np.full(x.size, 100.0)
    bias, read = converging_bias(angles, lengths, x, 1.0, np.ones(x.size, bool))
    place = float(np.mean(x))
    assert read is seen
    assert bias == pytest.approx(2.0 * place if seen else PLAUSIBLE_LEAN_DEG_PER_HEIGHT * place)


def test_the_support_is_in_picture_heights_and_no_upright_line_gives_nothing() -> None:
    segments = np.array([[100.0, 900.0, 100.0, 500.0], [300.0, 900.0, 300.0, 600.0]])
    assert roll_from_segments(segments, (1000, 400)).support == pytest.approx(0.7)
    assert roll_from_segments(np.zeros((0, 4)), (1000, 400)) == LineEstimate(None, 0, 0.0, 0.0)
    assert line_segments(np.full((50, 60), 128, np.uint8)).shape == (0, 4)


def test_which_segments_count_and_their_rolls() -> None:
    rows = 1000
    segments = np.array([
        [100.0, 500.0, 100.0, 440.0],  # upright, exactly 6% of the height: counts
        [150.0, 500.0, 150.0, 441.0],  # 59 px: too short
        [200.0, 440.0, 200.0, 500.0],  # the first one drawn the other way: the same roll
        [300.0, 500.0, 400.0, 510.0],  # level, its right end lower: +5.7°
    ])
    angles, lengths, upright, across = background_lines(segments, (rows, 800))
    assert upright.tolist() == [True, True, False] and lengths[0] == 60.0
    assert angles[:2].tolist() == [0.0, 0.0] and angles[2] == pytest.approx(math.degrees(math.atan2(10, 100)))
    assert across.tolist() == pytest.approx([(100 - 400) / 1000, (200 - 400) / 1000, (350 - 400) / 1000])
    empty = background_lines(np.zeros((0, 4)), (rows, 800))
    assert [a.size for a in empty] == [0, 0, 0, 0] and empty[2].dtype == bool
    with pytest.raises(ValueError, match=r"^person must have the image's shape \(1000, 800\), got \(10, 10\)$"):
        background_lines(segments, (rows, 800), np.zeros((10, 10), bool))


@pytest.mark.parametrize(("offset", "kept"), [(30, False), (31, True)])
def test_segments_within_three_percent_of_the_height_of_the_person_are_dropped(offset: int, kept: bool) -> None:
    """A one-pixel person at (500, 500), grown by 30 px: an upright and a level segment passing 30 px from it are
    dropped, 31 px from it kept."""
    person = np.zeros((1000, 1000), bool)
    person[500, 500] = True
    upright = np.array([[500.0 + offset, 600.0, 500.0 + offset, 400.0]])
    level = np.array([[400.0, 500.0 + offset, 600.0, 500.0 + offset]])
    for segment in (upright, level):
        assert (background_lines(segment, (1000, 1000), person)[0].size == 1) is kept


def test_a_segment_running_off_the_picture_is_sampled_inside_it() -> None:
    """Its samples beyond the edge are read at the edge, not wrapped round to the other side (where the person is)."""
    person = np.zeros((1000, 1000), bool)
    person[:, 990:] = True
    person[990:, :] = True
    off_left = np.array([[-20.0, 300.0, -20.0, 100.0], [-50.0, 200.0, 150.0, 200.0]])
    assert background_lines(off_left, (1000, 1000), person)[0].size == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_search_started_in_a_forked_child_runs() -> None:
    """A child forked after the search's thread started inherits the pool without its thread: it must get its own."""
    image = _image(np.full((64, 48), 200, np.uint8), None)
    start_line_search(image).result(timeout=30)  # the parent's thread is running now
    child = os.fork()
    if child == 0:  # the child: exit 0 only if its own search completes
        try:
            start_line_search(image).result(timeout=20)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0

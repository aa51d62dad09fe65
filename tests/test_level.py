"""Levelling: roll from gravity and from background lines, and turning a person into the levelled frame."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import side_pose
from PIL import Image

from posture.io.exif import (
    ACCELERATION_VECTOR_TAG,
    CAMERA_TYPE_TAG,
    gravity_from_maker_note,
    parse_apple_maker_note,
)
from posture.io.loading import load_image
from posture.stages.level import (
    NOT_LEVELLED,
    choose_levelling,
    find_levelling,
    level_points,
    level_pose,
    roll_from_gravity,
)
from posture.stages.lines import roll_from_lines

# --------------------------------------------------------------------------
# Gravity
# --------------------------------------------------------------------------


def _gravity(roll_deg: float, quarter_turns: int = 0, pitch_deg: float = 0.0) -> tuple[float, float, float]:
    """What an iPhone records for a camera rolled by ``roll_deg`` (GROUND_TRUTH sign), in ExifTool's axes.

    Upright in portrait the phone feels (0, -1, 0). Turning the phone
    counter-clockwise by r (a positive roll) leans true up clockwise on the
    screen: screen-up-of-sky = (sin r, -cos r) in (right, down), and the
    stored vector is (-right, down) = (-sin r, -cos r). A landscape hold adds
    quarter turns, and pitching the phone moves part of the vector into Z.
    """
    angle = math.radians(roll_deg + 90.0 * quarter_turns)
    in_plane = math.cos(math.radians(pitch_deg))
    return (-math.sin(angle) * in_plane, -math.cos(angle) * in_plane, math.sin(math.radians(pitch_deg)))


@pytest.mark.parametrize("roll", [-7.0, -2.5, 0.0, 0.3, 4.0])
@pytest.mark.parametrize("quarter_turns", [0, 1, -1, 2])
def test_roll_from_gravity_in_any_hold(roll: float, quarter_turns: int) -> None:
    # The saved picture is turned upright by whole quarter turns, so only the remainder is roll.
    assert roll_from_gravity(_gravity(roll, quarter_turns)) == pytest.approx(roll, abs=1e-9)


def test_roll_from_gravity_ignores_pitch() -> None:
    assert roll_from_gravity(_gravity(3.0, pitch_deg=40.0)) == pytest.approx(3.0, abs=1e-9)


def test_a_phone_pointing_at_the_floor_has_no_roll() -> None:
    assert roll_from_gravity((0.05, -0.1, 0.99)) is None
    assert roll_from_gravity((math.nan, -1.0, 0.0)) is None


def test_a_phone_turned_counter_clockwise_gives_a_positive_roll() -> None:
    # Turned counter-clockwise, the phone's left edge drops: gravity pulls towards the left-bottom corner,
    # so the felt vector (opposite) points to the right-top: X (towards the left) negative.
    assert roll_from_gravity((-0.05, -0.99, 0.0)) == pytest.approx(math.degrees(math.atan2(0.05, 0.99)))


def _maker_note(vector: tuple[float, float, float] | None, *, order: str = ">",
                camera_type: int | None = None) -> bytes:
    """An Apple iOS maker note as ExifTool reads it: header, byte order, one directory, rational values after it."""
    entries: list[tuple[int, int, int, bytes]] = []
    values = b""
    count = (vector is not None) + (camera_type is not None)
    values_at = 14 + 2 + 12 * count + 4
    if vector is not None:
        rationals = b"".join(struct.pack(order + "ii", round(v * 1_000_000), 1_000_000) for v in vector)
        entries.append((ACCELERATION_VECTOR_TAG, 10, 3, struct.pack(order + "I", values_at)))
        values += rationals
    if camera_type is not None:
        entries.append((CAMERA_TYPE_TAG, 9, 1, struct.pack(order + "i", camera_type)))
    directory = struct.pack(order + "H", len(entries)) + b"".join(
        struct.pack(order + "HHI", tag, kind, number) + inline for tag, kind, number, inline in entries)
    mark = b"MM" if order == ">" else b"II"
    return b"Apple iOS\x00" + b"\x00\x01" + mark + directory + b"\x00\x00\x00\x00" + values


@pytest.mark.parametrize("order", [">", "<"])
def test_the_maker_note_parser_reads_a_constructed_note(order: str) -> None:
    vector = (-0.052336, -0.998630, 0.1)
    entries = parse_apple_maker_note(_maker_note(vector, order=order, camera_type=1))
    assert entries[ACCELERATION_VECTOR_TAG] == pytest.approx(vector, abs=1e-6)
    assert entries[CAMERA_TYPE_TAG] == 1


@pytest.mark.parametrize("data", [b"", b"Nikon\x00" + bytes(40), b"Apple iOS\x00\x00\x01XX" + bytes(20),
                                  _maker_note(None), _maker_note((0.0, -1.0, 0.0))[:30]])
def test_anything_else_gives_no_gravity(data: bytes) -> None:
    assert gravity_from_maker_note(data) is None


def test_a_front_camera_picture_is_not_levelled_by_gravity() -> None:
    # Whether the selfie was stored mirrored is not recorded, and a mirror flips the roll's sign.
    assert gravity_from_maker_note(_maker_note((0.05, -0.99, 0.0), camera_type=6)) is None
    assert gravity_from_maker_note(_maker_note((0.05, -0.99, 0.0), camera_type=0)) is not None


def _jpeg_with_maker_note(note: bytes, path: Path) -> Path:
    exif = Image.Exif()
    exif[0x8769] = {0x927C: note}  # the Exif sub-directory holds the maker note
    Image.new("RGB", (64, 96), (120, 120, 120)).save(path, "JPEG", exif=exif.tobytes())
    return path


def test_a_photo_carrying_a_gravity_vector_is_levelled_by_it_exactly(tmp_path: Path) -> None:
    vector = _gravity(-3.25)
    image = load_image(_jpeg_with_maker_note(_maker_note(vector), tmp_path / "iphone.jpg"))
    assert image.origin.gravity == pytest.approx(vector, abs=1e-6)
    levelling = find_levelling(image, side_pose(facing=1))
    assert levelling.source == "gravity"
    assert levelling.camera_roll == pytest.approx(-3.25, abs=1e-4)
    # The user's roll wins, and --no-level wins over everything.
    assert find_levelling(image, side_pose(facing=1), roll=1.0).source == "user"
    assert find_levelling(image, side_pose(facing=1), roll=1.0, level=False) == NOT_LEVELLED


def test_a_photo_without_a_maker_note_has_no_gravity(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    Image.new("RGB", (64, 96)).save(path, "JPEG")
    assert load_image(path).origin.gravity is None


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
    assert choose_levelling(user_roll=-2.0, gravity=_gravity(3.0), lines=lines).camera_roll == -2.0
    assert choose_levelling(gravity=_gravity(3.0), lines=lines).source == "gravity"
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

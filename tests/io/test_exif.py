"""Tests for posture.io.exif: the gravity vector an iPhone stores in its Apple maker note, read from a photo."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from builders import phone_gravity, side_pose
from PIL import Image

from posture.io.exif import ACCELERATION_VECTOR_TAG, CAMERA_TYPE_TAG, gravity_from_maker_note, parse_apple_maker_note
from posture.io.loading import load_image
from posture.stages.level import NOT_LEVELLED, find_levelling


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
    vector = phone_gravity(-3.25)
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

"""What a photo's EXIF says: its orientation, capture time and, for an iPhone, the gravity vector in Apple's maker note."""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import PREFIXES

from posture.io.pillow import DECODE_ERRORS, pillow_guard

# Pillow strips this APP1 marker prefix, sometimes doubled by faulty writers, before the TIFF structure.
_EXIF_PREFIX = re.compile(rb"^(?:Exif\x00\x00){1,2}")
_UTC_OFFSET = re.compile(r"[+-](?:[01]\d|2[0-3]):[0-5]\d")
_EXIF_DAMAGED = ("The photo's EXIF block is damaged, so its orientation and capture time could not be read "
                 "and it is used as stored.")
_CAPTURE_TIME_DAMAGED = "The photo's EXIF block is damaged, so its capture time could not be read."


FOCAL_LENGTH_IN_35MM_FILM = 0xA405
"""EXIF's FocalLengthIn35mmFilm, in the Exif directory: phones record it with every photo."""
PLAUSIBLE_FOCAL_35MM = (8.0, 1000.0)


@dataclass(frozen=True, slots=True)
class ExifFacts:
    """What posture takes from a photo's EXIF, read once when the photo is loaded.

    Attributes:
        orientation: the EXIF orientation (1-8) to apply; 1 when none or unreadable.
        capture_time: ISO 8601 (see :class:`~posture.core.image.ImageOrigin`), or None.
        note: the sentence for the report when the EXIF block is damaged, or None.
        gravity: an iPhone rear camera's gravity vector from Apple's maker note, or None.
        focal_length_35mm: the 35 mm-equivalent focal length in mm, or None when not recorded or implausible.
    """

    orientation: int = 1
    capture_time: str | None = None
    note: str | None = None
    gravity: tuple[float, float, float] | None = None
    focal_length_35mm: float | None = None


def read_exif(image: Image.Image, exif_problems: list[str]) -> ExifFacts:
    """What the photo's EXIF says (:class:`ExifFacts`).

    Damage to the main directory, which holds the orientation and points to
    the Exif directory, leaves the photo as stored; damage only to the Exif
    directory loses just the capture time, the gravity vector and the focal length.
    """
    with pillow_guard(exif_problems):
        try:
            exif = image.getexif()
            orientation = exif.get(ExifTags.Base.Orientation, 1)
        except DECODE_ERRORS as error:
            exif_problems.append(str(error))
    if exif_problems or not _is_tiff_structure(image.info.get("exif")):
        return ExifFacts(note=_EXIF_DAMAGED)
    applied = orientation if orientation in ORIENTATION_TRANSPOSE else 1
    capture_problems: list[str] = []
    gravity = focal = None
    with pillow_guard(capture_problems):
        try:
            directory = exif.get_ifd(ExifTags.IFD.Exif)
            capture_time = _capture_time(directory)
            maker_note = directory.get(ExifTags.Base.MakerNote)
            if isinstance(maker_note, bytes):
                gravity = gravity_from_maker_note(maker_note)
            focal = _focal_length(directory.get(FOCAL_LENGTH_IN_35MM_FILM))
        except DECODE_ERRORS as error:
            capture_problems.append(str(error))
    if capture_problems:
        return ExifFacts(orientation=applied, note=_CAPTURE_TIME_DAMAGED)
    return ExifFacts(orientation=applied, capture_time=capture_time, gravity=gravity, focal_length_35mm=focal)


def _focal_length(value: object) -> float | None:
    """A recorded 35 mm-equivalent focal length in mm, or None when absent, unreadable or implausible."""
    try:
        focal = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    low, high = PLAUSIBLE_FOCAL_35MM
    return focal if low <= focal <= high else None


def _is_tiff_structure(raw: object) -> bool:
    """False for an EXIF block that is not a TIFF structure at all, which Pillow's JPEG opener drops silently."""
    if not isinstance(raw, bytes):
        return True
    body = _EXIF_PREFIX.sub(b"", raw)
    return not body or body[:4] in PREFIXES


def _capture_time(exif_directory: Mapping[int, object]) -> str | None:
    """ISO 8601 from DateTimeOriginal ("2026:01:10 09:15:02") and OffsetTimeOriginal ("+01:00")."""
    taken = exif_directory.get(ExifTags.Base.DateTimeOriginal)
    if not isinstance(taken, str):
        return None
    try:
        moment = datetime.strptime(taken.strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        # Cameras without a clock write blanks or zeros.
        return None
    offset = exif_directory.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str) and _UTC_OFFSET.fullmatch(offset.strip()):
        return moment.isoformat() + offset.strip()
    return moment.isoformat()
APPLE_MAKER_NOTE_PREFIX = b"Apple iOS\x00"
ACCELERATION_VECTOR_TAG = 0x0008
CAMERA_TYPE_TAG = 0x002E
FRONT_CAMERA = 6
"""Apple's CameraType for the front (selfie) camera; its pictures may be stored mirrored, which flips the roll."""


def parse_apple_maker_note(data: bytes) -> dict[int, tuple[float, ...] | int]:
    """The numeric entries of an Apple iOS maker note that posture uses.

    Layout (as ExifTool and Exiv2 read it): the text ``"Apple iOS\\0"``, a
    two-byte version, the byte order mark ``"MM"`` or ``"II"``, then a TIFF
    directory at byte 14 whose value offsets count from the start of the
    maker note.

    Args:
        data: the MakerNote tag's bytes (EXIF tag 0x927C).

    Returns:
        ``{0x0008: (X, Y, Z)}`` for AccelerationVector (three signed
        rationals) and ``{0x002E: n}`` for CameraType, when present and
        well formed; an empty dict for anything that is not an Apple maker note.
    """
    if not data.startswith(APPLE_MAKER_NOTE_PREFIX) or len(data) < 16:
        return {}
    order = {b"MM": ">", b"II": "<"}.get(data[12:14])
    if order is None:
        return {}
    count_at = 14
    if len(data) < count_at + 2:
        return {}
    (count,) = struct.unpack_from(order + "H", data, count_at)
    found: dict[int, tuple[float, ...] | int] = {}
    for index in range(count):
        entry = count_at + 2 + 12 * index
        if entry + 12 > len(data):
            break
        tag, kind, number = struct.unpack_from(order + "HHI", data, entry)
        if tag == ACCELERATION_VECTOR_TAG and kind == 10 and number == 3:  # 10 = SRATIONAL
            (offset,) = struct.unpack_from(order + "I", data, entry + 8)
            if offset + 24 > len(data):
                continue
            pairs = struct.unpack_from(order + "6i", data, offset)
            if all(pairs[i + 1] != 0 for i in (0, 2, 4)):
                found[tag] = tuple(pairs[i] / pairs[i + 1] for i in (0, 2, 4))
        elif tag == CAMERA_TYPE_TAG and kind == 9 and number == 1:  # 9 = SLONG, stored in the entry itself
            (found[tag],) = struct.unpack_from(order + "i", data, entry + 8)
    return found


def gravity_from_maker_note(data: bytes) -> tuple[float, float, float] | None:
    """The rear camera's gravity vector from an Apple maker note, or None.

    Front-camera pictures are left out: whether iOS stored them mirrored
    depends on a setting the file does not record, and a mirror flips the roll.
    """
    entries = parse_apple_maker_note(data)
    vector = entries.get(ACCELERATION_VECTOR_TAG)
    if not isinstance(vector, tuple) or entries.get(CAMERA_TYPE_TAG) == FRONT_CAMERA:
        return None
    x, y, z = vector
    return (x, y, z)


# The same table as PIL.ImageOps.exif_transpose, applied after the downscale so
# a full-resolution copy is never made just to rotate it.
ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

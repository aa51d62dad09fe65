"""Photos on disk: each kept once, by the sha256 of its bytes, under ``DATA/photos/ab/abcdef….ext``.

An upload is streamed to a temporary file inside ``DATA/photos/incoming``
while it is counted and hashed, refused past the byte limit, decoded with
posture's own loader (so the content decides, never the name or the
declared type), then flushed to disk and renamed to its hash. The name the
browser sent is kept as text in the database only: it never becomes a path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from posture.errors import InputError
from posture.io.loading import load_image

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}
"""The file ending each decodable format is stored under."""

CHUNK_BYTES = 1 << 20


class TooLargeError(InputError):
    """An upload is over the byte limit."""


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    sha256: str
    extension: str
    size: int


def photo_path(data: Path, sha256: str, extension: str) -> Path:
    """Where the photo with this content is kept; ``sha256`` is checked to be hex, so no name can climb out."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256) or extension not in EXTENSIONS.values():
        raise ValueError(f"not a stored photo's name: {sha256!r}.{extension!r}")
    return data / "photos" / sha256[:2] / f"{sha256}.{extension}"


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def store_upload(data: Path, stream: BinaryIO, *, label: str, max_bytes: int, max_pixels: int) -> StoredPhoto:
    """Keep an uploaded photo, durably, and say where; the caller then commits its row.

    Args:
        data: the data folder.
        stream: the upload's bytes.
        label: how messages name the photo (the browser's file name, as text).
        max_bytes: refuse an upload larger than this.
        max_pixels: refuse an image with more pixels than this (posture's decompression-bomb guard).

    Raises:
        TooLargeError: more than ``max_bytes``.
        InputError: not a photo posture can read (one sentence, naming ``label``).
    """
    incoming = data / "photos" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=incoming)
    temporary = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        with open(descriptor, "wb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLargeError(f"{label} is larger than the upload limit of {max_bytes // (1 << 20)} MB.")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise InputError(f"{label} is empty: nothing was received.")
        image = _decoded(temporary, label, max_pixels)
        sha256 = digest.hexdigest()
        extension = EXTENSIONS[image]
        final = photo_path(data, sha256, extension)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            temporary.unlink()
        else:
            os.replace(temporary, final)
            _fsync_folder(final.parent)
        return StoredPhoto(sha256=sha256, extension=extension, size=size)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _decoded(path: Path, label: str, max_pixels: int) -> str:
    """The format of the photo at ``path``, decoded whole by posture's loader; messages name ``label``, not ``path``."""
    try:
        image = load_image(path, max_pixels=max_pixels)
    except InputError as error:
        raise InputError(str(error).replace(str(path), label)) from None
    return image.origin.format


def remove_unused(data: Path, files: list[tuple[str, str]]) -> None:
    """Delete these photo files (their last row is gone); one already missing is not an error."""
    for sha256, extension in files:
        photo_path(data, sha256, extension).unlink(missing_ok=True)
        cache = data / "cache"
        for derived in cache.glob(f"{sha256}-*"):
            derived.unlink(missing_ok=True)

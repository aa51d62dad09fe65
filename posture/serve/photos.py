"""Photos and clips on disk: each kept once, by the sha256 of its bytes, under ``DATA/photos/ab/abcdef….ext``.

An upload is streamed to a temporary file inside ``DATA/photos/incoming``
while it is counted and hashed, refused past the byte limit, decoded with
posture's own loader (so the content decides, never the name or the
declared type), then flushed to disk and renamed to its hash. The name the
browser sent is kept as text in the database only: it never becomes a path.
A clip of quiet standing (MP4/MOV, recognised by its first bytes, then
opened whole by posture's clip reader) is kept the same way, beside the
photos, under a larger byte limit.
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
from posture.io.video import is_clip, open_clip

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}
"""The file ending each decodable photo format is stored under."""

CLIP_EXTENSION = "mp4"
"""The file ending every clip is stored under: MOV, MP4 and M4V are one container family, which FFmpeg reads
alike whatever the ending."""

STORED_EXTENSIONS = (*EXTENSIONS.values(), CLIP_EXTENSION)
"""Every file ending a stored upload can have."""

CHUNK_BYTES = 1 << 20


class TooLargeError(InputError):
    """An upload is over the byte limit."""


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    sha256: str
    extension: str
    size: int

    @property
    def is_clip(self) -> bool:
        return self.extension == CLIP_EXTENSION


def is_clip_extension(extension: str) -> bool:
    """Whether a stored upload with this ending is a clip."""
    return extension == CLIP_EXTENSION


def photo_path(data: Path, sha256: str, extension: str) -> Path:
    """Where the photo with this content is kept; ``sha256`` is checked to be hex, so no name can climb out."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256) or extension not in STORED_EXTENSIONS:
        raise ValueError(f"not a stored photo's name: {sha256!r}.{extension!r}")
    return data / "photos" / sha256[:2] / f"{sha256}.{extension}"


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def store_upload(data: Path, stream: BinaryIO, *, label: str, max_bytes: int, max_pixels: int,
                 max_clip_bytes: int = 0) -> StoredPhoto:
    """Keep an uploaded photo or clip, durably, and say where; the caller then commits its row.

    Args:
        data: the data folder.
        stream: the upload's bytes.
        label: how messages name the photo (the browser's file name, as text).
        max_bytes: refuse a photo larger than this.
        max_pixels: refuse an image with more pixels than this (posture's decompression-bomb guard).
        max_clip_bytes: refuse a clip larger than this; 0 refuses every clip as a photo that cannot be read.

    Raises:
        TooLargeError: more than ``max_bytes`` (``max_clip_bytes`` for a clip).
        InputError: not a photo or clip posture can read (one sentence, naming ``label``).
    """
    incoming = data / "photos" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=incoming)
    temporary = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        limit = max_bytes
        clip = False
        with open(descriptor, "wb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                if size == 0 and max_clip_bytes:
                    # The first bytes decide which limit applies, as they decide how the upload is read.
                    out.write(chunk[:64])
                    out.flush()
                    clip = is_clip(temporary)
                    out.seek(0)
                    out.truncate(0)
                    limit = max_clip_bytes if clip else max_bytes
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(f"{label} is larger than the upload limit of {limit / (1 << 20):.3g} MB.")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise InputError(f"{label} is empty: nothing was received.")
        if clip:
            extension = _opened_clip(temporary, label, max_pixels)
        else:
            extension = EXTENSIONS[_decoded(temporary, label, max_pixels)]
        sha256 = digest.hexdigest()
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


def _opened_clip(path: Path, label: str, max_pixels: int) -> str:
    """The ending a clip is stored under, once posture's clip reader has opened it and decoded its first frame."""
    try:
        open_clip(path, max_pixels=max_pixels)
    except InputError as error:
        raise InputError(str(error).replace(str(path), label).replace(path.name, label)) from None
    return CLIP_EXTENSION


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

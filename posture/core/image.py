"""A photo as the pipeline sees it: the working RGB pixels and where they came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from posture.core.paths import path_text


@dataclass(frozen=True, slots=True)
class ImageOrigin:
    """What a before/after comparison needs to know about the input, beyond its pixels.

    Attributes:
        sha256: hex digest of the file's bytes. For an in-memory array or PIL
            image, of its pixels at full resolution, as stored (before EXIF
            orientation), after conversion to uint8 RGB: the C-ordered bytes
            of an (H, W, 3) array, so equal pixels in another shape hash alike.
        format: Pillow's name of the file format (``"JPEG"``, ``"PNG"``,
            ``"WEBP"``, ``"HEIF"``, ``"MPO"``); ``"array"`` for a numpy array;
            a PIL image's own ``format``, or ``"PIL"`` when it has none.
        exif_orientation: the EXIF orientation (1-8) that turned the image
            upright, here or, for HEIF, by libheif while decoding; 1 when there
            is none or it could not be read.
        capture_time: when the photo was taken, ISO 8601 from EXIF
            DateTimeOriginal, with OffsetTimeOriginal appended when present
            (``"2026-01-10T09:15:02+01:00"``), else local time without offset;
            None when absent or unparseable. The base DateTime tag is not used:
            it is when the file was last changed, which editing rewrites.
        file_size: size of the file in bytes; None for in-memory input.
        gravity: the phone's gravity vector (X, Y, Z) in g from an iPhone
            rear-camera photo's Apple maker note (see
            :func:`posture.stages.level.roll_from_gravity` for its axes); None when absent.
        focal_length_35mm: the camera's 35 mm-equivalent focal length in mm from EXIF, or None
            (the skin markers' parallax needs the camera's distance).
    """

    sha256: str
    format: str
    exif_orientation: int
    capture_time: str | None
    file_size: int | None
    gravity: tuple[float, float, float] | None = None
    focal_length_35mm: float | None = None


@dataclass(frozen=True, slots=True)
class LoadedImage:
    """A photo ready for pose detection.

    Attributes:
        path: the file it was read from; None for in-memory input.
        width: original width in pixels, after EXIF orientation.
        height: original height in pixels, after EXIF orientation.
        rgb: (H, W, 3) uint8 RGB at working resolution, read-only.
        scale: working pixels per original pixel (at most 1.0); divide working
            coordinates by it to get original pixels.
        warnings: sentences the report should show, e.g. that the photo is very dark.
        is_dark: True when the photo is so dark that detection may fail.
        origin: provenance of the input: hash, format, EXIF orientation and capture time.
        label: what to call in-memory input in reports (e.g. ``"numpy array"``);
            None for a file, which is called by its name.

    Raises:
        ValueError: not exactly one of ``path`` and ``label`` is given.
    """

    path: Path | None
    width: int
    height: int
    rgb: np.ndarray
    scale: float
    warnings: tuple[str, ...]
    is_dark: bool = False
    origin: ImageOrigin = field(kw_only=True)
    label: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if (self.path is None) == (self.label is None):
            raise ValueError("a LoadedImage needs either a path or a label, not both or neither")

    @property
    def display_name(self) -> str:
        """The file's name as :func:`path_text` writes it, or the label of in-memory input: how reports call it."""
        if self.path is not None:
            return path_text(self.path.name)
        return cast(str, self.label)  # __post_init__ makes sure there is one

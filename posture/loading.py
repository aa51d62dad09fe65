"""Read a photo into an upright, reduced RGB array, or explain in one sentence why not.

Everything about the input file is checked here, so later stages can trust
the array: size limits, damaged files, odd pixel formats and EXIF rotation.
The file is only ever opened for reading.
"""

from __future__ import annotations

import stat
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, ImageStat, UnidentifiedImageError

from posture.errors import InputError

DEFAULT_MAX_PIXELS = 100_000_000  # decompression-bomb guard
WORKING_LONG_SIDE = 1280  # the pose networks look at ~256 px crops; more only costs time
MIN_SHORT_SIDE = 64  # below this a whole standing body cannot be resolved
DARK_LUMINANCE = 20.0  # mean luma (0-255) under which detection usually fails

# Pillow's JPEG opener also returns the multi-picture (MPO) JPEGs many phones write.
_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_FORMAT_NAMES = "JPEG, PNG, WebP and HEIC"

# Pillow and pillow-heif report damaged data with any of these.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)

# The same table as PIL.ImageOps.exif_transpose, applied after the downscale so
# a full-resolution copy is never made just to rotate it.
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# ITU-R BT.601 luma weights, the ones Pillow's "L" conversion uses.
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])

_PIL_LIMIT_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class LoadedImage:
    """A photo ready for pose detection.

    Attributes:
        path: the file it was read from.
        width: original width in pixels, after EXIF orientation.
        height: original height in pixels, after EXIF orientation.
        rgb: (H, W, 3) uint8 RGB at working resolution, read-only.
        scale: working pixels per original pixel (at most 1.0); divide working
            coordinates by it to get original pixels.
        warnings: sentences the report should show, e.g. that the photo is very dark.
        is_dark: True when the photo is so dark that detection may fail.
    """

    path: Path
    width: int
    height: int
    rgb: np.ndarray
    scale: float
    warnings: tuple[str, ...]
    is_dark: bool = False


def load_image(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    working_long_side: int = WORKING_LONG_SIDE,
) -> LoadedImage:
    """Decode a JPEG, PNG, WebP or HEIC photo, upright and reduced to working size.

    Large JPEGs are decoded directly at 1/2, 1/4 or 1/8 scale, then resampled
    so the long side is at most ``working_long_side``; images are never
    enlarged.

    Args:
        path: the photo.
        max_pixels: refuse images with more pixels than this, before decoding.
        working_long_side: longest side of the returned array.

    Returns:
        The decoded image and its original, EXIF-oriented size.

    Raises:
        InputError: the file is missing, unreadable, not a supported image,
            damaged, too large or too small.
        ValueError: ``max_pixels`` or ``working_long_side`` is not positive.
    """
    if max_pixels < 1 or working_long_side < 1:
        raise ValueError("max_pixels and working_long_side must be positive")
    path = Path(path)
    name = _display(path)
    _check_file(path, name)
    try:
        fp = path.open("rb")
    except OSError as error:
        raise InputError(f"{name} cannot be read ({error.strerror or error}).") from error
    with fp:
        rgb, width, height, scale = _decode(fp, name, max_pixels, working_long_side)

    luminance = mean_luminance(rgb)
    is_dark = luminance < DARK_LUMINANCE
    notes = (
        f"The photo is very dark (mean brightness {luminance:.0f} of 255), "
        "which can keep the person from being found.",
    ) if is_dark else ()
    return LoadedImage(path=path, width=width, height=height, rgb=rgb, scale=scale,
                       warnings=notes, is_dark=is_dark)


def mean_luminance(rgb: np.ndarray) -> float:
    """Mean BT.601 luma of an (H, W, 3) uint8 RGB array, from 0 (black) to 255 (white)."""
    # Pillow's per-band histograms take ~1 ms where a numpy mean over the
    # interleaved channels takes ~13 ms at working size.
    band_means = ImageStat.Stat(Image.fromarray(rgb)).mean
    return float(np.dot(band_means, _LUMA_WEIGHTS))


def _display(path: Path) -> str:
    text = str(path)
    # A name with control characters would break the one-line message.
    return text if text.isprintable() else repr(text)


def _check_file(path: Path, name: str) -> None:
    """Raise InputError for the problems a stat() can tell apart clearly."""
    try:
        info = path.stat()
    except FileNotFoundError as error:
        raise InputError(f"{name} does not exist.") from error
    except OSError as error:
        raise InputError(f"{name} cannot be read ({error.strerror or error}).") from error
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name} is a directory, not a photo.")
    if not stat.S_ISREG(info.st_mode):
        # Pipes and devices could block or never end.
        raise InputError(f"{name} is not a regular file.")
    if info.st_size == 0:
        raise InputError(f"{name} is empty (0 bytes).")


@cache
def _register_heif_opener() -> None:
    # Imported on demand: pillow-heif takes ~45 ms to import, which would
    # otherwise be added to every run on a JPEG.
    import pillow_heif

    pillow_heif.register_heif_opener()


@contextmanager
def _pillow_pixel_limit(max_pixels: int) -> Iterator[None]:
    """Make Pillow's own decompression-bomb guard follow ``max_pixels`` while a header is read.

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` and raises above twice that.
    Its guard must stay active while opening, because the WebP plugin allocates
    the whole canvas then; the caller checks the exact count right after, so
    the warning is redundant. The global is shared, hence the lock and the
    restore.
    """
    with _PIL_LIMIT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def _too_many_pixels(name: str, count: str, max_pixels: int) -> InputError:
    return InputError(f"{name} has {count} pixels, more than the limit of {max_pixels:,}; "
                      "resize it or raise --max-pixels.")


def _open(fp: BinaryIO, name: str, max_pixels: int) -> Image.Image:
    """Identify the image and read its header, without decoding pixels."""
    # HEIF files are ISO base media files, which start with an "ftyp" box. Pillow fails with a
    # KeyError on a format whose opener is not registered, so HEIF is only asked for after registering it.
    formats: tuple[str, ...] = _FORMATS
    if fp.read(12)[4:8] == b"ftyp":
        _register_heif_opener()
    else:
        formats = tuple(f for f in _FORMATS if f != "HEIF")
    fp.seek(0)
    try:
        with _pillow_pixel_limit(max_pixels):
            image = Image.open(fp, formats=formats)
    except Image.DecompressionBombError as error:
        # Pillow refuses beyond twice its limit before saying how big the image is.
        raise _too_many_pixels(name, f"over {2 * max_pixels:,}", max_pixels) from error
    except UnidentifiedImageError as error:
        raise _unidentified(fp, name) from error
    except _DECODE_ERRORS as error:
        raise _damaged(name, error) from error
    return image


def _check_size(name: str, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise _too_many_pixels(name, f"{width * height:,}", max_pixels)
    if min(width, height) < MIN_SHORT_SIDE:
        raise InputError(f"{name} is only {width}x{height} pixels, too small to find a person "
                         f"(the shorter side needs at least {MIN_SHORT_SIDE}).")


def _unidentified(fp: BinaryIO, name: str) -> InputError:
    """Tell an image in a format posture does not take from a file that is no image at all."""
    try:
        # Pillow's own limit applies here, as this probe only names the format;
        # an image too big even for that gets the generic message.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fp) as other:
                kind = other.format
    except (UnidentifiedImageError, Image.DecompressionBombError, *_DECODE_ERRORS):
        return InputError(f"{name} is not an image posture can read ({_FORMAT_NAMES}), "
                          "or it is damaged.")
    return InputError(f"{name} is in {kind} format; posture reads {_FORMAT_NAMES} photos.")


def _damaged(name: str, error: BaseException) -> InputError:
    detail = " ".join(str(error).split()).rstrip(".") or type(error).__name__
    return InputError(f"{name} is truncated or damaged and cannot be decoded: {detail}.")


def _decode(fp: BinaryIO, name: str, max_pixels: int,
            working_long_side: int) -> tuple[np.ndarray, int, int, float]:
    """Decode to the working size; returns the RGB array, original width and height, and scale."""
    with _open(fp, name, max_pixels) as image:
        stored_width, stored_height = image.size
        # From the header alone: nothing has been decoded yet.
        _check_size(name, stored_width, stored_height, max_pixels)
        scale = min(1.0, working_long_side / max(stored_width, stored_height))
        target = _working_size(stored_width, stored_height, working_long_side)
        # JPEG picks the largest 1/2^n decoding scale still >= target; the
        # returned box maps the reduced pixels back onto the original extent.
        drafted = image.draft("RGB", target) if target else None
        try:
            image.load()
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        except _DECODE_ERRORS as error:
            raise _damaged(name, error) from error
        rgb_image = _to_rgb(image)
        if target:
            # Measured on a 12 MP JPEG: Hamming comes as close to a full-resolution
            # Lanczos reduction as cv2.INTER_AREA (43 dB) in half Lanczos' time,
            # and unlike OpenCV it takes the draft's fractional box. reducing_gap
            # box-reduces first when the factor is large, which only happens for
            # PNG, WebP and HEIC, as they cannot be decoded at reduced scale.
            rgb_image = rgb_image.resize(target, Image.Resampling.HAMMING,
                                         box=drafted[1] if drafted else None, reducing_gap=3.0)
        transpose = _ORIENTATION_TRANSPOSE.get(orientation)
        if transpose is not None:
            rgb_image = rgb_image.transpose(transpose)
        # Still inside the with block: for an RGB photo at working size,
        # rgb_image is the opened image itself, unusable once closed.
        rgb = np.asarray(rgb_image, dtype=np.uint8)
    rgb.setflags(write=False)
    swapped = orientation in (5, 6, 7, 8)
    width, height = (stored_height, stored_width) if swapped else (stored_width, stored_height)
    return rgb, width, height, scale


def _working_size(width: int, height: int, working_long_side: int) -> tuple[int, int] | None:
    """The reduced size in stored orientation, or None when the image is small enough already.

    The long side is the same before and after an EXIF rotation, so this can
    be decided before the rotation is known.
    """
    if max(width, height) <= working_long_side:
        return None
    if width >= height:
        return working_long_side, max(1, round(height * working_long_side / width))
    return max(1, round(width * working_long_side / height)), working_long_side


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any decoded Pillow mode to 8-bit RGB; transparency becomes white."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I"):
        # Pillow's own conversion clips 16-bit values at 255 instead of scaling.
        # "I;16*" is a 16-bit PNG; older Pillow releases (allowed by
        # pyproject) open those as 32-bit "I" with the same 0-65535 range.
        values = np.asarray(image).astype(np.float32)
        grey = np.clip(np.rint(values * np.float32(255 / 65535)), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info:
        # Black under transparent areas (what a plain convert gives) could
        # merge with dark clothing; white is how viewers show them.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    # L, 1, P and CMYK (Pillow undoes the inverted CMYK of Adobe JPEGs).
    return image.convert("RGB")

"""Read a photo into an upright, reduced RGB array, or explain in one sentence why not.

Everything about the input is checked here, so later stages can trust the
array: size limits, damaged files, odd pixel formats and EXIF rotation. Files,
numpy arrays and PIL images take the same path once decoded. A file is read
once, and only for reading; what identifies it goes into :class:`ImageOrigin`.
"""

from __future__ import annotations

import hashlib
import io
import stat
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageMode, UnidentifiedImageError

from posture.core.image import ImageOrigin, LoadedImage
from posture.core.paths import path_text
from posture.errors import InputError
from posture.io.exif import ORIENTATION_TRANSPOSE, ExifFacts, read_exif
from posture.io.pillow import (
    DECODE_ERRORS,
    bomb_pixel_count,
    pillow_guard,
    too_many_pixels,
)

DEFAULT_MAX_PIXELS = 100_000_000  # decompression-bomb guard
WORKING_LONG_SIDE = 1280  # the pose networks look at ~256 px crops; more only costs time
MIN_SHORT_SIDE = 64  # below this a whole standing body cannot be resolved
CONVERSION_BLOCK_VALUES = 1 << 22  # a 16- or 32-bit image is scaled to 8 bits this many values at a time
DARK_LUMINANCE = 20.0  # mean luma (0-255) under which detection usually fails

# Pillow's JPEG opener also returns the multi-picture (MPO) JPEGs many phones write.
_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_FORMAT_NAMES = "JPEG, PNG, WebP and HEIC"
_FORMAT_LABELS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC"}

# ITU-R BT.601 luma weights, the ones Pillow's "L" conversion uses.
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


@dataclass(frozen=True, slots=True)
class _Reduced:
    """An image at working size and what was learnt on the way.

    Attributes:
        rgb: (H, W, 3) uint8 RGB at working size, upright, read-only.
        width: original width in pixels, after EXIF orientation.
        height: original height in pixels, after EXIF orientation.
        scale: working pixels per original pixel.
        orientation: the EXIF orientation that turned the image upright (see :class:`ImageOrigin`).
        exif: what the EXIF said; ``orientation`` above is the one recorded, which libheif may have applied.
    """

    rgb: np.ndarray
    width: int
    height: int
    scale: float
    orientation: int
    exif: ExifFacts


def load_image(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    working_long_side: int = WORKING_LONG_SIDE,
) -> LoadedImage:
    """Decode a JPEG, PNG, WebP or HEIC photo, upright and reduced to working size.

    The file is read once into memory; its bytes are hashed and decoded from
    there. Large JPEGs are decoded directly at 1/2, 1/4 or 1/8 scale, then
    resampled so the long side is at most ``working_long_side``; images are
    never enlarged.

    Args:
        path: the photo.
        max_pixels: refuse images with more pixels than this, before decoding;
            a pixel of 16 bits counts twice, one of 32 bits four times.
        working_long_side: longest side of the returned array.

    Returns:
        The decoded image, its original EXIF-oriented size and its origin.

    Raises:
        InputError: the file is missing, unreadable, not a supported image,
            damaged, too large or too small.
        ValueError: ``max_pixels`` or ``working_long_side`` is not positive.
    """
    _check_limits(max_pixels, working_long_side)
    path = Path(path)
    name = _display(path_text(path))
    _check_file(path, name)
    try:
        with path.open("rb") as fp:
            data = fp.read()
    except OSError as error:
        raise InputError(f"{name} cannot be read ({error.strerror or error}).") from error
    exif_problems: list[str] = []
    with _open(data, name, max_pixels, exif_problems) as image:
        # Inside the with block: for an RGB photo at working size, the array
        # is made from the opened image itself, unusable once closed.
        reduced = _reduce(image, name, max_pixels, working_long_side, draft=True, exif_problems=exif_problems)
        file_format = image.format
    origin = ImageOrigin(sha256=hashlib.sha256(data).hexdigest(), format=file_format,
                         exif_orientation=reduced.orientation, capture_time=reduced.exif.capture_time,
                         file_size=len(data), gravity=reduced.exif.gravity,
                         focal_length_35mm=reduced.exif.focal_length_35mm)
    return _loaded(reduced, origin, path=path, label=None)


def image_from_array(
    rgb: np.ndarray,
    *,
    name: str = "numpy array",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    working_long_side: int = WORKING_LONG_SIDE,
) -> LoadedImage:
    """Take an image already in memory as a numpy array, reduced to working size as files are.

    Args:
        rgb: (H, W, 3) RGB, (H, W) grey or (H, W, 4) RGBA, uint8 or uint16
            (0-65535, scaled to 0-255 as 16-bit PNGs are). Transparent areas
            become white. The array is not modified.
        name: what messages and reports call the image.
        max_pixels: refuse images with more pixels than this.
        working_long_side: longest side of the returned array.

    Returns:
        The image at working size; its origin hashes the pixels (see :class:`ImageOrigin`).

    Raises:
        InputError: the array has another shape or dtype, or is too large or too small.
        ValueError: ``max_pixels`` or ``working_long_side`` is not positive.
    """
    _check_limits(max_pixels, working_long_side)
    label = _display(name)
    array = np.asarray(rgb)
    channels = array.shape[2] if array.ndim == 3 else None
    if array.ndim not in (2, 3) or channels not in (None, 3, 4) or array.dtype not in (np.uint8, np.uint16):
        raise InputError(f"{label} has shape {array.shape} and dtype {array.dtype}; posture takes uint8 or "
                         "uint16 arrays shaped (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA.")
    if array.dtype == np.uint16:
        array = _to_8_bit(array)
    # Pillow copies the pixels, so the caller's array is neither kept nor changed.
    return _from_memory(Image.fromarray(array), label, "array", max_pixels, working_long_side)


def image_from_pil(
    image: Image.Image,
    *,
    name: str = "PIL image",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    working_long_side: int = WORKING_LONG_SIDE,
) -> LoadedImage:
    """Take a PIL image, upright and reduced to working size as files are.

    Its EXIF orientation, if any, is applied, and any mode is converted to RGB
    as for files. Integer grey is scaled by what it holds: "I;16" from
    0-65535, and "I" from 0-255 when all its values lie there, else from
    0-65535. The image object is not changed, beyond being loaded if it
    was opened lazily; closing it stays the caller's business.

    Args:
        image: the image.
        name: what messages and reports call the image.
        max_pixels: refuse images with more pixels than this.
        working_long_side: longest side of the returned array.

    Returns:
        The image at working size; its origin hashes the pixels (see :class:`ImageOrigin`).

    Raises:
        InputError: the image cannot be decoded or converted, or is too large or too small.
        TypeError: ``image`` is not a PIL image.
        ValueError: ``max_pixels`` or ``working_long_side`` is not positive.
    """
    if not isinstance(image, Image.Image):
        raise TypeError(f"image_from_pil takes a PIL.Image.Image, not a {type(image).__name__}")
    _check_limits(max_pixels, working_long_side)
    return _from_memory(image, _display(name), image.format or "PIL", max_pixels, working_long_side)


def limit_count(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> int | None:
    """What ``max_pixels`` is compared with for the photo at ``path`` (pixels x bytes per value), from its header.

    Only the header is read. None when it cannot be read, or Pillow refuses
    the image as beyond twice ``max_pixels`` while opening it.
    """
    try:
        with open(path, "rb") as stream:
            formats: tuple[str, ...] = _FORMATS
            if stream.read(8)[4:8] == b"ftyp":
                _register_heif_opener()
            else:
                formats = tuple(f for f in _FORMATS if f != "HEIF")
            stream.seek(0)
            with pillow_guard([], max_pixels), Image.open(stream, formats=formats) as image:
                width, height = image.size
                return width * height * bytes_per_sample(image.mode)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, *DECODE_ERRORS):
        return None


def mean_luminance(rgb: np.ndarray) -> float:
    """Mean BT.601 luma of an (H, W, 3) uint8 RGB array, from 0 (black) to 255 (white)."""
    # OpenCV's per-channel mean reads the array in place (~0.3 ms at working size); Pillow's
    # histograms first copy a read-only array into an image (~5 ms), numpy's mean takes ~13 ms.
    import cv2

    band_means = cv2.mean(np.ascontiguousarray(rgb))[:3]
    return float(np.dot(band_means, _LUMA_WEIGHTS))


def _check_limits(max_pixels: int, working_long_side: int) -> None:
    if max_pixels < 1 or working_long_side < 1:
        raise ValueError("max_pixels and working_long_side must be positive")


def _display(text: str) -> str:
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


def _open(data: bytes, name: str, max_pixels: int, exif_problems: list[str]) -> Image.Image:
    """Identify the image and read its header, without decoding pixels.

    Pillow's JPEG opener already reads the EXIF block (for the resolution) and
    keeps what it read, so its complaints about damage go to ``exif_problems``.
    """
    # HEIF files are ISO base media files, which start with an "ftyp" box. Pillow fails with a
    # KeyError on a format whose opener is not registered, so HEIF is only asked for after registering it.
    formats: tuple[str, ...] = _FORMATS
    if data[4:8] == b"ftyp":
        _register_heif_opener()
    else:
        formats = tuple(f for f in _FORMATS if f != "HEIF")
    fp = io.BytesIO(data)
    try:
        with pillow_guard(exif_problems, max_pixels):
            image = Image.open(fp, formats=formats)
    except Image.DecompressionBombError as error:
        # Pillow refuses beyond twice its limit before the size is ours to check.
        raise too_many_pixels(name, bomb_pixel_count(error, max_pixels), max_pixels) from error
    except UnidentifiedImageError as error:
        raise _unidentified(data, formats, name) from error
    except DECODE_ERRORS as error:
        raise _damaged(name, error) from error
    return image


def bytes_per_sample(mode: str) -> int:
    """How many bytes one value of a Pillow mode takes decoded: 1 for 8-bit modes, 2 for "I;16*", 4 for "I" and "F"."""
    return np.dtype(ImageMode.getmode(mode).typestr).itemsize


def _check_size(name: str, width: int, height: int, max_pixels: int, mode: str = "RGB") -> None:
    """Refuse, from the header alone, an image too large (counting its decoded bytes) or too small.

    A pixel of more than 8 bits counts once per byte of its value: a 16-bit
    image of 81 megapixels decodes to as much as a 162-megapixel 8-bit one,
    and its conversion to 8 bits needs room beside it.
    """
    depth = bytes_per_sample(mode)
    if width * height * depth > max_pixels:
        if depth == 1:
            raise too_many_pixels(name, f"{width * height:,}", max_pixels)
        raise InputError(f"{name} has {width * height:,} pixels of {8 * depth} bits, which count as "
                         f"{width * height * depth:,} against the limit of {max_pixels:,} (each byte of a pixel "
                         "counts once); resize it, save it with 8 bits per channel, or raise --max-pixels.")
    if min(width, height) < MIN_SHORT_SIDE:
        raise InputError(f"{name} is only {width}x{height} pixels, too small to find a person "
                         f"(the shorter side needs at least {MIN_SHORT_SIDE}).")


def _unidentified(data: bytes, formats: tuple[str, ...], name: str) -> InputError:
    """Tell an image in a format posture does not take from a damaged photo and from no image at all."""
    try:
        # Pillow's own limit applies here, as this probe only names the format;
        # an image too big even for that gets the generic message.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as other:
                kind = other.format
    except (UnidentifiedImageError, Image.DecompressionBombError, *DECODE_ERRORS):
        signed = _signature_format(data, formats)
        if signed is not None:
            return _damaged(name, f"its {signed} header cannot be read")
        return InputError(f"{name} is not an image posture can read ({_FORMAT_NAMES}), "
                          "or it is damaged.")
    return InputError(f"{name} is in {kind} format; posture reads {_FORMAT_NAMES} photos.")


def _signature_format(data: bytes, formats: tuple[str, ...]) -> str | None:
    """The name of the format among ``formats`` whose signature ``data`` starts with, if any.

    Pillow reports a header it cannot parse as an unidentified image: its
    openers raise, and it moves on to the next. A file that starts with the
    signature of a format posture takes is a damaged photo all the same (how
    far Pillow gets differs between versions: 12.x gives up on a JPEG whose
    markers run into zeros, 13.0 opens it and fails to decode it).
    """
    prefix = data[:16]  # as much as Pillow's openers are shown
    for file_format in formats:
        opener = Image.OPEN.get(file_format)
        if opener is not None and opener[1] is not None and opener[1](prefix):
            return _FORMAT_LABELS[file_format]
    return None


def _damaged(name: str, error: BaseException | str) -> InputError:
    """The one sentence for a photo Pillow fails on; ``error`` is its exception or posture's own detail."""
    detail = " ".join(str(error).split()).rstrip(".") or type(error).__name__
    return InputError(f"{name} is truncated or damaged and cannot be decoded: {detail}.")


def _reduce(image: Image.Image, name: str, max_pixels: int, working_long_side: int, *,
            draft: bool, exif_problems: list[str], pixel_digest: hashlib._Hash | None = None) -> _Reduced:
    """Bring an opened image to working size and upright, as (H, W, 3) uint8 RGB.

    Args:
        image: the image, opened but perhaps not yet decoded.
        name: what messages call it.
        max_pixels: refuse images with more pixels than this, before decoding.
        working_long_side: longest side of the result.
        draft: decode a JPEG directly at reduced scale. This changes the image
            object, so it is only for images opened here.
        exif_problems: Pillow's complaints about the EXIF block caught while opening.
        pixel_digest: when given, fed the full-resolution pixels as stored,
            converted to uint8 RGB.

    Raises:
        InputError: the image is too large, too small, damaged or in a mode with no RGB conversion.
    """
    stored_width, stored_height = image.size
    # From the header alone: nothing has been decoded yet.
    _check_size(name, stored_width, stored_height, max_pixels, image.mode)
    scale = min(1.0, working_long_side / max(stored_width, stored_height))
    target = working_size(stored_width, stored_height, working_long_side)
    # JPEG picks the largest 1/2^n decoding scale still >= target; the
    # returned box maps the reduced pixels back onto the original extent.
    drafted = image.draft("RGB", target) if target and draft else None
    try:
        image.load()
    except DECODE_ERRORS as error:
        raise _damaged(name, error) from error
    exif = read_exif(image, exif_problems)
    orientation = exif.orientation
    try:
        # Grey stays grey until it is at working size: the same pixels as converting first, a third of the memory.
        rgb_image = _to_8_bit_image(image)
    except ValueError as error:
        raise InputError(f"{name} is in Pillow mode {image.mode!r}, which posture cannot convert to RGB.") from error
    if pixel_digest is not None:
        pixel_digest.update(rgb_image.convert("RGB").tobytes())
    if target:
        # Measured on a 12 MP JPEG: Hamming comes as close to a full-resolution
        # Lanczos reduction as cv2.INTER_AREA (43 dB) in half Lanczos' time,
        # and unlike OpenCV it takes the draft's fractional box. reducing_gap
        # box-reduces first when the factor is large, which only happens for
        # images not decoded at reduced scale: PNG, WebP, HEIC and in-memory input.
        rgb_image = rgb_image.resize(target, Image.Resampling.HAMMING,
                                     box=drafted[1] if drafted else None, reducing_gap=3.0)
    transpose = ORIENTATION_TRANSPOSE.get(orientation)
    if transpose is not None:
        rgb_image = rgb_image.transpose(transpose)
    rgb = np.asarray(rgb_image.convert("RGB"), dtype=np.uint8)
    rgb.setflags(write=False)
    swapped = orientation in (5, 6, 7, 8)
    width, height = (stored_height, stored_width) if swapped else (stored_width, stored_height)
    # pillow-heif leaves a HEIF's rotation to libheif, which applies it while
    # decoding, and keeps the EXIF value aside.
    turned_by_libheif = image.info.get("original_orientation")
    recorded = turned_by_libheif if turned_by_libheif in ORIENTATION_TRANSPOSE else orientation
    return _Reduced(rgb=rgb, width=width, height=height, scale=scale, orientation=recorded, exif=exif)


def _from_memory(image: Image.Image, label: str, kind: str, max_pixels: int,
                 working_long_side: int) -> LoadedImage:
    digest = hashlib.sha256()
    reduced = _reduce(image, label, max_pixels, working_long_side, draft=False, exif_problems=[],
                      pixel_digest=digest)
    origin = ImageOrigin(sha256=digest.hexdigest(), format=kind, exif_orientation=reduced.orientation,
                         capture_time=reduced.exif.capture_time, file_size=None, gravity=reduced.exif.gravity,
                         focal_length_35mm=reduced.exif.focal_length_35mm)
    return _loaded(reduced, origin, path=None, label=label)


def _loaded(reduced: _Reduced, origin: ImageOrigin, *, path: Path | None, label: str | None) -> LoadedImage:
    notes = () if reduced.exif.note is None else (reduced.exif.note,)
    return working_image(reduced.rgb, width=reduced.width, height=reduced.height, scale=reduced.scale,
                         origin=origin, path=path, label=label, notes=notes)


def working_image(rgb: np.ndarray, *, width: int, height: int, scale: float, origin: ImageOrigin,
                  path: Path | None, label: str | None = None, notes: tuple[str, ...] = ()) -> LoadedImage:
    """An image already upright and at working size (``rgb``, read-only) as the pipeline takes it, with the
    warning every photo gets when it is very dark; ``width`` and ``height`` are the original size."""
    luminance = mean_luminance(rgb)
    is_dark = luminance < DARK_LUMINANCE
    if is_dark:
        notes += (f"The photo is very dark (mean brightness {luminance:.0f} of 255), "
                  "which can keep the person from being found.",)
    return LoadedImage(path=path, width=width, height=height, rgb=rgb, scale=scale, warnings=notes,
                       is_dark=is_dark, origin=origin, label=label)


def working_size(width: int, height: int, working_long_side: int) -> tuple[int, int] | None:
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
    return _to_8_bit_image(image).convert("RGB")


def _to_8_bit_image(image: Image.Image) -> Image.Image:
    """Convert any decoded Pillow mode to 8-bit RGB, or to 8-bit grey ("L") when it is grey; transparency becomes
    white.

    Integer grey ("I;16*" and "I") is scaled to 0-255 by what its values mean.
    "I;16*" is a 16-bit PNG: 0-65535. Mode "I" holds 32-bit integers with no
    range of their own: older Pillow releases (allowed by pyproject) open
    16-bit PNGs as "I" with 0-65535, and a program can put 8-bit values in
    one. So an "I" image whose values all lie within 0-255 is taken as 8-bit,
    any other as 16-bit (values outside 0-65535 saturate). Pillow's own
    conversion would clip every value above 255 instead of scaling.
    """
    mode = image.mode
    if mode in ("RGB", "L"):
        return image
    if mode.startswith("I"):
        low, high = image.getextrema()
        eight_bit = mode == "I" and 0 <= low and high <= 255
        return _grey_to_8_bit(image, full_scale=255 if eight_bit else 65535)
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info:
        # Black under transparent areas (what a plain convert gives) could
        # merge with dark clothing; white is how viewers show them.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    # 1, P and CMYK (Pillow undoes the inverted CMYK of Adobe JPEGs).
    return image.convert("RGB")


def _grey_to_8_bit(image: Image.Image, *, full_scale: int) -> Image.Image:
    """An integer grey image scaled from 0-``full_scale`` to an "L" image, a block of rows at a time.

    Scaling the whole image at once would hold it several times over in wider
    types (4.5 GB for an 81-megapixel photo); blocks keep the extra memory to a
    few megabytes beside the 8-bit result.
    """
    width, height = image.size
    grey = np.empty((height, width), dtype=np.uint8)
    rows = max(1, CONVERSION_BLOCK_VALUES // max(1, width))
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        grey[top:bottom] = _to_8_bit(np.asarray(image.crop((0, top, width, bottom))), full_scale=full_scale)
    return Image.fromarray(grey)


def _to_8_bit(values: np.ndarray, *, full_scale: int = 65535) -> np.ndarray:
    """Scale values from 0-``full_scale`` (16-bit by default) to uint8 (0-255), rounding; others saturate."""
    scaled = np.rint(values.astype(np.float32) * np.float32(255 / full_scale))
    return np.clip(scaled, 0, 255).astype(np.uint8)

"""Tests for posture.io.loading; every fixture image is generated in tmp_path."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import struct
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageFile, ImageOps, PngImagePlugin

from posture.core.image import ImageOrigin, LoadedImage
from posture.errors import InputError
from posture.io.loading import (
    _to_rgb,
    image_from_array,
    image_from_pil,
    limit_count,
    load_image,
    mean_luminance,
)
from posture.io.pillow import bomb_pixel_count, pillow_guard

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def _save(image: Image.Image, path: Path, **params: object) -> Path:
    image.save(path, **params)
    return path


def _marked(size: tuple[int, int], block: int) -> Image.Image:
    """A blue image with a red square in its top-left corner."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, block, block))
    return image


def _exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return exif


def _close(pixel: np.ndarray, expected: tuple[int, ...], tolerance: int = 6) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(expected)) <= tolerance))


def _corners(rgb: np.ndarray, inset: int = 3) -> dict[str, np.ndarray]:
    h, w = rgb.shape[:2]
    return {
        "top-left": rgb[inset, inset],
        "top-right": rgb[inset, w - 1 - inset],
        "bottom-left": rgb[h - 1 - inset, inset],
        "bottom-right": rgb[h - 1 - inset, w - 1 - inset],
    }


def _noise_jpeg(path: Path, size: tuple[int, int] = (256, 256)) -> Path:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return _save(Image.fromarray(pixels), path, quality=90)


# --- JPEG sizes and the reduced decode -------------------------------------------------


def test_small_rgb_jpeg_round_trip(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (200, 150), (200, 120, 40)), tmp_path / "small.jpg", quality=95)
    loaded = load_image(path)
    assert isinstance(loaded, LoadedImage)
    assert (loaded.path, loaded.width, loaded.height, loaded.scale) == (path, 200, 150, 1.0)
    assert loaded.display_name == "small.jpg"
    assert loaded.rgb.shape == (150, 200, 3)
    assert loaded.rgb.dtype == np.uint8
    assert _close(loaded.rgb[75, 100], (200, 120, 40))
    assert loaded.warnings == ()
    assert not loaded.is_dark


@pytest.mark.parametrize(
    ("size", "shape", "scale"),
    [
        ((4000, 3000), (960, 1280, 3), 0.32),
        ((3000, 4000), (1280, 960, 3), 0.32),
        ((1281, 700), (699, 1280, 3), 1280 / 1281),
        ((1280, 720), (720, 1280, 3), 1.0),  # already working size: never enlarged
        ((9000, 200), (28, 1280, 3), 1280 / 9000),
    ],
)
def test_jpeg_is_reduced_to_working_size(tmp_path: Path, size: tuple[int, int],
                                         shape: tuple[int, int, int], scale: float) -> None:
    path = _save(Image.new("RGB", size, BLUE), tmp_path / "photo.jpg")
    loaded = load_image(path)
    assert (loaded.width, loaded.height) == size
    assert loaded.rgb.shape == shape
    assert loaded.scale == pytest.approx(scale)


def test_reduced_jpeg_keeps_geometry(tmp_path: Path) -> None:
    # A red block at x 3000-3200, y 2000-2200 must land at scale x those coordinates.
    image = Image.new("RGB", (4000, 3000), BLUE)
    image.paste(RED, (3000, 2000, 3200, 2200))
    loaded = load_image(_save(image, tmp_path / "big.jpg", quality=95))
    red = np.argwhere(loaded.rgb[..., 0] > 128)
    top, left = red.min(axis=0)
    bottom, right = red.max(axis=0) + 1
    assert (left, top, right, bottom) == pytest.approx(
        tuple(v * loaded.scale for v in (3000, 2000, 3200, 2200)), abs=1.5)


def test_working_long_side_is_configurable(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (1000, 500), BLUE), tmp_path / "photo.jpg")
    loaded = load_image(path, working_long_side=250)
    assert loaded.rgb.shape == (125, 250, 3)
    assert loaded.scale == 0.25


def test_rgb_array_is_read_only(tmp_path: Path) -> None:
    loaded = load_image(_save(Image.new("RGB", (100, 100), BLUE), tmp_path / "photo.jpg"))
    assert not loaded.rgb.flags.writeable
    with pytest.raises(ValueError):
        loaded.rgb[0, 0, 0] = 1


# --- EXIF orientation ------------------------------------------------------------------


@pytest.mark.parametrize("size", [(300, 200), (4000, 3000)])
@pytest.mark.parametrize(
    ("orientation", "red_corner"),
    [(1, "top-left"), (3, "bottom-right"), (6, "top-right"), (8, "bottom-left")],
)
def test_exif_orientation_turns_the_photo_upright(tmp_path: Path, size: tuple[int, int],
                                                  orientation: int, red_corner: str) -> None:
    stored = _marked(size, block=size[0] // 5)
    path = _save(stored, tmp_path / "turned.jpg", exif=_exif(orientation), quality=95)
    loaded = load_image(path)
    swapped = orientation in (6, 8)
    assert (loaded.width, loaded.height) == (size[::-1] if swapped else size)
    assert loaded.rgb.shape[:2] == (round(loaded.height * loaded.scale), round(loaded.width * loaded.scale))
    for corner, pixel in _corners(loaded.rgb).items():
        assert _close(pixel, RED if corner == red_corner else BLUE, tolerance=40), corner


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_matches_imageops_exif_transpose(tmp_path: Path, orientation: int) -> None:
    path = _save(_marked((120, 80), block=30), tmp_path / "turned.png", exif=_exif(orientation))
    with Image.open(path) as image:
        expected = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    assert np.array_equal(load_image(path).rgb, expected)


# --- pixel formats ---------------------------------------------------------------------


def _palette_image() -> Image.Image:
    return Image.new("RGB", (100, 80), (10, 160, 90)).quantize(colors=4)


def _transparent_palette_image() -> Image.Image:
    image = Image.new("P", (100, 80), 1)
    image.putpalette([0, 0, 0, 200, 30, 30] + [0, 0, 0] * 254)
    image.info["transparency"] = 0
    image.paste(0, (0, 0, 100, 40))  # top half: the transparent index
    return image


def _half_transparent_rgba() -> Image.Image:
    image = Image.new("RGBA", (100, 80), (0, 0, 0, 0))
    image.paste((255, 0, 0, 128), (0, 40, 100, 80))
    return image


@pytest.mark.parametrize(
    ("make", "name", "params", "top", "bottom"),
    [
        pytest.param(lambda: Image.new("L", (100, 80), 100), "grey.png", {},
                     (100, 100, 100), (100, 100, 100), id="L"),
        pytest.param(lambda: Image.new("1", (100, 80), 1), "bilevel.png", {},
                     (255, 255, 255), (255, 255, 255), id="1"),
        pytest.param(lambda: Image.new("LA", (100, 80), (0, 0)), "grey-alpha.png", {},
                     (255, 255, 255), (255, 255, 255), id="LA-transparent"),
        pytest.param(_half_transparent_rgba, "rgba.png", {},
                     (255, 255, 255), (255, 127, 127), id="RGBA"),
        pytest.param(_palette_image, "palette.png", {},
                     (10, 160, 90), (10, 160, 90), id="P"),
        pytest.param(_transparent_palette_image, "palette-alpha.png", {},
                     (255, 255, 255), (200, 30, 30), id="P-transparency"),
        pytest.param(lambda: Image.new("CMYK", (100, 80), (0, 255, 255, 0)), "cmyk.jpg",
                     {"quality": 95}, RED, RED, id="CMYK-JPEG"),
        pytest.param(lambda: Image.new("L", (100, 80), 100), "grey.jpg", {"quality": 95},
                     (100, 100, 100), (100, 100, 100), id="L-JPEG"),
        pytest.param(lambda: Image.new("RGB", (100, 80), (20, 140, 220)), "photo.webp",
                     {"lossless": True}, (20, 140, 220), (20, 140, 220), id="WebP"),
        pytest.param(_half_transparent_rgba, "rgba.webp", {"lossless": True},
                     (255, 255, 255), (255, 127, 127), id="WebP-RGBA"),
    ],
)
def test_pixel_formats_become_rgb(tmp_path: Path, make, name: str, params: dict,
                                  top: tuple[int, int, int], bottom: tuple[int, int, int]) -> None:
    loaded = load_image(_save(make(), tmp_path / name, **params))
    assert loaded.rgb.shape == (80, 100, 3)
    assert loaded.rgb.dtype == np.uint8
    assert _close(loaded.rgb[10, 50], top)
    assert _close(loaded.rgb[70, 50], bottom)


def test_16_bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.full((80, 100), 32768, dtype=np.uint16)
    values[:, :50] = 65535
    values[:, 90:] = 0
    path = _save(Image.fromarray(values), tmp_path / "deep.png")
    with Image.open(path) as image:
        assert image.mode.startswith("I;16")
    rgb = load_image(path).rgb
    assert tuple(rgb[40, 10]) == (255, 255, 255)
    assert tuple(rgb[40, 70]) == (128, 128, 128)
    assert tuple(rgb[40, 95]) == (0, 0, 0)


def test_32_bit_grey_is_read_as_16_bit_range() -> None:
    # Older Pillow releases open 16-bit PNGs as mode "I".
    image = Image.fromarray(np.array([[0, 32768, 65535, 70000]] * 4, dtype=np.int32))
    assert image.mode == "I"
    assert np.asarray(_to_rgb(image))[0, :, 0].tolist() == [0, 128, 255, 255]


def test_large_png_is_reduced(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (5000, 2500), BLUE), tmp_path / "wide.png")
    loaded = load_image(path)
    assert loaded.rgb.shape == (640, 1280, 3)
    assert loaded.scale == 0.256


def test_heic(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("encoders"):
        pytest.skip("this libheif has no HEIC encoder to make the test photo")
    # Written without registering the Pillow opener, which load_image must do
    # itself. As bytes, the orientation becomes the HEIF rotation (irot) that
    # phones write; libheif applies it while decoding.
    path = tmp_path / "iphone.heic"
    pillow_heif.from_pillow(_marked((1600, 1200), block=300)).save(
        path, quality=90, exif=_exif(6).tobytes())
    loaded = load_image(path)
    assert (loaded.width, loaded.height) == (1200, 1600)
    assert loaded.rgb.shape == (1280, 960, 3)
    assert loaded.scale == 0.8
    corners = _corners(loaded.rgb)
    assert _close(corners["top-right"], RED, tolerance=40)
    assert _close(corners["top-left"], BLUE, tolerance=40)
    # libheif turned it upright; the EXIF value it followed is still recorded.
    assert (loaded.origin.format, loaded.origin.exif_orientation) == ("HEIF", 6)
    assert loaded.warnings == ()


# --- the input file --------------------------------------------------------------------


def test_input_file_is_not_modified(tmp_path: Path) -> None:
    path = _save(_marked((2000, 1000), block=200), tmp_path / "turned.jpg", exif=_exif(6))
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_image(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_accepts_a_string_path(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "photo.jpg")
    assert load_image(str(path)).path == path


# --- errors ----------------------------------------------------------------------------


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "missing.jpg"


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "folder.jpg"
    path.mkdir()
    return path


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.jpg"
    os.mkfifo(path)
    return path


def _below_a_file(tmp_path: Path) -> Path:
    (tmp_path / "file").write_text("x")
    return tmp_path / "file" / "photo.jpg"


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.jpg"
    path.touch()
    return path


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "notes.jpg"
    path.write_text("These are notes, not a photo.\n")
    return path


def _bmp(tmp_path: Path) -> Path:
    return _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "scan.bmp")


def _truncated_jpeg(tmp_path: Path) -> Path:
    path = _noise_jpeg(tmp_path / "cut.jpg")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_png(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    path = _save(Image.fromarray(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)), tmp_path / "cut.png")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_header(tmp_path: Path) -> Path:
    comment = PngImagePlugin.PngInfo()
    comment.add_text("comment", "x" * 5000)
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "cut-header.png", pnginfo=comment)
    path.write_bytes(path.read_bytes()[:1000])
    return path


def _corrupt_jpeg(tmp_path: Path) -> Path:
    path = _noise_jpeg(tmp_path / "garbled.jpg")
    data = bytearray(path.read_bytes())
    data[200:] = b"\x00" * (len(data) - 200)
    path.write_bytes(bytes(data))
    return path


def _tiny(tmp_path: Path) -> Path:
    return _save(Image.new("RGB", (200, 50), BLUE), tmp_path / "strip.png")


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (_missing, "does not exist"),
        (_directory, "is a directory"),
        (_fifo, "is not a regular file"),
        (_below_a_file, "cannot be read (Not a directory)"),
        (_empty, "is empty (0 bytes)"),
        (_text, "is not an image posture can read"),
        (_bmp, "is in BMP format; posture reads JPEG, PNG, WebP and HEIC photos"),
        (_truncated_jpeg, "is truncated or damaged"),
        (_truncated_png, "is truncated or damaged"),
        (_truncated_header, "is truncated or damaged"),
        (_corrupt_jpeg, "is truncated or damaged"),
        (_tiny, "is only 200x50 pixels, too small to find a person"),
    ],
)
def test_bad_input_is_one_sentence_naming_the_file(tmp_path: Path, make, fragment: str) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        load_image(path)
    message = str(caught.value)
    assert fragment in message
    assert path.name in message
    assert "\n" not in message
    assert message.endswith(".")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        # Pillow 12 also gives up on _corrupt_jpeg here; 13 opens it and fails to decode it.
        pytest.param(b"\xff\xd8\xff\xff\x02" + bytes(range(3, 200)), "JPEG", id="jpeg-unknown-marker"),
        pytest.param(PNG_SIGNATURE + bytes(8), "PNG", id="png-empty-chunk"),
        pytest.param(b"\x00\x00\x00\x18ftypheic" + bytes(40), "HEIC", id="heic-no-boxes"),
    ],
)
def test_a_photo_whose_header_pillow_cannot_parse_is_damaged(tmp_path: Path, data: bytes, kind: str) -> None:
    # Pillow reports these as unidentified: each opener raises and it tries the next.
    path = tmp_path / "broken.img"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        load_image(path)
    assert str(caught.value) == \
        f"{path} is truncated or damaged and cannot be decoded: its {kind} header cannot be read."


@pytest.mark.parametrize(
    ("pillow_limit", "fragment"),
    [
        (9_000, "is in BMP format"),  # Pillow only warns: the warning must not escape
        (1_000, "is not an image posture can read"),  # Pillow refuses even to name it
    ],
)
def test_huge_unsupported_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                pillow_limit: int, fragment: str) -> None:
    path = _bmp(tmp_path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    with pytest.raises(InputError, match=fragment):
        load_image(path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod cannot make a file unreadable for root, so opening is made to fail instead.
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "locked.jpg")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputError, match=r"locked\.jpg cannot be read \(Permission denied\)\.$"):
        load_image(path)


def test_truncated_images_stay_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_image(_truncated_jpeg(tmp_path))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    ("max_pixels", "count"),
    [
        (9_000, "10,000"),  # within Pillow's warning band: our own exact check refuses
        # Beyond twice the limit Pillow itself refuses while opening; its message has the count.
        (1_000, "10,000"),
    ],
)
def test_too_many_pixels(tmp_path: Path, max_pixels: int, count: str) -> None:
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "photo.jpg")
    with pytest.raises(InputError) as caught:
        load_image(path, max_pixels=max_pixels)
    assert str(caught.value) == (f"{path} has {count} pixels, more than the limit of {max_pixels:,}; "
                                 "resize it or raise --max-pixels.")


@pytest.mark.parametrize(("max_pixels", "refused"), [(20_000, False), (19_999, True)])
def test_a_16_bit_pixel_counts_twice_against_the_limit(tmp_path: Path, max_pixels: int, refused: bool) -> None:
    # 10,000 pixels of 16 bits decode to 20,000 bytes, as many as 20,000 pixels of 8 bits.
    path = _save(Image.fromarray(np.full((100, 100), 30000, dtype=np.uint16)), tmp_path / "deep.png")
    with Image.open(path) as image:
        assert image.mode.startswith("I;16")
    if not refused:
        assert load_image(path, max_pixels=max_pixels).width == 100
        return
    with pytest.raises(InputError) as caught:
        load_image(path, max_pixels=max_pixels)
    assert str(caught.value) == (
        f"{path} has 10,000 pixels of 16 bits, which count as 20,000 against the limit of 19,999 (each byte of a "
        "pixel counts once); resize it, save it with 8 bits per channel, or raise --max-pixels.")


def test_limit_count_reads_the_header_alone(tmp_path: Path) -> None:
    deep = _save(Image.fromarray(np.full((100, 80), 300, dtype=np.uint16)), tmp_path / "deep.png")
    colour = _save(Image.new("RGB", (100, 80), BLUE), tmp_path / "colour.jpg")
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    assert limit_count(deep) == 2 * 100 * 80
    assert limit_count(colour) == 100 * 80
    assert limit_count(text) is None
    assert limit_count(tmp_path / "absent.png") is None
    assert limit_count(colour, max_pixels=1000) is None  # beyond twice the limit Pillow refuses to open it


def test_an_8_bit_grey_png_counts_each_pixel_once(tmp_path: Path) -> None:
    path = _save(Image.new("L", (100, 100), 90), tmp_path / "grey.png")
    assert load_image(path, max_pixels=10_000).width == 100


@pytest.mark.parametrize(("values", "expected"), [
    ([0, 128, 255, 200], [0, 128, 255, 200]),  # all within 0-255: 8-bit values in a 32-bit image
    ([0, 128, 256, 200], [0, 0, 1, 1]),  # one beyond 255: a 16-bit range
    ([-1, 128, 255, 200], [0, 0, 1, 1]),  # a negative value is no 8-bit image either
])
def test_mode_i_is_scaled_by_its_value_range(values: list[int], expected: list[int]) -> None:
    image = Image.fromarray(np.array([values] * 4, dtype=np.int32))
    assert image.mode == "I"
    assert np.asarray(_to_rgb(image))[0, :, 0].tolist() == expected


def test_a_mode_i_photo_holding_0_to_255_reads_as_its_8_bit_original() -> None:
    grey = Image.fromarray(_gradient((400, 300))).convert("L")
    as_i = grey.convert("I")  # the same values, 0-255, in 32-bit integers
    assert as_i.mode == "I"
    np.testing.assert_array_equal(image_from_pil(as_i).rgb, image_from_pil(grey).rgb)
    assert not image_from_pil(as_i).is_dark


def test_16_bit_grey_scaled_in_blocks_is_scaled_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.random.default_rng(3).integers(0, 65536, (37, 23), dtype=np.uint16)
    image = Image.fromarray(values)
    whole = np.asarray(_to_rgb(image))
    monkeypatch.setattr("posture.io.loading.CONVERSION_BLOCK_VALUES", 5 * 23 + 7)  # blocks of 5 rows, a short last one
    np.testing.assert_array_equal(np.asarray(_to_rgb(image)), whole)


def test_grey_reduced_before_becoming_rgb_gives_the_same_pixels(tmp_path: Path) -> None:
    grey = Image.fromarray(_gradient((1500, 700))).convert("L")
    from_grey = load_image(_save(grey, tmp_path / "grey.png")).rgb
    from_rgb = load_image(_save(grey.convert("RGB"), tmp_path / "rgb.png")).rgb
    np.testing.assert_array_equal(from_grey, from_rgb)


def test_too_many_pixels_far_beyond_the_limit_gives_the_real_count(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (1280, 720), BLUE), tmp_path / "photo.jpg")
    with pytest.raises(InputError, match=r"photo\.jpg has 921,600 pixels, more than the limit of 1,000; "):
        load_image(path, max_pixels=1000)


def test_pixel_count_falls_back_to_a_bound_if_pillow_rewords_its_error() -> None:
    assert bomb_pixel_count(Image.DecompressionBombError("Image size (921600 pixels) exceeds limit"), 1000) \
        == "921,600"
    assert bomb_pixel_count(Image.DecompressionBombError("Image is too big"), 1000) == "over 2,000"


def test_max_pixels_overrides_and_restores_pillow_limit(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "photo.jpg")
    assert load_image(path).width == 100  # 10,000 pixels: Pillow alone would refuse
    assert Image.MAX_IMAGE_PIXELS == 5_000


def test_unprintable_file_name_stays_on_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_image(tmp_path / "two\nlines.jpg")
    assert "\n" not in str(caught.value)
    assert "two\\nlines.jpg" in str(caught.value)


@pytest.mark.parametrize("arguments", [{"max_pixels": 0}, {"working_long_side": 0}])
def test_nonsense_limits_are_programming_errors(tmp_path: Path, arguments: dict[str, int]) -> None:
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "photo.jpg")
    with pytest.raises(ValueError):
        load_image(path, **arguments)


# --- brightness ------------------------------------------------------------------------


def test_dark_photo_gets_a_warning(tmp_path: Path) -> None:
    loaded = load_image(_save(Image.new("RGB", (200, 200), (8, 8, 8)), tmp_path / "night.png"))
    assert loaded.is_dark
    assert len(loaded.warnings) == 1
    assert loaded.warnings[0].startswith("The photo is very dark")
    assert "\n" not in loaded.warnings[0]


def test_normal_photo_has_no_dark_warning(tmp_path: Path) -> None:
    loaded = load_image(_save(Image.new("RGB", (200, 200), (60, 60, 60)), tmp_path / "dim.png"))
    assert not loaded.is_dark
    assert loaded.warnings == ()


@pytest.mark.parametrize(
    ("colour", "expected"),
    [((0, 0, 0), 0.0), ((255, 255, 255), 255.0), (RED, 0.299 * 255), ((0, 255, 0), 0.587 * 255)],
)
def test_mean_luminance(colour: tuple[int, int, int], expected: float) -> None:
    rgb = np.empty((40, 60, 3), dtype=np.uint8)
    rgb[:] = colour
    assert mean_luminance(rgb) == pytest.approx(expected)


def test_mean_luminance_averages_the_whole_image() -> None:
    rgb = np.zeros((40, 60, 3), dtype=np.uint8)
    rgb[:10] = 255
    assert mean_luminance(rgb) == pytest.approx(255 / 4)


# --- provenance --------------------------------------------------------------------------


def test_origin_of_a_file(tmp_path: Path) -> None:
    path = _noise_jpeg(tmp_path / "photo.jpg")
    origin = load_image(path).origin
    data = path.read_bytes()
    assert origin == ImageOrigin(sha256=hashlib.sha256(data).hexdigest(), format="JPEG", exif_orientation=1,
                                 capture_time=None, file_size=len(data))


_OPEN_RECORDERS: list[list[tuple[str, int]]] = []


def _on_audit_event(event: str, args: tuple) -> None:
    # Every way of opening a file (builtins.open, io.open, pathlib, os.open) raises the "open"
    # event with (path, mode, flags); file descriptors are left out.
    if event == "open" and _OPEN_RECORDERS and isinstance(args[0], (str, bytes)):
        _OPEN_RECORDERS[-1].append((os.fsdecode(args[0]), args[2]))


@functools.cache
def _install_audit_hook() -> None:
    # An audit hook cannot be removed: one for the whole run, recording only inside _files_opened.
    sys.addaudithook(_on_audit_event)


@contextmanager
def _files_opened() -> Iterator[list[tuple[str, int]]]:
    """The (path, flags) of every file opened inside the block."""
    _install_audit_hook()
    opened: list[tuple[str, int]] = []
    _OPEN_RECORDERS.append(opened)
    try:
        yield opened
    finally:
        _OPEN_RECORDERS.remove(opened)


def test_the_file_is_opened_once_and_only_for_reading(tmp_path: Path) -> None:
    # Audited rather than spied on: Python 3.10's pathlib binds io.open when it is imported, so
    # Path.open escapes a monkeypatched io.open or builtins.open there.
    path = _save(_marked((2000, 1000), block=200), tmp_path / "turned.jpg", exif=_exif(6))
    with _files_opened() as opened:
        load_image(path)
    # Imports during the call open modules elsewhere; tmp_path holds only the photo.
    here = [(name, flags) for name, flags in opened if Path(name).is_relative_to(tmp_path)]
    assert [name for name, _ in here] == [str(path)]
    assert here[0][1] & os.O_ACCMODE == os.O_RDONLY


def test_opens_are_seen_on_every_route(tmp_path: Path) -> None:
    # The premise of the test above, on this Python.
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "photo.png")
    with _files_opened() as opened:
        with path.open("rb"):
            pass
        path.read_bytes()
        with open(path, "rb"), io.open(path, "rb"), Image.open(path):
            pass
        os.close(os.open(path, os.O_RDONLY))
    assert [name for name, _ in opened] == [str(path)] * 6


def _mpo(path: Path) -> Path:
    return _save(Image.new("RGB", (100, 100), BLUE), path, format="MPO", save_all=True,
                 append_images=[Image.new("RGB", (100, 100), RED)])


@pytest.mark.parametrize(
    ("name", "save", "expected"),
    [
        ("photo.jpg", lambda image, path: _save(image, path), "JPEG"),
        ("photo.png", lambda image, path: _save(image, path), "PNG"),
        ("photo.webp", lambda image, path: _save(image, path, lossless=True), "WEBP"),
        ("stereo.jpg", lambda image, path: _mpo(path), "MPO"),
    ],
)
def test_format_names(tmp_path: Path, name: str, save, expected: str) -> None:
    path = save(Image.new("RGB", (100, 100), BLUE), tmp_path / name)
    assert load_image(path).origin.format == expected


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_exif_orientation_is_recorded(tmp_path: Path, orientation: int) -> None:
    path = _save(_marked((300, 200), block=60), tmp_path / "turned.jpg", exif=_exif(orientation))
    assert load_image(path).origin.exif_orientation == orientation


def test_invalid_orientation_is_neither_applied_nor_recorded(tmp_path: Path) -> None:
    path = _save(_marked((120, 80), block=30), tmp_path / "odd.png", exif=_exif(9))
    loaded = load_image(path)
    assert loaded.origin.exif_orientation == 1
    assert (loaded.width, loaded.height) == (120, 80)
    assert _close(loaded.rgb[5, 5], RED)


def _dated(original: str | None, offset: str | None = None, *, base: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    if base is not None:
        exif[ExifTags.Base.DateTime] = base
    details = exif.get_ifd(ExifTags.IFD.Exif)
    if original is not None:
        details[ExifTags.Base.DateTimeOriginal] = original
    if offset is not None:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    return exif


@pytest.mark.parametrize(
    ("exif", "expected"),
    [
        pytest.param(_dated("2026:01:10 09:15:02", "+01:00"), "2026-01-10T09:15:02+01:00", id="with-offset"),
        pytest.param(_dated("2025:12:31 23:59:59", "-05:30"), "2025-12-31T23:59:59-05:30", id="negative-offset"),
        pytest.param(_dated("2026:01:10 09:15:02"), "2026-01-10T09:15:02", id="local-time"),
        pytest.param(_dated("2026:01:10 09:15:02", "   :  "), "2026-01-10T09:15:02", id="blank-offset"),
        pytest.param(_dated("    :  :     :  :  "), None, id="blank-time"),
        pytest.param(_dated("0000:00:00 00:00:00"), None, id="zero-time"),
        # DateTime is when the file last changed, which editing rewrites: not a capture time.
        pytest.param(_dated(None, base="2026:01:10 09:15:02"), None, id="only-base-datetime"),
        pytest.param(Image.Exif(), None, id="no-exif"),
    ],
)
def test_capture_time(tmp_path: Path, exif: Image.Exif, expected: str | None) -> None:
    path = _save(Image.new("RGB", (100, 100), BLUE), tmp_path / "dated.jpg", exif=exif)
    loaded = load_image(path)
    assert loaded.origin.capture_time == expected
    assert loaded.warnings == ()


# --- damaged EXIF ------------------------------------------------------------------------

EXIF_DAMAGED = ("The photo's EXIF block is damaged, so its orientation and capture time could not be read "
                "and it is used as stored.")


def _with_app1(tmp_path: Path, payload: bytes, **params: object) -> Path:
    """A JPEG whose first segment after SOI is an APP1 (EXIF) segment holding ``payload``."""
    path = _save(_marked((200, 100), block=40), tmp_path / "damaged.jpg", quality=95, **params)
    data = path.read_bytes()
    path.write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:])
    return path


def _tiff(entries: list[tuple[int, int, int, int]]) -> bytes:
    """A little-endian TIFF structure with one directory of (tag, type, count, value) entries."""
    directory = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *entry) for entry in entries)
    return b"II*\x00" + struct.pack("<I", 8) + directory + struct.pack("<I", 0)


ORIENTATION_6 = (ExifTags.Base.Orientation, 3, 1, 6)  # SHORT
TRUNCATED_DIRECTORY = b"Exif\x00\x00" + _tiff([ORIENTATION_6])[:14]  # says 1 entry, holds 4 of its 12 bytes
GARBLED = b"Exif\x00\x00" + bytes(range(7, 47))  # no TIFF header at all
EXIF_DIRECTORY_ELSEWHERE = b"Exif\x00\x00" + _tiff([ORIENTATION_6, (ExifTags.IFD.Exif, 4, 1, 5000)])


def test_truncated_exif_makes_pillow_warn(tmp_path: Path) -> None:
    # The premise of the next test: Pillow alone lets this warning reach the user.
    with pytest.warns(UserWarning, match="Corrupt EXIF data"), \
            Image.open(_with_app1(tmp_path, TRUNCATED_DIRECTORY)) as image:
        image.getexif()


@pytest.mark.parametrize(
    ("payload", "params"),
    [
        pytest.param(TRUNCATED_DIRECTORY, {}, id="truncated-directory"),  # Pillow warned
        pytest.param(GARBLED, {"dpi": (72, 72)}, id="garbled-dpi-in-jfif"),  # Pillow raised: photo refused
        pytest.param(GARBLED, {}, id="garbled"),  # Pillow dropped the EXIF silently
    ],
)
def test_damaged_exif_is_a_warning_in_the_result(tmp_path: Path, payload: bytes, params: dict) -> None:
    loaded = load_image(_with_app1(tmp_path, payload, **params))
    assert loaded.warnings == (EXIF_DAMAGED,)
    assert (loaded.origin.exif_orientation, loaded.origin.capture_time) == (1, None)
    assert (loaded.width, loaded.height) == (200, 100)
    assert _close(loaded.rgb[5, 5], RED)


def test_damaged_exif_directory_loses_only_the_capture_time(tmp_path: Path) -> None:
    loaded = load_image(_with_app1(tmp_path, EXIF_DIRECTORY_ELSEWHERE))
    assert loaded.warnings == ("The photo's EXIF block is damaged, so its capture time could not be read.",)
    assert (loaded.origin.exif_orientation, loaded.origin.capture_time) == (6, None)
    assert (loaded.width, loaded.height) == (100, 200)


def test_damaged_exif_and_dark_photo_give_two_sentences(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (100, 100), (5, 5, 5)), tmp_path / "night.jpg", quality=95)
    data = path.read_bytes()
    path.write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(GARBLED) + 2) + GARBLED + data[2:])
    loaded = load_image(path)
    assert loaded.warnings[0] == EXIF_DAMAGED
    assert loaded.warnings[1].startswith("The photo is very dark")


def test_other_pillow_warnings_pass_on() -> None:
    problems: list[str] = []
    with pytest.warns(RuntimeWarning, match="not about EXIF"), pillow_guard(problems):
        warnings.warn("not about EXIF", RuntimeWarning)
    assert problems == []


# --- in-memory input ---------------------------------------------------------------------


def _gradient(size: tuple[int, int]) -> np.ndarray:
    """An (H, W, 3) uint8 RGB image whose pixels differ everywhere, so any misplacement shows."""
    width, height = size
    x = np.arange(width)[None, :]
    y = np.arange(height)[:, None]
    return np.stack(np.broadcast_arrays((x * 7 + y) % 256, (y * 5) % 256, (x + y * 3) % 256),
                    axis=-1).astype(np.uint8)


def _same_as_file(loaded: LoadedImage, from_file: LoadedImage) -> None:
    assert np.array_equal(loaded.rgb, from_file.rgb)
    assert (loaded.width, loaded.height, loaded.scale, loaded.is_dark, loaded.warnings) == \
        (from_file.width, from_file.height, from_file.scale, from_file.is_dark, from_file.warnings)


@pytest.mark.parametrize("size", [(300, 200), (1400, 1000), (800, 1700)])
@pytest.mark.parametrize(
    "pixels",
    [
        pytest.param(lambda size: _gradient(size), id="RGB"),
        pytest.param(lambda size: _gradient(size)[..., 1], id="grey"),
        pytest.param(lambda size: np.dstack([_gradient(size), _gradient(size)[..., :1]]), id="RGBA"),
    ],
)
def test_array_is_taken_as_the_same_pixels_saved_as_png(tmp_path: Path, size: tuple[int, int], pixels) -> None:
    array = pixels(size)
    from_file = load_image(_save(Image.fromarray(array), tmp_path / "same.png", compress_level=1))
    loaded = image_from_array(array)
    _same_as_file(loaded, from_file)
    assert not loaded.rgb.flags.writeable


def test_16_bit_array_is_scaled_as_16_bit_png(tmp_path: Path) -> None:
    values = (_gradient((300, 200))[..., 0].astype(np.uint16) * 257) ^ 0x5A
    from_file = load_image(_save(Image.fromarray(values), tmp_path / "deep.png"))
    _same_as_file(image_from_array(values), from_file)


def test_16_bit_rgb_array() -> None:
    values = np.zeros((100, 100, 3), dtype=np.uint16)
    values[..., 0] = 65535
    values[..., 1] = 32768
    assert tuple(image_from_array(values).rgb[50, 50]) == (255, 128, 0)


def test_array_origin_hashes_the_rgb_pixels() -> None:
    array = _gradient((300, 200))
    loaded = image_from_array(array)
    assert loaded.origin == ImageOrigin(sha256=hashlib.sha256(array.tobytes()).hexdigest(), format="array",
                                        exif_orientation=1, capture_time=None, file_size=None)
    assert (loaded.path, loaded.display_name) == (None, "numpy array")


def test_array_hash_is_of_the_pixels_after_conversion_to_rgb() -> None:
    grey = _gradient((300, 200))[..., 0]
    mirrored = np.ascontiguousarray(grey[:, ::-1])
    assert image_from_array(grey).origin.sha256 == \
        hashlib.sha256(np.repeat(grey[..., None], 3, axis=2).tobytes()).hexdigest()
    # A strided view hashes as its pixels, not as the memory behind it.
    assert image_from_array(grey[:, ::-1]).origin.sha256 == image_from_array(mirrored).origin.sha256


def test_array_is_copied_not_kept() -> None:
    array = _gradient((300, 200))
    loaded = image_from_array(array)
    before = array.copy()
    array[:] = 0
    assert np.array_equal(loaded.rgb, before)


def test_array_name_is_used_in_reports_and_messages() -> None:
    assert image_from_array(_gradient((300, 200)), name="frame 12").display_name == "frame 12"
    with pytest.raises(InputError, match=r"^frame 12 is only 300x20 pixels"):
        image_from_array(_gradient((300, 20)), name="frame 12")
    with pytest.raises(InputError, match=r"^'frame\\n12' is only 300x20 pixels"):
        image_from_array(_gradient((300, 20)), name="frame\n12")


@pytest.mark.parametrize(
    ("array", "described"),
    [
        (np.zeros((100, 100, 2), dtype=np.uint8), "shape (100, 100, 2) and dtype uint8"),
        (np.zeros((100, 100, 3), dtype=np.float32), "shape (100, 100, 3) and dtype float32"),
        (np.zeros((100, 100, 3), dtype=np.int16), "shape (100, 100, 3) and dtype int16"),
        (np.zeros((100, 100), dtype=bool), "shape (100, 100) and dtype bool"),
        (np.zeros(100, dtype=np.uint8), "shape (100,) and dtype uint8"),
        (np.zeros((2, 100, 100, 3), dtype=np.uint8), "shape (2, 100, 100, 3) and dtype uint8"),
        ([[0, 1], [2, 3]], "shape (2, 2) and dtype int64"),
    ],
)
def test_unusable_arrays_are_refused(array: np.ndarray, described: str) -> None:
    with pytest.raises(InputError) as caught:
        image_from_array(array)
    assert str(caught.value) == (f"numpy array has {described}; posture takes uint8 or uint16 arrays shaped "
                                 "(H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA.")


def test_array_limits() -> None:
    with pytest.raises(InputError, match=r"^numpy array has 60,000 pixels, more than the limit of 50,000; "):
        image_from_array(_gradient((300, 200)), max_pixels=50_000)
    with pytest.raises(InputError, match=r"^numpy array is only 0x0 pixels"):
        image_from_array(np.zeros((0, 0, 3), dtype=np.uint8))
    with pytest.raises(ValueError):
        image_from_array(_gradient((300, 200)), working_long_side=0)


def test_dark_array_gets_the_dark_warning() -> None:
    loaded = image_from_array(np.full((200, 200, 3), 8, dtype=np.uint8))
    assert loaded.is_dark
    assert loaded.warnings[0].startswith("The photo is very dark")


@pytest.mark.parametrize(
    "make",
    [_palette_image, _transparent_palette_image, _half_transparent_rgba,
     lambda: Image.new("LA", (100, 80), (0, 0)), lambda: Image.fromarray(_gradient((1500, 700)))],
    ids=["P", "P-transparency", "RGBA", "LA", "RGB-large"],
)
def test_pil_image_is_taken_as_the_same_image_saved_as_png(tmp_path: Path, make) -> None:
    image = make()
    from_file = load_image(_save(image, tmp_path / "same.png", compress_level=1))
    loaded = image_from_pil(image)
    _same_as_file(loaded, from_file)
    assert loaded.origin.sha256 == hashlib.sha256(_to_rgb(image).tobytes()).hexdigest()
    assert (loaded.origin.format, loaded.path, loaded.display_name) == ("PIL", None, "PIL image")


def test_opened_pil_image_keeps_its_format_orientation_and_capture_time(tmp_path: Path) -> None:
    exif = _dated("2026:01:10 09:15:02", "+01:00")
    exif[ExifTags.Base.Orientation] = 6
    path = _save(_marked((300, 200), block=60), tmp_path / "turned.jpg", exif=exif, quality=95)
    with Image.open(path) as image:
        loaded = image_from_pil(image, name="camera frame")
    from_file = load_image(path)
    _same_as_file(loaded, from_file)
    assert (loaded.origin.format, loaded.origin.exif_orientation, loaded.origin.capture_time) == \
        ("JPEG", 6, "2026-01-10T09:15:02+01:00")
    assert loaded.display_name == "camera frame"


def test_pil_image_is_not_drafted(tmp_path: Path) -> None:
    # JPEG draft would shrink the caller's image object itself.
    path = _save(Image.new("RGB", (4000, 3000), BLUE), tmp_path / "big.jpg")
    with Image.open(path) as image:
        loaded = image_from_pil(image)
        assert image.size == (4000, 3000)
    assert loaded.rgb.shape == (960, 1280, 3)


def test_pil_image_problems() -> None:
    with pytest.raises(InputError, match=r"^PIL image is in Pillow mode 'La', which posture cannot convert"):
        image_from_pil(Image.new("La", (100, 100)))
    closed = Image.new("RGB", (100, 100))
    closed.close()
    with pytest.raises(InputError, match=r"^PIL image is truncated or damaged"):
        image_from_pil(closed)
    with pytest.raises(InputError, match=r"^PIL image has 10,000 pixels, more than the limit of 9,999; "):
        image_from_pil(Image.new("RGB", (100, 100)), max_pixels=9_999)
    with pytest.raises(TypeError):
        image_from_pil(_gradient((100, 100)))  # type: ignore[arg-type]


@pytest.mark.parametrize(("path", "label"), [(None, None), (Path("photo.jpg"), "photo")])
def test_loaded_image_has_a_path_or_a_label(path: Path | None, label: str | None) -> None:
    origin = ImageOrigin(sha256="0" * 64, format="array", exif_orientation=1, capture_time=None, file_size=None)
    with pytest.raises(ValueError):
        LoadedImage(path=path, width=1, height=1, rgb=np.zeros((1, 1, 3), dtype=np.uint8), scale=1.0,
                    warnings=(), origin=origin, label=label)

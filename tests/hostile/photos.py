"""The hostile suite's inputs, built in a test's own folder from the committed samples (and ../shared/photos).

Each maker takes the folder and returns the path it made. Nothing here is
written outside that folder, and no photo of ../shared is copied: a real
photo is linked to, so the suite can check it is left unchanged.
"""

from __future__ import annotations

import functools
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from builders import PHOTOS, SAMPLES
from PIL import Image

SIDE_SAMPLE = SAMPLES / "side-left_neutral.png"
"""One person standing, whole, seen from the side: every photo that should be analysed is made from it."""

Maker = Callable[[Path], Path]


@functools.cache
def side_person() -> Image.Image:
    """The side sample as RGB pixels, read once."""
    with Image.open(SIDE_SAMPLE) as image:
        return image.convert("RGB")


def saved(image: Image.Image, name: str, **params: object) -> Maker:
    """A maker that saves ``image`` under ``name`` (the format follows the suffix)."""

    def make(folder: Path) -> Path:
        path = folder / name
        image.save(path, **params)
        return path

    return make


def written(name: str, data: bytes | Callable[[], bytes]) -> Maker:
    """A maker that writes ``data`` (or what the callable returns) under ``name``."""

    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return make


def person(name: str, transform: Callable[[Image.Image], Image.Image] = lambda image: image,
           **params: object) -> Maker:
    """A maker saving the side person, changed by ``transform``, under ``name``."""

    def make(folder: Path) -> Path:
        path = folder / name
        transform(side_person()).save(path, **params)
        return path

    return make


def sample(name: str, as_name: str) -> Maker:
    """A maker copying the committed sample ``name`` to ``as_name``."""
    return lambda folder: Path(shutil.copyfile(SAMPLES / name, folder / as_name))


def shared(name: str) -> Maker:
    """A maker linking to the real photo ``name`` of ../shared/photos; skips when it is absent."""

    def make(folder: Path) -> Path:
        source = PHOTOS / name
        if not source.is_file():
            pytest.skip(f"needs the real test photo {name} in ../shared/photos beside the checkout")
        link = folder / name
        link.symlink_to(source)
        return link

    return make


# --------------------------------------------------------------------------- damaged and hostile files


def jpeg_bytes(size: tuple[int, int] = (300, 400)) -> bytes:
    """A whole JPEG of noise (its halves do not decode to anything sensible)."""
    from io import BytesIO

    buffer = BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width: int, height: int, *, depth: int = 8, colour: int = 2) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` and whose data is one compressed row of zeros.

    A decompression bomb in miniature: tiny on disk, enormous once decoded.
    """
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _chunk(b"IEND", b""))


def png_bomb() -> bytes:
    """A real decompression bomb: 12,000 x 12,000 grey zeros (144 MB decoded) deflated to about 140 KB."""
    row = b"\x00" + b"\x00" * 12_000
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(12_000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", 12_000, 12_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def truncated(data: Callable[[], bytes], fraction: float = 0.5) -> Callable[[], bytes]:
    return lambda: (whole := data())[: int(len(whole) * fraction)]


def clip_bytes(size: tuple[int, int] = (144, 256), frames: int = 10, *, sound_only: bool = False) -> bytes:
    """An H.264 MP4 of ``frames`` flat grey frames of ``size``, or a Matroska file holding only sound."""
    import tempfile

    import av
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/clip.{'mkv' if sound_only else 'mp4'}"
        with av.open(path, "w") as container:
            if sound_only:
                stream = container.add_stream("pcm_s16le", rate=8000)
                frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono")
                frame.sample_rate = 8000
                pictures = [frame]
            else:
                stream = container.add_stream("libx264", rate=10)
                stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
                flat = np.full((size[1], size[0], 3), 128, dtype=np.uint8)
                pictures = [av.VideoFrame.from_ndarray(flat, format="rgb24") for _ in range(frames)]
            for picture in pictures:
                for packet in stream.encode(picture):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        with open(path, "rb") as file:
            return file.read()


# --------------------------------------------------------------------------- photos that decode


def exif_rotated(orientation: int) -> Maker:
    """The side person stored turned so that EXIF ``orientation`` makes it upright again."""
    # The inverse of what the orientation asks a viewer to do (Pillow's exif_transpose table).
    stored = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_270}[orientation]

    def make(folder: Path) -> Path:
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = folder / f"orientation-{orientation}.jpg"
        side_person().transpose(stored).save(path, "JPEG", quality=92, exif=exif.tobytes())
        return path

    return make


def odd_orientation(orientation: int) -> Maker:
    """The side person upright, with an EXIF orientation outside 1-8 (ignored)."""

    def make(folder: Path) -> Path:
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = folder / f"orientation-{orientation}.jpg"
        side_person().save(path, "JPEG", quality=92, exif=exif.tobytes())
        return path

    return make


def garbage_exif(folder: Path) -> Path:
    """The side person with an EXIF block of noise after its header."""
    path = folder / "garbage-exif.jpg"
    side_person().save(path, "JPEG", quality=92, exif=b"Exif\x00\x00MM\x00*" + bytes(range(256)) * 4)
    return path


def sixteen_bit(image: Image.Image) -> Image.Image:
    """The grey of ``image`` in 16 bits (0-65535), as a 16-bit PNG holds it."""
    grey = np.asarray(image.convert("L"), dtype=np.uint16) * 257
    return Image.fromarray(grey)


def two_people(image: Image.Image) -> Image.Image:
    both = Image.new("RGB", (image.width * 2, image.height), (255, 255, 255))
    both.paste(image, (0, 0))
    both.paste(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (image.width, 0))
    return both


def cropped_at_the_waist(image: Image.Image) -> Image.Image:
    return image.crop((0, 0, image.width, int(image.height * 0.5)))


def far_away(image: Image.Image) -> Image.Image:
    """The person at a tenth of the size in the middle of a white photo of the same size."""
    canvas = Image.new("RGB", image.size, (255, 255, 255))
    small = image.resize((image.width // 10, image.height // 10))
    canvas.paste(small, ((image.width - small.width) // 2, (image.height - small.height) // 2))
    return canvas


def blank(size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = (200, 200, 200)) -> Image.Image:
    return Image.new("RGB", size, colour)


def noise(size: tuple[int, int] = (640, 480)) -> Image.Image:
    return Image.fromarray(np.random.default_rng(1).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))

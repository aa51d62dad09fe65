"""Read a video clip into upright, reduced frames with their true times, or explain in one sentence why not.

PyAV (FFmpeg) decodes the clip. Each frame's time is its presentation
timestamp times the stream's time base, so a phone's variable frame rate is
honoured; the display matrix's rotation (a portrait phone clip is stored
sideways) turns every frame upright; frames are reduced to the working size
photos get (:mod:`posture.io.loading`). A clip is recognised by its content,
not its name: photos and clips can share a suffix-less path.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posture.core.image import ImageOrigin, LoadedImage
from posture.core.paths import path_text
from posture.errors import InputError
from posture.io.loading import WORKING_LONG_SIDE, working_image, working_size

MAX_FRAME_PIXELS = 4096 * 2160
"""Frames larger than cinema 4K are refused: every frame is decoded, and an 8K clip would take minutes a
second and gigabytes while the pose networks look at 256-pixel crops."""

HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"})
"""ISO base media brands of still images (HEIC, AVIF): such a file is a photo even though a clip shares its boxes."""

_READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class ClipInfo:
    """A clip's video stream as posture reads it.

    Attributes:
        path: the file.
        sha256: hex digest of the file's bytes.
        format: the codec, e.g. ``"HEVC video"`` or ``"H264 video"`` (FFmpeg's name, in capitals).
        width: display width in pixels, after the rotation.
        height: display height in pixels, after the rotation.
        rotation: degrees counter-clockwise the display matrix turns the stored frames (0, 90, 180 or -90).
        duration_s: the stream's length in seconds, or None when the container does not say.
        frame_count: the frames the container says it holds, or None.
    """

    path: Path
    sha256: str
    format: str
    width: int
    height: int
    rotation: int
    duration_s: float | None
    frame_count: int | None

    @property
    def name(self) -> str:
        return path_text(self.path.name)


@dataclass(frozen=True, slots=True)
class ClipFrame:
    """One frame of a clip, upright and at working size, with its presentation time in seconds."""

    time_s: float
    image: LoadedImage


def is_clip(path: str | Path) -> bool:
    """Whether the file's first bytes are those of a video container (MP4/MOV, Matroska/WebM, AVI).

    An ISO base media file whose brand is a still image's (HEIC, AVIF) is a photo, not a clip. Only a regular
    file is looked into: opening a named pipe could wait for ever (the photo reader names what it is instead).
    """
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):
            return False
        with Path(path).open("rb") as fp:
            head = fp.read(64)
    except OSError:
        return False
    if head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i:i + 4] for i in range(16, min(len(head), 8 + int.from_bytes(head[:4])), 4)}
        return head[8:12] not in HEIF_BRANDS and not (brands & HEIF_BRANDS and b"qt  " not in brands)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):  # QuickTime files without an ftyp box
        return True
    return head[:4] == b"\x1a\x45\xdf\xa3" or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")


def _file_digest(path: Path, name: str) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fp:
            while block := fp.read(_READ_BLOCK):
                digest.update(block)
    except OSError as error:
        raise InputError(f"{name} cannot be read ({error.strerror or error}).") from error
    return digest.hexdigest()


def _damaged(name: str, error: BaseException) -> InputError:
    detail = " ".join(str(error).split()).rstrip(".") or type(error).__name__
    return InputError(f"{name} is truncated or damaged and cannot be decoded as a video: {detail}.")


def _quarter_turns(rotation: float | None) -> int:
    """The display rotation rounded to whole quarter turns counter-clockwise (0-3)."""
    return 0 if rotation is None or not np.isfinite(rotation) else round(rotation / 90.0) % 4


def open_clip(path: str | Path, *, max_pixels: int = MAX_FRAME_PIXELS) -> ClipInfo:
    """Check that ``path`` is a readable clip with a video stream of frames no larger than ``max_pixels``.

    The first frame is decoded, for the rotation the display matrix carries.

    Raises:
        InputError: the file is missing, not a video, holds no video stream, is truncated or damaged, or
            its frames are too large or too small (one sentence says which).
    """
    import av

    path = Path(path)
    name = path_text(path)
    if not path.is_file():
        raise InputError(f"{name} does not exist." if not path.exists() else f"{name} is not a regular file.")
    if path.stat().st_size == 0:
        raise InputError(f"{name} is empty (0 bytes).")
    try:
        container = av.open(str(path), mode="r")
    except av.error.InvalidDataError as error:
        raise _damaged(name, error) from error
    except av.error.FFmpegError as error:
        raise InputError(f"{name} cannot be opened as a video ({' '.join(str(error).split())}).") from error
    with container:
        if not container.streams.video:
            raise InputError(f"{name} holds no video stream, so there is nothing to analyse.")
        stream = container.streams.video[0]
        stored_width, stored_height = stream.codec_context.width, stream.codec_context.height
        limit = min(max_pixels, MAX_FRAME_PIXELS)
        if stored_width * stored_height > limit:
            raise InputError(f"{name} has frames of {stored_width}x{stored_height} = {stored_width * stored_height:,} "
                             f"pixels, more than the limit of {limit:,} for a clip's frames; film at 4K or less.")
        if min(stored_width, stored_height) < 64:
            raise InputError(f"{name} has frames of only {stored_width}x{stored_height} pixels, too small to find a "
                             "person (the shorter side needs at least 64).")
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError as error:
            raise _damaged(name, error) from error
        if first is None:
            raise InputError(f"{name} holds a video stream without a single frame that can be decoded.")
        turns = _quarter_turns(first.rotation)
        duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else (
            container.duration / 1e6 if container.duration else None)
        codec = stream.codec_context.name
    width, height = (stored_height, stored_width) if turns % 2 else (stored_width, stored_height)
    return ClipInfo(path=path, sha256=_file_digest(path, name), format=f"{codec.upper()} video", width=width,
                    height=height, rotation=turns * 90 if turns != 3 else -90, duration_s=duration,
                    frame_count=stream.frames or None)


def read_frames(clip: ClipInfo, *, every_s: float = 0.0, start_s: float = 0.0,
                working_long_side: int = WORKING_LONG_SIDE) -> Iterator[ClipFrame]:
    """The clip's frames in presentation order, upright and reduced, from the first frame at or after ``start_s``
    (reached by seeking to the key frame before it): the first frame at or after each step of a grid
    ``every_s`` seconds wide, so at most one frame per ``every_s`` on average, and every frame of a slower clip.

    Every frame is decoded (a compressed frame needs its predecessors), but only the frames kept are
    converted, reduced by FFmpeg's area filter while converting, and turned upright.

    Raises:
        InputError: the clip turns out truncated or damaged partway, before any frame was read.
    """
    import av

    name = clip.name
    origin = ImageOrigin(sha256=clip.sha256, format=clip.format, exif_orientation=1, capture_time=None,
                         file_size=clip.path.stat().st_size)
    turns = _quarter_turns(clip.rotation)
    stored = (clip.height, clip.width) if turns % 2 else (clip.width, clip.height)
    target = working_size(*stored, working_long_side) or stored
    scale = min(1.0, working_long_side / max(stored))
    next_time = -np.inf
    yielded = 0
    try:
        container = av.open(str(clip.path), mode="r")
    except av.error.FFmpegError as error:
        raise _damaged(name, error) from error
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if start_s > 0 and stream.time_base:
            try:
                container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
            except av.error.FFmpegError as error:
                raise _damaged(name, error) from error
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames, None)
            except av.error.FFmpegError as error:
                if yielded:
                    return  # the clip's end is damaged: the frames read so far still stand
                raise _damaged(name, error) from error
            if frame is None:
                return
            time_s = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else frame.time
            if time_s is None or time_s < start_s - 1e-6 or time_s < next_time - 1e-6:
                continue
            # The next frame wanted is one step on the grid later, or one step after this frame after a gap.
            next_time = next_time + every_s if time_s < next_time + every_s else time_s + every_s
            rgb = frame.reformat(width=target[0], height=target[1], format="rgb24", interpolation="AREA").to_ndarray()
            if turns:
                rgb = np.ascontiguousarray(np.rot90(rgb, k=turns))
            rgb.setflags(write=False)
            yielded += 1
            yield ClipFrame(time_s=time_s, image=working_image(rgb, width=clip.width, height=clip.height, scale=scale,
                                                                 origin=origin, path=clip.path))

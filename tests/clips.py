"""Small video clips the tests encode themselves with PyAV: a sample photo moved frame by frame, or blank frames.

Nothing here is committed as a binary: each clip is written into the test's own temporary folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

TIME_BASE = Fraction(1, 1000)
"""Milliseconds, so that a variable frame rate can be written exactly."""

Shift = Callable[[float], float]
"""The horizontal shift in pixels at a time in seconds."""


def sample_frame(path: Path, size: tuple[int, int]) -> np.ndarray:
    """The photo as (H, W, 3) uint8 RGB at ``size`` (width, height)."""
    return np.asarray(Image.open(path).convert("RGB").resize(size))


def shifted(picture: np.ndarray, pixels: float) -> np.ndarray:
    """The picture moved right by a whole number of pixels, the edge column repeated where it left."""
    step = int(round(pixels))
    if step == 0:
        return picture
    moved = np.roll(picture, step, axis=1)
    if step > 0:
        moved[:, :step] = picture[:, :1]
    else:
        moved[:, step:] = picture[:, -1:]
    return moved


def write_clip(path: Path, frames: Sequence[np.ndarray], times_s: Sequence[float], *, codec: str = "libx264",
               rotation: int = 0) -> Path:
    """Encode upright RGB ``frames`` shown at ``times_s``, stored turned so that a display matrix of ``rotation``
    degrees counter-clockwise shows them upright again (a portrait phone clip is stored sideways like this)."""
    import av

    turns = round(rotation / 90) % 4
    stored = [np.ascontiguousarray(np.rot90(frame, k=-turns)) for frame in frames]
    options = {"x265-params": "log-level=none"} if codec == "libx265" else {}
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=30, options=options)
        stream.width, stream.height = stored[0].shape[1], stored[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        if rotation:
            stream.set_display_rotation(rotation)
        for picture, time_s in zip(stored, times_s):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = round(time_s * 1000)
            frame.time_base = TIME_BASE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def swaying_clip(path: Path, photo: Path, *, seconds: float, rate: float, shift: Shift,
                 size: tuple[int, int] = (360, 640), **encoding: object) -> Path:
    """The photo moved by ``shift(t)`` pixels in each frame, ``rate`` frames a second."""
    picture = sample_frame(photo, size)
    times = [i / rate for i in range(int(seconds * rate))]
    return write_clip(path, [shifted(picture, shift(t)) for t in times], times, **encoding)  # type: ignore[arg-type]

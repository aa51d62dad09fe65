"""Frames written as a phone writes a clip: H.264 or HEVC, a portrait clip stored sideways with a display matrix.

Shared by the benchmarks that encode rendered frames (bench/video_bench.py, bench/walk_bench.py, bench/glide.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np


def write_phone_clip(path: Path, frames: Iterable[np.ndarray], *, rate: int, codec: str) -> None:
    """Write upright (H, W, 3) uint8 frames, all of one size, as a clip ``rate`` frames a second.

    A portrait picture (taller than wide) is stored turned clockwise with a display matrix turning it back, as a
    phone held upright stores it; a landscape one is stored as it is.
    """
    import av

    stream_of_frames = iter(frames)
    first = next(stream_of_frames)
    height, width = first.shape[:2]
    portrait = height > width
    options = {"preset": "ultrafast" if codec == "libx265" else "veryfast"}
    if codec == "libx265":
        options["x265-params"] = "log-level=none"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, options=options)
        stream.width, stream.height = (height, width) if portrait else (width, height)
        stream.pix_fmt = "yuv420p"
        if portrait:
            stream.set_display_rotation(90)
        for index, upright in enumerate(itertools.chain([first], stream_of_frames)):
            stored = np.ascontiguousarray(np.rot90(upright, k=-1)) if portrait else upright
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)

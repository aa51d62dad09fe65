"""Glide clips: one render moved sideways across the picture by a known sine, encoded like a portrait phone clip.

The first form of bench/video_bench.py's clips, kept for the two studies that need every pixel to move by the
same known glide: bench/sway_gain.py (how far each part's landmarks follow it) and bench/pixel_spread.py (how far
harmless pixel changes move a reading). Each clip is one render of a held-out body scaled to 1080x1920 and glided
by a sine (0.5-3 cm, 0.1-1 Hz) with a frame-to-frame jitter and sensor noise, stored sideways with a display
matrix (-90°), H.264 or HEVC, 30 frames a second.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import HELD_OUT_BODIES, Render, read_set  # noqa: E402
from phone_clip import write_phone_clip  # noqa: E402

from posture.analyzer import Analyzer  # noqa: E402

SIZE = (1080, 1920)
RATE = 30
SECONDS = 5.0
SWEEPS = ("side-left_neutral", "side-right_neck-flexion+20", "side-left_trunk-lean+10",
          "side-right_pelvic-tilt+10", "front_pelvic-drop+4_shoulder-drop+5")
"""Per held-out body: both facings, three postures and a front view with a dropped hip and shoulder."""
JITTER_CM = 0.15
"""A frame-to-frame wobble of the sway itself, beside the sine."""
SENSOR_NOISE = 2.0
"""Standard deviation of the pixel noise, in 8-bit levels."""


@dataclass(frozen=True)
class Clip:
    render: Render
    amplitude_cm: float
    frequency_hz: float
    codec: str


def shifted(picture: Image.Image, shift_px: float, noise: np.ndarray) -> np.ndarray:
    """The picture glided ``shift_px`` to the right (sub-pixel, bilinear), with sensor noise added."""
    moved = picture.transform(picture.size, Image.Transform.AFFINE, (1, 0, -shift_px, 0, 1, 0),
                              resample=Image.Resampling.BILINEAR, fillcolor=picture.getpixel((0, 0)))
    return np.clip(np.asarray(moved, dtype=np.float32) + noise, 0, 255).astype(np.uint8)


def encode(path: Path, picture: Image.Image, *, seconds: float, amplitude_px: float, frequency_hz: float,
           jitter_px: float, codec: str, seed: int) -> np.ndarray:
    """A portrait phone clip of the picture gliding by a sine with a jitter, with sensor noise.

    Returns:
        Each frame's glide in pixels.
    """
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * math.pi)
    glides: list[float] = []

    def glided() -> Iterator[np.ndarray]:
        for index in range(int(seconds * RATE)):
            shift = (amplitude_px * math.sin(2 * math.pi * frequency_hz * index / RATE + phase)
                     + rng.normal(0, jitter_px))
            glides.append(shift)
            yield shifted(picture, shift, rng.normal(0, SENSOR_NOISE, (SIZE[1], SIZE[0], 3)).astype(np.float32))

    write_phone_clip(path, glided(), rate=RATE, codec=codec)
    return np.array(glides)


def encode_sine(seconds: float, amplitude_cm: float, frequency_hz: float, *, seed: int) -> np.ndarray:
    """The sine :func:`encode` glided the frames by (same seed, same phase), in cm, without the jitter."""
    phase = np.random.default_rng(seed).uniform(0, 2 * math.pi)
    times = np.arange(int(seconds * RATE)) / RATE
    return amplitude_cm * np.sin(2 * math.pi * frequency_hz * times + phase)


def pixels_per_cm(picture_path: Path, truth: dict[str, Any], analyzer: Analyzer) -> float:
    """The render's body height in pixels at the clip's size over its true height in cm."""
    analysis = analyzer.analyze(picture_path, uncertainty=False)
    assert analysis.frame is not None, f"{picture_path.name} is not measured as a photo"
    return analysis.frame.body_height_px * SIZE[0] / analysis.image.width / truth["person"]["height_cm"]


def planned(folder: Path) -> list[Clip]:
    """The clips to make, each with its render, sway and codec drawn (the same every run); a clip's index in
    the list is its encoding's seed."""
    renders = {r.name: r for r in read_set(folder) if r.body in HELD_OUT_BODIES}
    rng = np.random.default_rng(21)
    clips: list[Clip] = []
    for body in HELD_OUT_BODIES:
        for sweep in SWEEPS:
            render = renders[f"{body}_{sweep}"]
            clips.append(Clip(render, amplitude_cm=float(rng.uniform(0.5, 3.0)),
                              frequency_hz=float(rng.uniform(0.1, 1.0)),
                              codec="libx265" if len(clips) % 2 else "libx264"))
    return clips

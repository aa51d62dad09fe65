"""How far each part's landmarks follow a glide of the whole picture: the cause of bench/VIDEO.md's sway errors.

A glide clip (bench/glide.py) moves every pixel of the render by the same glide, so a landmark that follows
the picture moves by exactly that much. For each part (head, shoulders, hips: the midpoints the sway is read
from) the landmark track of every frame is fitted against the glide's sine; the slope is the part's gain
(1: follows fully), the rest is its jitter. Every frame is read twice, by a video-mode landmarker (as a clip is
read) and by an image-mode one (as a photo is), to tell the tracking from the model itself.

Usage (the accuracy set rendered, ``make synthetic-set``; clip numbers as in bench/VIDEO.md's sway table, from 0):
    python bench/sway_gain.py bench/synthetic/cache 3 6
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from glide import JITTER_CM, RATE, SECONDS, SIZE, encode, encode_sine, pixels_per_cm, planned  # noqa: E402

from posture.analyzer import Analyzer  # noqa: E402
from posture.io.video import open_clip, read_frames  # noqa: E402
from posture.stages.detect import PoseDetector  # noqa: E402
from posture.stages.sway import PARTS, midpoints  # noqa: E402


def gains(track_px: np.ndarray, sine_px: np.ndarray, per_cm: float) -> tuple[float, float]:
    """The slope of the track on the sine, and the sd of what the fit leaves, in cm."""
    found = ~np.isnan(track_px)
    design = np.vstack([sine_px[found], np.ones(found.sum())]).T
    coefficients, *_ = np.linalg.lstsq(design, track_px[found], rcond=None)
    return float(coefficients[0]), float(np.std(track_px[found] - design @ coefficients) / per_cm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the accuracy set (bench/synthetic/cache)")
    parser.add_argument("clips", type=int, nargs="+", help="clip numbers, from 0, in bench/VIDEO.md's order")
    args = parser.parse_args()
    clips = planned(args.folder)
    print("| clip | sine | reader | " + " | ".join(f"{part} gain, jitter" for part in PARTS) + " |")
    print("|---|---|---|" + "---|" * len(PARTS))
    with Analyzer() as analyzer, tempfile.TemporaryDirectory(prefix="posture-sway-gain-") as work:
        for index in args.clips:
            clip = clips[index]
            png = args.folder / f"{clip.render.name}.png"
            picture = Image.open(png).convert("RGB").resize(SIZE, Image.Resampling.LANCZOS)
            per_cm = pixels_per_cm(png, clip.render.truth, analyzer)
            path = Path(work) / "clip.mp4"
            encode(path, picture, seconds=SECONDS, amplitude_px=clip.amplitude_cm * per_cm,
                   frequency_hz=clip.frequency_hz, jitter_px=JITTER_CM * per_cm, codec=clip.codec, seed=index)
            sine_px = encode_sine(SECONDS, clip.amplitude_cm, clip.frequency_hz, seed=index) * per_cm
            tracks: dict[str, list[np.ndarray]] = {"video": [], "image": []}
            frames = []
            with PoseDetector(analyzer.model_path, video=True) as tracker, \
                    PoseDetector(analyzer.model_path) as detector:
                last_ms = -1
                for frame in read_frames(open_clip(path)):
                    last_ms = max(last_ms + 1, round(1000 * frame.time_s))
                    frames.append(round(frame.time_s * RATE))
                    for reader, poses in (("video", tracker.detect(frame.image, last_ms)),
                                          ("image", detector.detect(frame.image))):
                        tracks[reader].append(np.array(poses[0].xy) if poses else np.full((33, 2), np.nan))
            for reader, track in tracks.items():
                parts = midpoints(np.stack(track))
                cells = [gains(parts[part][:, 0], sine_px[frames], per_cm) for part in PARTS]
                print(f"| {clip.render.name} | {clip.amplitude_cm:.2f} cm, {clip.frequency_hz:.2f} Hz | {reader} | "
                      + " | ".join(f"{gain:.2f}, {jitter:.2f} cm" for gain, jitter in cells) + " |", flush=True)


if __name__ == "__main__":
    main()

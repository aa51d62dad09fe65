"""How far harmless pixel changes move a photo's reading: the side renders of the glide clips (bench/glide.py) read as
photos as rendered, scaled to the clips' 1080x1920, scaled with the clips' sensor noise, and scaled and glided
sideways by a fraction of a pixel (no noise), each measurement's MAE against the ground truth for each.

Usage (the accuracy set rendered, ``make synthetic-set``):
    python bench/pixel_spread.py bench/synthetic/cache
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import SIDE_PAIRINGS  # noqa: E402
from glide import SENSOR_NOISE, SIZE, planned, shifted  # noqa: E402

from posture.analyzer import Analyzer  # noqa: E402
from posture.render.json import analysis_to_dict  # noqa: E402

MEASUREMENTS = ("knee_angle", "hip_extension", "trunk_lean")
GLIDE_PX = 7.3
VARIANTS = ("render", "scaled", "scaled, noisy", "scaled, glided")


def variants(picture: Image.Image, rng: np.random.Generator) -> dict[str, np.ndarray]:
    scaled = picture.resize(SIZE, Image.Resampling.LANCZOS)
    pixels = np.asarray(scaled, dtype=np.float32)
    noisy = np.clip(pixels + rng.normal(0, SENSOR_NOISE, pixels.shape), 0, 255).astype(np.uint8)
    return {"render": np.asarray(picture), "scaled": np.asarray(scaled), "scaled, noisy": noisy,
            "scaled, glided": shifted(scaled, GLIDE_PX, np.zeros(pixels.shape, dtype=np.float32))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the accuracy set (bench/synthetic/cache)")
    args = parser.parse_args()
    pairings = {p.label.split()[0]: p for p in SIDE_PAIRINGS
                if not any(word in p.label for word in ("uncorrected", "uncalibrated", "alone"))}
    errors: dict[tuple[str, str], list[float]] = {}
    rng = np.random.default_rng(0)
    with Analyzer() as analyzer:
        for clip in planned(args.folder):
            if not clip.render.view.startswith("side"):
                continue
            picture = Image.open(args.folder / f"{clip.render.name}.png").convert("RGB")
            height_cm = clip.render.truth["person"]["height_cm"]
            for variant, pixels in variants(picture, rng).items():
                analysis = analyzer.analyze(pixels, height_cm=height_cm)
                if not analysis.ok:
                    continue
                document = analysis_to_dict(analysis)
                for name in MEASUREMENTS:
                    measured = pairings[name].measured(document, clip.render.truth)
                    truth = pairings[name].truth(document, clip.render.truth)
                    if measured is not None and truth is not None:
                        errors.setdefault((name, variant), []).append(abs(float(measured) - float(truth)))
    print("| measurement | " + " | ".join(VARIANTS) + " |")
    print("|---|" + "---|" * len(VARIANTS))
    for name in MEASUREMENTS:
        cells = [f"{np.mean(errors[(name, v)]):.2f} ({len(errors[(name, v)])})" if errors.get((name, v)) else "–"
                 for v in VARIANTS]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

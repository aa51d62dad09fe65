"""Fit the clip's ± factors (posture/combine.py, ``UNLEVELLED_CLIP_FACTORS``, ``LEVELLED_CLIP_FACTORS``) on re-taken
clips of the fit's bodies.

A clip's frames average away the noise that changes from frame to frame, not what a re-take changes for all of
them at once: the camera's distance, height and roll, the person's turn, the part of a swing caught. The fit
bodies' clips (``make_sway_set.py --fit``) and their re-takes (``--fit --retakes``) are read with the factor at
1, and each pair's difference is taken over its combined half-width (the root of the sum of the squares of the
two ±). For half-widths that are right, that ratio's root mean square is 1/1.96; a measure's factor is what
brings it there (never below 1: a clip's ± is not narrowed on so few pairs). Pairs posture levelled both takes
of fit the levelled factors, pairs it levelled neither of the unlevelled ones; a pair levelled once fits neither.
bench/VIDEO.md checks the factors on the held-out bodies' clips.

Usage (``make clip-factor``; the fit clips rendered, in a plain room and in a room with verticals):
    python bench/clip_factor.py bench/synthetic/cache bench/synthetic/cache-sway-fit \
        bench/synthetic/cache-sway-fit-retake bench/synthetic/cache-sway-room-fit \
        bench/synthetic/cache-sway-room-fit-retake
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from video_bench import Clip, planned, read_clips  # noqa: E402

from posture import combine  # noqa: E402
from posture.analyzer import Analyzer  # noqa: E402
from posture.knowledge.repeatability import Z_95  # noqa: E402


def ratios(clips: list[Clip], retakes: list[Clip], *, both_levelled: bool) -> dict[str, list[float]]:
    """Per measurement, each pair's difference over its combined half-width, over the pairs posture levelled
    both of (``both_levelled``) or neither of."""
    again = {clip.plan["name"]: clip for clip in retakes}
    found: dict[str, list[float]] = {}
    for clip in clips:
        other = again.get(clip.plan["name"])
        if other is None or clip.clip_document is None or other.clip_document is None:
            continue
        if not clip.levelled == other.levelled == both_levelled:
            continue
        for measurement_id, entry in clip.clip_document["measurements"].items():
            twin = other.clip_document["measurements"].get(measurement_id)
            if twin is None or entry.get("uncertainty") is None or twin.get("uncertainty") is None:
                continue
            width = math.hypot(entry["uncertainty"], twin["uncertainty"])
            found.setdefault(measurement_id, []).append(abs(entry["value"] - twin["value"]) / width)
    return found


def fitted(found: dict[str, list[float]], name: str) -> None:
    """Print each measure's factor from its pairs' ratios, and the dictionary to paste as ``name``."""
    if not found:
        print(f"{name}: no pairs")
        return
    every = np.concatenate([np.array(values) for values in found.values()])
    factors = {}
    for measurement_id, values in sorted(found.items()):
        rms = float(np.sqrt(np.mean(np.square(values))))
        factors[measurement_id] = max(1.0, round(Z_95 * rms, 2))
        print(f"{measurement_id}: {len(values)} pairs, {np.mean(np.array(values) <= 1.0):.0%} inside, RMS ratio "
              f"{rms:.2f}, factor {factors[measurement_id]:g} ({np.mean(np.array(values) <= factors[measurement_id]):.0%} "
              "inside)")
    print(f"{len(every)} pairs, {np.mean(every <= 1.0):.0%} inside at factor 1")
    print(f"{name} =", {k: v for k, v in factors.items() if v > 1.0})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the accuracy set (bench/synthetic/cache)")
    parser.add_argument("fit_sets", type=Path, nargs="+",
                        help="pairs of folders: the fit bodies' clips and their re-takes (bench/synthetic/"
                             "cache-sway-fit cache-sway-fit-retake, and the same in the room with verticals)")
    args = parser.parse_args()
    if len(args.fit_sets) % 2:
        parser.error("give the fit clips' folders in pairs: clips, then their re-takes")
    combine.UNLEVELLED_CLIP_FACTORS = {}  # read as the fit found them
    combine.LEVELLED_CLIP_FACTORS = {}
    found: dict[bool, dict[str, list[float]]] = {True: {}, False: {}}
    with tempfile.TemporaryDirectory(prefix="posture-clip-factor-") as work, Analyzer() as analyzer:
        for clip_folder, retake_folder in zip(args.fit_sets[::2], args.fit_sets[1::2]):
            clips, retakes = planned(args.folder, clip_folder), planned(args.folder, retake_folder)
            read_clips(analyzer, clips, clip_folder, Path(work))
            read_clips(analyzer, retakes, retake_folder, Path(work), first_seed=len(clips))
            for both in (True, False):
                for measurement_id, values in ratios(clips, retakes, both_levelled=both).items():
                    found[both].setdefault(measurement_id, []).extend(values)
    fitted(found[False], "UNLEVELLED_CLIP_FACTORS")
    fitted(found[True], "LEVELLED_CLIP_FACTORS")


if __name__ == "__main__":
    main()

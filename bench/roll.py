"""Levelling benchmark: is a rolled camera's roll recovered, and do levelled measurements match the level photo's?

    .venv/bin/python bench/roll.py [FOLDER] [--write]

FOLDER defaults to bench/synthetic/cache-roll/, rendered by
bench/synthetic/make_roll_set.py (held-out bodies, side and front views, a
room with a door, a wall corner and a shelf, camera roll 0, +-2, +-4 deg).
For every rolled render the recovered roll is compared with the truth's
``camera.vertical_in_image_deg``, and every measurement, levelled and not,
with the same body's level render (roll 0, also analysed with levelling).
``--write`` replaces the marked section of bench/ACCURACY.md with the table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posture import Analyzer  # noqa: E402

BEGIN = "<!-- roll.py begin -->"
END = "<!-- roll.py end -->"


def _values(analysis) -> dict[str, tuple[float, str]]:
    return {m.id: (m.value, m.unit) for m in analysis.measurements}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "bench/synthetic/cache-roll")
    parser.add_argument("--write", action="store_true", help="write the table into bench/ACCURACY.md")
    args = parser.parse_args(argv)
    renders = sorted(args.folder.glob("*_roll*.png"))
    if not renders:
        parser.error(f"no renders in {args.folder}; run bench/synthetic/make_roll_set.py first")
    roll_errors: list[float] = []
    sources: dict[str, int] = defaultdict(int)
    # (measurement, unit) -> differences from the level render: levelled, unlevelled
    levelled: dict[tuple[str, str], list[float]] = defaultdict(list)
    unlevelled: dict[tuple[str, str], list[float]] = defaultdict(list)
    reference: dict[str, dict[str, tuple[float, str]]] = {}
    lines = []
    with Analyzer() as analyzer:
        for png in sorted(renders, key=lambda p: "+0" not in p.stem):  # level renders first
            truth = json.loads(png.with_suffix(".json").read_text())
            height = truth["person"]["height_cm"]
            base = png.stem.rsplit("_roll", 1)[0]
            analysis = analyzer.analyze(png, height_cm=height)
            if not analysis.ok or analysis.frame is None:
                lines.append(f"{png.stem}: refused ({analysis.problem})")
                continue
            level = analysis.frame.levelling
            true_roll = float(truth["camera"]["vertical_in_image_deg"])
            sources[level.source] += 1
            error = level.camera_roll - true_roll
            roll_errors.append(error if level.applied else float("nan"))
            lines.append(f"{png.stem}: roll {level.camera_roll:+.2f} ({level.source}), true {true_roll:+.2f}, "
                         f"error {error:+.2f}")
            if "+0" in png.stem.rsplit("_roll", 1)[1]:
                reference[base] = _values(analysis)
                continue
            plain = _values(analyzer.analyze(png, height_cm=height, level=False))
            for key, (value, unit) in _values(analysis).items():
                if key in reference.get(base, {}):
                    levelled[(key, unit)].append(value - reference[base][key][0])
                    if key in plain:
                        unlevelled[(key, unit)].append(plain[key][0] - reference[base][key][0])
    print("\n".join(lines))
    errors = np.array(roll_errors)
    found = errors[np.isfinite(errors)]
    summary = [
        f"Renders: {len(errors)} (2 held-out bodies x side/front x roll 0, +-2, +-4 deg), "
        f"levelled from lines in {sources['lines']}, not levelled in {sources['none']}.",
        f"Roll recovery: mean absolute error {np.mean(np.abs(found)):.2f} deg, largest {np.max(np.abs(found)):.2f} deg"
        if found.size else "Roll recovery: no roll found.",
        "",
        "| measurement | unit | n | MAE vs level render, levelled | MAE, not levelled | largest, levelled |",
        "|---|---|---|---|---|---|",
    ]
    for (key, unit), diffs in sorted(levelled.items()):
        d = np.abs(np.array(diffs))
        u = np.abs(np.array(unlevelled.get((key, unit), [np.nan])))
        summary.append(f"| {key} | {unit} | {d.size} | {d.mean():.2f} | {np.nanmean(u):.2f} | {d.max():.2f} |")
    text = "\n".join(summary)
    print(text)
    if args.write:
        accuracy = ROOT / "bench/ACCURACY.md"
        section = (f"{BEGIN}\n## Levelling a rolled camera (bench/roll.py)\n\n"
                   "Written by `bench/roll.py --write`; the renders come from "
                   "`bench/synthetic/make_roll_set.py` (the structured room: a door, a wall corner, a shelf). "
                   "Each rolled render is compared with the same body and view rendered level, analysed the "
                   "same way, with the default readings: the photo's own reading is levelled in numbers (its "
                   "landmarks and outline turned by the roll), the five altered copies are made from the photo "
                   "turned upright. The knee angle and the leg-length difference do not depend on the roll at all: "
                   "what they move is the pose model's own response to re-sampled pixels.\n\n" + text + f"\n{END}\n")
        current = accuracy.read_text()
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END) + "\n?", re.S)
        updated = pattern.sub(lambda _: section, current) if BEGIN in current else current.rstrip() + "\n\n" + section
        accuracy.write_text(updated)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

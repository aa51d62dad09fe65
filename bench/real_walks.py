"""Real walking clips: does posture's walk reading claim only what a clip shows?

    .venv/bin/python bench/real_walks.py [--out bench/REAL_WALKS.md]

The clips come from public repositories, read straight from local mirrors of them
(``git --git-dir=MIRROR show COMMIT:PATH``; never copied into this repository). A clip whose mirror is not on
this machine is listed as absent. What each clip should show comes from its dataset's own label (a normal
walk, a limp, a walk without arm swing...), not from posture. Counted: clips read as a walk or refused,
the comparisons readable, and **one-sided claims on walks labelled even** (the false findings of a walk).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posture import Analyzer  # noqa: E402
from posture.io.outputs import replace_atomically  # noqa: E402

MIRRORS = Path("/work/.mirror")
OUT = ROOT / "bench" / "REAL_WALKS.md"
GAIT = ("watcharapol28/Biomechanics-of-gait", "b8d55e3dea9aa2bcf93b6d891cb66ba02cd1081b", "no licence file")


@dataclass(frozen=True)
class WalkClip:
    repo: str
    commit: str
    path: str
    licence: str
    label: str
    even: bool
    """True when the dataset labels the walk as even (normal, or a fault of both sides alike)."""


CLIPS = (
    WalkClip("davidpagnon/Sports2D", "9c8a3d2572e57ac0d95d8ebc3efe62d3dc99ddc4", "Sports2D/Demo/demo.mp4",
             "BSD-3-Clause", "a woman walking in profile outdoors, another person on a roof behind", True),
    WalkClip("YounaChen/WalkingMan", "e761c47f3cf315b7f8928101be1d88cbd03d5a6f", "walking.mp4", "MIT",
             "a cartoon boy walking, drawn (no real person: to be refused)", True),
    WalkClip(*GAIT[:2], "Dataset/gait_normal_01.mp4", GAIT[2], "normal gait", True),
    WalkClip(*GAIT[:2], "Dataset/gait_abnormal_01_slouch_posture.mp4", GAIT[2], "slouched walk", True),
    WalkClip(*GAIT[:2], "Dataset/gait_abnormal_02_slouch_posture.mp4", GAIT[2], "slouched walk", True),
    WalkClip(*GAIT[:2], "Dataset/gait_abnormal_10_slouch_posture.mp4", GAIT[2], "slouched walk", True),
    WalkClip(*GAIT[:2], "Dataset/gait_abnormal_06_no_arm_swing.mp4", GAIT[2], "no arm swing", True),
    WalkClip(*GAIT[:2], "Dataset/gait_abnormal_08_no_arm_swing.mp4", GAIT[2], "no arm swing", True),
    WalkClip(*GAIT[:2], "Dataset/gait_abnormal_03_concriduction.mp4", GAIT[2], "circumduction (one leg)", False),
    WalkClip(*GAIT[:2], "Dataset/gait_abnormal_05_limping.mp4", GAIT[2], "limping", False),
)


def extract(clip: WalkClip, folder: Path) -> Path | None:
    """The clip, written from its mirror into ``folder``; None when the mirror is absent."""
    mirror = MIRRORS / clip.repo.replace("/", "+") / "repo"
    if not mirror.is_dir():
        return None
    shown = subprocess.run(["git", f"--git-dir={mirror}", "show", f"{clip.commit}:{clip.path}"],
                           capture_output=True, check=False)
    if shown.returncode != 0 or not shown.stdout:
        return None
    target = folder / f"{clip.repo.replace('/', '+')}+{Path(clip.path).name}"
    target.write_bytes(shown.stdout)
    return target


def row(clip: WalkClip, analysis: object | None, seconds: float) -> tuple[list[str], bool]:
    """One table row, and whether it holds a one-sided claim on a walk labelled even."""
    name = f"{clip.repo}: `{clip.path}`"
    if analysis is None:
        return [name, clip.label, "absent", "–", "–", "–"], False
    walk = analysis.clip.walk if analysis.ok and analysis.clip is not None else None  # type: ignore[attr-defined]
    if walk is None:
        reason = analysis.problem or "read as standing"  # type: ignore[attr-defined]
        return [name, clip.label, f"not read as a walk: {reason}", "–", "–", f"{seconds:.1f} s"], False
    readable = [s.quantity for s in walk.symmetries if s.readable]
    claims = [f"{s.quantity} {s.index:+.0f} ± {s.interval:.0f}%" for s in walk.symmetries if s.one_sided]
    summary = f"{walk.steps} steps, {walk.cadence:.0f}/min"
    return ([name, clip.label, summary, ", ".join(readable) or "none", "; ".join(claims) or "none",
             f"{seconds:.1f} s"], bool(claims) and clip.even)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows, false_claims, present = [], 0, 0
    with tempfile.TemporaryDirectory() as work, Analyzer() as analyzer:
        for clip in CLIPS:
            path = extract(clip, Path(work))
            started = time.perf_counter()
            analysis = None if path is None else analyzer.analyze_clip(path)
            cells, false_claim = row(clip, analysis, time.perf_counter() - started)
            present += path is not None
            false_claims += false_claim
            rows.append(cells)
            print(f"{clip.path}: {cells[2]}", file=sys.stderr)
    lines = [
        "# Real walking clips: what posture's walk reading claims",
        "",
        "Written by `bench/real_walks.py` (`make bench-real-walks`) from clips in public repositories, read from "
        "local mirrors and never copied here. Each clip's label is its dataset's own. A *one-sided* claim is a "
        "left-right difference out of its interval and over 5 points; on a walk labelled even it is a false "
        "finding.",
        "",
        f"Clips present: {present} of {len(CLIPS)}. **One-sided claims on walks labelled even: {false_claims}.**",
        "",
        "| clip | label | read | comparisons readable | one-sided claims | time |",
        "|---|---|---|---|---|---|",
        *("| " + " | ".join(cells) + " |" for cells in rows),
        "",
        "Sources and licences: " + "; ".join(sorted({f"{c.repo} at {c.commit[:12]} ({c.licence})" for c in CLIPS}))
        + ".",
    ]
    replace_atomically(args.out, ("\n".join(lines) + "\n").encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run posture on rendered pictures and print its readings beside the truth.

Runs in posture's own environment (not .venv-synth): it only needs the
standard library and calls `python -m posture analyze --json` per picture.

    python bench/synthetic/compare.py bench/synthetic/cache/*.png
    python bench/synthetic/compare.py --markdown DIR/*.png > table.md
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# posture measurement -> ground-truth key (GROUND_TRUTH.md)
SIDE = [
    ("head_forward_angle", "craniovertebral_angle_deg"),
    ("head_forward_offset", "ear_ahead_of_shoulder_cm"),
    ("trunk_lean", "trunk_lean_deg"),
    ("hip_extension", "hip_extension_deg"),
    ("foot_hip_offset", "hip_ahead_of_ankle_cm"),
    ("knee_angle", "knee_angle_deg"),
    ("pelvic_tilt", "pelvic_tilt_deg"),
]
FRONT = [
    ("hip_height_difference", "iliac_crest_height_difference_cm"),
    ("shoulder_height_difference", "shoulder_height_difference_cm"),
    ("lateral_trunk_shift", "lateral_trunk_shift_cm"),
]


def analyze(png: Path, height_cm: float | None) -> dict:
    cmd = [sys.executable, "-m", "posture", "analyze", str(png), "--json"]
    if height_cm:
        cmd += ["--height-cm", f"{height_cm:.1f}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    return json.loads(proc.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pngs", nargs="+", type=Path)
    ap.add_argument("--no-height", action="store_true", help="do not pass the true standing height (offsets then come as % of height)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for png in args.pngs:
        if not png.with_suffix(".json").exists():
            continue  # not a rendered picture (e.g. a mask)
        truth = json.loads(png.with_suffix(".json").read_text())
        height = None if args.no_height else truth["person"]["standing_height_cm"]
        got = analyze(png, height)
        expected_view = truth["view"] if truth["view"] != "side" else f"side-{truth['facing']}"
        if "error" in got:
            rows.append((png.stem, expected_view, "ERROR", " ".join(got["error"]), "", "", ""))
            continue
        pairs = SIDE if truth["view"] == "side" else FRONT
        for ours, true_key in pairs:
            m = got.get("measurements", {}).get(ours)
            value = "-" if not m else f"{m['value']:.1f} {m['unit']}"
            rows.append((png.stem, expected_view, got.get("view"), ours, value, f"{truth['measures'][true_key]:.1f}", true_key))
    head = ("picture", "true view", "posture view", "measure", "posture", "truth", "truth key")
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(str(c) for c in r) + " |")
    else:
        for r in rows:
            print("  ".join(str(c) for c in r))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Real-photo benchmark: does posture say only what each photo shows?

    .venv/bin/python bench/real.py [--out bench/REAL.md] [--only NAME ...]

Reads the photos of ``bench/real/sets/*.toml`` (rebuilt by ``bench/real_photos.py``; ``make bench-real`` does
both), analyses each in the default reading, and compares the result with what a person saw in the photo:
the view, whether it should be measured or refused, the measures it cannot support, the findings it plainly
shows and those it plainly does not. A photo that is absent (its repository's mirror is not on this machine)
is listed as absent, not counted.

Counts, per photo:
  refused rightly     expected refused, and refused (or every measure withheld)
  not refused         expected refused, but measured (whatever it found)
  measured rightly    expected measured, measured, no false finding, every measure it cannot support withheld
  false finding       measured, and a finding the photo plainly does not show
  refused wrongly     expected measured, but refused
  crash               an exception other than posture's own refusal
Withheld measures are counted with their kind; each must carry a reason of its own.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from real_photos import RealPhoto, load_sets  # noqa: E402

from posture import Analyzer  # noqa: E402
from posture.analysis import Analysis  # noqa: E402

OUT = ROOT / "bench" / "REAL.md"
TARGET_FALSE_SHARE = 0.02
"""The issue's acceptance: false findings on at most 2% of the measured photos."""


@dataclass
class Outcome:
    """One photo's result against its expectations."""

    photo: RealPhoto
    status: str = "absent"
    view: str = ""
    findings: tuple[str, ...] = ()
    withheld: tuple[tuple[str, str], ...] = ()
    problem: str = ""
    verdict: str = "absent"
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def judge(photo: RealPhoto, analysis: Analysis) -> Outcome:
    """Compare one analysis with what a person saw in the photo."""
    entry = photo.entry
    # getattr: the benchmark also judges older versions of posture, from before measures were withheld.
    withheld = getattr(analysis, "withheld", ())
    outcome = Outcome(photo, status=analysis.status, view=str(analysis.view),
                      findings=tuple(f.id for f in analysis.findings),
                      withheld=tuple((w.id, w.kind) for w in withheld), problem=analysis.problem or "")
    measured = {m.id for m in analysis.measurements}
    for item in withheld:
        if len(item.reason) < 40:
            outcome.notes.append(f"{item.id} withheld without a specific reason")
    false = [f for f in outcome.findings if f in entry.get("not_shown", [])]
    if entry["expect"] == "refuse":
        if not analysis.ok or not measured:
            outcome.verdict = "refused rightly"
        elif false:
            outcome.verdict = "false finding"
            outcome.notes.append("not shown: " + ", ".join(false) + "; should be refused: " + entry.get("why", ""))
        else:
            outcome.verdict = "not refused"
            outcome.notes.append("should be refused: " + entry.get("why", ""))
        return outcome
    if not analysis.ok:
        outcome.verdict = "refused wrongly"
        return outcome
    unsupported = sorted(measured & set(entry.get("withhold", [])))
    if false:
        outcome.verdict = "false finding"
        outcome.notes.append("not shown: " + ", ".join(false))
    elif unsupported:
        outcome.verdict = "measure not withheld"
        outcome.notes.append("cannot support: " + ", ".join(unsupported))
    else:
        outcome.verdict = "measured rightly"
    missed = [f for f in entry.get("shown", []) if f not in outcome.findings]
    if missed:
        outcome.notes.append("shown but not found: " + ", ".join(missed))
    return outcome


def run(photos: list[RealPhoto]) -> list[Outcome]:
    outcomes = []
    with Analyzer() as analyzer:
        for index, photo in enumerate(photos, 1):
            if not photo.path.exists():
                outcomes.append(Outcome(photo))
                continue
            started = time.perf_counter()
            try:
                outcome = judge(photo, analyzer.analyze(photo.path))
            except Exception as error:  # a crash is what this benchmark counts, whatever its kind
                outcome = Outcome(photo, status="crash", verdict="crash",
                                  notes=[f"{type(error).__name__}: {error}"])
                traceback.print_exc()
            outcome.seconds = time.perf_counter() - started
            outcomes.append(outcome)
            print(f"[{index}/{len(photos)}] {photo.file}: {outcome.verdict}", file=sys.stderr)
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, object]:
    present = [o for o in outcomes if o.verdict != "absent"]
    verdicts = Counter(o.verdict for o in present)
    measured = [o for o in present if o.status == "ok"]
    false = verdicts["false finding"]
    should_refuse = [o for o in present if o.photo.entry["expect"] == "refuse"]
    kinds = Counter(kind for o in present for _, kind in o.withheld)
    return {
        "photos": len(outcomes), "present": len(present), "verdicts": verdicts, "measured": len(measured),
        "false_share": false / len(measured) if measured else 0.0, "should_refuse": len(should_refuse),
        "refused_rightly": verdicts["refused rightly"], "withheld_kinds": kinds,
        "unspecific": sum(1 for o in present for note in o.notes if "without a specific reason" in note),
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_report(outcomes: list[Outcome], out: Path) -> None:
    facts = summary(outcomes)
    verdicts: Counter[str] = facts["verdicts"]  # type: ignore[assignment]
    kinds: Counter[str] = facts["withheld_kinds"]  # type: ignore[assignment]
    lines = [
        "# Real photos: does posture say only what each photo shows?",
        "",
        "Written by `make bench-real` (bench/real.py). Each photo's expectations were set by looking at it, before",
        "posture was run on it: the view, whether it should be measured or refused and why, the measures it cannot",
        "support, and the findings it plainly shows or plainly does not show. The sources, licences and",
        "expectations are in `bench/real/sets/*.toml`; the photos are rebuilt from mirrors of their repositories",
        "by `bench/real_photos.py` (those of `../shared/photos` are read in place).",
        "",
        "## Summary",
        "",
        "| | photos |",
        "|---|---|",
        f"| in the sets | {facts['photos']} |",
        f"| present on this machine | {facts['present']} |",
        f"| should be refused | {facts['should_refuse']} |",
        f"| refused rightly (refused, or every measure withheld) | {verdicts['refused rightly']} |",
        f"| should be refused, but measured | {verdicts['not refused']} |",
        f"| measured rightly | {verdicts['measured rightly']} |",
        f"| **false finding** (a finding the photo plainly does not show) | "
        f"**{verdicts['false finding']}** ({100 * facts['false_share']:.1f}% of the {facts['measured']} measured; "
        f"target ≤ {100 * TARGET_FALSE_SHARE:.0f}%) |",
        f"| a measure the photo cannot support, not withheld | {verdicts['measure not withheld']} |",
        f"| refused, though it could be measured | {verdicts['refused wrongly']} |",
        f"| crash | {verdicts['crash']} |",
        "",
        "Measures withheld, by kind: " + (", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
                                         or "none") + f"; without a specific reason: {facts['unspecific']}.",
        "",
        "## Every photo",
        "",
        "| photo | set | view seen → given | expected | result | findings | withheld | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        entry = outcome.photo.entry
        result = outcome.verdict if outcome.status != "refused" else f"{outcome.verdict}: {outcome.problem}"
        lines.append("| " + " | ".join(_cell(part) for part in (
            outcome.photo.file, entry["set"], f"{entry.get('view', '?')} → {outcome.view or '–'}",
            entry["expect"], result, ", ".join(outcome.findings) or "–",
            ", ".join(f"{i} ({k})" for i, k in outcome.withheld) or "–", "; ".join(outcome.notes) or "–")) + " |")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", help="photo file names to run (the report is not written)")
    args = parser.parse_args()
    photos = load_sets()
    if args.only:
        photos = [p for p in photos if p.file in args.only]
    outcomes = run(photos)
    if args.only:
        for outcome in outcomes:
            print(outcome.photo.file, outcome.verdict, outcome.findings, outcome.withheld, outcome.notes)
        return 0
    write_report(outcomes, args.out)
    facts = summary(outcomes)
    print(f"{facts['present']} photos: {dict(facts['verdicts'])}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Looser clothing: each outline measure on loose-clothed renders against the same renders in close-fitting clothes.

Reads the close-fitting set (``bench/synthetic/cache``, made by ``make_set.py``) and the looser-clothing set
(``bench/synthetic/cache-loose``, made by ``make_set.py --loose``: the same names, colours and cameras, in a loose
T-shirt and shorts with a hair volume), runs posture on both with each person's true height, and writes the
"Looser clothing" section of ``bench/ACCURACY.md``: per outline measure, the error on the close-fitting renders
of the loose set's plan, the error on the loose renders (or how many were withheld as probably cloth), and the
verdict against 1.5 times the close-fitting error. It also counts how often the cloth check withholds a measure
on every close-fitting render (each one is a false withhold).

Usage (``make bench-clothing`` renders the loose set first):
    python bench/clothing.py bench/synthetic/cache bench/synthetic/cache-loose --out bench/ACCURACY.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import (  # noqa: E402
    FRONT_PAIRINGS,
    SIDE_PAIRINGS,
    Pairing,
    Render,
    read_set,
    run_posture,
)

from posture.io.model import prepare_model  # noqa: E402
from posture.io.outputs import replace_atomically  # noqa: E402

START, END = "<!-- looser-clothing:start -->", "<!-- looser-clothing:end -->"
"""The section's fences in ACCURACY.md, so that re-running replaces it and bench/accuracy.py keeps it."""
ALLOWED = 1.5
"""A measure passes when its loose-clothing error stays within this many times its close-fitting error."""
CLOTH_NOTE = "Probably loose clothing"
"""The start of the warning posture gives when it withholds an outline measure (posture.stages.measure.views)."""


def _pairing(label: str) -> Pairing:
    return next(p for p in (*SIDE_PAIRINGS, *FRONT_PAIRINGS) if p.label.startswith(label))


@dataclass(frozen=True)
class Measure:
    """One outline measure: its id, the views it is read in, and how its error is scored."""

    id: str
    views: tuple[str, ...]
    pairing: Pairing | None
    """Against the rendered truth; None for belly_prominence, which has none: it is scored against the same
    render in close-fitting clothes."""


MEASURES = (
    Measure("pelvic_tilt", ("side",), _pairing("pelvic_tilt (silhouette)")),
    Measure("belly_prominence", ("side",), None),
    Measure("hip_height_difference", ("front arms-away", "back arms-away"),
            _pairing("hip_height_difference (silhouette")),
    Measure("shoulder_height_difference", ("front arms-away", "back arms-away"), _pairing("shoulder_height_difference")),
)


def _in_views(render: Render, views: tuple[str, ...]) -> bool:
    return any(render.view == v or render.view.startswith(v + "-") for v in views)


def _value(render: Render, measurement_id: str) -> float | None:
    if render.document is None:
        return None
    entry = render.document["measurements"].get(measurement_id)
    return None if entry is None else float(entry["value"])


def _withheld(render: Render, measurement_id: str) -> bool:
    return render.document is not None and any(
        w.startswith(CLOTH_NOTE) and f"{measurement_id} " in w for w in render.document["warnings"])


@dataclass
class Errors:
    absolute: list[float]
    change: list[float]
    given: int
    withheld: int
    total: int
    scored: set[str] = field(default_factory=set)
    """Names of the renders in ``absolute``."""
    changed: set[str] = field(default_factory=set)
    """Names of the renders in ``change``."""

    def mae(self) -> float:
        return float(np.mean(np.abs(self.absolute))) if self.absolute else float("nan")

    def change_mae(self) -> float:
        return float(np.mean(np.abs(self.change))) if self.change else float("nan")


def errors(renders: list[Render], measure: Measure, twins: dict[str, Render],
           absolute_of: set[str] | None = None, change_of: set[str] | None = None) -> Errors:
    """Absolute and change-from-neutral errors, as bench/accuracy.py pairs them (neutral of the same body and view).

    ``absolute_of`` and ``change_of`` keep only those renders' errors (by name): the twins of the loose renders
    posture gave, so that cloth is the only difference.
    """
    chosen = [r for r in renders if _in_views(r, measure.views)]
    neutral = {r.group: r for r in chosen if r.neutral}

    def scored(render: Render) -> tuple[float, float] | None:
        """(measured, true) for one render, or None when not measured."""
        measured = _value(render, measure.id)
        if measured is None:
            return None
        if measure.pairing is None:
            twin = twins.get(render.name)
            reference = None if twin is None else _value(twin, measure.id)
            return None if reference is None else (measured, reference)
        assert render.document is not None
        true_value = measure.pairing.truth(render.document, render.truth)
        return None if true_value is None else (measured, float(true_value))

    result = Errors([], [], 0, 0, len(chosen))
    for render in chosen:
        if _withheld(render, measure.id):
            result.withheld += 1
        here = scored(render)
        if here is None:
            continue
        result.given += 1
        if absolute_of is None or render.name in absolute_of:
            result.absolute.append(here[0] - here[1])
            result.scored.add(render.name)
        base = neutral.get(render.group)
        if base is None or base is render or measure.pairing is None:
            continue
        there = scored(base)
        if there is not None and abs(here[1] - there[1]) > 1e-6 and (change_of is None or render.name in change_of):
            result.change.append((here[0] - there[0]) - (here[1] - there[1]))
            result.changed.add(render.name)
    return result


def verdict(twins_given: Errors, loose: Errors, key: Callable[[Errors], float]) -> str:
    """The loose error against the close-fitting error of the same renders' twins (cloth the only difference)."""
    if loose.given == 0:
        return "withheld on every render"
    ratio = key(loose) / key(twins_given) if key(twins_given) > 0 else float("inf")
    if not np.isfinite(ratio):
        return "–"
    if ratio <= ALLOWED:
        return f"within 1.5× ({ratio:.2f}× their twins' {key(twins_given):.2f})"
    return f"**not met** ({ratio:.2f}× their twins' {key(twins_given):.2f}, on the {loose.given} not withheld)"


def _cell(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.2f}"


def section(tight_all: list[Render], loose: list[Render]) -> str:
    names = {r.name for r in loose}
    tight = [r for r in tight_all if r.name in names]
    twins = {r.name: r for r in tight}
    lines = [
        START,
        "## Looser clothing",
        "",
        f"Regenerate with `make bench-clothing` (renders `make_set.py --loose`, then runs `bench/clothing.py`). "
        f"{len(loose)} renders of {len({r.body for r in loose})} bodies in a loose T-shirt that hangs from the chest "
        "and shoulder blades to the hip joints, loose shorts that hang from the hips, and a hair volume; each has a "
        "close-fitting twin in the main set with the same body, posture, colours and camera (side: neutral and "
        "pelvic tilt -10/+10/+20°, both facings; front and back with the arms a hand's width away: pelvic drop "
        "-8/0/+8°, shoulder drop 0 and 5°). Errors as in the table above (all bodies): *MAE* against the truth, "
        "*change MAE* against the change from the same body's neutral render. belly_prominence has no rendered "
        "truth: its loose error is the difference from its close-fitting twin. When posture judges the outline to "
        "be cloth it withholds the measure and says so in a warning; the loose errors are over the renders it "
        "gave, and each verdict compares them with the close-fitting errors of those renders' twins, so that the "
        "cloth is the only difference (the close-fitting columns are over all twins).",
        "",
        "| measure | views | unit | close-fitting MAE | close-fitting change MAE | loose: given | withheld "
        "(n of m) | loose MAE | loose change MAE | verdict (MAE) | verdict (change) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for measure in MEASURES:
        t = errors(tight, measure, twins)
        lo = errors(loose, measure, twins)
        unit = measure.pairing.unit if measure.pairing else "cm"
        if measure.pairing is None:
            tight_cells = ["0 (the reference)", "–"]
            verdicts = ["withheld on every render" if lo.given == 0 else f"no truth to judge by: {lo.given} given, "
                        f"{lo.mae():.2f} cm off their close-fitting twins", "–"]
        else:
            tight_cells = [_cell(t.mae()), _cell(t.change_mae())]
            same = errors(tight, measure, twins, absolute_of=lo.scored, change_of=lo.changed)
            verdicts = [verdict(same, lo, Errors.mae), verdict(same, lo, Errors.change_mae)]
        lines.append("| " + " | ".join([
            measure.id, ", ".join(measure.views), unit, *tight_cells, f"{lo.given}/{lo.total}",
            f"{lo.withheld} of {lo.total}", _cell(lo.mae()), _cell(lo.change_mae()), *verdicts]) + " |")
    false = {}
    for measure in MEASURES:
        # every close-fitting render of the measure's kind of view, arms resting or away
        chosen = [r for r in tight_all if r.view.startswith(("side",) if "side" in measure.views else ("front", "back"))]
        false[measure.id] = (sum(_withheld(r, measure.id) for r in chosen), len(chosen))
    lines += [
        "",
        "False withholds (the cloth check firing on a close-fitting render) over the whole close-fitting set: "
        + "; ".join(f"{name} {n} of {m}" for name, (n, m) in false.items()) + ".",
        "",
        "Reading it: a loose top hides the hollow of the low back and the waist, so pelvic tilt and the hip outline "
        "read the cloth, not the body. posture's cloth checks (side: a trunk deeper at the waist than any "
        "close-fitting body, a hem stepping out of the back outline, or a back and front that hang plumb from the "
        "chest to the waist instead of drawing in as a body's do; front and back: a waist wider than the shoulder "
        "landmarks' span, or flanks that hang almost straight from the chest to the hips instead of drawing in at "
        "the waist) are set beyond every close-fitting render. On the heavy and stocky bodies, whose waists draw in "
        "little anyway, a loose top lies on the flanks as close-fitting clothes do, so it passes the front/back "
        "checks yet still blurs the waist a little; against their own close-fitting twins that costs the hip "
        "height the ratio in its verdict. The "
        "cloth on the shoulders lies evenly on both sides, so the shoulder-height difference is not checked. The "
        "renders' cloth has no folds and hangs the same way on every body: real clothes vary far more (folds, cloth "
        "clinging to the body or long hair over the back let a loose top pass the side checks), which is why the "
        "README asks for close-fitting ones.",
        END,
    ]
    return "\n".join(lines) + "\n"


def with_section(document: str, text: str) -> str:
    """``document`` with its looser-clothing section replaced by ``text`` (appended when it has none)."""
    if START in document and END in document:
        head, rest = document.split(START, 1)
        return head + text.rstrip("\n") + rest.split(END, 1)[1]
    return document.rstrip("\n") + "\n\n" + text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tight", type=Path, help="the close-fitting set (make_set.py)")
    parser.add_argument("loose", type=Path, help="the looser-clothing set (make_set.py --loose)")
    parser.add_argument("--out", type=Path, help="the ACCURACY.md whose looser-clothing section is (re)written")
    args = parser.parse_args()
    model_path = prepare_model(notify=print)
    sets: dict[str, list[Render]] = {}
    for label, folder in (("close-fitting", args.tight), ("loose", args.loose)):
        sets[label] = read_set(folder)
        print(f"{len(sets[label])} {label} renders in {folder}", file=sys.stderr)
        run_posture(folder, sets[label], model_path)
    text = section(sets["close-fitting"], sets["loose"])
    print(text)
    if args.out:
        current = args.out.read_text() if args.out.exists() else ""
        replace_atomically(args.out, with_section(current, text).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Hip height with the arms resting at the sides: how often posture gives it, and how close it comes.

Reads the arms-at-the-sides set (``bench/synthetic/cache-sides``, made by ``make_sides_set.py``: front and back
views of five bodies held out of every fit, the arms resting against the flanks), runs posture on every render
with the person's true height as it measures by default, and writes the "Arms resting at the sides" section of
``bench/ACCURACY.md``: the share of renders given a hip height, its error against the iliac crests, and the
reasons given where it was withheld, next to the same numbers from before the waist reading (``--before``, a
results file this script saved with ``--save-results`` on the commit before it).

``--fit MAIN_SET`` first fits the waist reading's calibration (``hip_height_difference_waist`` and its
``_back`` variant in ``posture/knowledge/calibration.toml``) on the calibration bodies' front and back renders
of the main set, as ``make calibrate`` does for every outline measure, and writes it into the file.

Usage (``make bench-hip-sides`` renders the set first):
    python bench/hip_sides.py bench/synthetic/cache-sides --out bench/ACCURACY.md --before bench/hip_sides_before.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import (  # noqa: E402
    CALIBRATION_FILE,
    HELD_OUT_BODIES,
    Render,
    fit_outline_measures,
    read_set,
    run_posture,
)

from posture.io.model import prepare_model  # noqa: E402
from posture.io.outputs import replace_atomically  # noqa: E402
from posture.knowledge.calibration import load_calibrations  # noqa: E402
from posture.stages.measure.silhouette import MIN_HIP_OUTLINE_SHARE, MIN_WAIST_SHARE, WAIST_SPAN  # noqa: E402

BEGIN, END = "<!-- hip-sides begin -->", "<!-- hip-sides end -->"
WAIST_ENTRIES = ("hip_height_difference_waist", "hip_height_difference_waist_back")
MEASURE = "hip_height_difference"


def read_sides_set(folder: Path) -> list[Render]:
    renders = []
    for line in (folder / "index.jsonl").read_text().splitlines():
        entry = json.loads(line)
        truth = json.loads((folder / entry["json"]).read_text())
        renders.append(Render(name=entry["name"], body=entry["body"], view=entry["view"],
                              group=f"{entry['body']}/{entry['view']}", neutral=entry["value"][0] == 0, truth=truth))
    return renders


def results(renders: list[Render]) -> dict[str, dict]:
    """Per render: the hip height given (cm) and its obliquity, or None and the reason it was withheld."""
    out = {}
    for render in renders:
        document = render.document or {}
        entry = document.get("measurements", {}).get(MEASURE)
        reasons = [w["reason"] for w in document.get("withheld", []) if w["id"] == MEASURE]
        out[render.name] = {
            "value_cm": None if entry is None else float(entry["value"]),
            "obliquity_deg": None if entry is None else entry.get("components", {}).get("pelvic_obliquity_deg"),
            "reading": None if entry is None else ("waist" if "outline_shift" not in entry.get("components", {})
                                                   else "whole flank"),
            "withheld": reasons[0] if reasons else None,
            "failure": render.failure,
        }
    return out


def _summary(renders: list[Render], found: dict[str, dict]) -> tuple[int, float, float, float]:
    """(given, MAE cm, bias cm, obliquity MAE deg) over ``renders``."""
    errors, obliquity = [], []
    for render in renders:
        result = found.get(render.name)
        if result is None or result["value_cm"] is None:
            continue
        errors.append(result["value_cm"] - render.truth["measures"]["iliac_crest_height_difference_cm"])
        if result["obliquity_deg"] is not None:
            obliquity.append(abs(result["obliquity_deg"] - render.truth["measures"]["pelvic_obliquity_deg"]))
    if not errors:
        return 0, float("nan"), float("nan"), float("nan")
    return len(errors), float(np.mean(np.abs(errors))), float(np.mean(errors)), float(np.mean(obliquity))


def _cells(renders: list[Render], found: dict[str, dict] | None) -> list[str]:
    if found is None:
        return ["–", "–", "–"]
    given, mae, bias, _ = _summary(renders, found)
    share = f"{given}/{len(renders)} ({100.0 * given / len(renders):.0f}%)"
    return [share, f"{mae:.2f}" if given else "–", f"{bias:+.2f}" if given else "–"]


def section(renders: list[Render], after: dict[str, dict], before: dict[str, dict] | None,
            before_label: str) -> str:
    bodies = sorted({r.body for r in renders})
    arms = [r.truth["scene"]["arm_abduction_deg"] for r in renders]
    drops = sorted({r.truth["scene"]["pelvic_drop_deg"] for r in renders})
    calibrations = load_calibrations()
    fits = "; ".join(f"{name}: {c.offset:+.2f}" + "".join(f" {w:+.3g} × {f}" for f, w in c.weights.items())
                     for name in WAIST_ENTRIES if (c := calibrations.get(name)) is not None)
    lines = [
        BEGIN,
        "## Arms resting at the sides",
        "",
        "Regenerate with `make bench-hip-sides` (renders the set with `bench/synthetic/make_sides_set.py`, then runs "
        "`bench/hip_sides.py`). "
        f"{len(renders)} front and back renders of {len(bodies)} bodies ({', '.join(bodies)}), none of them used in "
        f"any fit (three are rendered in no other set), pelvic drop {', '.join(f'{d:+g}' for d in drops)} deg, a "
        f"shoulder drop of 3 deg on every third, the arms resting against the flanks ({min(arms):.1f}-"
        f"{max(arms):.1f} deg out from the vertical; the main set's front and back views hold them at 6 deg, "
        "against the thighs). Truth: the iliac crests' height difference (bench/synthetic/GROUND_TRUTH.md), the same "
        "as the rows above. posture measures as it does by default (the photo and two altered copies).",
        "",
        "Where an arm rests against the flank the outline there is the arm's, so the hip height read from the "
        "whole flank (hip to lower ribs, with its vertical shift) is given only where at least "
        f"{MIN_HIP_OUTLINE_SHARE:.0%} of each flank is clear of the arms. Otherwise posture now reads it from the "
        f"waist alone: each flank's outline between {WAIST_SPAN[0]:g} and {WAIST_SPAN[1]:g} trunk lengths above the "
        "hips, clear of the arm or, where the arm touches it, at the seam between them (the person mask's "
        f"probability sinks along it), when at least {MIN_WAIST_SHARE:.0%} of each waist shows; the difference of the waists' narrowest widths (each the mean of its five narrowest readings) "
        "and the hip landmarks' difference are weighed by their own "
        f"calibration ({fits}; % of body height), fitted on the five calibration bodies' front and back renders "
        "of the main set (`python bench/hip_sides.py --fit bench/synthetic/cache`; `make calibrate` refits it with "
        "the rest). Where the waist does not show either, the hip height is withheld with the arm named and the "
        "fix. The waists' mean widths, as the whole-flank reading weighs them, read the held-out bodies less "
        "closely when fitted the same way (on the photo alone, without the copies: 1.03 against 0.77 cm on the "
        "front views of this set, 0.79 against 0.78 cm on the back views).",
        "",
        f"| renders | count | given, {before_label} | MAE cm | bias cm | given, now | MAE cm | bias cm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups = [("all", renders)]
    groups += [(view, [r for r in renders if r.view == view]) for view in ("front", "back")]
    groups += [(body, [r for r in renders if r.body == body]) for body in bodies]
    for label, chosen in groups:
        lines.append(f"| {label} | {len(chosen)} | " + " | ".join(_cells(chosen, before) + _cells(chosen, after))
                     + " |")
    given, mae, bias, obliquity = _summary(renders, after)
    waist = [r for r in renders if after[r.name]["reading"] == "waist"]
    whole = [r for r in renders if after[r.name]["reading"] == "whole flank"]
    lines += [
        "",
        f"Now {given} of {len(renders)} renders ({100.0 * given / len(renders):.0f}%) are given a hip height: "
        f"{len(whole)} read from the whole flank (MAE {_summary(whole, after)[1]:.2f} cm), {len(waist)} from the "
        f"waist alone (MAE {_summary(waist, after)[1]:.2f} cm); the pelvic obliquity's MAE is {obliquity:.2f} deg. "
        "For scale: the hip landmarks alone miss the same truth by about 2.1-2.4 cm (the rows above).",
    ]
    reasons = [after[r.name]["withheld"] for r in renders if after[r.name]["value_cm"] is None]
    if reasons:
        lines += ["", "Withheld, with the reason posture gives:"]
        counts: dict[str, int] = {}
        for reason in reasons:
            key = reason or "no reason given"
            counts[key] = counts.get(key, 0) + 1
        lines += [f"- {count}×: {reason}" for reason, count in sorted(counts.items(), key=lambda kv: -kv[1])]
    lines += ["", END, ""]
    return "\n".join(lines)


def main_set_lines(renders: list[Render], after: dict[str, dict], before: dict[str, dict] | None,
                   before_label: str) -> str:
    """The main set's arms-resting rows, before and now: the renders given before, and those given only now."""
    lines = [
        "",
        "The main set's front and back renders with the arms against the thighs (the front and back rows of the "
        "table above; five of its seven bodies are the fit's): the renders given before keep their whole-flank "
        "reading, but a copy (mirrored or grey) that now reads the waist alone enters their mean.",
        "",
        f"| view | bodies | given, {before_label} | MAE cm | given, now | MAE cm, on those given before | MAE cm, "
        "on those given only now |",
        "|---|---|---|---|---|---|---|",
    ]
    for view in ("front", "back"):
        for label, chosen in (("all", [r for r in renders if r.view == view]),
                              ("held-out", [r for r in renders if r.view == view and r.body in HELD_OUT_BODIES])):
            old = [r for r in chosen if before is not None and before[r.name]["value_cm"] is not None]
            new = [r for r in chosen if r not in old and after[r.name]["value_cm"] is not None]
            given_now = sum(after[r.name]["value_cm"] is not None for r in chosen)

            def mae(found: dict[str, dict] | None, group: list[Render]) -> str:
                if found is None:
                    return "–"
                given, error, _, _ = _summary(group, found)
                return f"{error:.2f}" if given else "–"

            lines.append(f"| {view} | {label} | {len(old) if before is not None else '–'}/{len(chosen)} | "
                         f"{mae(before, old)} | {given_now}/{len(chosen)} | {mae(after, old)} | {mae(after, new)} |")
    return "\n".join(lines) + "\n"


def with_section(document: str, text: str) -> str:
    if BEGIN in document and END in document:
        head, rest = document.split(BEGIN, 1)
        return head + text.rstrip("\n") + rest.split(END, 1)[1]
    return document.rstrip("\n") + "\n\n" + text


def write_waist_calibration(fitted: dict[str, tuple[float, dict[str, float]]]) -> None:
    """Replace (or add) the waist reading's entries in calibration.toml, leaving every other entry as it is."""
    text = CALIBRATION_FILE.read_text()
    for name in WAIST_ENTRIES:
        # An entry runs from its header over its lines, blank lines and its own weights table to the next header.
        text = re.sub(rf"\n\[{name}\]\n(?:[^\[\n].*\n|\n|\[{name}\.weights\]\n)*", "\n", text)
    text = text.rstrip("\n") + "\n"
    for name in WAIST_ENTRIES:
        offset, weights = fitted.get(name, (0.0, {}))
        text += f"\n[{name}]\noffset = {offset:.4f}\n"
        if weights:
            text += f"[{name}.weights]\n" + "".join(f"{feature} = {w:.5f}\n" for feature, w in weights.items())
    replace_atomically(CALIBRATION_FILE, text.encode())
    load_calibrations.cache_clear()


def fit(main_set: Path, model_path: Path) -> None:
    """Fit the waist reading on the calibration bodies' front and back renders: a first pass without weights
    (so that every render whose waist shows reports its features), the fit, then the entries written."""
    renders = [r for r in read_set(main_set) if not r.view.startswith("side") and r.body not in HELD_OUT_BODIES]
    write_waist_calibration({})
    print(f"fitting the waist reading on {len(renders)} renders of {main_set}", file=sys.stderr)
    run_posture(main_set, renders, model_path)
    fitted = {name: value for name, value in fit_outline_measures(renders).items() if name in WAIST_ENTRIES}
    write_waist_calibration(fitted)
    for name, (offset, weights) in fitted.items():
        print(f"{name}: offset {offset:+.4f}, weights {weights}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the set made by bench/synthetic/make_sides_set.py")
    parser.add_argument("--out", type=Path, help="write the section into this Markdown file")
    parser.add_argument("--fit", type=Path, metavar="MAIN_SET", help="fit the waist reading on this set first")
    parser.add_argument("--before", type=Path, help="a results file saved by --save-results, for comparison")
    parser.add_argument("--before-label", default="before", help="what to call the --before column")
    parser.add_argument("--save-results", type=Path, help="write each render's result here (JSON)")
    parser.add_argument("--main-set", type=Path, help="also compare the main set's front and back renders with "
                        "the arms at the renderer's default, against the thighs (those of the rows above)")
    args = parser.parse_args()
    model_path = prepare_model(notify=print)
    if args.fit:
        fit(args.fit, model_path)
    renders = read_sides_set(args.folder)
    run_posture(args.folder, renders, model_path)
    after = {"sides": results(renders)}
    resting = []
    if args.main_set:
        resting = [r for r in read_set(args.main_set) if r.view in ("front", "back")]
        run_posture(args.main_set, resting, model_path)
        after["main"] = results(resting)
    if args.save_results:
        args.save_results.write_text(json.dumps(after, indent=1) + "\n")
    before = json.loads(args.before.read_text()) if args.before else {}
    text = section(renders, after["sides"], before.get("sides"), args.before_label)
    if resting:
        text = text.replace(f"\n{END}", main_set_lines(resting, after["main"], before.get("main"), args.before_label)
                            + f"\n{END}")
    print(text)
    if args.out:
        current = args.out.read_text() if args.out.exists() else ""
        replace_atomically(args.out, with_section(current, text).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

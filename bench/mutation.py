"""Mutation testing report: how many of mutmut's mutants of each module the fast unit tests kill.

    .venv/bin/python bench/mutation.py [--out bench/MUTATION.md]

Reads the results `make mutate` leaves in mutants/ (one ``<module>.py.meta`` per mutated module) and writes the
report: per module the mutants made, killed, survived and timed out, the overall score, and every survivor with
the reason it is left alive. The reasons (by mutant name, or by a pattern of names), and the hand-made mutants of issue 18 that mutmut cannot make (it
mutates only the bodies of undecorated functions), are kept in bench/mutation-survivors.toml; a survivor
without a reason there is listed as "not yet looked at".
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

if sys.version_info >= (3, 11):
    from tomllib import loads
else:  # Python 3.10
    from tomli import loads

REPO = Path(__file__).resolve().parents[1]
MUTANTS = REPO / "mutants"
NOTES = REPO / "bench" / "mutation-survivors.toml"

# mutmut's exit codes (mutmut/stats.py), folded into the columns of the report.
STATUS_BY_EXIT_CODE = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
                       36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout",
                       37: "killed", -11: "segfault", -9: "segfault"}
COLUMNS = ("killed", "survived", "timeout", "no tests", "not run")


def module_paths() -> list[str]:
    """The modules `make mutate` mutates, in pyproject.toml's order."""
    config = loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return list(config["only_mutate"])


def results(path: str) -> dict[str, str] | None:
    """Each mutant of the module at ``path`` and its status; None when the module was not mutated yet."""
    meta = MUTANTS / (path + ".meta")
    if not meta.is_file():
        return None
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return {name: "not run" if code is None else STATUS_BY_EXIT_CODE.get(code, "suspicious")
            for name, code in codes.items()}


def changed_lines(name: str, path: str) -> list[str]:
    """The lines the mutant changes, as ``-`` and ``+`` lines of a diff."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # needs the configuration in pyproject.toml

    diff = get_diff_for_mutant(name, path=path)
    return [line.rstrip() for line in diff.splitlines()
            if line[:1] in "-+" and not line.startswith(("---", "+++"))]


def score(counts: Counter[str]) -> float | None:
    """Killed (timeouts count as killed: the mutant hung the tests) over the mutants run."""
    run = sum(counts[c] for c in ("killed", "survived", "timeout", "no tests", "suspicious", "segfault"))
    return None if run == 0 else (counts["killed"] + counts["timeout"]) / run


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100.0 * value:.1f}%"


def report() -> str:
    notes = loads(NOTES.read_text(encoding="utf-8"))
    reasons: dict[str, str] = notes.get("survivors", {})
    lines = [
        "# Mutation testing",
        "",
        "Written by `make mutate` (bench/mutation.py, from the results in mutants/); the reasons for survivors "
        "come from bench/mutation-survivors.toml.",
        "",
        f"Tool: mutmut {version('mutmut')} (configuration: `[tool.mutmut]` in pyproject.toml). Command: "
        "`make mutate`, which runs, one module at a time at `nice -n 19`, "
        "`POSTURE_TESTS_WITHOUT_MODEL=1 mutmut run --max-children 2 \"<module>.*\"` and then this script. "
        "Each mutant is run against the tests, among the fast unit tests listed in "
        "`pytest_add_cli_args_test_selection`, that reach the function it changes; the tests that load the "
        "pose model skip. A mutant is killed when a test fails, or times out.",
        "",
        "mutmut 3 mutates the bodies of undecorated functions only: constants at module level (most "
        "thresholds), the registry's table of definitions and decorated functions (the measures registered "
        "with `@measures`, such as `hip_height_difference`; `atomic_file`, a context manager) are not mutated. "
        "Issue 18's nine survivors, most of them of that kind, were made by hand; the table below names the "
        "test that now kills each. The score counts a mutant without tests as not killed, and one that hung "
        "the tests (timeout) as killed.",
        "",
        "## Score",
        "",
        "| module | mutants | " + " | ".join(COLUMNS) + " | score |",
        "|---|---:|" + "---:|" * len(COLUMNS) + "---:|",
    ]
    total: Counter[str] = Counter()
    survivors: list[tuple[str, str]] = []
    not_mutated: list[str] = []
    for path in module_paths():
        found = results(path)
        if found is None:
            not_mutated.append(path)
            continue
        counts = Counter(found.values())
        total.update(counts)
        survivors += [(name, path) for name, status in sorted(found.items(), key=lambda item: _order(item[0]))
                      if status in ("survived", "no tests", "suspicious")]
        lines.append(f"| {path} | {sum(counts.values())} | " + " | ".join(str(counts[c]) for c in COLUMNS)
                     + f" | {percent(score(counts))} |")
    lines.append(f"| **all** | {sum(total.values())} | " + " | ".join(str(total[c]) for c in COLUMNS)
                 + f" | **{percent(score(total))}** |")
    lines.append("")
    if not_mutated:
        lines += ["Not run yet: " + ", ".join(not_mutated) + ".", ""]
    if notes.get("run", {}).get("note"):
        lines += [notes["run"]["note"], ""]
    if total["not run"]:
        lines += [f"{total['not run']} mutants were made but not run (the run was stopped first); the score "
                  "counts the mutants run.", ""]
    lines += ["## Issue 18's survivors, made by hand", "",
              "| module | mutation | killed by |", "|---|---|---|"]
    for listed in notes["listed"]:
        lines.append(f"| {listed['module']} | {listed['mutation']} | {listed['test']} |")
    lines += ["", "## Survivors left", "",
              "Each with the lines it changes and why it is left alive.", ""]
    for name, path in survivors:
        lines.append(f"- `{name}`: {reason_for(name, reasons)}")
        lines += ["  ```diff", *(f"  {line}" for line in changed_lines(name, path)), "  ```"]
    if not survivors:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def reason_for(name: str, reasons: dict[str, str]) -> str:
    """The reason given for the mutant by its name, else by the first pattern (``*``, ``?``, ``[...]``) it matches."""
    if name in reasons:
        return reasons[name]
    return next((reason for key, reason in reasons.items() if any(c in key for c in "*?[")
                 and fnmatch.fnmatchcase(name, key)), "not yet looked at.")


def _order(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the report here (default: print it)")
    args = parser.parse_args(argv)
    text = report()
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

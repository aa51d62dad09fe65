"""docs/exit-codes.md, written from the hostile suite's case table: every exit code and the cases that give it.

``make exit-codes`` (``PYTHONPATH=.:tests:tests/hostile python tests/hostile/exit_codes.py docs/exit-codes.md``)
writes it; tests/hostile/test_hostile.py fails when the committed file is not what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cases import CASES

from posture.errors import ExitCode

MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "the photo was analysed, the batch ran (its bad files are rows of failures.csv), or the comparison "
                 "was made",
    ExitCode.INTERNAL: "an internal error: a bug in posture; no hostile input may give it",
    ExitCode.USAGE: "the command line is wrong: argparse's usage, then one sentence",
    ExitCode.BAD_INPUT: "the photo or folder cannot be used: missing, a folder, empty, not an image, truncated, "
                        "too large, too small, or results that cannot be compared",
    ExitCode.NO_USABLE_PERSON: "no usable person: none, several, cut off, too small",
    ExitCode.UNSUPPORTED_VIEW: "the person is not standing in a side, front or back view",
    ExitCode.MODEL: "the pose model is missing or cannot be loaded",
    ExitCode.OUTPUT: "an output could not be written: a file, a folder, standard output, a folder posture may not "
                     "write into (an earlier run, another run, a planted link), or a PDF (--pdf) without Chromium "
                     "to print it (the other outputs are written)",
    ExitCode.MARKERS: "--markers: the skin markers cannot be found or paired without guessing",
    ExitCode.SCHEDULER: "batch --dask: the scheduler cannot be reached within --dask-timeout",
    ExitCode.HANGUP: "stopped by SIGHUP (the terminal was closed), as Ctrl-C stops a run",
    ExitCode.INTERRUPTED: "interrupted with Ctrl-C (SIGINT)",
    ExitCode.TERMINATED: "stopped by SIGTERM, as Ctrl-C stops a run",
}

HOW = {"in-process": "", "process": " (a process of its own)", "mounted": " (on a tmpfs of its own)",
       "signal": " (a process sent the signal)"}


def render() -> str:
    """The whole of docs/exit-codes.md."""
    lines = [
        "# Exit codes",
        "",
        "<!-- generated from tests/hostile/cases.py by `make exit-codes`; a test fails when it is stale -->",
        "",
        "Every exit code of the `posture` command (`posture.errors.ExitCode`), and the cases of the hostile "
        "suite (`tests/hostile/`) that give it. Each case is also checked for one sentence on stderr and no "
        "traceback, its inputs byte for byte unchanged, and no file left but its outputs.",
        "",
        "| code | name | meaning | cases |",
        "|---|---|---|---|",
    ]
    for code in ExitCode:
        count = sum(case.code == code for case in CASES)
        lines.append(f"| {int(code)} | `{code.name}` | {MEANINGS[code]} | {count} |")
    for code in ExitCode:
        lines += ["", f"## {int(code)} `{code.name}`", ""]
        given = [case for case in CASES if case.code == code]
        if not given:
            lines.append("No hostile case gives it.")
        lines += [f"- `{case.id}`: {_escaped(case.what)}{HOW[case.how]}" for case in given]
    return "\n".join(lines) + "\n"


def _escaped(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: exit_codes.py docs/exit-codes.md", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

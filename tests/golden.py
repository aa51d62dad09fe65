"""The golden outputs: what posture printed and wrote for every test input, recorded to compare against.

tests/test_golden.py holds today's code to these recordings, so that a change
promising "no result changes" (a restructuring, a speed-up) is checked on every
input. Regenerate them ONLY for a deliberate result change, and say in the
commit which results moved and why:

    .venv/bin/python tests/golden.py --write            (or: make golden)

To record what another commit printed (the one before a restructuring, say),
check it out beside this one (``git worktree add ../base COMMIT``) and point
``--checkout`` at it: its code and inputs are used, with this checkout's pose
model unless POSTURE_MODEL_DIR says otherwise:

    .venv/bin/python tests/golden.py --write --checkout ../base

The inputs are the PNGs in samples/ and tests/data/synthetic/ and the photos in
../shared/photos beside the checkout (never copied here: only what posture
printed about them). Each is given to the command as a path relative to the
checkout, so the recorded paths are the same on every machine. Recorded, in
tests/data/golden_outputs/:

- ``fast/<input>.json``: ``posture analyze INPUT --fast --json``, standard output byte for byte
  (empty when nothing was printed: an unreadable input, exit 3);
- ``default/<input>.json``: ``posture analyze INPUT --json``, the default reading with its ± intervals;
- ``terminal/<input>.txt``: ``posture analyze INPUT --fast``, the text report at 100 columns without colour,
  for the three samples of :data:`TERMINAL_INPUTS`;
- ``outcomes.json``: each of those runs' exit code and standard error, and the commit they were recorded with;
- ``rows.csv`` and ``failures.csv``: ``posture batch FOLDER --fast``, each input's row of results.csv,
  or its line of failures.csv when it could not be read.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "data" / "golden_outputs"
OUTCOMES = "outcomes.json"
ROWS_CSV = "rows.csv"
FAILURES_CSV = "failures.csv"

INPUT_FOLDERS = {"samples": "samples", "synthetic": "tests/data/synthetic", "photos": "../shared/photos"}
"""Each group of inputs and its folder, relative to the checkout."""
SHARED_GROUP = "photos"
"""The group that lives outside the repository and may be absent."""
PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg")

MODES: dict[str, tuple[str, ...]] = {"fast": ("--fast", "--json"), "default": ("--json",), "terminal": ("--fast",)}
"""The ``posture analyze`` options of each recorded mode."""
SUFFIXES = {"fast": ".json", "default": ".json", "terminal": ".txt"}
TERMINAL_INPUTS = ("samples/side-right_feet-behind-10cm.png", "samples/front_neutral.png",
                   "samples/side-left_neck-flexion-20deg.png")

CLI_ENVIRONMENT = {"COLUMNS": "100", "TTY_COMPATIBLE": "0", "NO_COLOR": "1"}
"""Pins the text report: rich takes its width from COLUMNS, and TTY_COMPATIBLE=0 rules out colour even
where FORCE_COLOR is set (rich checks it first)."""


@dataclass(frozen=True, slots=True)
class Input:
    """One test input: a file name within one of :data:`INPUT_FOLDERS`."""

    group: str
    name: str

    @classmethod
    def from_key(cls, key: str) -> Input:
        group, name = key.split("/", 1)
        return cls(group, name)

    @property
    def key(self) -> str:
        """How the recordings name it (``photos/x.jpg``): no ``..``, so it can name a file below the recordings."""
        return f"{self.group}/{self.name}"

    @property
    def path(self) -> str:
        """The path the command is given, relative to the checkout."""
        return f"{INPUT_FOLDERS[self.group]}/{self.name}"


@dataclass(frozen=True, slots=True)
class Run:
    """What one command printed, and how it ended."""

    exit_code: int
    stdout: str
    stderr: str


def discover_inputs(checkout: Path) -> list[Input]:
    """Every input present in ``checkout`` and beside it, by group, then by name."""
    found = []
    for group, folder in INPUT_FOLDERS.items():
        directory = checkout / folder
        if group == SHARED_GROUP and not directory.is_dir():
            raise SystemExit(f"{directory} is missing: the recordings must cover the shared photos too")
        found.extend(Input(group, path.name) for path in sorted(directory.iterdir())
                     if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES)
    return found


def output_path(mode: str, recorded: Input, golden: Path = GOLDEN) -> Path:
    return golden / mode / f"{recorded.key}{SUFFIXES[mode]}"


def read_outcomes(golden: Path = GOLDEN) -> dict[str, dict[str, dict[str, int | str]]]:
    """Each mode's exit code and standard error by input key."""
    document: dict[str, dict[str, dict[str, int | str]]] = json.loads((golden / OUTCOMES).read_text("utf-8"))
    return {mode: document[mode] for mode in MODES}


def recorded_inputs(mode: str, golden: Path = GOLDEN) -> list[Input]:
    return [Input.from_key(key) for key in read_outcomes(golden)[mode]]


def recorded_run(mode: str, recorded: Input, golden: Path = GOLDEN) -> Run:
    outcome = read_outcomes(golden)[mode][recorded.key]
    stdout = output_path(mode, recorded, golden).read_bytes().decode("utf-8")
    return Run(int(outcome["exit_code"]), stdout, str(outcome["stderr"]))


@dataclass(frozen=True, slots=True)
class Table:
    """A CSV table: its header and its rows."""

    header: list[str]
    rows: list[list[str]]

    def by_path(self) -> dict[str, list[str]]:
        column = self.header.index("path")
        return {row[column]: row for row in self.rows}


def read_csv(path: Path) -> Table:
    with open(path, newline="", encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream))
    return Table(header, rows)


def write_csv(path: Path, table: Table) -> None:
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(table.header)
        writer.writerows(table.rows)


# ------------------------------------------------------------------------------------------------ recording


def _environment() -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name != "POSTURE_DEBUG"}
    environment.setdefault("POSTURE_MODEL_DIR", str(REPO / "models"))
    return environment | CLI_ENVIRONMENT


def _posture(checkout: Path, *args: str) -> Run:
    """Run the command as a user does. ``python -m`` puts the working folder first on the import path, so
    the checkout's own code runs, not the installed one."""
    completed = subprocess.run([sys.executable, "-m", "posture", *args], cwd=checkout, env=_environment(),
                               capture_output=True, check=False)
    return Run(completed.returncode, completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8"))


def _check_code_comes_from(checkout: Path) -> None:
    located = subprocess.run([sys.executable, "-c", "import posture; print(posture.__file__)"], cwd=checkout,
                             env=_environment(), capture_output=True, text=True, check=True).stdout.strip()
    if not Path(located).resolve().is_relative_to(checkout):
        raise SystemExit(f"`import posture` in {checkout} finds {located}, not the checkout's code")


def _commit(checkout: Path) -> dict[str, str | bool]:
    """The commit the recordings come from, and whether its code had uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    modified = bool(git("status", "--porcelain", "--", "posture"))
    return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes_to_posture": modified}


def _analyze_runs(checkout: Path, inputs: Sequence[Input]) -> Iterator[tuple[str, Input, Run]]:
    for mode, options in MODES.items():
        for recorded in inputs:
            if mode != "terminal" or recorded.path in TERMINAL_INPUTS:
                yield mode, recorded, _posture(checkout, "analyze", recorded.path, *options)


def _batch_tables(checkout: Path, inputs: Sequence[Input]) -> tuple[Table, Table]:
    """Each input's row of results.csv, or line of failures.csv, from one ``posture batch`` per folder."""
    results_header: list[str] = []
    failures_header: list[str] = []
    rows: list[list[str]] = []
    failed_rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="posture-golden-") as scratch:
        for group, folder in INPUT_FOLDERS.items():
            out = Path(scratch) / group
            run = _posture(checkout, "batch", folder, "--out", str(out), "--fast", "--workers", "1", "--quiet")
            if run.exit_code != 0:
                raise SystemExit(f"posture batch {folder} failed ({run.exit_code}): {run.stderr}")
            written, failed = read_csv(out / "results.csv"), read_csv(out / "failures.csv")
            results_header, failures_header = written.header, failed.header
            row_of, failure_of = written.by_path(), failed.by_path()
            for recorded in (i for i in inputs if i.group == group):
                if recorded.path in row_of:
                    rows.append(row_of[recorded.path])
                elif recorded.path in failure_of:
                    failed_rows.append(failure_of[recorded.path])
                else:
                    raise SystemExit(f"posture batch {folder} listed {recorded.path} nowhere")
    return Table(results_header, rows), Table(failures_header, failed_rows)


def record(checkout: Path, golden: Path) -> None:
    """Run every mode on every input twice, check that the two runs agree, and write the recordings."""
    _check_code_comes_from(checkout)
    inputs = discover_inputs(checkout)
    runs = list(_analyze_runs(checkout, inputs))
    unsteady = [f"{mode} {recorded.path}" for (mode, recorded, first), (_, _, again)
                in zip(runs, _analyze_runs(checkout, inputs), strict=True) if first != again]
    tables = _batch_tables(checkout, inputs)
    if tables != _batch_tables(checkout, inputs):
        unsteady.append("the batch tables")
    if unsteady:
        raise SystemExit("these outputs differ between two runs, so they cannot be recorded: " + ", ".join(unsteady))
    shutil.rmtree(golden, ignore_errors=True)
    outcomes: dict[str, dict[str, dict[str, int | str]]] = {mode: {} for mode in MODES}
    for mode, recorded, run in runs:
        target = output_path(mode, recorded, golden)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(run.stdout.encode("utf-8"))
        outcomes[mode][recorded.key] = {"exit_code": run.exit_code, "stderr": run.stderr}
    document = {"recorded_with": _commit(checkout), **outcomes}
    (golden / OUTCOMES).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    results, failures = tables
    write_csv(golden / ROWS_CSV, results)
    write_csv(golden / FAILURES_CSV, failures)
    counts = ", ".join(f"{len(outcomes[mode])} {mode}" for mode in MODES)
    print(f"recorded {counts} runs, {len(results.rows)} batch rows and {len(failures.rows)} batch failures "
          f"into {golden}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record the golden outputs (only for a deliberate result change).")
    parser.add_argument("--write", action="store_true", required=True,
                        help="run every input and replace the recordings")
    parser.add_argument("--checkout", type=Path, default=REPO,
                        help="the checkout whose code and inputs are recorded (default: this one)")
    parser.add_argument("--out", type=Path, default=GOLDEN, help=f"where to write (default: {GOLDEN})")
    args = parser.parse_args(argv)
    record(args.checkout.resolve(), args.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``posture batch``: the command line of :mod:`posture.batching` (its arguments, the progress shown, the summary).

Imports nothing heavy at module level, so ``posture --help`` stays instant;
the engine, rich and the pose model load when the command runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any

from posture.cli.args import height_cm_argument, positive_int_argument, positive_seconds_argument
from posture.cli.output import notify, write_stdout
from posture.core.paths import path_text
from posture.limits import usable_cpus

DEFAULT_OUT = "posture-results"
DASK_CONNECT_SECONDS = 5.0  # posture.batching.engines.DASK_CONNECT_SECONDS, without importing the engines for --help

BATCH_DESCRIPTION = """\
Analyse every photo in a folder and write one table: results.csv (one row per
photo, one column per measurement, finding ids, provenance), results.jsonl (the
full JSON record per photo, refusals included), failures.csv (path, kind,
reason) and summary.json, in OUTDIR. Photos are analysed in parallel worker
processes; the tables are written as photos finish, so an interrupted run
leaves valid files, and --resume continues it (photos are recognised by their
content, so a renamed photo is not analysed again). Files whose names do not
end like a photo are listed in failures.csv as skipped. Inputs are never
modified. Columns and files: docs/batch.md.
"""

BATCH_EXAMPLES = """\
examples:
  posture batch photos/ -o results/
  posture batch photos/ -o results/ --recursive --heights heights.csv --annotate
  posture batch photos/ -o results/ --resume            # after Ctrl-C, or to add new photos
  posture batch photos/ -o results/ --dask tcp://scheduler:8786
"""

BATCH_EXIT_CODES = """\
exit codes:
  0  the run completed (photos that failed are rows in failures.csv, not an error)
  1  internal error (a bug)
  2  the command line is wrong
  3  the folder or the --heights file cannot be used
  6  the pose model is missing or cannot be prepared
  7  an output could not be written, OUTDIR holds an earlier run (add --resume),
     or another run is writing into OUTDIR
  9  --dask: the scheduler cannot be reached within --dask-timeout
  129, 130, 143  stopped by SIGHUP, Ctrl-C (SIGINT) or SIGTERM: the tables hold the photos that
     finished; --resume continues
"""


def register(commands: Any) -> None:
    """Add the ``batch`` subcommand to the ``posture`` command's subparsers."""

    batch = commands.add_parser(
        "batch", help="analyse a folder of photos into one table (CSV, JSONL, failures), in parallel",
        description=BATCH_DESCRIPTION, epilog=BATCH_EXAMPLES + "\n" + BATCH_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("folder", type=Path, metavar="DIR", help="the folder of photos")
    batch.add_argument("-o", "--out", type=Path, default=Path(DEFAULT_OUT), metavar="OUTDIR",
                       help=f"folder for the tables (created if missing; default: {DEFAULT_OUT})")
    batch.add_argument("-r", "--recursive", action="store_true", help="also analyse the photos in subfolders")
    batch.add_argument("--workers", type=positive_int_argument, metavar="N",
                       help=f"worker processes (default: one per CPU, here {usable_cpus()}); each holds about 300 MB")
    heights = batch.add_mutually_exclusive_group()
    heights.add_argument("--height-cm", type=height_cm_argument, metavar="CM",
                         help="one standing height for every photo: offsets in cm instead of %% of height")
    heights.add_argument("--heights", type=Path, metavar="FILE.csv",
                         help="heights by photo or subject: a CSV file with a 'height_cm' column and a 'file' "
                         "column (name or path below DIR) or a 'subject' column (a folder name, or the start of "
                         "the file name before _ or -); see docs/batch.md")
    batch.add_argument("--annotate", action="store_true",
                       help="also write an annotated PNG per analysed photo into OUTDIR/annotated/")
    batch.add_argument("--resume", action="store_true",
                       help="continue an earlier run into the same OUTDIR: photos already analysed (same content, "
                       "model, version, height and uncertainty setting, within --max-pixels) are not analysed "
                       "again; failures are retried")
    batch.add_argument("--fast", dest="uncertainty", action="store_false",
                       help="measure each photo alone, one landmark run instead of three, with no ± interval and no "
                       "second look for another person beside the subject; by default each measurement is "
                       "averaged over the photo and two altered copies of it and given a 95%% repeatability "
                       "interval")
    batch.add_argument("--dask", metavar="ADDRESS",
                       help="run the photos on an existing Dask distributed scheduler (e.g. tcp://host:8786; needs "
                       "pip install 'posture[dask]'); the workers must reach DIR and OUTDIR at the same paths")
    batch.add_argument("--dask-timeout", type=positive_seconds_argument, default=DASK_CONNECT_SECONDS, metavar="S",
                       help=f"seconds to wait for the --dask scheduler to answer (default {DASK_CONNECT_SECONDS:g}); "
                       "one out of reach ends the run with exit 9 before anything is written")
    batch.add_argument("-q", "--quiet", action="store_true", help="print no progress and no summary")
    batch.add_argument("--model", type=Path, metavar="PATH",
                       help="a MediaPipe pose_landmarker .task bundle (default: the full model, prepared on first use)")
    batch.add_argument("--max-pixels", type=positive_int_argument, default=None, metavar="N",
                       help="refuse photos with more pixels than this, a 16-bit pixel counting twice "
                       "(default 100,000,000)")
    batch.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``posture batch``; returns the exit code (0 also when some photos failed)."""
    from posture.batching.run import run_batch
    from posture.errors import ExitCode, stopped_by

    # With stderr closed (2>&-) there is nowhere to show progress; sys.stderr is then None.
    progress = None if args.quiet or sys.stderr is None else (
        _RichProgress() if sys.stderr.isatty() else _PlainProgress())
    try:
        outcome = run_batch(
            args.folder, args.out, recursive=args.recursive, workers=args.workers, height_cm=args.height_cm,
            heights=args.heights, annotate=args.annotate, resume=args.resume, uncertainty=args.uncertainty,
            dask=args.dask, dask_timeout=args.dask_timeout, model=args.model, max_pixels=args.max_pixels,
            on_total=None if progress is None else progress.start,
            on_record=None if progress is None else progress.advance,
            notify=notify,
        )
    finally:
        if progress is not None:
            progress.stop()
    summary = outcome.summary
    if outcome.interrupted:
        done = summary["results"] + summary["failures"]
        number = outcome.signal_number if outcome.signal_number is not None else signal.SIGINT
        how = "interrupted" if number == signal.SIGINT else f"stopped by {signal.Signals(number).name}"
        notify(f"posture: {how}; {done} photos and files are in the tables in {path_text(args.out)!r}, and the "
               "same command with --resume continues the run.")
        return stopped_by(number)
    if not args.quiet:
        write_stdout(format_summary(summary, args.out) + "\n")  # a full or closed standard output is exit 7
    return ExitCode.OK


def format_summary(summary: dict[str, Any], out: Path) -> str:
    """The summary printed at the end of a run, a few plain lines."""

    def counts(mapping: dict[str, int]) -> str:
        return ", ".join(f"{key} {value}" for key, value in mapping.items()) or "none"

    rate = summary["photos_per_second"]
    lines = [
        f"{summary['photos']} photos, {summary['results']} results ({counts(summary['status'])}), "
        f"{summary['failures']} failures ({counts(summary['failure_kinds'])})",
        f"views: {counts(summary['view'])}",
        f"findings: {counts(summary['findings'])}",
        f"{summary['analysed_this_run']} analysed in {summary['seconds']:.1f} s"
        + (f" ({rate:.2f} photos/s)" if rate else "")
        + (f", {summary['reused_from_earlier_run']} reused from the earlier run"
           if summary["reused_from_earlier_run"] else ""),
        f"tables: {out / 'results.csv'}, results.jsonl, failures.csv, summary.json",
    ]
    if summary["folders_not_searched"]:
        lines.append(f"{summary['folders_not_searched']} subfolders not searched (add --recursive)")
    return "\n".join(lines)


class _PlainProgress:
    """One line on stderr every ``every`` seconds when stderr is not a terminal (a log file, CI)."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self.total = 0
        self.done = 0
        self.analysed = 0
        self.started = time.monotonic()
        self.last = self.started

    def start(self, total: int) -> None:
        self.total = total
        self.started = self.last = time.monotonic()

    def advance(self, record: dict[str, Any]) -> None:
        self.done += 1
        if record["outcome"] != "reused" and record.get("kind") != "skipped":
            self.analysed += 1
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            notify(f"posture: {self.line(now)}")

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.analysed / elapsed
        percent = 100 * self.done / self.total if self.total else 100
        left = self.total - self.done
        eta = f", about {_duration(left / rate)} left" if rate > 0 and left else ""
        return f"{self.done} of {self.total} done ({percent:.0f}%), {rate:.1f} photos/s{eta}"

    def stop(self) -> None:
        """Nothing to tidy: every line is complete."""


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


class _RichProgress:
    """A rich progress bar on stderr with the count, the rate and the time left."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(), console=Console(file=sys.stderr), transient=False,
        )
        self.task: Any = None
        self.analysed = 0
        self.started = time.monotonic()

    def start(self, total: int) -> None:
        self.progress.start()
        self.started = time.monotonic()
        self.task = self.progress.add_task("photos", total=total, rate="")

    def advance(self, record: dict[str, Any]) -> None:
        if record["outcome"] != "reused" and record.get("kind") != "skipped":
            self.analysed += 1
        rate = self.analysed / max(time.monotonic() - self.started, 1e-9)
        self.progress.update(self.task, advance=1, rate=f"{rate:.1f} photos/s")

    def stop(self) -> None:
        self.progress.stop()

"""The ``posture`` command: parse arguments, run the pipeline, pick the renderers, map errors to exit codes."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn

from posture._native import hide_native_stderr
from posture._version import __version__
from posture.cli import batch as cli_batch
from posture.cli import compare as cli_compare
from posture.cli import serve as cli_serve
from posture.cli.args import (
    height_cm_argument,
    html_path_argument,
    pdf_path_argument,
    png_path_argument,
    positive_int_argument,
    roll_argument,
)
from posture.cli.output import notify, write_stdout
from posture.errors import (
    STOPPING_SIGNALS,
    ExitCode,
    InputError,
    OutputError,
    PostureError,
    Stopped,
    UsageError,
    stopped_by,
)

if TYPE_CHECKING:
    from posture.analysis import Analysis

EXIT_CODES_HELP = """\
exit codes:
  0  the photo was analysed
  1  internal error (a bug: please report it with the photo's description)
  2  the command line is wrong
  3  the file is missing, a directory, empty, not an image, truncated or too large
  4  no usable person: none found, two people, body cut off, too small, or not a plausible person
  5  the person is not standing in a side, front or back view (sitting, lying, turned part-way)
  6  the pose model is missing or cannot be prepared
  7  an output (file or standard output) could not be written, or --pdf without Chromium to print it
  8  --markers: the skin markers cannot be found or paired without guessing
  9  batch --dask: the scheduler cannot be reached within --dask-timeout
  129  hung up (SIGHUP: the terminal was closed)
  130  interrupted (Ctrl-C, SIGINT)
  143  terminated (SIGTERM, e.g. kill)
"""

ANALYZE_DESCRIPTION = """\
Measure standing posture in one or more photos and explain what it suggests.

Take the photo from the side (the whole body from head to feet, the camera
level at about hip height, 2-4 m away, close-fitting clothes) for head
position, trunk lean, pelvic tilt, belly and foot-to-hip alignment; a front
or back photo (arms a hand's width from the body) gives hip and shoulder
heights. Pelvic tilt and hip height are read from the body's outline and are
estimates, named as such; skin markers (--markers) measure them directly.
Each finding is explained with the ideas of Lawrence Gold's article on tight
psoas muscles. It is not a diagnosis.

Each measurement is the mean over the photo and two altered copies of it,
with a 95% repeatability interval (±); a pattern is flagged only when its
value passes the threshold by more than its ±, and a value within its ± of
a threshold is shown as near the limit. Several shots of one view are
combined into one steadier value; the same photo given twice (identical
files, under any name) counts once, with a warning.

A video clip (MP4, MOV) of the person standing still for a few seconds is
read frame by frame: the longest stretch without a step is measured and
combined into one reading, with the sway of head, shoulders, hips and
body centre. A clip of the person walking across the picture, side-on, is
read as a walk: its steps, and left against right for step time, stance
time and step length; each arm's swing is given, not compared, the far arm
being mostly hidden from the side (docs/video.md).

A refused photo (no usable person, unsupported view) gets one sentence on
stderr and its exit code; with --json the refusal record is printed too.
"""

ANALYZE_EXAMPLES = """\
examples:
  posture analyze side.jpg
  posture analyze side.jpg --height-cm 172 --annotate side-annotated.png
  posture analyze side.jpg --html report.html --pdf report.pdf
  posture analyze side.jpg --json > side.json
  posture analyze side.jpg front.jpg --height-cm 172     (one report: each view gives what it can)
  posture analyze side1.jpg side2.jpg side3.jpg          (three shots of one view combined: a smaller ±)
  posture analyze side.jpg --fast                        (one landmark run instead of three: no ±)
  posture analyze standing.mov --height-cm 172           (a clip: many frames, one reading, and the sway)
"""


def _measurements_help() -> str:
    """The measurements, from the registry: what the report and the JSON contain."""
    from posture.knowledge import registry

    lines = ["measurements (ids as in the JSON; + means forward in side views, the person's left in front/back):"]
    for view, label in (("side", "side view"), ("front", "front or back view")):
        lines.append(f"  {label}:")
        lines.extend(f"    {d.id:<28} {d.summary}" for d in registry.for_view(view))
    return "\n".join(lines) + "\n"


class _Parser(argparse.ArgumentParser):
    """argparse, but help and version text that cannot be written to standard output is an output error (exit 7),
    and a usage error never reaches standard output.

    argparse's own printing swallows a failed write, so ``--help > /dev/full`` would exit 0 with the text lost.
    """

    def error(self, message: str) -> NoReturn:
        """The usage and the error on stderr, exit 2; argparse would print the usage on stdout when stderr is closed."""
        notify(self.format_usage().rstrip("\n"))
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if not message:
            return
        if file is not None and file is sys.stdout:
            write_stdout(message)
        else:  # argparse's None is stderr, where usage errors go and a line that cannot be written is dropped
            notify(message.rstrip("\n"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="posture",
        description="Read standing posture from ordinary photos, explained through a somatics article on "
        "tight psoas muscles. Everything runs on this computer; no photo is uploaded.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"posture {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyze = commands.add_parser(
        "analyze", help="measure and explain the posture in one photo",
        description=ANALYZE_DESCRIPTION,
        epilog=_measurements_help() + "\n" + ANALYZE_EXAMPLES + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument("photos", type=Path, nargs="+", metavar="PHOTO",
                         help="JPEG, PNG, WebP or HEIC photo of one standing person, or a video clip (MP4, MOV) of "
                         "them standing still for a few seconds (docs/video.md); several photos of the same "
                         "person (e.g. side.jpg front.jpg) give one combined report")
    analyze.add_argument("--json", action="store_true",
                         help="print the versioned JSON document (docs/json-output.md) instead of the report; "
                         "a refused photo prints its refusal record")
    analyze.add_argument("--annotate", type=png_path_argument, metavar="OUT.png",
                         help="also write a PNG with the skeleton, plumb line, angles and findings drawn on it")
    analyze.add_argument("--html", type=html_path_argument, metavar="OUT.html",
                         help="also write a self-contained HTML report (picture embedded without EXIF, "
                         "no external requests); a refused photo's report says why")
    analyze.add_argument("--pdf", type=pdf_path_argument, metavar="OUT.pdf",
                         help="also write the HTML report as an A4 PDF, printed by headless Chromium (Debian's "
                         "chromium package, or the binary named by POSTURE_CHROMIUM); without it the other outputs "
                         "are written and the command exits 7")
    analyze.add_argument("--height-cm", type=height_cm_argument, metavar="CM",
                         help="the person's standing height; offsets are then given in cm instead of %% of height")
    analyze.add_argument("--markers", nargs="?", const="green", choices=("green", "blue", "magenta"),
                         metavar="COLOUR",
                         help="measure pelvic tilt and head angle (side photo) and hip height (back photo) from "
                         "round skin markers of this colour (default green) on ASIS and PSIS, tragus and C7, or "
                         "both iliac crests; a photo whose markers cannot be paired is refused (exit 8)")
    analyze.add_argument("--fast", dest="uncertainty", action="store_false",
                         help="measure the photo alone: one landmark run instead of three (about half the time "
                         "with a spare CPU core), but no ± interval, no borderline marks and no second look for "
                         "another person beside the subject. By default each measurement is the mean over the "
                         "photo and a mirrored and a grey copy of it, with a 95%% repeatability interval (±) from "
                         "their spread, and the photo is searched again, square by square, for a second person the "
                         "first look missed")
    levelling = analyze.add_mutually_exclusive_group()
    levelling.add_argument("--roll", type=roll_argument, metavar="DEG",
                           help="the camera's roll in degrees, + when true vertical leans clockwise in the photo "
                           "(the camera was turned counter-clockwise); replaces the roll posture finds from the "
                           "phone's gravity record or upright lines in the background")
    levelling.add_argument("--no-level", dest="level", action="store_false",
                           help="measure the photo as it is, taking its vertical as true vertical")
    analyze.add_argument("--model", type=Path, metavar="PATH",
                         help="a MediaPipe pose_landmarker .task bundle (lite, full or heavy); "
                         "default: the full model, prepared on first use")
    analyze.add_argument("--max-pixels", type=positive_int_argument, default=None, metavar="N",
                         help="refuse photos with more pixels than this, a 16-bit pixel counting twice (guards "
                         "against decompression bombs; default 100,000,000)")

    analyze.set_defaults(run=_run_analyze)

    model = commands.add_parser(
        "model", help="prepare and verify the pose model (done automatically on first use)",
        description="Put pose_landmarker_full.task in the model folder: MediaPipe's official download "
        "when reachable, else built reproducibly from the mediapipe 0.10.21 wheel on PyPI. "
        "The file's sha256 is recorded and checked on every run.",
    )
    model.add_argument("--force", action="store_true", help="prepare the model again even if it is present")
    model.add_argument("--from-wheel", action="store_true",
                       help="skip MediaPipe's download and build the model from the mediapipe 0.10.21 wheel: the "
                       "exact model posture's calibrations were fitted with (use with --force to replace a "
                       "downloaded one)")
    model.add_argument("--dir", type=Path, metavar="DIR", help="folder for the model (default: models/)")
    model.set_defaults(run=_run_model)
    # Each further command lives in its own module, which must import nothing heavy at module level.
    cli_batch.register(commands)
    cli_compare.register(commands)
    cli_serve.register(commands)
    return parser


@contextlib.contextmanager
def clip_progress(path: Path) -> Iterator[Callable[[float, float], None] | None]:
    """A rich progress bar on stderr for a clip being read, when stderr is a terminal; else no progress."""
    if sys.stderr is None or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from posture.core.paths import path_text

    bar = Progress(TextColumn(f"reading {path_text(path.name)}"), BarColumn(),
                   TextColumn("{task.completed:.1f} of {task.total:.1f} s"), TimeRemainingColumn(),
                   console=Console(file=sys.stderr), transient=True)
    task = bar.add_task("clip", total=None)

    def advance(reached_s: float, length_s: float) -> None:
        bar.update(task, completed=reached_s, total=length_s)

    with bar:
        yield advance


def _run_analyze(args: argparse.Namespace) -> int:
    from posture.analyzer import Analyzer, is_video
    from posture.io.loading import DEFAULT_MAX_PIXELS

    photos: list[Path] = args.photos
    if len(photos) > 1 and (args.annotate is not None or args.html is not None or args.pdf is not None):
        raise UsageError("--annotate, --html and --pdf take one photo; run them photo by photo, or use "
                         "`posture compare` for before-and-after photos.")
    analyses = []
    errors: list[PostureError] = []
    with Analyzer(args.model, max_pixels=args.max_pixels or DEFAULT_MAX_PIXELS, notify=notify) as analyzer:
        for photo in photos:
            try:
                if is_video(photo):
                    if args.markers is not None:
                        raise UsageError("--markers takes photos, not video clips.")
                    with clip_progress(photo) as progress:
                        analysis = analyzer.analyze_clip(photo, height_cm=args.height_cm, roll=args.roll,
                                                         level=args.level, progress=progress)
                else:
                    analysis = analyzer.analyze(photo, height_cm=args.height_cm, uncertainty=args.uncertainty,
                                                roll=args.roll, level=args.level, markers=args.markers)
            except InputError as error:
                if len(photos) == 1:
                    raise
                errors.append(error)  # the other photos are still worth a report
                continue
            analyses.append(analysis)
            refusal = analysis.error()
            if refusal is not None:
                errors.append(refusal)
    from posture.combine import combine_by_view, note_repeated_photos

    analyses = note_repeated_photos(analyses)
    analysed = [a for a in analyses if a.ok]
    if len(photos) == 1 and analyses:
        _write_single_outputs(args, analyses[0])
    if args.json:
        from posture.render.json import render_json, render_json_photos

        if len(photos) == 1 and analyses:
            write_stdout(render_json(analyses[0]))
        elif len(photos) > 1:
            write_stdout(render_json_photos(analyses, combine_by_view(analyses)))
    elif analysed:
        from rich.console import Console

        from posture.render.terminal import render_terminal

        console = Console()
        write_stdout(render_terminal(combine_by_view(analysed), width=console.width, color=console.is_terminal))
    if len(photos) == 1 and analyses and args.pdf is not None:
        # Last, so that a missing Chromium costs only the PDF; a refused photo's own error stays the exit code.
        try:
            _write_pdf(args, analyses[0])
        except OutputError as error:
            errors.insert(0, error)
    for error in errors[:-1]:
        notify(f"posture: {error}")
    if errors:
        raise errors[-1]
    return ExitCode.OK


def _write_pdf(args: argparse.Namespace, analysis: Analysis) -> None:
    """The HTML report printed to PDF by headless Chromium, written atomically."""
    from posture.io.outputs import write_atomic
    from posture.io.pdf import print_to_pdf
    from posture.render.html import render_analysis_html

    write_atomic(args.pdf, print_to_pdf(render_analysis_html(analysis)), protect=(args.photos[0],))


def _write_single_outputs(args: argparse.Namespace, analysis: Analysis) -> None:
    """The annotated picture of an analysed photo and the HTML report of any photo (a refused one's says why),
    written atomically."""
    from posture.io.outputs import write_atomic

    photo = args.photos[0]
    if args.annotate is not None and analysis.ok:
        from posture.io.outputs import encode_png
        from posture.render.image import render_annotated

        write_atomic(args.annotate, encode_png(render_annotated(analysis)), protect=(photo,))
    if args.html is not None:
        from posture.render.html import render_analysis_html

        write_atomic(args.html, render_analysis_html(analysis).encode("utf-8"), protect=(photo,))


def _run_model(args: argparse.Namespace) -> int:
    from posture.io.model import prepare_model, sha256_of

    path = prepare_model(args.dir, notify=notify, force=args.force, from_wheel=args.from_wheel)
    write_stdout(f"{path} (sha256 {sha256_of(path)})\n")
    return ExitCode.OK


@contextlib.contextmanager
def stopped_like_ctrl_c() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`~posture.errors.Stopped` (a KeyboardInterrupt) as SIGINT does.

    Without this they would kill the process on the spot: no partial tables, a temporary file left beside an
    output. Only the main thread may install handlers; elsewhere (a caller's thread) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: object) -> None:
        raise Stopped(number)

    previous = {number: signal.signal(number, stop) for number in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``posture`` command with ``argv``; returns the exit code."""
    try:
        with stopped_like_ctrl_c():
            args = build_parser().parse_args(argv)
            command: Callable[[argparse.Namespace], int] = args.run
            return command(args)
    except SystemExit as exit_:  # argparse: --help, --version, usage errors
        return exit_.code if isinstance(exit_.code, int) else ExitCode.OK if exit_.code is None else ExitCode.USAGE
    except PostureError as error:
        notify(f"posture: {error}")
        return error.exit_code
    except KeyboardInterrupt as interrupt:
        if isinstance(interrupt, Stopped):
            notify(f"posture: stopped by {signal.Signals(interrupt.signal_number).name}.")
            return stopped_by(interrupt.signal_number)
        notify("posture: interrupted.")
        return ExitCode.INTERRUPTED
    except Exception as error:
        if os.environ.get("POSTURE_DEBUG"):
            raise
        notify(f"posture: internal error ({type(error).__name__}: {error}); "
               "set POSTURE_DEBUG=1 to see the traceback.")
        return ExitCode.INTERNAL


def run() -> None:
    """Entry point of the ``posture`` console script.

    MediaPipe's native code writes straight to file descriptor 2, also while
    the interpreter shuts down, where no Python code can wrap it. So the
    command keeps its own messages on a copy of stderr and points descriptor 2
    at /dev/null for the rest of the process (unless ``POSTURE_DEBUG`` is set).
    """
    hide_native_stderr()
    code = main()
    sys.exit(code)

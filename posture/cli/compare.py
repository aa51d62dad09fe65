"""``posture compare``: before and after, with a verdict per measurement that noise cannot fake.

Only argparse and the standard library at module level: ``import posture.cli``
must stay light (the analysis stack is imported inside :func:`run_compare`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from posture.cli.args import (
    height_cm_argument,
    html_path_argument,
    pdf_path_argument,
    png_path_argument,
    positive_int_argument,
)
from posture.cli.output import notify, write_stdout
from posture.core.paths import path_text

COMPARE_DESCRIPTION = """\
Compare photos of one person taken at different times (before and after a
programme) and say, per measurement, whether it improved, worsened, or did
not change by more than the noise.

Each photo is measured with its 95% repeatability interval (re-measured
mirrored, smaller, shifted, grey and re-compressed copies); a change counts
only when it exceeds the minimal detectable change sqrt(u1² + u2²).
"Improved" means the value moved toward the typical range of the knowledge
base; a measurement without such a range is only said to have "changed".

Photos are put in time order by their EXIF capture times when every one has
them, else kept in the order given (the report says which). With several
views per visit, give one --session per visit; photos are matched by the
view posture detects (side, front, back). A view without a partner, or a
photo that cannot be measured, is reported, not an error. Photos that seem to
show different people (body proportions) get a warning; results from a
different model, MediaPipe or calibration are refused (exit 3).
"""

COMPARE_EXAMPLES = """\
examples:
  posture compare before.jpg after.jpg
  posture compare jan.jpg mar.jpg may.jpg -o progress.html --png progress.png
  posture compare --session 2026-01-10 side1.jpg front1.jpg --session 2026-03-02 side2.jpg front2.jpg -o report.html
  posture compare before.jpg after.jpg --json > change.json
  posture compare before.jpg after.jpg -o change.html --pdf change.pdf

exit codes: 0 compared; 3 a photo is unreadable, or the results are not comparable;
  4/5 no photo pair could be measured (the first refused photo's reason); 7 an output could not be written,
  or --pdf without Chromium to print it (the other outputs are still written)
"""


def register(commands: Any) -> None:
    """Add the ``compare`` subcommand to the ``posture`` parser's subcommands."""

    compare = commands.add_parser(
        "compare", help="before/after: what really changed between photos of one person",
        description=COMPARE_DESCRIPTION, epilog=COMPARE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("photos", type=Path, nargs="*", metavar="PHOTO",
                         help="two or more photos of one view, earliest first (one photo per session)")
    compare.add_argument("--session", nargs="+", action="append", metavar=("LABEL", "PHOTO"), default=None,
                         help="one visit: a label (e.g. its date) then its photos (side, front, back); repeat "
                         "for each visit, instead of PHOTO arguments")
    compare.add_argument("-o", "--html", type=html_path_argument, metavar="OUT.html",
                         help="write a self-contained HTML report (photos embedded, no EXIF, no external requests)")
    compare.add_argument("--pdf", type=pdf_path_argument, metavar="OUT.pdf",
                         help="write the HTML report as an A4 PDF, printed by headless Chromium (Debian's chromium "
                         "package, or the binary named by POSTURE_CHROMIUM)")
    compare.add_argument("--png", type=png_path_argument, metavar="OUT.png",
                         help="write the photos side by side at one body height, the earlier skeleton faint over "
                         "the later photo")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON instead of text")
    compare.add_argument("--height-cm", type=height_cm_argument, metavar="CM",
                         help="the person's standing height; offsets are then given in cm")
    compare.add_argument("--model", type=Path, metavar="PATH", help="a MediaPipe pose_landmarker .task bundle")
    compare.add_argument("--max-pixels", type=positive_int_argument, default=None, metavar="N",
                         help="refuse photos with more pixels than this (default 100,000,000)")
    compare.set_defaults(run=run_compare)


def _sessions(args: argparse.Namespace) -> list[tuple[str, list[Path]]]:
    """(label, photos) per session, from PHOTO arguments or --session groups; exits 2 when neither fits."""
    if args.session and args.photos:
        raise SystemExit(_usage("give either PHOTO arguments or --session groups, not both"))
    if args.session:
        groups = []
        for group in args.session:
            if len(group) < 2:
                raise SystemExit(_usage(f"--session {group[0]!r} needs a label and at least one photo"))
            groups.append((group[0], [Path(p) for p in group[1:]]))
        if len(groups) < 2:
            raise SystemExit(_usage("give at least two --session groups"))
        return groups
    if len(args.photos) < 2:
        raise SystemExit(_usage("give at least two photos (before and after)"))
    return [(path_text(path.name), [path]) for path in args.photos]


def _usage(message: str) -> int:
    notify(f"posture compare: error: {message}")
    return 2


def run_compare(args: argparse.Namespace) -> int:
    from posture.analyzer import Analyzer
    from posture.compare import Session, compare_sessions
    from posture.errors import ExitCode, InputError, OutputError
    from posture.io.loading import DEFAULT_MAX_PIXELS

    groups = _sessions(args)
    inputs = tuple(path for _, paths in groups for path in paths)
    with Analyzer(args.model, max_pixels=args.max_pixels or DEFAULT_MAX_PIXELS, notify=notify) as analyzer:
        # A clip (read as one by the Analyzer) stands in a session as one more reading of its view.
        sessions = [Session(label, tuple(analyzer.analyze(p, height_cm=args.height_cm)
                                         for p in paths))
                    for label, paths in groups]
    comparison = compare_sessions(sessions)

    if args.html is not None or args.png is not None:
        from posture.io.outputs import encode_png, write_atomic

        # With no view in two sessions there is nothing to put side by side; the refusal below says why.
        if args.png is not None and comparison.series:
            from posture.render.compare_image import render_comparison_image

            write_atomic(args.png, encode_png(render_comparison_image(comparison)), protect=inputs)
        if args.html is not None:
            from posture.render.html import render_comparison_html

            write_atomic(args.html, render_comparison_html(comparison).encode("utf-8"), protect=inputs)
    if args.json:
        from posture.render.comparison import render_comparison_json

        write_stdout(render_comparison_json(comparison))
    else:
        from posture.render.comparison import render_comparison_text

        write_stdout(render_comparison_text(comparison))
    pdf_error: OutputError | None = None
    if args.pdf is not None:
        # Last, so that a missing Chromium costs only the PDF.
        from posture.io.outputs import write_atomic
        from posture.io.pdf import print_to_pdf
        from posture.render.html import render_comparison_html

        try:
            write_atomic(args.pdf, print_to_pdf(render_comparison_html(comparison)), protect=inputs)
        except OutputError as error:
            pdf_error = error
    if not comparison.series:
        if pdf_error is not None:
            notify(f"posture: {pdf_error}")
        refused = next((a for s in comparison.sessions for a in s.analyses if not a.ok), None)
        error = refused.error() if refused is not None else None
        if error is not None:
            raise error
        raise InputError("No view was photographed in two sessions, so nothing could be compared.")
    if pdf_error is not None:
        raise pdf_error
    return ExitCode.OK

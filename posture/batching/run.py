"""One batch run: discover the photos, skip what an earlier run finished, analyse the rest, write the tables and summary."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posture.batching.discover import Found, discover, file_sha256
from posture.batching.engines import DASK_CONNECT_SECONDS, OnStart, dask_client, pick_engine
from posture.batching.heights import Heights, read_heights
from posture.batching.tables import (
    ANNOTATED_DIR,
    FAILURE_COLUMNS,
    FAILURES_CSV,
    RESULTS_CSV,
    RESULTS_JSONL,
    SUMMARY_JSON,
    EarlierResult,
    Tables,
    cell_text,
    earlier_results,
    output_folder_lock,
    parse_cell,
    write_summary,
)
from posture.batching.work import Options, Record, Task
from posture.core.paths import path_text
from posture.errors import STOPPING_SIGNALS, OutputError
from posture.limits import is_standing_height, usable_cpus

# --------------------------------------------------------------------------- the run


@dataclass(frozen=True, slots=True)
class Outcome:
    """The end of a run.

    Attributes:
        summary: counts by status, view and kind of failure, how often each finding occurred, throughput.
        interrupted: the run was stopped with Ctrl-C (or SIGTERM, SIGHUP) before every photo was done.
        rows: the flat rows (when collected), sorted by path; rows carried over by ``resume`` are read back
            from results.csv, see :func:`parse_cell`.
        failures: the failure records, sorted by path.
    """

    summary: dict[str, Any]
    interrupted: bool
    rows: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    signal_number: int | None = None
    """The signal that stopped the run (SIGINT, SIGTERM or SIGHUP), when ``interrupted``."""


def run_batch(
    folder: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    recursive: bool = False,
    workers: int | None = None,
    height_cm: float | None = None,
    heights: Heights | str | os.PathLike[str] | None = None,
    annotate: bool = False,
    resume: bool = False,
    uncertainty: bool = True,
    dask: Any = None,
    dask_timeout: float = DASK_CONNECT_SECONDS,
    model: str | os.PathLike[str] | None = None,
    max_pixels: int | None = None,
    collect_rows: bool = False,
    on_total: Callable[[int], None] | None = None,
    on_record: Callable[[Record], None] | None = None,
    on_start: OnStart | None = None,
    notify: Callable[[str], None] | None = None,
) -> Outcome:
    """Analyse every photo in ``folder`` and write the tables into ``out`` (see docs/batch.md).

    Args:
        folder: the folder of photos.
        out: the output folder (created if missing). It may not hold the results
            of an earlier run unless ``resume`` is set, nor be written by another run meanwhile.
        recursive: also search subfolders.
        workers: worker processes (default: one per CPU); 0 analyses in this process.
        height_cm: one standing height for every photo.
        heights: heights by photo or subject (a :class:`Heights` or a CSV file, see :func:`read_heights`).
        annotate: write an annotated PNG per analysed photo into ``out/annotated/``.
        resume: reuse the results in ``out`` of photos already done (by content),
            when the model, versions, height and uncertainty setting are the same
            and the photo is within ``max_pixels``.
        uncertainty: average each measurement over the photo and two altered copies and give its
            repeatability interval (three landmark runs); False measures each photo alone (``--fast``).
        dask: a Dask scheduler address or ``distributed.Client``: run the photos there instead.
        dask_timeout: seconds to wait for the scheduler at a ``dask`` address to answer.
        model: the pose model bundle; None prepares the default model.
        max_pixels: refuse photos with more pixels than this.
        collect_rows: keep the rows in memory and return them.
        on_total: told how many photos and failures the run will report, once known.
        on_record: told of every record (result or failure) as it is written.
        on_start: told when a photo is handed to a worker process, with its pid.
        notify: receives one-line messages (preparing the model).

    Raises:
        InputError: ``folder`` or ``heights`` cannot be used.
        OutputError: ``out`` cannot be written, holds an earlier run without ``resume``, or another
            run is writing into it.
        ModelError: the pose model cannot be prepared or opened.
        SchedulerError: the Dask scheduler at ``dask`` does not answer; nothing is written into ``out``.
    """
    from posture._version import __version__
    from posture.analysis import columns as row_columns
    from posture.io.loading import DEFAULT_MAX_PIXELS
    from posture.io.model import check_model_file, prepare_model, sha256_of

    started = time.perf_counter()
    if height_cm is not None and heights is not None:
        raise ValueError("give height_cm or heights, not both")
    if height_cm is not None:
        if not is_standing_height(height_cm):
            raise ValueError(f"height_cm={height_cm!r} is not a standing height in cm")
        height_cm = float(height_cm)  # 170 and 170.0 make the same row, and the same resume key
    table = read_heights(heights) if isinstance(heights, (str, os.PathLike)) else heights
    out_path = Path(out)
    if workers is None:
        workers = usable_cpus()
    # Before the output folder is made: a folder of photos that cannot be used leaves nothing behind.
    found = discover(folder, recursive=recursive, exclude=out_path)
    try:
        out_path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"Could not create the output folder {path_text(out_path)!r}: {error.strerror or error}.") \
            from None
    with output_folder_lock(out_path), contextlib.ExitStack() as held:
        if not resume and any((out_path / name).exists() for name in (RESULTS_CSV, RESULTS_JSONL, FAILURES_CSV)):
            raise OutputError(f"{path_text(out_path)!r} already holds the results of an earlier run; add --resume to "
                              "continue it, or choose another output folder with -o.")
        if resume:
            _refuse_foreign_tables(out_path)
        if annotate:
            _refuse_linked_folders(out_path / ANNOTATED_DIR)
        root = os.fspath(folder)

        model_path = check_model_file(Path(model)) if model is not None else prepare_model(notify=notify or _silent)
        columns = row_columns()
        earlier = earlier_results(out_path, columns) if resume else {}
        from importlib import metadata

        current = {"posture_version": __version__, "mediapipe_version": metadata.version("mediapipe"),
                   "model_sha256": sha256_of(model_path), "uncertainty_computed": cell_text(uncertainty)}
        options = Options(model=None if dask is not None and model is None else str(model_path),
                          max_pixels=max_pixels or DEFAULT_MAX_PIXELS, uncertainty=uncertainty)

        # Reached before the tables begin: a scheduler out of reach leaves no tables for --resume to trip over.
        client = held.enter_context(dask_client(dask, dask_timeout))
        tables = Tables(out_path, columns, earlier)
        counts: Counter[str] = Counter()
        rows: dict[str, dict[str, Any]] = {}
        failures: list[dict[str, Any]] = []

        def handle(record: Record) -> None:
            if record["outcome"] == "result":
                tables.add_result(record["row"], record["record"])
                counts["analysed"] += 1
                if collect_rows:
                    rows[record["path"]] = record["row"]
            else:
                tables.add_failure(record["path"], record["kind"], record["reason"])
                failures.append({k: record[k] for k in FAILURE_COLUMNS})
            if on_record is not None:
                on_record(record)

        def relative(path: str) -> str:
            return os.path.relpath(path, root).replace(os.sep, "/")

        stop = threading.Event()
        received: list[int] = []

        def tasks() -> Iterator[Task]:
            for path in found.photos:
                if stop.is_set():
                    return
                height = height_cm if table is None else table.height_for(relative(path))
                annotate_to = str(out_path / ANNOTATED_DIR / (relative(path) + ".png")) if annotate else None
                if earlier:
                    digest = file_sha256(path)
                    done = earlier.get(digest) if digest is not None else None
                    if done is not None and _reusable(done, current, height, options.max_pixels, annotate_to) \
                            and _within_limit(path, options.max_pixels):
                        tables.add_reused(path, done.cells["input_sha256"])
                        counts["reused"] += 1
                        if collect_rows:
                            rows[path] = {c: parse_cell(c, done.cells[c]) for c in columns} | {
                                "path": path_text(path), "name": path_text(os.path.basename(path))}
                        if on_record is not None:
                            on_record({"outcome": "reused", "path": path})
                        continue
                yield Task(path=path, height_cm=height, annotate_to=annotate_to)

        interrupted = False
        try:
            if on_total is not None:
                on_total(len(found.photos) + len(found.failures))
            for failure in found.failures:
                handle(failure)
            with _set_by_signals(stop, received):
                iterator = tasks()
                # Workers start only when there is work: a resumed run with nothing left costs no start-up.
                first = next(iterator, None)
                if first is not None:
                    engine = pick_engine(workers=min(workers, len(found.photos)), dask=client, on_start=on_start)
                    engine.run(itertools.chain([first], iterator), options, handle, stop)
                interrupted = stop.is_set()
            tables.finish()
        except BaseException as error:
            tables.close()
            # A run that fails before any photo is in its tables (a model that does not load) leaves none
            # behind, so the next run into this folder is not refused as the continuation of an earlier one.
            if not tables.entries and not earlier:
                tables.remove()
            if isinstance(error, OSError):
                raise OutputError(f"Could not write the tables in {path_text(out_path)!r}: "
                                  f"{error.strerror or error}.") from None
            raise
        tables.close()
        elapsed = time.perf_counter() - started
        summary = _summary(tables, found, counts, elapsed, interrupted, total=len(found.photos))
        try:
            write_summary(out_path, summary)
        except OSError as error:
            raise OutputError(f"Could not write {path_text(out_path / SUMMARY_JSON)!r}: "
                              f"{error.strerror or error}.") from None
        failures.sort(key=lambda failure: failure["path"])
        return Outcome(summary=summary, interrupted=interrupted, rows=[rows[p] for p in sorted(rows)],
                       failures=failures, signal_number=received[0] if interrupted and received else None)


def _refuse_foreign_tables(out: Path) -> None:
    """Raise OutputError when a table ``--resume`` would replace in ``out`` is not one a posture batch wrote.

    A results.csv of another posture version has other columns and is
    replaced by this run's; a file of the same name that is no posture table
    at all (a spreadsheet of one's own) must not be.
    """
    for name in (RESULTS_CSV, FAILURES_CSV):
        try:
            with open(out / name, "rb") as stream:
                header = stream.readline()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise OutputError(f"{path_text(out / name)!r} cannot be read ({error.strerror or error}).") from None
        columns = header.rstrip(b"\r\n").split(b",")
        ours = {b"path", b"input_sha256", b"posture_version"} <= set(columns) if name == RESULTS_CSV \
            else columns == [column.encode() for column in FAILURE_COLUMNS]
        if not ours:
            raise OutputError(f"{path_text(out / name)!r} is not a table posture wrote, so --resume would replace it; "
                              "choose another output folder with -o.")


def _refuse_linked_folders(annotated: Path) -> None:
    """Raise OutputError when ``annotated`` or a folder inside it is a symbolic link.

    The pictures are written into folders made or found there, and a link
    planted in their place would have them written wherever it points, outside
    the output folder. A link to a file is harmless: the atomic writer replaces
    the link itself.
    """
    if annotated.is_symlink():
        linked = annotated
    else:
        linked = next((Path(parent, name) for parent, folders, _ in os.walk(annotated)
                       for name in folders if os.path.islink(os.path.join(parent, name))), None)
    if linked is not None:
        raise OutputError(f"{path_text(linked)!r} is a symbolic link, and posture writes the annotated pictures "
                          "only inside the output folder; remove the link or choose another output folder with -o.")


def _silent(message: str) -> None:
    """Say nothing."""


@contextlib.contextmanager
def _set_by_signals(stop: threading.Event, received: list[int]) -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT), SIGTERM and SIGHUP set ``stop`` and are noted in ``received``, instead of
    raising KeyboardInterrupt or ending the process, so the tables get finished."""
    # Python lets only the main thread install signal handlers; a run from another thread keeps the usual Ctrl-C.
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def note(number: int, frame: object) -> None:
        received.append(number)
        stop.set()

    previous = {number: signal.signal(number, note) for number in (signal.SIGINT, *STOPPING_SIGNALS)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _reusable(done: EarlierResult, current: dict[str, str], height: float | None, max_pixels: int,
              annotate_to: str | None) -> bool:
    cells = done.cells
    # A refused photo has nothing to estimate an uncertainty for; whether one was asked for does not matter.
    if any(cells[key] != value for key, value in current.items()
           if not (key == "uncertainty_computed" and cells["status"] != "ok")):
        return False
    if cells["height_cm"] != cell_text(height):
        return False
    # The pixel limit changes a result only by refusing the photo as too large, so a result is what a run
    # under this limit would give exactly when its photo is within it (the bytes of a value: _within_limit).
    pixel_width, pixel_height = cells["input_width"], cells["input_height"]
    if not (pixel_width.isdigit() and pixel_height.isdigit()) or int(pixel_width) * int(pixel_height) > max_pixels:
        return False
    # An annotated picture asked for now but not drawn before: analyse again.
    return annotate_to is None or cells["status"] != "ok" or os.path.isfile(annotate_to)


def _within_limit(path: str, max_pixels: int) -> bool:
    """Whether the photo at ``path`` is within ``max_pixels`` as the loader counts it: a 16-bit value twice.

    The row has the pixels but not the bytes of a value, so the header is read
    again; only for a photo whose earlier result could otherwise be reused.
    """
    from posture.io.loading import limit_count

    count = limit_count(path, max_pixels)
    return count is not None and count <= max_pixels


def _summary(tables: Tables, found: Found, counts: Counter[str], elapsed: float, interrupted: bool,
             total: int) -> dict[str, Any]:
    statuses = Counter(entry.status for entry in tables.entries)
    views = Counter(entry.view for entry in tables.entries)
    findings: Counter[str] = Counter()
    for entry in tables.entries:
        findings.update(part for part in entry.findings.split("; ") if part)
    kinds = Counter(kind for _, kind, _ in tables.failed)
    analysed = counts["analysed"]
    return {
        "photos": total,
        "results": len(tables.entries),
        "failures": len(tables.failed),
        "status": dict(sorted(statuses.items())),
        "view": dict(sorted(views.items())),
        "failure_kinds": dict(sorted(kinds.items())),
        "findings": dict(sorted(findings.items(), key=lambda item: (-item[1], item[0]))),
        "analysed_this_run": analysed,
        "reused_from_earlier_run": counts["reused"],
        "folders_not_searched": found.folders_not_searched,
        "interrupted": interrupted,
        "seconds": round(elapsed, 2),
        "photos_per_second": round(analysed / elapsed, 2) if elapsed > 0 else None,
    }

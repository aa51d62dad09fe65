"""``posture batch``: a folder of photos becomes one table, in parallel, resumable, locally or on Dask.

The pieces, in the order a run uses them:

- :func:`discover` lists the photos of a folder (and the files that are not
  photos, symbolic-link loops, folders named like photos, as failures).
- :func:`read_heights` reads a ``--heights`` CSV file into a :class:`Heights` table.
- :func:`analyze_photo` is the per-photo work: a top-level, picklable
  function from a :class:`Task` and :class:`Options` to a plain record (the
  flat row and the JSON document, or a failure with its kind and reason). It
  never raises for a bad photo. Each process (or thread) opens one
  :class:`~posture.analyzer.Analyzer` and keeps it.
- Three engines run it: in this process (``workers=0``), in worker processes
  of our own (each with one landmarker, a replacement started when one dies,
  the photo it held recorded as a failure), or on a Dask distributed cluster.
- :class:`_Tables` streams ``results.csv``, ``results.jsonl`` and
  ``failures.csv`` to disk as photos finish (one flushed write per line, so a
  crash leaves valid files) and at the end rewrites them sorted by path,
  atomically, so a resumed run gives the same files as an uninterrupted one.
- :func:`run_batch` ties them together; :func:`batch` is the Python API
  (``posture.batch(...)``), returning the rows.

Output formats are documented in docs/batch.md.
"""

from __future__ import annotations

import atexit
import csv
import errno
import hashlib
import io
import itertools
import json
import os
import signal
import stat
import sys
import tempfile
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posture.errors import ExitCode, InputError, ModelError, OutputError, PostureError

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif"})
"""File name endings (any case) taken as photos; other files are reported as skipped."""

RESULTS_CSV = "results.csv"
RESULTS_JSONL = "results.jsonl"
FAILURES_CSV = "failures.csv"
SUMMARY_JSON = "summary.json"
ANNOTATED_DIR = "annotated"
FAILURE_COLUMNS = ("path", "kind", "reason")

FailureKind = str
"""``input`` (unreadable, not an image, damaged, a folder, a broken link or a loop), ``skipped`` (not a photo
by its name), ``worker`` (the process analysing it died), ``output`` (its annotated picture could not be
written), ``internal`` (a bug in posture)."""

_MIN_HEIGHT_CM = 50.0
_MAX_HEIGHT_CM = 250.0
_POLL_SECONDS = 0.1  # how often the loops look at a Ctrl-C; well under the promised second
_STARTUP_DEATHS = 3  # workers dying before they are ready, in a row, before the run gives up
_HASH_CHUNK = 1 << 20


# --------------------------------------------------------------------------- per-photo work


@dataclass(frozen=True, slots=True)
class Options:
    """What every photo of a run shares; sent once to each worker.

    Attributes:
        model: the pose model bundle; None lets each worker prepare the default model.
        max_pixels: refuse photos with more pixels than this.
        uncertainty: average each measurement over five altered copies and give its
            repeatability interval (five more landmark runs); False is ``--fast``.
    """

    model: str | None
    max_pixels: int
    uncertainty: bool = True


@dataclass(frozen=True, slots=True)
class Task:
    """One photo to analyse.

    Attributes:
        path: the photo, as found under the folder given (this is the ``path`` column).
        height_cm: the person's standing height, or None.
        annotate_to: where to write the annotated PNG, or None.
    """

    path: str
    height_cm: float | None = None
    annotate_to: str | None = None


class SetupError(PostureError):
    """A worker could not open its Analyzer for a reason other than the model: a problem of the run, not a photo."""


_LOCAL = threading.local()


def _analyzer(options: Options) -> Any:
    """This thread's Analyzer for these options, opened on first use and kept (Dask threads reuse it)."""
    key = (options.model, options.max_pixels)
    cached = getattr(_LOCAL, "analyzer", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    from posture.analyzer import Analyzer

    if cached is not None:
        with _OPENED_LOCK:
            if cached[1] in _OPENED:
                _OPENED.remove(cached[1])
        cached[1].close()
    try:
        analyzer = Analyzer(options.model, max_pixels=options.max_pixels)
    except PostureError:
        raise
    except Exception as error:
        raise SetupError(f"posture could not start in a worker ({type(error).__name__}: "
                         f"{' '.join(str(error).split())}); please report it.") from error
    _LOCAL.analyzer = (key, analyzer)
    with _OPENED_LOCK:
        if not _OPENED:
            # Closed before the interpreter tears MediaPipe down, which its own finaliser cannot survive.
            atexit.register(_close_all)
        _OPENED.append(analyzer)
    return analyzer


_OPENED: list[Any] = []
_OPENED_LOCK = threading.Lock()


def _close_all() -> None:
    with _OPENED_LOCK:
        while _OPENED:
            _OPENED.pop().close()


def analyze_photo(task: Task, options: Options) -> dict[str, Any]:
    """Analyse one photo into a plain, picklable record; a bad photo gives a failure record, never an exception.

    Returns:
        ``{"outcome": "result", "path", "sha256", "row", "record"}`` for an
        analysed or refused photo (``row`` is the flat row, ``record`` the JSON
        document), or ``{"outcome": "failure", "path", "kind", "reason"}``.

    Raises:
        ModelError: the pose model cannot be opened: a problem of the run, not of the photo.
        SetupError: the Analyzer cannot be opened for another reason.
    """
    analyzer = _analyzer(options)
    try:
        analysis = analyzer.analyze(task.path, height_cm=task.height_cm, uncertainty=options.uncertainty)
        from posture.render.json import analysis_to_dict
        from posture.render.row import to_row

        if task.annotate_to is not None and analysis.ok:
            from posture.outputs import encode_png, write_atomic
            from posture.render.image import render_annotated

            target = Path(task.annotate_to)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OutputError(f"Could not create the folder {str(target.parent)!r}: "
                                  f"{error.strerror or error}.") from None
            write_atomic(target, encode_png(render_annotated(analysis)), protect=(Path(task.path),))
        row = to_row(analysis)
        return {"outcome": "result", "path": task.path, "sha256": row["input_sha256"], "row": row,
                "record": analysis_to_dict(analysis)}
    except ModelError:
        raise
    except InputError as error:
        return _failure(task.path, "input", str(error))
    except OutputError as error:
        return _failure(task.path, "output", str(error))
    except PostureError as error:
        return _failure(task.path, "internal", str(error))
    except Exception as error:  # one photo's bug must not stop a run of thousands
        detail = " ".join(str(error).split())
        return _failure(task.path, "internal", f"posture failed on this photo ({type(error).__name__}: {detail}); "
                        "please report it.")


def _failure(path: str, kind: FailureKind, reason: str) -> dict[str, Any]:
    return {"outcome": "failure", "path": path, "kind": kind, "reason": reason}


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True, slots=True)
class Found:
    """What a folder holds.

    Attributes:
        photos: the photos' paths (the folder as given joined with the path below it), sorted.
        failures: failure records for what cannot be a photo (skipped files, loops, folders named like photos).
        folders_not_searched: subfolders left out because the search was not recursive.
    """

    photos: tuple[str, ...]
    failures: tuple[dict[str, Any], ...]
    folders_not_searched: int = 0


def discover(folder: str | os.PathLike[str], *, recursive: bool = False,
             exclude: str | os.PathLike[str] | None = None) -> Found:
    """List the photos in ``folder`` (by name ending, any case; see :data:`PHOTO_SUFFIXES`).

    Names starting with a dot are ignored (system files such as ``.DS_Store``),
    and so is ``exclude`` (the output folder). Symbolic links are followed; a
    link that leads back to a folder already searched, a link loop and a broken
    link are failures. Without ``recursive``, a subfolder whose name ends like a
    photo (``x.jpg/``) is a failure and other subfolders are counted.

    Raises:
        InputError: ``folder`` does not exist or is not a folder.
    """
    root = os.fspath(folder)
    try:
        info = os.stat(root)
    except OSError as error:
        raise InputError(f"The folder {root!r} cannot be read ({error.strerror or error}).") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"{root!r} is not a folder; give a folder of photos (for one photo use posture analyze).")
    excluded = _identity(exclude) if exclude is not None else None
    visited = {(info.st_dev, info.st_ino)}
    photos: list[str] = []
    failures: list[dict[str, Any]] = []
    not_searched = 0
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            failures.append(_failure(directory, "input", f"The folder cannot be read ({error.strerror or error})."))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = entry.path
            suffix = os.path.splitext(entry.name)[1].lower()
            try:
                target = os.stat(path)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    failures.append(_failure(path, "input", "The symbolic link is a loop: it never reaches a file."))
                elif entry.is_symlink():
                    failures.append(_failure(path, "input", "The symbolic link is broken: its target does not exist."))
                else:
                    failures.append(_failure(path, "input", f"It cannot be read ({error.strerror or error})."))
                continue
            identity = (target.st_dev, target.st_ino)
            if stat.S_ISDIR(target.st_mode):
                if excluded is not None and identity == excluded:
                    continue
                if not recursive:
                    if suffix in PHOTO_SUFFIXES:
                        failures.append(_failure(path, "input", "It is a folder, not a photo."))
                    else:
                        not_searched += 1
                elif identity in visited:
                    failures.append(_failure(path, "input", "The symbolic link leads back to a folder already "
                                             "searched (a loop); it was not followed again."))
                else:
                    visited.add(identity)
                    subfolders.append(path)
            elif suffix in PHOTO_SUFFIXES:
                photos.append(path)
            else:
                shown = suffix or "no ending"
                failures.append(_failure(path, "skipped", f"Not a photo by its name ({shown}); posture reads "
                                         ".jpg, .jpeg, .png, .webp, .heic and .heif files."))
        stack.extend(reversed(subfolders))
    photos.sort()
    return Found(photos=tuple(photos), failures=tuple(failures), folders_not_searched=not_searched)


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


# --------------------------------------------------------------------------- heights


@dataclass(frozen=True, slots=True)
class Heights:
    """Body heights in cm by photo (``file`` column) or by subject (``subject`` column).

    A photo's ``file`` entry is its path below the folder (``a/side.jpg``) or
    its bare name (``side.jpg``). A subject's entry applies to the photos in a
    folder of that name (``anna/side.jpg``) and to those whose file name starts
    with it followed by ``_``, ``-``, a space or a dot (``anna_side.jpg``).
    A file entry wins over a subject entry.
    """

    by_file: dict[str, float] = field(default_factory=dict)
    by_subject: dict[str, float] = field(default_factory=dict)

    def height_for(self, relative: str) -> float | None:
        """The height for a photo, given by its path below the folder (``/``-separated)."""
        name = relative.rsplit("/", 1)[-1]
        for key in (relative, name):
            if key in self.by_file:
                return self.by_file[key]
        folders = relative.split("/")[:-1]
        for folder in reversed(folders):
            if folder in self.by_subject:
                return self.by_subject[folder]
        best: tuple[int, float] | None = None
        for subject, height in self.by_subject.items():
            if name == subject or (name.startswith(subject) and name[len(subject)] in "_- ."):
                if best is None or len(subject) > best[0]:
                    best = (len(subject), height)
        return None if best is None else best[1]


_FILE_KEYS = ("file", "path", "name", "photo")
_SUBJECT_KEYS = ("subject", "subject_id")
_HEIGHT_KEYS = ("height_cm", "height")


def read_heights(path: str | os.PathLike[str]) -> Heights:
    """Read a CSV file with a header: a ``file`` or ``subject`` column and a ``height_cm`` column.

    Raises:
        InputError: the file cannot be read, lacks the columns, or a height is not a standing height in cm.
    """
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"The heights file {shown!r} cannot be read ({getattr(error, 'strerror', None) or error}).") \
            from None
    if not rows:
        raise InputError(f"The heights file {shown!r} is empty; it needs a header such as 'file,height_cm'.")
    header = [cell.strip().lower() for cell in rows[0]]
    height_column = next((header.index(k) for k in _HEIGHT_KEYS if k in header), None)
    file_column = next((header.index(k) for k in _FILE_KEYS if k in header), None)
    subject_column = next((header.index(k) for k in _SUBJECT_KEYS if k in header), None)
    if height_column is None or (file_column is None and subject_column is None):
        raise InputError(f"The heights file {shown!r} needs a header with a 'height_cm' column and a 'file' or "
                         f"'subject' column (found {', '.join(header) or 'nothing'}).")
    heights = Heights()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        text = cells[height_column].strip()
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not _MIN_HEIGHT_CM <= value <= _MAX_HEIGHT_CM:
            raise InputError(f"Line {number} of {shown!r}: {text!r} is not a standing height in cm "
                             f"(expected {_MIN_HEIGHT_CM:g}-{_MAX_HEIGHT_CM:g}).")
        for column, table in ((file_column, heights.by_file), (subject_column, heights.by_subject)):
            key = "" if column is None else cells[column].strip().replace(os.sep, "/")
            if key:
                table[key] = value
    return heights


# --------------------------------------------------------------------------- files


def _cell(value: Any) -> str:
    """How a row value is written in the CSV: empty for None, true/false, numbers as Python writes them."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _csv_line(cells: Iterable[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(list(cells))
    return _encode(buffer.getvalue())


def _json_line(record: dict[str, Any]) -> bytes:
    return _encode(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def _encode(text: str) -> bytes:
    # A file name that is not valid UTF-8 reaches Python as lone surrogates; written escaped, not refused.
    return text.encode("utf-8", "backslashreplace")


def file_sha256(path: str) -> str | None:
    """sha256 of a regular file's bytes (as in the row's ``input_sha256``), or None when it cannot be read."""
    try:
        with open(path, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                return None
            digest = hashlib.sha256()
            while chunk := stream.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


@dataclass(slots=True)
class _Entry:
    """One photo of the final table: where its lines are in the streamed files, and what the summary needs."""

    path: str
    status: str
    view: str
    findings: str
    csv_ref: tuple[int, int]
    json_ref: tuple[int, int]
    moved_from: str | None = None  # resumed from an earlier run under another name


class _Stream:
    """A file written line by line (append, flush) whose lines can be read back by offset."""

    def __init__(self, path: Path, header: bytes | None, lines: Iterable[bytes]) -> None:
        self.path = path
        self.refs: list[tuple[int, int]] = []
        offset = 0
        with _atomic(path) as stream:
            if header is not None:
                stream.write(header)
                offset = len(header)
            for line in lines:
                stream.write(line)
                self.refs.append((offset, len(line)))
                offset += len(line)
        self._stream = open(path, "ab")  # noqa: SIM115 - closed in close()
        self._stream.seek(0, os.SEEK_END)
        self.header = header

    def append(self, line: bytes) -> tuple[int, int]:
        offset = self._stream.tell()
        self._stream.write(line)
        self._stream.flush()
        return offset, len(line)

    def close(self) -> None:
        self._stream.close()

    def rewrite(self, refs: Iterable[tuple[int, int] | bytes]) -> None:
        """Replace the file atomically by the header and these lines (offsets into it, or new bytes), in order."""
        self._stream.flush()
        with open(self.path, "rb") as source, _atomic(self.path) as target:
            if self.header is not None:
                target.write(self.header)
            for ref in refs:
                if isinstance(ref, bytes):
                    target.write(ref)
                else:
                    source.seek(ref[0])
                    target.write(source.read(ref[1]))
        self._stream.close()
        self._stream = open(self.path, "ab")  # noqa: SIM115


class _atomic:
    """A binary file written under a temporary name in the same folder, flushed to disk and renamed into place.

    The same steps as :func:`posture.outputs.replace_atomically`, streamed: a
    table of a hundred thousand photos need not be held in memory.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> io.BufferedWriter:
        from posture.outputs import _umask

        descriptor, name = tempfile.mkstemp(prefix=".posture-", suffix=".tmp", dir=self.path.parent)
        self.temporary = Path(name)
        self.stream = open(descriptor, "wb")  # noqa: SIM115
        os.fchmod(descriptor, 0o666 & ~_umask())
        return self.stream

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        try:
            if kind is None:
                self.stream.flush()
                os.fsync(self.stream.fileno())
            self.stream.close()
            if kind is None:
                os.replace(self.temporary, self.path)
        finally:
            self.temporary.unlink(missing_ok=True)


class _Tables:
    """results.csv, results.jsonl and failures.csv: streamed while the run goes, sorted at the end."""

    def __init__(self, out: Path, columns: tuple[str, ...], carried: list[tuple[bytes, bytes]]) -> None:
        self.columns = columns
        try:
            self.csv = _Stream(out / RESULTS_CSV, _csv_line(columns), (c for c, _ in carried))
            self.jsonl = _Stream(out / RESULTS_JSONL, None, (j for _, j in carried))
            self.failures = _Stream(out / FAILURES_CSV, _csv_line(FAILURE_COLUMNS), ())
        except OSError as error:
            raise OutputError(f"Could not write the tables in {str(out)!r}: {error.strerror or error}.") from None
        self.carried_refs = list(zip(self.csv.refs, self.jsonl.refs))
        self.entries: list[_Entry] = []
        self.failed: list[tuple[str, str, tuple[int, int]]] = []

    def add_result(self, row: dict[str, Any], record: dict[str, Any]) -> None:
        csv_ref = self.csv.append(_csv_line(_cell(row[c]) for c in self.columns))
        json_ref = self.jsonl.append(_json_line(record))
        self.entries.append(_Entry(str(row["path"]), str(row["status"]), _cell(row["view"]), _cell(row["findings"]),
                                   csv_ref, json_ref))

    def add_failure(self, path: str, kind: str, reason: str) -> None:
        self.failed.append((path, kind, self.failures.append(_csv_line((path, kind, reason)))))

    def finish(self) -> None:
        """Rewrite the three files sorted by path (failures by path too), each atomically."""
        self.entries.sort(key=lambda entry: entry.path)
        self.failed.sort(key=lambda failure: failure[0])
        csv_refs: list[tuple[int, int] | bytes] = []
        json_refs: list[tuple[int, int] | bytes] = []
        with open(self.csv.path, "rb") as csv_source, open(self.jsonl.path, "rb") as json_source:
            for entry in self.entries:
                if entry.moved_from is None:
                    csv_refs.append(entry.csv_ref)
                    json_refs.append(entry.json_ref)
                    continue
                # A photo renamed since the earlier run: its lines get the new path and name.
                csv_source.seek(entry.csv_ref[0])
                cells = next(csv.reader(io.StringIO(csv_source.read(entry.csv_ref[1]).decode("utf-8"), newline="")))
                values = dict(zip(self.columns, cells))
                values["path"], values["name"] = entry.path, _name(entry.path)
                csv_refs.append(_csv_line(values[c] for c in self.columns))
                json_source.seek(entry.json_ref[0])
                record = json.loads(json_source.read(entry.json_ref[1]))
                record["image"]["path"], record["image"]["name"] = entry.path, _name(entry.path)
                json_refs.append(_json_line(record))
        self.csv.rewrite(csv_refs)
        self.jsonl.rewrite(json_refs)
        self.failures.rewrite(ref for _, _, ref in self.failed)

    def close(self) -> None:
        for stream in (self.csv, self.jsonl, self.failures):
            stream.close()


def _name(path: str) -> str:
    return os.path.basename(path)


@dataclass(frozen=True, slots=True)
class _Done:
    """A photo analysed by an earlier run of the same output folder, reusable when nothing it depends on changed."""

    csv_line: bytes
    json_line: bytes
    cells: dict[str, str]


def _earlier_results(out: Path, columns: tuple[str, ...]) -> dict[str, _Done]:
    """The complete results of an earlier run in ``out``, by the input's sha256.

    A photo counts as done when its row is in results.csv and its record in
    results.jsonl (written after the row): a line cut short by a crash is not.
    A results.csv with other columns (another posture version) gives nothing.
    """
    try:
        with open(out / RESULTS_CSV, encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
        with open(out / RESULTS_JSONL, "rb") as stream:
            json_lines = stream.read().split(b"\n")
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    if not rows or tuple(rows[0]) != columns:
        return {}
    recorded: dict[tuple[str, str], bytes] = {}
    for raw in json_lines:
        try:
            record = json.loads(raw)
            key = (record["image"]["path"], record["provenance"]["input"]["sha256"])
        except (ValueError, KeyError, TypeError):
            continue
        recorded[key] = raw + b"\n"
    done: dict[str, _Done] = {}
    for cells in rows[1:]:
        if len(cells) != len(columns):
            continue
        values = dict(zip(columns, cells))
        json_line = recorded.get((values["path"], values["input_sha256"]))
        if json_line is not None:
            done.setdefault(values["input_sha256"], _Done(_csv_line(cells), json_line, values))
    return done


# --------------------------------------------------------------------------- engines


Record = dict[str, Any]
Handle = Callable[[Record], None]


class _Stop:
    """Set by Ctrl-C (SIGINT) while a run is under way; the loops look at it at least every 0.1 s."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: Any = None

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, lambda number, frame: self.event.set())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def is_set(self) -> bool:
        return self.event.is_set()


def _run_here(tasks: Iterator[Task], options: Options, handle: Handle, stop: _Stop) -> None:
    """The in-process engine: one Analyzer in this process, photos one after another."""
    for task in tasks:
        if stop.is_set():
            return
        handle(analyze_photo(task, options))


def _worker_main(connection: Any, options: Options) -> None:
    """A worker process: open one Analyzer, then analyse the tasks the parent sends until it sends None."""
    # Ctrl-C reaches the whole process group; the parent decides how the run stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not os.environ.get("POSTURE_DEBUG"):
        from posture.cli import hide_native_stderr

        hide_native_stderr()
    try:
        _analyzer(options)
    except PostureError as error:
        connection.send(("fatal", int(error.exit_code), str(error)))
        return
    connection.send(("ready", os.getpid()))
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            record = analyze_photo(task, options)
        except (ModelError, SetupError) as error:
            connection.send(("fatal", int(error.exit_code), str(error)))
            return
        connection.send(("done", record))


@dataclass(slots=True)
class _Worker:
    process: Any
    connection: Any
    ready: bool = False
    task: Task | None = None


def _signal_name(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


def _run_pool(tasks: Iterator[Task], options: Options, workers: int, handle: Handle, stop: _Stop,
              on_start: Callable[[Task, int], None] | None) -> None:
    """The worker-process engine: ``workers`` processes, one photo each at a time.

    Each worker holds at most one photo, so the parent always knows which photo
    a worker that dies was analysing: that photo becomes a ``worker`` failure,
    and a new worker takes its place.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    # spawn, not fork: the parent may run threads (the progress bar, Dask), which fork does not copy safely.
    context = multiprocessing.get_context("spawn")

    def start() -> _Worker:
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(target=_worker_main, args=(child_end, options), daemon=True,
                                  name="posture-batch-worker")
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    pool = [start() for _ in range(workers)]
    startup_deaths = 0
    exhausted = False
    fatal: PostureError | None = None
    try:
        while not stop.is_set():
            for worker in pool:
                if worker.ready and worker.task is None and not exhausted:
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                        break
                    worker.connection.send(task)
                    worker.task = task
                    if on_start is not None:
                        on_start(task, worker.process.pid)
            if exhausted and all(worker.task is None for worker in pool):
                return
            waitables = [w.connection for w in pool] + [w.process.sentinel for w in pool]
            ready = wait(waitables, timeout=_POLL_SECONDS)
            if not ready:
                continue
            for index, worker in enumerate(pool):
                if worker.connection not in ready and worker.process.sentinel not in ready:
                    continue
                alive = True
                try:
                    while worker.connection.poll():
                        message = worker.connection.recv()
                        if message[0] == "ready":
                            worker.ready = True
                            startup_deaths = 0
                        elif message[0] == "done":
                            worker.task = None
                            handle(message[1])
                        elif message[0] == "fatal":
                            fatal = ModelError(message[2]) if message[1] == ExitCode.MODEL else SetupError(message[2])
                            raise fatal
                except (EOFError, OSError):
                    alive = False
                if alive and worker.process.is_alive():
                    continue
                worker.process.join(timeout=1)
                if worker.task is not None:
                    handle(_failure(worker.task.path, "worker",
                                    f"The worker process analysing this photo died ({_signal_name(worker.process.exitcode)}"
                                    "; out of memory?); the run went on without it."))
                elif not worker.ready:
                    startup_deaths += 1
                    if startup_deaths >= _STARTUP_DEATHS:
                        raise PostureError("The worker processes keep dying before they are ready "
                                           f"({_signal_name(worker.process.exitcode)}); is memory short?")
                worker.connection.close()
                pool[index] = start()
    finally:
        _stop_workers(pool, gently=not stop.is_set() and fatal is None)


def _stop_workers(pool: list[_Worker], *, gently: bool) -> None:
    if gently:
        for worker in pool:
            try:
                worker.connection.send(None)
            except (OSError, ValueError):
                pass
    deadline = time.monotonic() + (2.0 if gently else 0.0)
    for worker in pool:
        worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            worker.process.terminate()
    for worker in pool:
        worker.process.join(timeout=0.5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=0.5)
        worker.connection.close()


def _run_dask(tasks: Iterator[Task], options: Options, scheduler: Any, handle: Handle, stop: _Stop) -> None:
    """The Dask engine: the same :func:`analyze_photo` on an existing distributed scheduler.

    ``scheduler`` is its address (``tcp://host:8786``) or a ``distributed.Client``.
    At most a few tasks per worker thread are submitted at once, so a million
    photos do not become a million futures.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise PostureError("--dask needs Dask's distributed scheduler: pip install 'posture[dask]'.") from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="30s") if own else scheduler
    except (OSError, TimeoutError) as error:
        raise PostureError(f"Could not reach the Dask scheduler at {scheduler!r} ({error}).") from None
    try:
        threads = sum(client.nthreads().values()) or 1
        window = max(16, 4 * threads)
        completed = as_completed()
        held: dict[Any, Task] = {}

        def submit() -> bool:
            task = next(tasks, None)
            if task is None:
                return False
            future = client.submit(analyze_photo, task, options, pure=False)
            held[future] = task
            completed.add(future)
            return True

        while len(held) < window and submit():
            pass
        while held:
            if stop.is_set():
                client.cancel(list(held))
                return
            finished = completed.next_batch(block=False)
            if not finished:
                time.sleep(_POLL_SECONDS / 2)
                continue
            for future in finished:
                task = held.pop(future)
                try:
                    record = future.result()
                except (ModelError, SetupError):
                    raise
                except Exception as error:  # KilledWorker, a lost connection: this photo, not the run
                    record = _failure(task.path, "worker", f"The Dask task failed ({type(error).__name__}: "
                                      f"{' '.join(str(error).split())}); the run went on without it.")
                handle(record)
                submit()
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True, slots=True)
class Outcome:
    """The end of a run.

    Attributes:
        summary: counts by status, view and kind of failure, how often each finding occurred, throughput.
        interrupted: the run was stopped with Ctrl-C before every photo was done.
        rows: the flat rows (when collected), sorted by path; rows carried over by ``resume`` are read back
            from results.csv, see :func:`parse_cell`.
        failures: the failure records, sorted by path.
    """

    summary: dict[str, Any]
    interrupted: bool
    rows: list[dict[str, Any]]
    failures: list[dict[str, Any]]


def default_workers() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


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
    model: str | os.PathLike[str] | None = None,
    max_pixels: int | None = None,
    collect_rows: bool = False,
    on_total: Callable[[int], None] | None = None,
    on_record: Callable[[Record], None] | None = None,
    on_start: Callable[[Task, int], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Outcome:
    """Analyse every photo in ``folder`` and write the tables into ``out`` (see docs/batch.md).

    Args:
        folder: the folder of photos.
        out: the output folder (created if missing). It may not hold the results
            of an earlier run unless ``resume`` is set.
        recursive: also search subfolders.
        workers: worker processes (default: one per CPU); 0 analyses in this process.
        height_cm: one standing height for every photo.
        heights: heights by photo or subject (a :class:`Heights` or a CSV file, see :func:`read_heights`).
        annotate: write an annotated PNG per analysed photo into ``out/annotated/``.
        resume: reuse the results in ``out`` of photos already done (by content),
            when the model, versions, height and uncertainty setting are the same.
        uncertainty: average each measurement over five altered copies and give its repeatability
            interval (about five times the work); False measures each photo alone (``--fast``).
        dask: a Dask scheduler address or ``distributed.Client``: run the photos there instead.
        model: the pose model bundle; None prepares the default model.
        max_pixels: refuse photos with more pixels than this.
        collect_rows: keep the rows in memory and return them.
        on_total: told how many photos and failures the run will report, once known.
        on_record: told of every record (result or failure) as it is written.
        on_start: told when a photo is handed to a worker process, with its pid.
        notify: receives one-line messages (preparing the model).

    Raises:
        InputError: ``folder`` or ``heights`` cannot be used.
        OutputError: ``out`` cannot be written or holds an earlier run without ``resume``.
        ModelError: the pose model cannot be prepared or opened.
    """
    from posture import __version__
    from posture.loading import DEFAULT_MAX_PIXELS
    from posture.model import check_model_file, prepare_model, sha256_of
    from posture.render.row import columns as row_columns

    started = time.perf_counter()
    if height_cm is not None and heights is not None:
        raise ValueError("give height_cm or heights, not both")
    if height_cm is not None:
        if not _MIN_HEIGHT_CM <= height_cm <= _MAX_HEIGHT_CM:
            raise ValueError(f"height_cm={height_cm!r} is not a standing height in cm")
        height_cm = float(height_cm)  # 170 and 170.0 make the same row, and the same resume key
    table = read_heights(heights) if isinstance(heights, (str, os.PathLike)) else heights
    out_path = Path(out)
    if workers is None:
        workers = default_workers()
    try:
        out_path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"Could not create the output folder {str(out_path)!r}: {error.strerror or error}.") \
            from None
    if not resume and any((out_path / name).exists() for name in (RESULTS_CSV, RESULTS_JSONL, FAILURES_CSV)):
        raise OutputError(f"{str(out_path)!r} already holds the results of an earlier run; add --resume to "
                          "continue it, or choose another output folder with -o.")
    found = discover(folder, recursive=recursive, exclude=out_path)
    root = os.fspath(folder)

    model_path = check_model_file(Path(model)) if model is not None else prepare_model(notify=notify or _silent)
    columns = row_columns()
    earlier = _earlier_results(out_path, columns) if resume else {}
    from importlib import metadata

    current = {"posture_version": __version__, "mediapipe_version": metadata.version("mediapipe"),
               "model_sha256": sha256_of(model_path), "uncertainty_computed": _cell(uncertainty)}
    options = Options(model=None if dask is not None and model is None else str(model_path),
                      max_pixels=max_pixels or DEFAULT_MAX_PIXELS, uncertainty=uncertainty)

    tables = _Tables(out_path, columns, [(d.csv_line, d.json_line) for d in earlier.values()])
    carried = dict(zip(earlier, tables.carried_refs))
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

    stop = _Stop()

    def tasks() -> Iterator[Task]:
        for path in found.photos:
            if stop.is_set():
                return
            height = height_cm if table is None else table.height_for(relative(path))
            annotate_to = str(out_path / ANNOTATED_DIR / (relative(path) + ".png")) if annotate else None
            if earlier:
                digest = file_sha256(path)
                done = earlier.get(digest) if digest is not None else None
                if done is not None and _reusable(done, current, height, annotate_to):
                    csv_ref, json_ref = carried[digest]  # type: ignore[index]
                    entry = _Entry(path, done.cells["status"], done.cells["view"], done.cells["findings"],
                                   csv_ref, json_ref, moved_from=None if done.cells["path"] == path else done.cells["path"])
                    tables.entries.append(entry)
                    counts["reused"] += 1
                    if collect_rows:
                        rows[path] = {c: parse_cell(c, done.cells[c]) for c in columns} | {
                            "path": path, "name": _name(path)}
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
        with stop:
            iterator = tasks()
            # Workers start only when there is work: a resumed run with nothing left costs no start-up.
            first = next(iterator, None)
            iterator = itertools.chain([first], iterator) if first is not None else iter(())
            if first is None:
                pass
            elif dask is not None:
                _run_dask(iterator, options, dask, handle, stop)
            elif workers == 0:
                _run_here(iterator, options, handle, stop)
            else:
                _run_pool(iterator, options, min(workers, len(found.photos)), handle, stop, on_start)
            interrupted = stop.is_set()
        tables.finish()
    except OSError as error:
        raise OutputError(f"Could not write the tables in {str(out_path)!r}: {error.strerror or error}.") from None
    finally:
        tables.close()
    elapsed = time.perf_counter() - started
    summary = _summary(tables, found, counts, elapsed, interrupted, total=len(found.photos))
    try:
        with _atomic(out_path / SUMMARY_JSON) as stream:
            stream.write(_encode(json.dumps(summary, indent=2, ensure_ascii=False) + "\n"))
    except OSError as error:
        raise OutputError(f"Could not write {str(out_path / SUMMARY_JSON)!r}: {error.strerror or error}.") from None
    failures.sort(key=lambda failure: failure["path"])
    return Outcome(summary=summary, interrupted=interrupted, rows=[rows[p] for p in sorted(rows)],
                   failures=failures)


def _silent(message: str) -> None:
    """Say nothing."""


def _reusable(done: _Done, current: dict[str, str], height: float | None, annotate_to: str | None) -> bool:
    cells = done.cells
    # A refused photo has nothing to estimate an uncertainty for; whether one was asked for does not matter.
    if any(cells[key] != value for key, value in current.items()
           if not (key == "uncertainty_computed" and cells["status"] != "ok")):
        return False
    if cells["height_cm"] != _cell(height):
        return False
    # An annotated picture asked for now but not drawn before: analyse again.
    return annotate_to is None or cells["status"] != "ok" or os.path.isfile(annotate_to)


def _summary(tables: _Tables, found: Found, counts: Counter[str], elapsed: float, interrupted: bool,
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


_TEXT_COLUMNS = frozenset({"schema_version", "path", "name", "status", "problem_kind", "problem", "view", "near_side",
                           "findings", "borderline_findings", "warnings", "posture_version", "mediapipe_version",
                           "model_name", "model_sha256", "calibration_version", "input_sha256", "input_format",
                           "capture_time"})


def parse_cell(column: str, text: str) -> Any:
    """A CSV cell back as a value: empty is None, true/false are bools, numbers are numbers, text stays text."""
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    if column in _TEXT_COLUMNS or column.endswith("_unit"):
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


# --------------------------------------------------------------------------- Python API


def batch(
    folder: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    recursive: bool = False,
    workers: int | None = None,
    height_cm: float | None = None,
    heights: str | os.PathLike[str] | None = None,
    annotate: bool = False,
    resume: bool = False,
    uncertainty: bool = True,
    dask: Any = None,
    model: str | os.PathLike[str] | None = None,
) -> Any:
    """Analyse a folder of photos, as ``posture batch`` does, and return the rows.

    Args:
        folder: the folder of photos.
        out: where to write results.csv, results.jsonl, failures.csv and
            summary.json; None writes nothing that outlives the call.
        recursive, workers, height_cm, heights, annotate, resume, uncertainty, dask, model:
            as in :func:`run_batch` (``workers=0`` analyses in this process).

    Returns:
        A pandas DataFrame of the flat rows (one per analysed or refused photo,
        sorted by path) when pandas is installed, else a list of dicts. The
        failures and the summary ride along: ``df.attrs["failures"]`` and
        ``df.attrs["summary"]``, or the list's ``failures`` and ``summary``.

    Raises:
        KeyboardInterrupt: the run was interrupted; the tables written so far are valid.
    """
    if (annotate or resume) and out is None:
        raise ValueError("annotate and resume need an output folder (out=...)")
    with tempfile.TemporaryDirectory(prefix="posture-batch-") as scratch:
        outcome = run_batch(folder, scratch if out is None else out, recursive=recursive, workers=workers,
                            height_cm=height_cm, heights=heights, annotate=annotate, resume=resume,
                            uncertainty=uncertainty, dask=dask, model=model, collect_rows=True)
    if outcome.interrupted:
        raise KeyboardInterrupt
    try:
        import pandas
    except ImportError:
        return Rows(outcome.rows, failures=outcome.failures, summary=outcome.summary)
    from posture.render.row import columns

    frame = pandas.DataFrame(outcome.rows, columns=list(columns()))
    frame.attrs["failures"] = outcome.failures
    frame.attrs["summary"] = outcome.summary
    return frame


class Rows(list):  # type: ignore[type-arg]
    """The rows of a batch (a list of dicts), with its ``failures`` and ``summary``."""

    def __init__(self, rows: list[dict[str, Any]], *, failures: list[dict[str, Any]], summary: dict[str, Any]):
        super().__init__(rows)
        self.failures = failures
        self.summary = summary


class _CallableModule(types.ModuleType):
    """Lets ``posture.batch(...)`` work even after ``import posture.batch`` made the name mean this module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

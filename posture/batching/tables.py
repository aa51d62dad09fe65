"""The batch's output files (results.csv, results.jsonl, failures.csv, summary.json): how they are written and read back.

The tables are streamed line by line, rewritten sorted at the end through
:func:`posture.io.outputs.atomic_file`, and read back by ``--resume``.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posture.core.paths import path_text
from posture.errors import OutputError
from posture.io.outputs import atomic_file, replace_atomically

FailureKind = str
"""``input`` (unreadable, not an image, damaged, a folder, a broken link or a loop), ``skipped`` (not a photo
by its name), ``worker`` (the process analysing it died), ``output`` (its annotated picture could not be
written), ``internal`` (a bug in posture)."""

RESULTS_CSV = "results.csv"
RESULTS_JSONL = "results.jsonl"
FAILURES_CSV = "failures.csv"
SUMMARY_JSON = "summary.json"
ANNOTATED_DIR = "annotated"
FAILURE_COLUMNS = ("path", "kind", "reason")
LOCK_FILE = ".posture-batch.lock"
"""Held by the run writing into the output folder; hidden, so a run into its own photo folder does not list it."""


# --------------------------------------------------------------------------- files


def cell_text(value: Any) -> str:
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
    # Paths arrive already written by path_text; a lone surrogate in any other text (a library's message)
    # is escaped rather than failing the whole run.
    return text.encode("utf-8", "backslashreplace")


@dataclass(slots=True)
class TableEntry:
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
        with atomic_file(path) as stream:
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
        # Closing flushes what is still buffered: only a line whose write already failed (each append
        # flushes), an error already raised. Raised again, it would hide that error (a full disk) as a bug.
        with contextlib.suppress(OSError):
            self._stream.close()

    def rewrite(self, refs: Iterable[tuple[int, int] | bytes]) -> None:
        """Replace the file atomically by the header and these lines (offsets into it, or new bytes), in order."""
        self._stream.flush()
        with open(self.path, "rb") as source, atomic_file(self.path) as target:
            if self.header is not None:
                target.write(self.header)
            for ref in refs:
                if isinstance(ref, bytes):
                    target.write(ref)
                else:
                    source.seek(ref[0])
                    target.write(source.read(ref[1]))
        self._stream.close()
        self._stream = open(self.path, "ab")  # noqa: SIM115 - closed in close()


class Tables:
    """results.csv, results.jsonl and failures.csv: streamed while the run goes, sorted at the end.

    Each line is appended and flushed as its photo finishes, so a crash leaves
    valid files; :meth:`finish` rewrites them sorted by path, atomically, so a
    resumed run ends with the same bytes as an uninterrupted one.

    Args:
        out: the output folder.
        columns: the columns of results.csv.
        earlier: the results an earlier run left in ``out``, by the input's sha256
            (see :func:`earlier_results`); they are carried into the new files
            and counted once :meth:`add_reused` claims them.

    Attributes:
        entries: one per photo in results.csv so far, in the order added (sorted by :meth:`finish`).
        failed: (path, kind, where its line is) per row of failures.csv.
    """

    def __init__(self, out: Path, columns: tuple[str, ...], earlier: dict[str, EarlierResult]) -> None:
        self.columns = columns
        try:
            self.csv = _Stream(out / RESULTS_CSV, _csv_line(columns), (e.csv_line for e in earlier.values()))
            self.jsonl = _Stream(out / RESULTS_JSONL, None, (e.json_line for e in earlier.values()))
            self.failures = _Stream(out / FAILURES_CSV, _csv_line(FAILURE_COLUMNS), ())
        except OSError as error:
            raise OutputError(f"Could not write the tables in {path_text(out)!r}: {error.strerror or error}.") from None
        self._earlier = earlier
        self._carried = dict(zip(earlier, zip(self.csv.refs, self.jsonl.refs)))
        self.entries: list[TableEntry] = []
        self.failed: list[tuple[str, str, tuple[int, int]]] = []

    def add_result(self, row: dict[str, Any], record: dict[str, Any]) -> None:
        csv_ref = self.csv.append(_csv_line(cell_text(row[c]) for c in self.columns))
        json_ref = self.jsonl.append(_json_line(record))
        self.entries.append(TableEntry(str(row["path"]), str(row["status"]), cell_text(row["view"]),
                                       cell_text(row["findings"]), csv_ref, json_ref))

    def add_reused(self, path: str, sha256: str) -> None:
        """Keep the earlier run's result for the photo at ``path`` whose content has this sha256."""
        earlier = self._earlier[sha256]
        csv_ref, json_ref = self._carried[sha256]
        cells = earlier.cells
        shown = path_text(path)
        moved_from = None if cells["path"] == shown else cells["path"]
        self.entries.append(TableEntry(shown, cells["status"], cells["view"], cells["findings"], csv_ref, json_ref,
                                       moved_from=moved_from))

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
                values["path"], values["name"] = entry.path, os.path.basename(entry.path)
                csv_refs.append(_csv_line(values[c] for c in self.columns))
                json_source.seek(entry.json_ref[0])
                record = json.loads(json_source.read(entry.json_ref[1]))
                record["image"]["path"], record["image"]["name"] = entry.path, os.path.basename(entry.path)
                json_refs.append(_json_line(record))
        self.csv.rewrite(csv_refs)
        self.jsonl.rewrite(json_refs)
        self.failures.rewrite(ref for _, _, ref in self.failed)

    def close(self) -> None:
        for stream in (self.csv, self.jsonl, self.failures):
            stream.close()

    def remove(self) -> None:
        """Delete the three files (after :meth:`close`)."""
        for stream in (self.csv, self.jsonl, self.failures):
            stream.path.unlink(missing_ok=True)


@contextlib.contextmanager
def output_folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out`` for one run while inside: a second run into it meanwhile is refused instead of splicing its rows.

    The lock is an exclusive ``flock`` on :data:`LOCK_FILE` in ``out``, which the
    kernel releases should the process die; the file is removed at the end.

    Raises:
        OutputError: another run holds ``out``, or the lock cannot be taken there.
    """
    path = out / LOCK_FILE
    while True:
        try:
            # No following a link planted under the name: the lock file is created here or refused.
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
        except OSError as error:
            raise OutputError(f"Could not write in {path_text(out)!r}: {error.strerror or error}.") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(descriptor)
            if isinstance(error, BlockingIOError):
                raise OutputError(f"Another posture batch run is writing into {path_text(out)!r}; wait for it to end, "
                                  "or choose another output folder with -o.") from None
            raise OutputError(f"Could not lock {path_text(path)!r}: {error.strerror or error}.") from None
        # The run before may have removed the file between the open and the lock: then lock the new one.
        if _same_file(descriptor, path):
            break
        os.close(descriptor)
    try:
        yield
    finally:
        # Removed while still locked, so a run that opened it meanwhile finds it gone and locks a new one.
        path.unlink(missing_ok=True)
        os.close(descriptor)


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


def write_summary(out: Path, summary: dict[str, Any]) -> None:
    """Write summary.json into ``out``, atomically.

    Raises:
        OSError: it could not be written; an earlier summary.json is unchanged.
    """
    replace_atomically(out / SUMMARY_JSON, _encode(json.dumps(summary, indent=2, ensure_ascii=False) + "\n"))


@dataclass(frozen=True, slots=True)
class EarlierResult:
    """A photo analysed by an earlier run of the same output folder, reusable when nothing it depends on changed."""

    csv_line: bytes
    json_line: bytes
    cells: dict[str, str]


def earlier_results(out: Path, columns: tuple[str, ...]) -> dict[str, EarlierResult]:
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
    done: dict[str, EarlierResult] = {}
    for cells in rows[1:]:
        if len(cells) != len(columns):
            continue
        values = dict(zip(columns, cells))
        json_line = recorded.get((values["path"], values["input_sha256"]))
        if json_line is not None:
            done.setdefault(values["input_sha256"], EarlierResult(_csv_line(cells), json_line, values))
    return done


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


def failure_record(path: str, kind: FailureKind, reason: str) -> dict[str, Any]:
    """The record of a file that gave no result: a row of failures.csv."""
    return {"outcome": "failure", "path": path_text(path), "kind": kind, "reason": reason}

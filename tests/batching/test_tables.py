"""Tests for posture.batching.tables: a table written over an earlier one is replaced whole or not at all.

The writes are interrupted by a line that fails midway (an OSError, as a full disk would raise): the earlier
file must be left byte for byte as it was, and no partial or temporary file left beside it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from posture.batching.tables import FAILURES_CSV, RESULTS_CSV, RESULTS_JSONL, EarlierResult, Tables
from posture.errors import OutputError

COLUMNS = ("path", "name", "status")
EARLIER_CSV = b"path,name,status\r\nold.jpg,old.jpg,measured\r\n"
EARLIER_JSONL = b'{"image":{"path":"old.jpg"}}\n'


def _earlier_run(out: Path) -> dict[str, bytes]:
    """The tables an earlier run left in ``out``, by name."""
    written = {RESULTS_CSV: EARLIER_CSV, RESULTS_JSONL: EARLIER_JSONL, FAILURES_CSV: b"path,kind,reason\r\n"}
    for name, data in written.items():
        (out / name).write_bytes(data)
    return written


class _LineLostToAFullDisk:
    """An earlier result whose line fails as it is written: reading it raises what a full disk would midway."""

    json_line = b""
    cells: dict[str, str] = {}

    @property
    def csv_line(self) -> bytes:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _files(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in out.iterdir()}


def test_a_write_that_fails_midway_keeps_the_earlier_table_and_leaves_no_partial_file(tmp_path: Path) -> None:
    before = _earlier_run(tmp_path)
    kept = EarlierResult(b"a.jpg,a.jpg,measured\r\n", b'{"image":{"path":"a.jpg"}}\n', {})
    earlier = {"a" * 64: kept, "b" * 64: _LineLostToAFullDisk()}
    with pytest.raises(OutputError, match=os.strerror(errno.ENOSPC)):
        Tables(tmp_path, COLUMNS, earlier)  # type: ignore[arg-type]
    assert _files(tmp_path) == before


def _refs_failing_after(first: bytes) -> Iterator[bytes]:
    yield first
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_sorted_rewrite_that_fails_midway_keeps_the_streamed_table(tmp_path: Path) -> None:
    tables = Tables(tmp_path, COLUMNS, {})
    tables.add_result({"path": "b.jpg", "name": "b.jpg", "status": "measured", "view": "side", "findings": ""},
                      {"image": {"path": "b.jpg"}})
    streamed = _files(tmp_path)
    with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
        tables.csv.rewrite(_refs_failing_after(b"a.jpg,a.jpg,measured\r\n"))
    tables.close()
    assert _files(tmp_path) == streamed

"""What the posture batch tests share: the committed sample photos and readers of the tables a run writes."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from builders import SAMPLES

from posture.batching.tables import FAILURES_CSV, RESULTS_CSV, RESULTS_JSONL
from posture.io.model import BUNDLE_ENTRIES

SAMPLE_PHOTOS = sorted(SAMPLES.glob("*.png"))
TABLES = (RESULTS_CSV, RESULTS_JSONL, FAILURES_CSV)


def read_csv(path: Path) -> list[list[str]]:
    """The rows of a CSV table, its header first."""
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def tables(out: Path) -> dict[str, bytes]:
    """The bytes of every table a run wrote to ``out``, by name."""
    return {name: (out / name).read_bytes() for name in TABLES}


def broken_model(path: Path) -> Path:
    """A .task bundle that passes the bundle check (a zip holding both networks' names) but cannot be loaded."""
    with zipfile.ZipFile(path, "w") as bundle:
        for name in BUNDLE_ENTRIES:
            bundle.writestr(name, b"not a network")
    return path

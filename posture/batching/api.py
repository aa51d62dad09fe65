"""``posture.batch(folder)``: the batch from Python, returning the rows (a pandas DataFrame when pandas is installed)."""

from __future__ import annotations

import os
import signal
import tempfile
from typing import Any

from posture.batching.run import run_batch
from posture.errors import Stopped

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
        KeyboardInterrupt: the run was interrupted (by SIGTERM or SIGHUP: :class:`~posture.errors.Stopped`, a
            KeyboardInterrupt); the tables written so far are valid.
    """
    if (annotate or resume) and out is None:
        raise ValueError("annotate and resume need an output folder (out=...)")
    with tempfile.TemporaryDirectory(prefix="posture-batch-") as scratch:
        outcome = run_batch(folder, scratch if out is None else out, recursive=recursive, workers=workers,
                            height_cm=height_cm, heights=heights, annotate=annotate, resume=resume,
                            uncertainty=uncertainty, dask=dask, model=model, collect_rows=True)
    if outcome.interrupted:
        raise KeyboardInterrupt if outcome.signal_number in (None, signal.SIGINT) else Stopped(outcome.signal_number)
    try:
        import pandas
    except ImportError:
        return Rows(outcome.rows, failures=outcome.failures, summary=outcome.summary)
    from posture.analysis import columns

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

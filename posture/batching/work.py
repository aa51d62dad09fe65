"""One photo's work in a batch: a picklable function from a :class:`Task` to a plain record, never raising for a bad photo.

Every engine (:mod:`posture.batching.engines`) runs this same function, in
this process, in a worker process or on a Dask worker; each process (or Dask
thread) opens one :class:`~posture.analyzer.Analyzer` and keeps it.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posture.batching.tables import failure_record
from posture.core.paths import path_text
from posture.errors import InputError, ModelError, OutputError, PostureError

Record = dict[str, Any]
"""A photo's outcome as plain values: a result (its row and JSON document) or a failure (its kind and reason)."""


@dataclass(frozen=True, slots=True)
class Options:
    """What every photo of a run shares; sent once to each worker.

    Attributes:
        model: the pose model bundle; None lets each worker prepare the default model.
        max_pixels: refuse photos with more pixels than this.
        uncertainty: average each measurement over the photo and two altered copies and give its
            repeatability interval (two more landmark runs); False is ``--fast``.
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


def open_analyzer(options: Options) -> Any:
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
        # Forgotten at once: should the new one fail to open, a later run must not be handed the closed one.
        del _LOCAL.analyzer
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


def analyze_photo(task: Task, options: Options) -> Record:
    """Analyse one photo into a plain, picklable record; a bad photo gives a failure record, never an exception.

    Returns:
        ``{"outcome": "result", "path", "sha256", "row", "record"}`` for an
        analysed or refused photo (``row`` is the flat row, ``record`` the JSON
        document), or ``{"outcome": "failure", "path", "kind", "reason"}``.

    Raises:
        ModelError: the pose model cannot be opened: a problem of the run, not of the photo.
        SetupError: the Analyzer cannot be opened for another reason.
    """
    analyzer = open_analyzer(options)
    try:
        # A video clip is recognised by the Analyzer and read as one (docs/video.md).
        analysis = analyzer.analyze(task.path, height_cm=task.height_cm, uncertainty=options.uncertainty)
        from posture.analysis import to_row
        from posture.render.json import analysis_to_dict

        if task.annotate_to is not None and analysis.ok:
            from posture.io.outputs import encode_png, write_atomic
            from posture.render.image import render_annotated

            target = Path(task.annotate_to)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OutputError(f"Could not create the folder {path_text(target.parent)!r}: "
                                  f"{error.strerror or error}.") from None
            write_atomic(target, encode_png(render_annotated(analysis)), protect=(Path(task.path),))
        row = to_row(analysis)
        return {"outcome": "result", "path": task.path, "sha256": row["input_sha256"], "row": row,
                "record": analysis_to_dict(analysis)}
    except ModelError:
        raise
    except InputError as error:
        return failure_record(task.path, "input", str(error))
    except OutputError as error:
        return failure_record(task.path, "output", str(error))
    except PostureError as error:
        return failure_record(task.path, "internal", str(error))
    except Exception as error:  # one photo's bug must not stop a run of thousands
        detail = " ".join(str(error).split())
        return failure_record(task.path, "internal",
                              f"posture failed on this photo ({type(error).__name__}: {detail}); please report it.")

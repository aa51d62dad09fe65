"""One photo's analysis in a worker process: a picklable job in, a picklable outcome out, never raising.

Each worker process opens one :class:`~posture.analyzer.Analyzer` when it
starts (:func:`open_worker`, the pool's initializer) and keeps it for every
photo it is given. The outcome carries what the desk keeps: the JSON
document for the record, the annotated picture, and the analysis itself
(pickled) for the report and for comparisons.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

Status = Literal["done", "refused", "failed"]


@dataclass(frozen=True, slots=True)
class Job:
    """One photo to analyse.

    Attributes:
        analysis_id: the row the outcome goes to.
        path: the stored photo.
        name: the name the photo was uploaded under, for the report (text only).
        height_cm: the client's standing height, or None.
    """

    analysis_id: int
    path: str
    name: str
    height_cm: float | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a job.

    Attributes:
        status: ``done`` (measured), ``refused`` (posture declined the photo) or ``failed``.
        reason: for a refusal or a failure, one sentence.
        document: the JSON document of :func:`posture.render.json.render_json`, for done and refused photos.
        view: the view posture saw (``side-left``...), or None.
        body_fraction: the body's height as a share of the photo's height, to check the capture protocol.
        ranges: each measurement's typical range as JSON (``{"id": [low, high]}``, null for an open end), as
            ``posture compare`` judges a change against it.
        picture: the annotated picture, PNG bytes, or None.
        pickled: the :class:`~posture.analysis.Analysis`, pickled, or None.
    """

    status: Status
    reason: str | None = None
    document: str | None = None
    view: str | None = None
    body_fraction: float | None = None
    ranges: str | None = None
    picture: bytes | None = None
    pickled: bytes | None = None


Analyse = Callable[[Job], Outcome]
"""How the desk analyses a photo: :func:`analyse_photo` in worker processes, or a stand-in in tests."""

_ANALYZER: dict[str, Any] = {}


def open_worker(model: str | None) -> None:
    """The pool's initializer: open this process's Analyzer once, before its first photo."""
    from posture.analyzer import Analyzer

    _ANALYZER["analyzer"] = Analyzer(model)


def analyse_photo(job: Job) -> Outcome:
    """Analyse one stored photo with this process's Analyzer (opened on first use when no initializer ran)."""
    if "analyzer" not in _ANALYZER:
        open_worker(None)
    return analyse_with(_ANALYZER["analyzer"], job)


def typical_ranges(analysis: Any) -> str | None:
    """Each measurement's typical range, as JSON kept with the record so that trends are judged as compare
    judges them; None for a photo without a frame (refused)."""
    from posture.stages.findings import typical_range

    if analysis.frame is None:
        return None
    return json.dumps({m.id: typical_range(m.id, view=analysis.view, scale=analysis.frame.scale,
                                           knowledge=analysis.knowledge) for m in analysis.measurements})


def analyse_with(analyzer: Any, job: Job) -> Outcome:
    """Analyse one stored photo with ``analyzer``; a photo posture cannot read is a failed outcome, not an error."""
    from posture.errors import PostureError
    from posture.io.outputs import encode_png
    from posture.render.image import render_annotated
    from posture.render.json import render_json

    try:
        analysis = analyzer.analyze(job.path, height_cm=job.height_cm)
    except PostureError as error:
        return Outcome("failed", reason=str(error).replace(job.path, job.name))
    except Exception as error:  # noqa: BLE001 - one photo's fault must not stop the desk
        return Outcome("failed", reason=f"posture could not analyse {job.name}: {type(error).__name__}: {error}")
    analysis = replace(analysis, image=replace(analysis.image, path=None, label=job.name))
    fraction = None if analysis.frame is None else analysis.frame.body_height_px / analysis.image.height
    ranges = typical_ranges(analysis)
    return Outcome(
        "done" if analysis.ok else "refused", reason=analysis.problem, document=render_json(analysis),
        view=str(analysis.view) if analysis.ok else None, body_fraction=fraction, ranges=ranges,
        picture=encode_png(render_annotated(analysis)) if analysis.ok else None,
        pickled=pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL))

"""What the desk's pages show, as plain data built from the records: timelines, trends, protocol checks, comparisons.

The client page reads each analysis's JSON document (the record); the
comparison and the printable report need the analyses themselves, kept
pickled in ``DATA/cache`` by the worker that made them.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from posture.analysis import Analysis
from posture.compare import MeasurementChange, Reading, Session, compare_sessions, judge, minimal_detectable_change
from posture.core.units import format_measured, format_value
from posture.core.views import View
from posture.knowledge import registry
from posture.io.outputs import encode_png, replace_atomically
from posture.pipeline import CORRECTED, remeasure
from posture.render.comparison import VERDICT_WORDS
from posture.render.html import trend_svg
from posture.render.image import render_annotated
from posture.serve import store
from posture.serve.photos import is_clip_extension
from posture.serve.queue import cache_path
from posture.stages.gait import Symmetry

PROTOCOL_TOLERANCE = 0.10
"""How far the body's share of the photo's height may move between sessions of one view before the setup is
questioned: beyond it, the camera's distance or zoom has changed (or the crop)."""


class MissingAnalysisError(Exception):
    """A photo's analysis is not at hand (still queued, or its cached copy gone): the page says which."""


def session_label(row: sqlite3.Row) -> str:
    return f"{row['date']} {row['label']}".strip()


def _document(photo: sqlite3.Row) -> dict[str, Any] | None:
    return json.loads(photo["document"]) if photo["document"] else None


def photo_entry(photo: sqlite3.Row) -> dict[str, Any]:
    """One photo as the pages show it: its name, status, view and findings."""
    document = _document(photo)
    findings = [] if document is None else [f["title"] for f in document["findings"]]
    values = []
    for measurement_id, m in ({} if document is None else document["measurements"]).items():
        definition = registry.BY_ID.get(measurement_id)
        if definition is not None:
            values.append({"id": measurement_id, "name": definition.name,
                           "text": format_measured(m["value"], m["uncertainty"], m["unit"], signed=definition.signed),
                           "corrected": m.get("method", "").startswith(CORRECTED)})
    return {"id": photo["id"], "analysis_id": photo["analysis_id"], "name": photo["original_name"],
            "status": photo["status"], "reason": photo["reason"], "view": photo["view"], "findings": findings,
            "sha256": photo["sha256"], "finished": photo["finished"], "corrected": bool(photo["corrections"]),
            "values": values, "is_clip": is_clip_extension(photo["extension"]),
            "clip": None if document is None else clip_entry(document.get("clip"))}


def clip_entry(clip: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A clip's summary as the session page shows it: what the reading rests on, and each part's sway, or for a
    walk its steps and what each left-against-right comparison says."""
    if clip and clip.get("walk"):
        walk = clip["walk"]
        comparisons = [Symmetry(s["quantity"], s["left"], s["right"], s["index_percent"], s["interval_percent"],
                                s["count"], s["unit"]).sentence for s in walk["symmetries"]]
        return {"sentence": (f"A walk: {walk['steps']} steps, {walk['cadence_per_min']:.0f} a minute "
                             f"({walk['start_s']:.1f}-{walk['end_s']:.1f} s of a {clip['duration_s']:.1f}-s clip)."),
                "sway": [], "walk": comparisons, "note": ""}
    if not clip or not clip["frames_used"]:
        return None
    sway = [{"part": r["part"], "direction": r["direction"],
             "range": format_value(r["range"], r["unit"], signed=False),
             "rms": format_value(r["rms"], r["unit"], signed=False),
             "frequency": "" if r["frequency_hz"] is None else f"{r['frequency_hz']:.2f} Hz"} for r in clip["sway"]]
    return {"sentence": (f"Combined from {clip['frames_used']} frames over {clip['seconds_used']:.1f} s of quiet "
                         f"standing ({clip['start_s']:.1f}-{clip['end_s']:.1f} s of a {clip['duration_s']:.1f}-s "
                         f"clip)."),
            "sway": sway, "walk": [], "note": clip["sway_note"]}


def _kind(view: str | None) -> str | None:
    return None if view is None else View(view).kind


def by_session(photos: Sequence[sqlite3.Row]) -> dict[int, list[sqlite3.Row]]:
    grouped: dict[int, list[sqlite3.Row]] = {}
    for photo in photos:
        grouped.setdefault(photo["session_id"], []).append(photo)
    return grouped


def protocol_flags(sessions: Sequence[sqlite3.Row],
                   photos: dict[int, list[sqlite3.Row]]) -> dict[int, list[str]]:
    """Per session, the sentences saying how its photos break the setup of the client's previous session.

    The body's height as a share of the photo's height, per view, is compared with the last session that has
    that view: a change beyond :data:`PROTOCOL_TOLERANCE` means the camera was placed differently, and offsets
    and angles may move with it.
    """
    flags: dict[int, list[str]] = {}
    last: dict[str, tuple[str, float]] = {}
    for session in sessions:
        shares: dict[str, list[float]] = {}
        for photo in photos.get(session["id"], []):
            kind = _kind(photo["view"])
            if photo["status"] == "done" and kind is not None and photo["body_fraction"]:
                shares.setdefault(kind, []).append(photo["body_fraction"])
        for kind, values in shares.items():
            share = sum(values) / len(values)
            if kind in last:
                label, before = last[kind]
                if abs(share / before - 1.0) > PROTOCOL_TOLERANCE:
                    flags.setdefault(session["id"], []).append(
                        f"In the {kind} view the body fills {share:.0%} of the photo's height, against {before:.0%} "
                        f"in {label}: the camera's distance or zoom differs from last time, so compare with care.")
            last[kind] = (session_label(session), share)
    return flags


def trends(sessions: Sequence[sqlite3.Row], photos: dict[int, list[sqlite3.Row]]) -> list[dict[str, Any]]:
    """One chart per measurement and view measured in two sessions or more, with the first session ± the MDC."""
    labels = [s["date"] for s in sessions]
    readings: dict[tuple[str, str], list[tuple[Reading, str] | None]] = {}
    for index, session in enumerate(sessions):
        seen: set[str] = set()
        for photo in photos.get(session["id"], []):
            kind = _kind(photo["view"])
            document = _document(photo) if photo["status"] == "done" else None
            if document is None or kind is None or kind in seen:
                continue  # the session's first measured photo of a view stands for it
            seen.add(kind)
            ranges = json.loads(photo["ranges"] or "{}")
            for measurement_id, m in document["measurements"].items():
                low, high = ranges.get(measurement_id, (None, None))
                slot = readings.setdefault((kind, measurement_id), [None] * len(sessions))
                slot[index] = (Reading(m["value"], m["uncertainty"], low, high), m["unit"])
    charts = []
    order = {d.id: i for i, d in enumerate(registry.DEFINITIONS)}
    for (kind, measurement_id), slot in sorted(readings.items(),
                                               key=lambda item: (item[0][0], order.get(item[0][1], 0))):
        measured = [r for r in slot if r is not None]
        if len(measured) < 2 or measurement_id not in registry.BY_ID:
            continue
        values = tuple(None if r is None else r[0] for r in slot)
        first, final = measured[0][0], measured[-1][0]
        overall = judge(first, final)
        change = MeasurementChange(id=measurement_id, unit=measured[0][1], readings=values, overall=overall,
                                   steps=(), text="", article_sections=())
        mdc = minimal_detectable_change(first.uncertainty, final.uncertainty)
        band = None if mdc is None else (first.value - mdc, first.value + mdc)
        definition = registry.definition(measurement_id)
        charts.append({
            "view": kind, "name": definition.name, "verdict": VERDICT_WORDS[overall.verdict],
            "verdict_class": overall.verdict.replace(" ", "-"),
            "change": format_value(overall.change, change.unit, signed=True),
            "chart": Markup(trend_svg(change, [day[2:] for day in labels], band=band or (None, None),
                                      band_title="the first session ± the minimal detectable change")),
        })
    return charts


def load_analysis(data: Path, photo: Mapping[str, Any], connection: sqlite3.Connection | None = None) -> Analysis:
    """A photo's analysis, as its worker left it in the cache.

    A corrected analysis whose cached copy is gone (records restored from a backup) is made again from the
    worker's analysis it corrected and the points placed by hand, when ``connection`` is given.

    Raises:
        MissingAnalysisError: not analysed yet, failed, or its cached copy is gone.
    """
    if photo["status"] not in ("done", "refused"):
        raise MissingAnalysisError(f"{photo['original_name']} is {photo['status']}: it has no analysis yet.")
    path = cache_path(data, photo["sha256"], photo["analysis_id"], ".pickle")
    if not path.exists() and connection is not None and photo["corrections"]:
        return corrected_again(data, connection, photo)
    try:
        # The cache is written by this desk's own workers inside the data folder; a backup never carries it.
        analysis = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, AttributeError, EOFError) as error:
        raise MissingAnalysisError(f"The analysis of {photo['original_name']} is no longer at hand ({error}); "
                                   "analyse the photo again.") from error
    if not isinstance(analysis, Analysis):
        raise MissingAnalysisError(f"The analysis of {photo['original_name']} is not readable; analyse it again.")
    return analysis


def keep(data: Path, sha256: str, analysis_id: int, analysis: Analysis) -> None:
    """An analysis made in the desk's own process into the cache: its annotated picture and itself, pickled."""
    replace_atomically(cache_path(data, sha256, analysis_id, ".png"), encode_png(render_annotated(analysis)))
    replace_atomically(cache_path(data, sha256, analysis_id, ".pickle"),
                       pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL))


def corrected_again(data: Path, connection: sqlite3.Connection, photo: Mapping[str, Any]) -> Analysis:
    """A corrected analysis made again: the worker's analysis it corrected, with the same points placed by hand."""
    base = store.worker_analysis_before(connection, photo["analysis_id"])
    if base is None:
        raise MissingAnalysisError(f"The analysis of {photo['original_name']} that was corrected is gone.")
    original = load_analysis(data, {**dict(base), "analysis_id": base["id"], "corrections": 0})
    points = store.corrected_points(connection, photo["analysis_id"])
    made = max(when for _, _, when in points.values())
    analysis = remeasure(original, {name: (x, y) for name, (x, y, _) in points.items()},
                         when=f"{made[:10]} {made[11:16]} UTC")
    keep(data, photo["sha256"], photo["analysis_id"], analysis)
    return analysis


def comparison(data: Path, connection: sqlite3.Connection, session_ids: Sequence[int]) -> Any:
    """The sessions compared, in date order, as ``posture compare`` compares them.

    Raises:
        MissingAnalysisError: a photo of these sessions has no analysis at hand.
        NotComparableError: the photos cannot be compared (different models, cm against %).
        ValueError: a session has no analysed photo.
    """
    rows = sorted((store.session(connection, i) for i in session_ids), key=lambda s: (s["date"], s["id"]))
    photos = by_session(store.session_photos(connection, [s["id"] for s in rows]))
    sessions = []
    for row in rows:
        analyses = tuple(load_analysis(data, p, connection) for p in photos.get(row["id"], []) if p["status"] != "failed")
        if not analyses:
            raise ValueError(f"The session {session_label(row)} has no analysed photo to compare.")
        sessions.append(Session(session_label(row), analyses))
    return compare_sessions(sessions, order_by_time=False)

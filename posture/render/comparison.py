"""A :class:`~posture.compare.Comparison` as plain data (``--json``) and as terminal text.

Every number goes through :mod:`posture.core.units`; the HTML report reads the
same helpers, so the words for a verdict and the way a change is written are
decided once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from posture.compare import Comparison, MeasurementChange, Reading, Session, Verdict
from posture.core.paths import path_text
from posture.core.units import (
    format_measured,
    format_number,
    format_value,
    round_for_data,
    unit_symbol,
)
from posture.knowledge import registry
from posture.render.json import provenance_to_dict

COMPARE_SCHEMA_VERSION = "1.0"
"""Of the ``posture compare --json`` document: major for breaking changes, minor for additions."""

VERDICT_WORDS: dict[Verdict, str] = {
    "improved": "improved",
    "worsened": "worsened",
    "changed": "changed",
    "no detectable change": "no detectable change",
    "not judged": "not judged (no uncertainty)",
}


SHORT_LABEL_CHARS = 12
"""The longest session label a column heading takes as it is; longer ones (file names) get a short label."""

REAL_CHANGES: tuple[Verdict, ...] = ("improved", "worsened", "changed")
"""The verdicts of a change larger than the noise."""


def _capture_date(session: Session) -> datetime | None:
    if session.capture_time is None:
        return None
    try:
        return datetime.fromisoformat(session.capture_time)
    except ValueError:
        return None


def short_labels(sessions: Sequence[Session]) -> list[str]:
    """A heading per session short enough for a phone's table column and a chart's axis.

    Labels the user gave (``--session 10-Jan ...``) are kept when every one is
    short; otherwise, and for labels that are only a photo's file name, the
    sessions are called "before" and "after" (two) or "S1", "S2", ... (more),
    each followed by its EXIF capture date when known ("S1 3 Mar"; with the
    year when the sessions span more than one). The full labels and file names
    go in the report's legend.
    """
    given = [s.label for s in sessions]
    named_by_file = any(s.label in {a.image.display_name for a in s.analyses} for s in sessions)
    if not named_by_file and all(0 < len(label) <= SHORT_LABEL_CHARS for label in given):
        return given
    bases = ["before", "after"] if len(sessions) == 2 else [f"S{i + 1}" for i in range(len(sessions))]
    dates = [_capture_date(s) for s in sessions]
    years = {d.year for d in dates if d is not None}
    labels = []
    for base, date in zip(bases, dates):
        if date is None:
            labels.append(base)
        else:
            labels.append(f"{base} {date.day} {date:%b}" + (f" {date.year}" if len(years) > 1 else ""))
    return labels


def reading_text(change: MeasurementChange, reading: Reading | None) -> str:
    """``"52.3 ± 2.8°"``, or ``"—"`` where the session has no value."""
    if reading is None:
        return "—"
    return format_measured(reading.value, reading.uncertainty, change.unit, signed=change.definition.signed)


def change_text(change: MeasurementChange) -> str:
    """The overall change: ``"+3.9% ht"``."""
    return format_value(change.overall.change, change.unit, signed=True)


def mdc_text(change: MeasurementChange) -> str:
    """The minimal detectable change: ``"± 2.0% ht"``, or ``"—"``."""
    mdc = change.overall.mdc
    return "—" if mdc is None else "± " + format_number(mdc, signed=False) + unit_symbol(change.unit)


def range_text(change: MeasurementChange) -> str:
    """The typical range of the last reading, e.g. ``"-2.0 to +3.0% ht"``, ``"≥ 45.5°"``, or ``"—"``."""
    last = next((r for r in reversed(change.readings) if r is not None), None)
    if last is None or (last.low is None and last.high is None):
        return "—"
    signed = change.definition.signed
    if last.low is not None and last.high is not None:
        return (f"{format_number(last.low, signed=signed)} to "
                f"{format_value(last.high, change.unit, signed=signed)}")
    if last.low is not None:
        return "≥ " + format_value(last.low, change.unit, signed=signed)
    return "≤ " + format_value(last.high, change.unit, signed=signed)  # type: ignore[arg-type]


def direction_text(change: MeasurementChange) -> str:
    """What the sign of the change means in words, from the registry (``"+ = leaning forward"``)."""
    return change.definition.sign


def comparison_to_dict(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON-ready data (documented in docs/json-output.md)."""
    sessions = [
        {"label": s.label, "capture_time": s.capture_time,
         "photos": [{"name": a.image.display_name, "path": None if a.image.path is None else path_text(a.image.path),
                     "status": a.status, "view": a.view, "problem": a.problem} for a in s.analyses]}
        for s in comparison.sessions
    ]
    series = []
    for view in comparison.series:
        series.append({
            "view": view.view,
            "photos": [None if a is None else a.image.display_name for a in view.analyses],
            "measurements": {
                c.id: {
                    "unit": c.unit,
                    "readings": [None if r is None else {
                        "value": round_for_data(r.value), "uncertainty": round_for_data(r.uncertainty),
                        "typical_low": round_for_data(r.low), "typical_high": round_for_data(r.high)}
                        for r in c.readings],
                    "change": round_for_data(c.overall.change),
                    "mdc": round_for_data(c.overall.mdc),
                    "verdict": c.overall.verdict,
                    "steps": [{"change": round_for_data(s.change), "mdc": round_for_data(s.mdc),
                               "verdict": s.verdict} for s in c.steps],
                    "explanation": c.text,
                    "article_sections": list(c.article_sections),
                }
                for c in view.changes
            },
        })
    first = next((a for s in comparison.sessions for a in s.analyses if a.ok), None)
    return {
        "schema_version": COMPARE_SCHEMA_VERSION,
        "order": comparison.order,
        "sessions": sessions,
        "series": series,
        "notes": list(comparison.notes),
        "warnings": list(comparison.warnings),
        "caveats": [{"id": i, "text": t} for i, t in comparison.caveats],
        "provenance": None if first is None else {
            k: v for k, v in provenance_to_dict(first.provenance).items() if k != "input"},
    }


def render_comparison_json(comparison: Comparison) -> str:
    return json.dumps(comparison_to_dict(comparison), indent=2, ensure_ascii=False) + "\n"


def render_comparison_text(comparison: Comparison) -> str:
    """A plain-text summary for the terminal: one block per view, one line per measurement."""
    lines = ["Sessions: " + " → ".join(s.label for s in comparison.sessions), comparison.order]
    for view in comparison.series:
        photos = " → ".join("—" if a is None else a.image.display_name for a in view.analyses)
        lines += ["", f"{view.view} view: {photos}"]
        width = max(len(registry.definition(c.id).name) for c in view.changes) if view.changes else 10
        for c in view.changes:
            readings = " → ".join(reading_text(c, r) for r in c.readings)
            lines.append(f"  {c.definition.name:<{width}}  {readings}   change {change_text(c)} "
                         f"(MDC {mdc_text(c)}): {VERDICT_WORDS[c.overall.verdict]}")
    for title, items in (("Notes", comparison.notes), ("Warnings", comparison.warnings)):
        if items:
            lines += ["", title] + [f"  • {item}" for item in items]
    lines += ["", "Please note"] + [f"  • {text}" for _, text in comparison.caveats]
    return "\n".join(lines) + "\n"

"""Self-contained HTML reports for one photo (``analyze --html``) and for a comparison (``compare -o``).

Built from the jinja2 templates in ``posture/templates`` with autoescaping
on, so every file name, label and text from the knowledge base is escaped.
Pictures are embedded as base64 PNG made by :func:`posture.io.outputs.encode_png`
(no EXIF, no GPS); the page loads nothing from anywhere (its
Content-Security-Policy forbids it), prints on paper and reads on a phone.
"""

from __future__ import annotations

import base64
import html
from datetime import datetime, timezone
from functools import cache
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from posture._version import __version__
from posture.analysis import Analysis
from posture.compare import Comparison, MeasurementChange, Reading
from posture.core.units import (
    NO_TYPICAL_RANGE,
    SINGLE_READING,
    format_number,
    format_uncertainty,
    format_value,
    unit_symbol,
)
from posture.io.outputs import encode_png
from posture.knowledge import registry
from posture.knowledge.explanations import SUGGESTION_HEADINGS, SUGGESTIONS_INTRO, SUGGESTIONS_TITLE
from posture.render.comparison import (
    REAL_CHANGES,
    VERDICT_WORDS,
    change_text,
    mdc_text,
    range_text,
    short_labels,
)
from posture.render.image import render_annotated, value_words
from posture.render.terminal import WALK_NOTE, reference_notes, threshold_against_article
from posture.stages.findings import near_a_limit, typical_range

REPORT_IMAGE_HEIGHT = 1000
"""Height of the annotated picture in a one-photo report: legible, and small enough to embed."""
COMPARE_BODY_PX = 640
"""Body height in the side-by-side picture of a comparison report."""


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("posture", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def data_uri(rgb: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI of an RGB array, without any metadata."""
    return "data:image/png;base64," + base64.b64encode(encode_png(rgb)).decode("ascii")


def _generated() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _common(analysis: Analysis | None) -> dict[str, Any]:
    context: dict[str, Any] = {"posture_version": __version__, "generated": _generated()}
    if analysis is not None:
        knowledge = analysis.knowledge
        context["article"] = {"title": knowledge.article_title, "author": knowledge.article_author,
                              "year": knowledge.article_year}
        context["caveats"] = [c.text for c in analysis.caveats]
        p = analysis.provenance
        context["provenance"] = {"model": f"{p.model.name} (sha256 {p.model.sha256[:12]}…)",
                                 "calibrated": p.model.calibrated, "mediapipe": p.mediapipe_version,
                                 "calibration": p.calibration_version}
    return context


def _flag_rule(low: float | None, high: float | None, unit: str, signed: bool) -> str:
    parts = ([f"< {format_value(low, unit, signed=signed)}"] if low is not None else []) + (
        [f"> {format_value(high, unit, signed=signed)}"] if high is not None else [])
    return " or ".join(parts) or NO_TYPICAL_RANGE


def walk_context(analysis: Analysis) -> dict[str, Any] | None:
    """A walking clip's steps as the template shows them, or None for a photo or a clip of standing."""
    walk = analysis.clip.walk if analysis.clip is not None else None
    if walk is None:
        return None
    return {"steps": walk.steps, "cadence": f"{walk.cadence:.0f}",
            "rows": [{"quantity": s.quantity, "left": s.value_text(s.left), "right": s.value_text(s.right),
                      "index": s.index_text, "sentence": s.sentence}
                     for s in walk.symmetries],
            "note": WALK_NOTE}


def sway_context(analysis: Analysis) -> dict[str, Any] | None:
    """A clip's sway as the template shows it, or None for a photo or a clip whose view shows none."""
    clip = analysis.clip
    if clip is None or not clip.sway:
        return None
    return {"direction": clip.sway[0].direction, "seconds": f"{clip.seconds_used:.1f}", "note": clip.sway_note,
            "rows": [{"part": r.part, "range": format_value(r.range, r.unit, signed=False),
                      "rms": format_value(r.rms, r.unit, signed=False),
                      "frequency": "–" if r.frequency_hz is None else f"{r.frequency_hz:.2f} Hz"}
                     for r in clip.sway]}


def analysis_context(analysis: Analysis) -> dict[str, Any]:
    """What the one-photo template shows, as plain data."""
    context = _common(analysis)
    image = analysis.image
    context.update(name=image.display_name, status=analysis.status, problem=analysis.problem,
                   view=analysis.view, near_side=analysis.verdict.near_side,
                   capture_time=analysis.provenance.capture_time, warnings=list(analysis.warnings),
                   width=image.width, height=image.height, sway=sway_context(analysis), walk=walk_context(analysis))
    if not analysis.ok or analysis.frame is None:
        context.update(picture=None, rows=[], findings=[], not_measured=[], unit_note="", references=[],
                       suggestions=None)
        return context
    frame = analysis.frame
    flags: dict[str, list[str]] = {}
    for finding in analysis.findings:
        if finding.measurement is not None:
            flags.setdefault(finding.measurement, []).append(finding.title)
    rows = []
    for m in analysis.measurements:
        definition = registry.definition(m.id)
        low, high = typical_range(m.id, view=analysis.view, scale=frame.scale, knowledge=analysis.knowledge,
                                  proxy=m.proxy)
        rows.append({"id": m.id, "name": definition.name, "proxy": m.proxy, "value": value_words(m, frame.scale),
                     "flagged_when": _flag_rule(low, high, m.unit, definition.signed),
                     "flags": flags.get(m.id, []), "near": not flags.get(m.id) and near_a_limit(m, low, high),
                     "sign": definition.sign, "method": m.method})
    context.update(
        picture=data_uri(render_annotated(analysis, height=REPORT_IMAGE_HEIGHT)),
        rows=rows,
        references=[f"{registry.definition(measurement_id).name}, for reference: {note}."
                    for measurement_id, note in reference_notes(analysis)],
        findings=[{"title": f.title, "summary": f.summary, "explanation": f.explanation, "proxy": f.proxy,
                   "borderline": f.borderline, "sections": list(f.article_sections),
                   "cross_checks": list(f.cross_checks), "source": f.threshold_source,
                   "against_article": threshold_against_article(f)} for f in analysis.findings],
        suggestions=suggestions_context(analysis),
        not_measured=[{"title": n.title, "reason": n.reason, "look_for": n.what_to_look_for}
                      for n in analysis.not_measured],
        withheld=[{"name": ", ".join(registry.definition(i).name for i in ids), "reason": reason}
                  for ids, reason in analysis.withheld_groups],
        unit_note=(f"Offsets in cm for a body height of {frame.scale.height_cm:g} cm."
                   if frame.scale.height_cm is not None else "Offsets in % of body height (% ht)."),
        uncertainty=any(m.uncertainty is not None for m in analysis.measurements),
        uncertainty_source=("the photo read again mirrored and in grey" if analysis.clip is None
                            else "the walk's middle frame read again mirrored and in grey"
                            if analysis.clip.walk is not None else "the spread of the clip's still frames"),
        single_reading=SINGLE_READING,
    )
    return context


def suggestions_context(analysis: Analysis) -> dict[str, Any]:
    """What the article suggests, as the template shows it: groups of points, each with its ties to the photo."""
    knowledge = analysis.knowledge
    suggestions = analysis.suggestions
    groups = []
    for kind, heading in SUGGESTION_HEADINGS.items():
        points = [{"id": s.id, "text": s.text,
                   "ties": [{"titles": [knowledge.finding(f).title for f in tie.findings], "text": tie.text}
                            for tie in s.ties],
                   "sections": list(dict.fromkeys(s.article_sections + tuple(
                       section for tie in s.ties for section in tie.article_sections)))}
                  for s in suggestions if s.kind == kind]
        groups.append({"kind": kind, "heading": heading, "points": points})
    return {"title": SUGGESTIONS_TITLE, "intro": SUGGESTIONS_INTRO, "groups": groups}


def render_analysis_html(analysis: Analysis) -> str:
    """The one-photo report (also for a refused photo: it then says why nothing was measured)."""
    return _environment().get_template("analysis.html.j2").render(**analysis_context(analysis))


# ------------------------------------------------------------------ comparison


def trend_svg(change: MeasurementChange, labels: list[str], *,
              band: tuple[float | None, float | None] | None = None, band_title: str = "typical range") -> Markup:
    """A small SVG chart of one measurement across sessions: values with their ±, a band shaded.

    The band is the last reading's typical range unless ``band`` gives another one, named by ``band_title``
    (the desk shades the first session ± the minimal detectable change). Only numbers and escaped text go into
    the markup.
    """
    width, height, left, right, top, bottom = 320, 164, 46, 12, 12, 48
    points = [(i, r) for i, r in enumerate(change.readings) if r is not None]
    spans = [(r.value - (r.uncertainty or 0.0), r.value + (r.uncertainty or 0.0)) for _, r in points]
    lo = min(s[0] for s in spans)
    hi = max(s[1] for s in spans)
    last = points[-1][1]
    if band is None:
        band = (last.low, last.high)
    for bound in band:
        if bound is not None and lo - (hi - lo) <= bound <= hi + (hi - lo):
            lo, hi = min(lo, bound), max(hi, bound)
    if hi - lo < 1e-6:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.1
    lo, hi = lo - pad, hi + pad
    n = max(1, len(change.readings) - 1)

    def x(i: int) -> float:
        return left + (width - left - right) * (i / n if len(change.readings) > 1 else 0.5)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (hi - v) / (hi - lo)

    parts = [f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{html.escape(change.definition.name)} across sessions" xmlns="http://www.w3.org/2000/svg">']
    if band != (None, None):
        y0 = y(min(hi, band[1])) if band[1] is not None else top
        y1 = y(max(lo, band[0])) if band[0] is not None else height - bottom
        if y1 > y0:
            parts.append(f'<rect x="{left}" y="{y0:.1f}" width="{width - left - right}" height="{y1 - y0:.1f}" '
                         f'class="band"><title>{html.escape(band_title)}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" class="axis"/>')
    for v in (lo + pad, hi - pad):
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" class="tick" text-anchor="end">'
                     f'{html.escape(format_number(v, signed=change.definition.signed))}</text>')
    path = " ".join(f"{'M' if k == 0 else 'L'}{x(i):.1f},{y(r.value):.1f}" for k, (i, r) in enumerate(points))
    parts.append(f'<path d="{path}" class="line"/>')
    for (i, r), (s0, s1) in zip(points, spans):
        parts.append(f'<line x1="{x(i):.1f}" y1="{y(s0):.1f}" x2="{x(i):.1f}" y2="{y(s1):.1f}" class="err"/>')
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(r.value):.1f}" r="4" class="dot"/>')
    for i, label in enumerate(labels):
        # A session and its date on two lines ("S1" over "3 Mar"), so five sessions fit side by side.
        for line, text in enumerate(label.split(" ", 1)):
            parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 15 + 13 * line}" class="tick" '
                         f'text-anchor="middle">{html.escape(text)}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" class="tick">{html.escape(unit_symbol(change.unit).strip())}'
                 '</text></svg>')
    return Markup("".join(parts))


def _reading_parts(change: MeasurementChange, reading: Reading | None) -> dict[str, str]:
    """A reading as its value and its ``± u`` with the unit, so a narrow column can break between the two."""
    if reading is None:
        return {"value": "—", "pm": ""}
    value = format_number(reading.value, signed=change.definition.signed)
    unit = unit_symbol(change.unit)
    if reading.uncertainty is None:
        return {"value": value + unit, "pm": ""}
    return {"value": value, "pm": format_uncertainty(reading.uncertainty) + unit}


def _summary(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per view: the changes larger than the noise, and the measurements that did not change detectably."""
    views = []
    for view in series:
        rows = view["rows"]
        views.append({
            "view": view["view"], "count": len(rows),
            "real": [row for row in rows if row["verdict"] in REAL_CHANGES],
            "unchanged": [row["name"] for row in rows if row["verdict"] == "no detectable change"],
            "not_judged": [row["name"] for row in rows if row["verdict"] == "not judged"],
        })
    return views


def comparison_context(comparison: Comparison) -> dict[str, Any]:
    """What the comparison template shows, as plain data."""
    from posture.render.compare_image import series_image

    first = next((a for s in comparison.sessions for a in s.analyses if a.ok), None)
    context = _common(first)
    labels = short_labels(comparison.sessions)
    context.update(
        sessions=[{"short": short, "label": s.label,
                   "capture_time": None if s.capture_time is None else s.capture_time.replace("T", " "),
                   "photos": [{"name": a.image.display_name, "view": a.view, "ok": a.ok, "problem": a.problem}
                              for a in s.analyses]} for short, s in zip(labels, comparison.sessions)],
        order=comparison.order, notes=list(comparison.notes), warnings=list(comparison.warnings),
        compare_caveats=[text for _, text in comparison.caveats], labels=labels,
        verdict_words=VERDICT_WORDS,
    )
    context.setdefault("caveats", [])
    series = []
    for view in comparison.series:
        rows = []
        for c in view.changes:
            readings = [r for r in c.readings if r is not None]
            rows.append({
                "id": c.id, "name": c.definition.name, "proxy": any(
                    a is not None and (m := a.measurement(c.id)) is not None and m.proxy for a in view.analyses),
                "readings": [_reading_parts(c, r) for r in c.readings], "change": change_text(c),
                "first": format_value(readings[0].value, c.unit, signed=c.definition.signed),
                "last": format_value(readings[-1].value, c.unit, signed=c.definition.signed),
                "mdc": mdc_text(c), "range": range_text(c), "verdict": c.overall.verdict,
                "verdict_class": c.overall.verdict.replace(" ", "-"), "text": c.text,
                "sections": list(c.article_sections), "sign": c.definition.sign,
                "chart": trend_svg(c, labels) if len(comparison.sessions) > 2 else None,
                "steps": [VERDICT_WORDS[s.verdict] for s in c.steps],
            })
        series.append({"view": view.view, "rows": rows,
                       "picture": data_uri(series_image(view, labels, body_px=COMPARE_BODY_PX)),
                       "photos": ["—" if a is None else a.image.display_name for a in view.analyses]})
    context["series"] = series
    context["summary"] = _summary(series)
    context["explained"] = [row for s in series for row in s["rows"] if row["verdict"] in ("improved", "worsened")]
    return context


def render_comparison_html(comparison: Comparison) -> str:
    """The before/after report."""
    return _environment().get_template("compare.html.j2").render(**comparison_context(comparison))

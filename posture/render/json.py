"""The versioned JSON document (schema in docs/json-output.md), for analysed and refused photos alike."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from posture.analysis import SCHEMA_VERSION, Analysis, ClipSummary, Provenance
from posture.core.measurement import Measurement
from posture.core.paths import path_text
from posture.core.units import round_for_data
from posture.knowledge.explanations import Suggestion
from posture.stages.findings import Finding, detectable
from posture.stages.frame import BodyScale


def _measurement(measurement: Measurement, scale: BodyScale | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "value": round_for_data(measurement.value),
        "unit": measurement.unit,
        "uncertainty": round_for_data(measurement.uncertainty),
        "detectable": None if scale is None else detectable(measurement, scale),
        "method": measurement.method,
        "proxy": measurement.proxy,
        "landmarks": list(measurement.landmarks),
    }
    if measurement.components:
        entry["components"] = {name: round_for_data(value) for name, value in measurement.components}
    if measurement.points:
        entry["points"] = {name: [round(x, 1), round(y, 1)] for name, x, y in measurement.points}
    return entry


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "title": finding.title,
        "measurement": finding.measurement,
        "value": round_for_data(finding.value),
        "unit": finding.unit,
        "comparison": finding.comparison,
        "threshold": round_for_data(finding.threshold),
        "proxy": finding.proxy,
        "threshold_source": finding.threshold_source,
        "threshold_vs_article": finding.threshold_vs_article,
        "threshold_vs_article_note": finding.threshold_vs_article_note,
        "borderline": finding.borderline,
        "summary": finding.summary,
        "explanation": finding.explanation,
        "cross_checks": list(finding.cross_checks),
        "article_sections": list(finding.article_sections),
    }


def _suggestion(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "id": suggestion.id,
        "kind": suggestion.kind,
        "text": suggestion.text,
        "article_sections": list(suggestion.article_sections),
        "ties": [{"findings": list(tie.findings), "text": tie.text, "article_sections": list(tie.article_sections)}
                 for tie in suggestion.ties],
    }


def provenance_to_dict(provenance: Provenance) -> dict[str, Any]:
    return {
        "posture_version": provenance.posture_version,
        "mediapipe_version": provenance.mediapipe_version,
        "model": {"name": provenance.model.name, "sha256": provenance.model.sha256,
                  "calibrated": provenance.model.calibrated},
        "calibration_version": provenance.calibration_version,
        "input": {
            "sha256": provenance.input_sha256, "format": provenance.input_format,
            "width": provenance.input_width, "height": provenance.input_height,
            "exif_orientation": provenance.exif_orientation, "capture_time": provenance.capture_time,
        },
        "uncertainty_computed": provenance.uncertainty,
        "people_detected": provenance.people_detected,
    }


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """The whole analysis (or refusal) as plain JSON-ready data."""
    pose = analysis.pose
    verdict = analysis.verdict
    frame = analysis.frame
    error = analysis.error()
    image = analysis.image
    return {
        "schema_version": SCHEMA_VERSION,
        "status": analysis.status,
        "problem": None if error is None else {
            "kind": analysis.problem_kind, "message": analysis.problem, "exit_code": int(error.exit_code)},
        "image": {"path": None if image.path is None else path_text(image.path), "name": image.display_name,
                  "width": image.width, "height": image.height},
        "provenance": provenance_to_dict(analysis.provenance),
        "view": verdict.view,
        "near_side": verdict.near_side,
        "stride": verdict.stride,
        "body": None if frame is None else {
            "height_px": round(frame.body_height_px, 1),
            "height_cm": frame.scale.height_cm,
            "head_top_method": frame.head_top_method,
        },
        "camera": None if frame is None else {
            "roll_deg": round(frame.levelling.camera_roll, 2),
            "roll_source": frame.levelling.source,
            "note": frame.levelling.note,
        },
        "measurements": {m.id: _measurement(m, None if frame is None else frame.scale) for m in analysis.measurements},
        "findings": [_finding(f) for f in analysis.findings],
        "withheld": [{"id": w.id, "kind": w.kind, "reason": w.reason} for w in analysis.withheld],
        "not_measured": [
            {"id": n.id, "title": n.title, "reason": n.reason, "what_to_look_for": n.what_to_look_for,
             "article_sections": list(n.article_sections)}
            for n in analysis.not_measured
        ],
        "suggestions": [_suggestion(s) for s in analysis.suggestions],
        "caveats": [{"id": c.id, "text": c.text} for c in analysis.caveats],
        "article": {"title": analysis.knowledge.article_title, "author": analysis.knowledge.article_author,
                    "year": analysis.knowledge.article_year},
        "landmarks": None if pose is None else [
            [round(float(x), 1), round(float(y), 1), round(float(v), 3)]
            for (x, y), v in zip(pose.xy, pose.visibility)
        ],
        "warnings": list(analysis.warnings),
        "combined_from": list(analysis.combined_from),
        "clip": None if analysis.clip is None else clip_to_dict(analysis.clip),
    }


def clip_to_dict(clip: ClipSummary) -> dict[str, Any]:
    """A clip's frames and seconds used, and its sway."""
    return {
        "duration_s": round(clip.duration_s, 3),
        "frames_read": clip.frames_read,
        "frames_used": clip.frames_used,
        "start_s": round(clip.start_s, 3),
        "end_s": round(clip.end_s, 3),
        "seconds_used": round(clip.seconds_used, 3),
        "frames_rejected": dict(clip.frames_rejected),
        "sway": [{"part": r.part, "direction": r.direction, "range": round_for_data(r.range),
                  "rms": round_for_data(r.rms),
                  "frequency_hz": None if r.frequency_hz is None else round(r.frequency_hz, 3), "unit": r.unit}
                 for r in clip.sway],
        "sway_note": clip.sway_note,
        "walk": None if clip.walk is None else {
            "start_s": round(clip.walk.start_s, 3), "end_s": round(clip.walk.end_s, 3), "steps": clip.walk.steps,
            "cadence_per_min": round(clip.walk.cadence, 1),
            "symmetries": [{"quantity": s.quantity, "left": round_for_data(s.left), "right": round_for_data(s.right),
                            "unit": s.unit, "index_percent": round(s.index, 2),
                            "interval_percent": None if s.interval is None else round(s.interval, 2),
                            "detectable": s.detectable, "one_sided": s.one_sided, "count": s.count}
                           for s in clip.walk.symmetries],
            "trunk_sway": round_for_data(clip.walk.trunk_sway), "trunk_sway_unit": clip.walk.sway_unit},
    }


def render_json(analysis: Analysis) -> str:
    return json.dumps(analysis_to_dict(analysis), indent=2, ensure_ascii=False) + "\n"


def render_json_photos(analyses: Sequence[Analysis], combined: Sequence[Analysis]) -> str:
    """Several photos of one person: each photo's document, each view's photos combined, what none measured.

    ``combined`` is :func:`~posture.combine.combine_by_view` of ``analyses``: the caller combines, this only writes.
    """
    from posture.render.terminal import not_measured_in_any

    document = {
        "schema_version": SCHEMA_VERSION,
        "photos": [analysis_to_dict(analysis) for analysis in analyses],
        "combined": [analysis_to_dict(c) for c in combined if c.combined_from],
        "not_measured_in_any": [item.id for item in not_measured_in_any(analyses)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

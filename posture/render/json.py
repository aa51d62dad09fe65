"""The versioned JSON document (schema in docs/json-output.md)."""

from __future__ import annotations

import json
from typing import Any

from posture.analysis import SCHEMA_VERSION, Analysis
from posture.findings import Finding
from posture.measurements import Measurement


def _measurement(measurement: Measurement) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "value": round(measurement.value, 3),
        "unit": measurement.unit,
        "uncertainty": measurement.uncertainty,
        "method": measurement.method,
        "proxy": measurement.proxy,
        "landmarks": list(measurement.landmarks),
    }
    if measurement.components:
        entry["components"] = {name: round(value, 3) for name, value in measurement.components}
    return entry


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "title": finding.title,
        "measurement": finding.measurement,
        "value": None if finding.value is None else round(finding.value, 3),
        "unit": finding.unit,
        "comparison": finding.comparison,
        "threshold": finding.threshold,
        "proxy": finding.proxy,
        "threshold_source": finding.threshold_source,
        "borderline": finding.borderline,
        "summary": finding.summary,
        "explanation": finding.explanation,
        "article_sections": list(finding.article_sections),
    }


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """The whole analysis as plain JSON-ready data."""
    pose = analysis.pose
    verdict = analysis.verdict
    frame = analysis.frame
    return {
        "schema_version": SCHEMA_VERSION,
        "image": {"path": str(analysis.image.path), "width": analysis.image.width, "height": analysis.image.height},
        "view": verdict.view,
        "near_side": verdict.near_side,
        "stride": verdict.stride,
        "body": {
            "height_px": round(frame.body_height_px, 1),
            "height_cm": frame.scale.height_cm,
            "head_top_method": frame.head_top_method,
        },
        "measurements": {m.id: _measurement(m) for m in analysis.measurements},
        "findings": [_finding(f) for f in analysis.findings],
        "not_measured": [
            {"id": n.id, "title": n.title, "reason": n.reason, "what_to_look_for": n.what_to_look_for,
             "article_sections": list(n.article_sections)}
            for n in analysis.not_measured
        ],
        "caveats": [{"id": c.id, "text": c.text} for c in analysis.caveats],
        "article": {"title": analysis.knowledge.article_title, "author": analysis.knowledge.article_author,
                    "year": analysis.knowledge.article_year},
        "landmarks": [
            [round(float(x), 1), round(float(y), 1), round(float(v), 3)]
            for (x, y), v in zip(pose.xy, pose.visibility)
        ],
        "warnings": list(analysis.warnings),
    }


def render_json(analysis: Analysis) -> str:
    return json.dumps(analysis_to_dict(analysis), indent=2, ensure_ascii=False) + "\n"

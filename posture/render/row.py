"""The flat row: one dict of scalars per photo, with stable column names, ready for a CSV file.

The columns are the same for every photo, whatever its view or status, so
rows of a whole folder line up: a measurement that was not taken is an
empty cell. :func:`columns` lists them in order; docs/json-output.md
describes each.
"""

from __future__ import annotations

from typing import Any

from posture import registry
from posture.analysis import SCHEMA_VERSION, Analysis
from posture.units import round_for_data

Scalar = str | int | float | bool | None

_HEAD = ("schema_version", "path", "name", "status", "problem_kind", "problem", "view", "near_side", "stride",
         "height_cm", "body_height_px", "camera_roll_deg", "camera_roll_source")
_TAIL = ("findings", "borderline_findings", "warnings", "posture_version", "mediapipe_version", "model_name",
         "model_sha256", "model_calibrated", "calibration_version", "input_sha256", "input_format", "input_width",
         "input_height", "exif_orientation", "capture_time", "uncertainty_computed", "people_detected")
LIST_SEPARATOR = "; "
"""Joins the finding ids and warnings held in one cell."""


def _measurement_columns(definition: registry.Definition) -> tuple[str, ...]:
    base = definition.id
    return (base, f"{base}_unit", f"{base}_uncertainty",
            *(f"{base}_{component}" for component in definition.components))


def columns() -> tuple[str, ...]:
    """Every column of the row, in order."""
    measured = tuple(name for d in registry.DEFINITIONS for name in _measurement_columns(d))
    return _HEAD + measured + _TAIL


def to_row(analysis: Analysis) -> dict[str, Scalar]:
    """The analysis as one flat dict whose keys are exactly :func:`columns`."""
    frame = analysis.frame
    image = analysis.image
    row: dict[str, Scalar] = {
        "schema_version": SCHEMA_VERSION,
        "path": None if image.path is None else str(image.path),
        "name": image.display_name,
        "status": analysis.status,
        "problem_kind": analysis.problem_kind,
        "problem": analysis.problem,
        "view": analysis.view,
        "near_side": analysis.verdict.near_side,
        "stride": analysis.verdict.stride,
        "height_cm": None if frame is None else frame.scale.height_cm,
        "body_height_px": None if frame is None else round(frame.body_height_px, 1),
        "camera_roll_deg": None if frame is None else round(frame.levelling.camera_roll, 2),
        "camera_roll_source": None if frame is None else frame.levelling.source,
    }
    for definition in registry.DEFINITIONS:
        measurement = analysis.measurement(definition.id)
        components: dict[str, Any] = dict(measurement.components) if measurement else {}
        row[definition.id] = None if measurement is None else round_for_data(measurement.value)
        row[f"{definition.id}_unit"] = None if measurement is None else measurement.unit
        row[f"{definition.id}_uncertainty"] = None if measurement is None else round_for_data(measurement.uncertainty)
        for component in definition.components:
            row[f"{definition.id}_{component}"] = round_for_data(components.get(component))
    provenance = analysis.provenance
    row.update({
        "findings": LIST_SEPARATOR.join(f.id for f in analysis.findings),
        "borderline_findings": LIST_SEPARATOR.join(f.id for f in analysis.findings if f.borderline),
        "warnings": LIST_SEPARATOR.join(analysis.warnings),
        "posture_version": provenance.posture_version,
        "mediapipe_version": provenance.mediapipe_version,
        "model_name": provenance.model.name,
        "model_sha256": provenance.model.sha256,
        "model_calibrated": provenance.model.calibrated,
        "calibration_version": provenance.calibration_version,
        "input_sha256": provenance.input_sha256,
        "input_format": provenance.input_format,
        "input_width": provenance.input_width,
        "input_height": provenance.input_height,
        "exif_orientation": provenance.exif_orientation,
        "capture_time": provenance.capture_time,
        "uncertainty_computed": provenance.uncertainty,
        "people_detected": provenance.people_detected,
    })
    return row

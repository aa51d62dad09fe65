"""Renderers on a synthetic analysis with known values: terminal text at width 100, JSON, annotated image."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from builders import side_pose

from posture.analysis import Analysis, measure
from posture.calibration import load_calibrations
from posture.explanations import load_knowledge_base
from posture.findings import evaluate
from posture.frame import LEVEL_ASSUMPTION
from posture.loading import LoadedImage
from posture.quality import assess
from posture.render.image import render_annotated
from posture.render.json import analysis_to_dict, render_json
from posture.render.terminal import render_terminal


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    """A person facing right whose whole body stands 60 px (about 6% of their height) ahead of the ankles."""
    pose = side_pose(facing=1, ear_ahead=80.0, shoulder_ahead=60.0, hip_ahead=60.0, knee_ahead=30.0)
    verdict = assess((pose,), width=1000, height=1100)
    assert verdict.ok, verdict.problem
    frame, measurements = measure(verdict, 170.0)
    knowledge = load_knowledge_base()
    rgb = np.full((1100, 1000, 3), 128, dtype=np.uint8)
    rgb.setflags(write=False)
    image = LoadedImage(path=Path("client.jpg"), width=1000, height=1100, rgb=rgb, scale=1.0, warnings=())
    findings = evaluate(measurements, view=verdict.view, scale=frame.scale, knowledge=knowledge)
    return Analysis(image=image, verdict=verdict, frame=frame, measurements=measurements, findings=findings,
                    knowledge=knowledge, warnings=(LEVEL_ASSUMPTION,))


def test_terminal_report_at_width_100(analysis: Analysis) -> None:
    text = render_terminal(analysis, width=100)
    lines = text.splitlines()
    assert lines[0] == ("client.jpg: side-right view, measured on the right side; offsets in cm for a body height "
                        "of 170 cm")
    assert any(line.startswith("┃ measurement         ┃") for line in lines)
    # 60 px of the body height, less the calibrated bias of the hip landmark, in cm of 170.
    scale = analysis.frame.scale
    bias = load_calibrations().get("foot_hip_offset").offset  # type: ignore[union-attr]
    expected_feet = scale.from_percent(scale.percent(60.0) + bias)
    feet_row = next(line for line in lines if line.startswith("│ foot_hip_offset"))
    assert f"+{expected_feet:.1f} cm" in feet_row and "feet behind hips" in feet_row
    assert "< -3.4 cm or > +5.1 cm" in feet_row  # -2% and +3% of 170 cm
    for heading in ("Findings", "Not measured", "Warnings", "Please note"):
        assert heading in lines
    assert "• Feet behind the hips (sway-back pattern)" in lines
    assert "\x1b[" not in text  # no colour codes unless asked for


def test_json_document_carries_every_part(analysis: Analysis) -> None:
    document = json.loads(render_json(analysis))
    assert document == json.loads(json.dumps(analysis_to_dict(analysis)))
    assert set(document) == {"schema_version", "image", "view", "near_side", "stride", "body", "measurements",
                             "findings", "not_measured", "caveats", "article", "landmarks", "warnings"}
    feet = document["measurements"]["foot_hip_offset"]
    assert feet["unit"] == "cm"
    assert feet["components"]["uncalibrated"] == pytest.approx(analysis.frame.scale.convert(60.0), abs=1e-3)
    assert [f["id"] for f in document["findings"]] == ["feet_behind_hips"]
    assert document["findings"][0]["borderline"] is False
    assert document["article"]["author"] == "Lawrence Gold"


def test_annotated_image_is_a_new_array_with_a_caption_band(analysis: Analysis) -> None:
    annotated = render_annotated(analysis)
    assert annotated.shape[1:] == (1000, 3) and annotated.shape[0] > 1100
    assert annotated.dtype == np.uint8
    assert (analysis.image.rgb == 128).all()  # the photo itself is untouched
    drawn = np.any(annotated[:1100] != 128, axis=2)
    ankle_x = int(analysis.pose.xy[28][0])  # the plumb line runs up from the near (right) ankle
    assert drawn[200:900, ankle_x - 2:ankle_x + 3].any(axis=1).mean() > 0.4

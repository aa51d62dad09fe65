"""Tests for posture.render's renderers on a synthetic analysis with known values: terminal text at width 100, JSON,
annotated image.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from builders import side_pose

from posture.analysis import Analysis, ModelIdentity, columns, to_row
from posture.core.image import ImageOrigin, LoadedImage
from posture.knowledge.calibration import load_calibrations
from posture.knowledge.explanations import load_knowledge_base
from posture.pipeline import measure, provenance
from posture.render.image import render_annotated
from posture.render.json import analysis_to_dict, render_json
from posture.render.terminal import render_terminal
from posture.stages.findings import evaluate
from posture.stages.gate import assess
from posture.stages.level import choose_levelling

MODEL = ModelIdentity(name="pose_landmarker_full.task", sha256="ab" * 32, calibrated=True)


def _image(name: str = "client.jpg") -> LoadedImage:
    rgb = np.full((1100, 1000, 3), 128, dtype=np.uint8)
    rgb.setflags(write=False)
    origin = ImageOrigin(sha256="cd" * 32, format="JPEG", exif_orientation=6, capture_time="2026-01-10T09:15:02",
                         file_size=12345)
    return LoadedImage(path=Path(name), width=1000, height=1100, rgb=rgb, scale=1.0, warnings=(), origin=origin)


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    """A person facing right whose whole body stands 60 px (about 6% of their height) ahead of the ankles."""
    pose = side_pose(facing=1, ear_ahead=80.0, shoulder_ahead=60.0, hip_ahead=60.0, knee_ahead=30.0)
    verdict = assess((pose,), width=1000, height=1100)
    assert verdict.ok, verdict.problem
    # A user's roll of zero: levelled (trivially), so the camera record has a source to show.
    frame, measured = measure(verdict, 170.0, choose_levelling(user_roll=0.0))
    measurements = measured.measurements
    knowledge = load_knowledge_base()
    image = _image()
    findings = evaluate(measurements, view=verdict.view, scale=frame.scale, knowledge=knowledge)
    return Analysis(image=image, verdict=verdict, frame=frame, measurements=measurements, findings=findings,
                    knowledge=knowledge, warnings=(frame.levelling.note,),
                    provenance=provenance(image, model=MODEL, mediapipe_version="1.2.2", people_detected=1))


@pytest.fixture(scope="module")
def refusal() -> Analysis:
    """Nobody in the photo."""
    verdict = assess((), width=1000, height=1100)
    image = _image("wall.jpg")
    return Analysis(image=image, verdict=verdict, frame=None, measurements=(), findings=(),
                    knowledge=load_knowledge_base(), warnings=(),
                    provenance=provenance(image, model=MODEL, mediapipe_version="1.2.2", people_detected=0))


@pytest.mark.parametrize(("uncertainty", "near"), [(1.0, True), (0.2, False), (None, False)])
def test_an_unflagged_value_within_its_uncertainty_of_a_limit_is_called_near_it(
        analysis: Analysis, uncertainty: float | None, near: bool) -> None:
    """Hip extension 0.5° under its 10° limit: a re-take may flag it, and the table says so when the ± reaches."""
    changed = dataclasses.replace(analysis, measurements=tuple(
        dataclasses.replace(m, value=9.5, uncertainty=uncertainty) if m.id == "hip_extension" else m
        for m in analysis.measurements))
    text = " ".join(render_terminal(changed, width=200).split())
    assert ("near the limit" in text) is near


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
    assert "< -3.4 cm" in feet_row  # -2% and +3% of 170 cm, on two lines
    assert "or > +5.1 cm" in lines[lines.index(feet_row) + 1]
    for heading in ("Findings", "Not measured", "Warnings", "Please note"):
        assert heading in lines
    assert "• Feet behind the hips (sway-back pattern)" in lines
    assert "\x1b[" not in text  # no colour codes unless asked for


def test_json_document_carries_every_part(analysis: Analysis) -> None:
    document = json.loads(render_json(analysis))
    assert document == json.loads(json.dumps(analysis_to_dict(analysis)))
    assert set(document) == {"schema_version", "status", "problem", "image", "provenance", "view", "near_side",
                             "stride", "body", "camera", "measurements", "findings", "not_measured", "caveats", "article",
                             "landmarks", "warnings", "combined_from", "withheld", "suggestions", "clip"}
    assert document["combined_from"] == []
    assert document["clip"] is None
    assert document["status"] == "ok" and document["problem"] is None
    assert document["image"] == {"path": "client.jpg", "name": "client.jpg", "width": 1000, "height": 1100}
    # The height the user gave, in cm, not the body's height in pixels.
    assert document["body"]["height_cm"] == 170.0
    assert document["body"]["height_px"] == pytest.approx(analysis.frame.body_height_px, abs=0.05)
    assert document["camera"] == {"roll_deg": 0.0, "roll_source": "user", "note": analysis.frame.levelling.note}
    assert document["warnings"] == [analysis.frame.levelling.note]
    import posture

    assert document["provenance"] == {
        "posture_version": posture.__version__, "mediapipe_version": "1.2.2",
        "model": {"name": "pose_landmarker_full.task", "sha256": "ab" * 32, "calibrated": True},
        "calibration_version": load_calibrations().version,
        "input": {"sha256": "cd" * 32, "format": "JPEG", "width": 1000, "height": 1100, "exif_orientation": 6,
                  "capture_time": "2026-01-10T09:15:02"},
        "uncertainty_computed": False, "people_detected": 1,
    }
    feet = document["measurements"]["foot_hip_offset"]
    assert feet["unit"] == "cm"
    assert feet["components"]["uncalibrated"] == pytest.approx(analysis.frame.scale.convert(60.0), abs=1e-3)
    assert [f["id"] for f in document["findings"]] == ["feet_behind_hips"]
    assert document["findings"][0]["borderline"] is None  # no uncertainty computed: unknown, not "no"
    assert document["article"]["author"] == "Lawrence Gold"


def test_annotated_image_is_a_new_array_with_a_panel_beside_it(analysis: Analysis) -> None:
    from posture.render.image import photo_canvas

    annotated = render_annotated(analysis)
    photo_width = render_annotated(analysis, panel=False).shape[1]
    assert annotated.shape[0] >= 600 and annotated.shape[1] > photo_width  # the numbers sit in a panel
    assert annotated.dtype == np.uint8
    assert (analysis.image.rgb == 128).all()  # the photo itself is untouched
    rows = annotated.shape[0]
    drawn = np.any(annotated[:, :photo_width] != 128, axis=2)
    _, place = photo_canvas(analysis, rows)
    ankle_x = int(place(analysis.pose.xy[28:29])[0, 0])  # the plumb line runs up from the near (right) ankle
    assert drawn[rows // 5:rows * 4 // 5, ankle_x - 2:ankle_x + 3].any(axis=1).mean() > 0.4


def test_uncertainties_are_rounded_like_values(analysis: Analysis) -> None:
    import dataclasses

    noisy = dataclasses.replace(analysis, measurements=tuple(
        dataclasses.replace(m, value=m.value + 1e-7, uncertainty=1.23456789) for m in analysis.measurements))
    for entry in analysis_to_dict(noisy)["measurements"].values():
        assert entry["uncertainty"] == 1.235
        assert entry["value"] == round(entry["value"], 3)


def test_a_refusal_record_says_why_and_measures_nothing(refusal: Analysis) -> None:
    document = json.loads(render_json(refusal))
    assert document["status"] == "refused"
    assert document["problem"] == {"kind": "person", "message": "No person was found in the photo.", "exit_code": 4}
    assert document["measurements"] == {} and document["findings"] == []
    assert document["body"] is None and document["landmarks"] is None and document["camera"] is None
    assert document["provenance"]["people_detected"] == 0


def test_the_flat_row_has_every_column_in_order(analysis: Analysis, refusal: Analysis) -> None:
    for result in (analysis, refusal):
        row = to_row(result)
        assert tuple(row) == columns()
        assert all(value is None or isinstance(value, (str, int, float, bool)) for value in row.values())
    row = to_row(analysis)
    feet = analysis.measurement("foot_hip_offset")
    assert feet is not None
    assert row["foot_hip_offset"] == round(feet.value, 3) and row["foot_hip_offset_unit"] == "cm"
    assert row["plumb_line_hip"] == round(dict(analysis.measurement("plumb_line").components)["hip"], 3)
    assert row["shoulder_height_difference"] is None  # a front-view measurement, empty in a side view
    assert row["findings"] == "feet_behind_hips" and row["status"] == "ok" and row["height_cm"] == 170.0
    assert row["input_sha256"] == "cd" * 32 and row["model_calibrated"] is True
    assert row["capture_time"] == "2026-01-10T09:15:02" and row["exif_orientation"] == 6
    assert row["camera_roll_deg"] == 0.0 and row["camera_roll_source"] == "user"
    refused = to_row(refusal)
    assert refused["status"] == "refused" and refused["problem_kind"] == "person"
    assert refused["trunk_lean"] is None and refused["findings"] == ""


def test_the_flat_row_survives_a_csv_round_trip(analysis: Analysis, tmp_path: Path) -> None:
    import csv

    path = tmp_path / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns())
        writer.writeheader()
        writer.writerow(to_row(analysis))
    with path.open(newline="", encoding="utf-8") as stream:
        (read,) = list(csv.DictReader(stream))
    assert float(read["trunk_lean"]) == to_row(analysis)["trunk_lean"]


@pytest.mark.parametrize(("measurement_id", "value", "expected"),
                         [("shoulder_height_difference", 0.5, False), ("shoulder_height_difference", -2.0, True),
                          ("trunk_lean", 0.1, None)])
def test_the_json_says_whether_a_left_right_difference_stands_out(measurement_id: str, value: float,
                                                                  expected: bool | None) -> None:
    """Shoulder heights are told from zero beyond their resolution (1.05% of height); a lean has no sides."""
    from posture.core.measurement import Measurement
    from posture.render.json import _measurement
    from posture.stages.frame import BodyScale

    unit = "deg" if measurement_id == "trunk_lean" else "percent_height"
    entry = _measurement(Measurement(measurement_id, value, unit, "m", ()), BodyScale(1000.0))
    assert entry["detectable"] is expected


def test_withheld_measures_are_said_once_per_reason_in_every_report(analysis: Analysis) -> None:
    from posture.core.measurement import Withheld
    from posture.render.html import render_analysis_html

    step = "The legs are in a walking step: stand still with the weight on both feet."
    withheld = (Withheld("knee_angle", "pose", step), Withheld("plumb_line", "pose", step),
                Withheld("pelvic_tilt", "clothing", "Probably loose clothing around the pelvis: wear a fitted top."))
    shown = dataclasses.replace(analysis, withheld=withheld)
    assert shown.withheld_groups == ((("knee_angle", "plumb_line"), step), (("pelvic_tilt",), withheld[2].reason))
    text = render_terminal(shown)
    assert "Not given for this photo" in text and text.count("walking step") == 1 and "knee angle, plumb line" in text
    html = render_analysis_html(shown)
    assert html.count("walking step") == 1 and "knee angle, plumb line" in html and "wear a fitted top" in html
    document = analysis_to_dict(shown)
    assert [(w["id"], w["kind"]) for w in document["withheld"]] == [
        ("knee_angle", "pose"), ("plumb_line", "pose"), ("pelvic_tilt", "clothing")]
    assert to_row(shown)["withheld"] == "knee_angle; plumb_line; pelvic_tilt"
    assert not np.array_equal(render_annotated(shown), render_annotated(analysis))  # the panel says them too


def test_a_measure_no_finding_judges_says_it_is_for_reference(analysis: Analysis) -> None:
    """The head's forward offset and the plumb line have no typical range: the reports say so instead of a blank."""
    from posture.render.html import render_analysis_html

    unjudged = [m.id for m in analysis.measurements if m.id in ("head_forward_offset", "plumb_line")]
    assert unjudged
    text = render_terminal(analysis)
    assert text.count("for reference;") == len(unjudged)
    assert render_analysis_html(analysis).count("for reference; no typical range") == len(unjudged)


def test_every_report_says_what_the_article_suggests_tied_to_this_photos_findings(analysis: Analysis) -> None:
    """The photo shows the feet behind the hips: the groin-fold, belly and lower-legs points say why they bear on it."""
    from posture.render.html import render_analysis_html

    kb = analysis.knowledge
    groin = next(s for s in kb.suggestions if s.id == "groin_fold")
    tie = next(t for t in groin.ties if "feet_behind_hips" in t.findings)
    untied = next(s for s in kb.suggestions if s.id == "pain")
    text = " ".join(render_terminal(analysis, width=100).split())
    assert "What the article suggests" in text and text.index("What the article suggests") < text.index("Please note")
    for heading in ("What to notice", "What it recommends", "What it cautions about"):
        assert heading in text
    for suggestion in kb.suggestions:
        assert suggestion.text in text
    assert f"Seen in this photo: Feet behind the hips (sway-back pattern). {tie.text}" in text
    assert text.count("Seen in this photo:") == 3  # the groin fold, the belly, the lower legs; nothing else
    html = " ".join(render_analysis_html(analysis).split())
    assert 'id="suggestions"' in html and "What the article suggests" in html
    assert html.count("Seen in this photo:") == 3
    document = analysis_to_dict(analysis)
    points = {p["id"]: p for p in document["suggestions"]}
    assert list(points) == [s.id for s in kb.suggestions]
    assert points["groin_fold"]["kind"] == "notice"
    assert points["groin_fold"]["ties"] == [{"findings": ["feet_behind_hips"], "text": tie.text,
                                             "article_sections": list(tie.article_sections)}]
    assert points["pain"] == {"id": "pain", "kind": "cautions", "text": untied.text,
                              "article_sections": list(untied.article_sections), "ties": []}


def test_a_refused_photo_suggests_nothing_in_the_terminal_but_keeps_the_json_complete(refusal: Analysis) -> None:
    assert "What the article suggests" not in render_terminal(refusal)
    assert [p["ties"] for p in analysis_to_dict(refusal)["suggestions"]] == [[]] * len(refusal.knowledge.suggestions)


def test_a_finding_says_what_its_linked_measurements_read_and_how_its_threshold_relates_to_the_article(
        analysis: Analysis) -> None:
    from posture.render.html import render_analysis_html

    finding = analysis.findings[0]
    assert finding.id == "feet_behind_hips" and len(finding.cross_checks) == 1
    assert finding.threshold_vs_article_note is not None
    against = "This threshold differs from the article's meaning. " + finding.threshold_vs_article_note
    text = " ".join(render_terminal(analysis, width=100).split())
    html = " ".join(render_analysis_html(analysis).replace("&#39;", "'").split())
    for report in (text, html):
        assert finding.cross_checks[0] in report
        assert against in report
    entry = analysis_to_dict(analysis)["findings"][0]
    assert entry["cross_checks"] == list(finding.cross_checks)
    assert (entry["threshold_vs_article"], entry["threshold_vs_article_note"]) == (
        "differs", finding.threshold_vs_article_note)


def test_the_measures_for_reference_say_what_they_are_for(analysis: Analysis) -> None:
    from posture.knowledge import registry
    from posture.render.html import render_analysis_html

    text = " ".join(render_terminal(analysis, width=100).split())
    html = " ".join(render_analysis_html(analysis).replace("&#39;", "'").split())
    for measurement_id in ("head_forward_offset", "plumb_line"):
        note = registry.definition(measurement_id).for_reference
        assert note is not None
        assert f"{measurement_id}, for reference: {note}." in text  # the terminal table names rows by id
        assert f"{registry.definition(measurement_id).name}, for reference: {note}." in html  # the page by name
    assert "foot_hip_offset, for reference" not in text  # a judged measure has its typical range instead

"""Tests for posture.analyzer.Analyzer: regression tests on committed renders of people in known postures
(tests/data/synthetic).

Each render has its ground truth beside it (bench/synthetic/GROUND_TRUTH.md).
Posture is held to the change from the same body's neutral render, with
tolerances taken from the accuracy benchmark (bench/ACCURACY.md, column
"change P95": 95% of the 448 benchmark renders fall within them):
calibrated head angle 8°, ear-ahead offset 1.5 cm, trunk lean 3°, foot-hip
offset 3.2 cm, knee angle 2.8°, shoulder height difference 2.4 cm.
Two bodies: woman_average (in the calibration set) and man_tall_lean (held out).
No renderer or torch is needed: the images are committed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from builders import SAMPLES, SYNTHETIC

from posture.analysis import Analysis
from posture.analyzer import Analyzer


def truth(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SYNTHETIC / f"{name}.json").read_text())
    return loaded


@pytest.fixture(scope="module")
def analysed(analyzer: Analyzer) -> dict[str, Analysis]:
    """Every committed render, analysed once with the person's true height."""
    return {
        path.stem: analyzer.analyze(path, height_cm=truth(path.stem)["person"]["height_cm"]).raise_for_refusal()
        for path in sorted(SYNTHETIC.glob("*.png"))
    }


def value(analysis: Analysis, measurement_id: str) -> float:
    return next(m.value for m in analysis.measurements if m.id == measurement_id)


def true_value(name: str, key: str) -> float:
    record = truth(name)
    measures = record["measures"]
    near_key = key.replace("_deg", f"_{record['near_side']}_deg").replace("_cm", f"_{record['near_side']}_cm")
    return float(measures.get(near_key, measures[key]))


def test_the_regression_set_is_small_and_complete() -> None:
    images = sorted(SYNTHETIC.glob("*.png"))
    assert len(images) == 13
    assert all((SYNTHETIC / f"{image.stem}.json").is_file() for image in images)
    assert sum(p.stat().st_size for p in SYNTHETIC.iterdir()) < 5_000_000


def test_every_render_gets_its_true_view(analysed: dict[str, Analysis]) -> None:
    for name, analysis in analysed.items():
        record = truth(name)
        expected = f"side-{record['facing']}" if record["view"] == "side" else record["view"]
        assert analysis.view == expected, name
        if record["view"] == "side":
            assert analysis.verdict.near_side == record["near_side"], name


CHANGES = [
    # render, its neutral, posture's measurement, ground-truth key, tolerance
    ("woman_average_side-left_feet-behind+10", "woman_average_side-left_neutral",
     "foot_hip_offset", "hip_ahead_of_ankle_cm", 3.2),
    ("man_tall_lean_side-right_feet-behind+10", "man_tall_lean_side-right_neutral",
     "foot_hip_offset", "hip_ahead_of_ankle_cm", 3.2),
    ("woman_average_side-left_neck-flexion+30", "woman_average_side-left_neutral",
     "head_forward_angle", "craniovertebral_angle_deg", 8.0),
    ("man_tall_lean_side-right_neck-flexion+30", "man_tall_lean_side-right_neutral",
     "head_forward_angle", "craniovertebral_angle_deg", 8.0),
    ("man_tall_lean_side-right_head-protraction+6", "man_tall_lean_side-right_neutral",
     "head_forward_offset", "ear_ahead_of_shoulder_cm", 1.5),
    ("man_tall_lean_side-right_head-protraction+6", "man_tall_lean_side-right_neutral",
     "head_forward_angle", "craniovertebral_angle_deg", 8.0),
    ("woman_average_side-left_trunk-lean+10", "woman_average_side-left_neutral",
     "trunk_lean", "trunk_lean_deg", 3.0),
    ("woman_average_side-right_knee-hyperextension+10", "woman_average_side-right_neutral",
     "knee_angle", "knee_angle_deg", 2.8),
    ("woman_average_front_pelvic-drop+0_shoulder-drop+5", "woman_average_front_pelvic-drop+0_shoulder-drop+0",
     "shoulder_height_difference", "shoulder_height_difference_cm", 2.4),
]


@pytest.mark.parametrize(("render", "neutral", "measurement", "key", "tolerance"), CHANGES,
                         ids=[f"{c[0]}:{c[2]}" for c in CHANGES])
def test_a_known_change_reads_as_that_change(
    analysed: dict[str, Analysis], render: str, neutral: str, measurement: str, key: str, tolerance: float
) -> None:
    measured_change = value(analysed[render], measurement) - value(analysed[neutral], measurement)
    true_change = true_value(render, key) - true_value(neutral, key)
    assert abs(true_change) > tolerance  # a change the test can tell from no change
    assert measured_change == pytest.approx(true_change, abs=tolerance)
    assert (measured_change > 0) == (true_change > 0)


@pytest.mark.parametrize("name", ["woman_average_side-left_neutral", "man_tall_lean_side-right_neutral"])
def test_neutral_head_angle_estimates_the_true_craniovertebral_angle(analysed: dict[str, Analysis],
                                                                     name: str) -> None:
    measured = value(analysed[name], "head_forward_angle")
    assert measured == pytest.approx(true_value(name, "craniovertebral_angle_deg"), abs=8.0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("woman_average_side-left_neutral", {"balanced_alignment"}),
        ("woman_average_side-left_neck-flexion+30", {"forward_head"}),
        ("man_tall_lean_side-right_neck-flexion+30", {"forward_head"}),
        ("woman_average_side-left_feet-behind+10", {"feet_behind_hips"}),
        ("woman_average_side-left_trunk-lean+10", {"trunk_leaning_forward"}),
        ("woman_average_side-right_knee-hyperextension+10", {"knee_hyperextension"}),
    ],
)
def test_findings_name_the_rendered_pattern(analysed: dict[str, Analysis], name: str, expected: set[str]) -> None:
    assert expected <= {finding.id for finding in analysed[name].findings}




@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("side-right_feet-behind-10cm.png", {"feet_behind_hips"}),
        ("side-left_neutral.png", {"balanced_alignment"}),
        ("side-left_neck-flexion-20deg.png", {"forward_head"}),
    ],
)
def test_each_side_sample_shows_exactly_what_its_ground_truth_sets(
    analyzer: Analyzer, sample: str, expected: set[str]
) -> None:
    """The README's samples: findings that their ground truth contradicts would teach users the wrong thing."""
    path = SAMPLES / sample
    record = json.loads(path.with_suffix(".truth.json").read_text())
    analysis = analyzer.analyze(path, height_cm=record["person"]["height_cm"]).raise_for_refusal()
    assert {finding.id for finding in analysis.findings} == expected


def test_pelvic_tilt_follows_a_change_of_the_pelvis(analysed: dict[str, Analysis]) -> None:
    """Held-out body, pelvis tilted 10° forward: the outline estimate moves by that much (change P95 3.6°)."""
    neutral, tilted = "man_tall_lean_side-right_neutral", "man_tall_lean_side-right_pelvic-tilt+10"
    measured = value(analysed[tilted], "pelvic_tilt") - value(analysed[neutral], "pelvic_tilt")
    truth = true_value(tilted, "pelvic_tilt_deg") - true_value(neutral, "pelvic_tilt_deg")
    assert truth == pytest.approx(10.0, abs=0.5)
    assert measured == pytest.approx(truth, abs=4.0)


def test_an_unknown_marker_colour_is_a_value_error_naming_the_colours(analyzer: Analyzer) -> None:
    with pytest.raises(ValueError, match="'red' is not a marker colour .*green, blue, magenta"):
        analyzer.analyze(SAMPLES / "side-left_neutral.png", markers="red")


def test_a_closed_analyzer_says_so(pose_model: Path) -> None:
    with Analyzer(pose_model) as closing:
        pass
    with pytest.raises(ValueError, match="this Analyzer is closed") as raised:
        closing.analyze(SAMPLES / "side-left_neutral.png")
    assert "PoseDetector" not in str(raised.value)

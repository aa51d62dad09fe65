"""``pipeline.remeasure``: landmarks placed by hand give new values for the measurements that use them only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posture.core.pose import Landmark
from posture.pipeline import CORRECTED, remeasure

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="module")
def side(analyzer):
    return analyzer.analyze(SAMPLES / "side-left_neutral.png")


def test_moving_the_ear_forward_lowers_the_head_angle_and_leaves_the_trunk_alone(side):
    ear = side.pose.xy[Landmark.LEFT_EAR]
    # The person faces left: forward is toward smaller x.
    corrected = remeasure(side, {"left_ear": (ear[0] - 40, ear[1])}, when="2026-03-01 10:00 UTC")
    before, after = side.measurement("head_forward_angle"), corrected.measurement("head_forward_angle")
    assert after.value < before.value - 5
    assert after.method.startswith(f"{CORRECTED} on 2026-03-01 10:00 UTC: ") and after.uncertainty is None
    assert corrected.measurement("trunk_lean") == side.measurement("trunk_lean")
    assert "left ear placed by hand" in corrected.warnings[-1] and "head forward angle" in corrected.warnings[-1]
    assert np.array_equal(corrected.pose.xy[Landmark.LEFT_EAR], [ear[0] - 40, ear[1]])


def test_the_analysis_corrected_is_left_as_it_was(side):
    ear = side.pose.xy[Landmark.LEFT_EAR].copy()
    value = side.measurement("head_forward_angle").value
    remeasure(side, {"left_ear": (0.0, 0.0)}, when="now")
    assert np.array_equal(side.pose.xy[Landmark.LEFT_EAR], ear)
    assert side.measurement("head_forward_angle").value == value


def test_a_landmark_no_measurement_uses_changes_no_number(side):
    corrected = remeasure(side, {"right_pinky": (1.0, 1.0)}, when="now")
    assert [m.value for m in corrected.measurements] == [m.value for m in side.measurements]
    assert "every number is as measured" in corrected.warnings[-1]


def test_an_unknown_landmark_or_a_refused_photo_cannot_be_corrected(side, analyzer):
    with pytest.raises(ValueError, match="not landmarks: tail"):
        remeasure(side, {"tail": (1.0, 1.0)}, when="now")
    refused = analyzer.analyze(np.zeros((400, 300, 3), np.uint8))
    with pytest.raises(ValueError, match="only an analysed photo"):
        remeasure(refused, {"left_ear": (1.0, 1.0)}, when="now")

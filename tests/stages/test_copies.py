"""Tests for posture.stages.copies: the averaging of a photo's readings and their half-width, on readings with known
answers.

The whole pipeline (real photos through the Analyzer) is in test_metamorphic.py;
coverage of re-taken photos is a benchmark (bench/coverage.py), not a test.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import side_pose

from posture.analysis import Analysis, ModelIdentity
from posture.core.image import ImageOrigin, LoadedImage
from posture.core.measurement import Measurement
from posture.core.pose import Pose
from posture.core.units import CM, DEG
from posture.knowledge.explanations import load_knowledge_base
from posture.knowledge.repeatability import T_975, Repeatability, half_width_of_mean, repeatability
from posture.pipeline import copy_readings, measure, provenance
from posture.stages.copies import averaged_measurement, signed
from posture.stages.findings import evaluate
from posture.stages.frame import PERCENT_HEIGHT
from posture.stages.gate import assess
from posture.stages.level import choose_levelling


def reading(value: float, **components: float) -> Measurement:
    return Measurement("hip_height_difference", value, PERCENT_HEIGHT, "outline", (),
                       components=tuple(components.items()))


UNWIDENED = Repeatability(prior_readings=0, factor={"hip_height_difference": 1.0}, typical_spread={})


def test_half_width_is_t_times_the_standard_error_of_the_mean_times_the_factor() -> None:
    # Readings 1, 2, 3: standard deviation 1, standard error 1/sqrt(3), two degrees of freedom.
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.0) == pytest.approx(T_975[2] / math.sqrt(3))
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.5) == pytest.approx(1.5 * T_975[2] / math.sqrt(3))
    assert half_width_of_mean([1.0, 2.0], 1.0) is None  # two readings say too little about their spread
    assert half_width_of_mean([2.0, 2.0, 2.0], 1.0) == 0.0


def test_a_typical_spread_is_pooled_with_the_readings_own() -> None:
    # Readings 1, 2, 3 (variance 1, two degrees of freedom) pooled with a typical spread of 2 counting for 6:
    # variance (6 * 4 + 2 * 1) / 8 = 3.25, t at 8 degrees of freedom.
    pooled = half_width_of_mean([1.0, 2.0, 3.0], 1.5, typical=2.0, prior_readings=6)
    assert pooled == pytest.approx(1.5 * T_975[8] * math.sqrt(3.25 / 3))
    # Identical readings still get the typical spread's share: no photo is measured without noise.
    assert half_width_of_mean([2.0, 2.0, 2.0], 1.0, typical=1.0, prior_readings=2) == pytest.approx(
        T_975[4] * math.sqrt(0.5 / 3))
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.0, typical=2.0, prior_readings=0) == pytest.approx(
        T_975[2] / math.sqrt(3))


def test_two_readings_give_an_interval_only_with_a_typical_spread_pooled_in() -> None:
    # The photo and one copy (the other refused): variance 0.5 with one degree of freedom, pooled with a
    # typical spread of 1 counting for 5: (5 * 1 + 1 * 0.5) / 6, t at 6 degrees of freedom, over two readings.
    assert half_width_of_mean([1.0, 2.0], 1.0, typical=1.0, prior_readings=5) == pytest.approx(
        T_975[6] * math.sqrt((5.5 / 6) / 2))
    assert half_width_of_mean([1.0, 2.0], 1.0, typical=1.0, prior_readings=0) is None
    assert half_width_of_mean([1.0], 1.0, typical=1.0, prior_readings=5) is None


def test_each_measurement_is_widened_by_its_own_factor() -> None:
    repeat = Repeatability(prior_readings=0, factor={"hip_height_difference": 2.0, "knee_angle": 0.5},
                           typical_spread={})
    values = [1.0, 2.0, 3.0]
    assert repeat.half_width(reading(1.0), values, None) == pytest.approx(2.0 * T_975[2] / math.sqrt(3))
    knee = Measurement("knee_angle", 3.0, DEG, "landmarks", ())
    assert repeat.half_width(knee, values, None) == pytest.approx(0.5 * T_975[2] / math.sqrt(3))
    # A measurement no factor was fitted for gets the widest fitted one; with none fitted at all, no interval.
    unfitted = Measurement("trunk_lean", 3.0, DEG, "landmarks", ())
    assert repeat.half_width(unfitted, values, None) == pytest.approx(2.0 * T_975[2] / math.sqrt(3))
    assert Repeatability(prior_readings=0, factor={}, typical_spread={}).half_width(unfitted, values, None) is None


def test_a_typical_spread_in_percent_of_height_is_turned_into_cm() -> None:
    repeat = Repeatability(prior_readings=5, factor={}, typical_spread={"hip_height_difference": 0.5,
                                                                        "knee_angle": 1.2})
    assert repeat.typical(reading(1.0), None) == 0.5
    in_cm = Measurement("hip_height_difference", 1.0, CM, "outline", ())
    assert repeat.typical(in_cm, 180.0) == pytest.approx(0.9)
    assert repeat.typical(Measurement("knee_angle", 3.0, DEG, "landmarks", ()), 180.0) == 1.2
    with pytest.raises(ValueError, match="height"):
        repeat.typical(in_cm, None)


def test_the_reported_value_and_components_are_the_readings_mean() -> None:
    photo = reading(1.0, pelvic_obliquity_deg=2.0, landmark_difference=0.5)
    readings = [photo, reading(2.0, pelvic_obliquity_deg=4.0, landmark_difference=1.0),
                reading(3.0, pelvic_obliquity_deg=6.0)]  # one copy lacks a component
    averaged = averaged_measurement(photo, readings, UNWIDENED, None)
    assert averaged.value == pytest.approx(2.0)
    assert averaged.uncertainty == pytest.approx(T_975[2] / math.sqrt(3))
    components = dict(averaged.components)
    assert components["pelvic_obliquity_deg"] == pytest.approx(4.0)
    assert components["landmark_difference"] == 0.5  # not read on every copy: the photo's own stays


def test_too_few_readings_leave_the_photos_own_measurement() -> None:
    photo = reading(1.0)
    assert averaged_measurement(photo, [photo, reading(5.0)], UNWIDENED, None) is photo


def test_a_mirrored_front_reading_turns_value_and_components_back_to_the_persons_sides() -> None:
    mirrored = signed(reading(-1.5, pelvic_obliquity_deg=-3.0), -1.0)
    assert mirrored.value == 1.5
    assert dict(mirrored.components) == {"pelvic_obliquity_deg": 3.0}


def test_the_shipped_repeatability_is_plausible() -> None:
    """Re-takes scatter about as much as the copies of one photo, some more, some less (bench/COVERAGE.md).

    Every fitted measurement has a typical spread, of a size landmarks jitter by: under 5° or 2% of body height.
    """
    from posture.knowledge.registry import DEFINITIONS

    shipped = repeatability()
    assert all(0.3 < factor < 4.0 for factor in shipped.factor.values())
    assert shipped.prior_readings >= 1
    # A measurement the fit has not seen yet gets the defaults (knowledge/test_repeatability.py), so this is no equality.
    assert set(shipped.factor) == set(shipped.typical_spread) <= {definition.id for definition in DEFINITIONS}
    assert all(0.0 < spread < 5.0 for spread in shipped.typical_spread.values())


# ------------------------------------------------------------------ copies of a photo taken with a rolled camera


class _RecordingDetector:
    """Stands in for the landmarker: finds the same person in every copy and keeps each copy's pixels."""

    def __init__(self, pose: Pose) -> None:
        self.pose = pose
        self.seen: list[np.ndarray] = []

    def detect(self, image: LoadedImage) -> tuple[Pose, ...]:
        self.seen.append(image.rgb.copy())
        return (self.pose,)


def _rolled_analysis(roll: float) -> tuple[Analysis, Pose]:
    rgb = np.full((1100, 1000, 3), 200, dtype=np.uint8)
    rgb[:, 100:110] = 30  # a door frame, upright in the world
    turned = cv2.warpAffine(rgb, cv2.getRotationMatrix2D((500.0, 550.0), -roll, 1.0), (1000, 1100),
                            borderValue=(200, 200, 200))  # as a camera rolled by ``roll`` sees it
    origin = ImageOrigin(sha256="cd" * 32, format="PNG", exif_orientation=1, capture_time=None, file_size=1)
    image = LoadedImage(path=Path("rolled.png"), width=1000, height=1100, rgb=turned, scale=1.0, warnings=(),
                        origin=origin)
    pose = side_pose(facing=1)
    verdict = assess((pose,), width=1000, height=1100)
    frame, measured = measure(verdict, 170.0, choose_levelling(user_roll=roll))
    measurements = measured.measurements
    knowledge = load_knowledge_base()
    analysis = Analysis(image=image, verdict=verdict, frame=frame, measurements=measurements,
                        findings=evaluate(measurements, view=verdict.view, scale=frame.scale, knowledge=knowledge),
                        knowledge=knowledge, warnings=(),
                        provenance=provenance(image, model=ModelIdentity("m.task", "ab" * 32, True),
                                              mediapipe_version="1.2.2", people_detected=1))
    return analysis, pose


def _door_lean(rgb: np.ndarray) -> float:
    """The dark door frame's lean in degrees from image-up, + when its top leans clockwise (right).

    Columns from 50 on: the black corners an upright copy gets are narrower than that.
    """
    dark = rgb[:, 50:300, 0] < 100
    rows = np.arange(300, 800)
    centres = np.array([np.flatnonzero(dark[row]).mean() for row in rows])
    return math.degrees(math.atan(-np.polyfit(rows, centres, 1)[0]))


@pytest.mark.parametrize("roll", [3.0, -2.0])
def test_the_copies_of_a_rolled_photo_are_made_from_it_turned_upright(roll: float) -> None:
    analysis, pose = _rolled_analysis(roll)
    assert _door_lean(analysis.image.rgb) == pytest.approx(roll, abs=0.1)
    detector = _RecordingDetector(pose)
    copy_readings(analysis.image, analysis.verdict, analysis.frame, analysis.measurements, (detector,))  # type: ignore[arg-type]
    mirrored, grey = detector.seen
    assert _door_lean(grey) == pytest.approx(0.0, abs=0.1)
    assert _door_lean(mirrored[:, ::-1]) == pytest.approx(0.0, abs=0.1)


def test_the_copies_of_a_level_photo_are_its_own_pixels() -> None:
    analysis, pose = _rolled_analysis(0.0)
    detector = _RecordingDetector(pose)
    copy_readings(analysis.image, analysis.verdict, analysis.frame, analysis.measurements, (detector,))  # type: ignore[arg-type]
    np.testing.assert_array_equal(detector.seen[0], analysis.image.rgb[:, ::-1])

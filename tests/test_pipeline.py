"""The one orchestrator, posture.pipeline: the stages in order, on constructed people (no model needed)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import (
    MASK_HEIGHT,
    MASK_WIDTH,
    back_outline,
    front_depth,
    front_outline,
    front_person,
    make_pose,
    side_mask,
    side_person,
    side_pose,
)

from posture.analysis import Analysis, ModelIdentity
from posture.core.image import ImageOrigin, LoadedImage
from posture.core.pose import Landmark, Pose
from posture.knowledge.explanations import load_knowledge_base
from posture.pipeline import analyze_image, copy_readings, measure, provenance
from posture.stages.findings import evaluate
from posture.stages.gate import TWO_PEOPLE, assess
from posture.stages.level import choose_levelling

MODEL = ModelIdentity("pose_landmarker_full.task", "ab" * 32, True)


class _OnePersonDetector:
    """Finds the same constructed person in every picture it is shown."""

    def __init__(self, pose: Pose) -> None:
        self.pose = pose

    def detect(self, image: LoadedImage) -> tuple[Pose, ...]:
        return (self.pose,)

    def people_beside(self, image: LoadedImage, subject: Pose) -> tuple[Pose, ...]:
        return ()


def _image() -> LoadedImage:
    origin = ImageOrigin(sha256="ef" * 32, format="PNG", exif_orientation=1, capture_time=None, file_size=1)
    return LoadedImage(path=Path("side.png"), width=MASK_WIDTH, height=MASK_HEIGHT,
                       rgb=np.full((MASK_HEIGHT, MASK_WIDTH, 3), 200, dtype=np.uint8), scale=1.0, warnings=(),
                       origin=origin)


def _loose_top_pose() -> Pose:
    """A person facing right whose top hangs plumb from the chest over the belly: the outline is the cloth's."""
    xy = side_person(facing=1, near_side="right")
    hanging_back = lambda t: max(back_outline(t), 0.22)  # noqa: E731
    hanging_front = lambda t: 0.30 if 0.0 <= t < 0.25 else front_outline(t)  # noqa: E731
    mask = side_mask(xy, 1, hanging_back, hanging_front)
    mask[: round(xy[:, 1].min()) - 40] = 0.0  # clear of the photo's top edge above the head
    return side_pose(facing=1, near_side="right", mask=mask)


@pytest.mark.parametrize("roll", [None, 2.0], ids=["level", "levelled"])
def test_the_loose_clothing_note_reaches_the_report_on_a_levelled_photo_too(roll: float | None) -> None:
    analysis = analyze_image(_image(), _OnePersonDetector(_loose_top_pose()), model=MODEL,  # type: ignore[arg-type]
                             mediapipe_version="1.2.2", knowledge=load_knowledge_base(), roll=roll, level=True)
    assert analysis.ok, analysis.problem
    assert analysis.frame is not None and analysis.frame.levelling.applied == (roll is not None)
    assert not {"pelvic_tilt", "belly_prominence"} & {m.id for m in analysis.measurements}
    cloth = [w for w in analysis.withheld if w.kind == "clothing"]
    assert [w.id for w in cloth] == ["pelvic_tilt", "belly_prominence"]
    assert all(w.reason.startswith("Probably loose clothing") for w in cloth)
    assert not any("loose clothing" in w for w in analysis.warnings)


# ------------------------------------------------------------------ copies of a photo taken with a rolled camera


class _RecordingDetector:
    """Stands in for the landmarker: finds the same person in every copy and keeps each copy's pixels."""

    def __init__(self, pose: Pose) -> None:
        self.pose = pose
        self.seen: list[np.ndarray] = []

    def detect(self, image: LoadedImage) -> tuple[Pose, ...]:
        self.seen.append(image.rgb.copy())
        return (self.pose,)

    def people_beside(self, image: LoadedImage, subject: Pose) -> tuple[Pose, ...]:
        return ()  # the photo's own squares are not copies


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


class _PixelMindedDetector(_RecordingDetector):
    """Finds the ears further forward the brighter the picture's left edge: a copy made from the photo turned
    upright (black corners) reads otherwise than one made from the photo as taken."""

    def detect(self, image: LoadedImage) -> tuple[Pose, ...]:
        super().detect(image)
        xy = self.pose.xy.copy()
        xy[[Landmark.LEFT_EAR, Landmark.RIGHT_EAR], 0] += float(image.rgb[:, :40].mean()) / 10.0
        return (dataclasses.replace(self.pose, xy=xy),)


@pytest.mark.parametrize("roll", [None, 2.0], ids=["levelled-by-lines", "users-roll"])
def test_copies_read_beside_the_photo_give_what_one_landmarker_gives(roll: float | None) -> None:
    """With lines to level it, the copies begun from the photo as taken are read again from it turned upright;
    with the user's roll they are made upright from the start. Either way, as one landmarker reads them."""
    rgb = np.full((1100, 1000, 3), 200, dtype=np.uint8)
    for left in (100, 180, 820, 900):  # door frames and wall corners on both sides, upright in the world
        rgb[:, left:left + 10] = 30
    turned = cv2.warpAffine(rgb, cv2.getRotationMatrix2D((500.0, 550.0), -2.0, 1.0), (1000, 1100),
                            borderValue=(200, 200, 200))
    origin = ImageOrigin(sha256="ef" * 32, format="PNG", exif_orientation=1, capture_time=None, file_size=1)
    image = LoadedImage(path=Path("rolled.png"), width=1000, height=1100, rgb=turned, scale=1.0, warnings=(),
                        origin=origin)
    pose = side_pose(facing=1)
    settings = {"model": MODEL, "mediapipe_version": "1.2.2", "knowledge": load_knowledge_base(), "roll": roll,
                "height_cm": 170.0, "uncertainty": True}
    alone = analyze_image(image, _PixelMindedDetector(pose), **settings)  # type: ignore[arg-type]
    helper = _PixelMindedDetector(pose)
    together = analyze_image(image, _PixelMindedDetector(pose), copy_detectors=(helper,),  # type: ignore[arg-type]
                             **settings)
    assert alone.frame is not None and alone.frame.levelling.source == ("lines" if roll is None else "user")
    assert together.measurements == alone.measurements
    assert all(m.uncertainty is not None for m in together.measurements)
    assert helper.seen, "the second landmarker read no copy"


# ------------------------------------------------------------------ the review of the pose


def _front_analysis(xy: np.ndarray) -> Analysis:
    pose = make_pose(xy, z=front_depth())
    return analyze_image(_image(), _OnePersonDetector(pose), model=MODEL,  # type: ignore[arg-type]
                         mediapipe_version="1.2.2", knowledge=load_knowledge_base(), level=False)


class _CrowdedDetector(_OnePersonDetector):
    """Finds someone of the subject's size only when it looks again beside the subject."""

    def people_beside(self, image: LoadedImage, subject: Pose) -> tuple[Pose, ...]:
        return (subject,)


@pytest.mark.parametrize("uncertainty", [False, True], ids=["fast", "default"])
def test_only_the_default_reading_looks_again_for_a_second_person(uncertainty: bool) -> None:
    detector = _CrowdedDetector(make_pose(front_person(), z=front_depth()))
    analysis = analyze_image(_image(), detector, model=MODEL,  # type: ignore[arg-type]
                             mediapipe_version="1.2.2", knowledge=load_knowledge_base(), level=False,
                             uncertainty=uncertainty)
    if uncertainty:
        assert analysis.status == "refused" and analysis.problem == TWO_PEOPLE
    else:
        assert analysis.ok, analysis.problem


def test_a_pose_the_review_refuses_gives_a_refused_analysis() -> None:
    xy = front_person()
    for side in ("LEFT", "RIGHT"):
        for name in ("WRIST", "INDEX", "PINKY", "THUMB"):
            xy[Landmark[f"{side}_{name}"], 1] = 150.0  # both hands above the head
    analysis = _front_analysis(xy)
    assert analysis.status == "refused" and analysis.problem_kind == "view"
    assert analysis.problem is not None and analysis.problem.startswith("Both hands are raised")
    assert analysis.measurements == () and analysis.frame is None


def test_what_the_review_withholds_is_not_measured_and_is_reported_once() -> None:
    xy = front_person()
    # The feet together under the body, the left crossed over to the right of the right.
    for name in ("ANKLE", "HEEL", "FOOT_INDEX"):
        xy[Landmark[f"RIGHT_{name}"], 0] = 495.0
        xy[Landmark[f"LEFT_{name}"], 0] = 480.0
    analysis = _front_analysis(xy)
    assert analysis.ok
    withheld = [w.id for w in analysis.withheld]
    assert {"apparent_leg_length_difference", "lateral_trunk_shift"} <= set(withheld)
    assert len(withheld) == len(set(withheld))
    assert not set(withheld) & {m.id for m in analysis.measurements}
    assert "shoulder_height_difference" in {m.id for m in analysis.measurements}
    assert all(w.reason.startswith("The legs are crossed") for w in analysis.withheld if w.kind == "pose")

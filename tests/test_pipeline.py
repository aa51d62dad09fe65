"""The one orchestrator, posture.pipeline: the stages in order, on constructed people (no model needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from builders import MASK_HEIGHT, MASK_WIDTH, back_outline, front_outline, side_mask, side_person, side_pose

from posture.analysis import ModelIdentity
from posture.core.image import ImageOrigin, LoadedImage
from posture.core.pose import Pose
from posture.knowledge.explanations import load_knowledge_base
from posture.pipeline import analyze_image

MODEL = ModelIdentity("pose_landmarker_full.task", "ab" * 32, True)


class _OnePersonDetector:
    """Finds the same constructed person in every picture it is shown."""

    def __init__(self, pose: Pose) -> None:
        self.pose = pose

    def detect(self, image: LoadedImage) -> tuple[Pose, ...]:
        return (self.pose,)


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
    notes = [w for w in analysis.warnings if w.startswith("Probably loose clothing")]
    assert len(notes) == 1 and "pelvic_tilt and belly_prominence" in notes[0]

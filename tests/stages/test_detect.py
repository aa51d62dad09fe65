"""MediaPipe's landmark lists as a Pose: pixels, depth, visibility and presence (no model needed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from posture.core.pose import NUM_LANDMARKS, Pose
from posture.stages.detect import pose_from_mediapipe


@dataclass
class _Point:
    x: float
    y: float
    z: float
    visibility: float | None = None
    presence: float | None = None


def _landmarks(presence: float | None) -> list[_Point]:
    return [_Point(0.5, i / NUM_LANDMARKS, 0.01, visibility=0.9, presence=presence) for i in range(NUM_LANDMARKS)]


def test_presence_is_kept_when_the_model_gives_it() -> None:
    pose = pose_from_mediapipe(_landmarks(0.8), _landmarks(None), None, width=200, height=100, mask_scale=1.0)
    assert pose.presence is not None and pose.presence == pytest.approx(np.full(NUM_LANDMARKS, 0.8))
    assert pose.visibility == pytest.approx(np.full(NUM_LANDMARKS, 0.9))
    assert pose.xy[0] == pytest.approx((100.0, 0.0))
    with pytest.raises(ValueError):
        pose.presence[0] = 0.1  # read-only, as every array of a Pose


def test_presence_is_none_when_the_model_gives_none() -> None:
    pose = pose_from_mediapipe(_landmarks(None), _landmarks(None), None, width=200, height=100, mask_scale=1.0)
    assert pose.presence is None


def test_a_presence_of_the_wrong_shape_is_refused() -> None:
    zeros = np.zeros((NUM_LANDMARKS, 2))
    with pytest.raises(ValueError, match="presence"):
        Pose(xy=zeros, z=np.zeros(NUM_LANDMARKS), visibility=np.ones(NUM_LANDMARKS),
             world=np.zeros((NUM_LANDMARKS, 3)), mask=None, mask_scale=1.0, presence=np.ones(3))


def test_a_video_mode_landmarker_follows_the_person_at_the_times_given(pose_model: object) -> None:
    from pathlib import Path

    from builders import SAMPLES

    from posture.io.loading import load_image
    from posture.stages.detect import PoseDetector

    image = load_image(SAMPLES / "side-left_neutral.png")
    assert isinstance(pose_model, Path)
    with PoseDetector(pose_model, video=True) as tracker, PoseDetector(pose_model) as still:
        followed = [tracker.detect(image, timestamp_ms) for timestamp_ms in (0, 40, 80)]
        found = still.detect(image)
        with pytest.raises(ValueError, match="needs each frame's time"):
            tracker.detect(image)
        with pytest.raises(ValueError, match="needs each frame's time"):
            still.detect(image, 0)
    assert all(len(poses) == 1 for poses in followed)
    assert np.abs(followed[-1][0].xy - found[0].xy).max() < 15

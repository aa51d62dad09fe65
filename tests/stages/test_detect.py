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

"""MediaPipe's landmark lists as a Pose: pixels, depth, visibility and presence (no model needed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from posture.core.pose import NUM_LANDMARKS, Pose
from posture.stages.detect import MOSTLY_SUBJECT, pose_from_mediapipe, search_windows


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


# ------------------------------------------------------------------ the closer search beside the subject


@pytest.mark.parametrize(("width", "height", "side"), [(1000, 600, 300), (1280, 720, 425), (900, 300, 300)])
def test_the_search_windows_cover_everything_beside_the_subject_and_little_of_it(
        width: int, height: int, side: int) -> None:
    box = (0.4 * width, 0.1 * height, 0.6 * width, 0.95 * height)
    corners = search_windows(box, width, height, side)
    seen = np.zeros((height, width), dtype=bool)
    subject = np.zeros((height, width), dtype=bool)
    subject[int(box[1]):int(box[3]), int(box[0]):int(box[2])] = True
    for x, y in corners:
        assert 0 <= x <= width - side and 0 <= y <= height - side
        assert subject[y:y + side, x:x + side].mean() < MOSTLY_SUBJECT
        seen[y:y + side, x:x + side] = True
    # Every pixel beside the subject, outside a strip half a window wide along the box, is searched.
    margin = side // 2
    beside = np.ones((height, width), dtype=bool)
    beside[:, max(0, int(box[0]) - margin):int(box[2]) + margin] = False
    assert seen[beside].all()


def test_a_subject_filling_the_picture_leaves_no_window() -> None:
    assert search_windows((0.0, 0.0, 400.0, 400.0), 400, 400, 400) == []
    assert search_windows((0.0, 0.0, 150.0, 400.0), 400, 400, 400) == [(0, 0)]


def test_the_closer_search_finds_a_person_the_whole_photo_search_missed(pose_model: object, tmp_path: object) -> None:
    from pathlib import Path

    import cv2
    from builders import SAMPLES

    from posture.io.loading import load_image
    from posture.stages.detect import PoseDetector

    # A profile beside a front view at 0.9 of its size, on a canvas twice as wide as either: the landmarker,
    # seeing the whole canvas, finds only the front view.
    profile = cv2.imread(str(SAMPLES / "side-left_neutral.png"))
    front = cv2.resize(cv2.imread(str(SAMPLES / "front_neutral.png")), None, fx=0.9, fy=0.9)
    rows, columns = profile.shape[:2]
    canvas = np.full((rows, 2 * columns, 3), profile[5, 5], dtype=np.uint8)
    canvas[:, columns:] = profile
    canvas[rows - front.shape[0]:, :front.shape[1]] = front
    assert isinstance(tmp_path, Path) and isinstance(pose_model, Path)
    cv2.imwrite(str(tmp_path / "two.png"), canvas)
    pair, alone = load_image(tmp_path / "two.png"), load_image(SAMPLES / "front_neutral.png")
    with PoseDetector(pose_model) as detector:
        found = detector.detect(pair)
        beside = detector.people_beside(pair, found[0])
        nobody = detector.people_beside(alone, detector.detect(alone)[0])
        with PoseDetector(pose_model, video=True) as tracker, pytest.raises(ValueError, match="video-mode"):
            tracker.people_beside(pair, found[0])
    assert len(found) == 1
    assert beside and beside[0].height_px >= 0.6 * found[0].height_px
    assert nobody == ()

"""Pose landmarks: MediaPipe's 33 BlazePose points as numpy arrays.

This is the only module that imports mediapipe, and it does so inside
:class:`PoseDetector`, so ``posture --help`` and the geometry tests stay fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from types import TracebackType

import numpy as np

from posture.errors import ModelError
from posture.loading import LoadedImage

MASK_THRESHOLD = 0.5
"""Mask values above this are the person."""
MAX_POSES = 2
"""Two, so that a second person in the photo is noticed rather than silently ignored."""


class Landmark(IntEnum):
    """BlazePose landmark indices, named as MediaPipe names them."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = len(Landmark)
_HEAD = [Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR]

SKELETON: tuple[tuple[Landmark, Landmark], ...] = tuple(
    (Landmark[a], Landmark[b])
    for a, b in (
        ("LEFT_EAR", "LEFT_EYE"), ("RIGHT_EAR", "RIGHT_EYE"),
        ("LEFT_EYE", "NOSE"), ("RIGHT_EYE", "NOSE"),
        ("LEFT_SHOULDER", "RIGHT_SHOULDER"), ("LEFT_HIP", "RIGHT_HIP"),
        ("LEFT_SHOULDER", "LEFT_HIP"), ("RIGHT_SHOULDER", "RIGHT_HIP"),
        ("LEFT_SHOULDER", "LEFT_ELBOW"), ("LEFT_ELBOW", "LEFT_WRIST"),
        ("RIGHT_SHOULDER", "RIGHT_ELBOW"), ("RIGHT_ELBOW", "RIGHT_WRIST"),
        ("LEFT_HIP", "LEFT_KNEE"), ("LEFT_KNEE", "LEFT_ANKLE"),
        ("RIGHT_HIP", "RIGHT_KNEE"), ("RIGHT_KNEE", "RIGHT_ANKLE"),
        ("LEFT_ANKLE", "LEFT_HEEL"), ("LEFT_HEEL", "LEFT_FOOT_INDEX"),
        ("LEFT_ANKLE", "LEFT_FOOT_INDEX"),
        ("RIGHT_ANKLE", "RIGHT_HEEL"), ("RIGHT_HEEL", "RIGHT_FOOT_INDEX"),
        ("RIGHT_ANKLE", "RIGHT_FOOT_INDEX"),
    )
)


def side_landmark(side: str, name: str) -> Landmark:
    """The landmark ``name`` (e.g. ``"EAR"``) on ``side`` (``"left"`` or ``"right"``)."""
    return Landmark[f"{side.upper()}_{name}"]


@dataclass(frozen=True, slots=True)
class Pose:
    """One detected person.

    Attributes:
        xy: shape (33, 2), landmark positions in pixels of the original
            (EXIF-oriented) photo; x right, y down. Landmarks MediaPipe
            extrapolates beyond the frame lie outside ``[0, width) x [0, height)``.
        z: shape (33,), MediaPipe's relative depth in the same pixel scale as x;
            smaller is nearer the camera.
        visibility: shape (33,), MediaPipe's visibility score in [0, 1].
        world: shape (33, 3), metric coordinates (metres) centred between the hips.
        mask: shape (h, w), person probability in [0, 1] at working resolution,
            or ``None`` when the model gave none.
        mask_scale: mask pixels per original pixel.
    """

    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    mask: np.ndarray | None
    mask_scale: float

    def __post_init__(self) -> None:
        expected = {"xy": (NUM_LANDMARKS, 2), "z": (NUM_LANDMARKS,),
                    "visibility": (NUM_LANDMARKS,), "world": (NUM_LANDMARKS, 3)}
        for field, shape in expected.items():
            array = getattr(self, field)
            if array.shape != shape:
                raise ValueError(f"Pose.{field} must have shape {shape}, got {array.shape!r}")
            array.setflags(write=False)
        if self.mask is not None:
            self.mask.setflags(write=False)

    @property
    def height_px(self) -> float:
        """Vertical extent of the landmarks in pixels: a size for ranking people."""
        return float(np.ptp(self.xy[:, 1]))


def pose_from_mediapipe(
    normalized: object, world: object, mask: np.ndarray | None, *, width: int, height: int, mask_scale: float
) -> Pose:
    """Convert one person's MediaPipe landmark lists (read by duck typing) to a :class:`Pose`."""
    points = np.array(
        [(lm.x, lm.y, lm.z, lm.visibility or 0.0) for lm in normalized],  # type: ignore[attr-defined]
        dtype=np.float64,
    )
    world_points = np.array([(lm.x, lm.y, lm.z) for lm in world], dtype=np.float64)  # type: ignore[attr-defined]
    return Pose(
        xy=points[:, :2] * (width, height),
        z=points[:, 2] * width,
        visibility=points[:, 3],
        world=world_points,
        mask=mask,
        mask_scale=mask_scale,
    )


def head_top_from_mask(pose: Pose) -> float | None:
    """Top of the head in original pixels from the segmentation mask, or None.

    Only the columns around the head landmarks are searched, and only up to
    one eye-to-shoulder distance above the eyes, so a raised hand or the
    background cannot be taken for the crown.
    """
    if pose.mask is None:
        return None
    head = pose.xy[_HEAD]
    eye_y = float(np.mean(pose.xy[[Landmark.LEFT_EYE, Landmark.RIGHT_EYE], 1]))
    shoulder_y = float(np.mean(pose.xy[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER], 1]))
    reach = max(shoulder_y - eye_y, 1.0)
    margin = max(float(np.ptp(head[:, 0])), 0.3 * reach) / 2
    s = pose.mask_scale
    rows, cols = pose.mask.shape
    x0 = int(max(0, (float(np.min(head[:, 0])) - margin) * s))
    x1 = int(min(cols, (float(np.max(head[:, 0])) + margin) * s + 1))
    y0 = int(max(0, (eye_y - reach) * s))
    y1 = int(min(rows, eye_y * s + 1))
    if x1 <= x0 or y1 <= y0:
        return None
    inside = np.flatnonzero((pose.mask[y0:y1, x0:x1] > MASK_THRESHOLD).any(axis=1))
    if inside.size == 0:
        return None
    return (y0 + int(inside[0])) / s


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(error).__name__


@contextlib.contextmanager
def _unraisable_ignored() -> Iterator[None]:
    """Drop errors raised in ``__del__`` methods while inside (Python would print them on stderr)."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    finally:
        sys.unraisablehook = previous


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Hide what MediaPipe's C++ and TFLite code print straight to file descriptor 2.

    Those lines (delegate notices, feedback-tensor warnings) mean nothing to a
    user and would bury posture's own one-sentence messages. With
    ``POSTURE_DEBUG`` set they are shown.
    """
    if os.environ.get("POSTURE_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class PoseDetector:
    """MediaPipe ``PoseLandmarker`` in image mode; use as a context manager.

    Building the landmarker costs about 0.1 s, so a batch builds one per worker
    and reuses it for every photo.
    """

    def __init__(self, model_path: Path) -> None:
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions

        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            num_poses=MAX_POSES,
            output_segmentation_masks=True,
        )
        self._model_path = model_path
        try:
            with native_stderr_silenced():
                self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:
            raise ModelError(
                f"The pose model {str(model_path)!r} could not be loaded ({_first_line(error)})."
            ) from None

    def __enter__(self) -> PoseDetector:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the landmarker (again: a no-op)."""
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is None:
            return
        # The runtime reports releasing its accelerators on stderr; that means nothing to a user. A graph
        # that already failed (a broken model, reported by detect) fails again on close and once more in
        # the landmarker's __del__: those echoes are dropped here, where the object goes away.
        with native_stderr_silenced(), _unraisable_ignored():
            try:
                landmarker.close()
            except RuntimeError:
                pass
            del landmarker

    def detect(self, image: LoadedImage) -> tuple[Pose, ...]:
        """Find up to :data:`MAX_POSES` people, largest first.

        Raises:
            ModelError: the model cannot run (e.g. a bundle whose networks are swapped).
            ValueError: the detector was closed.
        """
        import mediapipe as mp

        if self._landmarker is None:
            raise ValueError("this PoseDetector is closed")

        frame = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image.rgb))
        try:
            with native_stderr_silenced():
                result = self._landmarker.detect(frame)
        except (RuntimeError, ValueError):
            # The graph was built, so the photo is not at fault: a bundle whose networks do not fit
            # the pose landmarker's graph (e.g. swapped) fails only here. MediaPipe's own message names
            # graph nodes; POSTURE_DEBUG shows it.
            if os.environ.get("POSTURE_DEBUG"):
                raise
            raise ModelError(f"The pose model {str(self._model_path)!r} loads but does not run as a pose "
                             "landmarker; use an official pose_landmarker .task bundle (lite, full or heavy).") from None
        masks = result.segmentation_masks or [None] * len(result.pose_landmarks)
        poses = [
            pose_from_mediapipe(
                normalized,
                world,
                None if mask is None else np.array(mask.numpy_view(), dtype=np.float32).squeeze(),
                width=image.width,
                height=image.height,
                mask_scale=image.scale,
            )
            for normalized, world, mask in zip(result.pose_landmarks, result.pose_world_landmarks, masks)
        ]
        return tuple(sorted(poses, key=lambda pose: pose.height_px, reverse=True))

"""One person's 33 MediaPipe landmarks and segmentation mask, and the landmark names the measurements use."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

MASK_THRESHOLD = 0.5
"""Mask values above this are the person."""


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


def midpoint(xy: np.ndarray, part: str) -> np.ndarray:
    """The point halfway between the left and the right landmark of ``part`` (``"HIP"``, ``"SHOULDER"``, ...)."""
    return (xy[side_landmark("left", part)] + xy[side_landmark("right", part)]) / 2.0


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
        presence: shape (33,), MediaPipe's presence score in [0, 1] (how likely the landmark lies in the
            photo at all, where visibility says how likely it is seen rather than hidden), or ``None`` when
            the model gave none.
    """

    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    mask: np.ndarray | None
    mask_scale: float
    presence: np.ndarray | None = None

    def __post_init__(self) -> None:
        expected = {"xy": (NUM_LANDMARKS, 2), "z": (NUM_LANDMARKS,),
                    "visibility": (NUM_LANDMARKS,), "world": (NUM_LANDMARKS, 3)}
        for field, shape in expected.items():
            array = getattr(self, field)
            if array.shape != shape:
                raise ValueError(f"Pose.{field} must have shape {shape}, got {array.shape!r}")
            array.setflags(write=False)
        if self.presence is not None:
            if self.presence.shape != (NUM_LANDMARKS,):
                raise ValueError(f"Pose.presence must have shape {(NUM_LANDMARKS,)}, got {self.presence.shape!r}")
            self.presence.setflags(write=False)
        if self.mask is not None:
            self.mask.setflags(write=False)

    @property
    def height_px(self) -> float:
        """Vertical extent of the landmarks in pixels: a size for ranking people."""
        return float(np.ptp(self.xy[:, 1]))


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

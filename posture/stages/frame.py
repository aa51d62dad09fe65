"""The camera frame: which way is up, and how many pixels one body height spans.

Which way is up is found by :mod:`posture.stages.level` (the user's roll, the
phone's gravity record, or upright lines in the background); the pose is
turned into that levelled frame before the frame is built, and the frame
keeps the :class:`~posture.stages.level.Levelling` so every report can say how the
vertical was found. The body height comes from the top of the head in the
segmentation mask down to the lowest foot landmark, because MediaPipe has
no landmark on the crown of the head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.core.pose import Landmark, Pose, head_top_from_mask
from posture.core.units import CM, PERCENT_HEIGHT
from posture.stages.level import NOT_LEVELLED, Levelling

_FEET = [Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL, Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX]


@dataclass(frozen=True, slots=True)
class BodyScale:
    """Converts pixel distances to % of body height, or to cm when the height is known."""

    body_height_px: float
    height_cm: float | None = None

    @property
    def unit(self) -> str:
        return CM if self.height_cm is not None else PERCENT_HEIGHT

    def percent(self, distance_px: float) -> float:
        """A pixel distance as % of body height."""
        return 100.0 * distance_px / self.body_height_px

    def convert(self, distance_px: float) -> float:
        """A pixel distance in this scale's unit."""
        return self.from_percent(self.percent(distance_px))

    def from_percent(self, percent: float) -> float:
        """A threshold given in % of body height, in this scale's unit."""
        return percent * self.height_cm / 100.0 if self.height_cm is not None else percent


@dataclass(frozen=True, slots=True)
class Frame:
    """Levelling and scale for one photo.

    Attributes:
        head_top_y: y of the top of the head, original pixels in the levelled frame.
        floor_y: y of the soles (lowest foot landmark), original pixels in the levelled frame.
        head_top_method: ``"mask"`` or ``"face landmarks"`` (fallback when the mask has no head).
        scale: converts pixel offsets to % of body height or cm.
        levelling: the camera roll the pose was turned by, and how it was found.
    """

    head_top_y: float
    floor_y: float
    head_top_method: str
    scale: BodyScale
    levelling: Levelling = NOT_LEVELLED

    @property
    def body_height_px(self) -> float:
        return self.floor_y - self.head_top_y


def build_frame(pose: Pose, *, height_cm: float | None = None, levelling: Levelling = NOT_LEVELLED) -> Frame:
    """The frame for a standing person: head top, floor, and the body-height scale.

    ``pose`` must already be levelled by ``levelling`` (see :func:`posture.stages.level.level_pose`).
    """
    floor_y = float(np.max(pose.xy[_FEET, 1]))
    head_top = head_top_from_mask(pose)
    method = "mask"
    if head_top is None:
        # Crown to eyes is about 1.6 times eyes to mouth in adult faces: a fallback only.
        eye_y = float(np.mean(pose.xy[[Landmark.LEFT_EYE, Landmark.RIGHT_EYE], 1]))
        mouth_y = float(np.mean(pose.xy[[Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT], 1]))
        head_top = eye_y - 1.6 * abs(mouth_y - eye_y)
        method = "face landmarks"
    return Frame(
        head_top_y=head_top,
        floor_y=floor_y,
        head_top_method=method,
        scale=BodyScale(body_height_px=max(floor_y - head_top, 1.0), height_cm=height_cm),
        levelling=levelling,
    )

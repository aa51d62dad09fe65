"""The camera frame: which way is up, and how many pixels one body height spans.

The photo's vertical is taken as the true vertical: posture assumes the
camera was held level (a phone's grid lines or a tripod), and says so in
every report. The body height comes from the top of the head in the
segmentation mask down to the lowest foot landmark, because MediaPipe has
no landmark on the crown of the head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.landmarks import Landmark, Pose, head_top_from_mask
from posture.units import CM, PERCENT_HEIGHT

LEVEL_ASSUMPTION = "The photo's vertical is taken as true vertical (the camera is assumed level)."

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
        head_top_y: y of the top of the head, original pixels.
        floor_y: y of the soles (lowest foot landmark), original pixels.
        head_top_method: ``"mask"`` or ``"face landmarks"`` (fallback when the mask has no head).
        scale: converts pixel offsets to % of body height or cm.
    """

    head_top_y: float
    floor_y: float
    head_top_method: str
    scale: BodyScale

    @property
    def body_height_px(self) -> float:
        return self.floor_y - self.head_top_y


def build_frame(pose: Pose, *, height_cm: float | None = None) -> Frame:
    """The frame for a standing person: head top, floor, and the body-height scale."""
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
    )

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

from posture.landmarks import Landmark, Pose
from posture.measurements import BodyScale

MASK_THRESHOLD = 0.5
LEVEL_ASSUMPTION = "The photo's vertical is taken as true vertical (the camera is assumed level)."

_HEAD = [Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR]
_FEET = [Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL, Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX]


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
    half_width = max(float(np.ptp(head[:, 0])), 0.3 * reach)
    s = pose.mask_scale
    rows, cols = pose.mask.shape
    x0 = int(max(0, (float(np.min(head[:, 0])) - half_width / 2) * s))
    x1 = int(min(cols, (float(np.max(head[:, 0])) + half_width / 2) * s + 1))
    y0 = int(max(0, (eye_y - reach) * s))
    y1 = int(min(rows, eye_y * s + 1))
    if x1 <= x0 or y1 <= y0:
        return None
    inside = np.flatnonzero((pose.mask[y0:y1, x0:x1] > MASK_THRESHOLD).any(axis=1))
    if inside.size == 0:
        return None
    return (y0 + int(inside[0])) / s


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

"""Plane geometry on landmark positions: angles between segments, in degrees.

Pure functions on pixel coordinates (x right, y down). ``facing`` is +1 when
the person faces image-right and -1 when image-left.
"""

from __future__ import annotations

import math

import numpy as np


def forward_angle_from_vertical(start: np.ndarray, end: np.ndarray, facing: int) -> float:
    """Angle in degrees of the segment start → end from the upward vertical; + = end ahead of start.

    Args:
        start, end: shape (2,), pixel positions; ``end`` is expected above ``start``.
        facing: +1 (facing image-right) or -1 (facing image-left).
    """
    dx, dy = end - start
    return math.degrees(math.atan2(facing * dx, -dy))


def joint_bend(start: np.ndarray, joint: np.ndarray, end: np.ndarray) -> float:
    """Unsigned deviation in degrees of the angle start–joint–end from a straight line."""
    first, second = start - joint, end - joint
    cosine = float(np.dot(first, second) / (np.linalg.norm(first) * np.linalg.norm(second)))
    return 180.0 - math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def interior_angle_deviation(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, facing: int) -> float:
    """Deviation of the hip–knee–ankle angle from straight, in degrees.

    + when the knee lies behind the hip → ankle line (hyperextended), − when
    it lies ahead (flexed), 0 when the three points are collinear.
    """
    bend = joint_bend(hip, knee, ankle)
    # Signed distance of the knee ahead of the hip → ankle line, in the forward direction.
    line = ankle - hip
    cross = line[0] * (knee - hip)[1] - line[1] * (knee - hip)[0]
    knee_ahead = -facing * cross
    return -bend if knee_ahead > 0 else bend

"""Head position from the side: the craniovertebral angle estimated from the neck's outline, and the ear's offset."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posture.core.measurement import Measurement, Withheld
from posture.core.units import DEG
from posture.stages.measure import outline
from posture.stages.measure.bodies import SideBody, measures
from posture.stages.measure.silhouette import C7_FORWARD, C7_ROW


HAIR_ON_NECK_DEG = 16.0
"""How far below the landmarks' own estimate (the calibrated shoulder → ear angle) the outline's C7 → tragus angle
may fall before the outline behind the neck is taken for hair, a hood, a towel or a collar rather than the neck.
Such things push the outline, and C7 with it, back and down, and flatten the angle. On the rendered bodies'
neutral, neck-flexion and head-protraction side views (112 renders, flexion up to 40°) the outline's angle fell
below the landmarks' by 15.8° at most, and by under 8° on all but that one; on real photos with a ponytail or long
hair on the neck, or a towel round it, by 17-47°, and within 7° on the others."""


@measures("head_forward_angle")
def head_forward_angle(body: SideBody) -> Measurement | Withheld:
    p = body.points
    landmark = math.degrees(math.atan2(float(p["SHOULDER"][1] - p["EAR"][1]), body.ahead_px("EAR", "SHOULDER")))
    correction = body.calibrations.get("head_forward_angle") if body.calibrations is not None else None
    found = head_points(body) if correction is not None else None
    if correction is None or found is None:
        value, method, raw = body.calibrated(
            "head_forward_angle", landmark, DEG,
            "Proxy of the craniovertebral angle (tragus–C7 line above horizontal): MediaPipe has neither point, "
            "so the angle of the shoulder → ear landmark line above horizontal is used.")
        return Measurement("head_forward_angle", value, DEG, method, body.names("SHOULDER", "EAR"), proxy=True,
                           components=raw)
    c7, tragus = found
    angle = head_line_angle(c7, tragus, body.facing)
    from_landmarks = correction.apply(landmark)
    if angle < from_landmarks - HAIR_ON_NECK_DEG:
        return Withheld("head_forward_angle", "outline", (
            f"The outline behind the neck lies well behind the neck the ear and shoulder landmarks show (its angle "
            f"{angle:.0f}° against their {from_landmarks:.0f}°), as hair, a hood, a towel or a collar on the back of "
            "the neck makes it: with the hair tied up and the back of the neck clear, posture reads the head angle."))
    # The weights blend the outline estimate into the landmark one (1: the outline alone); none yet: landmarks.
    value = from_landmarks + sum(weight * (angle - from_landmarks) for weight in correction.weights.values())
    share = sum(correction.weights.values())
    # A last line, fitted on changes from each calibration body's neutral, so that a change is followed at full
    # size (fitted on absolute values, as above, the body-to-body scatter flattens the line).
    changes = body.calibrations.get(HEAD_CHANGES) if body.calibrations is not None else None
    if changes is not None:
        value = changes.apply(value)
    scaled = "" if changes is None else f", then scaled by {changes.slope:.2f} so that changes keep their size"
    return Measurement(
        "head_forward_angle", value, DEG,
        "Proxy of the craniovertebral angle (tragus–C7 line above horizontal), read from the outline and the "
        "landmarks: C7 is taken on the outline of the back of the neck, where it bends into the upper back (a "
        "mix of the nape's hollow, the steepest stretch of the bend and the ear's height, fitted on rendered "
        "bodies), the tragus from the ear landmark moved along and across the ear → nose line (both placed so that "
        "the line follows the CVA and its changes on those bodies); the angle of the C7 → tragus "
        f"line above horizontal, weighted {share:.2f} against the shoulder → ear landmark angle "
        f"({correction.describe(DEG)}){scaled}, fitted on rendered bodies of known CVA (bench/ACCURACY.md). Hair or a "
        "collar on the back of the neck moves C7 with it.",
        body.names("SHOULDER", "EAR", "NOSE"), proxy=True,
        components=(("uncalibrated", landmark), ("outline_angle", angle)),
        points=(("c7", float(c7[0]), float(c7[1])), ("tragus", float(tragus[0]), float(tragus[1]))),
    )


HEAD_CHANGES = "head_forward_angle_changes"
"""The calibration entry of the head angle's last line: ``offset + slope ×`` the blended angle."""


def head_line_angle(c7: np.ndarray, tragus: np.ndarray, facing: int) -> float:
    """The C7 → tragus line's angle above horizontal in degrees (the CVA's definition): 90 = tragus straight above."""
    return math.degrees(math.atan2(float(c7[1] - tragus[1]), facing * float(tragus[0] - c7[0])))


NECK_ROW_STEP = 0.002
"""Rows read on the back of the neck, in body heights apart (about 3.5 mm on a 1.75 m person)."""
NECK_BELOW_SHOULDER = 0.06
"""How far below the shoulder landmark, in body heights, the bend into the upper back is looked for."""
NECK_SMOOTH = 0.004
"""Smoothing of the back-of-neck outline before its steepest stretch is found, in body heights (a Gaussian's SD)."""
NECK_REACH = 0.3
"""How far a ray looks for the back of the neck, in body heights: beyond any neck's or upper back's depth."""
TRAGUS_FROM_EAR = (0.388, 0.478, -0.0195, -0.0168)
"""The tragus proxy: the ear landmark moved by (a, b) times the ear → nose vector and its quarter turn (so the move
turns with the head), and by (forward, down) body heights; fitted as :data:`C7_ROW`. The turning part is large: the
ear landmark drops further than the tragus when the head bows, and turning the move with the head takes some of that
back."""


@dataclass(frozen=True, slots=True)
class NeckOutline:
    """The back outline of the neck and upper back, row by row (levelled pixels).

    Attributes:
        rows: shape (n,), image rows (y), top down.
        back: shape (n,), x of the back outline on each row (NaN where no edge was found).
        behind: shape (n,), how far behind the shoulder landmark it lies, pixels (+ = behind).
        hollow: the row of the nape's hollow (the outline's most forward point between ear and shoulder).
        bend: the row where the outline turns backwards most steeply, below the hollow.
    """

    rows: np.ndarray
    back: np.ndarray
    behind: np.ndarray
    hollow: float
    bend: float


def neck_outline(body: SideBody) -> NeckOutline | None:
    """The back of the neck from the ear's row to below the shoulder, or None without a mask or a clear outline.

    Each row is read by a horizontal ray walking backwards from the ear → shoulder landmark line (from the
    shoulder landmark below it), which lies inside the neck.
    """
    if body.outline is None:
        return None
    ear, shoulder = body.points["EAR"], body.points["SHOULDER"]
    height = body.scale.body_height_px
    if not shoulder[1] > ear[1]:
        return None
    rows = np.arange(float(ear[1]), float(shoulder[1]) + NECK_BELOW_SHOULDER * height, NECK_ROW_STEP * height)
    share = np.clip((rows - ear[1]) / (shoulder[1] - ear[1]), 0.0, 1.0)
    starts = np.column_stack([ear[0] + share * (shoulder[0] - ear[0]), rows])
    distances = outline.edges_along(body.outline.probability, body.outline.scale, starts,
                                    np.array([-float(body.facing), 0.0]), reach_px=NECK_REACH * height)
    if rows.size < 10 or np.isfinite(distances).mean() < 0.8:
        return None
    back = starts[:, 0] - body.facing * distances
    behind = -body.facing * (back - shoulder[0])
    upper = rows <= shoulder[1]
    hollow = outline.peak_level(rows, np.where(upper, -behind, np.nan), float(rows[0]), float(shoulder[1]))
    if not np.isfinite(hollow):
        return None
    bend = outline.steepest_level(rows, behind, hollow, float(rows[-1]), smooth=NECK_SMOOTH * height)
    if not np.isfinite(bend):
        return None
    return NeckOutline(rows=rows, back=back, behind=behind, hollow=hollow, bend=bend)


def head_points(body: SideBody) -> tuple[np.ndarray, np.ndarray] | None:
    """C7 on the back outline of the neck and the tragus proxy (levelled pixels), or None without an outline."""
    neck = neck_outline(body)
    if neck is None or "NOSE" not in body.points:
        return None
    return place_head_points(body, neck)


def place_head_points(body: SideBody, neck: NeckOutline, c7_row: tuple[float, float, float] = C7_ROW,
                      c7_forward: float = C7_FORWARD,
                      tragus_from_ear: tuple[float, float, float, float] = TRAGUS_FROM_EAR,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """C7 and the tragus proxy placed from a neck outline already read, by the given constants.

    Apart from :func:`head_points` so that their fit (bench/accuracy.py --fit-head-geometry) can try other
    constants on outlines read once.
    """
    height = body.scale.body_height_px
    ear, nose = body.points["EAR"], body.points["NOSE"]
    to_bend, to_ear, down = c7_row
    row = neck.hollow + to_bend * (neck.bend - neck.hollow) + to_ear * (float(ear[1]) - neck.hollow) + down * height
    finite = np.isfinite(neck.back)
    back_x = float(np.interp(row, neck.rows[finite], neck.back[finite]))
    c7 = np.array([back_x + body.facing * c7_forward * height, row])
    along, across, forward, below = tragus_from_ear
    to_nose = np.asarray(nose, dtype=np.float64) - ear
    quarter = body.facing * np.array([-to_nose[1], to_nose[0]])
    tragus = ear + along * to_nose + across * quarter + np.array([body.facing * forward, below]) * height
    return c7, tragus


@measures("head_forward_offset")
def head_forward_offset(body: SideBody) -> Measurement:
    return Measurement(
        "head_forward_offset", body.scale.convert(body.ahead_px("EAR", "SHOULDER")), body.scale.unit,
        "Proxy of the tragus ahead of the acromion: horizontal distance of the ear landmark ahead of the "
        "shoulder landmark.",
        body.names("EAR", "SHOULDER"), proxy=True,
    )

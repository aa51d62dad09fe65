"""Are the accepted pose's landmarks a plausible reading of the body in this photo? Pure functions, no I/O.

The quality gate accepts a whole photo; this stage looks at the parts. Each check names the body parts it
finds wanting, with one sentence saying what is wrong in this photo and what to change; the review
(:mod:`posture.stages.pose_checks`) turns the parts into the measures that read them. The checks:

- each key joint lies inside the person's outline or at its edge, and each leg and torso segment runs
  inside it (a landmark on a child in front of the legs, or a leg hidden behind a bag, leaves it);
- MediaPipe's visibility and presence of the joints a measure reads are high enough;
- each segment's length relative to the others lies in a human range, and left and right agree;
- in side views, the near shoulder and hip lie inside the torso's depth rather than on its back or front
  edge, and the near and far sides of the torso do not cross (a backlit frame put the near shoulder on the
  back of the torso, with the limbs crossed);
- the feet's landmarks reach the bottom of the outline, where both see the soles;
- in side views, the outline across the thighs is no deeper than legs are (a barbell's plates or a bag held in
  front of them hide the hips and knees);
- in front and back views, the outline below the hands reaches out about as far on both sides of the hips'
  middle (a bag hanging from one hand over the thigh widens one side).

Lengths are in pixels of the photo; mask positions are found through the pose's ``mask_scale``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.core.pose import MASK_THRESHOLD, Pose, side_landmark

SIDES = ("left", "right")
JOINTS = ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE")
"""The joints the measures read (the nose moves with the ear and the face, and is checked with it)."""
SEGMENTS = (("SHOULDER", "HIP"), ("HIP", "KNEE"), ("KNEE", "ANKLE"))

EDGE_TOLERANCE = 0.02
"""A joint may lie this fraction of the landmarks' height outside the outline (about 3 cm on an adult): joint
centres near the skin, such as the ankle, sit at the edge, and the mask's edge is soft."""
MIN_SEGMENT_INSIDE = 0.75
"""The share of a segment's points that must lie inside the outline (within :data:`EDGE_TOLERANCE`)."""
SEGMENT_SAMPLES = 9
MIN_VISIBILITY = 0.5
"""A joint MediaPipe rates less likely than this to be seen is a guess. The joints the measures read score
0.70 at least on the renders and 0.88 on the real photos posture measures."""
MIN_PRESENCE = 0.5
"""A joint MediaPipe rates less likely than this to be in the photo at all is a guess (0.96 at least on the
renders and the photos)."""
THIGH_TO_SHIN = (0.6, 1.65)
"""The thigh (hip → knee landmark) over the shin (knee → ankle) of one leg: 0.83–1.31 on the renders, 0.90–1.12
on the real photos (the gate refuses beyond 0.5–2, which no body reaches)."""
LEG_TO_TORSO = (0.95, 2.6)
"""One leg's hip → knee → ankle path over the same side's shoulder → hip length: 1.46–1.88 on the renders,
1.27 (a long coat) to 1.82 on the real photos of tests/, and 1.06 under a loose tunic that hides where the hips
are (the gate refuses a mean of both legs below 1.0)."""
SIDES_AGREE = 1.2
"""Left and right thigh, shin and torso side may differ by this factor at most: a real leg-length difference
of 2–3 cm is 5% of a thigh; more is a landmark off its joint, or a knee bent towards the camera. Up to 1.13
on the front and back renders, 1.06 on the real photos."""
DEPTH_EDGE_SHARE = 0.2
"""In side views the near shoulder and hip lie inside the torso's depth: at least this share of the depth
from its back and front edges (0.36–0.69 on the side renders, 0.38–0.63 on the real side photos)."""
CROSSING_SHARE = 0.1
"""In side views, the near side lying this share of the torso length ahead of the far side at one end of
the torso and behind it at the other is a crossing, not noise."""
THIGH_DEPTH_SHARE = 0.28
"""In side views, the outline across the thighs (:func:`thigh_depth`) deeper than this share of the landmarks'
height is not the legs' alone: at most 0.16 on the 588 side renders (close-fitting and loose clothes, knees bent up
to 20°), 0.19 on the real side photos of people standing, and 0.26 across the spread legs of a running step; a
barbell's plates held at arm's length in front of the thighs make it 0.33."""
THIGH_ROWS = 21
LOAD_REACH_RATIO = 2.0
"""In front and back views, the outline below the hands reaching this many times as far out from the hips' middle
on one side as on the other (:func:`outline_reach`) holds more than a leg: at most 1.23 on the front and back
renders of bench/synthetic (close-fitting and loose clothes), 1.66 on the real front and back photos of people
standing (a hand in a pocket, the weight on one leg), 2.5 with a backpack hanging from one hand over the thigh."""
HAND_SHARE = 0.07
"""A hand reaches about this share of the landmarks' height below its wrist landmark."""
FEET_EDGE_SHARE = 0.08
"""The lowest foot landmark and the outline's lowest row under the feet agree within this share of the
landmarks' height (about 13 cm): up to 0.055 on the 630 standing renders of bench/synthetic (a heel landmark
above the sole, a far foot floating) and 0.052 on the real photos posture measures."""


@dataclass(frozen=True, slots=True)
class Doubt:
    """A check's verdict on some body parts.

    Attributes:
        parts: side-free joint names (``"SHOULDER"``, ``"ANKLE"``, ...) whose landmarks are in doubt, on
            ``side``, or a body region whose position is (``"LEGS"``: a leg placed so that it tips and shifts the
            pelvis; the review, :mod:`posture.stages.pose_checks`, names the others).
        side: ``"left"``, ``"right"`` or None for both.
        kind: ``"landmarks"``, ``"pose"`` or ``"scene"``, as :class:`~posture.core.measurement.Withheld`'s.
        reason: one sentence: the cause in this photo and what to change.
    """

    parts: tuple[str, ...]
    side: str | None
    kind: str
    reason: str


def spoken(side: str | None, part: str) -> str:
    """``"the left knee"``: a joint as a sentence names it."""
    name = {"EAR": "ear", "SHOULDER": "shoulder", "HIP": "hip", "KNEE": "knee", "ANKLE": "ankle",
            "NOSE": "nose"}[part]
    return f"the {side} {name}" if side else f"both {name}s" if part != "NOSE" else "the nose"


def _mask_near(pose: Pose, points: np.ndarray, radius: float) -> np.ndarray:
    """The highest person probability within ``radius`` pixels of each point (0 outside the mask's frame)."""
    assert pose.mask is not None
    mask, s = pose.mask, pose.mask_scale
    rows, cols = mask.shape
    reach = max(1, int(round(radius * s)))
    values = np.zeros(len(points))
    for index, (x, y) in enumerate(points):
        column, row = int(x * s), int(y * s)
        r0, r1 = max(0, row - reach), min(rows, row + reach + 1)
        c0, c1 = max(0, column - reach), min(cols, column + reach + 1)
        if r0 < r1 and c0 < c1:
            values[index] = float(mask[r0:r1, c0:c1].max())
    return values


def joints_off_outline(pose: Pose, sides: tuple[str, ...]) -> list[Doubt]:
    """The joints of ``sides`` that lie outside the outline, and the legs and torso sides that leave it."""
    if pose.mask is None:
        return []
    radius = EDGE_TOLERANCE * pose.height_px
    doubts = []
    for side in sides:
        joints = [side_landmark(side, part) for part in JOINTS]
        support = _mask_near(pose, pose.xy[joints], radius)
        outside = [part for part, value in zip(JOINTS, support) if value < MASK_THRESHOLD]
        for start, end in SEGMENTS:
            a, b = pose.xy[side_landmark(side, start)], pose.xy[side_landmark(side, end)]
            samples = a + np.linspace(0.0, 1.0, SEGMENT_SAMPLES)[:, None] * (b - a)
            inside = float(np.mean(_mask_near(pose, samples, radius) >= MASK_THRESHOLD))
            if inside < MIN_SEGMENT_INSIDE:
                outside += [p for p in (start, end) if p not in outside]
        if outside:
            named = " and ".join(spoken(side, part) for part in outside)
            doubts.append(Doubt(tuple(outside), side, "landmarks",
                                f"{named[0].upper()}{named[1:]} {'lies' if len(outside) == 1 else 'lie'} off the "
                                "person's outline, on something in front of the body or on the background: take "
                                "the photo with nothing and nobody in front of the person"))
    return doubts


def unseen_joints(pose: Pose, sides: tuple[str, ...]) -> list[Doubt]:
    """The joints of ``sides`` that MediaPipe rates as hidden, or as likely not in the photo at all."""
    doubts = []
    for side in sides:
        hidden = []
        for part in JOINTS:
            landmark = side_landmark(side, part)
            seen = float(pose.visibility[landmark])
            present = float(pose.presence[landmark]) if pose.presence is not None else 1.0
            if seen < MIN_VISIBILITY or present < MIN_PRESENCE:
                hidden.append(part)
        if hidden:
            named = " and ".join(spoken(side, part) for part in hidden)
            doubts.append(Doubt(tuple(hidden), side, "landmarks",
                                f"{named[0].upper()}{named[1:]} {'is' if len(hidden) == 1 else 'are'} hidden or "
                                "guessed by the pose model: take the photo with that side of the body in plain view, "
                                "in light clothes that stand out from the background"))
    return doubts


def _length(pose: Pose, side: str, start: str, end: str) -> float:
    return float(np.linalg.norm(pose.xy[side_landmark(side, end)] - pose.xy[side_landmark(side, start)]))


def segment_lengths(pose: Pose, side: str) -> dict[str, float]:
    """The torso side, thigh and shin of ``side``, in pixels."""
    return {"torso": _length(pose, side, "SHOULDER", "HIP"), "thigh": _length(pose, side, "HIP", "KNEE"),
            "shin": _length(pose, side, "KNEE", "ANKLE")}


def implausible_lengths(pose: Pose, sides: tuple[str, ...], *, compare_sides: bool) -> list[Doubt]:
    """Legs whose proportions no standing body has, and left and right that disagree.

    Args:
        sides: the sides whose own proportions are checked.
        compare_sides: also check that left and right agree (front and back views, where both legs are in
            the picture plane).
    """
    doubts = []
    lengths = {side: segment_lengths(pose, side) for side in SIDES}
    for side in sides:
        own = lengths[side]
        thigh_to_shin = own["thigh"] / max(own["shin"], 1e-9)
        leg_to_torso = (own["thigh"] + own["shin"]) / max(own["torso"], 1e-9)
        if not THIGH_TO_SHIN[0] <= thigh_to_shin <= THIGH_TO_SHIN[1]:
            low, high = THIGH_TO_SHIN
            doubts.append(Doubt(("HIP", "KNEE", "ANKLE"), side, "landmarks",
                                f"The {side} thigh looks {thigh_to_shin:.2f} times as long as the {side} shin, "
                                f"where bodies measure {low:g} to {high:g}, so a leg landmark is off its joint: "
                                "take the photo with the legs straight and in plain view"))
        elif not LEG_TO_TORSO[0] <= leg_to_torso <= LEG_TO_TORSO[1]:
            low, high = LEG_TO_TORSO
            # The shoulders are the likelier right: hips hidden by clothes are guessed, shoulders seldom are.
            doubts.append(Doubt(("HIP", "KNEE", "ANKLE"), side, "landmarks",
                                f"The {side} leg looks {leg_to_torso:.2f} times as long as the {side} side of the "
                                f"torso, where standing bodies measure {low:g} to {high:g}: take the photo standing "
                                "straight, with the camera level with the hips"))
    if compare_sides:
        for segment, parts in (("thigh", ("HIP", "KNEE")), ("shin", ("KNEE", "ANKLE")),
                               ("torso", ("SHOULDER", "HIP"))):
            left, right = lengths["left"][segment], lengths["right"][segment]
            ratio = max(left, right) / max(min(left, right), 1e-9)
            if ratio > SIDES_AGREE:
                shorter = "left" if left < right else "right"
                # A leg bent towards the camera (a step) tips and shifts the pelvis as a knee bent sideways does.
                doubts.append(Doubt(parts if segment == "torso" else (*parts, "LEGS"), None, "landmarks",
                                    f"The {shorter} {segment} looks {100.0 * (1.0 - 1.0 / ratio):.0f}% shorter than "
                                    "the other, more than a body's sides differ, so a landmark is off its joint or "
                                    "that side is bent towards the camera: stand square to the camera with both knees "
                                    "straight"))
    return doubts


def row_run(pose: Pose, point: np.ndarray) -> tuple[int, int, int] | None:
    """The outline's run along ``point``'s image row that holds it: (first, last, point's) mask columns.

    None without a mask, or when the point is not inside the outline.
    """
    if pose.mask is None:
        return None
    mask, s = pose.mask, pose.mask_scale
    row, column = int(point[1] * s), int(point[0] * s)
    rows, cols = mask.shape
    if not (0 <= row < rows and 0 <= column < cols) or mask[row, column] < MASK_THRESHOLD:
        return None
    inside = mask[row] >= MASK_THRESHOLD
    right = column
    while right + 1 < cols and inside[right + 1]:
        right += 1
    left = column
    while left - 1 >= 0 and inside[left - 1]:
        left -= 1
    return left, right, column


def depth_share(pose: Pose, point: np.ndarray, facing: int) -> float | None:
    """How far back ``point`` lies in the outline's depth along its image row: 0 at the back edge, 1 at the front.

    None without a mask, or when the point is not inside the outline.
    """
    run = row_run(pose, point)
    if run is None:
        return None
    left, right, column = run
    span = right - left + 1
    if span < 3:
        return None
    share = (column - left + 0.5) / span
    return share if facing > 0 else 1.0 - share


def thigh_depth(pose: Pose, near_side: str) -> float | None:
    """In a side view: the outline's depth across the thighs, as a share of the landmarks' height.

    The median, over rows from the near hip to the near knee, of the outline's run holding the thigh; None
    without a mask, or when most of those rows miss the outline.
    """
    hip, knee = pose.xy[side_landmark(near_side, "HIP")], pose.xy[side_landmark(near_side, "KNEE")]
    spans = []
    for t in np.linspace(0.0, 1.0, THIGH_ROWS):
        run = row_run(pose, hip + t * (knee - hip))
        if run is not None:
            spans.append((run[1] - run[0] + 1) / pose.mask_scale)
    if len(spans) < THIGH_ROWS / 2:
        return None
    return float(np.median(spans)) / max(pose.height_px, 1e-9)


def thighs_hidden(pose: Pose, near_side: str) -> Doubt | None:
    """In a side view: something held or worn in front of the thighs, deeper than legs are, hiding hips and knees."""
    depth = thigh_depth(pose, near_side)
    if depth is None or depth <= THIGH_DEPTH_SHARE:
        return None
    return Doubt(("HIP", "KNEE"), None, "scene",
                 f"The outline across the thighs is {100.0 * depth:.0f}% of the body's height deep, more than legs "
                 "are, so something held or worn in front of them (a weight, a bag, a wide skirt) hides the hips and "
                 "knees: take the photo with empty hands hanging at the sides and the legs in plain view")


def outline_reach(pose: Pose) -> tuple[float, float] | None:
    """In a front or back view: how far the outline reaches from the hips' middle towards the image's left and right.

    Each is the mean, over the rows from the lower hand's fingertips (:data:`HAND_SHARE` below its wrist) to the
    higher knee, of the outline's farthest column on that side, as a share of the landmarks' height. None without
    a mask, or when no such row crosses the outline.
    """
    if pose.mask is None:
        return None
    xy, s, tall = pose.xy, pose.mask_scale, max(pose.height_px, 1e-9)
    centre = float(np.mean([xy[side_landmark(side, "HIP")][0] for side in SIDES])) * s
    top = max(xy[side_landmark(side, "WRIST")][1] for side in SIDES) + HAND_SHARE * tall
    bottom = min(xy[side_landmark(side, "KNEE")][1] for side in SIDES)
    rows = pose.mask[max(0, int(top * s)):max(0, int(bottom * s))] >= MASK_THRESHOLD
    towards_left, towards_right = [], []
    for row in rows:
        columns = np.flatnonzero(row)
        if columns.size:
            towards_left.append(centre - columns[0])
            towards_right.append(columns[-1] - centre)
    if not towards_left:
        return None
    return float(np.mean(towards_left)) / s / tall, float(np.mean(towards_right)) / s / tall


def load_beside_leg(pose: Pose) -> Doubt | None:
    """In a front or back view: something beside one thigh, below the hands (:data:`LOAD_REACH_RATIO`)."""
    reach = outline_reach(pose)
    if reach is None or min(reach) <= 0.0:
        return None
    ratio = max(reach) / min(reach)
    if ratio < LOAD_REACH_RATIO:
        return None
    knees = {side: pose.xy[side_landmark(side, "KNEE")][0] for side in SIDES}
    # The person's leg on the wider image side: the knee farther towards it.
    side = min(knees, key=knees.get) if reach[0] > reach[1] else max(knees, key=knees.get)
    return Doubt(("ALL",), None, "scene",
                 f"Below the hands the outline reaches {ratio:.1f} times as far out beside the {side} thigh as beside "
                 "the other, so something hangs or stands there (a bag carried in that hand, a coat held open, "
                 "someone beside the legs) that pulls on the shoulder and hides the hip and the leg: take the photo "
                 "with empty hands, both arms a hand's width from the body, and nothing beside the legs")


def side_torso_doubts(pose: Pose, near_side: str, facing: int) -> list[Doubt]:
    """In a side view: the near shoulder or hip on an edge of the torso's depth, and the torso's sides crossing."""
    doubts = []
    shoulder, hip = pose.xy[side_landmark(near_side, "SHOULDER")], pose.xy[side_landmark(near_side, "HIP")]
    # A little below the shoulder the outline is the chest and back, not the top of the shoulder.
    for part, point in (("SHOULDER", shoulder + 0.1 * (hip - shoulder)), ("HIP", hip)):
        share = depth_share(pose, point, facing)
        if share is not None and not DEPTH_EDGE_SHARE <= share <= 1.0 - DEPTH_EDGE_SHARE:
            edge = "back" if share < 0.5 else "front"
            doubts.append(Doubt((part,), near_side, "landmarks",
                                f"The near {part.lower()} landmark sits on the {edge} edge of the body's outline "
                                f"({100.0 * share:.0f}% of its depth from the back), not inside it: take the photo "
                                "in even light, with clothes that stand out from the background"))
    far_side = "left" if near_side == "right" else "right"
    torso = float(np.linalg.norm(shoulder - hip)) or 1e-9
    ahead = [facing * float(pose.xy[side_landmark(near_side, part)][0] - pose.xy[side_landmark(far_side, part)][0])
             / torso for part in ("SHOULDER", "HIP")]
    if ahead[0] * ahead[1] < 0 and min(abs(ahead[0]), abs(ahead[1])) > CROSSING_SHARE:
        doubts.append(Doubt(("SHOULDER", "HIP"), near_side, "landmarks",
                            "The near and far sides of the torso cross between the shoulders and the hips, which no "
                            "body does in a side view, so the model has mixed up the near and far limbs: take the "
                            "photo square to the side, in even light"))
    return doubts


def feet_off_outline(pose: Pose) -> Doubt | None:
    """The feet's landmarks far from the outline's lowest row under them (the soles), where both see them."""
    if pose.mask is None:
        return None
    feet = [side_landmark(side, part) for side in SIDES for part in ("ANKLE", "HEEL", "FOOT_INDEX")]
    xs, lowest = pose.xy[feet, 0], float(np.max(pose.xy[feet, 1]))
    mask, s = pose.mask, pose.mask_scale
    c0, c1 = max(0, int(float(np.min(xs)) * s)), min(mask.shape[1], int(float(np.max(xs)) * s) + 1)
    if c1 <= c0:
        return None
    rows = np.flatnonzero((mask[:, c0:c1] >= MASK_THRESHOLD).any(axis=1))
    if rows.size == 0:
        return None
    sole = (int(rows[-1]) + 0.5) / s
    gap = abs(sole - lowest) / max(pose.height_px, 1e-9)
    if gap <= FEET_EDGE_SHARE:
        return None
    where = "below" if sole > lowest else "above"
    return Doubt(("ANKLE",), None, "landmarks",
                 f"The outline's soles lie {100.0 * gap:.0f}% of the body's height {where} the foot landmarks, so "
                 "the feet were not found where the body ends: take the photo with both feet in plain view on a "
                 "floor that differs from the shoes")

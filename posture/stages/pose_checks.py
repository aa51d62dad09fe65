"""The review of an accepted pose: the body's position and the scene, and what they let this photo measure.

:func:`review` runs after the quality gate and before anything is measured. It asks
:mod:`posture.stages.plausibility` whether the landmarks are a plausible reading of the body, and checks the
body's position and the scene here: an arm raised or a hand at the head, hands on the hips or in the
pockets, crossed legs, one knee bent, a walking step, the torso turned against the hips, another person in
front of the subject, leaning on something, and (in side views) running, heels off the floor, and a camera
far above the body's middle or below the feet. Each check names the measures it affects with one sentence
(the cause in this photo and what to change); when nothing of the view is left, or the pose defeats the view
as a whole (both arms raised, or in a profile held up, running, rising onto the toes), the photo is refused.

Refusals are of kind ``"view"`` (exit 5): a person is there and the gate found the view, but this position
of the body cannot be measured in it. When the landmarks themselves fail on every measure the kind is
``"person"`` (exit 4), as the gate's for a person it cannot see.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from posture.core.geometry import joint_bend
from posture.core.measurement import Withheld
from posture.core.pose import Landmark, Pose, midpoint, side_landmark
from posture.knowledge import registry
from posture.stages.gate import ProblemKind, Verdict
from posture.stages.plausibility import (
    SIDES,
    Doubt,
    feet_off_outline,
    implausible_lengths,
    joints_off_outline,
    load_beside_leg,
    side_torso_doubts,
    thighs_hidden,
    unseen_joints,
)

SIDE_USES: dict[str, tuple[str, ...]] = {
    "head_forward_angle": ("EAR", "SHOULDER"),
    "head_forward_offset": ("EAR", "SHOULDER"),
    "trunk_lean": ("SHOULDER", "HIP"),
    "hip_extension": ("SHOULDER", "HIP", "KNEE"),
    "foot_hip_offset": ("HIP", "ANKLE"),
    "pelvic_tilt": ("SHOULDER", "HIP"),
    "belly_prominence": ("SHOULDER", "HIP"),
    "plumb_line": ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE"),
    "knee_angle": ("HIP", "KNEE", "ANKLE"),
}
"""The near side's joints each side-view measure reads (the outline measures lie along the shoulder → hip axis)."""
FRONT_USES: dict[str, tuple[str, ...]] = {
    "shoulder_height_difference": ("SHOULDER",),
    "hip_height_difference": ("SHOULDER", "HIP"),
    "apparent_leg_length_difference": ("HIP", "KNEE", "ANKLE"),
    "lateral_trunk_shift": ("SHOULDER", "HIP"),
}
"""The joints of both sides each front/back-view measure reads (hip height reads the flanks between them)."""
LEG_MEASURES = ("apparent_leg_length_difference", "hip_height_difference", "lateral_trunk_shift")
"""Front/back measures a leg's position changes: a bent or crossed leg, or a lifted heel, tips the pelvis,
shortens the leg and shifts the pelvis sideways over the other leg, under the trunk."""
SHOULDER_MEASURES = ("shoulder_height_difference", "lateral_trunk_shift")
PELVIS_OUTLINE_MEASURES = ("pelvic_tilt", "belly_prominence")
"""Side measures read from the outline of the low back, buttock and belly, which a hand on the hip covers."""
CAMERA_BENT = ("head_forward_angle", "trunk_lean", "hip_extension", "knee_angle", "plumb_line")
"""Side measures a camera far above or below the body bends: the angles from the vertical and the plumb line.
On renders of seven bodies photographed from 2.3 m at 2.5 m, against 1 m at 3.5 m, the head angle fell by 6-13°
(a forward head where there is none), the trunk lean rose by up to 3°, the hip and knee angles moved by up to
5°, the plumb line's offsets by up to 2.3 cm; the head offset, the foot-hip offset and the outline's measures
moved by less than their noise."""

RAISED_SHARE = 0.1
"""A wrist, fingertip or elbow this share of the torso length above the shoulder line is raised (at the head,
on the head, or up). Hanging arms keep them 0.49 torso lengths below it at least on the renders, and a running
arm 0.30 below on the real photos."""
ARM_UP_SHARE = 0.12
"""An elbow less than this share of the torso length below the shoulder line, or above it, holds the arm up at
shoulder height (forward, or out to the side as in a T-pose). Hanging arms keep the elbows 0.50 torso lengths
below it at least on the renders (arms hanging, or held 20° away from the body), and every real photo without a
raised arm 0.16 below (a barbell held on the shoulders); straight arms held forward reach 0.06 below and 0.09 above."""
HAND_AT_HIP_SHARE = 0.45
"""A wrist within this share of the torso length of its hip, with the elbow bent, rests on the hip or in a
pocket."""
HAND_ABOVE_HIP_SHARE = 0.1
"""In a profile, a wrist near its hip and this share of the torso length above the hip landmark rests on the hip
(at the waist): hanging arms keep the wrist 0.03 torso lengths above it at most on 406 side renders and on the
real side photos (0.04 holding a bar at the thighs); hands on the hips lift it 0.19-0.27."""
FOREARM_UP_RISE = -0.3
"""In a front or back view, a wrist less than this many forearm lengths below its elbow (or above it) holds the
forearm up, carrying or holding something. Hanging arms keep the wrist 0.67 forearm lengths below the elbow at
least on the real front and back photos (an A-pose) and on the renders; a hand pushing a drip stand along holds
it 0.19 below, a hand holding a cup 0.46 below."""
HANGING_RISE = -0.8
"""A wrist more than this many forearm lengths below its elbow hangs."""
ELBOW_BENT_DEG = 35.0
"""An elbow bent more than this from straight holds the hand somewhere: a hanging arm with the wrist near the
hip is bent 22° at most on the renders, 12° on the real front and back photos."""
CROSSED_SHARE = 0.01
"""The ankles (or knees) on the wrong sides of each other by more than this share of the landmarks' height:
crossed legs."""
KNEE_BEND_DEG = 12.0
"""In front and back views, one knee bent this much more than the other (in the picture), or ...
(up to 6.4° on the front and back renders; 15.6° on a woman resting her weight on one leg)"""
FOOT_LIFT_SHARE = 0.03
"""... one ankle this share of the landmarks' height above the other: one knee bent, a heel lifted or a step
(up to 0.021 on the renders and 0.014 on the real photos)."""
TORSO_TURN_DEG = 25.0
"""The shoulders turned this much further from the camera's axis than the hips (MediaPipe's metric
landmarks): the torso twisted against the hips. Up to 11° on the renders, 22° on the real photos."""
SUPPORT_REACH_SHARE = 0.9
"""A wrist this share of the torso length or more out from the trunk's line, between hip and head height,
reaches for a support (a door frame, a wall, a rail): an arm is about 1.2 torso lengths long. Up to 0.75 on
the renders with the arms held away, 0.56 on the real photos."""
LEAN_DEG = 8.0
"""With an arm out to a support, a trunk this far off vertical (sideways in front/back views) leans on it.
The side renders lean up to 21.5° forward or back, with no arm out (a reach of 0.3 at most)."""
CAMERA_ABOVE_DROP = -0.5
"""In side views, the far knee and ankle together this many torso lengths above the near ones (the sum of the
two vertical offsets; the ground recedes upwards in a picture taken from above): a camera far above the body's
middle. -0.06 to -0.44 on the 630 standing renders (cameras 0.8-1.3 m high, 2.5-4 m away) and -0.45 to -0.67
from 1.75-2.3 m at 2.5 m; -0.2 at most on the real side photos."""
CAMERA_BELOW_DROP = 0.1
"""... and this many torso lengths below them: the camera below the feet (-0.04 at most on renders from a
camera 0.25 m above the floor, so only a camera below the floor the person stands on, as on a stage or a
treadmill, reaches it)."""
RUNNING_ELBOW_DEG = 60.0
"""In side views, a walking step with the near elbow bent more than this from straight: running, the arms
pumping. Walking arms swing nearly straight (42° at most on the real walking photos), and a step is never
seen on the renders; the two running photos bend the near elbow 74° and 105°."""
HEEL_RAISE_SHARE = 0.03
"""In side views, the near heel this share of the landmarks' height above the near toes: up on the toes.
Flat feet keep it at 0.023 at most, on the 462 side renders (main and re-taken sets) and the real side photos alike;
a woman up on her toes in a calf raise reaches 0.033. The back foot of a walking step lifts its heel as far
(0.031 on a real walking frame): a step is judged as a step."""
BASE_SHARE = 0.05
"""In front and back views, the mid-shoulder point this share of the landmarks' height beyond the feet's
base (from the outermost foot landmark on one side to that on the other) stands out of balance: the body
rests on something. Every front and back render and real photo has it over the base."""


@dataclass(frozen=True, slots=True)
class PoseReview:
    """What this photo's pose lets posture measure.

    Attributes:
        problem: one sentence: why nothing of the view can be measured (the cause in this photo and what to
            change), or None.
        problem_kind: ``"person"`` (exit 4) or ``"view"`` (exit 5), as the gate's; None with no problem.
        withheld: the measures this photo cannot support, one per id, each with its own sentence.
    """

    problem: str | None
    problem_kind: ProblemKind | None
    withheld: tuple[Withheld, ...]


def view_measures(verdict: Verdict) -> dict[str, tuple[str, ...]]:
    """The measures of the verdict's view, and the joints each reads."""
    return SIDE_USES if verdict.view.is_side else FRONT_USES


def _torso_length(xy: np.ndarray) -> float:
    return float(np.linalg.norm(midpoint(xy, "SHOULDER") - midpoint(xy, "HIP"))) or 1e-9


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


# ------------------------------------------------------------------ arms


def raised_arms(xy: np.ndarray) -> dict[str, float]:
    """Each arm raised above its shoulder: side → how far its highest hand point is above, in torso lengths."""
    torso = _torso_length(xy)
    raised = {}
    for side in SIDES:
        shoulder_y = float(xy[side_landmark(side, "SHOULDER")][1])
        hand_y = min(float(xy[side_landmark(side, name)][1]) for name in ("WRIST", "INDEX", "ELBOW"))
        height = (shoulder_y - hand_y) / torso
        if height > RAISED_SHARE:
            raised[side] = height
    return raised


def arms_up(xy: np.ndarray) -> list[str]:
    """The sides whose elbow is held up near shoulder height or above."""
    torso = _torso_length(xy)
    return [side for side in SIDES
            if float(xy[side_landmark(side, "SHOULDER")][1] - xy[side_landmark(side, "ELBOW")][1]) / torso
            > -ARM_UP_SHARE]


def hands_at_hips(xy: np.ndarray, *, side_view: bool = False) -> list[str]:
    """The sides whose hand rests on the hip or in a pocket: the wrist near its hip with the elbow bent, or, in a
    profile (where an elbow pointing out towards the camera looks straighter than it is), the wrist near its hip
    and above it."""
    torso = _torso_length(xy)
    sides = []
    for side in SIDES:
        shoulder, elbow, wrist, hip = (xy[side_landmark(side, name)] for name in ("SHOULDER", "ELBOW", "WRIST", "HIP"))
        near_hip = float(np.linalg.norm(wrist - hip)) / torso < HAND_AT_HIP_SHARE
        above_hip = side_view and float(hip[1] - wrist[1]) / torso > HAND_ABOVE_HIP_SHARE
        if near_hip and (joint_bend(shoulder, elbow, wrist) > ELBOW_BENT_DEG or above_hip):
            sides.append(side)
    return sides


def forearm_rise(xy: np.ndarray, side: str) -> float:
    """How far the wrist lies above its elbow, in forearm lengths: -1 for a forearm hanging straight down, 0 held
    level, +1 pointing straight up."""
    elbow, wrist = xy[side_landmark(side, "ELBOW")], xy[side_landmark(side, "WRIST")]
    return float(elbow[1] - wrist[1]) / max(float(np.linalg.norm(wrist - elbow)), 1e-9)


def one_hand_holding(xy: np.ndarray) -> str | None:
    """The side whose forearm is held up (:data:`FOREARM_UP_RISE`) while the other arm hangs (:data:`HANGING_RISE`):
    one hand carries or holds something, which sets that shoulder apart from the other. None otherwise (both
    forearms held alike, as with folded arms, say nothing of one shoulder)."""
    rises = {side: forearm_rise(xy, side) for side in SIDES}
    for side, other in (SIDES, SIDES[::-1]):
        if rises[side] > FOREARM_UP_RISE and rises[other] < HANGING_RISE:
            return side
    return None


def holding_doubt(verdict: Verdict, xy: np.ndarray) -> Doubt | None:
    """In a front or back view, one hand holding something (:func:`one_hand_holding`) and neither raised to the
    head: the shoulders are withheld. It comes after every other doubt, so that a more telling cause of the same
    arm's position (a hand on a door frame, raised to the head) is the one named."""
    holding = None if verdict.view.is_side or raised_arms(xy) else one_hand_holding(xy)
    if holding is None:
        return None
    return Doubt(("SHOULDER",), None, "pose",
                 f"The {holding} forearm is held up, carrying or holding something, while the other arm hangs, so "
                 "the shoulders are not level by posture alone: let both arms hang a hand's width away from the "
                 "body, with nothing in the hands")


def arm_doubts(verdict: Verdict, xy: np.ndarray) -> tuple[list[Doubt], str | None]:
    """Raised arms, arms held up and hands at the hips: the doubts, and a refusal when both arms are raised (in
    side views also when both are held up at shoulder height)."""
    raised = list(raised_arms(xy))
    if len(raised) == 2:
        return [], ("Both hands are raised to the head or above it, which lifts both shoulders and hides the neck: "
                    "stand with both arms hanging, a hand's width away from the body.")
    side_view = verdict.view.is_side
    both_up = len(arms_up(xy)) == 2
    if both_up and side_view:
        return [], ("Both arms are held up at shoulder height, which lifts the shoulders and carries the body's "
                    "weight forward: stand with both arms hanging, a hand's width away from the body.")
    # In a profile a raised near arm also carries the body's weight up and back, and the hips move to balance it.
    parts = ("SHOULDER", "BALANCE") if side_view else ("SHOULDER",)
    doubts = []
    if both_up and not raised:
        doubts.append(Doubt(("SHOULDER",), None, "pose",
                            "Both arms are held out at shoulder height, which lifts both shoulders: let both arms "
                            "hang a hand's width away from the body"))
    for side in raised:
        doubts.append(Doubt(parts, side if side_view else None, "pose",
                            f"The {side} hand is raised to the head or above it, which lifts that shoulder: let both "
                            "arms hang a hand's width away from the body"))
    for side in hands_at_hips(xy, side_view=side_view):
        if not side_view:
            doubts.append(Doubt(("FLANKS",), None, "pose",
                                f"The {side} hand rests on the hip or in a pocket, so the arm covers the flank the hip "
                                "height is read from: let both arms hang a hand's width away from the body"))
        else:
            doubts.append(Doubt(("PELVIS_OUTLINE",), side, "pose",
                                f"The {side} hand rests on the hip, so the arm covers the outline of the low back and "
                                "the belly that the pelvis is read from: let both arms hang a hand's width away from "
                                "the body"))
    return doubts, None


# ------------------------------------------------------------------ legs


def crossed_legs(xy: np.ndarray) -> bool:
    """In front and back views: the ankles or knees on the wrong sides of each other, as in crossed legs."""
    order = math.copysign(1.0, float(xy[Landmark.LEFT_HIP][0] - xy[Landmark.RIGHT_HIP][0]))
    height = float(np.ptp(xy[:, 1])) or 1e-9
    for name in ("KNEE", "ANKLE"):
        apart = order * float(xy[side_landmark("left", name)][0] - xy[side_landmark("right", name)][0]) / height
        if apart < -CROSSED_SHARE:
            return True
    return False


def knee_bends(xy: np.ndarray) -> dict[str, float]:
    """Each knee's bend from straight in the picture, degrees."""
    return {side: joint_bend(*(xy[side_landmark(side, name)] for name in ("HIP", "KNEE", "ANKLE"))) for side in SIDES}


def foot_lift(xy: np.ndarray) -> float:
    """How much higher one ankle stands than the other, as a share of the landmarks' height."""
    height = float(np.ptp(xy[:, 1])) or 1e-9
    return abs(float(xy[Landmark.LEFT_ANKLE][1] - xy[Landmark.RIGHT_ANKLE][1])) / height


def leg_doubts(verdict: Verdict, xy: np.ndarray) -> list[Doubt]:
    """Crossed legs, one knee bent, one foot lifted (front and back views); a walking step (side views)."""
    if verdict.view.is_side:
        if verdict.stride:
            return [Doubt(("STEP",), None, "pose",
                          "The legs are in a walking step (the feet apart or a knee bent), so the hips and knees "
                          "are not where they are when standing: stand still with the weight on both feet")]
        return []
    if crossed_legs(xy):
        return [Doubt(("LEGS",), None, "pose",
                      "The legs are crossed, which tips and shifts the pelvis and puts one leg in front of the other: "
                      "stand with the feet hip-width apart and the weight on both")]
    bends = knee_bends(xy)
    bent = max(bends, key=lambda side: bends[side])
    difference = bends[bent] - min(bends.values())
    if difference > KNEE_BEND_DEG:
        return [Doubt(("LEGS",), None, "pose",
                      f"The {bent} knee is bent {difference:.0f}° more than the other, which lowers that hip and "
                      "shifts the pelvis over the other leg: stand with both knees straight and the weight on both "
                      "feet")]
    lift = foot_lift(xy)
    if lift > FOOT_LIFT_SHARE:
        higher = "left" if xy[Landmark.LEFT_ANKLE][1] < xy[Landmark.RIGHT_ANKLE][1] else "right"
        return [Doubt(("LEGS",), None, "pose",
                      f"The {higher} foot stands {100.0 * lift:.0f}% of the body's height higher than the other (a "
                      "heel lifted, a knee bent or a step), which tips the pelvis and shifts it over the other leg: "
                      "stand with both feet flat, side by side")]
    return []


def standing_refusal(verdict: Verdict, xy: np.ndarray) -> str | None:
    """In side views, a body that is not standing still at all: running, or up on the toes."""
    if not verdict.view.is_side or verdict.near_side is None:
        return None
    near = verdict.near_side
    elbow = joint_bend(*(xy[side_landmark(near, name)] for name in ("SHOULDER", "ELBOW", "WRIST")))
    if verdict.stride and elbow > RUNNING_ELBOW_DEG:
        return (f"The legs are in a step and the {near} elbow is bent {elbow:.0f}°, as in running or carrying "
                "something, so this is not a still standing posture: take the photo standing still, arms hanging, "
                "the weight on both feet.")
    height = float(np.ptp(xy[:, 1])) or 1e-9
    heel_raise = float(xy[side_landmark(near, "FOOT_INDEX")][1] - xy[side_landmark(near, "HEEL")][1]) / height
    if not verdict.stride and heel_raise > HEEL_RAISE_SHARE:
        return (f"The {near} heel is off the floor ({100.0 * heel_raise:.1f}% of the body's height above the toes), "
                "as when rising onto the toes, which moves the knees, hips and trunk: take the photo standing still "
                "with both feet flat.")
    return None


# ------------------------------------------------------------------ torso, balance and camera


def torso_turn(world: np.ndarray) -> float:
    """Degrees by which the shoulder line is turned against the hip line about the vertical (metric landmarks)."""
    angles = []
    for name in ("SHOULDER", "HIP"):
        across = world[side_landmark("left", name)] - world[side_landmark("right", name)]
        angles.append(math.atan2(float(across[2]), float(across[0])))
    turn = math.degrees(angles[0] - angles[1])
    return abs((turn + 180.0) % 360.0 - 180.0)


def support_reach(xy: np.ndarray) -> tuple[str, float] | None:
    """The arm reaching furthest out from the trunk's line between hip and head height, in torso lengths."""
    torso = _torso_length(xy)
    hips, shoulders = midpoint(xy, "HIP"), midpoint(xy, "SHOULDER")
    axis = (shoulders - hips) / torso
    best: tuple[str, float] | None = None
    for side in SIDES:
        wrist = xy[side_landmark(side, "WRIST")]
        if not float(xy[Landmark.NOSE][1]) - 0.5 * torso <= float(wrist[1]) <= float(hips[1]):
            continue
        offset = wrist - hips
        out = abs(float(offset[0] * axis[1] - offset[1] * axis[0])) / torso
        if best is None or out > best[1]:
            best = (side, out)
    return best


def trunk_tilt(xy: np.ndarray) -> float:
    """Degrees of the mid-hip → mid-shoulder line from vertical, either way."""
    hips, shoulders = midpoint(xy, "HIP"), midpoint(xy, "SHOULDER")
    return math.degrees(math.atan2(abs(float(shoulders[0] - hips[0])), float(hips[1] - shoulders[1])))


def beyond_base(xy: np.ndarray) -> float:
    """How far the mid-shoulder point lies outside the feet's horizontal base, as a share of the landmarks' height."""
    feet = [side_landmark(side, name) for side in SIDES for name in ("ANKLE", "HEEL", "FOOT_INDEX")]
    low, high = float(np.min(xy[feet, 0])), float(np.max(xy[feet, 0]))
    x = float(midpoint(xy, "SHOULDER")[0])
    height = float(np.ptp(xy[:, 1])) or 1e-9
    return max(low - x, x - high, 0.0) / height


def lean_doubt(xy: np.ndarray, side_view: bool) -> Doubt | None:
    """Leaning on something: an arm out to a support with the trunk off vertical, or (in front and back views)
    the body out of balance sideways.

    In side views the shoulders may lie ahead of the toes or behind the heels in a posture worth measuring
    (a sway back, the feet behind the hips), so balance is not judged there.
    """
    reach = support_reach(xy)
    reaching = reach is not None and reach[1] >= SUPPORT_REACH_SHARE
    tilt, outside = trunk_tilt(xy), 0.0 if side_view else beyond_base(xy)
    if reaching and tilt > LEAN_DEG:
        assert reach is not None
        cause = (f"the {reach[0]} arm reaches out to the side while the trunk leans {tilt:.0f}° off vertical, as "
                 "when leaning on a door frame, a wall or a rail")
    elif outside > BASE_SHARE:
        cause = (f"the shoulders lie {100.0 * outside:.0f}% of the body's height beyond the feet, which no one "
                 "standing free can hold, so the body rests on something")
    else:
        return None
    return Doubt(("ALL",), None, "scene", f"{cause}: stand free, away from walls and furniture")


def far_leg_drop(xy: np.ndarray, near_side: str) -> float:
    """In side views: how far the far knee and ankle lie below the near ones (their two vertical offsets added),
    in torso lengths; negative when above."""
    far_side = "left" if near_side == "right" else "right"
    drop = sum(float(xy[side_landmark(far_side, name)][1] - xy[side_landmark(near_side, name)][1])
               for name in ("KNEE", "ANKLE"))
    return drop / _torso_length(xy)


def camera_doubt(xy: np.ndarray, near_side: str) -> Doubt | None:
    """In side views: a camera far above the body's middle, or below the feet, from the far leg's height."""
    drop = far_leg_drop(xy, near_side)
    if drop < CAMERA_ABOVE_DROP:
        where = "from far above the body's middle (the far leg appears well above the near one)"
    elif drop > CAMERA_BELOW_DROP:
        where = "from below the feet (the far leg appears lower than the near one)"
    else:
        return None
    return Doubt(("CAMERA",), None, "scene",
                 f"The camera looks at the body {where}, and its perspective bends the body's verticals in the "
                 "picture: hold the camera level at the height of the hips, two to four metres away")


def scene_doubts(verdict: Verdict, pose: Pose, others: tuple[Pose, ...]) -> list[Doubt]:
    """The torso turned against the hips, leaning on something, another person in front, the camera's height."""
    doubts = []
    xy = pose.xy
    turn = torso_turn(pose.world)
    if turn > TORSO_TURN_DEG:
        doubts.append(Doubt(("SHOULDER",), None, "pose",
                            f"The shoulders are turned {turn:.0f}° against the hips, which moves the shoulder "
                            "landmarks: stand with the shoulders square to the hips"))
    lean = lean_doubt(xy, verdict.view.is_side)
    if lean is not None:
        doubts.append(lean)
    doubts += overlapping_people(pose, others)
    # In a walking step the far leg is wherever the step put it, so its height says nothing of the camera's.
    if verdict.view.is_side and verdict.near_side is not None and not verdict.stride:
        camera = camera_doubt(xy, verdict.near_side)
        if camera is not None:
            doubts.append(camera)
    return doubts


def overlapping_people(pose: Pose, others: tuple[Pose, ...]) -> list[Doubt]:
    """The subject's joints that another detected person's body covers (a child in front of the legs)."""
    doubts = []
    for other in others:
        seen = other.xy[other.visibility >= 0.5]
        if len(seen) < 4:
            continue
        (x0, y0), (x1, y1) = seen.min(axis=0), seen.max(axis=0)
        for side in SIDES:
            covered = [part for part in ("KNEE", "ANKLE", "HIP", "SHOULDER")
                       if x0 <= pose.xy[side_landmark(side, part)][0] <= x1
                       and y0 <= pose.xy[side_landmark(side, part)][1] <= y1]
            if covered:
                doubts.append(Doubt(tuple(covered), side, "scene",
                                    f"Another person overlaps the subject's {side} "
                                    f"{' and '.join(p.lower() for p in covered)}, so those landmarks may lie on them: "
                                    "take the photo with nobody in front of or beside the person"))
    return doubts


# ------------------------------------------------------------------ the review


def affected(doubt: Doubt, verdict: Verdict, uses: dict[str, tuple[str, ...]]) -> list[str]:
    """The measures of the view that read what ``doubt`` names."""
    if "ALL" in doubt.parts:
        return list(uses)
    if not verdict.view.is_side:
        picked = set()
        if "LEGS" in doubt.parts:
            picked |= set(LEG_MEASURES)
        if "FLANKS" in doubt.parts:
            picked.add("hip_height_difference")
        if doubt.parts == ("SHOULDER",):
            picked |= set(SHOULDER_MEASURES)
        joints = set(doubt.parts) - {"LEGS", "FLANKS"}
        if doubt.parts != ("SHOULDER",):
            picked |= {m for m, reads in uses.items() if joints & set(reads)}
        return [m for m in uses if m in picked]
    if doubt.side is not None and doubt.side != verdict.near_side:
        return []
    joints = set(doubt.parts)
    if "PELVIS_OUTLINE" in joints:
        return [m for m in uses if m in PELVIS_OUTLINE_MEASURES]
    if "BALANCE" in joints:
        return [m for m, reads in uses.items() if joints & set(reads) or m == "foot_hip_offset"]
    if "CAMERA" in joints:
        return [m for m in uses if m in CAMERA_BENT]
    if "STEP" in joints:
        # The registry knows which side measures a walking step leaves readable.
        safe = {d.id for d in registry.for_view("side", stride=True)}
        return [m for m in uses if m not in safe]
    return [m for m, reads in uses.items() if joints & set(reads)]


MOST_DOUBTED_SHARE = 0.5
"""A side photo whose doubts withhold more than this share of its measures is refused: what is left (a knee angle
under a barbell on the shoulders) would be read as the whole posture, and a "balanced alignment" from it claims
what the photo does not show. A walking step's withholding (the SPEC's own rule for walking frames) and a high or
low camera's (the body is all there, only its angles are bent) are not counted. A front or back view has four measures, and one leg doubt takes three of them while the shoulders stay
readable: it keeps withholding instead."""


def review(verdict: Verdict, others: tuple[Pose, ...] = ()) -> PoseReview:
    """What the accepted verdict's pose lets posture measure: a refusal, or the measures to withhold.

    Args:
        verdict: the quality gate's accepted verdict.
        others: the other people detected in the photo, whose bodies may cover the subject's.

    Raises:
        ValueError: the verdict is a refusal.
    """
    if not verdict.ok or verdict.pose is None:
        raise ValueError(f"only an accepted verdict can be reviewed, not one refused with {verdict.problem!r}")
    pose, uses = verdict.pose, view_measures(verdict)
    side_view = verdict.view.is_side
    sides = (verdict.near_side,) if side_view and verdict.near_side else SIDES
    doubts, refusal = arm_doubts(verdict, pose.xy)
    refusal = refusal or standing_refusal(verdict, pose.xy)
    if refusal is not None:
        return PoseReview(refusal, "view", ())
    landmark_doubts = joints_off_outline(pose, sides) + unseen_joints(pose, sides)
    landmark_doubts += implausible_lengths(pose, sides, compare_sides=not side_view)
    if side_view and verdict.near_side:
        landmark_doubts += side_torso_doubts(pose, verdict.near_side, verdict.facing)
        # A walking step spreads the thighs apart, and the step's own rule says what it leaves readable.
        hidden = None if verdict.stride else thighs_hidden(pose, verdict.near_side)
        if hidden is not None:
            landmark_doubts.append(hidden)
    feet = feet_off_outline(pose)
    if feet is not None:
        landmark_doubts.append(feet)
    # Named last, so that a more telling cause of the same arm's position or of a wide outline is given first.
    holding = [] if side_view else [d for d in (holding_doubt(verdict, pose.xy), load_beside_leg(pose)) if d]
    doubts = landmark_doubts + doubts + leg_doubts(verdict, pose.xy) + scene_doubts(verdict, pose, others) + holding
    # A length doubt that also reaches the pelvis' measures (a leg foreshortened as in a step) names its joints
    # first, and the pelvis only where no more specific reason (a hand in a pocket) has named it already.
    doubts = ([dataclasses.replace(d, parts=tuple(p for p in d.parts if p != "LEGS")) if "LEGS" in d.parts
               and d.kind == "landmarks" else d for d in doubts]
              + [dataclasses.replace(d, parts=("LEGS",)) for d in doubts if "LEGS" in d.parts and d.kind == "landmarks"])
    withheld: dict[str, Withheld] = {}
    doubted: set[str] = set()
    for doubt in doubts:
        for measure in affected(doubt, verdict, uses):
            withheld.setdefault(measure, Withheld(measure, doubt.kind, _sentence(doubt.reason)))
            if not {"STEP", "CAMERA"} & set(doubt.parts):
                doubted.add(measure)
    too_little = side_view and len(doubted) > MOST_DOUBTED_SHARE * len(uses)
    if withheld and (set(withheld) >= set(uses) or too_little):
        first = withheld[next(m for m in uses if m in withheld)]
        kind: ProblemKind = "person" if all(w.kind == "landmarks" for w in withheld.values()) else "view"
        what = "Nothing" if set(withheld) >= set(uses) else "Too little"
        return PoseReview(f"{what} of this view can be measured: {first.reason[0].lower()}{first.reason[1:]}", kind,
                          ())
    return PoseReview(None, None, tuple(withheld[m] for m in uses if m in withheld))

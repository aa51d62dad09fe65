"""The quality gate: is there exactly one whole, plausible, standing person, and in which view?

:func:`assess` never raises for a bad photo: it returns a :class:`Verdict`
whose ``problem`` says, in one sentence, why nothing can be measured. The
caller decides whether that is an error (``analyze``) or a failure row
(``batch``).
"""

from __future__ import annotations

import math
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from posture.core.geometry import joint_bend
from posture.core.pose import (
    Landmark,
    Pose,
    head_top_from_mask,
    midpoint,
    side_landmark,
)
from posture.core.views import View

ProblemKind = Literal["person", "view", "markers"]

SECOND_PERSON_RATIO = 0.6
"""A second pose at least this fraction of the first one's height is a second subject, not background."""
TWO_PEOPLE = "Two people of similar size are in the photo; crop it to the one person to analyse."
MIN_HEIGHT_FRACTION = 0.2
MIN_HEIGHT_PX = 150.0
FRAME_MARGIN = 0.01
"""Landmarks may sit a hair outside the frame (heels on the bottom edge); beyond this fraction they are cut off."""
MIN_KEY_VISIBILITY = 0.5
MIN_MASK_SUPPORT = 0.5
SIDE_MAX_WIDTH_RATIO = 0.3
FRONT_MIN_WIDTH_RATIO = 0.45
"""Shoulder and hip widths over torso length: about 0.1 in profile, 0.5–0.8 facing the camera."""
SIDE_MIN_YAW_DEG = 60.0
FRONT_MAX_YAW_DEG = 35.0
"""Body rotation from MediaPipe's metric landmarks: about 80–90° in profile, under 25° facing the camera,
40–55° in the three-quarter views of the test photos."""
STRIDE_FRACTION = 0.1
"""Ankles further apart than this fraction of the body's landmark height: a walking stride, not standing."""
MAX_THIGH_FROM_VERTICAL_DEG = 50.0
"""A thigh turned further than this from vertical (hip → knee) is sitting, crouching, lunging or a raised leg, not
standing: standing renders keep both thighs within 10°, walking frames within 30°, and a man seated at a laptop,
seen from the side with his feet below the hips (so his legs still drop far enough), showed 81° and 85°."""
STRIDE_KNEE_BEND_DEG = 20.0
"""A knee bent more than this is a swing leg or a step, not quiet standing (standing knees are within ~10°)."""
STRIDE_FEET_SPAN = 1.6
"""Both feet spanning more than this many foot lengths from heel to toe: one foot ahead of the other, a step.
A ratio of the feet's own landmarks, so it holds at any resolution: 1.0-1.25 on the standing renders and photos
and on walking frames at mid-stance (their bent knee flags them), 2.0-2.6 on the frames with the feet apart."""

_BODY = ("SHOULDER", "HIP", "KNEE", "ANKLE")
_WHOLE_BODY = (Landmark.NOSE,) + tuple(side_landmark(s, n) for s in ("left", "right") for n in _BODY + ("HEEL",))


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of the quality gate.

    Attributes:
        pose: the selected person, or None when no person was found.
        view: the view, or ``"unsupported"``.
        near_side: ``"left"`` or ``"right"`` in side views (the side facing the camera), else None.
        facing: +1 (image-right) or -1 (image-left) in side views, else 0.
        stride: True when the feet are apart as in walking.
        problem: one sentence saying why nothing can be measured, or None.
        problem_kind: ``"person"`` (no usable person) or ``"view"`` (unsupported view).
        warnings: things the report should mention although measuring goes on.
    """

    pose: Pose | None
    view: View
    near_side: str | None = None
    facing: int = 0
    stride: bool = False
    problem: str | None = None
    problem_kind: ProblemKind | None = None
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A plain name becomes a View, so that every verdict's view has its kind.
        object.__setattr__(self, "view", View(self.view))

    @property
    def ok(self) -> bool:
        return self.problem is None


def _refuse(pose: Pose | None, kind: ProblemKind, problem: str, warnings: list[str]) -> Verdict:
    return Verdict(pose=pose, view="unsupported", problem=problem, problem_kind=kind, warnings=tuple(warnings))


def body_proportions(xy: np.ndarray) -> dict[str, float]:
    """Size-free ratios that separate standing people from other shapes.

    Args:
        xy: shape (33, 2), landmark pixels.

    Returns:
        ``width``: mean of shoulder and hip widths over torso length;
        ``torso_tilt``: degrees of the mid-hip → mid-shoulder line from vertical;
        ``leg_drop``: vertical hip → ankle distance over torso length (about 1.6 standing);
        ``leg_length``: hip → knee → ankle path length over torso length;
        ``stance``: horizontal ankle distance over the landmarks' vertical extent;
        ``knee_bend``: the larger of the two knees' bend from straight, degrees;
        ``feet_span``: the horizontal span of both feet, heel to toe, over one foot's mean heel → toe length;
        ``thigh``: the larger of the two thighs' (hip → knee) angles from vertical, degrees.
    """
    shoulders, hips, ankles = midpoint(xy, "SHOULDER"), midpoint(xy, "HIP"), midpoint(xy, "ANKLE")
    torso = float(np.linalg.norm(shoulders - hips)) or 1e-9
    widths = [
        abs(xy[side_landmark("left", n)][0] - xy[side_landmark("right", n)][0]) for n in ("SHOULDER", "HIP")
    ]
    legs = [
        float(np.linalg.norm(xy[side_landmark(s, "KNEE")] - xy[side_landmark(s, "HIP")])
              + np.linalg.norm(xy[side_landmark(s, "ANKLE")] - xy[side_landmark(s, "KNEE")]))
        for s in ("left", "right")
    ]
    extent = float(np.ptp(xy[:, 1])) or 1e-9
    feet = xy[[side_landmark(s, n) for s in ("left", "right") for n in ("HEEL", "FOOT_INDEX")], 0]
    foot = float(np.mean([abs(xy[side_landmark(s, "FOOT_INDEX")][0] - xy[side_landmark(s, "HEEL")][0])
                          for s in ("left", "right")])) or 1e-9
    return {
        "width": float(np.mean(widths)) / torso,
        "torso_tilt": math.degrees(math.atan2(abs(shoulders[0] - hips[0]), hips[1] - shoulders[1])),
        "leg_drop": float(ankles[1] - hips[1]) / torso,
        "leg_length": float(np.mean(legs)) / torso,
        "stance": abs(float(xy[Landmark.LEFT_ANKLE][0] - xy[Landmark.RIGHT_ANKLE][0])) / extent,
        "knee_bend": max(
            joint_bend(xy[side_landmark(s, "HIP")], xy[side_landmark(s, "KNEE")], xy[side_landmark(s, "ANKLE")])
            for s in ("left", "right")
        ),
        "feet_span": float(np.ptp(feet)) / foot,
        "thigh": max(
            math.degrees(math.atan2(abs(float(knee[0] - hip[0])), float(knee[1] - hip[1])))
            for hip, knee in ((xy[side_landmark(s, "HIP")], xy[side_landmark(s, "KNEE")]) for s in ("left", "right"))
        ),
    }


def mask_support(pose: Pose) -> float | None:
    """Mean person probability of the segmentation mask along the torso and thighs, or None without a mask.

    A real person's torso lies inside their own outline; a pose the model
    hallucinates on a statue-like shape or an animal often does not.
    """
    if pose.mask is None:
        return None
    rows, cols = pose.mask.shape
    shoulders, hips, knees = midpoint(pose.xy, "SHOULDER"), midpoint(pose.xy, "HIP"), midpoint(pose.xy, "KNEE")
    samples = [shoulders + t * (hips - shoulders) for t in (0.25, 0.5, 0.75)]
    samples += [hips + t * (knees - hips) for t in (0.25, 0.5)]
    values = []
    for x, y in samples:
        column, row = int(x * pose.mask_scale), int(y * pose.mask_scale)
        if 0 <= row < rows and 0 <= column < cols:
            values.append(float(pose.mask[row, column]))
    return float(np.mean(values)) if values else 0.0


def key_visibility(pose: Pose) -> float:
    """MediaPipe's mean visibility over the nose and both shoulders, hips, knees, ankles and heels."""
    return float(np.mean(pose.visibility[list(_WHOLE_BODY)]))


def implausibility(pose: Pose, shape: dict[str, float]) -> str | None:
    """Why the pose is not a plausible, clearly visible human body, or None when it is.

    Bounds are wide (a child, a long coat, baggy trousers all pass): they
    exist to catch what MediaPipe calls a person in photos of none.
    """
    seen = key_visibility(pose)
    if seen < MIN_KEY_VISIBILITY:
        return f"the body landmarks are mostly hidden or guessed, visibility {seen:.2f}"
    if not 1.0 <= shape["leg_length"] <= 3.2:
        return f"legs {shape['leg_length']:.1f} times the torso length, expected 1 to 3.2"
    thigh_to_shin = []
    for side in ("left", "right"):
        hip, knee, ankle = (pose.xy[side_landmark(side, n)] for n in ("HIP", "KNEE", "ANKLE"))
        thigh_to_shin.append(float(np.linalg.norm(knee - hip) / max(np.linalg.norm(ankle - knee), 1e-9)))
    ratio = float(np.mean(thigh_to_shin))
    if not 0.5 <= ratio <= 2.0:
        return f"thighs {ratio:.1f} times the shins, expected 0.5 to 2"
    support = mask_support(pose)
    if support is not None and support < MIN_MASK_SUPPORT:
        return f"the body outline does not cover the torso (mask {support:.2f})"
    return None


def _cut_off_parts(pose: Pose, width: int, height: int) -> list[str]:
    margin_x, margin_y = FRAME_MARGIN * width, FRAME_MARGIN * height
    parts = []
    for landmark in _WHOLE_BODY:
        x, y = pose.xy[landmark]
        if not (-margin_x <= x <= width + margin_x and -margin_y <= y <= height + margin_y):
            parts.append(landmark.name.lower().replace("_", " "))
    return parts


def _facing(xy: np.ndarray) -> int:
    """+1 when the person faces image-right, from nose vs ears and toes vs heels."""
    ears = midpoint(xy, "EAR")
    toes_ahead = midpoint(xy, "FOOT_INDEX")[0] - midpoint(xy, "HEEL")[0]
    head_ahead = xy[Landmark.NOSE][0] - ears[0]
    # The nose is the stronger cue in a true profile; the feet break a tie.
    vote = 2.0 * np.sign(head_ahead) + np.sign(toes_ahead)
    return 1 if vote > 0 else -1


def _near_side(pose: Pose) -> str:
    """The side nearer the camera: smaller MediaPipe depth over the body's landmarks, visibility as tie-break."""
    def depth(side: str) -> float:
        return float(np.mean([pose.z[side_landmark(side, n)] for n in _BODY + ("EAR",)]))

    def seen(side: str) -> float:
        return float(np.mean([pose.visibility[side_landmark(side, n)] for n in _BODY + ("EAR",)]))

    gap = depth("left") - depth("right")
    if abs(gap) > 1e-6:
        return "right" if gap > 0 else "left"
    return "left" if seen("left") >= seen("right") else "right"


def body_yaw(world: np.ndarray) -> float:
    """Degrees the body is turned from facing the camera (0) towards profile (90).

    Args:
        world: shape (33, 3), MediaPipe's metric landmarks (x right, z away from the camera).
    """
    angles = []
    for name in ("SHOULDER", "HIP"):
        across = world[side_landmark("left", name)] - world[side_landmark("right", name)]
        angles.append(math.degrees(math.atan2(abs(across[2]), abs(across[0]))))
    return float(np.mean(angles))


def _is_back_view(xy: np.ndarray) -> bool:
    """Seen from behind, the person's left shoulder and hip appear on the image left.

    MediaPipe gives face landmarks high visibility even from behind, so the
    face is no cue; the body's own left/right assignment is.
    """
    return bool(xy[Landmark.LEFT_SHOULDER][0] < xy[Landmark.RIGHT_SHOULDER][0]
                and xy[Landmark.LEFT_HIP][0] < xy[Landmark.RIGHT_HIP][0])


def assess(poses: tuple[Pose, ...], *, width: int, height: int, dark: bool = False) -> Verdict:
    """Check the detected poses and classify the view.

    Args:
        poses: the detected people, largest first.
        width, height: the photo's size in pixels (original, EXIF-oriented).
        dark: True when the photo is very dark, to explain a failure.
    """
    warnings: list[str] = []
    if not poses:
        hint = " (the photo is very dark)" if dark else ""
        return _refuse(None, "person", f"No person was found in the photo{hint}.", warnings)
    pose = poses[0]
    if len(poses) > 1:
        if poses[1].height_px >= SECOND_PERSON_RATIO * pose.height_px:
            return _refuse(pose, "person", TWO_PEOPLE, warnings)
        warnings.append("A second, smaller person in the photo was ignored.")

    cut = _cut_off_parts(pose, width, height)
    head_top = head_top_from_mask(pose)
    if head_top is not None and head_top * pose.mask_scale < 1.0:
        # MediaPipe has no landmark on the crown: only the outline shows the top edge cutting the head.
        cut.insert(0, "top of the head")
    if cut:
        return _refuse(pose, "person",
                       f"The body is cut off by the edge of the photo ({', '.join(cut[:3])}); "
                       "the whole body from head to feet must be in the frame.", warnings)
    shape = body_proportions(pose.xy)
    # Before the size check: a person lying across the photo is short in y but not small.
    if shape["torso_tilt"] > 45.0:
        return _refuse(pose, "view", "The person is lying or bending down, not standing (or the photo is turned "
                       "sideways or upside down); posture needs an upright photo of a standing person.", warnings)
    body_height = pose.height_px
    if body_height < max(MIN_HEIGHT_PX, MIN_HEIGHT_FRACTION * height):
        return _refuse(pose, "person",
                       f"The person is too small in the photo ({body_height:.0f} px tall in a {height} px high "
                       "photo); stand closer or crop so the body fills most of the height.", warnings)

    implausible = implausibility(pose, shape)
    if implausible:
        return _refuse(pose, "person", f"What was found does not look like a clearly visible person ({implausible}).",
                       warnings)
    if shape["leg_drop"] < 1.1 or shape["thigh"] > MAX_THIGH_FROM_VERTICAL_DEG:
        return _refuse(pose, "view", "The person is not standing upright on both feet (sitting, crouching, or in a "
                       "wide or one-legged stance); posture needs a relaxed standing photo.", warnings)

    yaw = body_yaw(pose.world)
    if shape["width"] <= SIDE_MAX_WIDTH_RATIO and yaw >= SIDE_MIN_YAW_DEG:
        facing = _facing(pose.xy)
        stride = (shape["stance"] > STRIDE_FRACTION or shape["knee_bend"] > STRIDE_KNEE_BEND_DEG
                  or shape["feet_span"] > STRIDE_FEET_SPAN)
        if stride:
            warnings.append("The legs are in a walking step (feet apart or a knee clearly bent), not standing "
                            "still: head and trunk are measured, foot-to-hip alignment and the knees are not.")
        return Verdict(pose=pose, view="side-right" if facing > 0 else "side-left", near_side=_near_side(pose),
                       facing=facing, stride=stride, warnings=tuple(warnings))
    if shape["width"] >= FRONT_MIN_WIDTH_RATIO and yaw <= FRONT_MAX_YAW_DEG:
        return Verdict(pose=pose, view="back" if _is_back_view(pose.xy) else "front", warnings=tuple(warnings))
    return _refuse(pose, "view",
                   f"The person is turned part-way to the camera (about {yaw:.0f}° from facing it), neither a side "
                   "nor a front/back view; take the photo square to the side, front or back.", warnings)


def with_people_beside(verdict: Verdict, beside: Sequence[Pose]) -> Verdict:
    """An accepted verdict, refused if a closer search beside its subject found someone of similar size.

    Args:
        beside: the people that search found (:meth:`~posture.stages.detect.PoseDetector.people_beside`).
            One whose body landmarks are mostly guessed is the landmarker seeing a person in a bare wall,
            as it does in a square of an empty room; sitting or oddly proportioned people still count.
    """
    if not verdict.ok or verdict.pose is None:
        return verdict
    for other in beside:
        similar = other.height_px >= SECOND_PERSON_RATIO * verdict.pose.height_px
        if similar and key_visibility(other) >= MIN_KEY_VISIBILITY:
            return dataclasses.replace(verdict, problem=TWO_PEOPLE, problem_kind="person")
    return verdict

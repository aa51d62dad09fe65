"""Skin markers: round, brightly coloured stickers a practitioner puts on bony landmarks.

MediaPipe sees neither the pelvis's spines (ASIS, PSIS) nor C7 or the
tragus, and the outline sees only their consequences. Where a practitioner
wants clinical precision, markers on those points give the clinical
measures directly: pelvic tilt from ASIS and PSIS and the craniovertebral
angle from tragus and C7 in a side photo, hip height from markers on both
iliac crests (or both PSIS) in a back photo.

:func:`find_markers` finds round blobs of the marker colour on and around
the person; :func:`marker_measurements` assigns them to the landmarks they
mark and measures. Markers are taken to be balls or domes (seen round from
any side, unlike flat stickers on the front of the pelvis seen from the
side): the skin point lies one radius in from each marker's centre. Both refuse rather than guess: the wrong number of
markers where a pair is expected is a one-sentence problem, not a number.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from posture.analysis import Analysis
from posture.findings import evaluate
from posture.frame import BodyScale
from posture.landmarks import Landmark, Pose, side_landmark
from posture.level import level_points, level_pose, levelling_centre
from posture.pipeline import photo_points
from posture.measurements import Measurement
from posture.quality import Verdict, view_kind
from posture.units import DEG

COLOURS: dict[str, tuple[int, int]] = {
    # OpenCV hue (0-180) ranges of vivid marker colours; skin, hair and most clothes are far less saturated.
    "green": (40, 85),
    "blue": (95, 125),
    "magenta": (140, 170),
}
DEFAULT_COLOUR = "green"
MIN_SATURATION = 150
MIN_VALUE = 90
MARKER_SIZE = (0.006, 0.04)
"""Smallest and largest marker diameter as a share of body height (2.5 cm stickers are about 0.015)."""
MIN_ROUNDNESS = 0.45
NEAR_BODY = 0.06
"""How far outside the person's outline a marker may sit, as a share of body height (balls stand off the skin)."""


@dataclass(frozen=True, slots=True)
class Marker:
    """One marker: its centre in original pixels, its diameter in pixels, and how round it is (1 = a disc)."""

    x: float
    y: float
    diameter: float
    roundness: float

    @property
    def xy(self) -> np.ndarray:
        return np.array([self.x, self.y])


class MarkerProblem(Exception):
    """The markers could not be assigned without guessing; the message says what was found."""


def find_markers(rgb: np.ndarray, scale: float, pose: Pose, body_height_px: float, *,
                 colour: str = DEFAULT_COLOUR) -> tuple[Marker, ...]:
    """Round blobs of the marker colour on or close to the person, in original pixels.

    Args:
        rgb: (H, W, 3) uint8, the working image.
        scale: working pixels per original pixel.
        pose: the person (its mask keeps markers to the body).
        body_height_px: the person's height in original pixels (sets the expected marker size).
        colour: a key of :data:`COLOURS`.
    """
    low, high = COLOURS[colour]
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    chosen = ((hue >= low) & (hue <= high) & (saturation >= MIN_SATURATION) & (value >= MIN_VALUE)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(chosen, connectivity=8)
    smallest, largest = (share * body_height_px * scale for share in MARKER_SIZE)
    near = _near_person(pose, rgb.shape[:2], body_height_px * scale)
    markers = []
    for label in range(1, count):
        left, top, width, height, area = stats[label]
        diameter = float(max(width, height))
        if not smallest <= diameter <= largest:
            continue
        roundness = float(area) / (math.pi * (diameter / 2.0) ** 2)
        if roundness < MIN_ROUNDNESS:
            continue
        rows, cols = np.nonzero(labels[top:top + height, left:left + width] == label)
        cx, cy = float(np.mean(cols) + left + 0.5), float(np.mean(rows) + top + 0.5)
        if near is not None and not near[min(int(cy), near.shape[0] - 1), min(int(cx), near.shape[1] - 1)]:
            continue
        # The area gives the size more steadily than the bounding box, whose edge pixels come and go.
        markers.append(Marker(x=cx / scale, y=cy / scale, diameter=2.0 * math.sqrt(float(area) / math.pi) / scale,
                              roundness=roundness))
    return tuple(markers)


def _near_person(pose: Pose, shape: tuple[int, int], body_height: float) -> np.ndarray | None:
    """The person's outline grown by :data:`NEAR_BODY`, at working resolution; None without a mask."""
    if pose.mask is None:
        return None
    person = (pose.mask > 0.5).astype(np.uint8)
    if person.shape != shape:
        person = cv2.resize(person, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    grow = max(1, int(NEAR_BODY * body_height))
    return cv2.dilate(person, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))) > 0


def _pair(markers: tuple[Marker, ...], around: np.ndarray, radius: float, what: str) -> tuple[Marker, Marker] | None:
    """The two markers within ``radius`` of ``around``; None when there are none; a problem for any other count."""
    close = [m for m in markers if float(np.hypot(*(m.xy - around))) <= radius]
    if not close:
        return None
    if len(close) != 2:
        raise MarkerProblem(f"found {len(close)} markers near the {what}, where 2 were expected")
    return close[0], close[1]


def marker_measurements(markers: tuple[Marker, ...], verdict: Verdict, scale: BodyScale) -> tuple[Measurement, ...]:
    """The clinical measures the markers give in this view.

    Side view: pelvic tilt from the pair near the hip (ASIS ahead, PSIS behind)
    and the craniovertebral angle from the pair near the ear (tragus, C7).
    Front or back view: hip height from the pair near the top of the pelvis.

    Raises:
        MarkerProblem: markers were found, but not in pairs where pairs belong.
    """
    pose = verdict.pose
    if pose is None or not verdict.ok:
        return ()
    xy = pose.xy
    shoulders = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2.0
    hips = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    trunk = float(np.hypot(*(shoulders - hips)))
    found: list[Measurement] = []
    if view_kind(verdict.view) == "side" and verdict.near_side is not None:
        facing = verdict.facing
        hip = xy[side_landmark(verdict.near_side, "HIP")]
        pelvis = _pair(markers, hip + np.array([0.0, -0.2 * trunk]), 0.45 * trunk, "pelvis (ASIS and PSIS)")
        if pelvis is not None:
            psis, asis = sorted(pelvis, key=lambda m: facing * m.x)
            # The skin over ASIS and PSIS faces sideways as much as forwards or backwards, so a ball's offset from
            # the skin lies mostly towards the camera and moves its centre little in the picture (measured on
            # renders: correcting by a full radius overshoots, bench/MARKERS.md).
            forward = facing * (asis.x - psis.x)
            tilt = math.degrees(math.atan2(asis.y - psis.y, forward))
            found.append(Measurement(
                "pelvic_tilt", tilt, DEG,
                "From skin markers: the angle of the PSIS → ASIS marker line below horizontal.",
                ("marker_asis", "marker_psis"),
                points=(("asis", asis.x, asis.y), ("psis", psis.x, psis.y))))
        ear = xy[side_landmark(verdict.near_side, "EAR")]
        head = _pair(markers, ear + np.array([-facing * 0.25 * trunk, 0.15 * trunk]), 0.45 * trunk,
                     "neck (tragus and C7)")
        if head is not None:
            c7, tragus = sorted(head, key=lambda m: float(np.hypot(*(m.xy - ear))), reverse=True)
            # The C7 ball stands one radius behind the skin; the tragus ball stands out sideways, towards the camera.
            angle = math.degrees(math.atan2(c7.y - tragus.y, facing * (tragus.x - c7.x) - c7.diameter / 2.0))
            found.append(Measurement(
                "head_forward_angle", angle, DEG,
                "From skin markers: the craniovertebral angle, the C7 → tragus marker line above horizontal.",
                ("marker_tragus", "marker_c7"),
                points=(("tragus", tragus.x, tragus.y), ("c7", c7.x, c7.y))))
    elif view_kind(verdict.view) in ("front", "back"):
        crests = _pair(markers, hips + np.array([0.0, -0.3 * trunk]), 0.6 * trunk,
                       "pelvis (both iliac crests or both PSIS)")
        if crests is not None:
            persons_left = -1.0 if verdict.view == "back" else 1.0
            right, left = sorted(crests, key=lambda m: persons_left * m.x)
            rise = right.y - left.y
            obliquity = math.degrees(math.atan2(rise, abs(left.x - right.x)))
            found.append(Measurement(
                "hip_height_difference", scale.convert(rise), scale.unit,
                "From skin markers: the left pelvis marker's height above the right one "
                f"(pelvic obliquity {obliquity:+.1f} deg).",
                ("marker_left_pelvis", "marker_right_pelvis"),
                components=(("pelvic_obliquity_deg", obliquity),),
                points=(("left_pelvis", left.x, left.y), ("right_pelvis", right.x, right.y))))
    return tuple(found)


def with_markers(analysis: Analysis, *, colour: str = DEFAULT_COLOUR) -> Analysis:
    """The analysis with the measures the skin markers give replacing the estimates of the same ids.

    A photo in which no marker of ``colour`` is found, or whose markers cannot
    be paired without guessing, is refused (problem kind ``"markers"``): the
    practitioner asked for the precise method and should not get a silent
    fallback to the estimate.
    """
    frame, pose = analysis.frame, analysis.pose
    if not analysis.ok or frame is None or pose is None:
        return analysis
    markers = find_markers(analysis.image.rgb, analysis.image.scale, pose, frame.body_height_px, colour=colour)
    verdict = analysis.verdict
    levelling = frame.levelling
    if levelling.applied:
        # Measured like everything else: in the levelled frame, turned about the same centre as the pose.
        centre = levelling_centre(pose.xy)
        turned = level_points(np.array([[m.x, m.y] for m in markers]).reshape(-1, 2), levelling.camera_roll, centre)
        markers = tuple(dataclasses.replace(m, x=float(x), y=float(y)) for m, (x, y) in zip(markers, turned))
        verdict = dataclasses.replace(verdict, pose=level_pose(pose, levelling.camera_roll))
    try:
        measured = marker_measurements(markers, verdict, frame.scale) if markers else ()
        if levelling.applied:
            measured = photo_points(measured, levelling.camera_roll, levelling_centre(pose.xy))
    except MarkerProblem as problem:
        return _refused(analysis, f"The skin markers are ambiguous: {problem}; check that only the marked points "
                        f"carry {colour} markers and that nothing else {colour} is near them.")
    if not measured:
        return _refused(analysis, f"No pair of {colour} skin markers was found where markers belong ({len(markers)} "
                        f"round {colour} marks on the person); put them on ASIS and PSIS (and tragus and C7) for a "
                        "side photo or on both iliac crests for a back photo, or leave out --markers.")
    by_id = {m.id: m for m in measured}
    measurements = tuple(by_id.pop(m.id, m) for m in analysis.measurements) + tuple(by_id.values())
    findings = evaluate(measurements, view=analysis.view, scale=frame.scale, knowledge=analysis.knowledge)
    note = (f"Skin markers ({colour}): {len(markers)} found; "
            + ", ".join(sorted(f"{m.id} from {' and '.join(n for n, _, _ in m.points)}" for m in measured)) + ".")
    return dataclasses.replace(analysis, measurements=measurements, findings=findings,
                               warnings=(*analysis.warnings, note))


def _refused(analysis: Analysis, problem: str) -> Analysis:
    verdict = dataclasses.replace(analysis.verdict, problem=problem, problem_kind="markers")
    return dataclasses.replace(analysis, verdict=verdict, frame=None, measurements=(), findings=())

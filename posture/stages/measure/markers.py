"""Skin markers: round, brightly coloured stickers a practitioner puts on bony landmarks.

MediaPipe sees neither the pelvis's spines (ASIS, PSIS) nor C7 or the
tragus, and the outline sees only their consequences. Where a practitioner
wants clinical precision, markers on those points give the clinical
measures directly: pelvic tilt from ASIS and PSIS and the craniovertebral
angle from tragus and C7 in a side photo, hip height from markers on both
PSIS (or both iliac crests) in a back photo.

:func:`find_markers` finds round blobs of the marker colour on and around
the person; :func:`marker_measurements` names them by the landmarks they
mark (:mod:`posture.stages.measure.marker_labels`: more points may be marked
than a measure needs, and those it does not need are left out and named in
the note) and measures. Markers are taken to be balls or domes (seen round
from any side, unlike flat stickers on the front of the pelvis seen from the
side): the skin point lies one radius in from each marker's centre. Markers
that cannot be named without guessing are a one-sentence problem, not a
number.

Three things stand between a marker's picture and the skin point under it,
and each is undone here (bench/MARKERS.md has the numbers):

* A ball partly hidden behind the body (C7 behind the upper back, seen from
  the side) has its visible part's centroid off its centre: such a ball's
  centre is fitted to the round part of its rim.
* A ball stands one radius off the skin. C7's ball sits on the outline of
  the back of the neck: its skin point is one radius in, across the outline
  beside it. The iliac crests' balls, on the outline of the waist, stand off
  sideways along the line between them, as the ASIS and PSIS balls stand
  off forwards and backwards along theirs (which leaves the tilt as it is).
* Parallax: the ASIS, PSIS and tragus lie well off the body's mid-plane,
  nearer the camera, and a nearer point is pictured further from the
  picture's centre. With the camera at hip height 3 m away the tragus,
  8 cm nearer and 0.6 m above the camera, shows 1.6 cm higher than it
  would in the mid-plane: 3-4 deg of head angle. Each side-view marker is
  moved back to where it would show in the mid-plane, from the camera's
  distance (the focal length from the photo's EXIF, or a phone's main
  camera, and the person's height in the picture).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from posture.core.image import LoadedImage
from posture.core.measurement import Measurement
from posture.core.pose import Pose
from posture.core.units import DEG
from posture.stages.frame import BodyScale, Frame
from posture.stages.gate import Verdict
from posture.stages.measure.marker_labels import Marker, MarkerLabels, MarkerProblem, label_markers
from posture.stages.level import level_points, level_pose, levelling_centre

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
WHOLE_DISC = 0.93
"""A blob covering at least this share of the circle fitted to its rim is a whole disc (its centroid is its centre);
less, and part of the ball is hidden (its centre is the fitted circle's)."""
RIM_INSIDE_PX = 0.75
"""Rim points further than this inside the fitted circle belong to whatever hides the ball, not to its rim."""
ON_OUTLINE = 0.8
"""A ball with less than this share of person around it (1.5-2.5 radii out) sits on the person's outline."""
OUTLINE_REACH = (1.5, 6.0)
"""The stretch of outline, in ball radii from its centre, whose direction gives the skin's direction under a ball."""
NEARER_THAN_MID_PLANE_CM = {"asis": 12.5, "psis": 4.5, "tragus": 8.5, "c7": 0.0}
"""How much nearer the camera than the body's mid-plane each side-view marker's centre is, in cm: half the breadth
between the ASIS (about 24 cm) and between the PSIS (about 9 cm; Harrington et al. 2007, J Biomech 40:595), the
ball on the ASIS standing off partly sideways; half the bitragion breadth (about 14.5 cm, ANSUR) and the ball
standing off the ear; C7 lies on the mid-plane."""
TYPICAL_HEIGHT_CM = 170.0
"""The height taken to estimate the camera's distance when the person's height is not given."""
PHONE_FOCAL_35MM = 26.0
"""A phone's main camera (24-26 mm as a 35 mm-equivalent focal length), for photos that do not record their own."""
FRAME_LONG_SIDE_35MM = 34.6
"""The long side, in mm, of the 4:3 frame whose diagonal is the 35 mm frame's (43.3 mm): what a phone's
35 mm-equivalent focal length refers to, so focal length in pixels = mm / 34.6 x the photo's long side."""


@dataclass(frozen=True, slots=True)
class Perspective:
    """What undoing parallax needs: where the camera's axis meets the picture and how far the camera stood.

    Attributes:
        centre_x, centre_y: the picture's centre, in the pixels the markers are in.
        distance_cm: from the camera to the body's mid-plane.
        focal_source: ``"EXIF"`` or ``"assumed"`` (a phone's main camera).
    """

    centre_x: float
    centre_y: float
    distance_cm: float
    focal_source: str

    def to_mid_plane(self, xy: np.ndarray, nearer_cm: float) -> np.ndarray:
        """Where a point ``nearer_cm`` nearer the camera than the body's mid-plane would show if it lay in it.

        A point at depth Z - d shows at c + f X / (Z - d); in the mid-plane (depth Z) it would show at
        c + f X / Z, that is, d / Z of its distance from the centre c further in.
        """
        centre = np.array([self.centre_x, self.centre_y])
        return xy - (xy - centre) * (nearer_cm / self.distance_cm)


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
    person = _person(pose, rgb.shape[:2])
    near = _near_person(person, body_height_px * scale)
    outline = _outline(person)
    markers = []
    for label in range(1, count):
        left, top, width, height, area = stats[label]
        diameter = float(max(width, height))
        if not smallest <= diameter <= largest:
            continue
        roundness = float(area) / (math.pi * (diameter / 2.0) ** 2)
        if roundness < MIN_ROUNDNESS:
            continue
        (cx, cy), radius = _centre(labels[top:top + height, left:left + width] == label)
        cx, cy = cx + left, cy + top
        if near is not None and not near[min(max(int(cy), 0), near.shape[0] - 1),
                                         min(max(int(cx), 0), near.shape[1] - 1)]:
            continue
        toward = _toward_body(person, outline, cx, cy, radius)
        markers.append(Marker(x=cx / scale, y=cy / scale, diameter=2.0 * radius / scale, roundness=roundness,
                              toward_body=toward))
    return tuple(markers)


def _centre(blob: np.ndarray) -> tuple[tuple[float, float], float]:
    """The centre and radius of the ball a blob shows, in the blob's pixels (pixel (i, j) spans [j, j + 1)).

    A whole disc's centroid is its centre, to a tenth of a pixel, and its area gives the radius more steadily than
    the bounding box, whose edge pixels come and go. A ball partly hidden (C7 behind the upper back in a side
    view) shows a disc with a bite out of it, whose centroid lies off the centre by up to half the radius: its
    centre and radius are those of the circle through the round part of its rim, the rim points well inside
    that circle (the edge of what hides it) left out.
    """
    rows, cols = np.nonzero(blob)
    centroid = (float(np.mean(cols)) + 0.5, float(np.mean(rows)) + 0.5)
    area_radius = math.sqrt(rows.size / math.pi)
    rim = _rim(blob)
    keep = np.ones(len(rim), dtype=bool)
    fitted = None
    for _ in range(5):
        if keep.sum() < max(8, len(rim) // 2):
            return centroid, area_radius
        fitted = _fit_circle(rim[keep])
        if fitted is None:
            return centroid, area_radius
        inside = np.hypot(*(rim - fitted[0]).T) - fitted[1] < -RIM_INSIDE_PX
        if np.array_equal(~inside, keep):
            break
        keep = ~inside
    assert fitted is not None
    (x, y), radius = fitted
    if rows.size >= WHOLE_DISC * math.pi * radius ** 2 or not 0.9 * area_radius <= radius <= max(blob.shape):
        return centroid, area_radius
    return (x, y), radius


def _rim(blob: np.ndarray) -> np.ndarray:
    """The blob's boundary as the midpoints of its pixel edges that face a pixel outside it, (N, 2) x, y."""
    rows, cols = blob.shape
    padded = np.pad(blob, 1)
    points = []
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        neighbour = padded[1 + dy:rows + 1 + dy, 1 + dx:cols + 1 + dx]
        ys, xs = np.nonzero(blob & ~neighbour)
        points.append(np.column_stack([xs + 0.5 + 0.5 * dx, ys + 0.5 + 0.5 * dy]))
    return np.concatenate(points).astype(float)


def _fit_circle(points: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The least-squares circle through ``points`` (Kasa's algebraic fit): centre and radius, or None if degenerate."""
    design = np.column_stack([points, np.ones(len(points))])
    (d, e, f), _, rank, _ = np.linalg.lstsq(design, -(points ** 2).sum(axis=1), rcond=None)
    if rank < 3:
        return None  # collinear points: lstsq's minimum-norm answer would be a made-up circle
    centre = np.array([-d / 2.0, -e / 2.0])
    squared = float(centre @ centre - f)
    if not np.isfinite(squared) or squared <= 0.0:
        return None
    return centre, math.sqrt(squared)


def _person(pose: Pose, shape: tuple[int, int]) -> np.ndarray | None:
    """The person's mask (0-1) at working resolution; None without a mask."""
    if pose.mask is None:
        return None
    person = pose.mask.astype(np.float32)
    if person.shape != shape:
        person = cv2.resize(person, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return person


def _near_person(person: np.ndarray | None, body_height: float) -> np.ndarray | None:
    """The person's outline grown by :data:`NEAR_BODY`, at working resolution; None without a mask."""
    if person is None:
        return None
    grow = max(1, int(NEAR_BODY * body_height))
    return cv2.dilate((person > 0.5).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))) > 0


def _outline(person: np.ndarray | None) -> np.ndarray | None:
    """The person's outline, (N, 2) x, y pixel centres; None without a mask."""
    if person is None:
        return None
    contours, _ = cv2.findContours((person > 0.5).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    return np.concatenate([c.reshape(-1, 2) for c in contours]).astype(float) + 0.5


def _sample(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """``image`` at the points (xs, ys), bilinearly, 0 outside (pixel (i, j) centred on (j + 0.5, i + 0.5))."""
    return cv2.remap(image, (xs - 0.5).astype(np.float32)[None], (ys - 0.5).astype(np.float32)[None],
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)[0]


def _toward_body(person: np.ndarray | None, outline: np.ndarray | None, x: float, y: float,
                 radius: float) -> tuple[float, float] | None:
    """For a ball on the person's outline, the unit vector from its centre towards the body; else None.

    A ball on the outline has person on one side only: the outline beside it (:data:`OUTLINE_REACH`, clear of the
    ball and short enough to follow the body's curve) gives the skin's direction, its normal towards the person.
    """
    if person is None or outline is None:
        return None
    angles = np.linspace(0.0, 2.0 * math.pi, 48, endpoint=False)
    around = np.column_stack([np.cos(angles), np.sin(angles)])
    share = np.mean([_sample(person, x + k * radius * around[:, 0], y + k * radius * around[:, 1])
                     for k in (1.5, 2.0, 2.5)], axis=0)
    if not 1.0 - ON_OUTLINE < float(share.mean()) < ON_OUTLINE:
        return None
    body_side = (share[:, None] * around).sum(axis=0)
    distance = np.hypot(outline[:, 0] - x, outline[:, 1] - y)
    near = outline[(distance > OUTLINE_REACH[0] * radius) & (distance < OUTLINE_REACH[1] * radius)]
    if len(near) < 6:
        return None
    _, _, axes = np.linalg.svd(near - near.mean(axis=0))
    normal = axes[1] if float(axes[1] @ body_side) >= 0.0 else -axes[1]
    return float(normal[0]), float(normal[1])


def marker_measurements(markers: tuple[Marker, ...], verdict: Verdict, scale: BodyScale,
                        perspective: Perspective | None = None) -> tuple[Measurement, ...]:
    """The clinical measures the markers give in this view, each marker first named by its landmark
    (:func:`~posture.stages.measure.marker_labels.label_markers`).

    Raises:
        MarkerProblem: markers that cannot be named without guessing.
    """
    return labelled_measurements(label_markers(markers, verdict), verdict, scale, perspective)


def chosen_pairs(labels: MarkerLabels) -> dict[str, tuple[str, str]]:
    """The named markers each measure takes: measure id → the two landmark names.

    Side view: pelvic tilt from the ASIS and the PSIS, the craniovertebral angle from the tragus and C7. Back or
    front view: hip height from both iliac crests, else from both PSIS (both ASIS in front). The crests come first:
    posture's hip height, its thresholds and its calibration all speak of the crests' heights, and the PSIS, about
    9 cm apart against the crests' 30, show the same tilt of the pelvis at about a third of the height.
    """
    named = labels.named
    pairs = {"pelvic_tilt": ("asis", "psis"), "head_forward_angle": ("tragus", "c7")}
    chosen = {measure: pair for measure, pair in pairs.items() if pair[0] in named and pair[1] in named}
    for point in ("iliac_crest", "psis", "asis", "pelvis"):
        if f"left_{point}" in named and f"right_{point}" in named:
            chosen["hip_height_difference"] = (f"left_{point}", f"right_{point}")
            break
    return chosen


def labelled_measurements(labels: MarkerLabels, verdict: Verdict, scale: BodyScale,
                          perspective: Perspective | None = None) -> tuple[Measurement, ...]:
    """The clinical measures from markers named by their landmarks (:func:`chosen_pairs` says which).

    With ``perspective`` (in the markers' pixels) the side-view markers are first moved to where they would show
    in the body's mid-plane; without it the picture is taken as a parallel projection.
    """
    found: list[Measurement] = []
    chosen = chosen_pairs(labels)
    named = labels.named
    facing = verdict.facing
    if "pelvic_tilt" in chosen:
        # The ASIS ball stands off the skin forwards (and sideways, towards the camera), the PSIS ball
        # backwards: both roughly along the line between them, which leaves its angle as it is.
        a, p = _mid_plane(named["asis"], "asis", perspective), _mid_plane(named["psis"], "psis", perspective)
        tilt = math.degrees(math.atan2(a[1] - p[1], facing * (a[0] - p[0])))
        found.append(Measurement(
            "pelvic_tilt", tilt, DEG,
            "From skin markers: the angle of the PSIS → ASIS marker line below horizontal.",
            ("marker_asis", "marker_psis"),
            points=(("asis", float(a[0]), float(a[1])), ("psis", float(p[0]), float(p[1])))))
    if "head_forward_angle" in chosen:
        tragus, c7 = named["tragus"], named["c7"]
        # The tragus ball stands out sideways, towards the camera (parallax only). The C7 ball stands one
        # radius off the back of the neck: towards the body across the outline it sits on, or, where no
        # outline is seen, straight forwards.
        t = _mid_plane(tragus, "tragus", perspective)
        skin_way = np.array(c7.toward_body) if c7.toward_body is not None else np.array([float(facing), 0.0])
        c = _mid_plane(c7, "c7", perspective) + c7.radius * skin_way
        angle = math.degrees(math.atan2(c[1] - t[1], facing * (t[0] - c[0])))
        found.append(Measurement(
            "head_forward_angle", angle, DEG,
            "From skin markers: the craniovertebral angle, the C7 → tragus marker line above horizontal.",
            ("marker_tragus", "marker_c7"),
            points=(("tragus", float(t[0]), float(t[1])), ("c7", float(c[0]), float(c[1])))))
    if "hip_height_difference" in chosen:
        left_name, right_name = chosen["hip_height_difference"]
        left, right = named[left_name], named[right_name]
        # A ball on the outline of the waist (the crests' tops are its widest points) stands off the skin
        # sideways, along the crest line, which turns with the pelvis: one radius in along the line from each
        # such centre. Balls seen against the body (on both PSIS) face the camera and stay as they are.
        left_xy, right_xy = left.xy, right.xy
        inwards = (right_xy - left_xy) / max(float(np.hypot(*(right_xy - left_xy))), 1e-9)
        if left.toward_body is not None:
            left_xy = left_xy + left.radius * inwards
        if right.toward_body is not None:
            right_xy = right_xy - right.radius * inwards
        rise = float(right_xy[1] - left_xy[1])
        obliquity = math.degrees(math.atan2(rise, abs(float(left_xy[0] - right_xy[0]))))
        found.append(Measurement(
            "hip_height_difference", scale.convert(rise), scale.unit,
            f"From skin markers on {_both(left_name)}: the left one's height above the right one's "
            f"(pelvic obliquity {obliquity:+.1f} deg).",
            ("marker_left_pelvis", "marker_right_pelvis"),
            components=(("pelvic_obliquity_deg", obliquity),),
            points=(("left_pelvis", float(left_xy[0]), float(left_xy[1])),
                    ("right_pelvis", float(right_xy[0]), float(right_xy[1])))))
    return tuple(found)


LANDMARK_WORDS = {"asis": ("ASIS", "ASIS"), "psis": ("PSIS", "PSIS"), "iliac_crest": ("iliac crest", "iliac crests"),
                  "tragus": ("tragus", "tragus"), "c7": ("C7", "C7"), "pelvis": ("pelvis", "sides of the pelvis")}
"""How the note names each landmark, once and for both sides."""


UNNAMED_NEEDS = {"near the pelvis": "pelvic tilt needs markers on both the ASIS and the PSIS",
                 "at the neck": "the head angle needs markers on both the tragus and C7"}
"""Side view: what a lone marker near the pelvis or at the neck lacks."""


def _both(left_name: str) -> str:
    """``"left_psis"`` → ``"both PSIS"``."""
    return f"both {LANDMARK_WORDS[left_name.split('_', 1)[1]][1]}"


def _pair_words(pair: tuple[str, str]) -> str:
    """``("asis", "psis")`` → ``"ASIS and PSIS"``; ``("left_psis", "right_psis")`` → ``"both PSIS"``."""
    if pair[0].startswith("left_"):
        return _both(pair[0])
    return " and ".join(LANDMARK_WORDS[name][0] for name in pair)


def _named_words(labels: MarkerLabels) -> str:
    """The named markers in words, pairs as "both": ``"both PSIS, both iliac crests"``, ``"ASIS, PSIS, C7"``."""
    words: list[str] = []
    for name in labels.named:
        side, _, landmark = name.partition("_")
        if side == "left" and f"right_{landmark}" in labels.named:
            words.append(_both(name))
        elif side in ("left", "right"):
            if not (side == "right" and f"left_{landmark}" in labels.named):
                words.append(f"{side} {LANDMARK_WORDS[landmark][0]}")
        else:
            words.append(LANDMARK_WORDS[name][0])
    return ", ".join(words) if words else "none named"


def unused_sentences(labels: MarkerLabels) -> tuple[str, ...]:
    """What the note says of the markers found but not used: named ones first, by landmark, then the rest."""
    used = {name for pair in chosen_pairs(labels).values() for name in pair}
    counts: dict[str, int] = {}
    for name in labels.named:
        if name not in used:
            landmark = name.split("_", 1)[1] if name.startswith(("left_", "right_")) else name
            counts[landmark] = counts.get(landmark, 0) + 1
    sentences = [f"{count} {LANDMARK_WORDS[landmark][0].replace(' ', '-')} marker{'s were' if count > 1 else ' was'} "
                 "recognised and not used." for landmark, count in counts.items()]
    sentences += [f"1 marker {where} was not used: {UNNAMED_NEEDS[where]}." for where, _ in labels.unnamed]
    if labels.elsewhere:
        sentences.append(f"{labels.elsewhere} marker{'s' if labels.elsewhere > 1 else ''} away from the points "
                         f"measured in this view {'were' if labels.elsewhere > 1 else 'was'} not used.")
    return tuple(sentences)


def _mid_plane(marker: Marker, landmark: str, perspective: Perspective | None) -> np.ndarray:
    """The marker's centre moved to where it would show in the body's mid-plane (as it is without ``perspective``)."""
    if perspective is None:
        return marker.xy
    return perspective.to_mid_plane(marker.xy, NEARER_THAN_MID_PLANE_CM[landmark])


def photo_perspective(image: LoadedImage, frame: Frame) -> Perspective | None:
    """The picture's centre (the photo's pixels) and the camera's distance, for undoing parallax; None without a body.

    The distance is the focal length in pixels times the person's height over their height in the picture; the
    focal length comes from the photo's EXIF (35 mm equivalent) or is a phone's main camera's
    (:data:`PHONE_FOCAL_35MM`), the height is the given one or :data:`TYPICAL_HEIGHT_CM`. A photo cropped off
    centre or taken zoomed without EXIF gets the parallax wrong in proportion.
    """
    if frame.body_height_px <= 0:
        return None
    recorded = image.origin.focal_length_35mm if image.path is not None else None
    focal_px = (recorded or PHONE_FOCAL_35MM) / FRAME_LONG_SIDE_35MM * max(image.width, image.height)
    height_cm = frame.scale.height_cm or TYPICAL_HEIGHT_CM
    return Perspective(image.width / 2.0, image.height / 2.0, focal_px * height_cm / frame.body_height_px,
                       "EXIF" if recorded else "assumed")


@dataclass(frozen=True, slots=True)
class MarkerReading:
    """What the skin markers gave: measurements in the levelled frame, and the sentence saying so for the report."""

    measurements: tuple[Measurement, ...]
    note: str


class MarkersUnusable(Exception):
    """The photo must be refused: the markers asked for are missing or cannot be paired; the message says why."""


def measure_markers(image: LoadedImage, verdict: Verdict, frame: Frame, *,
                    colour: str = DEFAULT_COLOUR) -> MarkerReading:
    """The measures the skin markers of ``colour`` give for the verdict's person, in the levelled frame.

    The markers are found in the photo's own pixels, then turned into the levelled frame with the pose, the
    picture's centre and their ways to the skin, so that they are measured like everything else.

    Raises:
        MarkersUnusable: no pair of markers where one belongs, or markers that cannot be paired without
            guessing: the practitioner asked for the precise method and gets no silent fallback to the estimate.
    """
    pose = verdict.pose
    if pose is None or not verdict.ok:
        raise ValueError("only an accepted verdict's person carries markers to measure")
    markers = find_markers(image.rgb, image.scale, pose, frame.body_height_px, colour=colour)
    levelling = frame.levelling
    perspective = photo_perspective(image, frame)
    if levelling.applied:
        roll, centre = levelling.camera_roll, levelling_centre(pose.xy)
        turned = level_points(np.array([[m.x, m.y] for m in markers]).reshape(-1, 2), roll, centre)
        markers = tuple(dataclasses.replace(m, x=float(x), y=float(y), toward_body=_turned(m.toward_body, roll))
                        for m, (x, y) in zip(markers, turned))
        verdict = dataclasses.replace(verdict, pose=level_pose(pose, roll))
        if perspective is not None:
            (cx, cy), = level_points(np.array([[perspective.centre_x, perspective.centre_y]]), roll, centre)
            perspective = dataclasses.replace(perspective, centre_x=float(cx), centre_y=float(cy))
    try:
        labels = label_markers(markers, verdict)
    except MarkerProblem as problem:
        raise MarkersUnusable(f"The {colour} skin markers are ambiguous: {problem}.") from None
    measured = labelled_measurements(labels, verdict, frame.scale, perspective)
    if not measured:
        recognised = f": {_named_words(labels)}" if labels.named else ""
        raise MarkersUnusable(f"No pair of {colour} skin markers was found where markers belong ({len(markers)} "
                              f"round {colour} marks on the person{recognised}); put them on ASIS and PSIS (and "
                              "tragus and C7) for a side photo or on both PSIS or both iliac crests for a back "
                              "photo, or leave out --markers.")
    chosen = chosen_pairs(labels)
    note = (f"Skin markers ({colour}): {len(markers)} found ({_named_words(labels)}); "
            + ", ".join(f"{m.id} from {_pair_words(chosen[m.id])}" for m in measured) + "."
            + "".join(f" {sentence}" for sentence in unused_sentences(labels)))
    if perspective is not None and verdict.view.kind == "side":
        focal = ("its focal length from the photo's EXIF" if perspective.focal_source == "EXIF" else
                 f"no focal length in the photo, a phone's main camera ({PHONE_FOCAL_35MM:g} mm equivalent) assumed")
        note += (f" Parallax undone for markers off the body's mid-plane: camera about "
                 f"{perspective.distance_cm / 100.0:.1f} m away ({focal}).")
    return MarkerReading(measured, note)


def _turned(vector: tuple[float, float] | None, roll: float) -> tuple[float, float] | None:
    """A direction in the picture turned into the levelled frame."""
    if vector is None:
        return None
    (x, y), = level_points(np.array([vector]), roll, (0.0, 0.0))
    return float(x), float(y)

"""The camera roll read from straight lines in the background (door frames, wall corners, shelves).

The segments are searched in a shrunken grey copy of the photo, in a
background thread started before the landmarker runs, and judged once the
person's mask is known, so that their own edges are left out.
"""

from __future__ import annotations

import concurrent.futures
import functools
import math
import os
import sys
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from posture.core.image import LoadedImage
from posture.core.pose import MASK_THRESHOLD, Pose

NEAR_VERTICAL_DEG = 12.0
"""Background segments within this angle of image-up count as candidate verticals."""
NEAR_LEVEL_DEG = 12.0
"""Background segments within this angle of image-right count as candidate level lines (a shelf, the floor's edge)."""
CONVERGING_BAND_DEG = 6.0
"""Upright segments within this many degrees of the median show whether the lines converge (see
:func:`converging_bias`); beyond it they are other things' edges."""
MIN_ACROSS_SPREAD = 0.1
"""Those segments must spread across the picture by this much (standard deviation, image heights) for their
convergence to be read."""
PLAUSIBLE_LEAN_DEG_PER_HEIGHT = 11.0
"""How much a true vertical may lean per image height of distance from the picture's centre line when nothing
shows it: a phone at head height tipped down 10 deg, as rendered (bench/ACCURACY.md, "A pitched camera": a door
frame 0.14 image heights off-centre leant 1.6 deg)."""
MAX_PERSPECTIVE_DEG = 0.5
"""Converging lines that may have moved the roll by more than this leave it unknown, unless level lines confirm it
(see :attr:`Consensus.enough`). The slope they are read from is noisy in cluttered scenes: in an outdoor photo
with buildings and trees it read 0.0-0.8 deg as the photo was turned, while the roll itself stayed within 0.2
deg, so that photo is levelled at some turns and not at others; a ceiling-mounted studio camera and a treadmill
lab's camera, pitched down, read 1.5-3.7 deg (../shared/photos, turned by up to 5 deg). On the rendered room
photographed from chest and head height, tipped down 6 and 10 deg, it came within 0.2 deg of the error it
stood for (bench/ACCURACY.md, "A pitched camera")."""
FAMILIES_AGREE_DEG = 0.5
"""Upright lines too short to give the roll alone may be confirmed by level ones only if the two families' rolls
agree this closely. Perspective turns level lines more than upright ones (a wall not square to the camera): in a
real outdoor photo the louvres and facades read 0.8 deg from the building's verticals."""
MIN_SEGMENT_FRACTION = 0.06
"""A segment shorter than this fraction of the image height is too short to give its angle to a tenth of a degree."""
MIN_SUPPORT = 0.6
"""Together the agreeing segments must span at least this many image heights."""
MIN_SEGMENTS = 2
"""At least two agreeing segments, so one painted stripe or cable cannot set the vertical alone."""
MAX_SPREAD_DEG = 1.0
"""Agreeing segments whose length-weighted spread exceeds this leave the roll unknown."""
INLIER_DEG = 1.5
"""Segments this close to the first (median) estimate are kept for the final weighted mean."""
MIN_AGREEMENT = 0.6
"""The agreeing segments must hold this share of all near-vertical background length, or the lines contradict."""
PERSON_MARGIN = 0.03
"""The person's mask is grown by this fraction of the image height: limbs and clothes edges are straight too."""


@dataclass(frozen=True, slots=True)
class LineEstimate:
    """The roll read from background lines, with the evidence behind it.

    Attributes:
        roll: degrees, sign as :attr:`Levelling.camera_roll`; None when the evidence is too weak.
        segments: how many upright background segments agreed.
        support: the agreeing segments' total length in image heights (level ones included).
        spread: their length-weighted standard deviation in degrees.
        level_segments: how many level segments (shelves, the floor's edge) confirmed them; 0 when the
            upright ones sufficed alone.
    """

    roll: float | None
    segments: int
    support: float
    spread: float
    level_segments: int = 0


# --------------------------------------------------------------------------
# Background lines
# --------------------------------------------------------------------------


def roll_from_lines(gray: np.ndarray, person: np.ndarray | None = None) -> LineEstimate:
    """Camera roll from straight near-vertical edges in the background.

    Walls meet, doors and shelves stand upright: their edges are true
    verticals. OpenCV's line segment detector finds straight segments; those
    within :data:`NEAR_VERTICAL_DEG` of image-up, at least
    :data:`MIN_SEGMENT_FRACTION` of the image height long and clear of the
    (grown) person are kept. A length-weighted median gives a first
    estimate that outliers cannot move; the length-weighted mean of the
    segments within :data:`INLIER_DEG` of it is the answer.

    A pitched camera makes verticals converge, so segments left and right of
    the picture's centre lean opposite ways; their mean is right only when
    they balance. The spread limit keeps strongly converging scenes out, and
    where the segments across the picture show their lean growing with their
    distance from its centre, a roll that this may have moved by more than
    :data:`MAX_PERSPECTIVE_DEG` is not given (:func:`converging_bias`).

    At least two upright segments that agree but are too short together may
    be confirmed by level ones (within :data:`NEAR_LEVEL_DEG` of image-right:
    a shelf, the floor's edge), if both families agree clearly on their own,
    their rolls lie within :data:`FAMILIES_AGREE_DEG`, and together they are
    long enough; the answer is still the upright segments' roll. Level lines
    never give the roll: a wall not square to the camera turns them by
    perspective.

    Args:
        gray: shape (H, W), uint8 luminance.
        person: shape (H, W), True on the person; None when unknown.

    Returns:
        The estimate; ``roll`` is None when fewer than :data:`MIN_SEGMENTS`
        agree, they span less than :data:`MIN_SUPPORT` image heights, they
        spread more than :data:`MAX_SPREAD_DEG`, or they hold less than
        :data:`MIN_AGREEMENT` of the near-vertical length (two families of
        lines disagree), or they converge too much.
    """
    return roll_from_segments(line_segments(gray), gray.shape, person)


def line_segments(gray: np.ndarray) -> np.ndarray:
    """OpenCV's line segment detector on ``gray`` (H, W) uint8: shape (N, 4), rows x0, y0, x1, y1 in pixels."""
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError(f"gray must be an (H, W) uint8 array, got shape {gray.shape!r} and dtype {gray.dtype}")
    found = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD).detect(gray)[0]
    return np.zeros((0, 4)) if found is None else found.reshape(-1, 4).astype(np.float64)


def roll_from_segments(segments: np.ndarray, shape: tuple[int, ...], person: np.ndarray | None = None) -> LineEstimate:
    """The camera roll from line segments found in a picture of ``shape`` (see :func:`roll_from_lines`)."""
    rows = shape[0]
    angles, lengths, upright, across = background_lines(segments, shape, person)
    verticals = consensus(angles[upright], lengths[upright], rows, across[upright])
    if verticals is None:
        return LineEstimate(None, 0, 0.0, 0.0)
    if verticals.enough:
        return LineEstimate(verticals.roll, verticals.count, verticals.support, verticals.spread)
    declined = LineEstimate(None, verticals.count, verticals.support, verticals.spread)
    level = consensus(angles[~upright], lengths[~upright], rows)
    if (verticals.count < MIN_SEGMENTS or level is None or not (verticals.clear and level.clear)
            or abs(level.roll - verticals.roll) > FAMILIES_AGREE_DEG):
        return declined
    # Upright lines that agree but are too short alone (a crop or the person hides the door frame), or too far to
    # one side to tell a pitched camera's lean from roll, confirmed by level lines (a shelf, the floor's edge; a
    # pitch leaves lines square to the camera level): the roll is still the upright lines', since a wall not square
    # to the camera turns level lines by up to FAMILIES_AGREE_DEG.
    if verticals.support + level.support < MIN_SUPPORT:
        return declined
    return LineEstimate(verticals.roll, verticals.count, verticals.support + level.support, verticals.spread,
                        level.count)


@dataclass(frozen=True, slots=True)
class Consensus:
    """What one family of segments (upright or level) agrees on.

    Attributes:
        roll: the length-weighted mean of the segments within :data:`INLIER_DEG` of their weighted median.
        count: how many segments that is.
        support: their total length in image heights.
        spread: their length-weighted standard deviation, degrees.
        agreement: their share of the family's whole length.
        perspective: how far converging lines may have moved ``roll``, degrees (see :func:`converging_bias`).
        perspective_seen: ``perspective`` was read from the lines; else it is only how far it could be.
    """

    roll: float
    count: int
    support: float
    spread: float
    agreement: float
    perspective: float = 0.0
    perspective_seen: bool = True

    @property
    def clear(self) -> bool:
        """The segments agree with one another, no other direction in the family contradicts them, and
        converging lines are not seen to have moved their roll by more than :data:`MAX_PERSPECTIVE_DEG`."""
        return (self.spread <= MAX_SPREAD_DEG and self.agreement >= MIN_AGREEMENT
                and not (self.perspective_seen and abs(self.perspective) > MAX_PERSPECTIVE_DEG))

    @property
    def enough(self) -> bool:
        """Clear, long and many enough to give the roll alone, and not so far to one side that a pitched camera
        could have moved it by more than :data:`MAX_PERSPECTIVE_DEG` unseen."""
        return (self.clear and self.count >= MIN_SEGMENTS and self.support >= MIN_SUPPORT
                and abs(self.perspective) <= MAX_PERSPECTIVE_DEG)


def consensus(angles: np.ndarray, lengths: np.ndarray, rows: int,
              across: np.ndarray | None = None) -> Consensus | None:
    """What segments of one family (rolls ``angles`` in degrees, ``lengths`` in pixels) agree on; None without any.

    A length-weighted median gives a first estimate that outliers cannot move; the segments within
    :data:`INLIER_DEG` of it give the answer. ``rows`` is the picture's height, the unit of ``support``. With
    ``across`` (each segment's offset right of the centre, in image heights), :attr:`Consensus.perspective`
    says how far a pitched camera's converging verticals may have moved the answer.
    """
    if angles.size == 0:
        return None
    first = weighted_median(angles, lengths)
    inliers = np.abs(angles - first) <= INLIER_DEG
    a, w = angles[inliers], lengths[inliers]
    roll = float(np.average(a, weights=w))
    perspective, seen = (0.0, True) if across is None else converging_bias(angles, lengths, across, first, inliers)
    return Consensus(roll=roll, count=int(a.size), support=float(w.sum() / rows),
                     spread=float(math.sqrt(np.average((a - roll) ** 2, weights=w))),
                     agreement=float(w.sum() / lengths.sum()), perspective=perspective, perspective_seen=seen)


def converging_bias(angles: np.ndarray, lengths: np.ndarray, across: np.ndarray, centre: float,
                    inliers: np.ndarray) -> tuple[float, bool]:
    """How far the inliers' mean roll may be off because upright lines converge, in degrees, and whether seen.

    A camera pitched up or down makes true verticals lean by an amount that grows with their distance from the
    picture's centre line, one way on the left and the other on the right. Where the upright segments within
    :data:`CONVERGING_BAND_DEG` of ``centre`` spread across the picture, a length-weighted straight line of
    lean against position shows that growth; the inliers' mean then errs by its slope times their mean
    position. Segments all in one place cannot show it: then the answer is what a phone pitched as much as
    :data:`PLAUSIBLE_LEAN_DEG_PER_HEIGHT` allows would make of their place, and not seen.

    Returns:
        (bias in degrees, True when read from the lines themselves).
    """
    place = float(np.average(across[inliers], weights=lengths[inliers]))
    band = np.abs(angles - centre) <= CONVERGING_BAND_DEG
    x, y, w = across[band], angles[band], lengths[band]
    if x.size >= 3:
        mean_x = float(np.average(x, weights=w))
        spread_x = float(np.average((x - mean_x) ** 2, weights=w))
        if spread_x >= MIN_ACROSS_SPREAD ** 2:
            slope = float(np.average((x - mean_x) * (y - np.average(y, weights=w)), weights=w)) / spread_x
            return slope * place, True
    return PLAUSIBLE_LEAN_DEG_PER_HEIGHT * abs(place), False


def background_lines(segments: np.ndarray, shape: tuple[int, ...],
                     person: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each usable background segment's roll, length, whether it is upright (else near-level), and where it is.

    A segment within :data:`NEAR_VERTICAL_DEG` of image-up gives the roll as its angle from up; one within
    :data:`NEAR_LEVEL_DEG` of image-right gives it as its angle from right. Both are clockwise positive
    (y down), the sign of :attr:`Levelling.camera_roll`. Segments shorter than :data:`MIN_SEGMENT_FRACTION`
    of the image height, or touching the (grown) person, are dropped.

    Returns:
        (rolls in degrees, lengths in pixels, upright, across), shape (n,) each; ``across`` is how far right of
        the picture's centre the segment's middle lies, in image heights.
    """
    rows, cols = shape[:2]
    if len(segments) == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0)
    x0, y0, x1, y1 = segments.T
    # Point each segment upwards so that its angle from image-up is in (-90, 90], clockwise positive.
    flip = y1 > y0
    dx = np.where(flip, x0 - x1, x1 - x0)
    dy = np.where(flip, y0 - y1, y1 - y0)
    from_up = np.degrees(np.arctan2(dx, -dy))
    # A level line's roll is its angle below image-right: from_up less a quarter turn, folded into (-90, 90].
    from_right = np.where(from_up > 0.0, from_up - 90.0, from_up + 90.0)
    upright = np.abs(from_up) <= NEAR_VERTICAL_DEG
    angles = np.where(upright, from_up, from_right)
    lengths = np.hypot(dx, dy)
    keep = (upright | (np.abs(from_right) <= NEAR_LEVEL_DEG)) & (lengths >= MIN_SEGMENT_FRACTION * rows)
    if person is not None and keep.any():
        if person.shape != (rows, cols):
            raise ValueError(f"person must have the image's shape {(rows, cols)!r}, got {person.shape!r}")
        reach = max(1, round(PERSON_MARGIN * rows))
        grown = cv2.dilate(person.astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
        # Sample along each segment: one crossing of the person is enough to drop it.
        candidates = np.flatnonzero(keep)
        t = np.linspace(0.0, 1.0, 9)[None, :]
        xs = np.clip(np.round(x0[candidates, None] + t * (x1 - x0)[candidates, None]).astype(int), 0, cols - 1)
        ys = np.clip(np.round(y0[candidates, None] + t * (y1 - y0)[candidates, None]).astype(int), 0, rows - 1)
        keep[candidates[grown[ys, xs].any(axis=1)]] = False
    across = ((x0 + x1) / 2.0 - cols / 2.0) / rows
    return angles[keep], lengths[keep], upright[keep], across[keep]


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])


def person_mask(pose: Pose, shape: tuple[int, int]) -> np.ndarray | None:
    """The person's mask as booleans at ``shape`` (rows, cols), or None when the model gave none."""
    if pose.mask is None:
        return None
    mask = pose.mask
    if mask.shape != shape:
        mask = cv2.resize(mask.astype(np.float32, copy=False), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.asarray(mask > MASK_THRESHOLD)


LINE_SEARCH_LONG_SIDE = 480
"""Long side, in pixels, of the picture the background lines are searched in."""


@dataclass(frozen=True, slots=True)
class LineSearch:
    """The straight segments of a photo, found before its person is known (so alongside the landmarker).

    Attributes:
        segments: shape (N, 4), x0, y0, x1, y1 in the search picture's pixels.
        shape: (rows, cols) of the search picture: the photo shrunk to :data:`LINE_SEARCH_LONG_SIDE`.
    """

    segments: np.ndarray
    shape: tuple[int, int]


def search_lines(image: LoadedImage) -> LineSearch:
    """The line segments of ``image``'s working pixels, searched at :data:`LINE_SEARCH_LONG_SIDE`."""
    rows, cols = image.rgb.shape[:2]
    shrink = min(1.0, LINE_SEARCH_LONG_SIDE / max(rows, cols))
    size = (max(1, round(cols * shrink)), max(1, round(rows * shrink)))
    # The segment detector's time grows with the pixels; a door frame is as straight at half the size, and its
    # angle as exact (measured on the rolled renders: bench/roll.py). Grey first: one channel to shrink, not three.
    gray = cv2.cvtColor(np.ascontiguousarray(image.rgb), cv2.COLOR_RGB2GRAY)
    if shrink < 1.0:
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return LineSearch(line_segments(gray), (gray.shape[0], gray.shape[1]))


def needs_line_search(image: LoadedImage, *, roll: float | None, level: bool) -> bool:
    """Whether levelling this photo will look for background lines (no user roll, no gravity record)."""
    return level and roll is None and image.origin.gravity is None


@functools.cache
def _line_searcher() -> concurrent.futures.ThreadPoolExecutor:
    # One thread: OpenCV releases the GIL while it searches, so the search runs while the landmarker works.
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="posture-lines",
                                                 initializer=_yield_to_the_landmarker)


# A process forked after the searcher's thread started (a batch worker, a test runner's child) inherits the pool
# but not its thread, so a search submitted there would never run: the child starts a pool of its own.
os.register_at_fork(after_in_child=_line_searcher.cache_clear)


SEARCH_NICENESS = 10
"""How much lower than the rest of the process the line search's thread is scheduled (Linux only)."""
LOWEST_NICENESS = 19


def _yield_to_the_landmarker() -> None:
    # The landmarker's own threads come first and the search fills their idle moments: beside it, the landmarker
    # took 0.24 ms longer (median of 150 paired runs on two cores) where at equal priority it took 0.70 ms. Only
    # Linux gives a thread its own niceness (elsewhere the id would name a process).
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(current + SEARCH_NICENESS, LOWEST_NICENESS))
    except OSError:  # not allowed here (a sandbox): the search runs at the process's own priority
        pass


def start_line_search(image: LoadedImage, *, roll: float | None = None,
                      level: bool = True) -> concurrent.futures.Future[LineSearch] | None:
    """Start :func:`search_lines` in the background when levelling will need it; None when it will not."""
    return _line_searcher().submit(search_lines, image) if needs_line_search(image, roll=roll, level=level) else None

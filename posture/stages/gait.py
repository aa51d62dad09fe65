"""A walking clip's steps: when each foot lands and lifts, and how the left and right steps compare.

Plain arrays in, frozen values out, as :mod:`posture.stages.sway`. A foot on the floor stands still in the
picture while the body passes over it (the camera is held still); a foot in its swing moves faster than the
body itself. So each foot's stance is the time its heel moves slower than :data:`STANCE_SPEED`, found from its
landmark track alone, whichever way the person walks: across the picture (a side view) or towards or away from
the camera (a front or back view). A heel strike is the moment a foot slows below that speed, a toe-off the
moment it speeds up past it, each placed between two frames where the speed crosses it.

From the events:

- a **step time** is the time from one foot's heel strike to the other's (the left step ends on the left foot);
- a **step length**, in a side view, is how far ahead of the other heel the landing heel lies;
- a **stance time** is the time from a foot's heel strike to its toe-off;
- the **arm swing**, in a side view, is how far each wrist travels forwards and back against the shoulders.

Each is compared left against right by a symmetry index, 100 × (left − right) / mean(left, right), with a 95%
interval from the steps' own spread (:func:`symmetry`): a difference inside it is no detectable difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posture.core.pose import Landmark, side_landmark
from posture.core.units import DEG, format_value
from posture.core.views import ViewKind

STANCE_SPEED = 0.35
"""Body heights a second below which a heel is taken to stand on the floor. A walking foot swings at about
1.5 body heights a second and stands still in stance; the landmarks' jitter stays well below this."""
MIN_STEPS_PER_SIDE = 2
"""Steps of each foot needed before the walk is read: one step of each says nothing of their spread."""
STILL_SHARE = 0.005
"""A heel within this share of the body's height of where it stands (about 1 cm) stands there."""
SMOOTHING_FRAMES = 5
"""The heel's position is the median of this many neighbouring frames before its speed is read, so that a frame
or two of the landmarks' jitter is no movement."""
MIN_STANCE_S = 0.12
MIN_SWING_S = 0.15
"""A stance or a swing shorter than these is the landmarks' jitter, not the foot's: walking feet stand for at least
0.3 s and swing for about 0.4 s, and on real clips the heel landmark flickers for a frame or two."""
STEP_TIME_RANGE = (0.3, 1.2)
"""Seconds a walking step lasts; a step read outside it is a landing missed or one the jitter made up."""
STEP_LENGTH_RANGE = (0.15, 0.6)
"""Body heights a walking step covers (about 0.4 at an easy pace); outside it, or backwards (a turn), the step is
not counted."""
MAX_INTERVAL = 15.0
"""Percentage points beyond which a comparison's interval says the steps scatter too much to tell the sides apart:
it is then "not readable consistently in this clip", not a difference either way."""
CADENCE_RANGE = (50.0, 150.0)
"""Steps a minute of a walk: slower is standing about or shuffling, faster is running or jitter read as steps."""
MIN_ALTERNATION = 0.75
"""The share of successive landings that change foot in a walk read steadily; fewer is a foot landmark flickering
or the model swapping left and right."""
ONE_SIDED_INDEX = 5.0
"""Percentage points by which left and right must differ, beyond their interval, before the walk is called
one-sided: this project's provisional margin, not a published cut-off. The timing of landings alone carries
about a point of error between feet on constructed walks, and healthy walks are not perfectly even."""
INTERVAL_Z = 1.96
MIN_INTERVAL = 1.0
"""Percentage points below which no interval is given, however even the steps: placing a landing between two
frames leaves about this much between the feet on constructed walks with the landmarks' jitter."""
"""The symmetry index's 95% interval in standard errors."""

SIDES = ("left", "right")


@dataclass(frozen=True, slots=True)
class FootEvents:
    """The times, in seconds, at which one foot lands (heel strikes) and lifts (toe-offs), in order, and where its
    heel stood after each landing (pixels)."""

    strikes: tuple[float, ...]
    lifts: tuple[float, ...]
    spots: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Symmetry:
    """One quantity, left against right.

    Attributes:
        quantity: ``"step time"``, ``"step length"``, ``"stance time"`` or ``"arm swing"``.
        left, right: the mean of each side's values, in ``unit``.
        index: 100 × (left − right) / mean(left, right), in %: + when the left is the larger.
        interval: half-width of its 95% interval, in percentage points, from the values' spread; None with too
            few values to say.
        count: the values on the fewer side.
        unit: ``"s"``, or the step length's and arm swing's unit (``"cm"`` or ``"percent_height"``).
    """

    quantity: str
    left: float
    right: float
    index: float
    interval: float | None
    count: int
    unit: str

    @property
    def readable(self) -> bool:
        """Whether the steps scatter little enough to compare the sides (an interval under :data:`MAX_INTERVAL`)."""
        return self.interval is not None and self.interval <= MAX_INTERVAL

    @property
    def detectable(self) -> bool | None:
        """Whether left and right differ by more than the interval; None when the sides cannot be compared."""
        return abs(self.index) > self.interval if self.readable and self.interval is not None else None

    def value_text(self, value: float) -> str:
        """One side's value with its unit: ``"0.552 s"``, ``"68.0 cm"``."""
        return f"{value:.3f} s" if self.unit == "s" else format_value(value, self.unit, signed=False)

    @property
    def one_sided(self) -> bool:
        """A difference out of its interval and larger than :data:`ONE_SIDED_INDEX`: the walk favours a side."""
        return bool(self.detectable) and abs(self.index) > ONE_SIDED_INDEX

    @property
    def sentence(self) -> str:
        """What the comparison says, in words: which side is larger, or no detectable difference."""
        quantity = self.quantity[0].upper() + self.quantity[1:]
        if self.interval is None:
            return (f"{quantity}: {self.value_text(self.left)} left, {self.value_text(self.right)} right; too few "
                    "readings of one side for an interval, so the sides are not compared.")
        if not self.readable:
            return (f"{quantity}: not readable consistently in this clip (the steps scatter by ± {self.interval:.0f} "
                    "%); a longer walk, filmed square to the side with the camera still, reads it.")
        if not self.detectable:
            spread = "" if self.interval is None else f" ± {self.interval:.1f}"
            return f"{quantity}: no detectable difference between left and right ({self.index:+.1f}{spread} %)."
        larger, smaller = ("left", "right") if self.index > 0 else ("right", "left")
        verdict = (f"an uneven walk, past the {ONE_SIDED_INDEX:g}-point margin; the psoas article sees a walk freer "
                   "on one side when the psoas of the other is the tighter" if self.one_sided
                   else f"within the {ONE_SIDED_INDEX:g}-point margin this project leaves a healthy walk")
        return (f"{quantity}: the {larger}'s is {abs(self.index):.1f} ± {self.interval:.1f} % larger than the "
                f"{smaller}'s ({verdict}).")


@dataclass(frozen=True, slots=True)
class Walk:
    """A walking clip's reading.

    Attributes:
        start_s, end_s: the first and last heel strike used.
        steps: steps counted, both feet together.
        cadence: steps a minute.
        symmetries: each quantity the view shows, left against right.
        trunk_sway: the trunk's sway over the walk (its lean's range in a side view, degrees; the shoulders'
            sideways range against the hips from the front or back, in ``sway_unit``).
        sway_unit: the trunk sway's unit.
    """

    start_s: float
    end_s: float
    steps: int
    cadence: float
    symmetries: tuple[Symmetry, ...]
    trunk_sway: float
    sway_unit: str


def smoothed(track: np.ndarray) -> np.ndarray:
    """A (frames, 2) track, each position the median of itself and its neighbours."""
    reach = SMOOTHING_FRAMES // 2
    padded = np.concatenate([np.repeat(track[:1], reach, axis=0), track, np.repeat(track[-1:], reach, axis=0)])
    windows = np.stack([padded[k:k + len(track)] for k in range(SMOOTHING_FRAMES)])
    return np.median(windows, axis=0)


def foot_events(times: np.ndarray, heel: np.ndarray, heights_px: np.ndarray) -> FootEvents:
    """When one foot lands and lifts, from its heel's (frames, 2) pixel track and the body's height per frame.

    Stances are the runs of frames in which the heel, smoothed (:func:`smoothed`), moves slower than
    :data:`STANCE_SPEED`. Each landing is then placed between two frames: the heel's last swing is carried on at
    its speed until it reaches where the heel stands (and each lift back from where it stands), so a walk
    filmed at 30 frames a second is timed to a small part of a frame whatever the frames' phase.
    """
    if len(times) < 4:
        return FootEvents((), (), ())
    track = smoothed(heel)
    gaps = np.maximum(np.diff(times), 1e-6)
    sizes = (heights_px[1:] + heights_px[:-1]) / 2.0
    below = debounced(np.linalg.norm(np.diff(track, axis=0), axis=1) / gaps / sizes < STANCE_SPEED, times)
    strikes, lifts, spots = [], [], []
    k = 0
    while k < len(below):
        if not below[k]:
            k += 1
            continue
        end = k
        while end + 1 < len(below) and below[end + 1]:
            end += 1
        first, last = k, end + 1  # interval k joins frames k and k + 1
        spot = np.median(heel[first:last + 1], axis=0)
        still = STILL_SHARE * float(np.median(heights_px[first:last + 1]))
        while first > 0 and np.linalg.norm(heel[first - 1] - spot) < still:
            first -= 1
        while last + 1 < len(heel) and np.linalg.norm(heel[last + 1] - spot) < still:
            last += 1
        if first >= 2:
            strikes.append(_reached(times, heel, spot, first - 1, first - 2, first))
            spots.append((float(spot[0]), float(spot[1])))
        if last + 2 < len(heel):
            lifts.append(_reached(times, heel, spot, last + 1, last + 2, last))
        k = end + 1
    return FootEvents(tuple(strikes), tuple(lifts), tuple(spots))


def debounced(still: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per interval between frames, whether the heel stands: swings shorter than :data:`MIN_SWING_S` between two
    stances are joined into one stance, then stances shorter than :data:`MIN_STANCE_S` are dropped."""
    still = still.copy()
    for value, shortest in ((False, MIN_SWING_S), (True, MIN_STANCE_S)):
        k = 0
        while k < len(still):
            end = k
            while end + 1 < len(still) and still[end + 1] == still[k]:
                end += 1
            inner = value is True or (k > 0 and end + 1 < len(still))  # a swing is joined only between stances
            if still[k] == value and inner and times[end + 1] - times[k] < shortest:
                still[k:end + 1] = not value
            k = end + 1
    return still


def untangled(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two heel tracks (frames, 2) with the frames where the model swapped the feet's labels swapped back: each
    frame's pair is kept or exchanged, whichever lies nearer the previous frame's. Each track keeps the label its
    frames carried most often."""
    first, second = left.copy(), right.copy()
    kept = np.ones(len(left), dtype=bool)
    for k in range(1, len(left)):
        stay = np.linalg.norm(left[k] - first[k - 1]) + np.linalg.norm(right[k] - second[k - 1])
        swap = np.linalg.norm(right[k] - first[k - 1]) + np.linalg.norm(left[k] - second[k - 1])
        if swap < stay:
            first[k], second[k], kept[k] = right[k], left[k], False
    return (first, second) if kept.mean() >= 0.5 else (second, first)


def _reached(times: np.ndarray, heel: np.ndarray, spot: np.ndarray, moving: int, before: int, still: int) -> float:
    """The moment between frames ``moving`` and ``still`` at which the heel, moving as it did between ``before``
    and ``moving``, is at ``spot``."""
    speed = float(np.linalg.norm(heel[moving] - heel[before])) / abs(float(times[moving] - times[before]))
    if speed <= 0.0:
        return float(times[still])
    offset = float(np.linalg.norm(spot - heel[moving])) / speed
    low, high = sorted((float(times[moving]), float(times[still])))
    moment = times[moving] + math.copysign(offset, times[still] - times[moving])
    return float(min(max(moment, low), high))


def symmetry(quantity: str, left: list[float], right: list[float], unit: str) -> Symmetry | None:
    """Left against right: the symmetry index of the two means, with its interval from their standard errors."""
    if not left or not right:
        return None
    mean_left, mean_right = float(np.mean(left)), float(np.mean(right))
    middle = (mean_left + mean_right) / 2.0
    if middle <= 0.0:
        return None
    interval = None
    if len(left) >= 2 and len(right) >= 2:
        error = math.sqrt(float(np.var(left, ddof=1)) / len(left) + float(np.var(right, ddof=1)) / len(right))
        interval = max(INTERVAL_Z * 100.0 * error / middle, MIN_INTERVAL)
    return Symmetry(quantity, mean_left, mean_right, 100.0 * (mean_left - mean_right) / middle, interval,
                    min(len(left), len(right)), unit)


def _at(times: np.ndarray, values: np.ndarray, moment: float) -> float:
    return float(np.interp(moment, times, values))


def _steps(events: dict[str, FootEvents]) -> list[tuple[float, str, float]]:
    """Every heel strike in time order, with its foot and where along the picture's width its heel stood."""
    return sorted((moment, side, spot[0]) for side in SIDES
                  for moment, spot in zip(events[side].strikes, events[side].spots))


def walk(times: np.ndarray, xy: np.ndarray, heights_px: np.ndarray, *, view: ViewKind, facing: int,
         units_per_height: float, unit: str) -> Walk | str:
    """The walk's reading, or a sentence saying why the clip shows no walk to read.

    Args:
        times: (frames,) seconds, increasing, of the frames in which the person was read.
        xy: (frames, 33, 2) their landmark pixels.
        heights_px: (frames,) the person's height in pixels in each (it changes as they walk towards the camera).
        view: the clip's view.
        facing: in a side view, +1 when the person walks towards image-right, -1 towards image-left.
        units_per_height: ``unit`` per body height (the height in cm, or 100 for % of height).
        unit: ``"cm"`` or ``"percent_height"``.
    """
    heels = dict(zip(SIDES, untangled(xy[:, side_landmark("left", "HEEL")], xy[:, side_landmark("right", "HEEL")])))
    events = {side: foot_events(times, heels[side], heights_px) for side in SIDES}
    counts = {side: len(events[side].strikes) for side in SIDES}
    if min(counts.values()) < MIN_STEPS_PER_SIDE:
        return (f"the clip shows {counts['left']} landings of the left foot and {counts['right']} of the right, "
                f"fewer than the {MIN_STEPS_PER_SIDE} of each a walk's left and right are compared on")
    steps = _steps(events)
    cadence = 60.0 * (len(steps) - 1) / max(steps[-1][0] - steps[0][0], 1e-9)
    alternation = float(np.mean([a[1] != b[1] for a, b in zip(steps, steps[1:])]))
    if not CADENCE_RANGE[0] <= cadence <= CADENCE_RANGE[1] or alternation < MIN_ALTERNATION:
        return (f"the landings read do not keep a walk's rhythm ({cadence:.0f} steps a minute, "
                f"{100.0 * alternation:.0f}% of them changing foot), so the foot landmarks are too unsteady in this "
                "clip: film the whole body side-on or head-on, the camera still, in even light, with nobody else "
                "(or no mirror) in the picture")
    step_times: dict[str, list[float]] = {side: [] for side in SIDES}
    step_lengths: dict[str, list[float]] = {side: [] for side in SIDES}
    for (before, previous_side, behind), (moment, side, spot) in zip(steps, steps[1:]):
        if side == previous_side:
            continue  # a landing missed between them: the pair is not one step
        if not STEP_TIME_RANGE[0] <= moment - before <= STEP_TIME_RANGE[1]:
            continue
        step_times[side].append(moment - before)
        if view == "side":
            # The other foot still stands where it landed before: the step is the distance between the two.
            length = facing * (spot - behind) / _at(times, heights_px, moment)
            if STEP_LENGTH_RANGE[0] <= length <= STEP_LENGTH_RANGE[1]:
                step_lengths[side].append(length * units_per_height)
    stance: dict[str, list[float]] = {side: [] for side in SIDES}
    for side in SIDES:
        for strike in events[side].strikes:
            lift = next((moment for moment in events[side].lifts if moment > strike), None)
            if lift is not None:
                stance[side].append(lift - strike)
    found = [symmetry("step time", step_times["left"], step_times["right"], "s"),
             symmetry("stance time", stance["left"], stance["right"], "s")]
    if view == "side":
        found.append(symmetry("step length", step_lengths["left"], step_lengths["right"], unit))
        found.append(_arm_swing(xy, heights_px, facing, units_per_height, unit))
    first, last = steps[0][0], steps[-1][0]
    inside = (times >= first) & (times <= last)
    return Walk(start_s=first, end_s=last, steps=len(steps), cadence=cadence,
                symmetries=tuple(s for s in found if s is not None),
                trunk_sway=_trunk_sway(xy[inside], heights_px[inside], view, units_per_height),
                sway_unit=DEG if view == "side" else unit)


def _arm_swing(xy: np.ndarray, heights_px: np.ndarray, facing: int, units_per_height: float,
               unit: str) -> Symmetry | None:
    """Each wrist's forward-and-back travel against the mid-shoulder point (5th to 95th percentile)."""
    shoulders = (xy[:, Landmark.LEFT_SHOULDER, 0] + xy[:, Landmark.RIGHT_SHOULDER, 0]) / 2.0
    travel = {}
    for side in SIDES:
        ahead = facing * (xy[:, side_landmark(side, "WRIST"), 0] - shoulders) / heights_px * units_per_height
        travel[side] = float(np.percentile(ahead, 95) - np.percentile(ahead, 5))
    return symmetry("arm swing", [travel["left"]], [travel["right"]], unit)


def _trunk_sway(xy: np.ndarray, heights_px: np.ndarray, view: ViewKind, units_per_height: float) -> float:
    """The trunk's lean range (side view, degrees), or the shoulders' sideways range against the hips."""
    shoulders = (xy[:, Landmark.LEFT_SHOULDER] + xy[:, Landmark.RIGHT_SHOULDER]) / 2.0
    hips = (xy[:, Landmark.LEFT_HIP] + xy[:, Landmark.RIGHT_HIP]) / 2.0
    if len(xy) == 0:
        return 0.0
    # The 5th to 95th percentile: a frame or two where the model loses the trunk is not sway.
    if view == "side":
        lean = np.degrees(np.arctan2(shoulders[:, 0] - hips[:, 0], hips[:, 1] - shoulders[:, 1]))
        return float(np.percentile(lean, 95) - np.percentile(lean, 5))
    shift = (shoulders[:, 0] - hips[:, 0]) / heights_px * units_per_height
    return float(np.percentile(shift, 95) - np.percentile(shift, 5))

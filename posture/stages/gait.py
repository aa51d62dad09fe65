"""A walking clip's steps: when each foot lands and lifts, and how the left and right steps compare.

Plain arrays in, frozen values out, as :mod:`posture.stages.sway`. A foot on the floor stands still in the
picture while the body passes over it (the camera is held still); a foot in its swing moves faster than the
body itself. So, in a profile, each foot's stance is the time its heel moves forwards slower than a threshold, one
for both feet (:func:`swing_threshold`). A heel strike is the moment a foot slows below that speed, a toe-off the
moment it speeds up past it, each placed on the heel's filtered track between two frames (:func:`fine_track`), so
that 30 frames a second time a step to a few milliseconds whatever the frames' phase. A walk towards or away from
the camera is not read: there the feet hide each other's heels and move mostly in depth.

From the events:

- a **step time** is the time from one foot's heel strike to the other's (the left step ends on the left foot);
- a **step length** is how far ahead of the other heel the landing heel lies;
- a **stance time** is the time from a foot's heel strike to its toe-off;
- the **arm swing** is how far each wrist travels forwards and back against the shoulders.

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
from posture.knowledge.repeatability import t_975

UPSAMPLE = 8
"""The heel's track is read on a grid this many times finer than the frames."""
FILTER_HZ = 6.0
"""A walking heel's movement lies below this (a stride lasts about a second and its harmonics fade by the sixth);
faster wobble is the landmarks' jitter."""
SWING_FRACTION = 0.25
"""A heel swings while its speed exceeds this share of the feet's fast speed: a foot on the floor stays near zero
and a swinging one far above, whatever the walk's pace and the person's size in the picture."""
MIN_SWING_S = 0.1
"""A run above the threshold shorter than this is the landmarks' jitter, not a swing."""
MIN_STANCE_S = 0.25
"""A run below the threshold shorter than this is no stance. A walking heel stands still for 0.35 s or more
between its landing and its lift; it also slows for a moment in early swing, as the knee bends and the shin
swings back while the thigh swings forwards, and rendered and real heels alike show it."""
SETTLE_S = 0.1
"""Where a heel stands is read from this long after its landing, when it has come to rest."""
BACKWARD_SHARE = 0.5
"""A heel's landmark moving backwards faster than this share of the feet's fast speed has jumped: a heel draws back
a little before it lands, never at half its swing's speed."""
JUMP_GUARD_S = 0.1
"""Landings and lifts this close to such a jump are dropped (:func:`foot_events`)."""
MIN_STEPS_PER_SIDE = 2
"""Steps of each foot needed before the walk is read: one step of each says nothing of their spread."""
STEP_TIME_RANGE = (0.3, 1.2)
"""Seconds a walking step lasts; a step read outside it is a landing missed or one the jitter made up."""
STEP_LENGTH_RANGE = (0.15, 0.6)
"""Body heights a walking step covers (about 0.4 at an easy pace); outside it, or backwards (a turn), the step is
not counted."""
MAX_DEPTH_RATIO = 1.2
"""The largest ratio of the near foot's stride to the far foot's, in the picture, that depth explains: a hip's
width (about 0.2 m) over a camera 1 m or more away. The rendered walks, filmed from 5 m, show 1.07-1.09."""
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
MIN_INTERVAL = 1.0
"""Percentage points below which no interval is given, however even the steps: placing a landing between two
frames leaves about this much between the feet on constructed walks with the landmarks' jitter."""

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
    def index_text(self) -> str:
        """The index with its interval, as a table shows it: ``"+12.0 ± 1.7 %"``, marked when the sides are not
        compared (too few readings, or steps scattering beyond :data:`MAX_INTERVAL`)."""
        spread = "" if self.interval is None else f" ± {self.interval:.1f}"
        return f"{self.index:+.1f}{spread} %" + ("" if self.readable else " (not compared)")

    @property
    def one_sided(self) -> bool:
        """A difference out of its interval and larger than :data:`ONE_SIDED_INDEX`: the walk favours a side."""
        return bool(self.detectable) and abs(self.index) > ONE_SIDED_INDEX

    @property
    def sentence(self) -> str:
        """What the comparison says, in words: which side is larger, or no detectable difference."""
        quantity = self.quantity[0].upper() + self.quantity[1:]
        if self.quantity == "arm swing":
            return (f"{quantity}: {self.value_text(self.left)} left, {self.value_text(self.right)} right, not "
                    "compared: from the side the far arm swings mostly behind the body, where its wrist is guessed "
                    "(on rendered walks with even arms the far one read about half the near one's swing).")
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
        symmetries: each quantity, left against right.
        trunk_sway: the trunk's sway over the walk: the range of its lean, in ``sway_unit``.
        sway_unit: the trunk sway's unit.
    """

    start_s: float
    end_s: float
    steps: int
    cadence: float
    symmetries: tuple[Symmetry, ...]
    trunk_sway: float
    sway_unit: str


def fine_track(times: np.ndarray, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A (frames,) signal on an even grid :data:`UPSAMPLE` times finer than the frames, its frequencies above
    :data:`FILTER_HZ` damped: the grid's times and the signal on it.

    The signal is put on the frames' median interval, continued at both ends by turning it half a turn about its
    end points, and cleared of its straight line from end to end, so that neither the walk's steady travel nor the
    transform's wrapping round puts a jump into it. It is then filtered by a Gaussian (a sharp cut would ring, and
    its ripples would move the speed's crossings) and interpolated through its spectrum, so that a landing between
    two frames is timed on a smooth curve.
    """
    interval = float(np.median(np.diff(times)))
    even = np.arange(times[0], times[-1] + interval / 2, interval)
    count = len(even)
    grid = even[0] + np.arange(UPSAMPLE * (count - 1) + 1) * interval / UPSAMPLE
    frequencies = np.fft.rfftfreq(3 * count, d=interval)
    gain = np.exp(-math.log(2) / 2 * (frequencies / FILTER_HZ) ** 2)
    sampled = np.interp(even, times, signal)
    continued = np.concatenate([2 * sampled[0] - sampled[::-1], sampled, 2 * sampled[-1] - sampled[::-1]])
    line = np.linspace(continued[0], continued[-1], len(continued))
    upsampled = UPSAMPLE * np.fft.irfft(np.fft.rfft(continued - line) * gain, n=UPSAMPLE * len(continued))
    return grid, upsampled[UPSAMPLE * count:UPSAMPLE * count + len(grid)] + np.interp(grid, even, line[count:2 * count])


def heel_speed(times: np.ndarray, heel: np.ndarray, heights_px: np.ndarray, *,
               facing: int) -> tuple[np.ndarray, np.ndarray]:
    """A heel's forward speed in a profile, in body heights a second, on the fine grid (:func:`fine_track`): the
    foot's lifting and its landmark's wobble up and down are left out."""
    grid, forward = fine_track(times, heel[:, 0])
    return grid, facing * np.gradient(forward, grid) / np.interp(grid, times, heights_px)


def swing_threshold(speeds: list[np.ndarray]) -> float:
    """The speed that parts stance from swing, one for both feet: :data:`SWING_FRACTION` of their fast speed (the
    90th percentile over the walk). A threshold of each foot's own would time the two feet's landings
    differently, which is the very difference read."""
    return SWING_FRACTION * float(np.percentile(np.concatenate(speeds), 90))


def crossings(times: np.ndarray, speed: np.ndarray, threshold: float) -> tuple[list[float], list[float]]:
    """The times ``speed`` falls below ``threshold`` (landings) and rises past it (lifts), each placed linearly
    between the two samples on either side.

    First every inner run above it shorter than :data:`MIN_SWING_S` is taken as below it, then every inner run
    below it shorter than :data:`MIN_STANCE_S` as above it: a flicker of the landmarks is no lift, and the swing's
    slow moment is no landing.
    """
    above = speed > threshold
    for value, shortest in ((True, MIN_SWING_S), (False, MIN_STANCE_S)):
        edges = np.flatnonzero(np.diff(above.astype(int))) + 1
        starts = np.concatenate([[0], edges])
        ends = np.concatenate([edges, [len(above)]]) - 1
        for first, last in list(zip(starts, ends))[1:-1]:
            if above[first] == value and times[last] - times[first] < shortest:
                above[first:last + 1] = not value
    found: tuple[list[float], list[float]] = ([], [])
    for events, moments in ((found[0], above[:-1] & ~above[1:]), (found[1], ~above[:-1] & above[1:])):
        for i in np.flatnonzero(moments):
            rise = speed[i + 1] - speed[i]
            straddles = (speed[i] - threshold) * (speed[i + 1] - threshold) <= 0 and rise != 0
            fraction = (threshold - speed[i]) / rise if straddles else 0.5
            events.append(float(times[i] + fraction * (times[i + 1] - times[i])))
    return found


def foot_events(times: np.ndarray, heel: np.ndarray, heights_px: np.ndarray, *, facing: int = 1,
                threshold: float | None = None) -> FootEvents:
    """When one foot lands and lifts, from its heel's (frames, 2) pixel track and the body's height per frame.

    A landing is where the heel's forward speed (:func:`heel_speed`) falls below ``threshold`` (body heights a
    second; by default :func:`swing_threshold` of this heel alone), a lift where it rises past it. Where the heel
    stood is the median of its raw positions from :data:`SETTLE_S` after the landing to the lift. Near a moment
    when the heel's landmark moves backwards fast (:data:`BACKWARD_SHARE`), no event is read and no position is
    taken.
    """
    if len(times) < 4:
        return FootEvents((), (), ())
    grid, speed = heel_speed(times, heel, heights_px, facing=facing)
    limit = swing_threshold([speed]) if threshold is None else threshold
    strikes, lifts = crossings(grid, speed, limit)
    # A heel does not rush backwards: where its landmark does, it has jumped to the other foot or off the body, and
    # the landings and lifts read near there are not trusted.
    jumps = grid[speed < -BACKWARD_SHARE * limit / SWING_FRACTION]
    if len(jumps):
        strikes, lifts = ([m for m in found if np.min(np.abs(jumps - m)) > JUMP_GUARD_S] for found in (strikes, lifts))
    # A frame near a jump shows the landmark off the heel, not where the heel stands.
    steady = (np.ones(len(times), dtype=bool) if not len(jumps)
              else np.min(np.abs(times[:, None] - jumps[None, :]), axis=1) > JUMP_GUARD_S)
    spots = []
    for strike in strikes:
        lift = next((moment for moment in lifts if moment > strike), strike + 3 * SETTLE_S)
        standing = (times >= strike + SETTLE_S) & (times <= max(lift, strike + 2 * SETTLE_S)) & steady
        spot = (np.median(heel[standing], axis=0) if standing.any()
                else np.array([np.interp(strike + SETTLE_S, times, heel[:, axis]) for axis in (0, 1)]))
        spots.append((float(spot[0]), float(spot[1])))
    return FootEvents(tuple(strikes), tuple(lifts), tuple(spots))


def untangled(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two heel tracks (frames, 2) with the frames where the model swapped the feet's labels swapped back.

    Each frame's pair is kept or exchanged, whichever lies nearer where each heel was heading: its last position
    carried on at its last frame's velocity. Nearness alone cannot tell the feet apart as the swinging heel passes
    the standing one, which is where the model most often swaps them; their speeds can. Each track keeps the label
    its frames carried most often.
    """
    first, second = left.copy(), right.copy()
    kept = np.ones(len(left), dtype=bool)
    for k in range(1, len(left)):
        ahead_first = first[k - 1] + (first[k - 1] - first[k - 2] if k >= 2 else 0.0)
        ahead_second = second[k - 1] + (second[k - 1] - second[k - 2] if k >= 2 else 0.0)
        stay = np.linalg.norm(left[k] - ahead_first) + np.linalg.norm(right[k] - ahead_second)
        swap = np.linalg.norm(right[k] - ahead_first) + np.linalg.norm(left[k] - ahead_second)
        if swap < stay:
            first[k], second[k], kept[k] = right[k], left[k], False
    return (first, second) if kept.mean() >= 0.5 else (second, first)


def symmetry(quantity: str, left: list[float], right: list[float], unit: str) -> Symmetry | None:
    """Left against right: the symmetry index of the two means, with its 95% interval from their standard errors
    (Welch's: Student's t at the Welch-Satterthwaite degrees of freedom, wide when a side has few steps)."""
    if not left or not right:
        return None
    mean_left, mean_right = float(np.mean(left)), float(np.mean(right))
    middle = (mean_left + mean_right) / 2.0
    if middle <= 0.0:
        return None
    interval = None
    if len(left) >= 2 and len(right) >= 2:
        shares = (float(np.var(left, ddof=1)) / len(left), float(np.var(right, ddof=1)) / len(right))
        error = math.sqrt(sum(shares))
        freedom = (sum(shares) ** 2 / (shares[0] ** 2 / (len(left) - 1) + shares[1] ** 2 / (len(right) - 1))
                   if error > 0.0 else float(len(left) + len(right) - 2))
        interval = max(t_975(freedom) * 100.0 * error / middle, MIN_INTERVAL)
    return Symmetry(quantity, mean_left, mean_right, 100.0 * (mean_left - mean_right) / middle, interval,
                    min(len(left), len(right)), unit)


def _at(times: np.ndarray, values: np.ndarray, moment: float) -> float:
    return float(np.interp(moment, times, values))


def depth_matched(events: dict[str, FootEvents], centre_x: float) -> tuple[dict[str, list[float]], float]:
    """Where each heel stood along the picture's width, the far foot's spots brought to the near foot's depth, and
    the ratio used.

    The far foot lies a hip's width further from the camera, so the picture shows it smaller about its middle
    column, and its spots shifted towards that column by an amount that changes as the person crosses the picture:
    from the side, the step from a near heel to a far one and the step back differ by that shift, enough to feign a
    step-length asymmetry of ten points or more. The feet's strides (each heel's own spot to its next) are alike in
    a steady walk, whatever its asymmetry, so the ratio of their median strides is the ratio of the feet's depths;
    the far foot's spots are scaled by it about ``centre_x``. A ratio beyond :data:`MAX_DEPTH_RATIO` is no depth
    (a foot's spot misread) and is returned without scaling.
    """
    spots = {side: [spot[0] for spot in events[side].spots] for side in SIDES}
    strides = {side: float(np.median(np.abs(np.diff(spots[side])))) for side in SIDES}
    near, far = sorted(SIDES, key=lambda side: strides[side], reverse=True)
    ratio = strides[near] / strides[far] if strides[far] > 0.0 else math.inf
    if ratio > MAX_DEPTH_RATIO:
        return spots, ratio
    spots[far] = [centre_x + (x - centre_x) * ratio for x in spots[far]]
    return spots, ratio


def _steps(events: dict[str, FootEvents], spots: dict[str, list[float]]) -> list[tuple[float, str, float]]:
    """Every heel strike in time order, with its foot and where along the picture's width its heel stood."""
    return sorted((moment, side, spot) for side in SIDES for moment, spot in zip(events[side].strikes, spots[side]))


def walk(times: np.ndarray, xy: np.ndarray, heights_px: np.ndarray, *, view: ViewKind, facing: int,
         units_per_height: float, unit: str, centre_x: float) -> Walk | str:
    """The walk's reading, or a sentence saying why the clip shows no walk to read.

    Args:
        times: (frames,) seconds, increasing, of the frames in which the person was read.
        xy: (frames, 33, 2) their landmark pixels.
        heights_px: (frames,) the person's height in pixels in each (it changes as they come nearer or go away).
        view: the clip's view; only a side view's walk is read.
        facing: +1 when the person walks towards image-right, -1 towards image-left.
        units_per_height: ``unit`` per body height (the height in cm, or 100 for % of height).
        unit: ``"cm"`` or ``"percent_height"``.
        centre_x: the picture's middle column, in pixels (:func:`depth_matched`).
    """
    if view != "side":
        return ("a walk is read from the side only: from the front or back the feet hide each other's heels and "
                "move mostly towards the camera, and the landings of rendered walks filmed so could not be timed "
                "(bench/VIDEO.md); film the person walking across the picture, side-on")
    heels = dict(zip(SIDES, untangled(xy[:, side_landmark("left", "HEEL")], xy[:, side_landmark("right", "HEEL")])))
    threshold = swing_threshold([heel_speed(times, heels[side], heights_px, facing=facing)[1] for side in SIDES])
    events = {side: foot_events(times, heels[side], heights_px, facing=facing, threshold=threshold)
              for side in SIDES}
    counts = {side: len(events[side].strikes) for side in SIDES}
    if min(counts.values()) < MIN_STEPS_PER_SIDE:
        return (f"the clip shows {counts['left']} landings of the left foot and {counts['right']} of the right, "
                f"fewer than the {MIN_STEPS_PER_SIDE} of each a walk's left and right are compared on")
    spots, depth_ratio = depth_matched(events, centre_x)
    steps = _steps(events, spots)
    cadence = 60.0 * (len(steps) - 1) / max(steps[-1][0] - steps[0][0], 1e-9)
    alternation = float(np.mean([a[1] != b[1] for a, b in zip(steps, steps[1:])]))
    if not CADENCE_RANGE[0] <= cadence <= CADENCE_RANGE[1] or alternation < MIN_ALTERNATION:
        return (f"the landings read do not keep a walk's rhythm ({cadence:.0f} steps a minute, "
                f"{100.0 * alternation:.0f}% of them changing foot), so the foot landmarks are too unsteady in this "
                "clip: film the whole body side-on, the camera still, in even light, with nobody else "
                "(or no mirror) in the picture")
    step_times: dict[str, list[float]] = {side: [] for side in SIDES}
    step_lengths: dict[str, list[float]] = {side: [] for side in SIDES}
    for (before, previous_side, behind), (moment, side, spot) in zip(steps, steps[1:]):
        if side == previous_side:
            continue  # a landing missed between them: the pair is not one step
        if not STEP_TIME_RANGE[0] <= moment - before <= STEP_TIME_RANGE[1]:
            continue
        step_times[side].append(moment - before)
        # The other foot still stands where it landed before: the step is the distance between the two.
        length = facing * (spot - behind) / _at(times, heights_px, moment)
        if depth_ratio <= MAX_DEPTH_RATIO and STEP_LENGTH_RANGE[0] <= length <= STEP_LENGTH_RANGE[1]:
            step_lengths[side].append(length * units_per_height)
    stance: dict[str, list[float]] = {side: [] for side in SIDES}
    for side in SIDES:
        for strike in events[side].strikes:
            lift = next((moment for moment in events[side].lifts if moment > strike), None)
            if lift is not None:
                stance[side].append(lift - strike)
    found = [symmetry("step time", step_times["left"], step_times["right"], "s"),
             symmetry("stance time", stance["left"], stance["right"], "s"),
             symmetry("step length", step_lengths["left"], step_lengths["right"], unit),
             _arm_swing(xy, heights_px, facing, units_per_height, unit)]
    first, last = steps[0][0], steps[-1][0]
    inside = (times >= first) & (times <= last)
    return Walk(start_s=first, end_s=last, steps=len(steps), cadence=cadence,
                symmetries=tuple(s for s in found if s is not None),
                trunk_sway=_trunk_sway(xy[inside]), sway_unit=DEG)


def _arm_swing(xy: np.ndarray, heights_px: np.ndarray, facing: int, units_per_height: float,
               unit: str) -> Symmetry | None:
    """Each wrist's forward-and-back travel against the mid-shoulder point (5th to 95th percentile)."""
    shoulders = (xy[:, Landmark.LEFT_SHOULDER, 0] + xy[:, Landmark.RIGHT_SHOULDER, 0]) / 2.0
    travel = {}
    for side in SIDES:
        ahead = facing * (xy[:, side_landmark(side, "WRIST"), 0] - shoulders) / heights_px * units_per_height
        travel[side] = float(np.percentile(ahead, 95) - np.percentile(ahead, 5))
    return symmetry("arm swing", [travel["left"]], [travel["right"]], unit)


def _trunk_sway(xy: np.ndarray) -> float:
    """The range of the trunk's lean in a profile, in degrees."""
    shoulders = (xy[:, Landmark.LEFT_SHOULDER] + xy[:, Landmark.RIGHT_SHOULDER]) / 2.0
    hips = (xy[:, Landmark.LEFT_HIP] + xy[:, Landmark.RIGHT_HIP]) / 2.0
    if len(xy) == 0:
        return 0.0
    # The 5th to 95th percentile: a frame or two where the model loses the trunk is not sway.
    lean = np.degrees(np.arctan2(shoulders[:, 0] - hips[:, 0], hips[:, 1] - shoulders[:, 1]))
    return float(np.percentile(lean, 95) - np.percentile(lean, 5))

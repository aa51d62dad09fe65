"""The body's outline: pure functions on the segmentation mask, anchored by the landmarks.

The pose landmarks are joint centres: tilting the pelvis about the hip joints
moves none of them, and a hip hiked on one side moves the hip landmark by a
fraction of the drop. The outline of the body does move: the hollow of the
low back and the buttock behind it in a side view, the flank of each hip in a
front or back view. This module reads those outlines.

Everything here works in original-image pixels (x right, y down); the mask
is sampled with bilinear interpolation and every edge is the sub-pixel point
where the person probability crosses :data:`EDGE_LEVEL`, found by walking
outward from a line that lies inside the body (the trunk's axis), so a
background object touching the outline further out is never taken for it.

Measurements of a profile are given as fractions of a reference length
(the trunk's hip → shoulder length) or in pixels; the caller converts to
% of body height or cm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EDGE_LEVEL = 0.5
"""Person probability at which the outline is drawn (MediaPipe's own threshold)."""
STEP_PX = 0.5
"""Sampling step along a ray, in mask pixels: finer than the mask's resolution, so the crossing is interpolated."""


@dataclass(frozen=True, slots=True)
class AxisFrame:
    """A frame in original-image pixels: an axis inside the body and the direction across it.

    Attributes:
        origin: shape (2,), the point at level 0 (e.g. the hip landmark).
        up: shape (2,), unit vector along the axis (level grows this way).
        across: shape (2,), unit vector perpendicular to ``up``: forward in a
            side view, towards the person's left in a front or back view.
        length: pixels per level unit (e.g. the hip → shoulder distance).
    """

    origin: np.ndarray
    up: np.ndarray
    across: np.ndarray
    length: float

    def point(self, level: float, offset_px: float = 0.0) -> np.ndarray:
        """The image point at ``level`` along the axis, ``offset_px`` across it."""
        return self.origin + level * self.length * self.up + offset_px * self.across


def trunk_frame(hip: np.ndarray, shoulder: np.ndarray, facing: int) -> AxisFrame:
    """The side-view frame: origin at the hip, up along hip → shoulder, across = forward.

    Args:
        hip, shoulder: shape (2,), the near side's landmarks in pixels.
        facing: +1 when the person faces image-right, -1 when image-left.
    """
    axis = np.asarray(shoulder, dtype=np.float64) - np.asarray(hip, dtype=np.float64)
    length = float(np.hypot(*axis))
    if length <= 0.0:
        raise ValueError("the hip and shoulder landmarks coincide")
    up = axis / length
    # Rotating "up" a quarter turn clockwise on screen (y down) points image-right when upright.
    right = np.array([-up[1], up[0]])
    return AxisFrame(origin=np.asarray(hip, dtype=np.float64), up=up, across=facing * right, length=length)


def upright_frame(origin: np.ndarray, length: float, persons_left: int) -> AxisFrame:
    """The front/back-view frame: up is the image's vertical (the camera is level), across the person's left.

    Args:
        origin: shape (2,), e.g. the mid-hip point.
        length: pixels per level unit, e.g. the trunk length.
        persons_left: +1 when the person's left is image-right (front view), -1 in a back view.
    """
    return AxisFrame(origin=np.asarray(origin, dtype=np.float64), up=np.array([0.0, -1.0]),
                     across=np.array([float(persons_left), 0.0]), length=float(length))


def edge_distances(mask: np.ndarray, mask_scale: float, frame: AxisFrame, levels: np.ndarray, *,
                   direction: int, start_px: float = 0.0, reach_px: float) -> np.ndarray:
    """Distance from the axis to the outline at each level, as :func:`edges_and_gaps` gives it, without the gaps.

    Without the gaps a ray can stop at its edge: it is read in stretches and each stops at its first
    sample outside the person, which gives the same distances for a fraction of the samples.
    """
    step, offsets, starts = _axis_rays(mask_scale, frame, levels, direction, start_px, reach_px)
    return np.abs(_crossing_offsets(offsets, direction * step,
                                    *_first_exits(mask, mask_scale, starts, frame.across, offsets)))


def _crossing_offsets(offsets: np.ndarray, step: float, found: np.ndarray, k: np.ndarray, before: np.ndarray,
                      after: np.ndarray) -> np.ndarray:
    """Where each ray crosses :data:`EDGE_LEVEL`, interpolated between samples ``k - 1`` and ``k`` (NaN: no edge).

    ``offsets`` are the samples' places along a ray and ``step`` the signed distance from one to the next.
    """
    drop = before - after
    fraction = np.divide(before - EDGE_LEVEL, drop, out=np.zeros_like(drop), where=drop != 0.0)
    return np.where(found, offsets[np.maximum(k, 1) - 1] + fraction * step, np.nan)


def _axis_rays(mask_scale: float, frame: AxisFrame, levels: np.ndarray, direction: int, start_px: float,
               reach_px: float) -> tuple[float, np.ndarray, np.ndarray]:
    """The rays across ``frame`` at ``levels``: (sampling step, offsets along a ray, start points), in original pixels.

    Raises:
        ValueError: ``direction`` is not +1 or -1.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction!r}")
    step = STEP_PX / mask_scale
    offsets = start_px + direction * np.arange(0.0, reach_px + step, step)
    levels = np.asarray(levels, dtype=np.float64)
    starts = frame.origin[None, :] + (levels * frame.length)[:, None] * frame.up[None, :]
    return step, offsets, starts


RAY_STRETCH = 12
"""Coarse samples read per ray at a time by :func:`_first_exits`: most edges lie within the first stretch or two."""
COARSE_EVERY = 4
""":func:`_first_exits` first reads every fourth sample of a ray (2 mask pixels apart), then the samples just before
the first coarse one outside. A dip below the edge level between two coarse samples that are both inside is read
through: over 991 renders and photos the measurements were the same as with every sample read but for one belly
prominence (6.23 -> 6.36 cm), where the mask barely dipped below the edge level for a single sample in front of
the belly and rose again."""


def _first_exits(mask: np.ndarray, mask_scale: float, starts: np.ndarray, way: np.ndarray,
                 offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where rays from ``starts`` (original pixels) along ``way`` first sample the mask below :data:`EDGE_LEVEL`.

    Sample ``j`` of a ray lies at ``start + offsets[j] * way``. Every :data:`COARSE_EVERY`-th sample (and the
    last) is read first, a stretch of :data:`RAY_STRETCH` at a time, dropping a ray once it has left the
    person; then the samples between a ray's last coarse sample inside and its first outside are read, and
    the first of them outside is the exit.

    Returns:
        (found, k, before, after), shape (n,) each: ``found`` is True where the ray starts inside the
        person and leaves it within ``offsets``; there ``k`` is the first sample outside, ``before`` and
        ``after`` the values at samples ``k - 1`` and ``k`` (elsewhere k is 0 and the values are 0).
    """
    count = starts.shape[0]
    found = np.zeros(count, dtype=bool)
    k = np.zeros(count, dtype=np.int64)
    before = np.zeros(count)
    after = np.zeros(count)
    coarse = np.unique(np.append(np.arange(0, offsets.size, COARSE_EVERY), offsets.size - 1))
    exit_at = np.zeros(count, dtype=np.int64)  # each leaving ray's first coarse sample outside, as an index of coarse
    active = np.arange(count)
    for low in range(0, coarse.size, RAY_STRETCH):
        stretch = offsets[coarse[low:low + RAY_STRETCH]]
        values = _ray_samples(mask, mask_scale, starts[active], way, stretch)
        if low == 0:
            # A ray that starts outside the person has no edge.
            active, values = active[values[:, 0] >= EDGE_LEVEL], values[values[:, 0] >= EDGE_LEVEL]
        outside = values < EDGE_LEVEL
        leaves = outside.any(axis=1)
        found[active[leaves]] = True
        exit_at[active[leaves]] = low + np.argmax(outside[leaves], axis=1)
        active = active[~leaves]
        if active.size == 0:
            break
    leaving = np.flatnonzero(found)
    if leaving.size == 0:
        return found, k, before, after
    # The fine samples from the last coarse sample inside to the first outside; a short last bracket repeats its end.
    first_fine, last_fine = coarse[exit_at[leaving] - 1], coarse[exit_at[leaving]]
    indices = np.minimum(first_fine[:, None] + np.arange(COARSE_EVERY + 1)[None, :], last_fine[:, None])
    points = starts[leaving, None, :] + offsets[indices][..., None] * way[None, None, :]
    values = bilinear(mask, points[..., 0] * mask_scale, points[..., 1] * mask_scale)
    first = np.argmax(values < EDGE_LEVEL, axis=1)  # at least 1: the bracket's first sample is inside
    rows = np.arange(leaving.size)
    k[leaving] = indices[rows, first]
    before[leaving] = values[rows, first - 1]
    after[leaving] = values[rows, first]
    return found, k, before, after


def _ray_samples(mask: np.ndarray, mask_scale: float, starts: np.ndarray, way: np.ndarray,
                 offsets: np.ndarray) -> np.ndarray:
    """The mask's values at ``starts[i] + offsets[j] * way``, shape (len(starts), len(offsets))."""
    if starts.shape[0] > 1 and way[1] == 0.0 and (starts[:, 0] == starts[0, 0]).all():
        # Level rays from one column: every ray samples the same columns, each on its own row.
        return bilinear_grid(mask, (starts[0, 0] + offsets * way[0]) * mask_scale, starts[:, 1] * mask_scale)
    if starts.shape[0] > 1 and way[0] == 0.0 and (starts[:, 1] == starts[0, 1]).all():
        return bilinear_grid(mask, starts[:, 0] * mask_scale, (starts[0, 1] + offsets * way[1]) * mask_scale).T
    points = starts[:, None, :] + offsets[None, :, None] * way[None, None, :]
    return bilinear(mask, points[..., 0] * mask_scale, points[..., 1] * mask_scale)


def edges_and_gaps(mask: np.ndarray, mask_scale: float, frame: AxisFrame, levels: np.ndarray, *,
                   direction: int, start_px: float = 0.0, reach_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Distance from the axis to the outline, across it, at each level; NaN where no edge is found.

    A ray starts on the axis (``start_px`` across it) and walks outward in
    ``direction`` (+1 along ``frame.across``, -1 against it) for at most
    ``reach_px``. The edge is the first point where the probability falls
    through :data:`EDGE_LEVEL`, interpolated linearly between samples; a ray
    that starts outside the body gives NaN.

    Args:
        mask: shape (h, w), person probability in [0, 1] at mask resolution.
        mask_scale: mask pixels per original pixel.
        frame: where the rays start and which way they point.
        levels: shape (n,), levels along the axis.
        direction: +1 or -1.
        start_px: offset across the axis where the rays start, original pixels.
        reach_px: how far a ray may go, original pixels.

    Returns:
        (distances, gaps): shape (n,) each. ``distances`` in original pixels
        from the axis (not from the ray's start), measured in ``direction``;
        ``gaps`` is True where the ray meets the person again beyond the
        edge (an arm hanging clear of the hip leaves such a gap; an arm
        resting against it does not).
    """
    step, offsets, starts = _axis_rays(mask_scale, frame, levels, direction, start_px, reach_px)
    values = _ray_samples(mask, mask_scale, starts, frame.across, offsets)
    inside = values >= EDGE_LEVEL
    outside = ~inside
    # The first sample outside the person on each ray; a ray that starts outside, or never leaves, has no edge.
    first_out = np.argmax(outside, axis=1)
    found = inside[:, 0] & outside.any(axis=1)
    rows = np.arange(starts.shape[0])
    k = np.where(found, first_out, 1)
    before, after = values[rows, k - 1], values[rows, k]
    result = np.abs(_crossing_offsets(offsets, direction * step, found, k, before, after))
    gaps = found & (inside & (np.arange(offsets.size)[None, :] > k[:, None])).any(axis=1)
    return result, gaps


SEAM_RISE = 0.1
"""Where an arm rests against the body the mask has no gap, but its person probability sinks along the seam
between them: :func:`seams` takes a valley for the seam when the probability rises again beyond it by at least
this much, before the outer edge. On the front and back renders with the arms against the flanks the seam sank to
0.5-0.8 at the waist, where the inside of a body and of an arm stays above 0.95."""


def seams(mask: np.ndarray, mask_scale: float, frame: AxisFrame, levels: np.ndarray, *,
          direction: int, reach_px: float) -> np.ndarray:
    """Distance from the axis to a seam inside the outline at each level, NaN where there is none.

    Rays run as in :func:`edges_and_gaps`. Going inward from the outer edge, the probability first climbs to
    the peak of whatever lies against the body (an arm); the seam is the lowest point between the axis and that
    peak, refined by a parabola, if it lies at least :data:`SEAM_RISE` below the peak. A ray that starts outside
    the person, or meets the person again beyond its edge (a gap, which
    :func:`edges_and_gaps` reads), gives NaN.
    """
    step, offsets, starts = _axis_rays(mask_scale, frame, levels, direction, start_px=0.0, reach_px=reach_px)
    values = _ray_samples(mask, mask_scale, starts, frame.across, offsets)
    inside = values >= EDGE_LEVEL
    samples = np.arange(offsets.size)[None, :]
    edge = np.argmax(~inside, axis=1)
    usable = inside[:, 0] & (~inside).any(axis=1) & ~(inside & (samples > edge[:, None])).any(axis=1)
    # The peak: where the last rise before the edge ends, so that the edge's own fall is not taken for a valley.
    rises = (values[:, 1:] > values[:, :-1]) & (samples[:, 1:] < edge[:, None])
    peak = np.where(rises.any(axis=1), offsets.size - 1 - np.argmax(rises[:, ::-1], axis=1), 0)
    before_peak = np.where(samples < peak[:, None], values, np.inf)
    bottom = np.argmin(before_peak, axis=1)
    rows = np.arange(values.shape[0])
    low, high = values[rows, bottom], values[rows, peak]
    found = usable & (peak > 0) & (high - low >= SEAM_RISE)
    inner = np.clip(bottom, 1, offsets.size - 2)
    left, centre, right = values[rows, inner - 1], values[rows, inner], values[rows, inner + 1]
    curvature = left - 2.0 * centre + right
    shift = np.where((bottom == inner) & (curvature > 0.0),
                     0.5 * (left - right) / np.where(curvature > 0.0, curvature, 1.0), 0.0)
    return np.where(found, np.abs(offsets[bottom] + shift * direction * step), np.nan)


def bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of a 2-D array at continuous coordinates; 0 outside.

    Pixel (i, j) is the unit square whose centre is (x, y) = (j + 0.5, i + 0.5).
    Computed in float64, because OpenCV's remap rounds positions to 1/32 pixel,
    coarser than the sub-pixel edges wanted here.
    """
    rows, cols = image.shape
    c0, c1, weight_left, weight_right = _neighbours(np.asarray(x, dtype=np.float64), cols)
    r0, r1, weight_top, weight_bottom = _neighbours(np.asarray(y, dtype=np.float64), rows)
    flat = image.ravel()
    r0, r1 = r0 * cols, r1 * cols
    upper = flat[r0 + c0] * weight_left + flat[r0 + c1] * weight_right
    lower = flat[r1 + c0] * weight_left + flat[r1 + c1] * weight_right
    return upper * weight_top + lower * weight_bottom


def bilinear_grid(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`bilinear` at every (x[j], y[i]), shape (len(y), len(x)): the same values, each axis's weights found once."""
    rows, cols = image.shape
    c0, c1, weight_left, weight_right = _neighbours(np.asarray(x, dtype=np.float64), cols)
    r0, r1, weight_top, weight_bottom = _neighbours(np.asarray(y, dtype=np.float64), rows)
    r0, r1 = (r0 * cols)[:, None], (r1 * cols)[:, None]
    flat = image.ravel()
    upper = flat[r0 + c0] * weight_left + flat[r0 + c1] * weight_right
    lower = flat[r1 + c0] * weight_left + flat[r1 + c1] * weight_right
    return upper * weight_top[:, None] + lower * weight_bottom[:, None]


def _neighbours(coordinate: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Along one axis of ``size`` pixels: the two pixels around each coordinate and their weights.

    Outside the array the probability is 0: a neighbour there gets no weight, and a clipped index is read.
    """
    shifted = coordinate - 0.5
    low = np.floor(shifted)
    fraction = shifted - low
    first = low.astype(np.intp)
    weight_first = np.where((first >= 0) & (first < size), 1.0 - fraction, 0.0)
    weight_second = np.where((first >= -1) & (first < size - 1), fraction, 0.0)
    return (np.minimum(np.maximum(first, 0), size - 1), np.minimum(np.maximum(first + 1, 0), size - 1),
            weight_first, weight_second)


def upper_hull(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The upper convex hull of the points (t, y), t increasing: the taut string laid over them from above.

    NaN points are ignored.
    """
    keep = np.isfinite(t) & np.isfinite(y)
    order = np.argsort(t[keep])
    ts, ys = t[keep][order], y[keep][order]
    # Python floats: the same double arithmetic as numpy's, without a numpy scalar per step.
    tl, yl = ts.tolist(), ys.tolist()
    hull: list[int] = []
    for index in range(len(tl)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # Drop b when it lies on or below the segment a → index.
            cross = (tl[b] - tl[a]) * (yl[index] - yl[a]) - (yl[b] - yl[a]) * (tl[index] - tl[a])
            if cross >= 0.0:
                hull.pop()
            else:
                break
        hull.append(index)
    return ts[hull], ys[hull]


def hollow_depth(t: np.ndarray, y: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """How far the profile sinks below its upper hull between ``low`` and ``high``, and where.

    For a back profile (y = distance behind the axis) this is the hollow of
    the low back under the line that touches the buttock and the upper back.

    Returns:
        (depth, level of the deepest point); (NaN, NaN) when no point lies in the span.
    """
    hull_t, hull_y = upper_hull(t, y)
    span = np.isfinite(y) & (t >= low) & (t <= high)
    if not span.any() or hull_t.size < 2:
        return math.nan, math.nan
    gaps = np.interp(t[span], hull_t, hull_y) - y[span]
    deepest = int(np.argmax(gaps))
    return float(gaps[deepest]), float(t[span][deepest])


def bulge(t: np.ndarray, y: np.ndarray, start: float, end: float) -> float:
    """The largest distance of the profile beyond the chord from level ``start`` to level ``end``.

    For a front profile (y = distance ahead of the axis) with the chord from
    the groin to the lower ribs, this is how far the belly stands out; it is
    negative when the whole span lies behind the chord. NaN without data.
    """
    finite = np.isfinite(y)
    if finite.sum() < 3:
        return math.nan
    y_start, y_end = (float(np.interp(level, t[finite], y[finite])) for level in (start, end))
    span = finite & (t > start) & (t < end)
    if not span.any():
        return math.nan
    chord = y_start + (t[span] - start) * (y_end - y_start) / (end - start)
    return float(np.max(y[span] - chord))


def peak_level(t: np.ndarray, y: np.ndarray, low: float, high: float) -> float:
    """The level where the profile is largest between ``low`` and ``high``, refined by a parabola; NaN without data."""
    span = np.flatnonzero(np.isfinite(y) & (t >= low) & (t <= high))
    if span.size == 0:
        return math.nan
    best = span[int(np.argmax(y[span]))]
    if 0 < best < t.size - 1 and np.isfinite(y[best - 1]) and np.isfinite(y[best + 1]):
        left, centre, right = y[best - 1], y[best], y[best + 1]
        curvature = left - 2.0 * centre + right
        if curvature < 0.0:
            shift = 0.5 * (left - right) / curvature
            return float(t[best] + shift * (t[best + 1] - t[best - 1]) / 2.0)
    return float(t[best])


def best_shift(t: np.ndarray, first: np.ndarray, second: np.ndarray, max_shift: float) -> float:
    """The shift s (in level units) for which ``first(t)`` best matches ``second(t - s)``, least squares.

    With ``first`` the left hip's outline and ``second`` the right hip's, a
    positive shift means the left outline sits higher along the axis.
    Searched on a grid of the sampling step, then refined by a parabola.
    Returns NaN when the profiles overlap too little.
    """
    step = float(np.median(np.diff(t)))
    shifts = np.arange(-max_shift, max_shift + step / 2, step)
    costs = np.full(shifts.size, np.inf)
    for index, shift in enumerate(shifts):
        moved = np.interp(t - shift, t, second, left=np.nan, right=np.nan)
        both = np.isfinite(first) & np.isfinite(moved)
        if both.sum() >= max(5, t.size // 3):
            difference = first[both] - moved[both]
            costs[index] = float(np.mean((difference - np.mean(difference)) ** 2))
    if not np.isfinite(costs).any():
        return math.nan
    best = int(np.argmin(costs))
    if 0 < best < shifts.size - 1 and np.isfinite(costs[best - 1]) and np.isfinite(costs[best + 1]):
        left, centre, right = costs[best - 1], costs[best], costs[best + 1]
        curvature = left - 2.0 * centre + right
        if curvature > 0.0:
            return float(shifts[best] + 0.5 * (left - right) / curvature * step)
    return float(shifts[best])


def edges_along(mask: np.ndarray, mask_scale: float, starts: np.ndarray, direction: np.ndarray, *,
                reach_px: float) -> np.ndarray:
    """Distance from each start point to the outline, walking in one direction; NaN where no edge is found.

    As :func:`edges_and_gaps`, but every ray has its own start (for example points on the line between two
    landmarks, one per image row) and all walk the same way. The edge is the first point where the
    probability falls through :data:`EDGE_LEVEL`, interpolated linearly between samples; a ray that starts
    outside the person, or does not leave it within ``reach_px``, gives NaN.

    Args:
        mask: shape (h, w), person probability in [0, 1] at mask resolution.
        mask_scale: mask pixels per original pixel.
        starts: shape (n, 2), original pixels.
        direction: shape (2,), the way every ray walks (normalised here).
        reach_px: how far a ray may go, original pixels.

    Returns:
        shape (n,), distances in original pixels from each start.
    """
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    way = np.asarray(direction, dtype=np.float64)
    norm = float(np.hypot(*way))
    if norm <= 0.0:
        raise ValueError("the direction has no length")
    way = way / norm
    step = STEP_PX / mask_scale
    offsets = np.arange(0.0, reach_px + step, step)
    return _crossing_offsets(offsets, step, *_first_exits(mask, mask_scale, starts, way, offsets))


def steepest_level(t: np.ndarray, y: np.ndarray, low: float, high: float, *, smooth: float = 0.0) -> float:
    """The level between ``low`` and ``high`` where the profile rises fastest (largest dy/dt), refined by a parabola.

    For the back outline of the neck read down the picture (y = how far behind a reference the outline lies),
    this is where the outline turns backwards most steeply: the bend where the back of the neck meets the
    upper back. Gaps (NaN) are bridged linearly first; ``smooth`` is the standard deviation of a Gaussian, in
    units of ``t`` (evenly spaced), applied to the profile before it is differentiated.

    Returns:
        The level, or NaN with fewer than three finite samples.
    """
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    finite = np.isfinite(y)
    if finite.sum() < 3:
        return math.nan
    filled = np.interp(t, t[finite], y[finite])
    spacing = float(np.median(np.diff(t)))
    sigma = smooth / spacing if spacing > 0 else 0.0
    if sigma > 0.0:
        reach = int(math.ceil(4.0 * sigma))
        kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma) ** 2)
        padded = np.concatenate([np.full(reach, filled[0]), filled, np.full(reach, filled[-1])])
        filled = np.convolve(padded, kernel / kernel.sum(), mode="valid")
    slope = np.gradient(filled, t)
    span = np.flatnonzero((t >= low) & (t <= high) & finite)
    if span.size == 0:
        return math.nan
    best = span[int(np.argmax(slope[span]))]
    if 0 < best < t.size - 1:
        left, centre, right = slope[best - 1], slope[best], slope[best + 1]
        curvature = left - 2.0 * centre + right
        if curvature < 0.0 and centre >= max(left, right):  # a maximum of its own, not the span's edge
            shift = 0.5 * (left - right) / curvature
            return float(t[best] + shift * (t[best + 1] - t[best - 1]) / 2.0)
    return float(t[best])

"""Tests for posture.stages.measure.outline: edges and distances across the body on constructed masks.

A constructed mask (builders.soft_mask) has soft edges: the person probability
falls linearly from 1 to 0 over four pixels (the landmarker's mask is softer
still), so bilinear sampling puts the 0.5 crossing exactly where the edge was
drawn, and sub-pixel positions can be checked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import EDGE_WIDTH, MASK_HEIGHT, MASK_WIDTH, soft_mask

from posture.stages.measure import outline

# ------------------------------------------------------------------ edges


@pytest.mark.parametrize("scale", [1.0, 0.5], ids=["full", "half"])
def test_a_straight_edge_is_found_at_sub_pixel_precision(scale: float) -> None:
    mask = soft_mask(lambda y: 200.25, lambda y: 623.3, scale=scale)
    frame = outline.upright_frame(np.array([400.0, 600.0]), 100.0, persons_left=1)
    levels = np.array([-2.0, 0.0, 3.0])
    right = outline.edge_distances(mask, scale, frame, levels, direction=1, reach_px=400.0)
    left = outline.edge_distances(mask, scale, frame, levels, direction=-1, reach_px=400.0)
    np.testing.assert_allclose(right, 223.3, atol=0.01)
    np.testing.assert_allclose(left, 199.75, atol=0.01)


def test_a_tilted_frame_measures_square_to_its_axis() -> None:
    """A band 100 px wide leaning 30°: square to it the half-width is 50 px, whatever the level."""
    lean = math.radians(30.0)
    mask = np.zeros((MASK_HEIGHT, MASK_WIDTH), dtype=np.float32)
    yy, xx = np.mgrid[0:MASK_HEIGHT, 0:MASK_WIDTH] + 0.5
    # Signed distance across the band's centre line through (500, 600) along (sin, -cos).
    across = (xx - 500.0) * math.cos(lean) + (yy - 600.0) * math.sin(lean)
    mask[:] = np.clip((50.0 - np.abs(across)) / EDGE_WIDTH + 0.5, 0.0, 1.0)
    frame = outline.trunk_frame(np.array([500.0, 600.0]), np.array([500.0 + 100 * math.sin(lean),
                                                                     600.0 - 100 * math.cos(lean)]), facing=1)
    levels = np.linspace(-2.0, 2.0, 9)
    for direction in (1, -1):
        distances = outline.edge_distances(mask, 1.0, frame, levels, direction=direction, reach_px=200.0)
        np.testing.assert_allclose(distances, 50.0, atol=0.05)


def test_a_ray_that_starts_outside_the_body_finds_nothing() -> None:
    mask = soft_mask(lambda y: 600.0, lambda y: 700.0)
    frame = outline.upright_frame(np.array([400.0, 500.0]), 100.0, persons_left=1)
    assert np.isnan(outline.edge_distances(mask, 1.0, frame, np.array([0.0]), direction=1, reach_px=500.0)).all()


def test_an_object_beyond_a_gap_is_not_the_outline() -> None:
    body = soft_mask(lambda y: 300.0, lambda y: 500.0)
    other = soft_mask(lambda y: 520.0, lambda y: 800.0)  # a hand or a chair 20 px away
    frame = outline.upright_frame(np.array([400.0, 500.0]), 100.0, persons_left=1)
    found = outline.edge_distances(np.maximum(body, other), 1.0, frame, np.array([0.0]), direction=1,
                                   reach_px=450.0)
    assert found[0] == pytest.approx(100.0, abs=0.01)


def _seam_row(low: float, peak: float = 1.0, *, arm_end: int = 40) -> np.ndarray:
    """One row across a trunk (from x = 0) with an arm resting against it: 1 up to pixel 26, a valley down to
    ``low`` at pixel 30 and up to ``peak`` at 33 (three pixels each way), ``peak`` over the arm, 0 from ``arm_end``."""
    row = np.zeros(MASK_WIDTH, dtype=np.float32)
    row[:27] = 1.0
    row[27:31] = np.linspace(1.0, low, 4)
    row[30:34] = np.linspace(low, peak, 4)
    row[34:arm_end] = peak
    return row


def _seams(row: np.ndarray) -> float:
    mask = np.tile(row, (20, 1))
    frame = outline.upright_frame(np.array([10.5, 10.0]), 10.0, persons_left=1)
    return float(outline.seams(mask, 1.0, frame, np.array([0.0]), direction=1, reach_px=100.0)[0])


def test_the_seam_of_an_arm_resting_against_the_body_is_its_valley() -> None:
    # The valley's bottom is pixel 30, whose centre lies 20 px out from the axis at x = 10.5.
    assert _seams(_seam_row(0.7)) == pytest.approx(20.0, abs=0.01)


@pytest.mark.parametrize("peak", [1.0, 0.9], ids=["arm-certain", "arm-faint"])
def test_beyond_a_seam_the_probability_must_rise_again(peak: float) -> None:
    assert math.isfinite(_seams(_seam_row(peak - outline.SEAM_RISE - 0.01, peak=peak)))
    assert math.isnan(_seams(_seam_row(peak - outline.SEAM_RISE + 0.01, peak=peak)))


def test_an_arm_that_peaks_at_a_point_still_shows_its_seam() -> None:
    """The arm's probability peaks at pixel 33 and falls away at once: the rise is read up to the peak itself."""
    row = _seam_row(0.85, peak=0.97, arm_end=34)
    row[34:40] = 0.6
    assert math.isfinite(_seams(row))


def test_a_plain_edge_or_a_gap_is_no_seam() -> None:
    """The fall at the outer edge is not a valley; a valley below the edge level is a gap (edges_and_gaps)."""
    plain = np.zeros(MASK_WIDTH, dtype=np.float32)
    plain[:40] = 1.0
    assert math.isnan(_seams(plain))
    assert math.isnan(_seams(_seam_row(0.3)))


def test_a_ray_stopped_at_its_edge_reads_what_a_whole_ray_reads() -> None:
    """edge_distances reads rays in stretches and stops each at its edge; edges_and_gaps reads them whole.

    The edges are placed so the crossing falls on every sample of the first stretches, their ends included.
    """
    mask = soft_mask(lambda y: 100.0, lambda y: 400.0 + (y - 300.0) * 0.07)
    frame = outline.upright_frame(np.array([390.0, 500.0]), 100.0, persons_left=1)
    levels = np.linspace(-1.5, 3.0, 400)
    stopped = outline.edge_distances(mask, 1.0, frame, levels, direction=1, start_px=-3.0, reach_px=300.0)
    whole, _ = outline.edges_and_gaps(mask, 1.0, frame, levels, direction=1, start_px=-3.0, reach_px=300.0)
    np.testing.assert_array_equal(stopped, whole)
    y = 500.0 - levels * 100.0
    np.testing.assert_allclose(stopped, 10.0 + (y - 300.0) * 0.07, atol=0.01)


@pytest.mark.parametrize("way", [(1.0, 0.0), (-1.0, 0.0), (0.0, -1.0), (0.0, 1.0), (0.6, 0.8)])
def test_rays_along_an_axis_read_the_same_values_as_any_ray(way: tuple[float, float],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Rays along the image's axes from one row or column are read as a grid; every value must be the same."""
    grids: list[tuple[object, ...]] = []
    original_grid = outline.bilinear_grid
    monkeypatch.setattr(outline, "bilinear_grid", lambda *args: grids.append(args) or original_grid(*args))
    rng = np.random.default_rng(3)
    mask = rng.random((40, 50))
    offsets = np.arange(-3.0, 70.0, 0.5)  # running off the array on both sides
    way_ = np.array(way)
    shared = 12.3 if way[1] == 0.0 else 17.7  # the column level rays share, or the row upright ones share
    varying = np.linspace(-2.0, 45.0, 9)
    starts = (np.column_stack([np.full(9, shared), varying]) if way[1] == 0.0
              else np.column_stack([varying, np.full(9, shared)]))
    points = starts[:, None, :] + offsets[None, :, None] * way_[None, None, :]
    expected = outline.bilinear(mask, points[..., 0] * 0.8, points[..., 1] * 0.8)
    np.testing.assert_array_equal(outline._ray_samples(mask, 0.8, starts, way_, offsets), expected)
    assert len(grids) == (0 if 0.0 not in way else 1)  # the axis-aligned rays did take the grid


def test_direction_must_be_a_sign() -> None:
    frame = outline.upright_frame(np.zeros(2), 1.0, persons_left=1)
    with pytest.raises(ValueError, match="direction"):
        outline.edge_distances(np.ones((4, 4)), 1.0, frame, np.zeros(1), direction=0, reach_px=1.0)


# ------------------------------------------------------------------ profile geometry


def test_the_hollow_under_the_hull() -> None:
    t = np.linspace(0.0, 1.0, 101)
    back = np.where(np.abs(t - 0.4) < 0.2, 1.0 - (0.2 - np.abs(t - 0.4)), 1.0)  # a V of depth 0.2 at 0.4
    depth, level = outline.hollow_depth(t, back, 0.1, 0.7)
    assert depth == pytest.approx(0.2, abs=1e-9)
    assert level == pytest.approx(0.4, abs=1e-9)


def test_the_hull_spans_a_tilted_line() -> None:
    t = np.linspace(0.0, 1.0, 51)
    back = 0.5 + 0.3 * t - 0.1 * np.exp(-((t - 0.5) / 0.1) ** 2)
    depth, level = outline.hollow_depth(t, back, 0.2, 0.8)
    assert depth == pytest.approx(0.1, abs=2e-3)
    assert level == pytest.approx(0.5, abs=0.02)


def test_a_bulge_above_its_chord() -> None:
    t = np.linspace(0.0, 1.0, 101)
    front = 0.2 + 0.1 * t + 0.05 * np.sin(np.pi * t)
    assert outline.bulge(t, front, 0.0, 1.0) == pytest.approx(0.05, abs=1e-4)
    assert outline.bulge(t, -front + 0.4, 0.0, 1.0) <= 0.0  # a hollow does not bulge


def test_the_peak_of_a_parabola_between_samples() -> None:
    t = np.round(np.arange(-0.5, 0.5, 0.01), 2)
    y = 1.0 - (t - 0.1234) ** 2
    assert outline.peak_level(t, y, -0.4, 0.4) == pytest.approx(0.1234, abs=1e-6)


@pytest.mark.parametrize("shift", [-0.047, 0.0, 0.031])
def test_the_shift_that_lines_up_two_outlines(shift: float) -> None:
    t = np.round(np.arange(-0.4, 0.3, 0.01), 2)

    def flank(level: np.ndarray) -> np.ndarray:
        return 0.3 - 0.2 * level + 0.05 * np.exp(-((level + 0.1) / 0.08) ** 2)  # narrowing towards the waist

    left = flank(t - shift) + 0.05  # one flank wider than the other, which the match ignores
    assert outline.best_shift(t, left, flank(t), 0.1) == pytest.approx(shift, abs=0.003)


# ------------------------------------------------------------------ rays from their own starts; the steepest level


@pytest.mark.parametrize("scale", [1.0, 0.5], ids=["full", "half"])
def test_rays_from_their_own_starts_find_the_edge_at_sub_pixel_precision(scale: float) -> None:
    mask = soft_mask(lambda y: 300.25, lambda y: 700.0, scale=scale)
    starts = np.array([[500.0, 200.0], [420.0, 500.0], [650.5, 800.0]])
    back = outline.edges_along(mask, scale, starts, np.array([-1.0, 0.0]), reach_px=500.0)
    ahead = outline.edges_along(mask, scale, starts, np.array([2.0, 0.0]), reach_px=500.0)  # any length
    np.testing.assert_allclose(back, starts[:, 0] - 300.25, atol=0.01)
    np.testing.assert_allclose(ahead, 700.0 - starts[:, 0], atol=0.01)


def test_a_slanting_ray_measures_along_itself() -> None:
    mask = soft_mask(lambda y: 300.0, lambda y: 700.0)
    found = outline.edges_along(mask, 1.0, np.array([[500.0, 600.0]]), np.array([-1.0, -1.0]), reach_px=400.0)
    assert found[0] == pytest.approx(200.0 * math.sqrt(2.0), abs=0.02)


def test_rays_that_start_outside_or_never_leave_find_nothing() -> None:
    mask = soft_mask(lambda y: 300.0, lambda y: 700.0)
    starts = np.array([[200.0, 500.0], [500.0, 500.0]])
    found = outline.edges_along(mask, 1.0, starts, np.array([1.0, 0.0]), reach_px=100.0)
    assert np.isnan(found).all()  # the first starts outside, the second is still inside 100 px on
    with pytest.raises(ValueError, match="direction"):
        outline.edges_along(mask, 1.0, starts, np.zeros(2), reach_px=100.0)


def test_the_steepest_level_between_samples() -> None:
    t = np.round(np.arange(0.0, 1.0001, 0.01), 2)
    y = t - (t - 0.437) ** 3 / 3.0  # dy/dt = 1 - (t - 0.437)^2: steepest at 0.437
    assert outline.steepest_level(t, y, 0.1, 0.9) == pytest.approx(0.437, abs=1e-9)
    assert outline.steepest_level(t, y, 0.6, 0.9) == pytest.approx(0.6, abs=0.006)  # only its own span


def test_the_steepest_level_of_a_smoothed_bend_and_across_a_gap() -> None:
    t = np.round(np.arange(0.0, 1.0001, 0.01), 2)
    # slopes 0.1, 1.0 (from 0.3 to 0.5) and 0.1 again: smoothed, the steepest point is the steep stretch's middle
    y = np.where(t < 0.3, 0.1 * t, np.where(t < 0.5, 0.03 + (t - 0.3), 0.23 + 0.1 * (t - 0.5)))
    assert outline.steepest_level(t, y, 0.0, 1.0, smooth=0.03) == pytest.approx(0.4, abs=1e-9)
    gapped = y.copy()
    gapped[[35, 36, 44]] = np.nan
    assert outline.steepest_level(t, gapped, 0.0, 1.0, smooth=0.03) == pytest.approx(0.4, abs=1e-9)
    assert np.isnan(outline.steepest_level(t, np.full_like(t, np.nan), 0.0, 1.0))


@pytest.mark.parametrize(("finite", "found"), [(10, True), (9, False)], ids=["a-third", "less-than-a-third"])
def test_a_shift_needs_the_outlines_to_overlap_over_a_third_of_the_levels(finite: int, found: bool) -> None:
    """Thirty levels, both outlines read on the lowest ``finite`` only, and no shift searched (``max_shift`` 0,
    so the one shift tried is exactly zero and the overlap is exactly ``finite``)."""
    t = np.arange(30) * 0.01
    profile = 0.3 - 0.2 * t
    profile[finite:] = np.nan
    shift = outline.best_shift(t, profile.copy(), profile.copy(), 0.0)
    if found:
        assert shift == pytest.approx(0.0, abs=1e-9)
    else:
        assert math.isnan(shift)


# ------------------------------------------------------------------ the edges of each reader's span and inputs


def test_a_trunk_frame_needs_the_hip_and_shoulder_apart_however_little() -> None:
    with pytest.raises(ValueError, match="^the hip and shoulder landmarks coincide$"):
        outline.trunk_frame(np.array([3.0, 4.0]), np.array([3.0, 4.0]), 1)
    short = outline.trunk_frame(np.array([3, 4]), np.array([3.0, 3.5]), -1)  # half a pixel, integer hip
    assert short.length == 0.5
    np.testing.assert_allclose(short.up, [0.0, -1.0])
    np.testing.assert_allclose(short.across, [-1.0, 0.0])
    assert short.origin.dtype == np.float64


def test_the_upper_hull_drops_points_on_or_under_it_and_points_without_a_level() -> None:
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, np.nan])
    y = np.array([0.0, 2.0, 3.0, 1.0, 3.5, 0.0, 9.0])
    hull_t, hull_y = outline.upper_hull(t, y)
    np.testing.assert_array_equal(hull_t, [0.0, 1.0, 2.0, 4.0, 5.0])
    np.testing.assert_array_equal(hull_y, [0.0, 2.0, 3.0, 3.5, 0.0])
    # A point on the line between its neighbours is dropped, one below it too.
    assert outline.upper_hull(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]))[0].tolist() == [0.0, 2.0]
    assert outline.upper_hull(np.array([0.0, 1.0, 2.0]), np.array([0.0, -1.0, 0.0]))[0].tolist() == [0.0, 2.0]


def test_the_hollow_is_read_between_its_levels_only_their_ends_included() -> None:
    t = np.arange(0.0, 1.01, 0.1).round(1)
    y = np.array([1.0, 1.0, 0.2, 1.0, 0.7, 0.6, 0.7, 1.0, 1.0, 1.0, 1.0])  # a deep notch at 0.2 outside the span
    depth, level = outline.hollow_depth(t, y, 0.4, 0.6)
    assert (depth, level) == (pytest.approx(0.4), 0.5)
    # The span's ends count: only 0.4 and 0.6 are in the span [0.4, 0.4] and [0.6, 0.6].
    assert outline.hollow_depth(t, y, 0.4, 0.4) == (pytest.approx(0.3), 0.4)
    assert outline.hollow_depth(t, y, 0.6, 0.6) == (pytest.approx(0.3), 0.6)
    assert all(math.isnan(v) for v in outline.hollow_depth(t, y, 0.42, 0.48))  # no sample in the span


def test_a_bulge_is_read_strictly_inside_its_chord_from_three_samples() -> None:
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    # Behind the chord from level 1 to 3 everywhere inside it: negative, however far ahead the outside lies.
    y = np.array([9.0, 1.0, 0.5, 1.0, 9.0])
    assert outline.bulge(t, y, 1.0, 3.0) == pytest.approx(-0.5)
    # Three finite samples are enough; the chord runs from y(1) = 1 to y(3) = 3.
    three = np.array([np.nan, 1.0, 2.5, 3.0, np.nan])
    assert outline.bulge(t, three, 1.0, 3.0) == pytest.approx(0.5)
    assert math.isnan(outline.bulge(t, np.array([np.nan, 1.0, np.nan, 3.0, np.nan]), 1.0, 3.0))


def test_an_edge_half_a_pixel_from_the_start_or_at_the_reach_is_found() -> None:
    mask = soft_mask(lambda y: 300.0, lambda y: 700.0)
    starts = np.array([[699.5, 500.0], [500.0, 500.0]])
    found = outline.edges_along(mask, 1.0, starts, np.array([1.0, 0.0]), reach_px=200.3)
    np.testing.assert_allclose(found, [0.5, 200.0], atol=0.01)


def test_a_ray_needs_a_direction() -> None:
    with pytest.raises(ValueError, match="^the direction has no length$"):
        outline.edges_along(np.ones((10, 10)), 1.0, np.array([[5.0, 5.0]]), np.array([0.0, 0.0]), reach_px=5.0)


def _flank(level: np.ndarray) -> np.ndarray:
    return 0.3 - 0.2 * level + 0.05 * np.exp(-((level + 0.1) / 0.08) ** 2)


@pytest.mark.parametrize("shift", [-0.0851, -0.0149, -0.0051, 0.0049, 0.0149, 0.0851])
def test_the_shift_is_refined_between_grid_steps_on_either_side(shift: float) -> None:
    """Shifts near half a step from the grid, next to its ends too: the parabola through the three costs about
    the best grid shift finds them to a fiftieth of a step."""
    t = np.round(np.arange(-0.4, 0.3, 0.01), 2)
    assert outline.best_shift(t, _flank(t - shift) + 0.05, _flank(t), 0.1 if abs(shift) > 0.05 else 0.02) == \
        pytest.approx(shift, abs=2e-4)


@pytest.mark.parametrize("shift", [-0.15, 0.15])
def test_a_shift_beyond_the_search_stops_at_its_end(shift: float) -> None:
    t = np.round(np.arange(-0.4, 0.3, 0.01), 2)
    assert outline.best_shift(t, _flank(t - shift), _flank(t), 0.1) == pytest.approx(math.copysign(0.1, shift),
                                                                                     abs=1e-12)


@pytest.mark.parametrize(("levels", "finite", "found"), [(12, 5, True), (12, 4, False), (31, 10, True),
                                                         (31, 9, False)])
def test_the_overlap_needs_five_levels_and_a_third_of_them(levels: int, finite: int, found: bool) -> None:
    """At least five levels, and at least a whole third of them (31 levels: ten, not ten and a third)."""
    t = np.arange(levels) * 0.01
    profile = 0.3 - 0.2 * t
    profile[finite:] = np.nan
    assert math.isnan(outline.best_shift(t, profile.copy(), profile.copy(), 0.0)) is not found


def test_the_peak_is_read_inside_its_span_only_its_ends_included() -> None:
    """A sharp peak at 0.3 (no parabola moves it, nor moves a neighbour onto it)."""
    t = np.arange(0.0, 1.01, 0.1).round(1)
    y = -np.abs(t - 0.3)
    assert outline.peak_level(t, y, 0.3, 0.6) == pytest.approx(0.3)  # the peak on the span's lower end
    assert outline.peak_level(t, y, 0.0, 0.3) == pytest.approx(0.3)  # and on its upper end
    assert outline.peak_level(t, y, 0.5, 0.8) == pytest.approx(0.5)  # the highest inside the span, not outside
    assert outline.peak_level(t, y, 0.45, 0.55) == pytest.approx(0.5)  # one sample in the span
    assert math.isnan(outline.peak_level(t, y, 0.42, 0.48))


@pytest.mark.parametrize(("peak", "expected"), [(0.0, 0.0), (1.0, 1.0), (0.1 + 0.03, 0.13), (0.9 - 0.03, 0.87)],
                         ids=["first-sample", "last-sample", "second-sample", "last-but-one-sample"])
def test_a_peak_is_refined_between_samples_but_not_past_the_first_or_last(peak: float, expected: float) -> None:
    t = np.arange(0.0, 1.01, 0.1).round(1)
    assert outline.peak_level(t, -((t - peak) ** 2), 0.0, 1.0) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("gap", [-1, 1], ids=["before", "after"])
def test_a_peak_beside_a_gap_is_not_refined(gap: int) -> None:
    t = np.arange(0.0, 1.01, 0.1).round(1)
    y = -((t - 0.53) ** 2)
    y[5 + gap] = np.nan
    assert outline.peak_level(t, y, 0.0, 1.0) == 0.5


def _bilinear_by_definition(image: np.ndarray, x: float, y: float) -> float:
    """Pixel (i, j) covers the unit square centred on (j + 0.5, i + 0.5); outside the array the value is 0."""
    def value(i: int, j: int) -> float:
        return float(image[i, j]) if 0 <= i < image.shape[0] and 0 <= j < image.shape[1] else 0.0

    j, i = math.floor(x - 0.5), math.floor(y - 0.5)
    fx, fy = x - 0.5 - j, y - 0.5 - i
    return ((1 - fy) * ((1 - fx) * value(i, j) + fx * value(i, j + 1))
            + fy * ((1 - fx) * value(i + 1, j) + fx * value(i + 1, j + 1)))


def test_bilinear_samples_fall_to_zero_across_the_arrays_edges() -> None:
    image = np.arange(1.0, 13.0).reshape(3, 4)
    xs = np.arange(-1.5, 5.6, 0.25)
    ys = np.arange(-1.5, 4.6, 0.25)
    expected = np.array([[_bilinear_by_definition(image, x, y) for x in xs] for y in ys])
    np.testing.assert_allclose(outline.bilinear_grid(image, xs, ys), expected, atol=1e-12)
    grid_x, grid_y = np.meshgrid(xs, ys)
    np.testing.assert_allclose(outline.bilinear(image, grid_x.ravel(), grid_y.ravel()), expected.ravel(), atol=1e-12)


def test_the_steepest_level_at_the_ends_of_its_span_and_of_the_profile() -> None:
    t = np.arange(0.0, 1.01, 0.1).round(1)
    rising = t**2  # ever steeper: the steepest level of a span is its upper end, not refined past it
    assert outline.steepest_level(t, rising, 0.0, 0.5) == 0.5
    assert outline.steepest_level(t, rising, 0.3, 0.3) == 0.3  # a span of one level
    # Steepest at the last sample, which has no neighbour beyond it, and at the first.
    assert outline.steepest_level(t, rising, 0.0, 1.0) == 1.0
    assert outline.steepest_level(t, -rising, 0.0, 1.0) == 0.0  # and at the first
    three = np.full(t.size, np.nan)
    three[[0, 5, 10]] = [0.0, 0.1, 1.0]
    assert outline.steepest_level(t, three, 0.0, 1.0) == pytest.approx(1.0)  # three finite samples are enough


@pytest.mark.parametrize(("first_levels", "short_side"), [((1, 11), "left"), ((0, 10), "right")])
def test_a_best_shift_beside_one_too_small_overlap_is_not_refined(first_levels: tuple[int, int],
                                                                   short_side: str) -> None:
    """Thirty levels; the second outline read on the lowest eleven, the first on ten of them: at no shift they
    overlap on ten (a third), one step to one side (``short_side``) on nine only. The best shift, none, is not
    refined with a neighbour that could not be costed."""
    t = np.arange(30) * 0.25  # steps of a quarter: the grid of shifts holds 0 exactly
    curved = 0.3 - 0.2 * t + 0.02 * t**2
    first, second = np.full(30, np.nan), np.full(30, np.nan)
    first[first_levels[0]:first_levels[1]] = curved[first_levels[0]:first_levels[1]]
    second[:11] = curved[:11]
    assert outline.best_shift(t, first, second, 0.25) == 0.0


def test_the_steepest_level_between_two_equal_slopes_lies_halfway() -> None:
    t = np.arange(7.0)
    assert outline.steepest_level(t, np.array([0.0, 0.0, 1.0, 2.0, 3.0, 3.0, 3.0]), 0.0, 6.0) == pytest.approx(2.5)


@pytest.mark.parametrize(("centre", "sample"), [(0.12, 0.1), (0.88, 0.9)], ids=["second-sample", "last-but-one"])
def test_a_steepest_level_next_to_an_end_sample_is_refined(centre: float, sample: float) -> None:
    t = np.arange(0.0, 1.01, 0.1).round(1)
    y = np.array([math.erf((level - centre) / 0.08) for level in t])
    level = outline.steepest_level(t, y, 0.0, 1.0)
    assert level != sample and abs(level - sample) < 0.05  # refined by its parabola, within half a step


def test_the_edge_is_where_the_probability_falls_below_one_half() -> None:
    """A band of probability exactly 0.5 beyond the body: still the body's, so the edge lies past it."""
    mask = soft_mask(lambda y: 300.0, lambda y: 700.0)
    mask[:, 700:710] = 0.5
    mask[:, 710:] = 0.0
    found = outline.edges_along(mask, 1.0, np.array([[500.0, 500.0]]), np.array([1.0, 0.0]), reach_px=300.0)
    assert found[0] == pytest.approx(210.0, abs=0.5)

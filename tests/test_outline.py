"""The body outline (posture.outline) and the measures read from it, on constructed masks with known answers.

A constructed mask has soft edges: the person probability falls linearly
from 1 to 0 over four pixels (the landmarker's mask is softer still), so
bilinear sampling puts the 0.5 crossing exactly where the edge was drawn,
and sub-pixel positions can be checked.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest
from builders import front_person, side_person

from posture.core.measurement import Measurement
from posture.core.pose import Landmark
from posture.knowledge.calibration import Calibrations, LinearCalibration
from posture.stages.frame import BodyScale
from posture.stages.measure import outline
from posture.stages.measure.bodies import Mask, Measured, SideBody
from posture.stages.measure.head import (
    HEAD_CHANGES,
    TRAGUS_FROM_EAR,
    head_forward_angle,
    head_line_angle,
    head_points,
    neck_outline,
    place_head_points,
)
from posture.stages.measure.silhouette import (
    BUTTOCK_SPAN,
    C7_FORWARD,
    C7_ROW,
    CLOTH_BACK_STEP,
    CLOTH_RECESSION,
    CLOTH_WAIST_DEPTH,
    CLOTH_WAIST_INSET,
    CLOTH_WAIST_WIDTH,
    HIP_LEVELS,
    LUMBAR_SPAN,
    waist_inset,
)
from posture.stages.measure.views import measure_front_view, measure_side_view

H = 1000.0
WIDTH, HEIGHT = 1000, 1100
EDGE_WIDTH = 4.0


def soft_mask(left: Callable[[float], float], right: Callable[[float], float], *, scale: float = 1.0,
              rows: int = HEIGHT, cols: int = WIDTH) -> np.ndarray:
    """Person between x = left(y) and x = right(y) (original pixels), with a one-pixel linear edge."""
    mask = np.zeros((round(rows * scale), round(cols * scale)), dtype=np.float32)
    x = (np.arange(mask.shape[1]) + 0.5) / scale
    for row in range(mask.shape[0]):
        y = (row + 0.5) / scale
        inside = np.minimum(x - left(y), right(y) - x) * scale / EDGE_WIDTH + 0.5
        mask[row] = np.clip(inside, 0.0, 1.0)
    return mask


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
    mask = np.zeros((HEIGHT, WIDTH), dtype=np.float32)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH] + 0.5
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


# ------------------------------------------------------------------ the measures


def _side_mask(xy: np.ndarray, facing: int, back: Callable[[float], float], front: Callable[[float], float],
               near_side: str = "right") -> np.ndarray:
    """A side outline around an upright trunk: ``back(t)`` and ``front(t)`` in trunk lengths from the hip."""
    hip = xy[Landmark[f"{near_side.upper()}_HIP"]]
    shoulder = xy[Landmark[f"{near_side.upper()}_SHOULDER"]]
    length = float(hip[1] - shoulder[1])

    def level(y: float) -> float:
        return (float(hip[1]) - y) / length

    behind = (lambda y: hip[0] - back(level(y)) * length) if facing > 0 else (lambda y: hip[0] - front(level(y)) * length)
    ahead = (lambda y: hip[0] + front(level(y)) * length) if facing > 0 else (lambda y: hip[0] + back(level(y)) * length)
    return soft_mask(behind, ahead)


def _back(t: float) -> float:
    """A back outline: buttock 0.25 behind the axis at the hip, a lumbar hollow 0.15 at 0.3, upper back 0.22."""
    if t < 0.0:
        return 0.25
    if t < 0.3:
        return 0.25 - 0.1 * t / 0.3
    if t < 0.8:
        return 0.15 + 0.07 * (t - 0.3) / 0.5
    return 0.22


def _front(t: float) -> float:
    """A front outline: groin at 0.15 at the hip level, belly 0.30 at 0.25, lower ribs 0.22 at 0.55."""
    if t < 0.0:
        return 0.15 + 0.2 * t ** 2
    if t < 0.25:
        return 0.15 + 0.15 * t / 0.25
    return 0.30 - 0.08 * min(1.0, (t - 0.25) / 0.3)


FEATURES_ONLY = Calibrations(corrections={"pelvic_tilt": LinearCalibration(offset=0.0, weights={"hollow_depth": 100.0})},
                             model_sha256="", fitted_on="", version="")


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
def test_pelvic_tilt_reads_the_hollow_of_the_low_back(facing: int) -> None:
    xy = side_person(facing=facing, near_side="right")
    mask = _side_mask(xy, facing, _back, _front)
    measured = {m.id: m for m in measure_side_view(xy, facing=facing, near_side="right", scale=BodyScale(H, 170.0),
                                                   calibrations=FEATURES_ONLY, outline=Mask(mask, 1.0)).measurements}
    tilt = measured["pelvic_tilt"]
    components = dict(tilt.components)
    # The hull touches the buttock (0.25 at the hip) and the upper back (0.22 at 0.8): at 0.3 it lies at
    # 0.25 - 0.03 * 0.3 / 0.8, 0.08875 above the hollow's 0.15.
    assert components["hollow_depth"] == pytest.approx(0.25 - 0.03 * 0.3 / 0.8 - 0.15, abs=0.004)
    assert components["buttock_prominence"] == pytest.approx(0.10, abs=0.004)
    assert tilt.value == pytest.approx(100.0 * components["hollow_depth"])
    assert tilt.unit == "deg" and tilt.proxy
    assert dict((name, (x, y)) for name, x, y in tilt.points)["lumbar"][1] == pytest.approx(
        xy[Landmark.RIGHT_HIP][1] - 0.3 * (xy[Landmark.RIGHT_HIP][1] - xy[Landmark.RIGHT_SHOULDER][1]), abs=3.0)
    belly = measured["belly_prominence"]
    # Chord from the groin (0.15 at 0) to the ribs (0.22 at 0.55); at 0.25 it stands at 0.18182: 0.11818 behind 0.30.
    assert belly.value == pytest.approx(170.0 * (0.30 - (0.15 + 0.07 * 0.25 / 0.55)) * (
        xy[Landmark.RIGHT_HIP][1] - xy[Landmark.RIGHT_SHOULDER][1]) / H, abs=0.1)
    assert belly.unit == "cm"


def test_a_deeper_hollow_reads_as_more_anterior_tilt() -> None:
    xy = side_person(facing=1, near_side="right")

    def deeper(t: float) -> float:
        return _back(t) - (0.03 if 0.15 < t < 0.45 else 0.0)

    def tilt(profile: Callable[[float], float]) -> float:
        mask = _side_mask(xy, 1, profile, _front)
        (measurement,) = [m for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H),
                                                       calibrations=FEATURES_ONLY, outline=Mask(mask, 1.0)).measurements
                          if m.id == "pelvic_tilt"]
        return measurement.value

    assert tilt(deeper) > tilt(_back) + 2.0


def test_no_calibration_or_no_mask_means_no_pelvic_tilt() -> None:
    xy = side_person(facing=1, near_side="right")
    mask = Mask(_side_mask(xy, 1, _back, _front), 1.0)
    without_fit = {m.id for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H), outline=mask).measurements}
    without_mask = {m.id for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H),
                                                    calibrations=FEATURES_ONLY).measurements}
    assert "pelvic_tilt" not in without_fit and "belly_prominence" in without_fit
    assert "pelvic_tilt" not in without_mask and "belly_prominence" not in without_mask


def test_the_spans_do_not_overlap() -> None:
    assert BUTTOCK_SPAN[1] <= LUMBAR_SPAN[0]


FLANK = 0.28
"""Half the waist's width in trunk lengths, as on the rendered bodies (a much wider waist reads as loose cloth)."""


def _hip_mask(xy: np.ndarray, left_peak: float, right_peak: float, back: bool,
              arms_gap: float | None = 0.05, flank_width: float = FLANK) -> np.ndarray:
    """A pelvis whose flanks are widest ``left_peak`` / ``right_peak`` trunk lengths above the mid-hip point."""
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    length = float(mid[1] - (xy[Landmark.LEFT_SHOULDER][1] + xy[Landmark.RIGHT_SHOULDER][1]) / 2.0)

    def flank(y: float, peak: float) -> float:
        t = (float(mid[1]) - y) / length
        return (flank_width + 0.12 * math.exp(-((t - peak) / 0.09) ** 2)) * length

    persons_left_is_image_right = not back
    image_right_peak = left_peak if persons_left_is_image_right else right_peak
    image_left_peak = right_peak if persons_left_is_image_right else left_peak
    pelvis = soft_mask(lambda y: mid[0] - flank(y, image_left_peak), lambda y: mid[0] + flank(y, image_right_peak))
    if arms_gap is None:
        return pelvis
    # Arms hanging beside the hips, ``arms_gap`` trunk lengths clear of the widest flank (0: resting on it).
    reach = (flank_width + 0.12 + arms_gap) * length
    arms = [soft_mask(lambda y: mid[0] + reach, lambda y: mid[0] + reach + 0.15 * length),
            soft_mask(lambda y: mid[0] - reach - 0.15 * length, lambda y: mid[0] - reach)]
    return np.maximum(pelvis, np.maximum(*arms))


def _only(feature: str) -> Calibrations:
    return Calibrations(corrections={"hip_height_difference": LinearCalibration(offset=0.0, weights={feature: 1.0})},
                        model_sha256="", fitted_on="", version="")


def _trunk_length(xy: np.ndarray) -> float:
    mid_y = (xy[Landmark.LEFT_HIP][1] + xy[Landmark.RIGHT_HIP][1]) / 2.0
    return float(mid_y - (xy[Landmark.LEFT_SHOULDER][1] + xy[Landmark.RIGHT_SHOULDER][1]) / 2.0)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_a_higher_left_flank_reads_as_a_positive_shift(back: bool) -> None:
    xy = front_person(back=back)
    mask = Mask(_hip_mask(xy, -0.10 + 0.02, -0.10 - 0.02, back), 1.0)
    measured = {m.id: m for m in measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only(
        "outline_shift"), outline=mask).measurements}
    hips = measured["hip_height_difference"]
    # The left flank sits 0.04 trunk lengths higher: that many pixels, in % of a 1000 px body.
    assert hips.value == pytest.approx(100.0 * 0.04 * _trunk_length(xy) / H, abs=0.03)
    # Over the crests' span: 0.7 of the flanks' widest span, 2 x (FLANK + 0.12) trunk lengths.
    expected = math.degrees(math.atan2(0.04, 0.7 * 2 * (FLANK + 0.12)))
    assert dict(hips.components)["pelvic_obliquity_deg"] == pytest.approx(expected, abs=0.3)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_a_narrower_left_waist_reads_positive(back: bool) -> None:
    """A hip drawn up narrows the waist above it: here the left waist is 0.05 trunk lengths narrower.

    Both flanks widen to the hips below the waist, as a body's do (flanks straight from chest to hips read as cloth).
    """
    xy = front_person(back=back)
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    length = _trunk_length(xy)
    left_to_image_right = not back

    def flank(y: float, narrower: float) -> float:
        t = (float(mid[1]) - y) / length
        hips = 0.12 * math.exp(-((t + 0.1) / 0.09) ** 2)
        return (FLANK - (narrower if 0.1 < t < 0.5 else 0.0) + hips) * length

    image_right, image_left = (0.05, 0.0) if left_to_image_right else (0.0, 0.05)
    pelvis = soft_mask(lambda y: mid[0] - flank(y, image_left), lambda y: mid[0] + flank(y, image_right))
    arms = [soft_mask(lambda y: mid[0] + (FLANK + 0.2) * length, lambda y: mid[0] + (FLANK + 0.35) * length),
            soft_mask(lambda y: mid[0] - (FLANK + 0.35) * length, lambda y: mid[0] - (FLANK + 0.2) * length)]
    mask = Mask(np.maximum(pelvis, np.maximum(*arms)), 1.0)
    (hips,) = [m for m in measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only("waist_difference"),
                                             outline=mask).measurements if m.id == "hip_height_difference"]
    assert hips.value == pytest.approx(100.0 * 0.05 * length / H, abs=0.02)


def test_level_hips_read_zero_in_every_feature() -> None:
    xy = front_person()
    mask = Mask(_hip_mask(xy, -0.1, -0.1, False), 1.0)
    weights = {"waist_difference": 1.0, "outline_shift": 1.0, "landmark_difference": 1.0}
    fit = Calibrations(corrections={"hip_height_difference": LinearCalibration(offset=0.0, weights=weights)},
                       model_sha256="", fitted_on="", version="")
    (hips,) = [m for m in measure_front_view(xy, back=False, scale=BodyScale(H), calibrations=fit, outline=mask).measurements
               if m.id == "hip_height_difference"]
    for name in weights:
        assert dict(hips.components)[name] == pytest.approx(0.0, abs=0.02), name


def test_measurements_keep_their_outline_points_in_the_json() -> None:
    from posture.render.json import _measurement

    entry = _measurement(Measurement("belly_prominence", 1.0, "cm", "m", (), points=(("belly", 10.04, 20.06),)))
    assert entry["points"] == {"belly": [10.0, 20.1]}


def test_arms_resting_on_the_hips_withhold_the_hip_height() -> None:
    """With no gap between arm and hip the outline there is the arm's: no hip height rather than a wrong one."""
    xy = front_person()
    fit = Calibrations(corrections={"hip_height_difference": LinearCalibration(offset=0.0,
                                                                               weights={"outline_shift": 1.0})},
                       model_sha256="", fitted_on="", version="")

    def measured(arms_gap: float | None) -> set[str]:
        mask = Mask(_hip_mask(xy, -0.08, -0.12, False, arms_gap=arms_gap), 1.0)
        return {m.id for m in measure_front_view(xy, back=False, scale=BodyScale(H), calibrations=fit, outline=mask).measurements}

    assert "hip_height_difference" in measured(0.05)
    assert "hip_height_difference" not in measured(-0.15)  # the arms overlap the flanks all along


# ------------------------------------------------------------------ loose clothing


def _hanging_back(t: float) -> float:
    """A loose top's back: it hangs plumb from the shoulder blades (0.25) over the lumbar hollow to its hem at
    the hip, where it stands 0.06 off the buttock below it."""
    return 0.19 if t < 0.0 else 0.25


def _side_ids_and_notes(back: Callable[[float], float], front: Callable[[float], float]) -> tuple[set[str], tuple[str, ...]]:
    xy = side_person(facing=1, near_side="right")
    measured = measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H), calibrations=FEATURES_ONLY,
                                 outline=Mask(_side_mask(xy, 1, back, front), 1.0))
    return {m.id for m in measured.measurements}, measured.withheld


def test_a_body_like_side_outline_is_measured_without_a_note() -> None:
    ids, notes = _side_ids_and_notes(_back, _front)
    assert {"pelvic_tilt", "belly_prominence"} <= ids
    assert notes == ()


def test_a_trunk_too_deep_for_a_body_reads_as_cloth() -> None:
    """A shirt hanging from chest and shoulder blades: 0.30 + 0.30 trunk lengths deep at the waist."""
    ids, notes = _side_ids_and_notes(lambda t: 0.30, lambda t: 0.30)
    assert "pelvic_tilt" not in ids and "belly_prominence" not in ids
    (note,) = notes
    assert "loose clothing" in note and "pelvic_tilt and belly_prominence" in note and "0.60" in note


def test_a_hem_standing_off_the_body_reads_as_cloth() -> None:
    """Only as deep as the body-like outline at the waist, but with a 0.06 step in the back outline at the hem."""
    ids, notes = _side_ids_and_notes(_hanging_back, _front)
    assert "pelvic_tilt" not in ids
    assert len(notes) == 1 and "hem" in notes[0]


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
def test_outlines_hanging_plumb_from_chest_and_shoulder_blades_read_as_cloth(facing: int) -> None:
    """A body's depth at the waist and no hem step, but the back hangs from the upper back over the lumbar hollow
    and the front from the belly: neither outline draws in on the way down, as a loose top's does not."""
    xy = side_person(facing=facing, near_side="right")

    def measured(back: Callable[[float], float], front: Callable[[float], float]) -> Measured:
        return measure_side_view(xy, facing=facing, near_side="right", scale=BodyScale(H), calibrations=FEATURES_ONLY,
                                 outline=Mask(_side_mask(xy, facing, back, front), 1.0))

    hanging = measured(lambda t: max(_back(t), 0.22), lambda t: 0.30 if 0.0 <= t < 0.25 else _front(t))
    assert not {"pelvic_tilt", "belly_prominence"} & {m.id for m in hanging.measurements}
    (note,) = hanging.withheld
    assert "hang plumb" in note and "pelvic_tilt and belly_prominence" in note
    assert measured(_back, _front).withheld == ()  # the body draws in by 0.07 behind


def test_the_cloth_limits_sit_above_what_bodies_showed() -> None:
    # The largest values of 350 close-fitting side renders and 280 front/back ones (bench/ACCURACY.md, "Looser clothing").
    assert CLOTH_WAIST_DEPTH > 0.53 and CLOTH_BACK_STEP > 0.024 and CLOTH_WAIST_WIDTH > 1.07
    # Recession is the other way round: bodies drew in by 0.058 at least, loose T-shirts by 0.034 at most.
    assert 0.034 < CLOTH_RECESSION < 0.058
    # So is the waist inset: close-fitting flanks drew in by 0.091 at least, loose T-shirts on lean bodies by 0.066.
    assert 0.066 < CLOTH_WAIST_INSET < 0.091


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_flanks_wider_than_a_body_withhold_the_hip_height(back: bool) -> None:
    xy = front_person(back=back)

    def measured(flank_width: float) -> Measured:
        mask = Mask(_hip_mask(xy, -0.1, -0.1, back, flank_width=flank_width), 1.0)
        return measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only("outline_shift"),
                                  outline=mask)

    body_like, cloth_like = measured(FLANK), measured(0.45)
    assert "hip_height_difference" in {m.id for m in body_like.measurements} and body_like.withheld == ()
    assert "hip_height_difference" not in {m.id for m in cloth_like.measurements}
    (note,) = cloth_like.withheld
    assert "hip_height_difference not given" in note and "wider than a body" in note


def test_the_waist_inset_of_a_flank() -> None:
    levels = HIP_LEVELS
    # 0.30 below the armpits, 0.25 at the waist, 0.40 at the hips: in by 0.05, out again by 0.15.
    body = np.where(levels < 0.05, 0.40, np.where(levels > 0.5, 0.30, 0.25))
    assert waist_inset(levels, body) == pytest.approx(0.20)
    assert waist_inset(levels, np.full(levels.shape, 0.33)) == pytest.approx(0.0)  # hanging straight
    assert math.isnan(waist_inset(levels, np.where(levels > 0.45, np.nan, body)))  # nothing read below the armpits


def _shirt_mask(xy: np.ndarray, back: bool, waist: float) -> np.ndarray:
    """Flanks ``waist`` trunk lengths out from the mid-line between the hip joints and the armpits, 0.32 above
    (the chest); below the hip joints the person's left flank is 0.34 out, the right 0.36 (shorts), and the arms
    hang clear beyond."""
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    length = _trunk_length(xy)

    def flank(y: float, hips: float) -> float:
        t = (float(mid[1]) - y) / length
        return (hips if t < 0.0 else 0.32 if t > 0.5 else waist) * length

    image_right, image_left = (0.34, 0.36) if not back else (0.36, 0.34)
    person = soft_mask(lambda y: mid[0] - flank(y, image_left), lambda y: mid[0] + flank(y, image_right))
    arms = [soft_mask(lambda y: mid[0] + 0.42 * length, lambda y: mid[0] + 0.57 * length),
            soft_mask(lambda y: mid[0] - 0.57 * length, lambda y: mid[0] - 0.42 * length)]
    return np.maximum(person, np.maximum(*arms))


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_flanks_hanging_straight_from_chest_to_hips_withhold_the_hip_height(back: bool) -> None:
    """A loose top hangs plumb from the chest (0.32) to its hem at the hip joints, over shorts 0.34 and 0.36 out:
    the flanks draw in at the waist by 0.02 and 0.04, 0.030 on average. A body's waist 0.26 out draws in by 0.14."""
    xy = front_person(back=back)

    def measured(waist: float) -> Measured:
        return measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only("outline_shift"),
                                  outline=Mask(_shirt_mask(xy, back, waist), 1.0))

    shirt, body = measured(0.32), measured(0.26)
    assert "hip_height_difference" not in {m.id for m in shirt.measurements}
    (note,) = shirt.withheld
    assert "hip_height_difference not given" in note and "hang almost straight" in note and "by 0.030 " in note
    assert "hip_height_difference" in {m.id for m in body.measurements} and body.withheld == ()


def test_a_back_view_uses_its_own_calibration_where_there_is_one() -> None:
    from posture.stages.measure.bodies import FrontBody

    generic, behind = LinearCalibration(offset=1.0), LinearCalibration(offset=2.0)
    both = Calibrations(corrections={"hip_height_difference": generic, "hip_height_difference_back": behind},
                        model_sha256="", fitted_on="", version="")
    only_generic = Calibrations(corrections={"hip_height_difference": generic}, model_sha256="", fitted_on="",
                                version="")
    xy = front_person()

    def chosen(back: bool, calibrations: Calibrations) -> LinearCalibration | None:
        return FrontBody(xy=xy, back=back, scale=BodyScale(H), calibrations=calibrations).correction(
            "hip_height_difference")

    assert chosen(True, both) is behind
    assert chosen(False, both) is generic
    assert chosen(True, only_generic) is generic


# ------------------------------------------------------------------ the back of the neck (head angle)


def _neck_body(facing: int) -> tuple[SideBody, Callable[[float], float]]:
    """A side body whose back outline has the nape's hollow at row 300 and its steepest bend at row 400.

    Read as how far behind the shoulder the outline lies, going down: forward by 0.2 px per row to the hollow,
    back by 0.2 px per row to row 380, by 1 px per row to row 420 (the bend), by 0.2 px per row below.
    """
    def behind(y: float) -> float:
        if y < 300.0:
            return 0.2 * (300.0 - y)
        if y < 380.0:
            return 0.2 * (y - 300.0)
        if y < 420.0:
            return 16.0 + (y - 380.0)
        return 56.0 + 0.2 * (y - 420.0)

    shoulder_x = 600.0
    if facing == 1:
        mask = soft_mask(lambda y: shoulder_x - 100.0 - behind(y), lambda y: 900.0)
    else:
        mask = soft_mask(lambda y: 100.0, lambda y: shoulder_x + 100.0 + behind(y))
    points = {"EAR": np.array([shoulder_x + facing * 60.0, 200.0]), "SHOULDER": np.array([shoulder_x, 400.0]),
              "NOSE": np.array([shoulder_x + facing * 140.0, 215.0])}
    body = SideBody(points=points, landmarks={"EAR": Landmark.RIGHT_EAR, "SHOULDER": Landmark.RIGHT_SHOULDER,
                                              "NOSE": Landmark.NOSE},
                    facing=facing, scale=BodyScale(1000.0), calibrations=None, outline=Mask(mask, 1.0))
    return body, behind


@pytest.mark.parametrize("facing", [1, -1])
def test_the_nape_hollow_and_the_bend_into_the_upper_back(facing: int) -> None:
    body, behind = _neck_body(facing)
    neck = neck_outline(body)
    assert neck is not None
    assert neck.hollow == pytest.approx(300.0, abs=1e-6)
    assert neck.bend == pytest.approx(400.0, abs=1e-6)
    np.testing.assert_allclose(neck.behind, [100.0 + behind(y) for y in neck.rows], atol=0.3)


@pytest.mark.parametrize("facing", [1, -1])
def test_c7_and_the_tragus_follow_their_constants(facing: int) -> None:
    body, behind = _neck_body(facing)
    found = head_points(body)
    assert found is not None
    c7, tragus = found
    to_bend, to_ear, down = C7_ROW
    row = 300.0 + to_bend * 100.0 + to_ear * (200.0 - 300.0) + down * 1000.0
    assert c7[1] == pytest.approx(row, abs=1e-6)
    assert facing * (600.0 - c7[0]) == pytest.approx(100.0 + behind(row) - C7_FORWARD * 1000.0, abs=0.3)
    along, across, forward, below = TRAGUS_FROM_EAR
    ear, to_nose = np.array([600.0 + facing * 60.0, 200.0]), np.array([facing * 80.0, 15.0])
    expected = ear + along * to_nose + across * facing * np.array([-15.0, facing * 80.0]) + np.array(
        [facing * forward, below]) * 1000.0
    np.testing.assert_allclose(tragus, expected, atol=1e-9)


@pytest.mark.parametrize("facing", [1, -1])
def test_c7_and_the_tragus_follow_the_constants_they_are_given(facing: int) -> None:
    """The fit tries other constants on an outline read once: zero moves put C7 on the outline at the nape's hollow
    and the tragus on the ear landmark; a whole share to the bend puts C7 at the bend's row."""
    body, behind = _neck_body(facing)
    neck = neck_outline(body)
    assert neck is not None
    c7, tragus = place_head_points(body, neck, (0.0, 0.0, 0.0), 0.0, (0.0, 0.0, 0.0, 0.0))
    assert c7[1] == pytest.approx(300.0, abs=1e-6)
    assert facing * (600.0 - c7[0]) == pytest.approx(100.0 + behind(300.0), abs=0.3)
    np.testing.assert_allclose(tragus, [600.0 + facing * 60.0, 200.0], atol=1e-9)
    c7, tragus = place_head_points(body, neck, (1.0, 0.0, 0.0), 0.01, (0.0, 0.0, 0.01, 0.02))
    assert c7[1] == pytest.approx(400.0, abs=1e-6)
    assert facing * (600.0 - c7[0]) == pytest.approx(100.0 + behind(400.0) - 10.0, abs=0.3)
    np.testing.assert_allclose(tragus, [600.0 + facing * 70.0, 220.0], atol=1e-9)


@pytest.mark.parametrize("facing", [1, -1])
def test_the_head_line_angle_is_the_c7_tragus_line_above_horizontal_forward(facing: int) -> None:
    c7 = np.array([500.0, 300.0])
    assert head_line_angle(c7, np.array([500.0, 200.0]), facing) == pytest.approx(90.0)
    assert head_line_angle(c7, np.array([500.0 + facing * 100.0, 200.0]), facing) == pytest.approx(45.0)
    assert head_line_angle(c7, np.array([500.0 - facing * 100.0, 200.0]), facing) == pytest.approx(135.0)
    assert head_line_angle(c7, np.array([500.0 + facing * 100.0 * math.sqrt(3.0), 200.0]), facing) == pytest.approx(
        30.0)


def test_no_mask_or_no_clear_neck_means_no_outline_head_angle() -> None:
    body, _ = _neck_body(1)
    assert head_points(dataclasses.replace(body, outline=None)) is None
    empty = Mask(np.zeros((HEIGHT, WIDTH), dtype=np.float32), 1.0)
    assert neck_outline(dataclasses.replace(body, outline=empty)) is None


def test_the_head_angle_blends_outline_and_landmarks_then_applies_the_changes_line() -> None:
    body, _ = _neck_body(1)
    c7, tragus = head_points(body)  # type: ignore[misc]
    outline_angle = head_line_angle(c7, tragus, 1)
    landmark_angle = math.degrees(math.atan2(400.0 - 200.0, 60.0))  # shoulder → ear above horizontal
    blend = LinearCalibration(offset=-30.0, slope=1.1, weights={"outline_angle": 0.75})
    blended = (-30.0 + 1.1 * landmark_angle) + 0.75 * (outline_angle - (-30.0 + 1.1 * landmark_angle))

    def head_angle(corrections: dict[str, LinearCalibration]) -> float:
        calibrations = Calibrations(corrections=corrections, model_sha256="", fitted_on="", version="")
        return head_forward_angle(dataclasses.replace(body, calibrations=calibrations)).value

    assert head_angle({"head_forward_angle": blend}) == pytest.approx(blended)
    changes = LinearCalibration(offset=-4.0, slope=1.08)
    assert head_angle({"head_forward_angle": blend, HEAD_CHANGES: changes}) == pytest.approx(-4.0 + 1.08 * blended)

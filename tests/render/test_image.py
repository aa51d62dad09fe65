"""Tests for posture.render.image, the annotated picture: golden images at two sizes, level inside the noise, drawing
kinds from the registry.

The goldens in tests/data/golden/ are compared with a tolerance (anti-aliasing
and font rasterising differ a little between library versions). To accept a
deliberate change of the picture, run with POSTURE_UPDATE_GOLDEN=1, look at
the new files, and commit them.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from builders import DATA, built, refused
from PIL import Image

from posture.analysis import Analysis
from posture.analyzer import Analyzer
from posture.core.measurement import Measurement
from posture.core.units import PERCENT_HEIGHT
from posture.knowledge import registry
from posture.render.image import (
    MAX_HEIGHT,
    MIN_HEIGHT,
    PALETTE,
    ArcGeometry,
    Painter,
    Sizes,
    annotate,
    photo_canvas,
    render_annotated,
    value_words,
)
from posture.stages.findings import detectable
from posture.stages.frame import BodyScale
from posture.stages.level import choose_levelling

GOLDEN = DATA / "golden"
UPDATE = os.environ.get("POSTURE_UPDATE_GOLDEN") == "1"


def _textured(analysis: Analysis) -> Analysis:
    """The constructed person on a photo-like background (a smooth gradient), so the crop shows."""
    rows, cols = analysis.image.rgb.shape[:2]
    y, x = np.mgrid[0:rows, 0:cols]
    rgb = np.stack([120 + 60 * x / cols, 140 + 40 * y / rows, 170 - 50 * x / cols], axis=-1).astype(np.uint8)
    rgb.setflags(write=False)
    return dataclasses.replace(analysis, image=dataclasses.replace(analysis.image, rgb=rgb))


def _compare_with_golden(picture: np.ndarray, name: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no golden {path}; run with POSTURE_UPDATE_GOLDEN=1 to write it, then look at it")
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(picture).save(path)
    golden = np.asarray(Image.open(path).convert("RGB"))
    assert picture.shape == golden.shape, f"{name}: {picture.shape} vs golden {golden.shape}"
    difference = np.abs(picture.astype(int) - golden.astype(int)).max(axis=-1)
    assert float(difference.mean()) < 2.0, f"{name}: mean difference {difference.mean():.2f}"
    assert float((difference > 60).mean()) < 0.005, f"{name}: {(difference > 60).mean():.2%} of pixels moved"


@pytest.mark.parametrize("height", [600, 2400])
def test_side_view_golden(height: int) -> None:
    analysis = _textured(built("client side.jpg", hip_ahead=60.0, ear_ahead=90.0, uncertainty=0.8))
    picture = render_annotated(analysis, height=height)
    assert picture.shape[0] == height
    _compare_with_golden(picture, f"side_{height}.png")


@pytest.mark.parametrize("height", [600, 2400])
def test_front_view_golden(height: int) -> None:
    analysis = _textured(built("client front.jpg", front=True, uncertainty=1.0))
    _compare_with_golden(render_annotated(analysis, height=height), f"front_{height}.png")


def _line_rows(picture: np.ndarray, color: tuple[int, int, int], photo_width: int) -> np.ndarray:
    photo = picture[:, :photo_width].astype(int)
    hit = np.all(np.abs(photo - np.array(color)) < 30, axis=-1)
    return np.flatnonzero(hit.any(axis=1))


def test_a_shoulder_difference_inside_the_noise_is_drawn_level() -> None:
    """The 0.1%-shoulder case: within its ± it is drawn as one level line and written as level."""
    tilted = built("front.jpg", front=True, shoulder_rise=25.0, uncertainty=0.2)
    shoulders = tilted.measurement("shoulder_height_difference")
    assert shoulders is not None and abs(shoulders.value) > 1.0
    noisy = dataclasses.replace(tilted, measurements=tuple(
        dataclasses.replace(m, uncertainty=abs(m.value) + 1.0) for m in tilted.measurements))
    shoulders_noisy = noisy.measurement("shoulder_height_difference")
    assert shoulders_noisy is not None
    assert tilted.frame is not None
    assert value_words(shoulders_noisy, tilted.frame.scale).startswith("level (within")
    assert "higher" in value_words(shoulders, tilted.frame.scale)

    height = 1000
    color = PALETTE[0]  # the first drawn measurement in a front view is the shoulder line
    photo_width = render_annotated(tilted, height=height, panel=False).shape[1]
    tilted_rows = _line_rows(render_annotated(tilted, height=height), color, photo_width)
    level_rows = _line_rows(render_annotated(noisy, height=height), color, photo_width)
    width = Sizes(height).line
    assert tilted_rows.size > 0 and level_rows.size > 0
    assert np.ptp(level_rows) <= width + 4  # one horizontal line
    assert np.ptp(tilted_rows) > 3 * width  # the real tilt


def test_without_uncertainty_the_methods_resolution_decides_level_as_in_the_json() -> None:
    """With --fast the picture judges "level" by the registry's resolution, exactly as findings and JSON do."""
    analysis = built("front.jpg", front=True, uncertainty=None)
    shoulders = analysis.measurement("shoulder_height_difference")
    assert shoulders is not None and analysis.frame is not None
    resolution = registry.definition("shoulder_height_difference").resolution
    assert resolution is not None
    scale = analysis.frame.scale
    inside = dataclasses.replace(shoulders, value=0.9 * scale.from_percent(resolution))
    outside = dataclasses.replace(shoulders, value=1.1 * scale.from_percent(resolution))
    assert value_words(inside, scale).startswith("level")
    assert "higher" in value_words(outside, scale)
    assert detectable(inside, scale) is False and detectable(outside, scale) is True


@pytest.mark.parametrize(("measurement_id", "left", "right"), [
    ("hip_height_difference", "left higher", "right higher"),
    ("shoulder_height_difference", "left higher", "right higher"),
    ("apparent_leg_length_difference", "left longer", "right longer"),
    ("lateral_trunk_shift", "to the left", "to the right"),
])
def test_a_positive_difference_is_written_as_the_persons_left(measurement_id: str, left: str, right: str) -> None:
    """The sign convention (+ = the person's left) reaches the words: a swapped pair would name the wrong side."""
    scale = BodyScale(1000.0)
    positive = Measurement(measurement_id, 2.0, PERCENT_HEIGHT, "test", (), uncertainty=0.5)
    negative = dataclasses.replace(positive, value=-2.0)
    assert value_words(positive, scale).endswith(" " + left)
    assert value_words(negative, scale).endswith(" " + right)


@pytest.mark.parametrize("roll", [0.0, 8.0])
def test_a_level_line_follows_the_true_horizontal_of_a_rolled_camera(roll: float) -> None:
    """Shoulders within their noise are drawn as one level line: level against gravity, not the photo's edges."""
    tilted = built("front.jpg", front=True, uncertainty=None)
    assert tilted.frame is not None
    rolled = dataclasses.replace(tilted, frame=dataclasses.replace(
        tilted.frame, levelling=choose_levelling(user_roll=roll)), measurements=tuple(
        dataclasses.replace(m, uncertainty=abs(m.value) + 1.0) for m in tilted.measurements))
    height = 1000
    photo_width = render_annotated(rolled, height=height, panel=False).shape[1]
    rows = _line_rows(render_annotated(rolled, height=height), PALETTE[0], photo_width)
    cols = np.flatnonzero(np.all(np.abs(render_annotated(rolled, height=height, panel=False).astype(int)
                                        - np.array(PALETTE[0])) < 30, axis=-1).any(axis=0))
    width = Sizes(height).line
    expected_rise = np.ptp(cols) * math.tan(math.radians(roll))
    assert np.ptp(rows) == pytest.approx(expected_rise + width, abs=width + 4)


def test_painter_turns_the_levelled_frame_by_the_roll() -> None:
    analysis = built("a.jpg")
    assert analysis.frame is not None
    turned = dataclasses.replace(analysis, frame=dataclasses.replace(
        analysis.frame, levelling=choose_levelling(user_roll=10.0)))
    canvas, place = photo_canvas(turned, 1000)
    painter = Painter(turned, canvas, place, Sizes(1000))
    up = painter.turn(np.array([[0.0, -1.0]]), np.zeros(2))[0]
    # True vertical's top leans clockwise by the roll: right of image-up, in image (y-down) pixels.
    assert up == pytest.approx([math.sin(math.radians(10.0)), -math.cos(math.radians(10.0))])


def test_sizes_stay_legible_from_600_to_4000() -> None:
    assert Sizes(600).font >= 14 and Sizes(600).line >= 2
    assert Sizes(4000).font >= 4000 / 50 and Sizes(4000).line >= 4000 / 400
    analysis = built("a.jpg")
    with pytest.raises(ValueError, match="outside"):
        render_annotated(analysis, height=MIN_HEIGHT - 1)
    assert render_annotated(analysis, height=MAX_HEIGHT).shape[0] == MAX_HEIGHT


def test_an_unknown_drawing_kind_is_listed_not_drawn() -> None:
    @dataclasses.dataclass(frozen=True)
    class Squiggle:
        at: str

    analysis = built("a.jpg", hip_ahead=60.0)
    canvas = np.zeros((1000, 600, 3), np.uint8)
    _, place = photo_canvas(analysis, 1000)
    painter = Painter(analysis, canvas, place, Sizes(1000))
    assert not painter.can_draw(Squiggle(at="HIP"))
    measurement = analysis.measurements[0]
    painter.draw(measurement, Squiggle(at="HIP"), (255, 0, 0))
    assert not canvas.any()
    for definition in registry.DEFINITIONS:
        if definition.drawing is not None:
            assert painter.can_draw(definition.drawing), definition.id


def test_the_photo_is_not_drawn_on() -> None:
    analysis = built("a.jpg", hip_ahead=60.0)
    before = analysis.image.rgb.copy()
    render_annotated(analysis)
    assert np.array_equal(before, analysis.image.rgb)


def test_refused_photo_has_no_picture() -> None:
    with pytest.raises(ValueError, match="refused"):
        render_annotated(refused("wall.jpg"))


@pytest.mark.parametrize("height", [628, 3000])
def test_real_photo_at_two_sizes(analyzer: Analyzer, shared_photo: Callable[[str], Path], height: int) -> None:
    analysis = analyzer.analyze(shared_photo("side_bodytracker_1.jpg"))
    picture = render_annotated(analysis, height=height)
    assert picture.shape[0] >= height
    assert picture.shape[1] > 1.2 * render_annotated(analysis, height=height, panel=False).shape[1]


# ------------------------------------------------------------------ the arcs draw their numbers


def _with_head(analysis: Analysis, value: float, c7: tuple[float, float] | None,
               tragus: tuple[float, float] | None) -> Analysis:
    """``analysis`` with its head angle replaced: ``value`` degrees, read from the given C7 and tragus points."""
    points = () if c7 is None or tragus is None else (("c7", *c7), ("tragus", *tragus))
    measurements = tuple(dataclasses.replace(m, value=value, points=points) if m.id == "head_forward_angle" else m
                         for m in analysis.measurements)
    return dataclasses.replace(analysis, measurements=measurements)


def _painter(analysis: Analysis, height: int = 1000) -> Painter:
    canvas, place = photo_canvas(analysis, height)
    return Painter(analysis, canvas, place, Sizes(height))


def _drawn_angle(geometry: ArcGeometry, reference: str, facing: int, roll: float) -> float:
    """The angle between the two rays the painter draws, read back from their tips as the value is defined.

    ``"forward"``: how far the closing ray rises above true forward; ``"up"``: how far it leans from true up
    towards forward; both in the levelled frame (the photo's directions turned back by the camera's roll).
    """
    ray = geometry.reach * ArcGeometry.direction(geometry.end)  # from the vertex to the closing ray's tip
    dx, dy = ArcGeometry.direction(roll) @ ray, ArcGeometry.direction(90.0 + roll) @ ray  # levelled x and y
    if reference == "forward":
        return math.degrees(math.atan2(-dy, facing * dx))
    return math.degrees(math.atan2(facing * dx, -dy))


def _head_case(facing: int, roll: float, value: float,
               reach: float = 110.0) -> tuple[Analysis, np.ndarray, np.ndarray]:
    """A side analysis whose head angle ``value`` was read from C7 and a tragus at exactly that angle."""
    analysis = built("side.jpg")
    assert analysis.frame is not None
    verdict = dataclasses.replace(analysis.verdict, facing=facing)
    analysis = dataclasses.replace(analysis, verdict=verdict, frame=dataclasses.replace(
        analysis.frame, levelling=choose_levelling(user_roll=roll)))
    c7 = np.array([480.0, 215.0])
    # The points are photo pixels: the levelled direction at ``value`` turned by the roll.
    tragus = c7 + reach * ArcGeometry.direction(roll + (-value if facing > 0 else 180.0 + value))
    return _with_head(analysis, value, tuple(c7), tuple(tragus)), c7, tragus


@pytest.mark.parametrize(("facing", "roll"), [(1, 0.0), (-1, 0.0), (1, 8.0), (-1, -6.0)])
def test_the_head_arc_is_drawn_from_c7_towards_the_tragus_at_its_value(facing: int, roll: float) -> None:
    """The arc sits on the measurement's own C7 and its closing ray ends on the tragus: the angle drawn is the CVA
    printed (before, it was drawn from the shoulder landmark to the ear landmark, 20-40° off the number)."""
    analysis, c7, tragus = _head_case(facing, roll, value=44.8)
    painter = _painter(analysis)
    head = analysis.measurement("head_forward_angle")
    assert head is not None
    geometry = painter.arc_geometry(head, registry.definition("head_forward_angle").drawing)  # type: ignore[arg-type]
    assert geometry.vertex == pytest.approx(painter.place(c7[None])[0], abs=1e-6)
    end = geometry.vertex + geometry.reach * ArcGeometry.direction(geometry.end)
    assert end == pytest.approx(painter.place(tragus[None])[0], abs=1e-6)
    assert _drawn_angle(geometry, "forward", facing, roll) == pytest.approx(44.8, abs=1e-6)


@pytest.mark.parametrize("value", [15.5, 40.5, 79.0])
def test_a_calibrated_head_angle_is_drawn_at_the_number_not_at_its_points(value: float) -> None:
    """A value that is not its points' own angle (calibrated, or the mean of the copies) is still drawn as printed."""
    analysis, c7, tragus = _head_case(1, 0.0, value=50.0)
    analysis = _with_head(analysis, value, tuple(c7), tuple(tragus))
    painter = _painter(analysis)
    head = analysis.measurement("head_forward_angle")
    assert head is not None
    geometry = painter.arc_geometry(head, registry.definition("head_forward_angle").drawing)  # type: ignore[arg-type]
    assert _drawn_angle(geometry, "forward", 1, 0.0) == pytest.approx(value, abs=1e-6)
    assert geometry.vertex == pytest.approx(painter.place(c7[None])[0], abs=1e-6)


def test_a_head_angle_without_its_points_is_drawn_at_the_shoulder_at_its_value() -> None:
    """Without an outline there are no C7 and tragus: the shoulder landmark carries the arc, still at the value."""
    analysis = _with_head(built("side.jpg"), 46.6, None, None)
    painter = _painter(analysis)
    head = analysis.measurement("head_forward_angle")
    assert head is not None and not head.points
    geometry = painter.arc_geometry(head, registry.definition("head_forward_angle").drawing)  # type: ignore[arg-type]
    assert geometry.vertex == pytest.approx(painter.point("SHOULDER"), abs=1e-6)
    assert _drawn_angle(geometry, "forward", 1, 0.0) == pytest.approx(46.6, abs=1e-6)


@pytest.mark.parametrize(("facing", "roll", "lean"), [(1, 0.0, 3.2), (-1, 0.0, 3.2), (1, 8.0, -4.0), (-1, -6.0, 7.5)])
def test_the_trunk_lean_arc_opens_by_the_corrected_lean(facing: int, roll: float, lean: float) -> None:
    """The trunk's arc leans from true up by the printed (bias-corrected) lean, not by the landmarks' own line."""
    analysis, _, _ = _head_case(facing, roll, value=44.8)
    analysis = dataclasses.replace(analysis, measurements=tuple(
        dataclasses.replace(m, value=lean) if m.id == "trunk_lean" else m for m in analysis.measurements))
    painter = _painter(analysis)
    trunk = analysis.measurement("trunk_lean")
    assert trunk is not None
    geometry = painter.arc_geometry(trunk, registry.definition("trunk_lean").drawing)  # type: ignore[arg-type]
    assert geometry.vertex == pytest.approx(painter.point("HIP"), abs=1e-6)
    assert _drawn_angle(geometry, "up", facing, roll) == pytest.approx(lean, abs=1e-6)
    assert geometry.reach == pytest.approx(float(np.linalg.norm(painter.point("SHOULDER") - painter.point("HIP"))))


def test_the_picture_draws_the_head_angle_between_c7_and_the_tragus() -> None:
    """In the pixels: the head angle's colour covers the tragus and stays within the ray's reach of C7."""
    analysis, c7, tragus = _head_case(1, 0.0, value=44.8)
    height = 1000
    canvas = render_annotated(analysis, height=height, panel=False)
    painter = _painter(analysis, height)
    colors = annotate(analysis, _painter(analysis, height))
    hit = np.all(np.abs(canvas.astype(int) - np.array(colors["head_forward_angle"])) < 30, axis=-1)
    rows, cols = np.nonzero(hit)
    c7_px, tragus_px = painter.place(c7[None])[0], painter.place(tragus[None])[0]
    distance_to_c7 = np.hypot(cols - c7_px[0], rows - c7_px[1])
    assert rows.size > 0
    assert float(np.max(distance_to_c7)) <= float(np.linalg.norm(tragus_px - c7_px)) + 3 * Sizes(height).line
    assert float(np.min(np.hypot(cols - tragus_px[0], rows - tragus_px[1]))) <= Sizes(height).line

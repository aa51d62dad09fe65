"""Whole-pipeline metamorphic test: a photo turned by a known angle is levelled back.

Turning a photo clockwise by ``a`` is what a camera rolled by ``+a`` gives
(bench/synthetic/GROUND_TRUTH.md's sign). The turned photo is cropped to the
picture inside it (bench/roll.py's ``turned``), so that neither the photo's
own frame edges, which turn with it, nor the filled-in wedges can pass for
background lines; where the levelling is the user's, only the sides are.

Tolerances: the roll is recovered within 0.5° (the issue's target; 0.05°
was the largest error on bench/roll.py's rolled renders). Levelled
measurements of the turned render, with the default readings, are compared
with the unturned one's within the issue's targets, 0.5° and 0.5 cm: the
photo's own reading is levelled in numbers and its five altered copies are
made from the photo turned back upright, so most readings see nearly the
unturned pixels (the largest difference seen was 0.42°). Unlevelled, the
same turn moves trunk lean by about 3° and the plumb line by several cm.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from roll import turned  # noqa: E402  (the benchmark's turn, so that both turn photos the same way)

from posture.analysis import Analysis
from posture.analyzer import Analyzer
from posture.stages.lines import person_mask, roll_from_lines

ROLL_TOLERANCE_DEG = 0.5
ANGLE_TOLERANCE_DEG = 0.5
OFFSET_TOLERANCE_CM = 0.5
RENDER = Path(__file__).parent / "data/synthetic/man_tall_lean_side-right_neutral.png"
RENDER_HEIGHT_CM = 190.58  # the rendered body's standing height (its truth JSON)


def _compare(turned: Analysis, level: Analysis) -> None:
    assert turned.ok and turned.view == level.view
    for measurement in level.measurements:
        other = turned.measurement(measurement.id)
        assert other is not None, measurement.id
        assert measurement.unit in ("deg", "cm"), measurement.id
        tolerance = ANGLE_TOLERANCE_DEG if measurement.unit == "deg" else OFFSET_TOLERANCE_CM
        # Two default readings differ by less than their minimal detectable change, or by the fixed bound.
        detectable = math.hypot(measurement.uncertainty or 0.0, other.uncertainty or 0.0)
        assert other.value == pytest.approx(measurement.value, abs=max(tolerance, detectable)), measurement.id


def test_a_turned_real_photo_gives_back_the_turn_from_its_background(
        analyzer: Analyzer, shared_photo: Callable[[str], Path]) -> None:
    """Wherever a roll is found, the photo turned by ``d`` gives the unturned photo's roll plus ``d``.

    The photo is turned by 0, ±1, ±3 and ±5°, and each turn searched the same way, at full size. The person's
    mask is found once, on the unturned photo, and turned with it: on this running photo the landmarker itself
    is unstable under a 3° turn (it lost the person in one of two runs), which is not what this test is about.
    The levelled measurements' agreement is checked on the render below. The photo's verticals converge (the
    camera was pitched), by an amount that moves with the crop: where they are seen to have moved the roll by
    more than 0.5°, or the families left and right of the centre disagree, the search declines rather than
    guesses, which is allowed; at least three turns must give a roll, so that there is something to compare.
    """
    rgb = np.asarray(Image.open(shared_photo("side_sports2d_1.jpg")).convert("RGB"))
    level = analyzer.analyze(rgb, uncertainty=False)  # only the mask is used
    assert level.pose is not None
    person = person_mask(level.pose, rgb.shape[:2]).astype(np.uint8)
    found = {}
    for degrees in (0.0, -5.0, -3.0, -1.0, 1.0, 3.0, 5.0):
        gray = cv2.cvtColor(turned(rgb, degrees), cv2.COLOR_RGB2GRAY)
        estimate = roll_from_lines(gray, turned(person[:, :, None].repeat(3, axis=2), degrees)[:, :, 0] > 0)
        if estimate.roll is not None:
            found[degrees] = estimate.roll - degrees  # the unturned photo's roll, as this turn sees it
    assert len(found) >= 3, found
    middle = float(np.median(list(found.values())))
    for degrees, unturned in found.items():
        assert unturned == pytest.approx(middle, abs=ROLL_TOLERANCE_DEG), degrees


@pytest.fixture(scope="module")
def level_render(analyzer: Analyzer) -> Analysis:
    return analyzer.analyze(np.asarray(Image.open(RENDER).convert("RGB")), level=False, height_cm=RENDER_HEIGHT_CM)


@pytest.mark.parametrize("degrees", [-5.0, -3.0, -1.0, 1.0, 3.0, 5.0])
def test_a_turned_render_on_a_bare_wall_is_levelled_by_the_users_roll(
        analyzer: Analyzer, level_render: Analysis, degrees: float) -> None:
    # The bare wall has no lines for the filled wedges to add to, so the full height is kept: cropping it too
    # re-frames the person, to which the pose model answers by itself (bench/ACCURACY.md, "turned after the fact").
    turned_rgb = turned(np.asarray(Image.open(RENDER).convert("RGB")), degrees, crop_height=False)
    if abs(degrees) == 3.0:
        # A bare wall has no verticals: posture must say so rather than guess.
        found = analyzer.analyze(turned_rgb, uncertainty=False)
        assert found.frame is not None and found.frame.levelling.source == "none"
    levelled = analyzer.analyze(turned_rgb, roll=degrees, height_cm=RENDER_HEIGHT_CM)
    assert levelled.frame is not None and levelled.frame.levelling.source == "user"
    _compare(levelled, level_render)

"""The walk's steps on constructed heel tracks with known landings, lifts and left-right differences."""

from __future__ import annotations

import numpy as np
import pytest

from walks import HEIGHT_PX, RATE, walking

from posture.core.pose import side_landmark
from posture.stages.gait import (
    MAX_DEPTH_RATIO,
    MAX_INTERVAL,
    MIN_STEPS_PER_SIDE,
    SWING_FRACTION,
    Walk,
    foot_events,
    heel_speed,
    swing_threshold,
    symmetry,
    walk,
)

def read(times: np.ndarray, xy: np.ndarray, *, view: str = "side", facing: int = 1) -> Walk:
    result = walk(times, xy, np.full(len(times), HEIGHT_PX), view=view, facing=facing,  # type: ignore[arg-type]
                  units_per_height=170.0, unit="cm", centre_x=0.0)
    assert isinstance(result, Walk), result
    return result


def by_quantity(result: Walk) -> dict[str, object]:
    return {s.quantity: s for s in result.symmetries}


def test_every_landing_is_found_the_same_short_time_before_the_heel_comes_to_rest() -> None:
    # The heel slows to rest at its landing; the landing is read as it slows past the threshold, a little before,
    # by the same lead for every step of both feet whatever the frames' phase: the step times come out exact.
    times, xy, landings = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4})
    sizes = np.full(len(times), HEIGHT_PX)
    heels = {side: xy[:, side_landmark(side, "HEEL")] for side in ("left", "right")}
    threshold = swing_threshold([heel_speed(times, heel, sizes, facing=1)[1] for heel in heels.values()])
    leads = []
    for side, heel in heels.items():
        found = foot_events(times, heel, sizes, threshold=threshold).strikes
        expected = [t for t in landings[side] if 0.3 < t < 5.8]
        assert len(found) == len(expected)
        leads += list(np.array(expected) - np.array(found))
    assert 0.0 < min(leads) and max(leads) < 0.1
    assert max(leads) - min(leads) < 0.002


def test_an_even_walk_reads_no_detectable_difference() -> None:
    result = read(*walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4})[:2])
    found = by_quantity(result)
    # The constructed wrists do not move, so there is no arm swing to compare.
    assert set(found) == {"step time", "stance time", "step length"}
    assert found["step time"].index == pytest.approx(0.0, abs=1.0)  # type: ignore[attr-defined]
    assert found["step length"].left == pytest.approx(0.4 * 170.0, abs=0.5)  # type: ignore[attr-defined]
    assert result.cadence == pytest.approx(60.0 / 0.55, rel=0.02)


@pytest.mark.parametrize("facing", [1, -1])
def test_a_left_step_ten_percent_longer_in_time_and_length_is_read_as_such(facing: int) -> None:
    # Left 0.5775 s against right 0.525 s: (0.0525 / 0.55125) = +9.5%; lengths 0.42 against 0.38: +10.0%.
    times, xy, _ = walking({"left": 0.5775, "right": 0.525}, {"left": 0.42, "right": 0.38}, facing=facing)
    found = by_quantity(read(times, xy, facing=facing))
    assert found["step time"].index == pytest.approx(9.52, abs=1.5)  # type: ignore[attr-defined]
    assert found["step length"].index == pytest.approx(10.0, abs=1.0)  # type: ignore[attr-defined]


@pytest.mark.parametrize("view", ["front", "back"])
def test_a_walk_towards_or_away_from_the_camera_is_not_read(view: str) -> None:
    times, xy, _ = walking({"left": 0.6, "right": 0.5}, {"left": 0.4, "right": 0.4})
    result = walk(times, xy, np.full(len(times), HEIGHT_PX), view=view, facing=1,  # type: ignore[arg-type]
                  units_per_height=170.0, unit="cm", centre_x=0.0)
    assert isinstance(result, str)
    assert "from the side only" in result


def test_too_few_steps_is_said_in_a_sentence() -> None:
    times, xy, _ = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4}, seconds=1.2)
    result = walk(times, xy, np.full(len(times), HEIGHT_PX), view="side", facing=1, units_per_height=170.0,
                  unit="cm", centre_x=0.0)
    assert isinstance(result, str)
    assert f"fewer than the {MIN_STEPS_PER_SIDE} of each" in result


@pytest.mark.parametrize(("speed", "standing"), [(0.29, True), (0.31, False)])
def test_a_heel_slower_than_the_threshold_stands(speed: float, standing: bool) -> None:
    # The heel stands for 1 s, then moves at ``speed`` body heights a second for 1 s: a lift only when faster
    # than the threshold of 0.3.
    times = np.arange(0.0, 2.0, 1.0 / RATE)
    heel = np.zeros((len(times), 2))
    heel[:, 0] = np.where(times > 1.0, (times - 1.0) * speed * HEIGHT_PX, 0.0)
    events = foot_events(times, heel, np.full(len(times), HEIGHT_PX), threshold=0.3)
    assert (len(events.lifts) == 1) is not standing


def test_the_threshold_is_a_share_of_both_feet_fast_speed() -> None:
    # Speeds 0..0.99 and 1..1.99 together: their 90th percentile is 1.8.
    threshold = swing_threshold([np.arange(100) / 100.0, 1.0 + np.arange(100) / 100.0])
    assert threshold == pytest.approx(SWING_FRACTION * np.percentile(np.arange(200) / 100.0, 90))


def test_a_difference_inside_its_interval_is_not_detectable() -> None:
    spread = symmetry("step time", [0.53, 0.57, 0.55], [0.52, 0.50, 0.54], "s")
    assert spread is not None and spread.interval is not None
    assert spread.index == pytest.approx(100.0 * (0.55 - 0.52) / 0.535)
    assert spread.detectable is False
    steady = symmetry("step time", [0.55, 0.551, 0.549], [0.50, 0.501, 0.499], "s")
    assert steady is not None and steady.detectable is True
    assert symmetry("step time", [0.55], [0.5], "s").interval is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("spread", "readable"), [(0.0301, True), (0.0303, False)])
def test_steps_scattering_by_more_than_15_points_are_not_compared(spread: float, readable: bool) -> None:
    # Three steps a side: 0.5 ± spread on the left (sd = spread), 0.5 on the right: Welch's degrees of freedom are
    # 2 (t = 4.303), and the interval is 100 × 4.303 × spread / √3 / 0.5: 14.96 and 15.06 points.
    result = symmetry("step time", [0.5 - spread, 0.5, 0.5 + spread], [0.5, 0.5, 0.5], "s")
    assert result is not None and result.interval is not None
    assert (result.interval <= MAX_INTERVAL) is readable
    assert result.readable is readable
    assert (result.detectable is None) is not readable
    assert ("not readable consistently" in result.sentence) is not readable


def test_a_walk_whose_landings_keep_no_rhythm_is_not_read() -> None:
    # The heels flicker: every landmark track jumps every 0.1 s, so landings come far faster than any walk's.
    times = np.arange(0.0, 4.0, 1.0 / RATE)
    xy = np.zeros((len(times), 33, 2))
    xy[:, :, 1] = np.linspace(0.0, HEIGHT_PX, 33)
    for side, phase in (("left", 0.0), ("right", 0.05)):
        xy[:, side_landmark(side, "HEEL"), 0] = np.where(((times + phase) * 5).astype(int) % 2, 0.0, 200.0)
    result = walk(times, xy, np.full(len(times), HEIGHT_PX), view="side", facing=1, units_per_height=170.0,
                  unit="cm", centre_x=0.0)
    assert isinstance(result, str)
    assert "do not keep a walk's rhythm" in result or "fewer than the" in result


def test_the_far_foot_is_brought_to_the_near_foot_depth_before_the_steps_are_measured() -> None:
    # An even walk whose right (far) heel is seen 0.92 times as large about the picture's middle column (x = 500):
    # each step from a near heel to a far one comes out shorter than the step back, unless the depth is matched.
    times, xy, _ = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4})
    right = side_landmark("right", "HEEL")
    xy[:, right, 0] = 500.0 + (xy[:, right, 0] - 500.0) * 0.92
    matched = walk(times, xy, np.full(len(times), HEIGHT_PX), view="side", facing=1, units_per_height=170.0,
                   unit="cm", centre_x=500.0)
    assert isinstance(matched, Walk)
    assert by_quantity(matched)["step length"].index == pytest.approx(0.0, abs=0.5)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("far_scale", "matched"), [(1 / 1.19, True), (1 / 1.21, False)])
def test_feet_whose_strides_differ_beyond_depth_give_no_step_length(far_scale: float, matched: bool) -> None:
    times, xy, _ = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4})
    right = side_landmark("right", "HEEL")
    xy[:, right, 0] *= far_scale
    result = walk(times, xy, np.full(len(times), HEIGHT_PX), view="side", facing=1, units_per_height=170.0,
                  unit="cm", centre_x=0.0)
    assert isinstance(result, Walk)
    assert ("step length" in by_quantity(result)) is matched
    assert MAX_DEPTH_RATIO == 1.2


def test_no_landing_is_read_where_the_heel_landmark_jumps_backwards() -> None:
    # A heel lands at 1.1 s; in the second run its landmark hops back a body height's tenth for two frames just
    # after, as when it lands on the other foot: that landing is not trusted.
    times, xy, landings = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4})
    heel = xy[:, side_landmark("right", "HEEL")].copy()
    sizes = np.full(len(times), HEIGHT_PX)
    landing = landings["right"][1]
    assert any(abs(t - landing) < 0.1 for t in foot_events(times, heel, sizes, threshold=0.3).strikes)
    hop = (times > landing + 0.02) & (times < landing + 0.09)
    heel[hop, 0] -= 0.1 * HEIGHT_PX
    assert not any(abs(t - landing) < 0.1 for t in foot_events(times, heel, sizes, threshold=0.3).strikes)


def test_where_a_heel_stands_is_not_read_from_its_landmark_after_a_jump() -> None:
    # The clip ends 0.4 s after a landing, and 0.15 s after it the landmark jumps back a fifth of the body's height
    # and stays there (as it did, leaving the picture, on a rendered walk): the heel still stands where it landed.
    times, xy, landings = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4})
    landing = landings["right"][3]
    kept = times <= landing + 0.4
    times, heel = times[kept], xy[kept, side_landmark("right", "HEEL")].copy()
    standing = heel[-1, 0]
    heel[times > landing + 0.15, 0] -= 0.2 * HEIGHT_PX
    events = foot_events(times, heel, np.full(len(times), HEIGHT_PX), threshold=0.3)
    spots = [spot for moment, spot in zip(events.strikes, events.spots) if abs(moment - landing) < 0.1]
    assert len(spots) == 1
    assert spots[0][0] == pytest.approx(standing, abs=1.0)


def test_a_comparison_the_walk_cannot_make_is_marked_so_in_the_table() -> None:
    compared = symmetry("step time", [0.55, 0.551, 0.549], [0.50, 0.501, 0.499], "s")
    single = symmetry("arm swing", [27.2], [13.4], "cm")
    assert compared is not None and compared.index_text == f"{compared.index:+.1f} ± {compared.interval:.1f} %"
    assert single is not None and single.index_text == "+68.0 % (not compared)"


def test_the_arms_are_not_compared_because_the_far_one_is_hidden_not_for_want_of_steps() -> None:
    arms = symmetry("arm swing", [27.2], [13.4], "cm")
    steps = symmetry("step length", [62.0], [60.0], "cm")
    assert arms is not None and steps is not None
    assert "the far arm swings mostly behind the body" in arms.sentence and "too few" not in arms.sentence
    assert "too few readings of one side" in steps.sentence

"""The walk's steps on constructed heel tracks with known landings, lifts and left-right differences."""

from __future__ import annotations

import numpy as np
import pytest

from walks import HEIGHT_PX, RATE, walking

from posture.core.pose import side_landmark
from posture.stages.gait import (
    MIN_STEPS_PER_SIDE,
    Walk,
    crossings,
    foot_events,
    symmetry,
    walk,
)

def read(times: np.ndarray, xy: np.ndarray, *, view: str = "side", facing: int = 1) -> Walk:
    result = walk(times, xy, np.full(len(times), HEIGHT_PX), view=view, facing=facing,  # type: ignore[arg-type]
                  units_per_height=170.0, unit="cm")
    assert isinstance(result, Walk), result
    return result


def by_quantity(result: Walk) -> dict[str, object]:
    return {s.quantity: s for s in result.symmetries}


def test_landings_are_found_the_same_moment_before_their_true_time() -> None:
    times, xy, landings = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4})
    for side in ("left", "right"):
        events = foot_events(times, xy[:, side_landmark(side, "HEEL")], np.full(len(times), HEIGHT_PX))
        found = [t for t in events.strikes if 0.2 < t < 5.8]
        expected = [t for t in landings[side] if 0.2 < t < 5.8]
        assert len(found) == len(expected)
        # A landing is read as the heel slows, a little before it stops: the same moment of every swing, so the
        # time between landings, which the steps are read from, is exact.
        early = np.array(expected) - np.array(found)
        assert np.all((early >= 0) & (early < 0.1))
        assert np.ptp(early) < 0.002


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


def test_from_the_front_the_times_are_read_and_no_length() -> None:
    times, xy, _ = walking({"left": 0.6, "right": 0.5}, {"left": 0.4, "right": 0.4})
    found = by_quantity(read(times, xy, view="front"))
    assert set(found) == {"step time", "stance time"}
    assert found["step time"].index == pytest.approx(100.0 * 0.1 / 0.55, abs=1.5)  # type: ignore[attr-defined]


def test_too_few_steps_is_said_in_a_sentence() -> None:
    times, xy, _ = walking({"left": 0.55, "right": 0.55}, {"left": 0.4, "right": 0.4}, seconds=1.2)
    result = walk(times, xy, np.full(len(times), HEIGHT_PX), view="side", facing=1, units_per_height=170.0,
                  unit="cm")
    assert isinstance(result, str)
    assert f"fewer than the {MIN_STEPS_PER_SIDE} of each" in result


def test_a_crossing_between_two_samples_is_placed_between_them() -> None:
    times = np.arange(10) / 10
    speed = np.array([5, 5, 5, 4, 0, 0, 0, 0, 0, 0], dtype=float)
    assert crossings(times, speed, 1.0, downward=True) == [pytest.approx(0.375)]
    assert crossings(times, speed[::-1], 1.0, downward=False) == [pytest.approx(0.525)]


def test_a_brief_dip_below_the_threshold_is_no_landing() -> None:
    # The slow moment of early swing, as the knee bends: two frames, 67 ms.
    times = np.arange(30) / RATE
    speed = np.full(30, 5.0)
    speed[12:14] = 0.0
    assert crossings(times, speed, 1.0, downward=True) == []


@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_both_feet_are_timed_alike_whatever_the_frames_phase(shift: float) -> None:
    # The right foot lands half a frame off the frame grid from the left: the steps must still read even.
    half = 0.55 + shift / RATE
    times, xy, _ = walking({"left": 1.1 - half, "right": half}, {"left": 0.4, "right": 0.4})
    found = by_quantity(read(times, xy))
    assert found["step time"].index == pytest.approx(100 * (1.1 - 2 * half) / 0.55, abs=0.5)  # type: ignore[attr-defined]


def test_a_difference_inside_its_interval_is_not_detectable() -> None:
    spread = symmetry("step time", [0.50, 0.60, 0.55], [0.52, 0.50, 0.54], "s")
    assert spread is not None and spread.interval is not None
    assert spread.index == pytest.approx(100.0 * (0.55 - 0.52) / 0.535)
    assert spread.detectable is False
    steady = symmetry("step time", [0.55, 0.551, 0.549], [0.50, 0.501, 0.499], "s")
    assert steady is not None and steady.detectable is True
    assert symmetry("step time", [0.55], [0.5], "s").interval is None  # type: ignore[union-attr]

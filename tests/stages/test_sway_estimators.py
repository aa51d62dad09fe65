"""The sway estimators on constructed tracks with exact answers: a sine's range and RMS, the filter's band edge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posture.core.pose import Landmark
from posture.stages.sway import SWAY_BAND_HZ, low_passed, sway

RATE_HZ = 8.0


def _swaying(amplitude_px: float, frequency_hz: float, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Times and (frames, 33, 2) landmarks of a body glided sideways by a sine, every landmark alike."""
    times = np.arange(0.0, seconds, 1.0 / RATE_HZ)
    xy = np.zeros((len(times), 33, 2))
    xy[:, :, 0] = 500.0 + amplitude_px * np.sin(2 * math.pi * frequency_hz * times)[:, None]
    xy[:, :, 1] = np.linspace(100.0, 1800.0, 33)[None, :]
    return times, xy


def _hips(times: np.ndarray, xy: np.ndarray):
    readings = sway(times, xy, view="side", camera_roll_deg=0.0, units_per_px=0.1, unit="cm")
    return next(r for r in readings if r.part == "hips")


def test_a_sine_over_whole_cycles_reads_its_full_range_rms_and_frequency() -> None:
    # 20 px at 0.1 cm a pixel: a 2-cm sine, range 4 cm and RMS 2/√2 cm; 0.5 Hz over exactly 5 cycles.
    times, xy = _swaying(20.0, 0.5, 10.0)
    hips = _hips(times, xy)
    # The filter's sharp edge rings a little where the mirrored ends meet: a few hundredths of a cm.
    assert hips.range == pytest.approx(4.0, abs=0.05)
    assert hips.rms == pytest.approx(2.0 / math.sqrt(2.0), abs=0.02)
    assert hips.frequency_hz == pytest.approx(0.5, abs=0.03)
    assert hips.direction == "front-back"


def test_the_range_of_a_slow_half_cycle_is_not_shrunk_at_the_stretch_ends() -> None:
    # A quarter cycle of 0.1 Hz in 2.5 s: the track runs from 0 to its peak, which a filter that wrapped the
    # signal round would pull back towards the start.
    times, xy = _swaying(30.0, 0.1, 2.5)
    truth = np.ptp(xy[:, Landmark.LEFT_HIP, 0]) * 0.1
    assert _hips(times, xy).range == pytest.approx(truth, rel=0.02)


@pytest.mark.parametrize(("frequency_hz", "kept"), [(SWAY_BAND_HZ - 0.2, True), (SWAY_BAND_HZ + 0.2, False)])
def test_the_filter_keeps_a_wobble_just_inside_its_band_and_removes_one_just_outside(frequency_hz: float,
                                                                                      kept: bool) -> None:
    # 81 frames over exactly 10 s: a whole number of cycles of either wobble, so that it starts and ends at zero
    # and the filter alone, not the straight line between the ends it leaves alone, decides what is left.
    times = np.arange(81) / RATE_HZ
    wobble = np.sin(2 * math.pi * frequency_hz * times)
    left = float(np.sqrt(np.mean(low_passed(wobble, 1.0 / RATE_HZ) ** 2)))
    if kept:
        assert left == pytest.approx(1.0 / math.sqrt(2.0), rel=0.1)
    else:
        assert left < 0.1

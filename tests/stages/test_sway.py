"""Tests for posture.stages.sway: the still stretch and the sway, on landmark tracks built here."""

from __future__ import annotations

import numpy as np
import pytest

from posture.core.pose import Landmark
from posture.stages.sway import BODY_CENTRE, MIN_STILL_S, band_centre, outline_centre, still_stretch, sway

BODY_PX = 1000.0


def standing(times: np.ndarray, sway_px: np.ndarray | float = 0.0, *, noise_px: float = 0.0,
             seed: int = 0) -> np.ndarray:
    """(frames, 33, 2) landmarks of a standing body 1000 px tall, everything above the ankles moved by ``sway_px``."""
    rng = np.random.default_rng(seed)
    xy = np.zeros((len(times), 33, 2))
    xy[:, :, 1] = np.linspace(0, BODY_PX, 33)
    xy[:, :, 0] = 500.0 + np.broadcast_to(np.asarray(sway_px, dtype=float), times.shape)[:, None]
    for ankle in (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE):
        xy[:, ankle, 0] = 500.0
    return xy + rng.normal(0.0, noise_px, xy.shape) if noise_px else xy


def test_a_clip_of_quiet_standing_is_one_still_stretch() -> None:
    times = np.arange(0, 5, 0.125)
    stretch = still_stretch(times, standing(times, 10 * np.sin(2 * np.pi * 0.5 * times), noise_px=1.0),
                            BODY_PX)
    assert not isinstance(stretch, str)
    assert stretch.indices == tuple(range(len(times)))


def test_a_step_ends_the_still_stretch() -> None:
    times = np.arange(0, 6, 0.125)
    xy = standing(times)
    stepping = times >= 4.0
    xy[stepping, Landmark.LEFT_ANKLE, 0] += 300.0 * np.minimum(times[stepping] - 4.0, 0.5)
    stretch = still_stretch(times, xy, BODY_PX)
    assert not isinstance(stretch, str)
    assert stretch.start_s == 0.0 and stretch.end_s == pytest.approx(4.0)


@pytest.mark.parametrize(("gap", "broken"), [(0.49, False), (0.51, True)])
def test_frames_without_the_person_for_half_a_second_break_the_stretch(gap: float, broken: bool) -> None:
    # Still standing read every 0.125 s for 1.5 s, then nothing for ``gap`` seconds, then 1.5 s more: the two
    # halves make one stretch of over 2 s only when the gap between them is no more than 0.5 s.
    first = np.arange(0, 1.5, 0.125)
    times = np.concatenate([first, first[-1] + gap + np.arange(0, 1.5, 0.125)])
    stretch = still_stretch(times, standing(times), BODY_PX)
    assert isinstance(stretch, str) is broken


def test_walking_throughout_has_no_still_stretch_and_says_so() -> None:
    times = np.arange(0, 5, 0.125)
    xy = standing(times, 700.0 * times)
    xy[:, Landmark.LEFT_ANKLE, 0] += 700.0 * times
    reason = still_stretch(times, xy, BODY_PX)
    assert isinstance(reason, str)
    assert f"does not stand still for {MIN_STILL_S:g} s" in reason


@pytest.mark.parametrize(("amplitude_px", "frequency"), [(5.0, 0.2), (15.0, 0.5), (25.0, 1.0)])
def test_sway_range_rms_and_frequency_follow_a_known_sway(amplitude_px: float, frequency: float) -> None:
    times = np.arange(0, 10, 0.125)
    xy = standing(times, amplitude_px * np.sin(2 * np.pi * frequency * times), noise_px=1.0)
    readings = sway(times, xy, view="side", camera_roll_deg=0.0, units_per_px=0.1, unit="cm")
    assert [r.part for r in readings] == ["head", "shoulders", "hips"]
    for reading in readings:
        assert reading.direction == "front-back"
        # The range is the extremes, which the jitter left below the band still widens a little.
        assert reading.range == pytest.approx(0.2 * amplitude_px, abs=0.3)
        assert reading.rms == pytest.approx(0.1 * amplitude_px / np.sqrt(2), abs=0.08)
        assert reading.frequency_hz == pytest.approx(frequency, abs=0.05)


def test_sway_is_side_to_side_from_the_front_and_none_for_an_unsupported_view() -> None:
    times = np.arange(0, 4, 0.125)
    xy = standing(times, 10 * np.sin(times))
    assert {r.direction for r in sway(times, xy, view="front", camera_roll_deg=0.0, units_per_px=1.0,
                                      unit="cm")} == {"side-to-side"}
    assert sway(times, xy, view="unsupported", camera_roll_deg=0.0, units_per_px=1.0, unit="cm") == ()


@pytest.mark.parametrize("phase", [0.0, 1.0, 2.0])
def test_the_range_of_a_part_of_a_slow_cycle_is_not_shrunk_by_the_filter(phase: float) -> None:
    times = np.arange(0, 5, 0.125)
    glide = 20.0 * np.sin(2 * np.pi * 0.15 * times + phase)
    readings = sway(times, standing(times, glide), view="side", camera_roll_deg=0.0, units_per_px=0.1, unit="cm")
    centred = glide - glide.mean()
    for reading in readings:
        assert reading.range == pytest.approx(0.1 * np.ptp(glide), abs=0.1)
        assert reading.rms == pytest.approx(0.1 * np.sqrt(np.mean(centred**2)), abs=0.05)


def test_the_outlines_middle_in_a_band_is_its_mean_column_in_picture_pixels() -> None:
    # A person 10 mask pixels wide (columns 10-19) between mask rows 40 and 60; the mask is at half resolution.
    mask = np.zeros((100, 50))
    mask[40:61, 10:20] = 0.9
    assert band_centre(mask, 0.5, centre_y_px=100.0, half_height_px=10.0) == pytest.approx(29.0)
    mask[50, 30] = 0.4  # below one half: not the person
    assert band_centre(mask, 0.5, centre_y_px=100.0, half_height_px=10.0) == pytest.approx(29.0)
    assert np.isnan(band_centre(mask, 0.5, centre_y_px=160.0, half_height_px=10.0))


def test_the_hips_sway_is_read_from_the_outline_when_every_frame_has_it() -> None:
    # The hip landmarks follow only half of a 20-px sway; the outline's middle follows all of it.
    times = np.arange(0, 10, 0.125)
    glide = 20.0 * np.sin(2 * np.pi * 0.3 * times)
    xy = standing(times, glide)
    for hip in (Landmark.LEFT_HIP, Landmark.RIGHT_HIP):
        xy[:, hip, 0] = 500.0 + 0.5 * glide
    hips = {r.part: r for r in sway(times, xy, view="side", camera_roll_deg=0.0, units_per_px=0.1, unit="cm",
                                    hips_outline_x=300.0 + glide)}["hips"]
    assert hips.range == pytest.approx(4.0, abs=0.1)
    landmarks_only = np.full(len(times), np.nan)
    landmarks_only[1:] = 300.0 + glide[1:]  # one frame without an outline: the landmarks are read throughout
    hips = {r.part: r for r in sway(times, xy, view="side", camera_roll_deg=0.0, units_per_px=0.1, unit="cm",
                                    hips_outline_x=landmarks_only)}["hips"]
    assert hips.range == pytest.approx(2.0, abs=0.1)


def test_the_whole_outlines_middle_is_its_mean_pixel_in_picture_pixels() -> None:
    mask = np.zeros((100, 50))
    mask[40:60, 10:20] = 0.9  # mean column 14.5, mean row 49.5, at half resolution
    mask[5, 45] = 0.4  # below one half: not the person
    assert outline_centre(mask, 0.5) == pytest.approx((29.0, 99.0))
    assert all(np.isnan(outline_centre(np.zeros((10, 10)), 0.5)))


def test_the_body_centre_sways_as_its_outline_does_and_is_given_only_when_every_frame_has_one() -> None:
    # A tilt over the ankles: the outline's middle moves 0.6 of the head's 20 px, at a roll of 3 degrees that the
    # track is read across.
    times = np.arange(0, 10, 0.125)
    head = 20.0 * np.sin(2 * np.pi * 0.4 * times)
    roll = np.radians(3.0)
    centre = np.column_stack([300.0 + 0.6 * head * np.cos(roll), 400.0 - 0.6 * head * np.sin(roll)])
    readings = {r.part: r for r in sway(times, standing(times, head), view="front", camera_roll_deg=3.0,
                                        units_per_px=0.1, unit="cm", body_outline_xy=centre)}
    assert list(readings) == ["head", "shoulders", "hips", BODY_CENTRE]
    assert readings[BODY_CENTRE].direction == "side-to-side"
    assert readings[BODY_CENTRE].range == pytest.approx(0.1 * 0.6 * 40.0, abs=0.05)
    assert readings[BODY_CENTRE].frequency_hz == pytest.approx(0.4, abs=0.05)
    centre[3] = np.nan
    assert BODY_CENTRE not in {r.part for r in sway(times, standing(times, head), view="front", camera_roll_deg=3.0,
                                                    units_per_px=0.1, unit="cm", body_outline_xy=centre)}

"""Several photos of one view combined into one estimate: readings with known answers, constructed analyses."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from builders import analysis_image, built, refused

from posture.analysis import Analysis
from posture.combine import (
    NOISE_BAND_SHARE,
    combine_by_view,
    combine_frames,
    combine_measurements,
    combine_photos,
    note_repeated_photos,
    split_series,
)
from posture.core.measurement import Measurement, Withheld
from posture.knowledge.repeatability import T_975, Z_95, repeatability
from posture.render.json import render_json_photos
from posture.render.terminal import render_terminal
from posture.stages.findings import evaluate
from posture.stages.frame import PERCENT_HEIGHT


def reading(value: float, uncertainty: float | None, **components: float) -> Measurement:
    return Measurement("foot_hip_offset", value, PERCENT_HEIGHT, "landmarks", (), uncertainty=uncertainty,
                       components=tuple(components.items()))


def test_photos_that_agree_shrink_the_half_width_by_the_root_of_their_number() -> None:
    combined = combine_measurements([reading(1.0, 2.0), reading(1.2, 2.0), reading(0.8, 2.0), reading(1.0, 2.0)])
    assert combined.value == pytest.approx(1.0)
    assert combined.uncertainty == pytest.approx(2.0 / math.sqrt(4))


def test_the_steadier_photo_weighs_more() -> None:
    combined = combine_measurements([reading(0.0, 1.0, hip=0.0), reading(3.0, 2.0, hip=6.0)])
    # Weights 1/1^2 and 1/2^2: (0*1 + 3*0.25) / 1.25.
    assert combined.value == pytest.approx(0.6)
    assert dict(combined.components)["hip"] == pytest.approx(1.2)
    assert combined.uncertainty == pytest.approx(1.0 / math.sqrt(1.25) * max(1.0, math.sqrt(
        (0.6 ** 2 * 1 + 2.4 ** 2 * 0.25) * 1.959964 ** 2)))


def test_photos_that_disagree_beyond_their_half_widths_widen_it() -> None:
    """The person moved between shots: 0 and 10 with ±1 each cannot be one value known to ±0.7."""
    combined = combine_measurements([reading(0.0, 1.0), reading(10.0, 1.0)])
    assert combined.value == pytest.approx(5.0)
    assert combined.uncertainty is not None and combined.uncertainty > 5.0


def test_without_half_widths_the_spread_decides_and_two_photos_say_too_little() -> None:
    assert combine_measurements([reading(1.0, None), reading(3.0, None)]).uncertainty is None
    three = combine_measurements([reading(1.0, None), reading(2.0, None), reading(3.0, None)])
    assert three.value == pytest.approx(2.0)
    assert three.uncertainty == pytest.approx(T_975[2] * 1.0 / math.sqrt(3))


def test_different_measurements_are_not_combined() -> None:
    other = Measurement("trunk_lean", 1.0, "deg", "landmarks", ())
    with pytest.raises(ValueError, match="different measurements"):
        combine_measurements([reading(1.0, 1.0), other])


def test_three_side_photos_give_one_result_that_names_them() -> None:
    photos = [built(f"side{i}.jpg", hip_ahead=hip) for i, hip in enumerate((60.0, 70.0, 80.0))]
    combined = combine_photos(photos)
    assert combined.combined_from == ("side0.jpg", "side1.jpg", "side2.jpg")
    single = {m.id: m for m in photos[1].measurements}
    offset = combined.measurement("foot_hip_offset")
    assert offset is not None
    values = [p.measurement("foot_hip_offset").value for p in photos]  # type: ignore[union-attr]
    assert offset.value == pytest.approx(sum(values) / 3)
    assert offset.value == pytest.approx(single["foot_hip_offset"].value)  # the middle photo is the mean here
    assert all(f.borderline is not None for f in combined.findings)


def test_views_are_combined_apart_and_refusals_stay_on_their_own() -> None:
    side_a, side_b = built("a.jpg"), built("b.jpg", hip_ahead=30.0)
    front = built("front.jpg", front=True)
    results = combine_by_view([side_a, refused("dark.jpg"), front, side_b])
    assert [r.combined_from for r in results] == [("a.jpg", "b.jpg"), (), ()]
    assert [r.image.display_name for r in results][1:] == ["dark.jpg", "front.jpg"]
    with pytest.raises(ValueError, match="different views"):
        combine_photos([side_a, front])


def test_reports_say_how_many_photos_were_combined() -> None:
    photos = [built("one.jpg"), built("two.jpg", hip_ahead=30.0), built("front.jpg", front=True)]
    text = render_terminal(combine_by_view(photos), width=200)
    assert "2 side photos combined" in text and "one.jpg, two.jpg" in text
    document = json.loads(render_json_photos(photos, combine_by_view(photos)))
    assert len(document["photos"]) == 3
    assert [c["combined_from"] for c in document["combined"]] == [["one.jpg", "two.jpg"]]
    assert document["photos"][0]["combined_from"] == []


def test_the_same_photo_under_another_name_counts_once_and_is_named() -> None:
    """A byte-identical copy is no second shot: combining it would shrink every ± by the root of two."""
    side = built("side.jpg")
    copy = dataclasses.replace(side, image=analysis_image("copy.jpg", sha=side.provenance.input_sha256))
    [alone] = combine_by_view(note_repeated_photos([side, copy]))
    assert alone.combined_from == ()
    assert alone.measurements == side.measurements
    assert alone.warnings == ("'copy.jpg' is the same photo as 'side.jpg' (identical files); it was counted once.",)
    other = built("other.jpg", hip_ahead=30.0)
    [combined] = combine_by_view(note_repeated_photos([side, copy, other, side]))
    assert combined.combined_from == ("side.jpg", "other.jpg")
    assert any("'copy.jpg', 'side.jpg' are the same photo as 'side.jpg'" in w for w in combined.warnings)


def test_combining_refuses_what_cannot_be_combined_in_words() -> None:
    with pytest.raises(ValueError, match="^nothing to combine$"):
        combine_measurements([])
    in_cm = Measurement("foot_hip_offset", 1.0, "cm", "landmarks", ())
    with pytest.raises(ValueError, match="^cannot combine readings of different measurements or units with "
                                         "foot_hip_offset$"):
        combine_measurements([reading(1.0, 1.0), in_cm])
    with pytest.raises(ValueError, match="^combining needs at least two photos$"):
        combine_photos([built("a.jpg")])
    with pytest.raises(ValueError, match="^only analysed photos can be combined$"):
        combine_photos([built("a.jpg"), refused("r.jpg")])
    with pytest.raises(ValueError, match="^photos of different views cannot be combined: front, side$"):
        combine_photos([built("a.jpg"), built("f.jpg", front=True)])


def test_the_first_reading_gives_the_method() -> None:
    first = dataclasses.replace(reading(1.0, 1.0), method="first")
    assert combine_measurements([first, dataclasses.replace(reading(2.0, 1.0), method="second")]).method == "first"


def test_a_half_width_of_zero_is_no_half_width() -> None:
    """A reading claiming no noise at all cannot weigh infinitely: the photos' spread decides instead."""
    combined = combine_measurements([reading(1.0, 0.0), reading(3.0, 0.0), reading(5.0, 0.0)])
    assert combined.value == pytest.approx(3.0)
    assert combined.uncertainty == pytest.approx(T_975[2] * 2.0 / math.sqrt(3))


def test_the_disagreement_of_three_photos_is_over_their_two_degrees_of_freedom() -> None:
    """0, 5 and 10 at ±1 each (sigma 1/Z): their weighted scatter about 5, 50 Z² over two degrees of freedom,
    widens the half-width of the mean, 1/√3, by √(25 Z²) = 5 Z."""
    combined = combine_measurements([reading(0.0, 1.0), reading(5.0, 1.0), reading(10.0, 1.0)])
    assert combined.uncertainty == pytest.approx(5.0 * Z_95 / math.sqrt(3))


def test_without_half_widths_the_components_are_plain_means_and_the_spread_scales_the_half_width() -> None:
    combined = combine_measurements([reading(1.0, None, hip=2.0), reading(3.0, None, hip=4.0),
                                     reading(5.0, None, hip=9.0)])
    assert dict(combined.components)["hip"] == pytest.approx(5.0)
    assert combined.uncertainty == pytest.approx(T_975[2] * 2.0 / math.sqrt(3))


def _without(analysis: Analysis, measurement_id: str, withheld: Withheld | None = None) -> Analysis:
    return dataclasses.replace(analysis, measurements=tuple(m for m in analysis.measurements if m.id != measurement_id),
                               withheld=analysis.withheld + (() if withheld is None else (withheld,)))


def test_the_group_stands_for_the_first_photo_and_takes_a_measure_any_photo_gave() -> None:
    unsteady = Withheld("trunk_lean", "unsteady", "the readings spread")
    first = _without(built("a.jpg"), "trunk_lean", unsteady)
    second = built("b.jpg", hip_ahead=60.0)
    third = _without(built("c.jpg"), "trunk_lean", unsteady)
    combined = combine_photos([first, second, third])
    assert combined.image.display_name == "a.jpg" and combined.combined_from == ("a.jpg", "b.jpg", "c.jpg")
    lean = combined.measurement("trunk_lean")
    assert lean is not None and lean.value == second.measurement("trunk_lean").value  # type: ignore[union-attr]
    assert combined.withheld == ()
    assert combined.findings == evaluate(combined.measurements, view=combined.view, scale=combined.frame.scale,  # type: ignore[union-attr]
                                         knowledge=combined.knowledge)


def test_a_measure_no_photo_gave_keeps_the_first_reason_naming_its_photo() -> None:
    photos = [_without(built(f"{name}.jpg"), "trunk_lean", Withheld("trunk_lean", "unsteady", f"{name} spread"))
              for name in ("a", "b")]
    photos[1] = dataclasses.replace(photos[1], warnings=("a warning",))
    combined = combine_photos(photos)
    assert combined.withheld == (Withheld("trunk_lean", "unsteady", "a.jpg: a spread"),)
    assert combined.warnings == ("b.jpg: a warning",)
    assert combined.measurement("trunk_lean") is None


def _frames(values: list[float] | np.ndarray, measurement_id: str = "trunk_lean") -> list[Measurement]:
    return [Measurement(id=measurement_id, value=float(v), unit="deg", method="test", landmarks=()) for v in values]


def test_frames_are_combined_with_outlying_frames_left_out() -> None:
    values = [10.0, 10.2, 9.8, 10.1, 9.9, 10.0, 30.0]
    readings = _frames(values)
    times = [0.5 * i for i in range(len(values))]
    combined, left_out = combine_frames(readings, times, repeatability(), None, seconds=3.0)
    assert left_out == 1
    assert combined.value == pytest.approx(10.0)
    assert combined.uncertainty is not None
    # Frames count for at most two independent readings a second: one second of them is worth two.
    brief, _ = combine_frames(readings, times, repeatability(), None, seconds=1.0)
    assert brief.uncertainty is not None and brief.uncertainty > combined.uncertainty
    # Never narrower than the typical spread of a photo's readings, however alike the frames.
    alike, _ = combine_frames(_frames([10.0] * len(values)), times, repeatability(), None, seconds=3.0)
    assert alike.uncertainty is not None and alike.uncertainty > 0.3
    with pytest.raises(ValueError, match="7 readings but 6 times"):
        combine_frames(readings, times[:-1], repeatability(), None, seconds=3.0)


def test_a_sway_is_split_from_the_noise_and_bounds_the_mean_by_how_much_of_a_swing_the_stretch_holds() -> None:
    times = np.arange(0, 5, 0.125)
    noise = np.random.default_rng(3).normal(0.0, 0.2, len(times))
    series = split_series(times, 2.0 * np.sin(2 * np.pi * 0.5 * times) + noise, seconds=5.0)
    assert np.std(series.noise) == pytest.approx(0.2 * np.sqrt(NOISE_BAND_SHARE), abs=0.06)
    assert np.sqrt(np.mean((series.slow - 2.0 * np.sin(2 * np.pi * 0.5 * times)) ** 2)) < 0.18
    # A sine of amplitude 2 at 0.5 Hz over 5 s: the mean of the stretch lies within 2 / (pi 0.5 5) of its middle.
    assert series.sway_bound == pytest.approx(2.0 / (np.pi * 0.5 * 5.0), rel=0.1)
    slower = split_series(times, 2.0 * np.sin(2 * np.pi * 0.2 * times) + noise, seconds=5.0)
    assert slower.sway_bound == pytest.approx(2.0 / (np.pi * 0.2 * 5.0), rel=0.15)
    assert split_series(times, noise, seconds=5.0).sway_bound < 0.2


def test_a_swaying_measure_is_not_averaged_as_noise_and_its_interval_grows_with_the_swing_left_unbalanced() -> None:
    # Trunk lean swaying 2 degrees either way over a slow swing: as noise, 40 frames of a 0.2-Hz sine would be
    # worth two readings (t of 12.7); as sway, the ± is the noise's and the mean's offset from the swing's middle.
    times = np.arange(0, 5, 0.125)
    noise = np.random.default_rng(4).normal(0.0, 0.2, len(times))
    slow, _ = combine_frames(_frames(10.0 + 2.0 * np.sin(2 * np.pi * 0.2 * times) + noise), times, repeatability(),
                             None, seconds=5.0)
    fast, _ = combine_frames(_frames(10.0 + 2.0 * np.sin(2 * np.pi * 0.8 * times) + noise), times, repeatability(),
                             None, seconds=5.0)
    still, _ = combine_frames(_frames(10.0 + noise), times, repeatability(), None, seconds=5.0)
    assert slow.uncertainty is not None and fast.uncertainty is not None and still.uncertainty is not None
    assert still.uncertainty < fast.uncertainty < slow.uncertainty < 2.5


def test_a_clip_measure_a_re_take_moves_for_every_frame_at_once_is_widened_by_its_fitted_factor(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from posture import combine

    times = np.arange(0, 5, 0.125)
    readings = _frames(10.0 + np.random.default_rng(5).normal(0.0, 0.3, len(times)))
    monkeypatch.setattr(combine, "UNLEVELLED_CLIP_FACTORS", {})
    monkeypatch.setattr(combine, "LEVELLED_CLIP_FACTORS", {})
    plain, _ = combine_frames(readings, times, repeatability(), None, seconds=5.0)
    monkeypatch.setattr(combine, "UNLEVELLED_CLIP_FACTORS", {"trunk_lean": 2.5})
    monkeypatch.setattr(combine, "LEVELLED_CLIP_FACTORS", {"trunk_lean": 1.5})
    unlevelled, _ = combine_frames(readings, times, repeatability(), None, seconds=5.0)
    levelled, _ = combine_frames(readings, times, repeatability(), None, seconds=5.0, levelled=True)
    assert plain.uncertainty is not None
    assert unlevelled.uncertainty == pytest.approx(2.5 * plain.uncertainty)
    assert levelled.uncertainty == pytest.approx(1.5 * plain.uncertainty)
    assert unlevelled.value == levelled.value == plain.value


@pytest.mark.parametrize("factors_name", ["UNLEVELLED_CLIP_FACTORS", "LEVELLED_CLIP_FACTORS"])
def test_the_fitted_clip_factors_only_ever_widen(factors_name: str) -> None:
    from posture import combine
    from posture.knowledge.registry import DEFINITIONS

    factors = getattr(combine, factors_name)
    assert factors and all(factor > 1.0 for factor in factors.values())
    assert set(factors) <= {definition.id for definition in DEFINITIONS}

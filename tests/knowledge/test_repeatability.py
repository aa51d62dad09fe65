"""Tests for posture.knowledge.repeatability: repeatability.toml, its defaults and the half-widths it gives."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
import sys
from collections.abc import Callable

import pytest
from builders import KNOWLEDGE, REPO, hip_height_reading

from posture.core.measurement import Measurement
from posture.core.units import CM, DEG
from posture.knowledge import registry
from posture.knowledge.repeatability import T_975, Repeatability, half_width_of_mean, parse_repeatability, repeatability

# ------------------------------------------------------------------ repeatability.toml and its defaults


REPEATABILITY = (KNOWLEDGE / "repeatability.toml").read_text(encoding="utf-8")
KNEE_FACTOR = re.search(r"^knee_angle = [0-9.]+$", REPEATABILITY, re.MULTILINE).group(0)  # type: ignore[union-attr]
"""The shipped file's line with the knee angle's factor (the first of its two lines), whatever the fit gave."""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace(KNEE_FACTOR, KNEE_FACTOR.replace("knee_angle", "knee_bend"), 1),
         r"\[factor\]: key 'knee_bend' is not a"),
        (lambda t: t.replace(KNEE_FACTOR, "knee_angle = 0", 1), "must be above zero"),
        (lambda t: t.replace(KNEE_FACTOR + "\n", "", 1), "'knee_angle' needs both a factor and a typical_spread"),
        (lambda t: re.sub(r"prior_readings = \d+", "prior_readings = 2.5", t), "'prior_readings' must be a whole"),
        (lambda t: re.sub(r"(prior_readings = \d+)", "\\1\nextra = 1", t), "unknown key 'extra'"),
    ],
)
def test_the_repeatability_file_is_read_strictly(edit: Callable[[str], str], message: str) -> None:
    parse_repeatability(REPEATABILITY)
    with pytest.raises(ValueError, match=message):
        parse_repeatability(edit(REPEATABILITY))


@pytest.fixture
def new_measurements(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Two measurements the registry defines but no fit has seen: an angle and a length."""
    angle = dataclasses.replace(registry.definition("trunk_lean"), id="neck_twist")
    length = dataclasses.replace(registry.definition("lateral_trunk_shift"), id="waist_shift")
    for definition in (angle, length):
        monkeypatch.setitem(registry.BY_ID, definition.id, definition)
    return angle.id, length.id


def test_an_unfitted_measurement_gets_the_widest_fitted_factor_and_spread_of_its_quantity(
    new_measurements: tuple[str, str],
) -> None:
    angle, length = new_measurements
    shipped = repeatability()
    assert not shipped.is_fitted(angle) and shipped.is_fitted("trunk_lean")
    def widest(quantity: str) -> float:
        return max(v for k, v in shipped.typical_spread.items() if registry.definition(k).quantity == quantity)

    widest_factor = max(shipped.factor.values())
    assert shipped.factor_of(angle) == shipped.factor_of(length) == widest_factor
    assert shipped.spread_of(angle) == widest("angle") and shipped.spread_of(length) == widest("length")
    assert widest("angle") > min(shipped.typical_spread.values())  # the test would not tell a minimum apart
    values = [1.0, 2.0, 3.0]
    in_cm = Measurement(length, 1.0, CM, "landmarks", ())
    assert shipped.half_width(in_cm, values, 170.0) == pytest.approx(
        half_width_of_mean(values, widest_factor, widest("length") * 1.7, shipped.prior_readings))


def test_an_unfitted_measurement_gets_no_narrower_an_interval_than_any_fitted_one(
    new_measurements: tuple[str, str],
) -> None:
    angle, _ = new_measurements
    shipped = repeatability()
    values = [10.0, 10.5, 11.0, 10.2, 10.8, 10.4]
    unfitted = shipped.half_width(Measurement(angle, 10.5, DEG, "landmarks", ()), values, None)
    fitted_angles = [name for name in shipped.factor if registry.definition(name).quantity == "angle"]
    assert unfitted is not None and fitted_angles
    for name in fitted_angles:
        fitted = shipped.half_width(Measurement(name, 10.5, DEG, "landmarks", ()), values, None)
        assert fitted is not None and unfitted >= fitted, name


def test_a_measurement_left_out_of_the_fit_still_gets_an_interval() -> None:
    shipped = repeatability()
    without = Repeatability(prior_readings=shipped.prior_readings,
                            factor={k: v for k, v in shipped.factor.items() if k != "trunk_lean"},
                            typical_spread={k: v for k, v in shipped.typical_spread.items() if k != "trunk_lean"})
    lean = Measurement("trunk_lean", 3.0, DEG, "landmarks", ())
    values = [2.5, 3.0, 3.5]
    assert without.half_width(lean, values, None) == pytest.approx(
        half_width_of_mean(values, max(without.factor.values()),
                           max(v for k, v in without.typical_spread.items() if registry.definition(k).quantity == "angle"),
                           shipped.prior_readings))
    assert without.half_width(lean, values, None) > shipped.half_width(lean, values, None)  # type: ignore[operator]


def test_the_coverage_bench_marks_a_measurement_the_fit_has_not_seen(
    new_measurements: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loaded from its file: bench/ is no package, and the name `coverage` belongs to a well-known one.
    spec = importlib.util.spec_from_file_location("coverage_bench", REPO / "bench" / "coverage.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    angle, _ = new_measurements
    assert bench.measurement_cell(angle, repeatability()) == f"{angle} (default, not fitted)"
    assert bench.measurement_cell("trunk_lean", repeatability()) == "trunk_lean"


# ------------------------------------------------------------------ half-widths


def test_half_width_is_t_times_the_standard_error_of_the_mean_times_the_factor() -> None:
    # Readings 1, 2, 3: standard deviation 1, standard error 1/sqrt(3), two degrees of freedom.
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.0) == pytest.approx(T_975[2] / math.sqrt(3))
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.5) == pytest.approx(1.5 * T_975[2] / math.sqrt(3))
    assert half_width_of_mean([1.0, 2.0], 1.0) is None  # two readings say too little about their spread
    assert half_width_of_mean([2.0, 2.0, 2.0], 1.0) == 0.0


def test_a_typical_spread_is_pooled_with_the_readings_own() -> None:
    # Readings 1, 2, 3 (variance 1, two degrees of freedom) pooled with a typical spread of 2 counting for 6:
    # variance (6 * 4 + 2 * 1) / 8 = 3.25, t at 8 degrees of freedom.
    pooled = half_width_of_mean([1.0, 2.0, 3.0], 1.5, typical=2.0, prior_readings=6)
    assert pooled == pytest.approx(1.5 * T_975[8] * math.sqrt(3.25 / 3))
    # Identical readings still get the typical spread's share: no photo is measured without noise.
    assert half_width_of_mean([2.0, 2.0, 2.0], 1.0, typical=1.0, prior_readings=2) == pytest.approx(
        T_975[4] * math.sqrt(0.5 / 3))
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.0, typical=2.0, prior_readings=0) == pytest.approx(
        T_975[2] / math.sqrt(3))


def test_two_readings_give_an_interval_only_with_a_typical_spread_pooled_in() -> None:
    # The photo and one copy (the other refused): variance 0.5 with one degree of freedom, pooled with a
    # typical spread of 1 counting for 5: (5 * 1 + 1 * 0.5) / 6, t at 6 degrees of freedom, over two readings.
    assert half_width_of_mean([1.0, 2.0], 1.0, typical=1.0, prior_readings=5) == pytest.approx(
        T_975[6] * math.sqrt((5.5 / 6) / 2))
    assert half_width_of_mean([1.0, 2.0], 1.0, typical=1.0, prior_readings=0) is None
    assert half_width_of_mean([1.0], 1.0, typical=1.0, prior_readings=5) is None


def test_each_measurement_is_widened_by_its_own_factor() -> None:
    repeat = Repeatability(prior_readings=0, factor={"hip_height_difference": 2.0, "knee_angle": 0.5},
                           typical_spread={})
    values = [1.0, 2.0, 3.0]
    assert repeat.half_width(hip_height_reading(1.0), values, None) == pytest.approx(2.0 * T_975[2] / math.sqrt(3))
    knee = Measurement("knee_angle", 3.0, DEG, "landmarks", ())
    assert repeat.half_width(knee, values, None) == pytest.approx(0.5 * T_975[2] / math.sqrt(3))
    # A measurement no factor was fitted for gets the widest fitted one; with none fitted at all, no interval.
    unfitted = Measurement("trunk_lean", 3.0, DEG, "landmarks", ())
    assert repeat.half_width(unfitted, values, None) == pytest.approx(2.0 * T_975[2] / math.sqrt(3))
    assert Repeatability(prior_readings=0, factor={}, typical_spread={}).half_width(unfitted, values, None) is None


def test_a_typical_spread_in_percent_of_height_is_turned_into_cm() -> None:
    repeat = Repeatability(prior_readings=5, factor={}, typical_spread={"hip_height_difference": 0.5,
                                                                        "knee_angle": 1.2})
    assert repeat.typical(hip_height_reading(1.0), None) == 0.5
    in_cm = Measurement("hip_height_difference", 1.0, CM, "outline", ())
    assert repeat.typical(in_cm, 180.0) == pytest.approx(0.9)
    assert repeat.typical(Measurement("knee_angle", 3.0, DEG, "landmarks", ()), 180.0) == 1.2
    with pytest.raises(ValueError, match="height"):
        repeat.typical(in_cm, None)


def test_the_shipped_repeatability_is_plausible() -> None:
    """Re-takes scatter about as much as the copies of one photo, some more, some less (bench/COVERAGE.md).

    Every fitted measurement has a typical spread, of a size landmarks jitter by: under 5° or 2% of body height.
    """
    from posture.knowledge.registry import DEFINITIONS

    shipped = repeatability()
    assert all(0.3 < factor < 4.0 for factor in shipped.factor.values())
    assert shipped.prior_readings >= 1
    # A measurement the fit has not seen yet gets the defaults (knowledge/test_repeatability.py), so this is no equality.
    assert set(shipped.factor) == set(shipped.typical_spread) <= {definition.id for definition in DEFINITIONS}
    assert all(0.0 < spread < 5.0 for spread in shipped.typical_spread.values())


KNEE_SPREAD = re.search(r"^knee_angle = [0-9.]+$", REPEATABILITY.split("[typical_spread]")[1], re.MULTILINE).group(0)  # type: ignore[union-attr]
"""The shipped file's line with the knee angle's typical spread."""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: re.sub(r"(prior_readings = \d+)", "\\1\nextra = 1", t), r"^repeatability\.toml: unknown key"),
        (lambda t: re.sub(r"fitted_on = .*\n", "", t), r"^repeatability\.toml.*'fitted_on'"),
        (lambda t: re.sub(r"fitted_on = .*\n", "fitted_on = 3\n", t), r"^repeatability\.toml.*'fitted_on'"),
        (lambda t: t.replace(KNEE_FACTOR, "knee_angle = -1", 1), r"^repeatability\.toml.*\[?factor"),
        (lambda t: t.replace("\n" + KNEE_SPREAD, "\nknee_angle = -1"), r"^repeatability\.toml.*typical_spread"),
        (lambda t: t.replace("\n" + KNEE_SPREAD, "\nknee_bend = 1.0\nknee_angle = 1.0"),
         r"^repeatability\.toml \[typical_spread\]: key 'knee_bend'"),
        (lambda t: re.sub(r"prior_readings = \d+", "prior_readings = -1", t), r"^repeatability\.toml.*prior_readings"),
    ],
)
def test_the_repeatability_file_names_itself_and_the_key_in_each_refusal(edit: Callable[[str], str],
                                                                         message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_repeatability(edit(REPEATABILITY))


def test_the_repeatability_file_is_read_into_its_numbers() -> None:
    read = parse_repeatability(re.sub(r"prior_readings = \d+", "prior_readings = 0", REPEATABILITY))
    assert read.prior_readings == 0
    assert read.factor["knee_angle"] == float(KNEE_FACTOR.split(" = ")[1])
    assert read.typical_spread["knee_angle"] == float(KNEE_SPREAD.split(" = ")[1])
    assert set(read.factor) == set(read.typical_spread) == {d.id for d in registry.DEFINITIONS}


def test_a_measurement_is_fitted_only_with_both_a_factor_and_a_spread() -> None:
    partial = Repeatability(prior_readings=2, factor={"trunk_lean": 1.0}, typical_spread={"knee_angle": 1.0})
    assert not partial.is_fitted("trunk_lean") and not partial.is_fitted("knee_angle")
    # A fitted spread is the measurement's own, even where another of its quantity is wider.
    assert partial.spread_of("knee_angle") == 1.0
    wider = Repeatability(prior_readings=2, factor={}, typical_spread={"knee_angle": 1.0, "trunk_lean": 3.0})
    assert wider.spread_of("knee_angle") == 1.0 and wider.spread_of("hip_extension") == 3.0


def test_without_prior_readings_a_typical_spread_is_not_pooled() -> None:
    assert half_width_of_mean([1.0, 2.0, 3.0], 1.0, 5.0) == pytest.approx(T_975[2] / math.sqrt(3))
    assert half_width_of_mean([1.0, 2.0], 1.0, 5.0) is None
    # One prior reading is enough to pool: two readings then give an interval.
    assert half_width_of_mean([1.0, 3.0], 1.0, 2.0, 1) == pytest.approx(T_975[2] * math.sqrt((4.0 + 2.0) / 2 / 2))

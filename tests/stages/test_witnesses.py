"""The witnesses: a measure is given only when a second reading of the photo backs it."""

from __future__ import annotations

import dataclasses
import math

import pytest

from posture.core.measurement import Measurement, Withheld
from posture.core.units import CM, DEG, PERCENT_HEIGHT
from posture.knowledge.repeatability import Repeatability
from posture.stages.copies import gather_readings
from posture.stages.frame import BodyScale
from posture.stages.witnesses import (
    SIDE_FIXES,
    STEADY_FIX,
    UNSTEADY_CHI2,
    copies_problem,
    sides_agree,
    spread_limit,
    spread_ratio,
    steady_measurements,
)

TYPICAL = 2.0
REPEAT = Repeatability(prior_readings=2, factor={"trunk_lean": 1.0}, typical_spread={"trunk_lean": TYPICAL})
SCALE = BodyScale(1000.0)


def _lean(value: float) -> Measurement:
    return Measurement("trunk_lean", value, DEG, "test", ())


def _readings(photo: float, *copies: float | None, lost: tuple[str, ...] = ()):
    """The photo's trunk lean and each copy's (None: that copy did not take the measure)."""
    names = ("mirror", "grayscale")
    taken = [(name, 1.0, () if value is None else (_lean(value),)) for name, value in zip(names, copies)]
    return gather_readings((_lean(photo),), taken, lost)


# ------------------------------------------------------------------ the copies


def test_a_photo_none_of_whose_copies_was_read_is_refused() -> None:
    problem = copies_problem(_readings(5.0, lost=("mirror", "grayscale")))
    assert problem is not None and "mirrored or grey copy" in problem


@pytest.mark.parametrize("readings", [_readings(5.0, 5.5, lost=("grayscale",)), _readings(5.0)],
                         ids=["one copy read", "no copies made (--fast)"])
def test_a_photo_is_not_refused_while_a_copy_was_read_or_none_was_made(readings) -> None:
    assert copies_problem(readings) is None


def test_a_measure_a_read_copy_did_not_take_is_withheld_naming_the_copy() -> None:
    readings = _readings(5.0, None, 5.2)
    kept, withheld = steady_measurements((_lean(5.1),), readings, None, REPEAT)
    assert kept == ()
    (item,) = withheld
    assert (item.id, item.kind) == ("trunk_lean", "unsteady") and "mirrored copy" in item.reason
    assert "grey copy" not in item.reason


def test_a_measure_every_read_copy_took_is_kept_when_a_copy_was_lost() -> None:
    readings = _readings(5.0, 5.4, lost=("grayscale",))
    kept, withheld = steady_measurements((_lean(5.2),), readings, None, REPEAT)
    assert [m.id for m in kept] == ["trunk_lean"] and withheld == ()


def _spread_of(ratio: float) -> tuple[float, float, float]:
    """Three readings whose standard deviation is ``ratio`` times the typical spread."""
    return (10.0 - ratio * TYPICAL, 10.0, 10.0 + ratio * TYPICAL)


LIMIT = math.sqrt(UNSTEADY_CHI2[2] / 2)
"""The largest spread ratio three readings may have (2.63)."""


@pytest.mark.parametrize(("ratio", "steady"), [(LIMIT - 0.02, True), (LIMIT + 0.02, False)])
def test_readings_spread_beyond_the_chi_squared_limit_are_withheld(ratio: float, steady: bool) -> None:
    values = _spread_of(ratio)
    assert spread_ratio(list(values), TYPICAL) == pytest.approx(ratio)
    kept, withheld = steady_measurements((_lean(10.0),), _readings(*values), None, REPEAT)
    assert bool(kept) is steady and bool(withheld) is not steady
    if withheld:
        assert f"{ratio:.1f} times" in withheld[0].reason and "+15.3°" in withheld[0].reason


def test_the_measures_that_spread_more_on_renders_have_their_own_limit() -> None:
    assert spread_limit("trunk_lean", 3) == pytest.approx(LIMIT)
    assert spread_limit("lateral_trunk_shift", 3) == 3.9
    shift = Measurement("lateral_trunk_shift", 0.0, PERCENT_HEIGHT, "test", ())
    repeat = Repeatability(prior_readings=2, factor={"lateral_trunk_shift": 1.0},
                           typical_spread={"lateral_trunk_shift": TYPICAL})
    for ratio, steady in ((3.85, True), (3.95, False)):
        readings = gather_readings((dataclasses.replace(shift, value=_spread_of(ratio)[0]),), [
            (name, 1.0, (dataclasses.replace(shift, value=value),)) for name, value in
            zip(("mirror", "grayscale"), _spread_of(ratio)[1:])])
        assert bool(steady_measurements((shift,), readings, None, repeat)[0]) is steady


def test_two_readings_are_judged_at_one_degree_of_freedom() -> None:
    limit = math.sqrt(UNSTEADY_CHI2[1])  # 3.29 typical spreads
    inside = (10.0, 10.0 + (limit - 0.05) * TYPICAL * math.sqrt(2))
    outside = (10.0, 10.0 + (limit + 0.05) * TYPICAL * math.sqrt(2))
    assert steady_measurements((_lean(10.0),), _readings(*inside, lost=("grayscale",)), None, REPEAT)[1] == ()
    assert steady_measurements((_lean(10.0),), _readings(*outside, lost=("grayscale",)), None, REPEAT)[1] != ()


# ------------------------------------------------------------------ two witnesses for a side


def _hips(value: float, outline: float | None, landmarks: float) -> Measurement:
    components = (("landmark_difference", landmarks),) + (() if outline is None else (("outline_estimate", outline),))
    return Measurement("hip_height_difference", value, PERCENT_HEIGHT, "test", (), proxy=True, uncertainty=0.5,
                       components=components)


def _legs(value: float) -> Measurement:
    return Measurement("apparent_leg_length_difference", value, PERCENT_HEIGHT, "test", (), proxy=True,
                       uncertainty=0.5)


def test_a_side_both_witnesses_agree_on_is_kept() -> None:
    kept, withheld = sides_agree((_hips(1.5, 1.2, 0.3),), SCALE)
    assert [m.id for m in kept] == ["hip_height_difference"] and withheld == ()


@pytest.mark.parametrize(("outline", "landmarks"), [(1.2, -0.3), (-1.2, 0.3), (1.2, 0.0)])
def test_a_side_the_witnesses_disagree_on_is_withheld(outline: float, landmarks: float) -> None:
    kept, withheld = sides_agree((_hips(1.5, outline, landmarks),), SCALE)
    assert kept == ()
    (item,) = withheld
    assert item.kind == "sides" and "not readable consistently in this photo" in item.reason


def test_a_difference_inside_its_noise_claims_no_side_and_needs_no_witness() -> None:
    inside = _hips(0.49, 1.2, -0.3)
    assert sides_agree((inside,), SCALE) == ((inside,), ())
    assert sides_agree((_hips(0.51, 1.2, -0.3),), SCALE)[0] == ()


def test_without_the_outline_a_side_has_one_witness_only() -> None:
    kept, withheld = sides_agree((_hips(1.5, None, 0.3),), SCALE)
    assert kept == () and "no second reading" in withheld[0].reason


def test_the_legs_side_needs_the_hips_outline_to_agree() -> None:
    agreeing = sides_agree((_hips(1.5, 1.2, 0.3), _legs(1.0)), SCALE)
    assert [m.id for m in agreeing[0]] == ["hip_height_difference", "apparent_leg_length_difference"]
    kept, withheld = sides_agree((_hips(-1.5, -1.2, -0.3), _legs(1.0)), SCALE)
    assert [m.id for m in kept] == ["hip_height_difference"]
    assert [w.id for w in withheld] == ["apparent_leg_length_difference"]
    alone = sides_agree((_legs(1.0),), SCALE)
    assert alone[0] == () and "only the hip and ankle landmarks" in alone[1][0].reason


def test_other_measures_pass_untouched() -> None:
    lean = _lean(12.0)
    assert sides_agree((lean,), SCALE) == ((lean,), ())


# ------------------------------------------------------------------ the sentences, and every measure judged


def test_a_photo_refused_for_its_copies_is_told_why_and_what_helps() -> None:
    assert copies_problem(_readings(5.0, lost=("mirror", "grayscale"))) == (
        "posture could not find the same person in the same view again in a mirrored or grey copy of this photo, so "
        "nothing it would read here can be checked against a second reading; a sharper, evenly lit photo, with the "
        "whole body clear against a plain background, usually reads steadily.")


def test_a_measure_both_copies_missed_is_withheld_naming_both() -> None:
    taken = [("mirror", 1.0, ()), ("grayscale", 1.0, ()), ("zoom", 1.0, ())]
    readings = gather_readings((_lean(5.0),), taken)
    _, (item,) = steady_measurements((_lean(5.0),), readings, None, REPEAT)
    assert item == Withheld("trunk_lean", "unsteady", (
        "The trunk lean was read in this photo but not in its mirrored copy and grey copy and zoom copy, so it hangs "
        "on details that mirroring or greying the photo changes; " + STEADY_FIX + "."))


def test_an_unsteady_measure_is_withheld_with_its_readings() -> None:
    values = (10.0, 10.0 + 4.0 * TYPICAL * math.sqrt(2), 10.0)
    _, (item,) = steady_measurements((_lean(10.0),), _readings(*values), None, REPEAT)
    ratio = spread_ratio(list(values), TYPICAL)
    assert item == Withheld("trunk_lean", "unsteady", (
        f"The trunk lean's readings in this photo and its altered copies (+10.0°, +21.3°, +10.0°) spread {ratio:.1f} "
        f"times as far as this measure's readings usually do, so no one value can be trusted; {STEADY_FIX}."))


def test_every_measure_is_judged_after_one_is_withheld() -> None:
    shift = Measurement("lateral_trunk_shift", 0.0, PERCENT_HEIGHT, "test", ())
    missing = gather_readings((_lean(5.0), shift), [("mirror", 1.0, (shift,))])
    kept, withheld = steady_measurements((_lean(5.0), shift), missing, None, REPEAT)
    assert [m.id for m in kept] == ["lateral_trunk_shift"] and [w.id for w in withheld] == ["trunk_lean"]
    spread = gather_readings((_lean(10.0), shift), [("mirror", 1.0, (_lean(40.0), shift))])
    kept, withheld = steady_measurements((_lean(10.0), shift), spread, None, REPEAT)
    assert [m.id for m in kept] == ["lateral_trunk_shift"] and [w.id for w in withheld] == ["trunk_lean"]


def test_a_spread_exactly_at_the_limit_is_steady() -> None:
    """Three readings 0, 3 and 6 spread exactly 3.0 typical spreads of 1.0: the shoulders' render limit."""
    shoulders = Measurement("shoulder_height_difference", 3.0, PERCENT_HEIGHT, "test", ())
    assert spread_limit("shoulder_height_difference", 3) == 3.0 and spread_ratio([0.0, 3.0, 6.0], 1.0) == 3.0
    repeat = Repeatability(prior_readings=2, factor={"shoulder_height_difference": 1.0},
                           typical_spread={"shoulder_height_difference": 1.0})
    readings = gather_readings((dataclasses.replace(shoulders, value=0.0),), [
        ("mirror", 1.0, (shoulders,)), ("grayscale", 1.0, (dataclasses.replace(shoulders, value=6.0),))])
    assert steady_measurements((shoulders,), readings, None, repeat) == ((shoulders,), ())


def test_a_spread_in_cm_is_judged_at_the_persons_height() -> None:
    """1% of body height typical; readings 0 and 10 cm apart at 170 cm: 4.2 typical spreads, beyond 3.29."""
    offset = Measurement("foot_hip_offset", 0.0, CM, "test", ())
    repeat = Repeatability(prior_readings=2, factor={"foot_hip_offset": 1.0}, typical_spread={"foot_hip_offset": 1.0})
    readings = gather_readings((offset,), [("mirror", 1.0, (dataclasses.replace(offset, value=10.0),))])
    assert steady_measurements((offset,), readings, 170.0, repeat)[1] != ()
    assert steady_measurements((offset,), readings, 1000.0, repeat)[1] == ()


def test_many_readings_are_judged_at_five_degrees_of_freedom_and_the_limit_is_never_below_the_chi_squared() -> None:
    assert spread_limit("trunk_lean", 8) == pytest.approx(math.sqrt(UNSTEADY_CHI2[5] / 7))
    assert spread_limit("trunk_lean", 30) == pytest.approx(math.sqrt(UNSTEADY_CHI2[5] / 29))  # below 1


def test_no_spread_without_two_finite_readings_and_a_typical_spread() -> None:
    assert spread_ratio([1.0], 2.0) is None
    assert spread_ratio([1.0, 2.0], None) is None and spread_ratio([1.0, 2.0], 0.0) is None
    assert spread_ratio([1.0, math.nan], 2.0) is None


def test_an_outline_level_with_the_hips_points_to_neither_side() -> None:
    kept, (item,) = sides_agree((_hips(1.5, 0.0, 0.3),), SCALE)
    assert kept == () and item == Withheld("hip_height_difference", "sides", (
        "Which side the hip height difference favours is not readable consistently in this photo: the outline of "
        "the flanks points to neither side, the hip landmarks to the person's left; " + SIDE_FIXES[
            "hip_height_difference"] + "."))


def test_every_measure_is_judged_after_a_side_is_kept() -> None:
    kept, withheld = sides_agree((_lean(3.0), _hips(1.5, 1.2, -0.3)), SCALE)
    assert [m.id for m in kept] == ["trunk_lean"] and [w.id for w in withheld] == ["hip_height_difference"]

"""Tests for posture.core.units: units and number formatting, the one place every renderer asks how to write a value."""

from __future__ import annotations

import pytest

from posture.core.units import (
    CM,
    DEG,
    PERCENT_HEIGHT,
    format_measured,
    format_number,
    format_uncertainty,
    format_value,
    round_for_data,
    unit_for,
    unit_name,
    unit_symbol,
)


@pytest.mark.parametrize(
    ("value", "unit", "signed", "ascii", "expected"),
    [
        (2.44, CM, True, False, "+2.4 cm"),
        (-2.44, CM, True, False, "-2.4 cm"),
        (48.26, DEG, False, False, "48.3°"),
        (3.0, DEG, True, False, "+3.0°"),
        (3.0, DEG, True, True, "+3.0 deg"),
        (1.05, PERCENT_HEIGHT, True, False, "+1.1% ht"),
        (1.25, PERCENT_HEIGHT, True, True, "+1.2%"),
    ],
)
def test_format_value(value: float, unit: str, signed: bool, ascii: bool, expected: str) -> None:
    assert format_value(value, unit, signed=signed, ascii=ascii) == expected


@pytest.mark.parametrize("value", [-0.04, 0.0, -0.0, 0.04])
def test_a_value_that_rounds_to_zero_has_no_sign(value: float) -> None:
    assert format_number(value) == "0.0"


def test_uncertainty_follows_the_value_before_the_unit() -> None:
    assert format_measured(2.44, 0.81, CM) == "+2.4 ± 0.8 cm"
    assert format_measured(48.26, None, DEG, signed=False) == "48.3°"
    assert format_measured(-1.0, 2.0, DEG, ascii=True) == "-1.0 +/- 2.0 deg"
    assert format_uncertainty(0.25) == "± 0.2"


def test_units_by_quantity_and_names() -> None:
    assert unit_for("angle", CM) == DEG
    assert unit_for("length", CM) == CM
    assert unit_for("length", PERCENT_HEIGHT) == PERCENT_HEIGHT
    assert unit_name(PERCENT_HEIGHT) == "% of body height"
    assert unit_symbol(DEG, ascii=True) == " deg"
    assert "°" not in "".join(unit_symbol(u, ascii=True) for u in (DEG, CM, PERCENT_HEIGHT))


def test_data_rounding() -> None:
    assert round_for_data(1.23456) == 1.235
    assert round_for_data(None) is None

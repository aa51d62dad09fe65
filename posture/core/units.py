"""Units and number formatting: one place that decides how a value is written.

Every renderer (terminal, JSON, annotated picture, and later HTML and CSV)
calls these functions, so a degree sign, a sign character or a rounding rule
is decided once. Values are held in one of three units:

- ``deg``: degrees;
- ``cm``: centimetres, when the person's height is known;
- ``percent_height``: percent of the person's body height otherwise.
"""

from __future__ import annotations

from typing import Literal

DEG = "deg"
CM = "cm"
PERCENT_HEIGHT = "percent_height"
UNITS = (DEG, CM, PERCENT_HEIGHT)

Quantity = Literal["angle", "length"]
"""What a measurement is: an ``angle`` (always degrees) or a ``length`` (cm or % of body height)."""

JSON_DECIMALS = 3
"""Decimals kept in machine-readable output (JSON, CSV): far below any measurement's noise."""
DISPLAY_DECIMALS = 1
"""Decimals shown to people: the noise of every measurement is above 0.1 of its unit."""

_SYMBOLS = {DEG: "°", CM: " cm", PERCENT_HEIGHT: "% ht"}
# Hershey fonts (the annotated picture) have no degree sign and no "±".
_ASCII_SYMBOLS = {DEG: " deg", CM: " cm", PERCENT_HEIGHT: "%"}
_NAMES = {DEG: "degrees", CM: "cm", PERCENT_HEIGHT: "% of body height"}


def unit_for(quantity: Quantity, length_unit: str) -> str:
    """The unit a measurement of ``quantity`` is given in, when lengths are in ``length_unit``."""
    return DEG if quantity == "angle" else length_unit


def unit_name(unit: str) -> str:
    """The unit in words, for help texts and documentation (``"% of body height"``)."""
    return _NAMES[unit]


def unit_symbol(unit: str, *, ascii: bool = False) -> str:
    """The suffix written after a number: ``"°"``, ``" cm"`` or ``"% ht"`` (``ascii``: ``" deg"``, ``" cm"``, ``"%"``)."""
    return (_ASCII_SYMBOLS if ascii else _SYMBOLS)[unit]


def format_number(value: float, *, signed: bool = True, decimals: int = DISPLAY_DECIMALS) -> str:
    """A number for people: ``+1.2`` when ``signed`` (the sign carries meaning), else ``1.2``.

    A value that rounds to zero is written without a sign, so that ``-0.0`` never appears.
    """
    text = f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"
    if float(text) == 0.0:
        return f"{0.0:.{decimals}f}"
    return text


def format_value(value: float, unit: str, *, signed: bool = True, ascii: bool = False) -> str:
    """A value with its unit, e.g. ``"+2.4 cm"``, ``"48.3°"`` (unsigned) or ``"+1.1%"`` (``ascii``)."""
    return format_number(value, signed=signed) + unit_symbol(unit, ascii=ascii)


def format_uncertainty(uncertainty: float, *, ascii: bool = False) -> str:
    """The ``± u`` that follows a value (same unit as the value)."""
    return ("+/- " if ascii else "± ") + format_number(uncertainty, signed=False)


def format_measured(value: float, uncertainty: float | None, unit: str, *, signed: bool = True,
                    ascii: bool = False) -> str:
    """A value, its uncertainty when known, and the unit: ``"+2.4 ± 0.8 cm"``."""
    number = format_number(value, signed=signed)
    if uncertainty is not None:
        number += " " + format_uncertainty(uncertainty, ascii=ascii)
    return number + unit_symbol(unit, ascii=ascii)


def round_for_data(value: float | None) -> float | None:
    """A value (or an uncertainty) rounded for JSON and CSV; None stays None."""
    return None if value is None else round(float(value), JSON_DECIMALS)


SINGLE_READING = ("Each value is a single reading (--fast), without a ±: the default reading measures the photo again "
                  "in altered copies, gives each value its ± and withholds what does not read steadily.")
"""What a report says when its values carry no ±."""

NO_TYPICAL_RANGE = "for reference; no typical range"
"""What a report's "flagged when" cell says for a measure no finding judges (e.g. the head's forward offset)."""

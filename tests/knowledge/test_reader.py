"""Tests for posture.knowledge.reader: the strict reader the knowledge files are read with."""

from __future__ import annotations

from contextlib import nullcontext

import pytest

from posture.knowledge.reader import check_keys, check_unique, entries, number, number_table

# ------------------------------------------------------------------ the strict reader


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"a": 1, "b": 2, "c": 3}, "unknown key 'c'"),
        ({"b": 2}, "missing key 'a'"),
        ({"a": 1}, None),  # an optional key may be left out
        ({"a": 1, "b": 2}, None),
    ],
)
def test_keys_are_required_or_optional_and_nothing_else(table: dict[str, int], message: str | None) -> None:
    expectation = pytest.raises(ValueError, match=f"entry: {message}") if message else nullcontext()
    with expectation:
        check_keys(table, "entry", frozenset({"a"}), frozenset({"b"}))


@pytest.mark.parametrize(
    ("value", "positive", "message"),
    [
        (True, False, "must be a number"),
        ("1", False, "must be a number"),
        (float("inf"), False, "must be finite"),
        (0, True, "must be above zero"),
        (-0.5, True, "must be above zero"),
    ],
)
def test_numbers_are_finite_real_numbers(value: object, positive: bool, message: str) -> None:
    with pytest.raises(ValueError, match=f"where: key 'x' {message}"):
        number({"x": value}, "x", "where", positive=positive)
    assert number({"x": 2}, "x", "where", positive=positive) == 2.0


def test_entries_are_named_by_their_key_or_position_and_must_be_unique() -> None:
    data = {"item": [{"id": "first"}, {"other": 1}]}
    assert [name for name, _ in entries(data, "item", "file")] == ["item 'first'", "item #2"]
    with pytest.raises(ValueError, match="item #1: must be a table"):
        entries({"item": ["text"]}, "item", "file")
    with pytest.raises(ValueError, match=r"file: key 'item' must be a non-empty array of tables \[\[item\]\]"):
        entries({"item": []}, "item", "file")
    with pytest.raises(ValueError, match="change 'knee_angle': its measurement is listed more than once"):
        check_unique(["knee_angle", "trunk_lean", "knee_angle"], "change", key="measurement")
    check_unique(["a", "b"], "change")


def test_a_table_of_numbers_names_the_table_of_a_bad_value() -> None:
    assert number_table({"factor": {"a": 1, "b": 2.5}}, "factor", "file") == {"a": 1.0, "b": 2.5}
    with pytest.raises(ValueError, match=r"file \[factor\]: key 'b' must be a number"):
        number_table({"factor": {"a": 1, "b": "x"}}, "factor", "file")

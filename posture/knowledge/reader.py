"""The one strict reader of the knowledge files: TOML parsing and checks whose errors name the entry and the key.

Every ``*.toml`` under ``posture/knowledge/`` is read through these functions,
so a typo in any of them fails loudly with the same kind of message
(``finding 'forward_head': key 'unit' is 'cm'; expected one of [...]``)
instead of silently dropping a field. Each function raises ``ValueError``;
``tomllib.TOMLDecodeError`` is one too.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from posture.knowledge import registry

if sys.version_info >= (3, 11):
    from tomllib import loads
else:  # pragma: no cover - Python 3.10
    from tomli import loads

__all__ = [
    "check_keys",
    "check_measurement_keys",
    "check_schema_version",
    "check_unique",
    "choice",
    "entries",
    "flag",
    "loads",
    "measurement_id",
    "number",
    "number_table",
    "required_table",
    "required_text",
    "required_texts",
    "whole_number",
]


def check_keys(
    table: Mapping[str, Any], entry: str, required: frozenset[str], optional: frozenset[str] = frozenset()
) -> None:
    """Raise ValueError naming the first unknown key of ``table``, or the first missing required one."""
    allowed = required | optional
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{entry}: unknown key {unknown[0]!r}; expected keys: {sorted(allowed)}")
    missing = sorted(required - set(table))
    if missing:
        raise ValueError(f"{entry}: missing key {missing[0]!r}")


def check_schema_version(data: Mapping[str, Any], entry: str, expected: int) -> None:
    """Refuse a file without ``schema_version`` or with another version than the one this code reads."""
    if "schema_version" not in data:
        raise ValueError(f"{entry}: missing key 'schema_version'")
    version = data["schema_version"]
    # True == 1 in Python, so a boolean would pass the comparison below.
    if isinstance(version, bool) or version != expected:
        raise ValueError(
            f"{entry}: key 'schema_version' is {version!r}; this version of posture reads only {expected!r}"
        )


def required_table(data: Mapping[str, Any], key: str, entry: str) -> Mapping[str, Any]:
    value = data[key]
    if not isinstance(value, dict):
        raise ValueError(f"{entry}: key {key!r} must be a table, not {value!r}")
    return value


def required_text(table: Mapping[str, Any], key: str, entry: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{entry}: key {key!r} must be non-blank text, not {value!r}")
    return value


def required_texts(table: Mapping[str, Any], key: str, entry: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"{entry}: key {key!r} must be a non-empty list of non-blank texts, not {value!r}")
    return tuple(value)


def number(table: Mapping[str, Any], key: str, entry: str, *, positive: bool = False) -> float:
    """A finite number (an integer counts); with ``positive``, also above zero."""
    value = table[key]
    # bool is a subclass of int, and `threshold = true` is a typo, not the number 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{entry}: key {key!r} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{entry}: key {key!r} must be finite, not {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{entry}: key {key!r} must be above zero, not {value!r}")
    return float(value)


def whole_number(table: Mapping[str, Any], key: str, entry: str, *, minimum: int) -> int:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{entry}: key {key!r} must be a whole number of at least {minimum}, not {value!r}")
    return value


def number_table(data: Mapping[str, Any], key: str, entry: str, *, positive: bool = False) -> dict[str, float]:
    """The table ``[key]`` of names and numbers, in file order, each checked by :func:`number`."""
    table = required_table(data, key, entry)
    return {name: number(table, name, f"{entry} [{key}]", positive=positive) for name in table}


def flag(table: Mapping[str, Any], key: str, entry: str) -> bool:
    value = table[key]
    if not isinstance(value, bool):
        raise ValueError(f"{entry}: key {key!r} must be true or false, not {value!r}")
    return value


def choice(table: Mapping[str, Any], key: str, entry: str, allowed: frozenset[str]) -> str:
    value = table[key]
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{entry}: key {key!r} is {value!r}; expected one of {sorted(allowed)}")
    return value


def measurement_id(table: Mapping[str, Any], key: str, entry: str) -> str:
    """The text under ``key``, which must be the id of a measurement the registry defines."""
    value = required_text(table, key, entry)
    if value not in registry.BY_ID:
        raise ValueError(
            f"{entry}: key {key!r} is {value!r}, which posture does not measure; "
            f"expected one of {sorted(registry.BY_ID)}"
        )
    return value


def check_measurement_keys(table: Mapping[str, Any], entry: str) -> None:
    """Raise ValueError naming the first key of ``table`` that is not the id of a measurement the registry defines."""
    unknown = [key for key in table if key not in registry.BY_ID]
    if unknown:
        raise ValueError(
            f"{entry}: key {unknown[0]!r} is not a measurement posture defines; expected ids: {sorted(registry.BY_ID)}"
        )


def entries(
    data: Mapping[str, Any], key: str, entry: str, *, named_by: str = "id"
) -> list[tuple[str, Mapping[str, Any]]]:
    """The tables of the array ``[[key]]``, each with a name for messages.

    An entry is named by its text ``named_by`` key (``finding 'forward_head'``)
    when it has one, else by its position (``finding #2``).
    """
    value = data[key]
    if not isinstance(value, list) or not value:
        raise ValueError(f"{entry}: key {key!r} must be a non-empty array of tables [[{key}]]")
    named: list[tuple[str, Mapping[str, Any]]] = []
    for position, table in enumerate(value, start=1):
        if not isinstance(table, dict):
            raise ValueError(f"{key} #{position}: must be a table, not {table!r}")
        name = table.get(named_by)
        named.append((f"{key} {name!r}" if isinstance(name, str) else f"{key} #{position}", table))
    return named


def check_unique(values: Iterable[str], kind: str, key: str = "id") -> None:
    """Raise ValueError naming the first value of ``key`` that two ``kind`` entries share."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{kind} {value!r}: its {key} is listed more than once")
        seen.add(value)

"""TOML parsing for the package's data files: the standard library's tomllib, or tomli on Python 3.10."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

if sys.version_info >= (3, 11):
    from tomllib import loads
else:  # pragma: no cover - Python 3.10
    from tomli import loads

__all__ = ["loads"]


def check_keys(table: Mapping[str, Any], entry: str, allowed: frozenset[str]) -> None:
    """Raise ValueError naming the first unknown or missing key of ``table``."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(
            f"{entry}: unknown key {unknown[0]!r}; expected keys: {sorted(allowed)}"
        )
    missing = sorted(allowed - set(table))
    if missing:
        raise ValueError(f"{entry}: missing key {missing[0]!r}")


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
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(item, str) and item.strip() for item in value)
    ):
        raise ValueError(
            f"{entry}: key {key!r} must be a non-empty list of non-blank texts, "
            f"not {value!r}"
        )
    return tuple(value)

"""The before/after texts of ``knowledge/changes.toml``: what a change toward or away from the typical range may mean."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from posture.knowledge import registry
from posture.knowledge.reader import (
    check_keys,
    required_table,
    required_text,
    required_texts,
)
from posture.knowledge.reader import loads as toml_loads

# ------------------------------------------------------------------ knowledge


@dataclass(frozen=True, slots=True)
class ChangeText:
    measurement: str
    toward: str
    away: str
    article_sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChangeTexts:
    """The whole of ``knowledge/changes.toml``, checked."""

    changes: tuple[ChangeText, ...]
    no_change: str
    changed: str
    not_judged: str
    caveats: tuple[tuple[str, str], ...]

    def for_measurement(self, measurement_id: str) -> ChangeText | None:
        return next((c for c in self.changes if c.measurement == measurement_id), None)


_CHANGE_TOP = frozenset({"schema_version", "change", "generic", "caveat"})
_CHANGE_KEYS = frozenset({"measurement", "toward", "away", "article_sections"})
_GENERIC_KEYS = frozenset({"no_change", "changed", "not_judged"})
_CAVEAT_KEYS = frozenset({"id", "text"})


@cache
def load_change_texts() -> ChangeTexts:
    """Read and check ``knowledge/changes.toml`` (cached).

    Raises:
        ValueError: the file breaks its schema (the message names the entry and key).
    """
    text = resources.files("posture").joinpath("knowledge").joinpath("changes.toml").read_text(encoding="utf-8")
    return parse_change_texts(text)


def parse_change_texts(text: str) -> ChangeTexts:
    """Parse and strictly check the text of a ``changes.toml`` file.

    Raises:
        ValueError: not TOML, an unknown or missing key, blank text, an unknown
            measurement id, or a measurement listed twice.
    """
    data = toml_loads(text)
    check_keys(data, "changes.toml", _CHANGE_TOP)
    if data["schema_version"] != 1 or isinstance(data["schema_version"], bool):
        raise ValueError(f"changes.toml: key 'schema_version' is {data['schema_version']!r}; expected 1")
    changes = []
    for position, table in enumerate(_tables(data, "change"), start=1):
        entry = f"change #{position}"
        check_keys(table, entry, _CHANGE_KEYS)
        measurement = required_text(table, "measurement", entry)
        if measurement not in registry.BY_ID:
            raise ValueError(f"{entry}: key 'measurement' is {measurement!r}, which posture does not measure; "
                             f"expected one of {sorted(registry.BY_ID)}")
        if any(c.measurement == measurement for c in changes):
            raise ValueError(f"{entry}: measurement {measurement!r} is listed more than once")
        changes.append(ChangeText(measurement=measurement, toward=required_text(table, "toward", entry),
                                  away=required_text(table, "away", entry),
                                  article_sections=required_texts(table, "article_sections", entry)))
    generic = required_table(data, "generic", "changes.toml")
    check_keys(generic, "generic", _GENERIC_KEYS)
    caveats = []
    for position, table in enumerate(_tables(data, "caveat"), start=1):
        check_keys(table, f"caveat #{position}", _CAVEAT_KEYS)
        caveats.append((required_text(table, "id", f"caveat #{position}"), required_text(table, "text", f"caveat #{position}")))
    return ChangeTexts(changes=tuple(changes), no_change=required_text(generic, "no_change", "generic"),
                       changed=required_text(generic, "changed", "generic"),
                       not_judged=required_text(generic, "not_judged", "generic"), caveats=tuple(caveats))


def _tables(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data[key]
    if not isinstance(value, list) or not value or not all(isinstance(t, dict) for t in value):
        raise ValueError(f"changes.toml: key {key!r} must be a non-empty array of tables [[{key}]]")
    return value

"""The before/after texts of ``knowledge/changes.toml``: what a change toward or away from the typical range may mean.

A measurement needs no entry of its own: without one it gets the generic
``toward`` and ``away`` texts, which say only which way the value moved, so a
new measurement works in every comparison before its text is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from posture.knowledge import registry
from posture.knowledge.reader import (
    check_keys,
    check_schema_version,
    check_unique,
    entries,
    loads,
    measurement_id,
    required_table,
    required_text,
    required_texts,
)

SCHEMA_VERSION = 1
"""The only ``schema_version`` of ``changes.toml`` this module reads."""


@dataclass(frozen=True, slots=True)
class ChangeText:
    """What a real change of one measurement may mean.

    Attributes:
        measurement: the registry id.
        toward: said when the value moved toward its typical range.
        away: said when it moved away.
        article_sections: the article sections the texts draw on; empty for the generic texts.
    """

    measurement: str
    toward: str
    away: str
    article_sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChangeTexts:
    """The whole of ``knowledge/changes.toml``, checked.

    Attributes:
        changes: the measurements' own texts, in file order.
        generic_toward: said of a move toward the range by a measurement without its own texts.
        generic_away: likewise, of a move away from it.
        no_change: said when the change is within the noise.
        changed: said of a real change that no range can call better or worse.
        not_judged: said when a photo has no uncertainty.
        caveats: ``(id, text)`` cautions for every comparison.
    """

    changes: tuple[ChangeText, ...]
    generic_toward: str
    generic_away: str
    no_change: str
    changed: str
    not_judged: str
    caveats: tuple[tuple[str, str], ...]

    def for_measurement(self, measurement_id: str) -> ChangeText:
        """The measurement's own texts, or the generic ones (with no article sections) when it has none.

        Raises:
            KeyError: no measurement has this id.
        """
        registry.definition(measurement_id)
        own = next((c for c in self.changes if c.measurement == measurement_id), None)
        return own or ChangeText(measurement_id, self.generic_toward, self.generic_away, ())


_TOP_KEYS = frozenset({"schema_version", "change", "generic", "caveat"})
_CHANGE_KEYS = frozenset({"measurement", "toward", "away", "article_sections"})
_GENERIC_KEYS = frozenset({"toward", "away", "no_change", "changed", "not_judged"})
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
    data = loads(text)
    entry = "changes.toml"
    check_schema_version(data, entry, SCHEMA_VERSION)
    check_keys(data, entry, _TOP_KEYS)
    changes = tuple(_change(table, name) for name, table in entries(data, "change", entry, named_by="measurement"))
    check_unique((change.measurement for change in changes), "change", key="measurement")
    caveats = tuple(_caveat(table, name) for name, table in entries(data, "caveat", entry))
    check_unique((ident for ident, _ in caveats), "caveat")
    generic = required_table(data, "generic", entry)
    check_keys(generic, "generic", _GENERIC_KEYS)
    return ChangeTexts(
        changes=changes,
        generic_toward=required_text(generic, "toward", "generic"),
        generic_away=required_text(generic, "away", "generic"),
        no_change=required_text(generic, "no_change", "generic"),
        changed=required_text(generic, "changed", "generic"),
        not_judged=required_text(generic, "not_judged", "generic"),
        caveats=caveats,
    )


def _change(table: Mapping[str, Any], entry: str) -> ChangeText:
    check_keys(table, entry, _CHANGE_KEYS)
    return ChangeText(
        measurement=measurement_id(table, "measurement", entry),
        toward=required_text(table, "toward", entry),
        away=required_text(table, "away", entry),
        article_sections=required_texts(table, "article_sections", entry),
    )


def _caveat(table: Mapping[str, Any], entry: str) -> tuple[str, str]:
    check_keys(table, entry, _CAVEAT_KEYS)
    return required_text(table, "id", entry), required_text(table, "text", entry)

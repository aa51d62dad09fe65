"""The measurement lists of ``docs/json-output.md`` and ``README.md``, written from the registry.

``make docs`` (``python -m posture.render.docs docs/json-output.md README.md``)
replaces, in each file, the lines between every pair of markers below that
the file holds; a test fails when a committed file is behind the registry.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from posture.knowledge import registry


@dataclass(frozen=True, slots=True)
class GeneratedBlock:
    """Lines of a document that ``make docs`` writes: everything between ``start`` and ``end``."""

    start: str
    end: str
    write: Callable[[], str]


def _unit_text(definition: registry.Definition) -> str:
    return "`deg`" if definition.quantity == "angle" else "`cm` or `percent_height`"


def measurement_table() -> str:
    """A Markdown table of every measurement: id, views, unit, sign, components, summary."""
    lines = ["| id | views | unit | sign | components | what it is |", "|---|---|---|---|---|---|"]
    for d in registry.DEFINITIONS:
        views = ", ".join(sorted(d.views)) + ("" if d.stride_safe or "side" not in d.views else " (not in a step)")
        components = ", ".join(f"`{c}`" for c in d.components) or "—"
        lines.append(f"| `{d.id}` | {views} | {_unit_text(d)} | {d.sign} | {components} | {d.summary} |")
    return "\n".join(lines)


_README_VIEWS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Side view (see the specification for exact definitions; + means forward):", registry.SIDE),
    ("Front or back view (+ means the person's left):", registry.FRONT_OR_BACK),
)


def readme_list() -> str:
    """The README's measurements, one table per view kind: id, what it is (its brief), unit."""
    parts = []
    for heading, views in _README_VIEWS:
        rows = [f"| `{d.id}` | {d.brief or d.summary} | {'deg' if d.quantity == 'angle' else '% of height, or cm'} |"
                for d in registry.DEFINITIONS if d.views & views]
        parts.append("\n".join([heading, "", "| id | what | unit |", "|---|---|---|", *rows]))
    return "\n\n".join(parts)


JSON_TABLE = GeneratedBlock(
    start="<!-- measurements: generated from posture/knowledge/registry.py by `make docs` -->",
    end="<!-- end of measurements -->",
    write=measurement_table,
)
README_LIST = GeneratedBlock(
    start="<!-- measurement list: generated from posture/knowledge/registry.py by `make docs` -->",
    end="<!-- end of the measurement list -->",
    write=readme_list,
)
BLOCKS = (JSON_TABLE, README_LIST)


def regenerated(document: str) -> str:
    """``document`` with the lines between each pair of markers it holds written afresh from the registry.

    Raises:
        ValueError: the document holds no start marker, or a start marker without its end marker after it.
    """
    found = False
    for block in BLOCKS:
        start = document.find(block.start)
        if start < 0:
            continue
        found = True
        end = document.find(block.end, start)
        if end < 0:
            raise ValueError(f"the marker {block.start!r} needs the marker {block.end!r} after it")
        document = document[: start + len(block.start)] + "\n" + block.write() + "\n" + document[end:]
    if not found:
        raise ValueError(f"the document holds none of the markers {[block.start for block in BLOCKS]}")
    return document


def main(argv: list[str]) -> int:
    for name in argv:
        path = Path(name)
        path.write_text(regenerated(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

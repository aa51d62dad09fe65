"""The measurement table of ``docs/json-output.md``, written from the registry.

``make docs`` (``python -m posture.render.docs docs/json-output.md``) replaces
the lines between the two markers below; a test fails when the committed
file is behind the registry.
"""

from __future__ import annotations

import sys
from pathlib import Path

from posture.knowledge import registry

START = "<!-- measurements: generated from posture/registry.py by `make docs` -->"
END = "<!-- end of measurements -->"


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


def with_table(document: str) -> str:
    """``document`` with the block between the markers replaced by the current table.

    Raises:
        ValueError: the markers are missing or out of order.
    """
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document needs the markers {START!r} and {END!r}, in that order")
    return document[: start + len(START)] + "\n" + measurement_table() + "\n" + document[end:]


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

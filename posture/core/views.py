"""The view a photo shows, as a type: its kind and facing are properties, not pieces of a split string."""

from __future__ import annotations

from typing import Literal

ViewKind = Literal["side", "front", "back", "unsupported"]

_KINDS: dict[str, ViewKind] = {"side-left": "side", "side-right": "side", "front": "front", "back": "back",
                               "unsupported": "unsupported"}


class View(str):
    """``side-left``, ``side-right`` (the way the person faces in the picture), ``front``, ``back`` or
    ``unsupported``.

    A ``str``, so that reports, JSON and CSV rows show it exactly as the plain name.

    Raises:
        ValueError: not one of the names above.
    """

    __slots__ = ()

    def __new__(cls, name: str) -> View:
        if name not in _KINDS:
            raise ValueError(f"{name!r} is not a view; expected one of {', '.join(_KINDS)}")
        return super().__new__(cls, name)

    @property
    def kind(self) -> ViewKind:
        """``side``, ``front``, ``back`` or ``unsupported``: the view without the way the person faces."""
        return _KINDS[self]

    @property
    def is_side(self) -> bool:
        return self.kind == "side"

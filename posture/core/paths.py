"""How a file's path is written as text: in names, messages, JSON, HTML and CSV."""

from __future__ import annotations

import os


def path_text(path: str | os.PathLike[str]) -> str:
    """``path`` as valid UTF-8 text, each byte of its name that is not UTF-8 written as a ``\\xNN`` escape.

    A name that is not valid UTF-8 reaches Python with those bytes as lone surrogates (``\\udcff`` for 0xFF),
    which no UTF-8 output can hold. The escape shows the byte itself, as ``ls -b`` does. A valid name is
    returned unchanged.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")

"""The heights file of ``posture batch --heights``: each photo's or subject's standing height in cm."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

from posture.core.paths import path_text
from posture.errors import InputError
from posture.limits import parse_height_cm

# --------------------------------------------------------------------------- heights


@dataclass(frozen=True, slots=True)
class Heights:
    """Body heights in cm by photo (``file`` column) or by subject (``subject`` column).

    A photo's ``file`` entry is its path below the folder (``a/side.jpg``) or
    its bare name (``side.jpg``). A subject's entry applies to the photos in a
    folder of that name (``anna/side.jpg``) and to those whose file name starts
    with it followed by ``_``, ``-``, a space or a dot (``anna_side.jpg``).
    A file entry wins over a subject entry.
    """

    by_file: dict[str, float] = field(default_factory=dict)
    by_subject: dict[str, float] = field(default_factory=dict)

    def height_for(self, relative: str) -> float | None:
        """The height for a photo, given by its path below the folder (``/``-separated)."""
        name = relative.rsplit("/", 1)[-1]
        for key in (relative, name):
            if key in self.by_file:
                return self.by_file[key]
        folders = relative.split("/")[:-1]
        for folder in reversed(folders):
            if folder in self.by_subject:
                return self.by_subject[folder]
        best: tuple[int, float] | None = None
        for subject, height in self.by_subject.items():
            if name == subject or (name.startswith(subject) and name[len(subject)] in "_- ."):
                if best is None or len(subject) > best[0]:
                    best = (len(subject), height)
        return None if best is None else best[1]


_FILE_KEYS = ("file", "path", "name", "photo")
_SUBJECT_KEYS = ("subject", "subject_id")
_HEIGHT_KEYS = ("height_cm", "height")


def read_heights(path: str | os.PathLike[str]) -> Heights:
    """Read a CSV file with a header: a ``file`` or ``subject`` column and a ``height_cm`` column.

    Raises:
        InputError: the file cannot be read, lacks the columns, or a height is not a standing height in cm.
    """
    shown = path_text(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"The heights file {shown!r} cannot be read ({getattr(error, 'strerror', None) or error}).") \
            from None
    if not rows:
        raise InputError(f"The heights file {shown!r} is empty; it needs a header such as 'file,height_cm'.")
    header = [cell.strip().lower() for cell in rows[0]]
    height_column = next((header.index(k) for k in _HEIGHT_KEYS if k in header), None)
    file_column = next((header.index(k) for k in _FILE_KEYS if k in header), None)
    subject_column = next((header.index(k) for k in _SUBJECT_KEYS if k in header), None)
    if height_column is None or (file_column is None and subject_column is None):
        raise InputError(f"The heights file {shown!r} needs a header with a 'height_cm' column and a 'file' or "
                         f"'subject' column (found {', '.join(header) or 'nothing'}).")
    heights = Heights()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        try:
            value = parse_height_cm(cells[height_column].strip())
        except ValueError as error:
            raise InputError(f"Line {number} of {shown!r}: {error}.") from None
        for column, table in ((file_column, heights.by_file), (subject_column, heights.by_subject)):
            key = "" if column is None else cells[column].strip().replace(os.sep, "/")
            if key:
                table[key] = value
    return heights

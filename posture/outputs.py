"""Writing output files: atomically, never over the input photo, images without metadata."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from posture.errors import OutputError


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an RGB image; OpenCV writes no EXIF or other metadata, so nothing about the device leaks."""
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OutputError("The annotated image could not be encoded as PNG.")
    return bytes(buffer)


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part.

    Raises:
        OSError: the file could not be written (the temporary file is removed).
    """
    # open() rather than mkstemp(), so that the file gets the usual umask permissions.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, *, protect: tuple[Path, ...] = ()) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so a reader never sees half a file.

    Args:
        path: the destination.
        data: the bytes to write.
        protect: input files that must never be overwritten.
    """
    path = Path(path)
    for kept in protect:
        if path.exists() and kept.exists() and path.resolve() == kept.resolve():
            raise OutputError(f"Refusing to overwrite the input photo {str(path)!r}; choose another output name.")
    if path.is_dir():
        raise OutputError(f"The output path {str(path)!r} is a directory; give a file name.")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"The output folder {str(directory)!r} does not exist.")
    try:
        replace_atomically(path, data)
    except OSError as error:
        raise OutputError(f"Could not write {str(path)!r}: {error.strerror or error}.") from None

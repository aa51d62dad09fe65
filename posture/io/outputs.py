"""Writing output files: the one atomic writer (whole or streamed), never over the input photo, PNGs without metadata."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

from posture.core.paths import path_text
from posture.errors import OutputError

# Hidden, and says which program left the file should a crash ever do so.
_TEMPORARY_PREFIX = ".posture-"

_UMASK_LOCK = threading.Lock()


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an RGB image; OpenCV writes no EXIF or other metadata, so nothing about the device leaks."""
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OutputError("The annotated image could not be encoded as PNG.")
    return bytes(buffer)


def process_umask() -> int:
    """The process umask, which can only be read by setting it."""
    # A restrictive mask stands in for that instant, so a file another thread
    # creates meanwhile comes out private rather than writable by everyone.
    with _UMASK_LOCK:
        current = os.umask(0o077)
        os.umask(current)
    return current


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary stream that replaces ``path`` when the block ends, so readers see the old file or the new one.

    The bytes go to a temporary file in the same folder (a rename cannot
    cross file systems); when the block ends without an exception they are
    flushed to disk and the file is renamed over ``path``. The temporary file
    is made by :func:`tempfile.mkstemp`, whose O_EXCL creation never opens an
    existing file nor follows a symlink planted under its (unpredictable)
    name, and it gets the permissions a newly created file would: 0o666 less
    the umask. A table of many photos is streamed through it, never held in
    memory whole.

    When ``path`` is itself a symlink, the link is replaced by a regular file
    and the file it pointed to is left as it was.

    Raises:
        OSError: the file could not be written; the temporary file is removed
            and an existing ``path`` is unchanged. An exception raised inside
            the block does the same.
    """
    descriptor, name = tempfile.mkstemp(prefix=_TEMPORARY_PREFIX, suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with open(descriptor, "wb") as stream:
            # mkstemp creates the file readable by its owner only.
            os.fchmod(stream.fileno(), 0o666 & ~process_umask())
            yield stream
            stream.flush()
            # Without this, a crash soon after the rename can leave an empty file under the final name.
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_file`: readers see the old file or the new one, never a part.

    Raises:
        OSError: the file could not be written; an existing ``path`` is unchanged.
    """
    with atomic_file(path) as stream:
        stream.write(data)


def _special(path: Path) -> bool:
    """Whether ``path`` is, or links to, something other than a regular file or a folder (a device, a pipe)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_atomic(path: Path, data: bytes, *, protect: tuple[Path, ...] = ()) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so a reader never sees half a file.

    Args:
        path: the destination.
        data: the bytes to write.
        protect: input files that must never be overwritten.

    Raises:
        OutputError: ``path`` is a protected input, a directory, a device or a
            pipe, or in a missing folder, or the file could not be written.
    """
    path = Path(path)
    for kept in protect:
        if path.exists() and kept.exists() and path.resolve() == kept.resolve():
            raise OutputError(f"Refusing to overwrite the input photo {path_text(path)!r}; choose another output name.")
    if path.is_dir():
        raise OutputError(f"The output path {path_text(path)!r} is a directory; give a file name.")
    if _special(path):
        # The rename would put a regular file in place of a device or a pipe (/dev/null, as root).
        raise OutputError(f"The output path {path_text(path)!r} is a device or a pipe, not a file; give a file name.")
    directory = path.parent
    if not directory.is_dir():
        raise OutputError(f"The output folder {path_text(directory)!r} does not exist.")
    try:
        replace_atomically(path, data)
    except OSError as error:
        raise OutputError(f"Could not write {path_text(path)!r}: {error.strerror or error}.") from None

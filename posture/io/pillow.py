"""Pillow's process-wide settings (warning filters, the decompression-bomb limit) held safely while a file is read."""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from posture.errors import InputError

# Pillow's warning filters and bomb limit are process-wide: one reader at a time may change them.
PIL_LOCK = threading.Lock()

# Pillow and pillow-heif report damaged data with any of these.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)


@contextmanager
def pillow_guard(exif_problems: list[str], max_pixels: int | None = None) -> Iterator[None]:
    """Hold Pillow's process-wide state while it reads a header or EXIF.

    Pillow reports a damaged EXIF block with warnings from its TIFF directory
    parser, which reads EXIF in every format posture takes; those are appended
    to ``exif_problems`` instead of reaching the user, who gets one sentence
    in the result. Any other warning passes on.

    With ``max_pixels``, Pillow's own decompression-bomb guard follows it.
    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` and raises above twice that.
    Its guard must stay active while opening, because the WebP plugin
    allocates the whole canvas then; the caller checks the exact count right
    after, so the warning is redundant. The globals are shared, hence the lock
    and the restore.
    """
    with PIL_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        if max_pixels is not None:
            Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous
    for caught_warning in caught:
        if Path(caught_warning.filename).name == "TiffImagePlugin.py":
            exif_problems.append(str(caught_warning.message))
        else:
            warnings.warn_explicit(caught_warning.message, caught_warning.category,
                                   caught_warning.filename, caught_warning.lineno)


def too_many_pixels(name: str, count: str, max_pixels: int) -> InputError:
    return InputError(f"{name} has {count} pixels, more than the limit of {max_pixels:,}; "
                      "resize it or raise --max-pixels.")


def bomb_pixel_count(error: Image.DecompressionBombError, max_pixels: int) -> str:
    """The pixel count in Pillow's refusal, e.g. "Image size (921600 pixels) exceeds limit of ..."."""
    found = re.search(r"\((\d+) pixels\)", str(error))
    # Should Pillow change its wording, the message can still give a bound.
    return f"{int(found[1]):,}" if found else f"over {2 * max_pixels:,}"

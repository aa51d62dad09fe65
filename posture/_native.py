"""Native libraries' chatter on file descriptor 2, and their unraisable errors at exit, kept off the user's terminal."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def unraisable_ignored() -> Iterator[None]:
    """Drop errors raised in ``__del__`` methods while inside (Python would print them on stderr)."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    finally:
        sys.unraisablehook = previous


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Hide what MediaPipe's C++ and TFLite code print straight to file descriptor 2.

    Those lines (delegate notices, feedback-tensor warnings) mean nothing to a
    user and would bury posture's own one-sentence messages. With
    ``POSTURE_DEBUG`` set they are shown.
    """
    if os.environ.get("POSTURE_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)

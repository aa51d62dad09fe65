"""File descriptor 2 and the unraisable-error hook: where native libraries' chatter is sent instead of the terminal.

MediaPipe's C++ and TFLite code print straight to file descriptor 2, past
``sys.stderr``, and its objects can raise in ``__del__`` at exit. Both the
descriptor and the hook belong to the whole process, so every change to them
is made under one lock: the first thread to silence them saves what was there,
the last one to leave puts it back. Without that, two threads (two Analyzers,
or one shared) could each put back what the other had saved, and leave
descriptor 2 pointing at a sink for good.

With ``POSTURE_DEBUG`` set, the chatter is shown.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

_LOCK = threading.Lock()
_silencing = 0  # threads inside native_stderr_silenced
_stderr_before: int | None = None  # a copy of descriptor 2 from before the first of them
_ignoring = 0  # threads inside unraisable_ignored
_hook_before: Any = None


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to /dev/null while inside.

    Those lines (delegate notices, feedback-tensor warnings) mean nothing to a
    user and would bury posture's own one-sentence messages. Safe to enter
    from several threads at once, and from inside itself.
    """
    if os.environ.get("POSTURE_DEBUG"):
        yield
        return
    _start_silencing()
    try:
        yield
    finally:
        _stop_silencing()


def _start_silencing() -> None:
    global _silencing, _stderr_before
    with _LOCK:
        _silencing += 1
        if _silencing > 1:
            return
        try:
            if sys.stderr is not None:
                sys.stderr.flush()  # what Python wrote before belongs on the terminal
            devnull = os.open(os.devnull, os.O_WRONLY)
        except (OSError, ValueError):
            return  # sys.stderr is closed, or /dev/null is missing: leave descriptor 2 as it is
        try:
            _stderr_before = os.dup(2)
            os.dup2(devnull, 2)
        except OSError:
            pass  # descriptor 2 is closed: nothing can reach the terminal to hide
        finally:
            os.close(devnull)


def _stop_silencing() -> None:
    global _silencing, _stderr_before
    with _LOCK:
        _silencing -= 1
        if _silencing > 0 or _stderr_before is None:
            return
        os.dup2(_stderr_before, 2)
        os.close(_stderr_before)
        _stderr_before = None


def hide_native_stderr() -> None:
    """For the rest of the process, keep ``sys.stderr`` on the terminal but send descriptor 2 to /dev/null.

    Native code also writes while the interpreter shuts down, where no
    :func:`native_stderr_silenced` block can wrap it; the command and the batch
    workers call this once at start.
    """
    if os.environ.get("POSTURE_DEBUG"):
        return
    with _LOCK:
        # Inside a silenced block descriptor 2 is /dev/null already and the terminal is the copy kept to restore;
        # that copy then becomes /dev/null, so the last block to leave restores /dev/null.
        terminal = 2 if _stderr_before is None else _stderr_before
        try:
            sys.stderr.flush()
            kept = os.dup(terminal)
            sys.stderr = os.fdopen(kept, "w", encoding=sys.stderr.encoding, errors="backslashreplace",
                                   buffering=1, closefd=True)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, terminal)
            os.close(devnull)
        except (OSError, AttributeError, ValueError):
            pass  # no stderr at all (closed): nothing can reach the user's terminal anyway


@contextlib.contextmanager
def unraisable_ignored() -> Iterator[None]:
    """Drop errors raised in ``__del__`` methods while inside (Python would print them on stderr).

    Safe from several threads at once: the hook in place before the first
    thread entered is put back when the last one leaves.
    """
    global _ignoring, _hook_before
    with _LOCK:
        _ignoring += 1
        if _ignoring == 1:
            _hook_before = sys.unraisablehook
            sys.unraisablehook = _ignore
    try:
        yield
    finally:
        with _LOCK:
            _ignoring -= 1
            if _ignoring == 0:
                sys.unraisablehook = _hook_before
                _hook_before = None


def _ignore(unraisable: Any) -> None:
    """Say nothing."""

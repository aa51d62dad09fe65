"""What the command writes outside the report files: the report on standard output and notes on stderr."""

from __future__ import annotations

import os
import sys

from posture.errors import OutputError


def notify(message: str) -> None:
    """One line for the user on stderr (a refusal, preparing the model); dropped when stderr is closed or failing.

    With stderr closed (``2>&-``) Python's ``sys.stderr`` is None, and ``print(file=None)`` would put the line
    on standard output, into the report; and a failing stderr must not turn a finished run into an error.
    """
    if sys.stderr is None:
        return
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def write_stdout(text: str) -> None:
    """Write the report; a closed, full or broken standard output is an output error (exit 7)."""
    stdout = sys.stdout
    if stdout is None:
        raise OutputError("The report could not be written: standard output is closed.")
    try:
        stdout.flush()
        binary = getattr(stdout, "buffer", None)
        if binary is None:  # a text stream with no bytes beneath it (a StringIO put in place by a caller)
            stdout.write(text)
            stdout.flush()
            return
        unwritten = memoryview(text.encode(stdout.encoding, stdout.errors or "strict"))
        while unwritten:
            # An unbuffered standard output (PYTHONUNBUFFERED) is the raw file, which takes only part of a write
            # when the reader stops early; its text layer would drop the rest and report success.
            unwritten = unwritten[binary.write(unwritten):]
        binary.flush()
    except OSError as error:
        discard_stdout()
        raise OutputError(f"The report could not be written to standard output ({error.strerror or error}).") from None


def discard_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush cannot fail again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass

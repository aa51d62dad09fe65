"""What the command writes outside the report files: the report on standard output and notes on stderr."""

from __future__ import annotations

import os
import sys

from posture.errors import OutputError


def notify(message: str) -> None:
    """One line for the user on stderr (preparing the model, for instance)."""
    print(message, file=sys.stderr)


def write_stdout(text: str) -> None:
    """Write the report; a closed or broken standard output is an output error (exit 7)."""
    if sys.stdout is None:
        raise OutputError("The report could not be written: standard output is closed.")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
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

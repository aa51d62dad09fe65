"""The exceptions posture raises, each tied to the exit code the CLI returns for it.

Every message is one sentence a user can act on; the CLI prints it on stderr
without a traceback.
"""

from __future__ import annotations

import signal
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the ``posture`` command (documented in ``--help`` and the README)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    BAD_INPUT = 3
    NO_USABLE_PERSON = 4
    UNSUPPORTED_VIEW = 5
    MODEL = 6
    OUTPUT = 7
    MARKERS = 8
    SCHEDULER = 9
    """``batch --dask``: the Dask scheduler cannot be reached within the connect timeout."""
    HANGUP = 129
    """128 + SIGHUP: the terminal was closed; ended as Ctrl-C ends a run."""
    INTERRUPTED = 130
    """128 + SIGINT, as shells report a command stopped with Ctrl-C."""
    TERMINATED = 143
    """128 + SIGTERM (``kill``, a service manager, a job scheduler); ended as Ctrl-C ends a run."""


STOPPING_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))  # Windows has no SIGHUP
"""Besides SIGINT (Python's KeyboardInterrupt), the signals that end a run as Ctrl-C does, each with exit 128 + n."""


def stopped_by(signal_number: int) -> ExitCode:
    """The exit code of a run ended by the signal ``signal_number`` (SIGINT, SIGTERM or SIGHUP): 128 + the number."""
    return ExitCode(128 + signal_number)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: the run ends as Ctrl-C ends it (a KeyboardInterrupt), with its own exit code.

    Attributes:
        signal_number: the signal's number; the exit code is 128 + it (:func:`stopped_by`).
    """

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


class PostureError(Exception):
    """Base class: an error with a one-sentence message and an exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(PostureError):
    """The command line asks for something that cannot be done (beyond what argparse checks)."""

    exit_code = ExitCode.USAGE


class InputError(PostureError):
    """The file is missing, unreadable, not an image, truncated or too large."""

    exit_code = ExitCode.BAD_INPUT


class PersonError(PostureError):
    """No single, whole, plausible person of useful size is in the photo."""

    exit_code = ExitCode.NO_USABLE_PERSON


class ViewError(PostureError):
    """The person is found but not standing in a view posture can measure."""

    exit_code = ExitCode.UNSUPPORTED_VIEW


class MarkerError(PostureError):
    """Skin markers were asked for (``--markers``) but cannot be found or assigned without guessing."""

    exit_code = ExitCode.MARKERS


class ModelError(PostureError):
    """The pose model is missing, corrupt, or cannot be prepared."""

    exit_code = ExitCode.MODEL


class OutputError(PostureError):
    """An output file could not be written."""

    exit_code = ExitCode.OUTPUT


class SchedulerError(PostureError):
    """``batch --dask``: the Dask scheduler cannot be reached."""

    exit_code = ExitCode.SCHEDULER

"""The exceptions posture raises, each tied to the exit code the CLI returns for it.

Every message is one sentence a user can act on; the CLI prints it on stderr
without a traceback.
"""

from __future__ import annotations

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
    INTERRUPTED = 130
    """128 + SIGINT, as shells report a command stopped with Ctrl-C."""


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

"""The bounds posture holds a user's numbers to, and how many CPUs this process may use.

Each rule is written here once, for the command line, the heights file of a
batch and the Python API alike. Only the standard library is imported, so
``posture --help`` can check arguments without loading numpy or OpenCV.
"""

from __future__ import annotations

import os

MIN_HEIGHT_CM = 50.0
MAX_HEIGHT_CM = 250.0
"""The standing heights taken as a person's: below or above is a typo or a unit mistake (inches, metres)."""

MAX_USER_ROLL_DEG = 45.0
"""A photo turned further than this is not a tilted camera but a photo on its side."""


def is_standing_height(height_cm: float) -> bool:
    """Whether ``height_cm`` lies within :data:`MIN_HEIGHT_CM` to :data:`MAX_HEIGHT_CM` (nan does not)."""
    return MIN_HEIGHT_CM <= height_cm <= MAX_HEIGHT_CM


def is_camera_roll(roll_deg: float) -> bool:
    """Whether ``roll_deg`` lies within ±:data:`MAX_USER_ROLL_DEG` (nan does not)."""
    return abs(roll_deg) <= MAX_USER_ROLL_DEG


def parse_height_cm(text: str) -> float:
    """The standing height written in ``text``, in cm.

    Raises:
        ValueError: ``text`` is not a number, or not a standing height; the
            message quotes ``text`` and gives the range, ready to be shown.
    """
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not is_standing_height(value):
        raise ValueError(f"{text!r} is not a standing height in cm "
                         f"(expected a number from {MIN_HEIGHT_CM:g} to {MAX_HEIGHT_CM:g})")
    return value


def usable_cpus() -> int:
    """How many CPUs this process may run on: its affinity where the system has one, else the CPU count, else 1."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1

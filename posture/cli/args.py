"""Argument types shared by the subcommands: each turns one command-line word into a checked value or a usage error."""

from __future__ import annotations

import argparse
from pathlib import Path

from posture.limits import MAX_USER_ROLL_DEG, is_camera_roll, parse_height_cm


def height_cm_argument(text: str) -> float:
    try:
        return parse_height_cm(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def roll_argument(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not is_camera_roll(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a camera roll in degrees (expected a number from -{MAX_USER_ROLL_DEG:g} "
            f"to {MAX_USER_ROLL_DEG:g})")
    return value


def png_path_argument(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise argparse.ArgumentTypeError(f"{text!r} must be a .png file (the annotated picture is written as PNG)")
    return path


def positive_int_argument(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def positive_seconds_argument(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def html_path_argument(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(f"{text!r} must be an .html file")
    return path


def pdf_path_argument(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".pdf":
        raise argparse.ArgumentTypeError(f"{text!r} must be a .pdf file")
    return path

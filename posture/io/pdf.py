"""An HTML report printed to PDF by headless Chromium, found at run time: no Python dependency of its own.

Chromium is Debian's ``chromium`` package (or ``chromium-browser``); the
``POSTURE_CHROMIUM`` environment variable names another binary. The page is
written to a private temporary folder and printed from there with the
report's own print style (A4, no table row cut across two pages); the PDF's
bytes are returned for :func:`posture.io.outputs.write_atomic` to write.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from posture.core.paths import path_text
from posture.errors import OutputError

CHROMIUM_VARIABLE = "POSTURE_CHROMIUM"
"""The environment variable that names the Chromium binary to print with."""

PRINT_TIMEOUT_S = 180.0
"""How long one print may take before it counts as failed (a report prints in a second or two)."""

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions")
"""Headless, allowed to run as root (no sandbox), and quiet on the network: the report itself loads nothing."""


def find_chromium() -> str | None:
    """The Chromium binary: ``POSTURE_CHROMIUM`` when set, else ``chromium`` or ``chromium-browser`` on the PATH."""
    return os.environ.get(CHROMIUM_VARIABLE) or shutil.which("chromium") or shutil.which("chromium-browser")


def print_to_pdf(html: str) -> bytes:
    """The PDF of an HTML page, printed by headless Chromium.

    Raises:
        OutputError: no Chromium is installed (or ``POSTURE_CHROMIUM`` names no
            program), or it could not print the page.
    """
    binary = find_chromium()
    if binary is None:
        raise OutputError("The PDF was not written: it is printed by headless Chromium, which is not installed "
                          f"(install Debian's chromium package, or set {CHROMIUM_VARIABLE} to a Chromium binary).")
    if shutil.which(binary) is None:
        raise OutputError(f"The PDF was not written: {CHROMIUM_VARIABLE} names {path_text(Path(binary))!r}, "
                          "which is not a program that can be run.")
    with tempfile.TemporaryDirectory(prefix="posture-pdf-") as scratch:
        folder = Path(scratch)
        page = folder / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = folder / "report.pdf"
        command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={pdf}",
                   page.as_uri()]
        try:
            subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=PRINT_TIMEOUT_S,
                           check=False)
        except subprocess.TimeoutExpired:
            raise OutputError(f"The PDF was not written: Chromium did not finish printing the report within "
                              f"{PRINT_TIMEOUT_S:g} s.") from None
        except OSError as error:
            raise OutputError(f"The PDF was not written: Chromium could not be started "
                              f"({error.strerror or error}).") from None
        data = pdf.read_bytes() if pdf.is_file() else b""
    if not data.startswith(b"%PDF"):
        raise OutputError("The PDF was not written: Chromium ran but printed no PDF.")
    return data

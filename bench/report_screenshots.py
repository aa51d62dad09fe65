"""The README's pictures of the before/after report: docs/report.png (on a desktop), docs/compare-phone.png (the same
page on a 390 px phone) and docs/report-sample.pdf (the report printed by ``posture compare --pdf``).

The before/after pair is one rendered woman of tests/data/synthetic, her head carried forward (neck bent 30°), then
upright: the sample photos in samples/ are different bodies, which a comparison rightly warns about. Copies of the two
renders get an EXIF capture time (12 Jan and 6 Apr), so the report labels its columns by date. Taken in Debian's
Chromium with Playwright.

Usage: python bench/report_screenshots.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
from browser import chromium  # noqa: E402

DOCS = REPO / "docs"
SYNTHETIC = REPO / "tests" / "data" / "synthetic"
PAIR = (("woman_average_side-left_neck-flexion+30.png", "2026:01:12 09:30:00"),
        ("woman_average_side-left_neutral.png", "2026:04:06 09:40:00"))
DESKTOP_WIDTH, DESKTOP_HEIGHT = 1000, 2600
PHONE_WIDTH, PHONE_HEIGHT = 390, 1700


def dated_copy(source: Path, folder: Path, taken: str) -> Path:
    """A pixel-for-pixel copy of ``source`` whose EXIF says it was taken at ``taken`` (EXIF's "YYYY:MM:DD hh:mm:ss")."""
    with Image.open(source) as image:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = taken  # Exif directory, DateTimeOriginal
        path = folder / source.name
        image.save(path, exif=exif.tobytes())
    return path


def posture(*argv: str) -> None:
    subprocess.run([sys.executable, "-m", "posture", *argv], check=True, stdout=subprocess.DEVNULL,
                   env=os.environ | {"PYTHONPATH": str(REPO)}, cwd=REPO)


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="posture-docs-") as scratch:
        folder = Path(scratch)
        photos = [dated_copy(SYNTHETIC / name, folder, taken) for name, taken in PAIR]
        compare_html = folder / "compare.html"
        posture("compare", *map(str, photos), "-o", str(compare_html), "--pdf", str(DOCS / "report-sample.pdf"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            for width, height, name in ((DESKTOP_WIDTH, DESKTOP_HEIGHT, "report.png"),
                                        (PHONE_WIDTH, PHONE_HEIGHT, "compare-phone.png")):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(compare_html.as_uri())
                page.screenshot(path=str(DOCS / name), full_page=False)
                page.close()
            browser.close()
    print("wrote " + ", ".join(str(DOCS / n) for n in ("report.png", "compare-phone.png", "report-sample.pdf")))


if __name__ == "__main__":
    main()

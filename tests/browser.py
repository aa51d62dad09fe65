"""Open an HTML file in headless Chromium: its DOM, console messages, network requests and a screenshot.

Chromium is Debian's package (``make test`` installs it when it can); set
``POSTURE_CHROMIUM`` to another binary. Two runs per page: one dumps the DOM
with console logging and a network log, one takes the screenshot. Layout is
measured through Playwright's sync API driving the same binary, and a PDF
that Chromium printed is read for its pages and table rows.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page as SyncPage
from playwright.sync_api import sync_playwright

from posture.io.pdf import find_chromium

# As the machine notes advise: headless, as root, with Chromium's own background traffic turned off.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars")


def chromium() -> str | None:
    """The Chromium binary, found as ``posture --pdf`` finds it, or None when there is none."""
    return find_chromium()


@dataclass(frozen=True)
class Page:
    dom: str
    console: list[str]
    """Console messages the page logged (errors, CSP violations, anything)."""
    requests: list[str]
    """URLs the page itself asked the network for (Chromium's own background requests excluded)."""
    screenshot: np.ndarray


def _page_requests(net_log: Path) -> list[str]:
    """URL requests made on behalf of a file:// page, from Chromium's net log."""
    if not net_log.exists():
        return []
    text = net_log.read_text(encoding="utf-8", errors="replace").rstrip().rstrip(",")
    if not text.endswith("}"):
        text += "]}"  # the log is cut short when the browser exits mid-write
    try:
        events = json.loads(text)["events"]
    except (json.JSONDecodeError, KeyError):
        return []
    urls = []
    for event in events:
        params = event.get("params") or {}
        url = params.get("url")
        key = str(params.get("network_isolation_key", ""))
        if url and key.startswith("file://") and not url.startswith(("file:", "data:")):
            urls.append(url)
    return sorted(set(urls))


def open_page(path: Path, *, width: int = 1100, height: int = 1600) -> Page:
    """Load ``path`` in headless Chromium and return what it showed and did."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("no Chromium")
    url = path.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="posture-chromium-") as scratch:
        work = Path(scratch)
        net_log = work / "net.json"
        dom_run = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={work / 'profile-dom'}", "--enable-logging=stderr", "--v=0",
             f"--log-net-log={net_log}", f"--window-size={width},{height}", "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=False)
        console = [line for line in dom_run.stderr.splitlines() if ":CONSOLE" in line]
        shot = work / "shot.png"
        subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={work / 'profile-shot'}", f"--window-size={width},{height}",
             f"--screenshot={shot}", url],
            capture_output=True, text=True, timeout=120, check=False)
        screenshot = np.asarray(Image.open(shot).convert("RGB")) if shot.exists() else np.zeros((1, 1, 3), np.uint8)
        return Page(dom=dom_run.stdout, console=console, requests=_page_requests(net_log), screenshot=screenshot)


# ------------------------------------------------------------------ Playwright, on the same Chromium


@contextlib.contextmanager
def browser_page(width: int, height: int = 844) -> Iterator[SyncPage]:
    """A Playwright page of ``width`` x ``height`` CSS pixels in Debian's Chromium (never a downloaded browser)."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("no Chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


# ------------------------------------------------------------------ reading a PDF that Chromium printed

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)


def pdf_page_count(data: bytes) -> int:
    """How many pages a PDF has (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def pdf_table_rows(data: bytes) -> list[set[int]]:
    """For each body row of each table in a tagged PDF (Chromium tags its PDFs), the pages its content lies on.

    Chromium's PDF keeps its structure tree uncompressed: every table row is a ``/TR`` structure element whose
    cells' content is marked on the page objects named by ``/Pg``. A row printed whole lies on one page; a row
    cut by a page break lies on two. Header rows (``/TH`` cells), which repeat on every page, are left out.
    """
    objects = {int(number): body.split(b"stream", 1)[0] for number, body in _OBJECT.findall(data)}

    def kids(body: bytes) -> list[int]:
        found = re.search(rb"/K\s*(\[.*?\]|\d+ 0 R)", body, re.S)
        return [int(n) for n in re.findall(rb"(\d+) 0 R", found.group(1))] if found else []

    def pages(number: int, seen: set[int]) -> set[int]:
        body = objects[number]
        found = {int(n) for n in re.findall(rb"/Pg\s+(\d+) 0 R", body)}
        for kid in kids(body):
            if kid not in seen and b"/StructElem" in objects.get(kid, b""):
                seen.add(kid)
                found |= pages(kid, seen)
        return found

    rows = []
    for number, body in objects.items():
        if re.search(rb"/Type\s*/StructElem\s*/S\s*/TR\b", body):
            if any(re.search(rb"/S\s*/TH\b", objects.get(kid, b"")) for kid in kids(body)):
                continue
            rows.append(pages(number, {number}))
    return rows

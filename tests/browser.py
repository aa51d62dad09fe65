"""Open an HTML file in headless Chromium: its DOM, console messages, network requests and a screenshot.

Chromium is Debian's package (``make test`` installs it when it can); set
``POSTURE_CHROMIUM`` to another binary. Two runs per page: one dumps the DOM
with console logging and a network log, one takes the screenshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

# As the machine notes advise: headless, as root, with Chromium's own background traffic turned off.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars")


def chromium() -> str | None:
    """The Chromium binary, or None when there is none."""
    return os.environ.get("POSTURE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


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

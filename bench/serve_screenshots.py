"""The screenshots of docs/serve.md: a client's page, a comparison, a session, a clip and a correction, in Chromium.

A desk is filled with the sample photos (three sessions of one client) and,
in the last session, a clip of quiet standing made from a sample photo
(tests/clips.py), then the pages are photographed. Usage: python
bench/serve_screenshots.py
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import httpx

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "tests")]
from browser import chromium  # noqa: E402
from clips import swaying_clip  # noqa: E402
from serve_desk import SAMPLES, csrf_token, new_session, running_desk, upload, wait_finished  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"
SESSIONS = (("2026-01-12", "intake", ["side-left_neck-flexion-20deg.png", "front_neutral.png"]),
            ("2026-02-23", "week 6", ["side-left_neutral.png", "back_shoulder-drop-5deg.png"]),
            ("2026-04-06", "week 12", ["side-left_neutral.png", "front_neutral.png"]))


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="posture-desk-") as scratch, running_desk(Path(scratch)) as url, \
            httpx.Client(base_url=url, follow_redirects=True) as client:
        token = csrf_token(client)
        answer = client.post("/clients", data={"name": "Ada Example", "height_cm": "168", "csrf_token": token,
                                               "notes": "desk worker, neck stiffness", "camera_height_cm": "95",
                                               "camera_distance_cm": "300", "clothing": "fitted top, shorts",
                                               "arms": "relaxed at the sides", "footwear": "barefoot"})
        client_id = int(str(answer.url).rsplit("/", 1)[1])
        sessions = []
        for day, label, names in SESSIONS:
            sessions.append(new_session(client, token, client_id, day, label))
            wait_finished(client, upload(client, token, sessions[-1], names))
        clip = swaying_clip(Path(scratch) / "standing.mov", SAMPLES / "side-left_neutral.png", seconds=4.0, rate=10.0,
                            shift=lambda t: 5.0 * math.sin(math.pi * t))
        answer = client.post(f"/sessions/{sessions[-1]}/photos", data={"csrf_token": token},
                             files=[("photos", ("standing.mov", clip.read_bytes(), "video/quicktime"))],
                             headers={"accept": "application/json"})
        answer.raise_for_status()
        wait_finished(client, [a["analysis"] for a in answer.json()["accepted"]])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"{url}/clients/{client_id}")
            page.screenshot(path=str(DOCS / "serve-client.png"), full_page=True)
            page.goto(f"{url}/clients/{client_id}/compare?a={sessions[0]}&b={sessions[1]}")
            # The side view's verdicts, below the cautions every comparison opens with and the pictures.
            page.evaluate("window.scrollBy(0, document.querySelector('#view-side table').getBoundingClientRect().top"
                          " - 60)")
            page.screenshot(path=str(DOCS / "serve-compare.png"), full_page=False)
            page.goto(f"{url}/sessions/{sessions[-1]}")
            page.locator(".photo.clip").screenshot(path=str(DOCS / "serve-clip.png"))
            page.goto(f"{url}/sessions/{sessions[0]}")
            page.screenshot(path=str(DOCS / "serve-session.png"), full_page=False)
            page.click("text=Correct landmarks")
            ear = page.locator('circle[data-name="left_ear"]').bounding_box()
            page.mouse.move(ear["x"] + ear["width"] / 2, ear["y"] + ear["height"] / 2)
            page.mouse.down()
            page.mouse.move(ear["x"] - 12, ear["y"] + ear["height"] / 2, steps=4)
            page.mouse.up()
            page.screenshot(path=str(DOCS / "serve-correct.png"), full_page=False)
            browser.close()
    print(f"wrote serve-client.png, serve-compare.png, serve-session.png, serve-clip.png and serve-correct.png "
          f"in {DOCS}")


if __name__ == "__main__":
    main()

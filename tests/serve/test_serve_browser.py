"""The desk in headless Chromium through Playwright: the practitioner's clicks, end to end.

Chromium is Debian's (``tests/browser.py``); these tests skip without it.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium
from playwright.sync_api import expect
from serve_fakes import png_bytes
from serve_runner import start

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

pytestmark = pytest.mark.skipif(chromium() is None, reason="needs Debian's chromium (or POSTURE_CHROMIUM)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def desk_url(tmp_path: Path) -> Iterator[str]:
    process, url = start(tmp_path / "desk", "fake")
    yield url
    process.terminate()
    process.wait()


def watch(page) -> list[str]:
    """The page's console errors (a CSP violation among them) and failed requests, as they come."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    return problems


def new_client_and_session(page, url: str, name: str, day: str) -> None:
    page.goto(url + "/")
    page.fill("#new-client #name", name)
    page.fill("#new-client #height_cm", "168")
    page.fill("#new-client #footwear", "barefoot")
    page.click("#new-client button[type=submit]")
    page.wait_for_selector("#client-name")
    page.fill("#session_date", day)
    page.click("#new-session button[type=submit]")
    page.wait_for_selector("#upload")


def photos(tmp_path: Path, names: list[str]) -> list[str]:
    paths = []
    for seed, name in enumerate(names):
        path = tmp_path / name
        path.write_bytes(png_bytes(seed=seed))
        paths.append(str(path))
    return paths


def test_a_client_with_three_uploaded_photos_shows_their_analyses(browser, desk_url, tmp_path):
    page = browser.new_page()
    problems = watch(page)
    new_client_and_session(page, desk_url, "Ann Lee", "2026-01-10")
    assert "barefoot" in page.inner_text("#protocol")
    page.set_input_files("#photos", photos(tmp_path, ["side-10.png", "side-12.png"]))
    page.click("#upload button[type=submit]")
    expect(page.locator(".photo img")).to_have_count(2)
    # The third is dropped on the page, as a file dragged from the desktop.
    dropped = page.evaluate_handle(
        """(encoded) => {
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "side-20.png", { type: "image/png" }));
            return transfer;
        }""", base64.b64encode(png_bytes(seed=9)).decode())
    page.dispatch_event("#upload", "drop", {"dataTransfer": dropped})
    expect(page.locator(".photo img")).to_have_count(3)
    assert page.locator(".status.done").count() == 3
    assert page.locator("#photo-grid").inner_text().count("Head forward") == 1
    assert problems == []


def test_a_bad_upload_is_refused_on_the_page_with_its_reason(browser, desk_url, tmp_path):
    page = browser.new_page()
    new_client_and_session(page, desk_url, "Bob", "2026-01-10")
    (tmp_path / "notes.jpg").write_text("not a photo at all " * 20)
    (tmp_path / "cut.png").write_bytes(png_bytes()[:500])
    page.set_input_files("#photos", [str(tmp_path / "notes.jpg"), str(tmp_path / "cut.png")])
    page.click("#upload button[type=submit]")
    expect(page.locator("#upload-progress")).to_contain_text("cut.png")
    message = page.inner_text("#upload-progress")
    assert "notes.jpg" in message and "cut.png" in message
    big = tmp_path / "huge.png"
    big.write_bytes(b"\x89PNG" + bytes(41 << 20))
    page.set_input_files("#photos", [str(big)])
    page.click("#upload button[type=submit]")
    expect(page.locator("#upload-progress")).to_contain_text("limit")


def test_two_tabs_upload_to_two_clients_at_once(browser, desk_url, tmp_path):
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    new_client_and_session(first, desk_url, "Ann", "2026-01-10")
    new_client_and_session(second, desk_url, "Bob", "2026-01-11")
    first.set_input_files("#photos", photos(tmp_path, ["side-11.png", "side-13.png"]))
    second.set_input_files("#photos", photos(tmp_path, ["side-21.png"]))
    first.click("#upload button[type=submit]")
    second.click("#upload button[type=submit]")
    expect(first.locator(".photo .status.done")).to_have_count(2)
    expect(second.locator(".photo .status.done")).to_have_count(1)
    assert "side-21.png" not in first.inner_text("#photo-grid")
    assert "side-11.png" not in second.inner_text("#photo-grid")


def test_two_sessions_of_samples_compare_print_and_correct_a_landmark(browser, tmp_path):
    process, url = start(tmp_path / "desk", "real")
    try:
        page = browser.new_page()
        problems = watch(page)
        new_client_and_session(page, url, "Sample", "2026-01-10")
        page.set_input_files("#photos", [str(SAMPLES / "side-left_neutral.png"), str(SAMPLES / "front_neutral.png")])
        page.click("#upload button[type=submit]")
        expect(page.locator(".photo .status.done")).to_have_count(2, timeout=120_000)
        page.click("nav a:nth-of-type(3)")  # back to the client
        page.fill("#session_date", "2026-03-10")
        page.click("#new-session button[type=submit]")
        page.wait_for_selector("#upload")
        page.set_input_files("#photos", [str(SAMPLES / "side-left_neck-flexion-20deg.png")])
        page.click("#upload button[type=submit]")
        expect(page.locator(".photo .status.done")).to_have_count(1, timeout=120_000)
        assert page.locator(".protocol-flag").count() == 0
        page.click("#compare button[type=submit]")
        page.wait_for_selector(".verdict")
        assert "2026-01-10" in page.content() and "front view was photographed only in" in page.content()
        page.go_back()
        page.click("text=Printable report")
        page.wait_for_selector("#measurements")
        page.emulate_media(media="print")
        assert len(page.pdf()) > 10_000
        page.emulate_media(media="screen")
        page.go_back()
        row = page.locator('.photo tr[data-id="head_forward_angle"] td.num')
        before = row.text_content()
        page.click("text=Correct landmarks")
        ear = page.locator('circle[data-name="left_ear"]')
        box = ear.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] - 25, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        page.click("#correct button[type=submit]")
        page.wait_for_selector(".tag.corrected")
        assert row.text_content() != before
        assert "corrected by hand" in page.locator('.photo tr[data-id="head_forward_angle"]').text_content()
        assert problems == []
    finally:
        process.terminate()
        process.wait()


def test_a_clip_uploaded_on_the_page_shows_its_poster_frame_and_sway(browser, tmp_path):
    from clips import swaying_clip

    clip = swaying_clip(tmp_path / "standing.mov", SAMPLES / "side-left_neutral.png", seconds=3.0, rate=10.0,
                        shift=lambda t: 6.0 * math.sin(math.pi * t))
    process, url = start(tmp_path / "desk", "real")
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        problems = watch(page)
        new_client_and_session(page, url, "Clip Client", "2026-01-10")
        page.set_input_files("#photos", [str(clip)])
        page.click("#upload button[type=submit]")
        poster = page.locator(".photo.clip img")
        expect(poster).to_have_count(1, timeout=240_000)
        page.wait_for_function("document.querySelector('.photo.clip img').naturalWidth > 0")
        expect(page.locator(".photo.clip .clip-summary")).to_contain_text("Combined from")
        expect(page.locator(".photo.clip table.sway tr")).to_have_count(5)  # a heading, then head, shoulders, hips, body centre
        expect(page.locator(".photo.clip .no-correction")).to_be_visible()
        assert page.locator(".photo.clip a", has_text="Correct landmarks").count() == 0
        page.screenshot(path=str(tmp_path / "clip-session.png"), full_page=True)
        assert problems == []
    finally:
        process.terminate()
        process.wait()

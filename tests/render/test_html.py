"""Tests for posture.render.html, the HTML reports: escaped text, embedded pictures without EXIF, no external
requests; and in a real browser.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from browser import chromium, open_page
from builders import SAMPLES, SYNTHETIC, built, refused
from PIL import Image

from posture.analysis import Analysis
from posture.analyzer import Analyzer
from posture.cli.main import main
from posture.compare import Session, compare, compare_sessions
from posture.errors import ExitCode
from posture.render.html import render_analysis_html, render_comparison_html

NASTY = "<img src=x onerror=alert(1)> & \"quoted\" 'single' <b>bold.png"
"""A file name full of HTML metacharacters (no slash: it must stay one file name)."""

needs_chromium = pytest.mark.skipif(
    chromium() is None,
    reason="headless Chromium is not installed (`make test` installs Debian's chromium as root; "
    "or set POSTURE_CHROMIUM)")


def images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def assert_self_contained(html: str) -> None:
    # Nothing that could make the browser fetch: no http(s) or protocol-relative URLs in attributes or CSS.
    assert not re.search(r'(?:src|href|action|poster)\s*=\s*"(?!data:|#)', html)
    assert "url(" not in html and "@import" not in html
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert "default-src 'none'" in html
    for data in images(html):
        picture = Image.open(io.BytesIO(data))
        assert picture.format == "PNG"
        assert not picture.getexif() and "exif" not in picture.info


def test_analysis_report_escapes_the_file_name_and_embeds_a_clean_png() -> None:
    analysis = built(NASTY, hip_ahead=60.0)
    html = render_analysis_html(analysis)
    assert "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quoted&#34; &#39;single&#39;" in html
    assert_self_contained(html)
    assert len(images(html)) == 1
    assert 'id="measurements"' in html and "foot–hip offset" in html
    assert "Feet behind the hips" in html  # the finding
    for caveat in analysis.caveats:
        assert caveat.text[:40].replace("'", "&#39;").replace('"', "&#34;") in html


def test_refused_photo_report_says_why() -> None:
    html = render_analysis_html(refused("wall.jpg"))
    assert "Nothing was measured" in html and "wall.jpg" in html
    assert images(html) == []
    assert_self_contained(html)


def test_comparison_report_shows_readings_verdicts_and_notes() -> None:
    first = Session("10 Jan", (built("side1.jpg", hip_ahead=80.0), built("front1.jpg", front=True)))
    second = Session(NASTY, (built("side2.jpg", hip_ahead=10.0),))
    html = render_comparison_html(compare_sessions([first, second]))
    assert_self_contained(html)
    assert "<b>bold" not in html and "&lt;b&gt;bold" in html
    row = re.search(r'<tr data-id="foot_hip_offset" data-verdict="([^"]+)">', html)
    assert row is not None and row.group(1) == "improved"
    assert "front view was photographed only in 10 Jan" in html
    assert "What the changes may mean" in html
    assert len(images(html)) == 1  # one side-by-side picture for the one compared view


def test_three_sessions_get_a_chart_per_measurement() -> None:
    comparison = compare([built("a.jpg", hip_ahead=80.0), built("b.jpg", hip_ahead=40.0),
                          built("c.jpg", hip_ahead=10.0)])
    html = render_comparison_html(comparison)
    charts = re.findall(r"<svg class=\"trend\"", html)
    assert len(charts) == len(comparison.series[0].changes)
    two = render_comparison_html(compare([built("a.jpg", hip_ahead=80.0), built("c.jpg", hip_ahead=10.0)]))
    assert "<svg class=\"trend\"" not in two


def test_comparison_report_of_two_12_megapixel_photos_is_under_3_mb(analyzer: Analyzer, tmp_path: Path) -> None:
    paths = []
    for name in ("man_tall_lean_side-right_neutral", "man_tall_lean_side-right_feet-behind+10"):
        rgb = cv2.imread(str(SYNTHETIC / f"{name}.png"))
        big = cv2.resize(rgb, (3000, 4000), interpolation=cv2.INTER_CUBIC)  # 12 MP
        noise = np.random.default_rng(0).integers(-6, 7, big.shape, dtype=np.int16)  # sensor-like grain
        path = tmp_path / f"{name}.jpg"
        cv2.imwrite(str(path), np.clip(big.astype(np.int16) + noise, 0, 255).astype(np.uint8),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
        paths.append(path)
    comparison = compare([analyzer.analyze(p) for p in paths])
    html = render_comparison_html(comparison)
    assert len(html.encode("utf-8")) < 3_000_000
    assert comparison.series and comparison.series[0].changes


# ------------------------------------------------------------------ in a real browser


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, analyzer: Analyzer) -> dict[str, Path]:
    """Reports made by the commands from renders: one photo, a before/after, a view mismatch, two people."""
    folder = tmp_path_factory.mktemp("reports")
    nasty = folder / NASTY
    nasty.write_bytes((SYNTHETIC / "woman_average_side-left_neutral.png").read_bytes())
    out = {name: folder / f"{name}.html" for name in ("single", "pair", "mismatch", "people")}
    commands = {
        "single": ["analyze", str(nasty), "--html", str(out["single"])],
        "pair": ["compare", str(nasty), str(SYNTHETIC / "woman_average_side-left_neck-flexion+30.png"),
                 "-o", str(out["pair"])],
        "mismatch": ["compare", str(SYNTHETIC / "woman_average_side-left_neutral.png"),
                     str(SYNTHETIC / "woman_average_front_pelvic-drop+0_shoulder-drop+0.png"), "-o", str(out["mismatch"])],
        "people": ["compare", str(SAMPLES / "side-left_neutral.png"), str(SAMPLES / "side-left_neck-flexion-20deg.png"),
                   "-o", str(out["people"])],
    }
    codes = {name: main(argv) for name, argv in commands.items()}
    assert codes == {"single": ExitCode.OK, "pair": ExitCode.OK, "mismatch": ExitCode.BAD_INPUT,
                     "people": ExitCode.OK}
    return out


def _check_page(path: Path, *, width: int = 1100) -> tuple[str, np.ndarray]:
    page = open_page(path, width=width)
    assert page.console == [], page.console
    assert page.requests == [], page.requests
    shot = page.screenshot
    assert shot.shape[0] > 100 and shot.shape[1] > 100
    assert float(shot.std()) > 20  # text and pictures, not a blank page
    return page.dom, shot


@needs_chromium
def test_single_photo_report_in_the_browser(reports: dict[str, Path]) -> None:
    dom, _ = _check_page(reports["single"])
    assert 'id="measurements"' in dom and "head forward angle" in dom
    # The file name full of metacharacters is text in the page, not markup.
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom
    assert "<b>bold" not in dom and "Please read first" in dom


@needs_chromium
def test_single_photo_report_on_a_phone(reports: dict[str, Path]) -> None:
    _, shot = _check_page(reports["single"], width=390)
    assert shot.shape[1] == 390


@needs_chromium
def test_before_after_report_in_the_browser(reports: dict[str, Path]) -> None:
    dom, _ = _check_page(reports["pair"])
    verdict = re.search(r'data-id="head_forward_angle" data-verdict="([^"]+)"', dom)
    assert verdict is not None and verdict.group(1) == "worsened"
    assert re.search(r'data-verdict="no detectable change"', dom)
    assert "&lt;b&gt;bold" in dom and "<b>bold" not in dom


@needs_chromium
def test_view_mismatch_report_in_the_browser(reports: dict[str, Path]) -> None:
    dom, _ = _check_page(reports["mismatch"])
    assert 'id="nothing-compared"' in dom
    assert "side view was photographed only in" in dom and "front view was photographed only in" in dom


@needs_chromium
def test_different_people_report_in_the_browser(reports: dict[str, Path]) -> None:
    dom, _ = _check_page(reports["people"])
    assert 'id="warnings"' in dom and "may show different people" in dom


@needs_chromium
def test_the_browser_check_catches_an_external_request(tmp_path: Path) -> None:
    """The checks above can fail: a page that fetches from the network or logs an error is caught."""
    page_path = tmp_path / "leaky.html"
    page_path.write_text('<html><body><img src="http://192.0.2.1/pixel.png">'
                         '<script>console.error("boom")</script></body></html>')
    page = open_page(page_path)
    assert page.requests and any("192.0.2.1" in url for url in page.requests)
    assert any("boom" in line for line in page.console)


def test_analyze_html_refuses_to_overwrite_the_photo(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     pose_model: Path) -> None:
    photo = tmp_path / "client.html"  # an odd name, but it is the input
    photo.write_bytes((SYNTHETIC / "woman_average_side-left_neutral.png").read_bytes())
    before = photo.read_bytes()
    assert main(["analyze", str(photo), "--html", str(photo)]) == ExitCode.OUTPUT
    assert photo.read_bytes() == before
    assert main(["analyze", str(photo), "--html", str(tmp_path / "report.txt")]) == ExitCode.USAGE


def test_real_photo_report(analyzer: Analyzer, shared_photo: Callable[[str], Path]) -> None:
    analysis: Analysis = analyzer.analyze(shared_photo("side_bodytracker_1.jpg"))
    html = render_analysis_html(analysis)
    assert_self_contained(html)
    assert "side_bodytracker_1.jpg" in html

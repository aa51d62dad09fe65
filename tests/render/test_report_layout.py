"""The reports' layout in a real browser and on paper: no sideways scrolling on a phone or a desktop, the summary on
the first screen, short session labels, and PDFs (``--pdf``) whose pages cut no table row.

Pages are made by the commands, measured with Playwright's sync API driving Debian's Chromium, and the PDFs are
printed by posture itself through the same Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import browser_page, chromium, pdf_page_count, pdf_table_rows
from builders import SAMPLES, SYNTHETIC, built

from posture.cli.main import main
from posture.compare import Session, compare, compare_sessions
from posture.errors import ExitCode
from posture.io.pdf import print_to_pdf
from posture.render.comparison import short_labels
from posture.render.html import render_comparison_html

needs_chromium = pytest.mark.skipif(
    chromium() is None,
    reason="headless Chromium is not installed (`make test` installs Debian's chromium as root; "
    "or set POSTURE_CHROMIUM)")

WIDTHS = (390, 1280)
"""A phone (an iPhone 12 to 15 is 390 CSS pixels wide) and a desktop window."""
PAGES = ("single", "pair", "three")

NEUTRAL = SYNTHETIC / "woman_average_side-left_neutral.png"
LEANING = SYNTHETIC / "woman_average_side-left_trunk-lean+10.png"
NECK = SYNTHETIC / "woman_average_side-left_neck-flexion+30.png"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, pose_model: Path) -> dict[str, tuple[Path, Path]]:
    """(HTML, PDF) of a one-photo report, a two-session and a three-session comparison, made by the commands."""
    if chromium() is None:
        pytest.skip("headless Chromium is not installed: no PDF can be printed")
    folder = tmp_path_factory.mktemp("layout")
    out = {name: (folder / f"{name}.html", folder / f"{name}.pdf") for name in PAGES}
    commands = {
        "single": ["analyze", str(SAMPLES / "side-right_feet-behind-10cm.png"), "--html", str(out["single"][0])],
        "pair": ["compare", str(NEUTRAL), str(NECK), "-o", str(out["pair"][0])],
        "three": ["compare", str(NEUTRAL), str(LEANING), str(NECK), "-o", str(out["three"][0])],
    }
    codes = {name: main([*argv, "--pdf", str(out[name][1])]) for name, argv in commands.items()}
    assert codes == dict.fromkeys(PAGES, ExitCode.OK)
    return out


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_sideways_scrolling_and_the_summary_on_the_first_screen(made: dict[str, tuple[Path, Path]], name: str,
                                                                   width: int) -> None:
    with browser_page(width) as page:
        page.goto(made[name][0].resolve().as_uri())
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        inner_width, inner_height = page.evaluate("[innerWidth, innerHeight]")
        assert scroll_width <= inner_width
        # Nothing inside scrolls sideways either (the old table did, in a scrolling box of its own).
        wider = page.evaluate("[...document.querySelectorAll('body *')].filter("
                              "e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'"
                              ").map(e => e.tagName + '.' + e.className)")
        assert wider == []
        summary = page.locator("#summary").bounding_box()
        assert summary is not None and 0 <= summary["y"] < inner_height
        if name != "single":
            # The verdicts are in the summary, ahead of the caveats.
            assert page.locator("#summary .verdict").count() > 0
            caveats = page.locator("#caveats").bounding_box()
            assert caveats is not None and caveats["y"] > summary["y"]


@needs_chromium
@pytest.mark.parametrize("count", [4, 8])
def test_many_sessions_fit_a_phone_a_tablet_a_desktop_and_a_page(tmp_path: Path, count: int) -> None:
    """Four or more sessions turn the table into cards on narrower windows, eight or more everywhere."""
    comparison = compare([built(f"{i:03d}_side_facing_left.jpg", hip_ahead=80.0 - 9 * i) for i in range(count)])
    page_path = tmp_path / "many.html"
    page_path.write_text(render_comparison_html(comparison), encoding="utf-8")
    with browser_page(390) as page:
        page.goto(page_path.resolve().as_uri())
        for width in (390, 700, 900, 1280):
            page.set_viewport_size({"width": width, "height": 844})
            assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), width
        page.set_viewport_size({"width": 703, "height": 1031})  # an A4 page's printable width at 12 mm margins
        page.emulate_media(media="print")
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


@needs_chromium
def test_the_width_check_can_fail(made: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    """The old layout (the table at its natural width, full file names as column labels) overflows a phone."""
    page_path = tmp_path / "wide.html"
    html = made["pair"][0].read_text(encoding="utf-8")
    page_path.write_text(html.replace("table.cards thead { display: none; }", "")
                         .replace("table.cards, table.cards tbody, table.cards tr, table.cards td", "table.none")
                         .replace("<th class=\"num\">before</th>", "<th class=\"num\">" + NEUTRAL.name + "</th>"),
                         encoding="utf-8")
    with browser_page(390) as page:
        page.goto(page_path.resolve().as_uri())
        assert page.evaluate("document.scrollingElement.scrollWidth") > page.evaluate("innerWidth")


@needs_chromium
@pytest.mark.parametrize("name", PAGES)
def test_the_pdf_is_a4_and_cuts_no_table_row(made: dict[str, tuple[Path, Path]], name: str) -> None:
    data = made[name][1].read_bytes()
    assert data.startswith(b"%PDF")
    assert pdf_page_count(data) > 0
    rows = pdf_table_rows(data)
    assert len(rows) >= 9  # every measurement is a row of a table in the PDF
    assert [pages for pages in rows if len(pages) != 1] == []


@needs_chromium
def test_the_row_check_catches_a_row_cut_by_a_page_break() -> None:
    """The same report without ``break-inside: avoid`` on rows has a row on two pages: the check above can fail."""
    comparison = compare([built("a.jpg", hip_ahead=80.0), built("b.jpg", hip_ahead=40.0),
                          built("c.jpg", hip_ahead=10.0)])
    html = render_comparison_html(comparison)
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body is not None
    long_table = html.replace(body.group(1), body.group(1) * 8)  # rows over several pages
    kept = pdf_table_rows(print_to_pdf(long_table))
    assert len(kept) > 40 and all(len(pages) == 1 for pages in kept)
    assert "tr, figure" in long_table
    cut = pdf_table_rows(print_to_pdf(long_table.replace("tr, figure", "figure")))
    assert any(len(pages) > 1 for pages in cut)


def test_session_labels_are_short_with_capture_dates() -> None:
    named = [Session(name, (built(name),)) for name in ("000_side_facing_left_before.jpg", "001_side_after.jpg")]
    assert short_labels(named) == ["before", "after"]
    dated = [Session(name, (built(name, capture_time=time),))
             for name, time in (("a.jpg", "2026-03-03T09:00:00"), ("b.jpg", "2026-04-14T10:00:00+02:00"),
                                ("c.jpg", "2026-05-05T10:00:00"))]
    assert short_labels(dated) == ["S1 3 Mar", "S2 14 Apr", "S3 5 May"]
    over_new_year = [Session("x.jpg", (built("x.jpg", capture_time="2025-12-20T09:00:00"),)),
                     Session("y.jpg", (built("y.jpg", capture_time="2026-01-10T09:00:00"),))]
    assert short_labels(over_new_year) == ["before 20 Dec 2025", "after 10 Jan 2026"]
    given = [Session("10 Jan", (built("p.jpg"),)), Session("2 Mar", (built("q.jpg"),))]
    assert short_labels(given) == ["10 Jan", "2 Mar"]
    too_long = [Session("10 Jan", (built("p.jpg"),)), Session("the second visit, in March", (built("q.jpg"),))]
    assert short_labels(too_long) == ["before", "after"]


def test_columns_and_charts_use_the_short_labels_and_the_legend_the_names() -> None:
    names = ("000_side_facing_left_a.jpg", "001_side_facing_left_b.jpg", "002_side_facing_left_c.jpg")
    comparison = compare([built(names[0], hip_ahead=80.0), built(names[1], hip_ahead=40.0),
                          built(names[2], hip_ahead=10.0)])
    html = render_comparison_html(comparison)
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head is not None and "S1" in head.group(1) and "000_side" not in head.group(1)
    ticks = re.findall(r'class="tick" text-anchor="middle">([^<]*)<', html)
    assert ticks and set(ticks) == {"S1", "S2", "S3"}
    legend = re.search(r'<dl class="legend">(.*?)</dl>', html, re.S)
    assert legend is not None and all(name in legend.group(1) for name in names)
    summary = re.search(r'<section class="summary" id="summary">(.*?)</section>', html, re.S)
    assert summary is not None and "foot–hip offset" in summary.group(1) and "noise (MDC)" in summary.group(1)
    assert html.index('id="summary"') < html.index('id="caveats"')


def test_a_change_within_the_noise_is_no_detectable_change_in_the_summary() -> None:
    comparison = compare_sessions([Session("1", (built("a.jpg", hip_ahead=40.0),)),
                                   Session("2", (built("b.jpg", hip_ahead=40.0),))])
    html = render_comparison_html(comparison)
    summary = re.search(r'<section class="summary" id="summary">(.*?)</section>', html, re.S)
    assert summary is not None
    assert "no measurement changed by more than its noise: these photos show no detectable change" in summary.group(1)

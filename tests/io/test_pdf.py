"""Tests for posture.io.pdf: an HTML page printed to an A4 PDF by headless Chromium, and one sentence without it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import chromium, pdf_page_count
from builders import SAMPLES

from posture.cli.main import main
from posture.errors import ExitCode, OutputError
from posture.io.pdf import CHROMIUM_VARIABLE, find_chromium, print_to_pdf

needs_chromium = pytest.mark.skipif(
    chromium() is None,
    reason="headless Chromium is not installed (`make test` installs Debian's chromium as root; "
    "or set POSTURE_CHROMIUM)")

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>@page { size: A4; margin: 12mm; }</style></head>
<body><h1>Posture</h1><p>One page.</p></body></html>"""


@needs_chromium
def test_a_page_prints_to_an_a4_pdf() -> None:
    data = print_to_pdf(PAGE)
    assert data.startswith(b"%PDF")
    assert pdf_page_count(data) == 1
    box = re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert box is not None
    assert (round(float(box.group(1))), round(float(box.group(2)))) == (595, 842)  # A4 in points


def test_without_chromium_one_sentence_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CHROMIUM_VARIABLE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no chromium on the PATH
    assert find_chromium() is None
    with pytest.raises(OutputError, match=r"^The PDF was not written: .*not installed .*chromium package.*\.$"):
        print_to_pdf(PAGE)


def test_posture_chromium_naming_a_missing_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CHROMIUM_VARIABLE, str(tmp_path / "no-chromium"))
    with pytest.raises(OutputError, match=r"POSTURE_CHROMIUM names '.*no-chromium', which is not a program"):
        print_to_pdf(PAGE)


def test_a_program_that_prints_nothing_is_an_output_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_VARIABLE, "true")  # runs, exits 0, writes no PDF
    with pytest.raises(OutputError, match="printed no PDF"):
        print_to_pdf(PAGE)


@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_pdf_without_chromium_writes_the_other_outputs_and_exits_7(
        command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        pose_model: Path) -> None:
    monkeypatch.setenv(CHROMIUM_VARIABLE, str(tmp_path / "absent" / "chromium"))
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    photo = SAMPLES / "side-left_neutral.png"
    argv = (["analyze", str(photo), "--fast", "--html", str(html)] if command == "analyze"
            else ["compare", str(photo), str(photo), "-o", str(html)])
    code = main([*argv, "--pdf", str(pdf)])
    captured = capsys.readouterr()
    assert code == ExitCode.OUTPUT == 7
    lines = captured.err.splitlines()
    assert lines[-1].startswith("posture: The PDF was not written: POSTURE_CHROMIUM names "), captured.err
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert captured.out  # the report on standard output too
    assert not pdf.exists()

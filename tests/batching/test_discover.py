"""Tests for posture.batching.discover and posture.batching.heights (no model): which files in a folder are photos,
the heights file, and what a run checks before it starts (heights, workers, table cells).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from posture.batching.discover import discover
from posture.batching.heights import Heights, read_heights
from posture.batching.run import run_batch
from posture.batching.tables import ANNOTATED_DIR, FAILURES_CSV, RESULTS_CSV, RESULTS_JSONL, SUMMARY_JSON, parse_cell
from posture.cli.args import height_cm_argument
from posture.errors import InputError
from posture.limits import usable_cpus

# --------------------------------------------------------------------------- discovery and heights (no model)


def test_discover_reports_what_is_not_a_photo(tmp_path: Path) -> None:
    (tmp_path / "a.JPG").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a photo")
    (tmp_path / ".DS_Store").write_bytes(b"ignored")
    (tmp_path / "x.jpg").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(b"x")
    (tmp_path / "loop1.jpg").symlink_to(tmp_path / "loop2.jpg")
    (tmp_path / "loop2.jpg").symlink_to(tmp_path / "loop1.jpg")
    (tmp_path / "gone.png").symlink_to(tmp_path / "missing.png")
    (tmp_path / "sub" / "back").symlink_to(tmp_path)  # a folder loop, seen only when recursive

    flat = discover(tmp_path)
    assert flat.photos == (str(tmp_path / "a.JPG"),)
    reasons = {Path(f["path"]).name: (f["kind"], f["reason"]) for f in flat.failures}
    assert set(reasons) == {"notes.txt", "x.jpg", "loop1.jpg", "loop2.jpg", "gone.png"}
    assert reasons["notes.txt"][0] == "skipped"
    assert "folder" in reasons["x.jpg"][1]
    assert "loop" in reasons["loop1.jpg"][1] and "broken" in reasons["gone.png"][1]
    assert flat.folders_not_searched == 1

    deep = discover(tmp_path, recursive=True)
    assert str(tmp_path / "sub" / "b.png") in deep.photos
    assert any(Path(f["path"]).name == "back" and "already searched" in f["reason"] for f in deep.failures)
    # The output folder inside the input folder is not searched.
    assert str(tmp_path / "sub" / "b.png") not in discover(tmp_path, recursive=True, exclude=tmp_path / "sub").photos


def test_discover_leaves_out_what_a_run_wrote_into_the_photo_folder_itself(tmp_path: Path) -> None:
    """With -o set to the photo folder, its tables and annotated pictures are not read as photos or failures."""
    (tmp_path / "a.png").write_bytes(b"x")
    for name in (RESULTS_CSV, RESULTS_JSONL, FAILURES_CSV, SUMMARY_JSON):
        (tmp_path / name).write_text("written by a run")
    (tmp_path / ANNOTATED_DIR).mkdir()
    (tmp_path / ANNOTATED_DIR / "a.png.png").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / RESULTS_CSV).write_text("not the output folder's: a file like any other")
    for recursive in (False, True):
        found = discover(tmp_path, recursive=recursive, exclude=tmp_path)
        assert found.photos == (str(tmp_path / "a.png"),)
        assert found.folders_not_searched == (0 if recursive else 1)
        assert [(f["path"], f["kind"]) for f in found.failures] == (
            [(str(tmp_path / "sub" / RESULTS_CSV), "skipped")] if recursive else [])


def test_a_link_to_a_folder_searched_under_its_own_path_is_a_duplicate_not_a_loop(tmp_path: Path) -> None:
    """The real folder is searched under its real path, whether the link sorts before it or after it."""
    (tmp_path / "m" / "real").mkdir(parents=True)
    (tmp_path / "m" / "real" / "b.png").write_bytes(b"x")
    (tmp_path / "a_link").symlink_to(tmp_path / "m" / "real")  # sorts before the folder, and is shallower
    (tmp_path / "z_link").symlink_to(tmp_path / "m" / "real")
    found = discover(tmp_path, recursive=True)
    assert found.photos == (str(tmp_path / "m" / "real" / "b.png"),)
    reasons = {Path(f["path"]).name: (f["kind"], f["reason"]) for f in found.failures}
    assert set(reasons) == {"a_link", "z_link"}
    assert all(kind == "skipped" and "under another path" in reason and "loop" not in reason
               for kind, reason in reasons.values())


def test_a_link_to_a_folder_outside_is_searched_once(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "c.png").write_bytes(b"x")
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "one").symlink_to(outside)
    (folder / "two").symlink_to(outside)
    found = discover(folder, recursive=True)
    assert found.photos == (str(folder / "one" / "c.png"),)
    assert [(Path(f["path"]).name, f["kind"]) for f in found.failures] == [("two", "skipped")]


def test_discover_refuses_a_file_or_a_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"x")
    with pytest.raises(InputError, match="not a folder"):
        discover(tmp_path / "a.jpg")
    with pytest.raises(InputError, match="cannot be read"):
        discover(tmp_path / "missing")


def test_a_folder_of_10000_entries(tmp_path: Path) -> None:
    for number in range(10_000):
        (tmp_path / f"{number:05d}.{'jpg' if number % 2 else 'txt'}").touch()
    found = discover(tmp_path)
    assert len(found.photos) == 5_000 and len(found.failures) == 5_000
    assert list(found.photos) == sorted(found.photos)


def test_heights_by_file_and_by_subject(tmp_path: Path) -> None:
    by_file = tmp_path / "files.csv"
    by_file.write_text("file,height_cm\nside.jpg,172\nanna/front.jpg,160.5\n")
    table = read_heights(by_file)
    assert table.height_for("side.jpg") == 172.0
    assert table.height_for("x/side.jpg") == 172.0  # the bare name matches anywhere
    assert table.height_for("anna/front.jpg") == 160.5
    assert table.height_for("front.jpg") is None

    subjects = Heights(by_subject={"anna": 160.0, "ann": 150.0, "bo": 190.0})
    assert subjects.height_for("anna/side.jpg") == 160.0  # a folder named after the subject
    assert subjects.height_for("anna_side.jpg") == 160.0  # the longest matching name start wins
    assert subjects.height_for("ann-side.jpg") == 150.0
    assert subjects.height_for("bob.jpg") is None  # "bo" followed by a letter is another name
    assert Heights(by_file={"bob.jpg": 180.0}, by_subject={"bob": 170.0}).height_for("bob.jpg") == 180.0


@pytest.mark.parametrize(("text", "message"), [
    ("file,height_cm\nside.jpg,17\n", "Line 2.*not a standing height"),
    ("file,height_cm\nside.jpg,tall\n", "not a standing height"),
    ("photo_name,cm\nside.jpg,170\n", "needs a header"),
    ("", "empty"),
])
def test_bad_heights_files_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "heights.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_heights(path)


@pytest.mark.parametrize("text", ["49.9", "250.5", "-170", "nan", "inf", "tall", ""])
def test_the_heights_file_and_height_cm_refuse_the_same_heights_in_the_same_words(tmp_path: Path,
                                                                                  text: str) -> None:
    path = tmp_path / "heights.csv"
    path.write_text(f"file,height_cm\nside.jpg,{text}\n")
    sentence = f"{text!r} is not a standing height in cm (expected a number from 50 to 250)"
    with pytest.raises(InputError) as from_file:
        read_heights(path)
    assert str(from_file.value) == f"Line 2 of {str(path)!r}: {sentence}."
    with pytest.raises(argparse.ArgumentTypeError) as from_option:
        height_cm_argument(text)
    assert str(from_option.value) == sentence


@pytest.mark.parametrize("text", ["50", "250", "172.5", " 160 "])
def test_the_heights_file_and_height_cm_take_the_same_heights(tmp_path: Path, text: str) -> None:
    path = tmp_path / "heights.csv"
    path.write_text(f"file,height_cm\nside.jpg,{text}\n")
    assert read_heights(path).height_for("side.jpg") == height_cm_argument(text) == float(text)


def test_run_batch_refuses_a_height_that_is_not_a_standing_height(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="height_cm=300 is not a standing height"):
        run_batch(tmp_path, tmp_path / "out", height_cm=300)
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_workers_default_to_the_cpus_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    assert usable_cpus() == 3
    monkeypatch.delattr(os, "sched_getaffinity")  # as on macOS and Windows
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert usable_cpus() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown
    assert usable_cpus() == 1


def test_cells_read_back_as_values() -> None:
    assert parse_cell("trunk_lean", "") is None
    assert parse_cell("trunk_lean", "-2.5") == -2.5
    assert parse_cell("input_width", "1920") == 1920
    assert parse_cell("stride", "false") is False
    assert parse_cell("name", "123") == "123"  # text columns stay text
    assert parse_cell("trunk_lean_unit", "deg") == "deg"

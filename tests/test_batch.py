"""posture batch: discovery, the tables, parallel workers, resume, a killed worker, Dask, the CLI and the API.

Runs that start worker processes cost about a second each to start, so the
folder of photos and the reference run (one worker) are shared by the module.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from posture.analysis import columns
from posture.batching import run as batch_run
from posture.batching.api import Rows
from posture.batching.discover import discover
from posture.batching.engines import DaskEngine, InProcessEngine, ProcessPoolEngine, pick_engine
from posture.batching.heights import Heights, read_heights
from posture.batching.run import run_batch
from posture.batching.tables import FAILURES_CSV, RESULTS_CSV, RESULTS_JSONL, failure_record, parse_cell
from posture.batching.work import Options, Record, Task
from posture.cli.args import height_cm_argument
from posture.cli.main import main
from posture.errors import ExitCode, InputError, OutputError
from posture.io.loading import DEFAULT_MAX_PIXELS
from posture.limits import usable_cpus

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "samples").glob("*.png"))
PHOTOS = REPO.parent / "shared" / "photos"
# Real photos when they sit beside the checkout: analysed ones and refused ones.
SHARED_NAMES = ("side_bodytracker_1.jpg", "side_biomechgait_normal01.jpg", "back_standing_woman_h36m_room_01.jpg",
                "sitting_woman_street_01.jpg", "no_person_stop_sign_01.jpg", "side_livelab_sagittalP2_1.jpg")
TABLES = (RESULTS_CSV, RESULTS_JSONL, FAILURES_CSV)


def _link_photos(folder: Path, copies: int = 2) -> list[Path]:
    """Symbolic links to the committed samples and the shared photos present, each under ``copies`` names."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [*SAMPLES, *(PHOTOS / name for name in SHARED_NAMES if (PHOTOS / name).is_file())]
    made = []
    for copy in range(copies):
        for source in sources:
            link = folder / f"{copy}_{source.name}"
            link.symlink_to(source)
            made.append(link)
    return made


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def _tables(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    _link_photos(folder)
    return folder


@pytest.fixture(scope="module")
def reference(photo_folder: Path, tmp_path_factory: pytest.TempPathFactory, pose_model: Path) -> Path:
    """An uninterrupted run with one worker process: the tables every other way must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    outcome = run_batch(photo_folder, out, workers=1, model=pose_model)
    assert not outcome.interrupted
    return out


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


# --------------------------------------------------------------------------- engines


def test_the_run_picks_the_engine_from_its_settings() -> None:
    assert isinstance(pick_engine(workers=0), InProcessEngine)
    pool = pick_engine(workers=3)
    assert isinstance(pool, ProcessPoolEngine) and pool.workers == 3
    assert isinstance(pick_engine(workers=3, dask="tcp://scheduler:8786"), DaskEngine)


def test_the_in_process_engine_hands_over_each_record_and_honours_stop(tmp_path: Path, pose_model: Path) -> None:
    options = Options(model=str(pose_model), max_pixels=DEFAULT_MAX_PIXELS, uncertainty=False)
    tasks = [Task(str(SAMPLES[0])), Task(str(tmp_path / "missing.png")), Task(str(SAMPLES[1]), height_cm=170.0)]
    records: list[Record] = []
    InProcessEngine().run(iter(tasks), options, records.append, threading.Event())
    assert [(record["path"], record["outcome"]) for record in records] == [
        (tasks[0].path, "result"), (tasks[1].path, "failure"), (tasks[2].path, "result")]
    assert records[0]["row"]["status"] == "ok" and records[1]["kind"] == "input"
    assert records[2]["row"]["height_cm"] == 170.0

    stop = threading.Event()
    handed: list[Record] = []

    def stop_after_the_first(record: Record) -> None:
        handed.append(record)
        stop.set()

    InProcessEngine().run(iter(tasks), options, stop_after_the_first, stop)
    assert [record["path"] for record in handed] == [tasks[0].path]


def test_a_batch_in_process_gives_the_rows_and_tables_of_a_worker_process(tmp_path: Path, pose_model: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for sample in SAMPLES:
        shutil.copy(sample, folder / sample.name)
    (folder / "notes.txt").write_text("not a photo")
    here = run_batch(folder, tmp_path / "here", workers=0, uncertainty=False, model=pose_model, collect_rows=True)
    pool = run_batch(folder, tmp_path / "pool", workers=1, uncertainty=False, model=pose_model, collect_rows=True)
    assert [row["path"] for row in here.rows] == [str(folder / sample.name) for sample in SAMPLES]
    assert {row["status"] for row in here.rows} == {"ok"}
    assert here.rows == pool.rows
    assert [failure["path"] for failure in here.failures] == [str(folder / "notes.txt")]
    assert _tables(tmp_path / "here") == _tables(tmp_path / "pool")


class _ScriptedEngine:
    """Hands every photo back as a failure without analysing it, and stops the run after ``stop_after`` photos."""

    def __init__(self, stop_after: int) -> None:
        self.stop_after = stop_after
        self.given: list[Task] = []

    def run(self, tasks: Iterator[Task], options: Options, handle: Callable[[Record], None],
            stop: threading.Event) -> None:
        for task in tasks:
            self.given.append(task)
            handle(failure_record(task.path, "worker", "scripted"))
            if len(self.given) == self.stop_after:
                stop.set()
                return


def test_the_run_writes_whatever_its_engine_hands_back(tmp_path: Path, pose_model: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for sample in SAMPLES[:3]:
        shutil.copy(sample, folder / sample.name)
    engine = _ScriptedEngine(stop_after=2)
    monkeypatch.setattr(batch_run, "pick_engine", lambda **settings: engine)
    outcome = run_batch(folder, tmp_path / "out", height_cm=170, model=pose_model)
    assert [(task.path, task.height_cm) for task in engine.given] == [
        (str(folder / sample.name), 170.0) for sample in SAMPLES[:2]]
    assert outcome.interrupted
    assert _read_csv(tmp_path / "out" / FAILURES_CSV)[1:] == [
        [str(folder / sample.name), "worker", "scripted"] for sample in SAMPLES[:2]]
    assert _read_csv(tmp_path / "out" / RESULTS_CSV) == [list(columns())]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_full_disk_is_an_output_error_that_leaves_no_temporary_file(tmp_path: Path, pose_model: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      failing: str) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    out = tmp_path / "out"

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, full)
    with pytest.raises(OutputError, match="No space left on device"):
        run_batch(folder, out, workers=0, model=pose_model)
    assert list(out.iterdir()) == []


# --------------------------------------------------------------------------- runs


def test_mixed_folder_gives_every_file_one_row(tmp_path: Path, pose_model: Path,
                                               shared_photo: Callable[[str], Path]) -> None:
    """Real photos, broken files, odd names, loops: each file once in results or failures; inputs untouched."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = shared_photo("side_bodytracker_1.jpg")
    shutil.copy(good, folder / "ünïcødé 写真.jpg")
    shutil.copy(SAMPLES[0], folder / "with space.png")
    shutil.copy(SAMPLES[1], folder / "new\nline.png")
    shutil.copy(shared_photo("no_person_stop_sign_01.jpg"), folder / "stop sign.jpg")
    (folder / "empty.jpg").touch()
    (folder / "truncated.jpg").write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    (folder / "text.jpg").write_text("this is not a JPEG\n")
    (folder / "notes.txt").write_text("a text file")
    (folder / "x.jpg").mkdir()
    (folder / "loop_a.jpg").symlink_to(folder / "loop_b.jpg")
    (folder / "loop_b.jpg").symlink_to(folder / "loop_a.jpg")
    (folder / "link.jpg").symlink_to(good)
    before = {path.name: (path.lstat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
              for path in folder.iterdir() if path.is_file()}
    out = tmp_path / "out"

    assert main(["batch", str(folder), "-o", str(out), "--workers", "2", "--quiet",
                 "--model", str(pose_model)]) == ExitCode.OK

    results = _read_csv(out / RESULTS_CSV)
    assert tuple(results[0]) == columns()
    assert all(len(row) == len(results[0]) for row in results)
    rows = [dict(zip(results[0], row)) for row in results[1:]]
    failures = [dict(zip(FAILURE_COLUMNS_, row)) for row in _read_csv(out / FAILURES_CSV)[1:]]
    analysed = {Path(row["path"]).name: row for row in rows}
    failed = {Path(row["path"]).name: row for row in failures}
    every = {entry.name for entry in folder.iterdir()}
    assert not set(analysed) & set(failed)
    assert set(analysed) | set(failed) == every
    assert set(analysed) == {"ünïcødé 写真.jpg", "with space.png", "new\nline.png", "stop sign.jpg", "link.jpg"}
    assert analysed["ünïcødé 写真.jpg"]["status"] == "ok"
    assert analysed["stop sign.jpg"]["status"] == "refused"
    assert analysed["new\nline.png"]["path"] == str(folder / "new\nline.png")
    assert {name: row["kind"] for name, row in failed.items()} == {
        "empty.jpg": "input", "truncated.jpg": "input", "text.jpg": "input", "notes.txt": "skipped",
        "x.jpg": "input", "loop_a.jpg": "input", "loop_b.jpg": "input"}
    assert all(row["reason"] for row in failures)
    records = [json.loads(line) for line in (out / RESULTS_JSONL).read_text(encoding="utf-8").splitlines()]
    assert [record["image"]["path"] for record in records] == [row["path"] for row in rows]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["results"], summary["failures"]) == (5, 7)
    assert summary["status"] == {"ok": 4, "refused": 1}
    after = {path.name: (path.lstat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
             for path in folder.iterdir() if path.is_file()}
    assert after == before


FAILURE_COLUMNS_ = ("path", "kind", "reason")


def test_two_workers_give_the_same_tables_as_one(photo_folder: Path, reference: Path, tmp_path: Path,
                                                 pose_model: Path) -> None:
    outcome = run_batch(photo_folder, tmp_path, workers=2, model=pose_model)
    assert outcome.summary["results"] == len(list(photo_folder.iterdir()))
    assert _tables(tmp_path) == _tables(reference)


def test_dask_local_cluster_gives_the_same_tables(photo_folder: Path, reference: Path, tmp_path: Path,
                                                  pose_model: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        run_batch(photo_folder, tmp_path, dask=client, model=pose_model)
    assert _tables(tmp_path) == _tables(reference)


def test_interrupt_then_resume_gives_the_uninterrupted_tables(photo_folder: Path, reference: Path,
                                                              tmp_path: Path, pose_model: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "posture", "batch", str(photo_folder), "-o", str(out), "--workers", "1",
               "--model", str(pose_model)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        jsonl = out / RESULTS_JSONL
        if jsonl.exists() and jsonl.read_bytes().count(b"\n") >= 3:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    partial = _read_csv(out / RESULTS_CSV)
    total = len(list(photo_folder.iterdir()))
    assert 3 <= len(partial) - 1 < total  # interrupted part-way, and what finished is a valid table
    assert partial[0] == list(columns())

    # Photos are recognised by content: the second name of a photo done before is not analysed either.
    done_contents = {row[columns().index("input_sha256")] for row in partial[1:]}
    reusable = sum(hashlib.sha256(path.read_bytes()).hexdigest() in done_contents for path in photo_folder.iterdir())
    outcome = run_batch(photo_folder, out, workers=1, resume=True, model=pose_model)
    assert outcome.summary["reused_from_earlier_run"] == reusable
    assert outcome.summary["analysed_this_run"] == total - reusable
    assert _tables(out) == _tables(reference)


def test_resume_recognises_a_renamed_photo(tmp_path: Path, pose_model: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for sample in SAMPLES[:2]:
        shutil.copy(sample, folder / sample.name)
    out = tmp_path / "out"
    run_batch(folder, out, workers=0, model=pose_model)
    (folder / SAMPLES[0].name).rename(folder / "renamed.png")
    seen: list[dict[str, object]] = []
    outcome = run_batch(folder, out, workers=0, resume=True, model=pose_model, on_record=seen.append)
    assert [record["outcome"] for record in seen] == ["reused", "reused"]
    assert outcome.summary["analysed_this_run"] == 0
    rows = _read_csv(out / RESULTS_CSV)
    assert sorted(Path(row[1]).name for row in rows[1:]) == sorted(["renamed.png", SAMPLES[1].name])
    renamed = next(row for row in rows[1:] if row[1].endswith("renamed.png"))
    assert renamed[2] == "renamed.png"  # the name column follows the new path
    records = [json.loads(line) for line in (out / RESULTS_JSONL).read_text().splitlines()]
    assert sorted(record["image"]["name"] for record in records) == sorted(["renamed.png", SAMPLES[1].name])

    # Asking for another height is another analysis: nothing is reused.
    again: list[dict[str, object]] = []
    run_batch(folder, out, workers=0, resume=True, height_cm=170, model=pose_model, on_record=again.append)
    assert [record["outcome"] for record in again] == ["result", "result"]
    assert {row[columns().index("height_cm")] for row in _read_csv(out / RESULTS_CSV)[1:]} == {"170.0"}


def test_a_killed_worker_costs_one_failure_row(photo_folder: Path, reference: Path, tmp_path: Path,
                                               pose_model: Path) -> None:
    started: list[str] = []

    def kill_the_third(task: Task, pid: int) -> None:
        started.append(task.path)
        if len(started) == 3:
            os.kill(pid, signal.SIGKILL)

    outcome = run_batch(photo_folder, tmp_path, workers=2, model=pose_model, on_start=kill_the_third)
    assert not outcome.interrupted
    failures = _read_csv(tmp_path / FAILURES_CSV)[1:]
    assert len(failures) == 1
    path, kind, reason = failures[0]
    assert (path, kind) == (started[2], "worker") and "SIGKILL" in reason
    # Every other photo is in the table, exactly as the uninterrupted run has it.
    reference_rows = [row for row in _read_csv(reference / RESULTS_CSV) if row[1] != started[2]]
    assert _read_csv(tmp_path / RESULTS_CSV) == reference_rows


def test_an_earlier_run_is_not_overwritten_without_resume(tmp_path: Path, pose_model: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / RESULTS_CSV).write_text("earlier\n")
    code = main(["batch", str(tmp_path / "photos"), "-o", str(tmp_path / "out"), "--model", str(pose_model)])
    assert code == ExitCode.OUTPUT
    assert "--resume" in capsys.readouterr().err
    assert (tmp_path / "out" / RESULTS_CSV).read_text() == "earlier\n"


def test_heights_and_annotations_in_process(tmp_path: Path, pose_model: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    side = next(sample for sample in SAMPLES if sample.name.startswith("side-right"))
    back = next(sample for sample in SAMPLES if sample.name.startswith("back"))
    shutil.copy(side, folder / "anna_side.png")
    shutil.copy(back, folder / "bo_back.png")
    heights = tmp_path / "heights.csv"
    heights.write_text("subject,height_cm\nanna,175\n")
    out = tmp_path / "out"
    outcome = run_batch(folder, out, workers=0, heights=heights, annotate=True, model=pose_model, collect_rows=True)
    by_name = {row["name"]: row for row in outcome.rows}
    assert by_name["anna_side.png"]["height_cm"] == 175.0
    assert by_name["anna_side.png"]["foot_hip_offset_unit"] == "cm"
    assert by_name["bo_back.png"]["height_cm"] is None
    picture = out / "annotated" / "anna_side.png.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_api_returns_the_rows(tmp_path: Path, pose_model: Path) -> None:
    import posture

    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLES[0], folder / SAMPLES[0].name)
    (folder / "readme.txt").write_text("x")
    rows = posture.batch(folder, workers=0, model=pose_model)
    try:
        import pandas  # noqa: F401
    except ImportError:
        assert isinstance(rows, Rows)
        assert rows[0]["name"] == SAMPLES[0].name and rows[0]["status"] == "ok"
        failures = rows.failures
    else:
        assert list(rows.columns) == list(columns())
        assert rows.loc[0, "name"] == SAMPLES[0].name
        failures = rows.attrs["failures"]
    assert [Path(failure["path"]).name for failure in failures] == ["readme.txt"]


def test_progress_lines_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from posture.cli.batch import _PlainProgress

    progress = _PlainProgress(every=0.0)
    progress.start(4)
    progress.advance({"outcome": "result", "path": "a.jpg"})
    progress.advance({"outcome": "failure", "path": "b.txt", "kind": "skipped", "reason": "x"})
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("posture: 1 of 4 done (25%)") and "photos/s" in lines[0] and "left" in lines[0]
    assert lines[1].startswith("posture: 2 of 4 done (50%)")


def test_quiet_prints_nothing_and_the_summary_names_the_counts(tmp_path: Path, pose_model: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    assert main(["batch", str(folder), "-o", str(tmp_path / "quiet"), "-q", "--model", str(pose_model)]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["batch", str(folder), "-o", str(tmp_path / "loud"), "--model", str(pose_model)]) == 0
    printed = capsys.readouterr().out
    assert "0 photos, 0 results" in printed and "1 failures (skipped 1)" in printed


def test_resume_after_a_crash_mid_line(photo_folder: Path, reference: Path, tmp_path: Path,
                                       pose_model: Path) -> None:
    """A crash can cut the last line of a streamed file; resume redoes that photo and ends as if never cut."""
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    csv_bytes = (out / RESULTS_CSV).read_bytes()
    jsonl = (out / RESULTS_JSONL).read_bytes().splitlines(keepends=True)
    last = json.loads(jsonl[-1])["image"]["name"]  # "1_<photo>"; "0_<photo>" is the same content
    kept = [line for line in jsonl[:-1] if json.loads(line)["image"]["name"] != "0" + last[1:]]
    (out / RESULTS_JSONL).write_bytes(b"".join(kept) + jsonl[-1][: len(jsonl[-1]) // 2])
    (out / RESULTS_CSV).write_bytes(csv_bytes + csv_bytes.splitlines(keepends=True)[1][:40])
    seen: list[dict[str, object]] = []
    run_batch(photo_folder, out, workers=0, resume=True, model=pose_model, on_record=seen.append)
    assert sorted(Path(str(r["path"])).name for r in seen if r["outcome"] == "result") == ["0" + last[1:], last]
    assert _tables(out) == _tables(reference)  # in this process, as in worker processes

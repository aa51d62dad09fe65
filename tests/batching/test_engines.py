"""Tests for posture.batching.engines: in-process, process-pool and Dask engines, and picking one."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from batch_tables import SAMPLE_PHOTOS, broken_model, read_csv, tables

from posture.analysis import columns
from posture.batching import run as batch_run
from posture.batching.engines import DaskEngine, InProcessEngine, ProcessPoolEngine, pick_engine
from posture.batching.run import run_batch
from posture.batching.tables import FAILURES_CSV, RESULTS_CSV, failure_record
from posture.batching.work import Options, Record, Task, analyze_photo
from posture.errors import ModelError, OutputError
from posture.io.loading import DEFAULT_MAX_PIXELS

# --------------------------------------------------------------------------- engines


def test_the_run_picks_the_engine_from_its_settings() -> None:
    assert isinstance(pick_engine(workers=0), InProcessEngine)
    pool = pick_engine(workers=3)
    assert isinstance(pool, ProcessPoolEngine) and pool.workers == 3
    assert isinstance(pick_engine(workers=3, dask="tcp://scheduler:8786"), DaskEngine)


def test_the_in_process_engine_hands_over_each_record_and_honours_stop(tmp_path: Path, pose_model: Path) -> None:
    options = Options(model=str(pose_model), max_pixels=DEFAULT_MAX_PIXELS, uncertainty=False)
    tasks = [Task(str(SAMPLE_PHOTOS[0])), Task(str(tmp_path / "missing.png")), Task(str(SAMPLE_PHOTOS[1]), height_cm=170.0)]
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


def test_a_model_that_does_not_load_leaves_no_closed_analyzer_in_use(tmp_path: Path, pose_model: Path) -> None:
    """A thread keeps its Analyzer between runs; the one it closed to open another model must not be kept."""
    usable = Options(model=str(pose_model), max_pixels=DEFAULT_MAX_PIXELS, uncertainty=False)
    task = Task(str(SAMPLE_PHOTOS[0]))
    assert analyze_photo(task, usable)["outcome"] == "result"
    with pytest.raises(ModelError):
        analyze_photo(task, replace(usable, model=str(broken_model(tmp_path / "broken.task"))))
    assert analyze_photo(task, usable)["outcome"] == "result"


def test_a_batch_in_process_gives_the_rows_and_tables_of_a_worker_process(tmp_path: Path, pose_model: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for sample in SAMPLE_PHOTOS:
        shutil.copy(sample, folder / sample.name)
    (folder / "notes.txt").write_text("not a photo")
    here = run_batch(folder, tmp_path / "here", workers=0, uncertainty=False, model=pose_model, collect_rows=True)
    pool = run_batch(folder, tmp_path / "pool", workers=1, uncertainty=False, model=pose_model, collect_rows=True)
    assert [row["path"] for row in here.rows] == [str(folder / sample.name) for sample in SAMPLE_PHOTOS]
    assert {row["status"] for row in here.rows} == {"ok"}
    assert here.rows == pool.rows
    assert [failure["path"] for failure in here.failures] == [str(folder / "notes.txt")]
    assert tables(tmp_path / "here") == tables(tmp_path / "pool")


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
    for sample in SAMPLE_PHOTOS[:3]:
        shutil.copy(sample, folder / sample.name)
    engine = _ScriptedEngine(stop_after=2)
    monkeypatch.setattr(batch_run, "pick_engine", lambda **settings: engine)
    outcome = run_batch(folder, tmp_path / "out", height_cm=170, model=pose_model)
    assert [(task.path, task.height_cm) for task in engine.given] == [
        (str(folder / sample.name), 170.0) for sample in SAMPLE_PHOTOS[:2]]
    assert outcome.interrupted
    assert read_csv(tmp_path / "out" / FAILURES_CSV)[1:] == [
        [str(folder / sample.name), "worker", "scripted"] for sample in SAMPLE_PHOTOS[:2]]
    assert read_csv(tmp_path / "out" / RESULTS_CSV) == [list(columns())]


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

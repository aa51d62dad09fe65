"""Tests for posture.batching.run: whole runs of posture batch on a folder of photos, with one or more workers
or Dask, interrupted and resumed, a killed worker, the command line and the API.

Runs that start worker processes cost about a second each to start, so the
folder of photos and the reference run (one worker) are shared by the module.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from batch_tables import SAMPLE_PHOTOS, broken_model, read_csv, tables
from builders import PHOTOS
from PIL import Image

from posture.analysis import columns
from posture.batching import tables as batch_tables_module
from posture.batching.api import Rows
from posture.batching.run import run_batch
from posture.batching.tables import FAILURES_CSV, RESULTS_CSV, RESULTS_JSONL
from posture.batching.work import Task
from posture.cli.main import main
from posture.errors import ExitCode, ModelError

# Real photos when they sit beside the checkout: analysed ones and refused ones.
SHARED_NAMES = ("side_bodytracker_1.jpg", "side_biomechgait_normal01.jpg", "back_standing_woman_h36m_room_01.jpg",
                "sitting_woman_street_01.jpg", "no_person_stop_sign_01.jpg", "side_livelab_sagittalP2_1.jpg")


def _link_photos(folder: Path, copies: int = 2) -> list[Path]:
    """Symbolic links to the committed samples and the shared photos present, each under ``copies`` names."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [*SAMPLE_PHOTOS, *(PHOTOS / name for name in SHARED_NAMES if (PHOTOS / name).is_file())]
    made = []
    for copy in range(copies):
        for source in sources:
            link = folder / f"{copy}_{source.name}"
            link.symlink_to(source)
            made.append(link)
    return made


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


# --------------------------------------------------------------------------- runs


def test_mixed_folder_gives_every_file_one_row(tmp_path: Path, pose_model: Path,
                                               shared_photo: Callable[[str], Path]) -> None:
    """Real photos, broken files, odd names, loops: each file once in results or failures; inputs untouched."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = shared_photo("side_bodytracker_1.jpg")
    shutil.copy(good, folder / "ünïcødé 写真.jpg")
    shutil.copy(SAMPLE_PHOTOS[0], folder / "with space.png")
    shutil.copy(SAMPLE_PHOTOS[1], folder / "new\nline.png")
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

    results = read_csv(out / RESULTS_CSV)
    assert tuple(results[0]) == columns()
    assert all(len(row) == len(results[0]) for row in results)
    rows = [dict(zip(results[0], row)) for row in results[1:]]
    failures = [dict(zip(FAILURE_COLUMNS_, row)) for row in read_csv(out / FAILURES_CSV)[1:]]
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
    assert tables(tmp_path) == tables(reference)


def test_dask_local_cluster_gives_the_same_tables(photo_folder: Path, reference: Path, tmp_path: Path,
                                                  pose_model: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        run_batch(photo_folder, tmp_path, dask=client, model=pose_model)
    assert tables(tmp_path) == tables(reference)


def test_dask_by_address_needs_no_client_of_ones_own(tmp_path: Path, pose_model: Path) -> None:
    """The run connects its own client, which is not made the process's default (as_completed must be told)."""
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "photos"
    _link_photos(folder, copies=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        outcome = run_batch(folder, tmp_path / "out", dask=cluster.scheduler_address, model=pose_model,
                            uncertainty=False)
    assert outcome.summary["results"] == len(list(folder.iterdir()))
    assert outcome.summary["failures"] == 0


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
    partial = read_csv(out / RESULTS_CSV)
    total = len(list(photo_folder.iterdir()))
    assert 3 <= len(partial) - 1 < total  # interrupted part-way, and what finished is a valid table
    assert partial[0] == list(columns())

    # Photos are recognised by content: the second name of a photo done before is not analysed either.
    done_contents = {row[columns().index("input_sha256")] for row in partial[1:]}
    reusable = sum(hashlib.sha256(path.read_bytes()).hexdigest() in done_contents for path in photo_folder.iterdir())
    outcome = run_batch(photo_folder, out, workers=1, resume=True, model=pose_model)
    assert outcome.summary["reused_from_earlier_run"] == reusable
    assert outcome.summary["analysed_this_run"] == total - reusable
    assert tables(out) == tables(reference)


def test_resume_recognises_a_renamed_photo(tmp_path: Path, pose_model: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for sample in SAMPLE_PHOTOS[:2]:
        shutil.copy(sample, folder / sample.name)
    out = tmp_path / "out"
    run_batch(folder, out, workers=0, model=pose_model)
    (folder / SAMPLE_PHOTOS[0].name).rename(folder / "renamed.png")
    seen: list[dict[str, object]] = []
    outcome = run_batch(folder, out, workers=0, resume=True, model=pose_model, on_record=seen.append)
    assert [record["outcome"] for record in seen] == ["reused", "reused"]
    assert outcome.summary["analysed_this_run"] == 0
    rows = read_csv(out / RESULTS_CSV)
    assert sorted(Path(row[1]).name for row in rows[1:]) == sorted(["renamed.png", SAMPLE_PHOTOS[1].name])
    renamed = next(row for row in rows[1:] if row[1].endswith("renamed.png"))
    assert renamed[2] == "renamed.png"  # the name column follows the new path
    records = [json.loads(line) for line in (out / RESULTS_JSONL).read_text().splitlines()]
    assert sorted(record["image"]["name"] for record in records) == sorted(["renamed.png", SAMPLE_PHOTOS[1].name])

    # Asking for another height is another analysis: nothing is reused.
    again: list[dict[str, object]] = []
    run_batch(folder, out, workers=0, resume=True, height_cm=170, model=pose_model, on_record=again.append)
    assert [record["outcome"] for record in again] == ["result", "result"]
    assert {row[columns().index("height_cm")] for row in read_csv(out / RESULTS_CSV)[1:]} == {"170.0"}


def test_a_killed_worker_costs_one_failure_row(photo_folder: Path, reference: Path, tmp_path: Path,
                                               pose_model: Path) -> None:
    started: list[str] = []

    def kill_the_third(task: Task, pid: int) -> None:
        started.append(task.path)
        if len(started) == 3:
            os.kill(pid, signal.SIGKILL)

    outcome = run_batch(photo_folder, tmp_path, workers=2, model=pose_model, on_start=kill_the_third)
    assert not outcome.interrupted
    failures = read_csv(tmp_path / FAILURES_CSV)[1:]
    assert len(failures) == 1
    path, kind, reason = failures[0]
    assert (path, kind) == (started[2], "worker") and "SIGKILL" in reason
    # Every other photo is in the table, exactly as the uninterrupted run has it.
    reference_rows = [row for row in read_csv(reference / RESULTS_CSV) if row[1] != started[2]]
    assert read_csv(tmp_path / RESULTS_CSV) == reference_rows


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
    side = next(sample for sample in SAMPLE_PHOTOS if sample.name.startswith("side-right"))
    back = next(sample for sample in SAMPLE_PHOTOS if sample.name.startswith("back"))
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
    shutil.copy(SAMPLE_PHOTOS[0], folder / SAMPLE_PHOTOS[0].name)
    (folder / "readme.txt").write_text("x")
    rows = posture.batch(folder, workers=0, model=pose_model)
    try:
        import pandas  # noqa: F401
    except ImportError:
        assert isinstance(rows, Rows)
        assert rows[0]["name"] == SAMPLE_PHOTOS[0].name and rows[0]["status"] == "ok"
        failures = rows.failures
    else:
        assert list(rows.columns) == list(columns())
        assert rows.loc[0, "name"] == SAMPLE_PHOTOS[0].name
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
    assert tables(out) == tables(reference)  # in this process, as in worker processes


# --------------------------------------------------------------------------- issue 18: the output folder


class _FullDisk(io.RawIOBase):
    """A file on a full disk: it opens, but no byte can be written to it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - closed in close()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self) -> None:
        self._file.close()
        super().close()


def test_a_disk_that_fills_up_during_the_run_is_exit_code_7(tmp_path: Path, pose_model: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The lines that could not be written are not written again when the tables are closed."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")

    def open_on_a_full_disk(path: str | os.PathLike[str], mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "ab":  # the tables' streams; the atomic writer opens its temporary files otherwise
            return io.BufferedWriter(_FullDisk(path))
        return open(path, mode, *args, **kwargs)

    monkeypatch.setattr(batch_tables_module, "open", open_on_a_full_disk, raising=False)
    code = main(["batch", str(folder), "-o", str(tmp_path / "out"), "--quiet", "--model", str(pose_model)])
    message = capsys.readouterr().err
    assert code == ExitCode.OUTPUT, message
    assert os.strerror(errno.ENOSPC) in message and message.count("\n") == 1


def test_a_run_that_cannot_load_its_model_leaves_no_tables(tmp_path: Path, pose_model: Path) -> None:
    """Else the next run into that folder would be refused as if it held an earlier run."""
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLE_PHOTOS[0], folder / "a.png")
    (folder / "notes.txt").write_text("x")
    out = tmp_path / "out"
    with pytest.raises(ModelError, match="could not be loaded"):
        run_batch(folder, out, workers=0, model=broken_model(tmp_path / "broken.task"))
    assert list(out.iterdir()) == []
    assert main(["batch", str(folder), "-o", str(out), "--quiet", "--fast", "--model", str(pose_model)]) == 0


def test_resume_reanalyses_a_result_made_under_a_higher_max_pixels(tmp_path: Path, pose_model: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLE_PHOTOS[0], folder / "a.png")
    out = tmp_path / "out"
    run_batch(folder, out, workers=0, uncertainty=False, model=pose_model)
    row = read_csv(out / RESULTS_CSV)[1]
    width, height = (int(row[columns().index(name)]) for name in ("input_width", "input_height"))

    def outcome_under(max_pixels: int) -> list[object]:
        seen: list[dict[str, object]] = []
        run_batch(folder, out, workers=0, uncertainty=False, model=pose_model, resume=True, max_pixels=max_pixels,
                  on_record=seen.append)
        return [record["outcome"] for record in seen]

    assert outcome_under(width * height) == ["reused"]  # the photo is within the limit: the same result
    assert outcome_under(width * height - 1) == ["failure"]  # now too large
    assert read_csv(out / RESULTS_CSV)[1:] == []
    assert "more than the limit" in read_csv(out / FAILURES_CSV)[1][2]


def test_resume_reanalyses_a_16_bit_photo_whose_bytes_are_now_beyond_the_limit(tmp_path: Path,
                                                                                pose_model: Path) -> None:
    # A 16-bit PNG counts each pixel twice: within 2 x its pixels it is taken, one less and it is refused.
    folder = tmp_path / "photos"
    folder.mkdir()
    values = np.linspace(0, 65535, 200 * 120).reshape(200, 120).astype(np.uint16)
    Image.fromarray(values).save(folder / "deep.png")
    out = tmp_path / "out"
    limit = 2 * 200 * 120
    run_batch(folder, out, workers=0, uncertainty=False, model=pose_model, max_pixels=limit)
    assert len(read_csv(out / RESULTS_CSV)) == 2  # analysed (a refused photo: no person), not too large

    def outcome_under(max_pixels: int) -> list[object]:
        seen: list[dict[str, object]] = []
        run_batch(folder, out, workers=0, uncertainty=False, model=pose_model, resume=True, max_pixels=max_pixels,
                  on_record=seen.append)
        return [record["outcome"] for record in seen]

    assert outcome_under(limit) == ["reused"]
    assert outcome_under(limit - 1) == ["failure"]  # as a fresh run under this limit: too large
    assert "pixels of 16 bits" in read_csv(out / FAILURES_CSV)[1][2]


def test_a_second_run_into_a_folder_being_written_is_refused(tmp_path: Path, pose_model: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    out = tmp_path / "out"
    command = ["batch", str(folder), "-o", str(out), "--resume", "--quiet", "--model", str(pose_model)]
    codes: list[int] = []
    # Started while the first run holds its tables open; --resume so that it is not refused for the tables alone.
    run_batch(folder, out, workers=0, model=pose_model, on_total=lambda total: codes.append(main(command)))
    assert codes == [ExitCode.OUTPUT]
    message = capsys.readouterr().err
    assert "another" in message.lower() and message.count("\n") == 1 and "Traceback" not in message
    assert [row[:2] for row in read_csv(out / FAILURES_CSV)[1:]] == [[str(folder / "notes.txt"), "skipped"]]
    assert main(command) == ExitCode.OK  # the first run let go of the folder
    assert sorted(path.name for path in out.iterdir()) == [FAILURES_CSV, RESULTS_CSV, RESULTS_JSONL, "summary.json"]


def test_names_not_utf8_are_written_with_xnn_escapes(tmp_path: Path, pose_model: Path) -> None:
    """docs/batch.md: bytes that are not UTF-8 are written as \\xNN, in the results and in the failures."""
    folder = tmp_path / "photos"
    folder.mkdir()
    raw_folder = os.fsencode(folder)
    with open(os.path.join(raw_folder, b"photo\xff.png"), "wb") as photo:
        photo.write(SAMPLE_PHOTOS[0].read_bytes())
    with open(os.path.join(raw_folder, b"empty\xfe.jpg"), "wb"):
        pass
    out = tmp_path / "out"
    assert main(["batch", str(folder), "-o", str(out), "--quiet", "--model", str(pose_model)]) == ExitCode.OK
    results = read_csv(out / RESULTS_CSV)
    row = dict(zip(results[0], results[1]))
    assert (row["path"], row["name"], row["status"]) == (f"{folder}/photo\\xff.png", "photo\\xff.png", "ok")
    record = json.loads((out / RESULTS_JSONL).read_bytes().decode("utf-8"))
    assert (record["image"]["path"], record["image"]["name"]) == (row["path"], row["name"])
    failure = read_csv(out / FAILURES_CSV)[1]
    assert failure[0] == f"{folder}/empty\\xfe.jpg" and "\\xfe" in failure[2] and "\\udc" not in failure[2]


def test_an_unreachable_dask_scheduler_is_exit_9_in_one_sentence_leaving_no_tables(
        tmp_path: Path, pose_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.png").symlink_to(SAMPLE_PHOTOS[0])
    (folder / "notes.txt").write_text("x")  # a skipped file, which would otherwise begin failures.csv
    out = tmp_path / "out"
    started = time.monotonic()
    # Port 1 on this machine: nothing listens there, so the connection is refused until the timeout.
    code = main(["batch", str(folder), "-o", str(out), "--dask", "tcp://127.0.0.1:1", "--dask-timeout", "0.5",
                 "--quiet", "--model", str(pose_model)])
    message = capsys.readouterr().err
    assert code == ExitCode.SCHEDULER == 9, message
    assert message.startswith("posture: The Dask scheduler at 'tcp://127.0.0.1:1' could not be reached within 0.5 s")
    assert message.count("\n") == 1 and "Traceback" not in message
    assert time.monotonic() - started < 15
    assert list(out.iterdir()) == []


def test_the_cli_default_dask_timeout_is_the_engines() -> None:
    from posture.batching.engines import DASK_CONNECT_SECONDS
    from posture.cli.batch import DASK_CONNECT_SECONDS as CLI_DEFAULT

    assert CLI_DEFAULT == DASK_CONNECT_SECONDS <= 10


@pytest.mark.parametrize("planted", ["annotated", "annotated/sub"])
def test_a_symlink_planted_in_the_annotated_folder_is_refused(tmp_path: Path, pose_model: Path, planted: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.png").symlink_to(SAMPLE_PHOTOS[0])
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    (out / planted).parent.mkdir(parents=True, exist_ok=True)
    (out / planted).symlink_to(outside, target_is_directory=True)
    code = main(["batch", str(folder), "-o", str(out), "--recursive", "--annotate", "--quiet", "--workers", "1",
                 "--fast", "--model", str(pose_model)])
    message = capsys.readouterr().err
    assert code == ExitCode.OUTPUT, message
    assert f"{str(out / planted)!r} is a symbolic link" in message and message.count("\n") == 1
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["annotated"]

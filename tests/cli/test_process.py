"""Tests for posture.cli: the installed ``posture`` command as a user runs it: a real process, its stderr, its exit
code.

MediaPipe's native code writes to file descriptor 2 at creation, detection,
close and interpreter exit, none of which an in-process test sees; closed
pipes and Ctrl-C only exist for a real process.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from builders import REPO
from PIL import Image

from posture.errors import ExitCode

SAMPLES = sorted((REPO / "samples").glob("*.png"))
SCRIPT = Path(sys.executable).with_name("posture")
QUIET = {k: v for k, v in os.environ.items() if k != "POSTURE_DEBUG"}


def posture(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=QUIET, cwd=REPO,
                          check=False, **options)  # type: ignore[call-overload, no-any-return]


def assert_one_sentence(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("posture: ") and lines[0].endswith("."), err


@pytest.fixture(autouse=True)
def _console_script_installed() -> None:
    if not SCRIPT.is_file():
        pytest.fail(f"the console script {SCRIPT} is not installed; run `make test`, which installs it")


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_a_good_photo_leaves_stderr_empty(sample: Path, pose_model: Path) -> None:
    completed = posture("analyze", str(sample), "--json")
    assert completed.returncode == ExitCode.OK, completed.stderr
    assert completed.stderr == ""
    assert json.loads(completed.stdout)["status"] == "ok"


def test_the_terminal_report_leaves_stderr_empty(pose_model: Path) -> None:
    completed = posture("analyze", str(SAMPLES[0]))
    assert completed.returncode == ExitCode.OK
    assert completed.stderr == ""
    assert "Findings" in completed.stdout


def test_a_pipe_closed_by_the_reader_is_an_output_error(pose_model: Path) -> None:
    """``posture analyze photo | true``: the reader is gone before the report is written."""
    with subprocess.Popen([str(SCRIPT), "analyze", str(SAMPLES[0])], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=QUIET, cwd=REPO) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait() == ExitCode.OUTPUT, err
    assert_one_sentence(err)


def test_a_closed_standard_output_is_an_output_error(pose_model: Path) -> None:
    """``posture analyze photo >&-``."""
    completed = subprocess.run(["bash", "-c", f'"{SCRIPT}" analyze "{SAMPLES[0]}" --json >&-'],
                               capture_output=True, text=True, env=QUIET, cwd=REPO, check=False)
    assert completed.returncode == ExitCode.OUTPUT, completed.stderr
    assert_one_sentence(completed.stderr)


def test_a_model_with_swapped_networks_exits_6(pose_model: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(pose_model) as bundle:
        detector = bundle.read("pose_detector.tflite")
        landmarker = bundle.read("pose_landmarks_detector.tflite")
    swapped = tmp_path / "swapped.task"
    with zipfile.ZipFile(swapped, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("pose_detector.tflite", landmarker)
        bundle.writestr("pose_landmarks_detector.tflite", detector)
    completed = posture("analyze", str(SAMPLES[0]), "--model", str(swapped))
    assert completed.returncode == ExitCode.MODEL, completed.stderr
    assert_one_sentence(completed.stderr)
    assert "swapped.task" in completed.stderr


def _loaded(process: subprocess.Popen[str], library: str, timeout: float = 120.0) -> bool:
    """Wait until ``process`` has mapped a file whose path contains ``library``; False if it ends first or times out.

    An ended process that nobody has reaped yet still has a (now empty) map: ``poll`` is what says it ended.
    """
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if library in maps.read_text():
                return True
        except (FileNotFoundError, ProcessLookupError):
            return False
        time.sleep(0.005)
    return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see the process's start-up")
@pytest.mark.parametrize(("number", "code", "message"), [
    (signal.SIGINT, ExitCode.INTERRUPTED, "posture: interrupted.\n"),
    (signal.SIGTERM, ExitCode.TERMINATED, "posture: stopped by SIGTERM.\n"),
    (signal.SIGHUP, ExitCode.HANGUP, "posture: stopped by SIGHUP.\n"),
])
def test_a_stopping_signal_during_start_up_exits_128_plus_its_number_quietly(
        pose_model: Path, number: int, code: ExitCode, message: str) -> None:
    # Interrupt while posture is starting up: once MediaPipe's native library is being loaded, posture's own
    # handler is in place and the model is still to be opened and run. Placed by what the process has done,
    # not by a delay, so a loaded machine cannot move the signal outside that window.
    with subprocess.Popen([str(SCRIPT), "analyze", str(SAMPLES[0])], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=QUIET, cwd=REPO) as process:
        started = _loaded(process, f"{os.sep}mediapipe{os.sep}")  # a file in the mediapipe package
        process.send_signal(number)
        out, err = process.communicate()
    assert started, err
    assert process.returncode == code == 128 + number, err
    assert err == message
    assert out == ""


def test_a_refused_photo_prints_its_refusal_record(shared_photo: Callable[[str], Path], pose_model: Path) -> None:
    """MediaPipe's own test image (a warrior-II lunge) is refused, and the record keeps the landmarks found."""
    photo = shared_photo("front_warrior2_yoga_man_mediapipe_pose.jpg")
    expected_file = photo.with_name("mediapipe_pose_test_expected.txt")
    completed = posture("analyze", str(photo), "--json")
    assert completed.returncode == ExitCode.UNSUPPORTED_VIEW
    assert_one_sentence(completed.stderr)
    record = json.loads(completed.stdout)
    assert record["status"] == "refused"
    assert record["problem"]["kind"] == "view"
    assert record["problem"]["exit_code"] == ExitCode.UNSUPPORTED_VIEW
    assert record["problem"]["message"] in completed.stderr
    assert record["measurements"] == {} and record["findings"] == [] and record["body"] is None
    assert record["provenance"]["people_detected"] == 1
    rows = [line.split() for line in expected_file.read_text().splitlines()]
    expected = np.array([[float(x), float(y)] for index, x, y in (r for r in rows if len(r) == 3 and r[0].isdigit())])
    found = np.array(record["landmarks"])[:, :2]
    assert expected.shape == found.shape == (33, 2)
    assert float(np.max(np.linalg.norm(found - expected, axis=1))) <= 15.0


# --------------------------------------------------------------------------- descriptor 2 (posture._native)

_SILENCING_THREADS = """
import os, sys, threading
from posture._native import native_stderr_silenced, unraisable_ignored

stderr_before, hook_before = os.fstat(2), sys.unraisablehook
both_ready = threading.Barrier(2)

def close_landmarkers():  # what PoseDetector.close does, over and over
    both_ready.wait()
    for _ in range(5000):
        with native_stderr_silenced(), unraisable_ignored():
            os.write(2, b"native chatter\\n")

threads = [threading.Thread(target=close_landmarkers) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
stderr_after = os.fstat(2)
print((stderr_after.st_dev, stderr_after.st_ino) == (stderr_before.st_dev, stderr_before.st_ino))
print(sys.unraisablehook is hook_before)
print("posture: still heard.", file=sys.stderr)
"""


def test_two_threads_silencing_at_once_leave_descriptor_2_where_it_was() -> None:
    """Each thread's block must not put back what the other one saved: the last to leave restores the terminal."""
    completed = subprocess.run([sys.executable, "-c", _SILENCING_THREADS], capture_output=True, text=True,
                               env=QUIET, cwd=REPO, check=True, timeout=60)
    assert completed.stdout == "True\nTrue\n"  # the same file on descriptor 2, the same unraisable hook
    assert completed.stderr == "posture: still heard.\n"  # no chatter got through, and sys.stderr still arrives


_HIDING_WHILE_SILENCED = """
import os, sys
from posture._native import hide_native_stderr, native_stderr_silenced

with native_stderr_silenced():
    hide_native_stderr()
os.write(2, b"native chatter at exit\\n")
print("posture: still heard.", file=sys.stderr)
"""


def test_hiding_native_stderr_inside_a_silenced_block_lasts_beyond_it() -> None:
    completed = subprocess.run([sys.executable, "-c", _HIDING_WHILE_SILENCED], capture_output=True, text=True,
                               env=QUIET, cwd=REPO, check=True, timeout=60)
    assert completed.stderr == "posture: still heard.\n"


# --------------------------------------------------------------------------- standard streams closed, full or broken


def posture_in_shell(command_line: str) -> subprocess.CompletedProcess[str]:
    """``posture`` run by bash, for redirections such as ``2>&-`` that subprocess cannot express."""
    return subprocess.run(["bash", "-c", f'"{SCRIPT}" {command_line}'], capture_output=True, text=True, env=QUIET,
                          cwd=REPO, check=False)


def test_a_closed_stderr_loses_the_messages_and_nothing_else(tmp_path: Path, pose_model: Path) -> None:
    """``2>&-``: the report and the exit codes as usual; a sentence with nowhere to go is dropped, not put on stdout."""
    analysed = posture_in_shell(f'analyze "{SAMPLES[0]}" --json 2>&-')
    assert analysed.returncode == ExitCode.OK
    assert json.loads(analysed.stdout)["status"] == "ok"
    missing = posture_in_shell(f'analyze "{tmp_path / "absent.jpg"}" 2>&-')
    assert (missing.returncode, missing.stdout) == (ExitCode.BAD_INPUT, "")
    wall = tmp_path / "wall.png"
    Image.fromarray(np.full((480, 640, 3), 200, dtype=np.uint8)).save(wall)
    refused = posture_in_shell(f'analyze "{wall}" --json 2>&-')
    assert refused.returncode == ExitCode.NO_USABLE_PERSON
    assert json.loads(refused.stdout)["status"] == "refused"  # the refusal record alone: its sentence went nowhere
    usage = posture_in_shell(f'analyze "{wall}" --no-such-option 2>&-')
    assert (usage.returncode, usage.stdout) == (ExitCode.USAGE, "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device that is always full (Linux)")
@pytest.mark.parametrize("args", [("analyze", str(SAMPLES[0])), ("model",), ("--help",), ("analyze", "--help")],
                         ids=["report", "model", "help", "analyze-help"])
def test_standard_output_on_a_full_disk_exits_7(args: tuple[str, ...], pose_model: Path) -> None:
    with open("/dev/full", "w") as full:
        completed = subprocess.run([str(SCRIPT), *args], stdout=full, stderr=subprocess.PIPE, text=True, env=QUIET,
                                   cwd=REPO, check=False)
    assert completed.returncode == ExitCode.OUTPUT, completed.stderr
    assert_one_sentence(completed.stderr)


@pytest.mark.skipif(not hasattr(fcntl, "F_SETPIPE_SZ"), reason="needs a pipe whose buffer can be made small (Linux)")
@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["unbuffered", "buffered"])
def test_a_reader_that_stops_early_is_an_output_error(unbuffered: str, pose_model: Path) -> None:
    """``posture analyze photo --json | head -c 100`` with a document longer than the pipe holds: exit 7, as documented.

    Unbuffered (PYTHONUNBUFFERED), the text layer drops what the pipe did not take and reports success.
    """
    read_end, write_end = os.pipe()
    page = 4096
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, page)  # the JSON document (some 17 KB) is then a few pipes long
    env = {**QUIET, "PYTHONUNBUFFERED": unbuffered}
    with subprocess.Popen([str(SCRIPT), "analyze", str(SAMPLES[0]), "--json", "--fast"], stdout=write_end,
                          stderr=subprocess.PIPE, text=True, env=env, cwd=REPO) as process:
        os.close(write_end)
        assert process.stderr is not None
        assert len(os.read(read_end, 100)) > 0
        os.close(read_end)
        err = process.stderr.read()
        assert process.wait() == ExitCode.OUTPUT, err
    assert_one_sentence(err)

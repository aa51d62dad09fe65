"""The hostile suite: every case of tests/hostile/cases.py gives its exit code, one sentence on stderr and no
traceback, leaves its inputs byte for byte as they were, and leaves no file but the outputs it may write.

Cases run ``posture.cli.main.main`` in this process where they can, and a
``python -m posture`` process only for standard streams, mounts and signals.
A batch run in this process analyses its photos in it too (``workers=0``),
sparing a worker process's start for each case; tests/batching runs the
worker processes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import REPO
from cases import CASES, Case, Layout
from exit_codes import MEANINGS, render

from posture.batching import run as batch_run
from posture.batching.engines import Engine
from posture.cli.main import main
from posture.errors import ExitCode

QUIET = {k: v for k, v in os.environ.items() if k != "POSTURE_DEBUG"} | {"PYTHONPATH": os.fspath(REPO)}
MOUNT_SIZE = {"full": "4k", "read-only": "64k"}  # 4 KiB: one page, less than results.csv's header
TEMPORARY = re.compile(r"^\.posture-.*\.tmp$")


def test_the_suite_has_at_least_120_cases_with_distinct_names() -> None:
    assert len(CASES) >= 120
    assert len({case.id for case in CASES}) == len(CASES)


def test_every_exit_code_has_a_meaning_in_docs_exit_codes() -> None:
    assert set(MEANINGS) == set(ExitCode)


def test_docs_exit_codes_is_current() -> None:
    written = (REPO / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    assert written == render(), "docs/exit-codes.md is stale: run make exit-codes"


def test_every_exit_code_but_internal_is_given_by_a_case() -> None:
    given = {case.code for case in CASES}
    assert given == set(ExitCode) - {ExitCode.INTERNAL}


@functools.cache
def mount_refusal() -> str | None:
    """Why a tmpfs cannot be mounted here (in a mount namespace of its own), or None when it can."""
    probe = Path(f"/tmp/posture-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        result = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=4k tmpfs {probe}"],
                                capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unshare cannot run here ({error})"
    finally:
        probe.rmdir()
    if result.returncode != 0:
        return f"a tmpfs cannot be mounted in a namespace of its own here: {result.stderr.strip()}"
    return None


def _snapshot(root: Path) -> set[str]:
    found = set()
    for parent, folders, files in os.walk(root):
        for name in folders + files:
            found.add(os.path.relpath(os.path.join(parent, name), root))
    return found


def _hashes(folder: Path) -> dict[str, str]:
    digests = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file() and not path.is_fifo():
            digests[os.fsdecode(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _prepare(case: Case, root: Path) -> Layout:
    photos = root / "in"
    photos.mkdir()
    (root / "outside").mkdir()
    made = tuple(make(photos) for make in case.make)
    layout = Layout(root=root, made=made)
    if case.how == "mounted":
        layout.mnt.mkdir()
    if case.setup is not None:
        case.setup(layout)
    return layout


def _in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _command(case: Case, layout: Layout, argv: list[str]) -> list[str]:
    command = [sys.executable, "-m", "posture", *argv]
    redirect = {"full": " >/dev/full", "closed": " >&-"}.get(case.stdout, "")
    redirect += " 2>&-" if case.stderr == "closed" else ""
    if case.how == "mounted":
        remount = f" && mount -o remount,ro {layout.mnt}" if case.mount == "read-only" else ""
        script = f'mount -t tmpfs -o size={MOUNT_SIZE[case.mount]} tmpfs {layout.mnt}{remount} && exec "$@"{redirect}'
        return ["unshare", "-m", "sh", "-c", script, "sh", *command]
    if redirect:
        return ["sh", "-c", f'exec "$@"{redirect}', "sh", *command]
    return command


def _wait_for(case: Case, layout: Layout, process: subprocess.Popen[str]) -> bool:
    """Until the moment ``case`` sends its signal at: False if the process ended first or it never came."""
    deadline = time.monotonic() + 60
    maps = Path(f"/proc/{process.pid}/maps")
    while process.poll() is None and time.monotonic() < deadline:
        if case.signal_when == "model":
            try:
                if f"{os.sep}mediapipe{os.sep}" in maps.read_text():
                    return True
            except (FileNotFoundError, ProcessLookupError):
                return False
        else:
            jsonl = layout.out / "results.jsonl"
            if jsonl.exists() and jsonl.read_bytes().count(b"\n") >= 1:
                return True
        time.sleep(0.005)
    return False


def _in_a_process(case: Case, layout: Layout, argv: list[str]) -> tuple[int, str, str]:
    command = _command(case, layout, argv)
    environment = QUIET | {name: value(layout) for name, value in case.environment}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
                          cwd=layout.root, errors="backslashreplace") as process:
        if case.how == "signal":
            assert _wait_for(case, layout, process), "the process ended before its moment came"
            process.send_signal(case.signal_number)
        out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def _in_this_process(pick: Callable[..., Engine], *, workers: int, dask: object = None, **options: object) -> Engine:
    return pick(workers=0, dask=dask, **options)


def _check_message(case: Case, code: int, err: str) -> None:
    assert "Traceback" not in err, err
    if case.stderr == "closed":
        assert err == ""
        return
    if code == ExitCode.OK:
        assert err == "", err
        return
    lines = err.splitlines()
    if code == ExitCode.USAGE and re.match(r"^posture( \w+)?: error: .+", lines[-1]):
        # argparse: the usage (several lines), then one sentence
        assert len(lines) == 1 or lines[0].startswith("usage: posture"), err
        return
    assert len(lines) == 1, err
    assert lines[0].startswith("posture: ") and lines[0].endswith("."), err


def _no_stray_file(case: Case, before: set[str], after: set[str]) -> None:
    allowed = case.outputs
    for path in sorted(after - before):
        assert any(path == output or path.startswith(output + os.sep) for output in allowed), f"stray file {path!r}"
    for path in after:
        assert not TEMPORARY.match(os.path.basename(path)), f"temporary file left: {path!r}"
        assert os.path.basename(path) != ".posture-batch.lock" or case.id == "batch-lock-link", f"lock left: {path!r}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_case(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch, pose_model: Path) -> None:
    if case.how == "mounted" and (reason := mount_refusal()) is not None:
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(batch_run, "pick_engine", functools.partial(_in_this_process, batch_run.pick_engine))
    layout = _prepare(case, tmp_path)
    inputs = _hashes(layout.photos)
    outside = _hashes(layout.outside)
    before = _snapshot(tmp_path)
    argv = case.argv(layout)
    for name, value in case.environment:
        monkeypatch.setenv(name, value(layout))
    if case.how == "in-process":
        code, out, err = _in_process(argv, capsys)
    else:
        code, out, err = _in_a_process(case, layout, argv)
    assert code == case.code, err
    _check_message(case, code, err)
    assert _hashes(layout.photos) == inputs
    assert _hashes(layout.outside) == outside
    _no_stray_file(case, before, _snapshot(tmp_path))
    if case.check is not None:
        assert case.check(layout, out) is not False

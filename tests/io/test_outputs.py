"""Tests for posture.io.outputs: atomic writes, whole or streamed, that follow no planted symlink and never touch the
input.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from posture.errors import OutputError
from posture.io import outputs
from posture.io.outputs import atomic_file, replace_atomically, write_atomic


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process umask after a test that sets it."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def test_planted_symlinks_are_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    folder = tmp_path / "out"
    folder.mkdir()
    destination = folder / "report.json"
    # Every name the old scheme (".NAME.<pid>.tmp") would pick, for this process and its neighbours.
    planted = {folder / f".report.json.{pid}.tmp" for pid in (os.getpid(), os.getpid() + 1, 1, 2)}
    for link in planted:
        link.symlink_to(victim)

    replace_atomically(destination, b"new result")

    assert victim.read_bytes() == b"precious"
    assert stat.S_ISREG(destination.lstat().st_mode)
    assert destination.read_bytes() == b"new result"
    assert set(folder.iterdir()) == planted | {destination}


def test_a_symlink_destination_is_replaced_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_bytes(b"kept")
    destination = tmp_path / "link.txt"
    destination.symlink_to(target)

    replace_atomically(destination, b"new")

    assert target.read_bytes() == b"kept"
    assert not destination.is_symlink()
    assert destination.read_bytes() == b"new"


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_file_permissions_follow_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    os.umask(mask)
    destination = tmp_path / "out.png"
    replace_atomically(destination, b"png")
    assert stat.S_IMODE(destination.stat().st_mode) == mode


@pytest.mark.usefixtures("umask")
def test_reading_the_umask_leaves_it_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    os.umask(0o027)
    masks: list[int] = []
    real_umask = os.umask

    def spy(mask: int) -> int:
        masks.append(mask)
        return real_umask(mask)

    monkeypatch.setattr(os, "umask", spy)
    assert outputs.process_umask() == 0o027
    assert outputs.process_umask() == 0o027
    # Meanwhile, a file another thread creates is private to the owner.
    assert masks == [0o077, 0o027, 0o077, 0o027]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            failing: str) -> None:
    destination = tmp_path / "report.json"
    destination.write_bytes(b"old")
    seen: list[str] = []

    def fail(*args: object) -> None:
        seen.extend(sorted(path.name for path in tmp_path.iterdir()))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="No space left on device"):
        replace_atomically(destination, b"new")
    assert destination.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [destination]
    # The temporary file was beside the destination (a rename cannot cross file systems), recognisably named.
    assert len(seen) == 2
    assert seen[0].startswith(".posture-") and seen[0].endswith(".tmp")


def test_a_streamed_file_appears_whole_when_its_block_ends(tmp_path: Path) -> None:
    destination = tmp_path / "results.csv"
    destination.write_bytes(b"old")
    with atomic_file(destination) as stream:
        stream.write(b"header\n")
        stream.write(b"row\n")
        assert destination.read_bytes() == b"old"  # a reader meanwhile sees the old file
    assert destination.read_bytes() == b"header\nrow\n"
    assert list(tmp_path.iterdir()) == [destination]


def test_an_error_inside_the_block_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    destination = tmp_path / "results.csv"
    destination.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_file(destination) as stream:
        stream.write(b"half a table")
        raise KeyboardInterrupt
    assert destination.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [destination]


def test_write_atomic_reports_a_failed_write_as_output_error(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    destination = tmp_path / "report.json"

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputError) as caught:
        write_atomic(destination, b"new")
    assert str(caught.value) == f"Could not write {str(destination)!r}: No space left on device."
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_writes(tmp_path: Path) -> None:
    destination = tmp_path / "annotated.png"
    write_atomic(destination, b"png", protect=(tmp_path / "photo.jpg",))
    assert destination.read_bytes() == b"png"


def _same_path(photo: Path) -> Path:
    return photo


def _other_spelling(photo: Path) -> Path:
    (photo.parent / "sub").mkdir()
    return photo.parent / "sub" / ".." / "." / photo.name


def _symlink(photo: Path) -> Path:
    link = photo.parent / "link.jpg"
    link.symlink_to(photo)
    return link


@pytest.mark.parametrize("spell", [_same_path, _other_spelling, _symlink])
def test_write_atomic_refuses_to_overwrite_the_input(tmp_path: Path, spell) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"jpeg")
    destination = spell(photo)
    with pytest.raises(OutputError, match=r"^Refusing to overwrite the input photo .*; choose another output name\.$"):
        write_atomic(destination, b"png", protect=(photo,))
    assert photo.read_bytes() == b"jpeg"
    assert destination.read_bytes() == b"jpeg"


def test_write_atomic_refuses_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "out.png"
    folder.mkdir()
    with pytest.raises(OutputError, match="is a directory; give a file name"):
        write_atomic(folder, b"png")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-null"])
def test_a_device_or_pipe_is_not_replaced_by_a_file(tmp_path: Path, kind: str) -> None:
    # Never /dev/null itself: should the guard fail, the rename would replace it for the whole machine (as root).
    target = tmp_path / "out.html"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(os.devnull)
    with pytest.raises(OutputError, match="is a device or a pipe, not a file; give a file name"):
        write_atomic(target, b"<html>")
    assert stat.S_ISFIFO(target.lstat().st_mode) if kind == "fifo" else target.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


def test_write_atomic_refuses_a_missing_folder(tmp_path: Path) -> None:
    destination = tmp_path / "missing" / "out.png"
    with pytest.raises(OutputError) as caught:
        write_atomic(destination, b"png")
    assert str(caught.value) == f"The output folder {str(tmp_path / 'missing')!r} does not exist."
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("existing", [True, False], ids=["over-another-file", "a-photo-gone-since"])
def test_write_atomic_writes_over_anything_but_an_existing_input(tmp_path: Path, existing: bool) -> None:
    """Only an input that exists is protected: an earlier output is replaced, and so is a name whose photo is gone."""
    photo = tmp_path / "photo.jpg"
    earlier = tmp_path / "annotated.png"
    earlier.write_bytes(b"old")
    if existing:
        photo.write_bytes(b"jpeg")
        write_atomic(earlier, b"png", protect=(photo,))
        assert earlier.read_bytes() == b"png" and photo.read_bytes() == b"jpeg"
    else:
        write_atomic(photo, b"png", protect=(photo,))
        assert photo.read_bytes() == b"png"


def test_a_png_keeps_the_colours_in_their_order() -> None:
    rgb = np.array([[[255, 0, 0], [0, 0, 255]], [[0, 255, 0], [10, 20, 30]]], dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(outputs.encode_png(rgb))).convert("RGB"))
    np.testing.assert_array_equal(decoded, rgb)


def test_a_png_that_cannot_be_encoded_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outputs.cv2, "imencode", lambda *_: (False, None))
    with pytest.raises(OutputError) as caught:
        outputs.encode_png(np.zeros((2, 2, 3), dtype=np.uint8))
    assert str(caught.value) == "The annotated image could not be encoded as PNG."

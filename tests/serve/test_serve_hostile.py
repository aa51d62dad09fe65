"""Hostile uploads to the desk, beside the command line's hostile suite (tests/hostile): each gets its status
code, and the data folder holds only whole files named by their own hash, with a row for each and nothing in
``photos/incoming``.

The desk runs the quick stand-in analysis (tests/serve/conftest.py): these cases are about what is let in.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from clips import write_clip
from fastapi.testclient import TestClient
from serve_fakes import BASE_URL, add_client, add_session, png_bytes, stored_files

from posture.serve.app import Settings, create_app
from posture.serve.security import Secrets


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A small, whole MP4 clip (a grey standing-height frame, two seconds)."""
    frames = [np.full((320, 180, 3), 90 + i, dtype=np.uint8) for i in range(10)]
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", frames, [i / 5 for i in range(10)]).read_bytes()


def assert_nothing_half_written(data: Path) -> None:
    """Every stored file is whole (named by the sha256 of its bytes) and has its row; nothing is left incoming."""
    incoming = data / "photos" / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
    stored = [p for p in stored_files(data) if p.parent != incoming]
    for path in stored:
        assert path.stem == hashlib.sha256(path.read_bytes()).hexdigest()
    with sqlite3.connect(data / "posture.sqlite3") as db:
        rows = {f"{sha}.{extension}" for sha, extension in db.execute("SELECT sha256, extension FROM photos")}
    assert {p.name for p in stored} == rows


def send(desk, name: str, body: bytes, *, token: bool = True, content_type: str = "video/mp4"):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    return desk.client.post(f"/sessions/{session_id}/photos", data={"csrf_token": desk.token} if token else {},
                            headers={"accept": "application/json"},
                            files=[("photos", (name, body, content_type))])


@dataclass(frozen=True)
class Upload:
    id: str
    name: str
    body: Callable[[bytes], bytes]
    status: int
    words: str | None = None
    """Words the refusal's sentence holds."""
    stored: tuple[str, ...] = ()
    """The endings of the files kept."""


UPLOADS = [
    Upload("whole clip", "standing.mov", lambda clip: clip, 201, stored=(".mp4",)),
    Upload("truncated clip", "cut.mp4", lambda clip: clip[:len(clip) // 2], 422, "truncated or damaged"),
    Upload("clip head only", "head.m4v", lambda clip: clip[:64], 422, "head.m4v"),
    Upload("text named .mp4", "notes.mp4", lambda clip: b"not a video at all\n" * 50, 422, "not a"),
    Upload("ftyp box before a PNG", "poly.mp4", lambda clip: clip[:32] + png_bytes(), 422, "poly.mp4"),
    Upload("PNG with a clip after it", "poly.png", lambda clip: png_bytes() + clip, 201, stored=(".png",)),
    Upload("clip past the photo limit, within the clip limit", "long.mov", lambda clip: clip + bytes(450_000), 201,
           stored=(".mp4",)),
    Upload("clip past the clip limit", "long.mp4", lambda clip: clip + bytes(600_001), 413, "limit"),
    Upload("photo past the photo limit", "big.png", lambda clip: png_bytes() + bytes(400_001), 413, "limit"),
    Upload("path separators in the name", "../../etc/cron.d/x.mp4", lambda clip: clip, 201, stored=(".mp4",)),
    Upload("NUL in the name", "a\x00b.mp4", lambda clip: clip, 201, stored=(".mp4",)),
    Upload("empty file", "empty.mp4", lambda clip: b"", 422, "empty"),
]


@pytest.mark.parametrize("case", UPLOADS, ids=[case.id for case in UPLOADS])
def test_a_hostile_upload_gets_its_status_and_leaves_nothing_half_written(desk, clip_bytes: bytes,
                                                                         case: Upload) -> None:
    answer = send(desk, case.name, case.body(clip_bytes))
    assert answer.status_code == case.status, answer.text
    assert_nothing_half_written(desk.data)
    assert sorted(p.suffix for p in stored_files(desk.data)) == sorted(case.stored)
    if case.words is not None:
        text = answer.json().get("detail") or " ".join(answer.json()["refused"])
        assert case.words in text and str(desk.data) not in text and "\n" not in text


def test_a_clip_name_with_separators_or_nul_is_kept_as_printable_text_only(desk, clip_bytes: bytes) -> None:
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    # Written by hand: an HTTP client would percent-encode the NUL that a hostile sender puts in raw.
    body = (b"--x\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + desk.token.encode()
            + b"\r\n--x\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"..\\..\\a\x00b.mov\"\r\n"
            b"Content-Type: video/quicktime\r\n\r\n" + clip_bytes + b"\r\n--x--\r\n")
    answer = desk.client.post(f"/sessions/{session_id}/photos", content=body,
                              headers={"content-type": "multipart/form-data; boundary=x", "accept": "application/json"})
    assert answer.status_code == 201, answer.text
    assert_nothing_half_written(desk.data)
    with sqlite3.connect(desk.data / "posture.sqlite3") as db:
        assert db.execute("SELECT original_name FROM photos").fetchall() == [("a?b.mov",)]


def test_an_upload_without_the_csrf_token_gets_403_and_keeps_nothing(desk, clip_bytes: bytes) -> None:
    assert send(desk, "standing.mp4", clip_bytes, token=False).status_code == 403
    assert stored_files(desk.data) == []
    assert_nothing_half_written(desk.data)


def test_an_upload_from_off_this_machine_without_the_access_token_gets_401_and_keeps_nothing(
        tmp_path: Path, clip_bytes: bytes) -> None:
    from serve_fakes import fake_analysis

    keys = Secrets(lan=True)
    data = tmp_path / "desk"
    app = create_app(Settings(data=data, lan=True), analyse=fake_analysis,
                     make_executor=lambda: ThreadPoolExecutor(1), keys=keys)
    with TestClient(app, base_url="http://192.168.1.20:8765", client=("192.168.1.31", 40000)) as phone:
        answer = phone.post("/sessions/1/photos", files=[("photos", ("standing.mp4", clip_bytes, "video/mp4"))])
        assert answer.status_code == 401
    assert stored_files(data) == []
    assert_nothing_half_written(data)


def test_the_same_clip_sent_at_once_from_several_uploads_is_stored_once(desk, clip_bytes: bytes) -> None:
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")

    def post(index: int) -> int:
        browser = TestClient(desk.client.app, base_url=BASE_URL, client=("127.0.0.1", 50000),
                             cookies=desk.client.cookies)
        return browser.post(f"/sessions/{session_id}/photos", data={"csrf_token": desk.token},
                            headers={"accept": "application/json"},
                            files=[("photos", (f"copy {index}.mp4", clip_bytes, "video/mp4"))]).status_code

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(post, range(6))) == [201] * 6
    (stored,) = stored_files(desk.data)
    assert stored.read_bytes() == clip_bytes
    with sqlite3.connect(desk.data / "posture.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 6
    assert_nothing_half_written(desk.data)

"""The records: schema migrations, backups and restores, and the serve command's data options."""

from __future__ import annotations

import io
import sqlite3
import tarfile

import pytest
from serve_fakes import add_client, add_session, png_bytes, stored_files, upload, wait_finished

from posture.cli.main import main
from posture.errors import InputError
from posture.serve import records, store


def test_a_new_database_is_in_wal_mode_at_the_newest_schema(tmp_path):
    connection = store.connect(tmp_path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
    assert store.integrity(connection) == "ok"


def test_a_database_from_a_newer_posture_is_refused(tmp_path):
    with sqlite3.connect(tmp_path / store.DATABASE_NAME) as db:
        db.execute(f"PRAGMA user_version = {len(store.MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        store.connect(tmp_path)


def test_a_backup_restores_into_an_empty_folder_with_its_records_and_photos(desk, tmp_path):
    client_id = add_client(desk.client, desk.token, "Ann", height_cm="171")
    session_id = add_session(desk.client, desk.token, client_id, "2026-01-10")
    ids = [a["analysis"] for a in upload(desk.client, session_id, [("side-12.png", png_bytes(seed=1)),
                                                                   ("side-14.png", png_bytes(seed=2))], desk.token)
           .json()["accepted"]]
    wait_finished(desk.client, ids)
    archive = tmp_path / "desk.tar"
    assert main(["serve", "--data", str(desk.data), "--backup", str(archive)]) == 0
    restored = tmp_path / "restored"
    assert main(["serve", "--data", str(restored), "--restore", str(archive)]) == 0
    assert [p.name for p in stored_files(restored)] == [p.name for p in stored_files(desk.data)]
    connection = store.connect(restored)
    assert store.integrity(connection) == "ok"
    assert records.export_client(connection, client_id)["client"]["height_cm"] == 171
    assert {p["status"] for p in records.export_client(connection, client_id)["sessions"][0]["photos"]} == {"done"}
    # Restoring over clients would mix two practices' records.
    assert main(["serve", "--data", str(restored), "--restore", str(archive)]) == 3


def _archive(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


@pytest.mark.parametrize("members", [
    {"../escape.png": b"x"},
    {"photos/ab/" + "ab" * 32 + ".png": b"not the bytes of that hash"},
    {"photos/ab/" + "ab" * 32 + ".png/../../x": b"x"},
    {"notes.txt": b"x"},
])
def test_a_restore_takes_nothing_but_a_database_and_photos_named_by_their_hash(tmp_path, members):
    (tmp_path / "source").mkdir()
    store.connect(tmp_path / "source").close()
    database = (tmp_path / "source" / store.DATABASE_NAME).read_bytes()
    archive = tmp_path / "bad.tar"
    archive.write_bytes(_archive({store.DATABASE_NAME: database, **members}))
    with pytest.raises(InputError):
        records.restore(archive, tmp_path / "data")
    assert not (tmp_path / "escape.png").exists()
    assert not (tmp_path / "data" / store.DATABASE_NAME).exists()


def test_a_backup_without_a_database_is_refused(tmp_path):
    archive = tmp_path / "photos-only.tar"
    archive.write_bytes(_archive({}))
    with pytest.raises(InputError, match="holds no posture.sqlite3"):
        records.restore(archive, tmp_path / "data")


def test_a_damaged_database_in_a_backup_is_refused(tmp_path):
    archive = tmp_path / "bad.tar"
    archive.write_bytes(_archive({store.DATABASE_NAME: b"SQLite format 3\x00" + bytes(200)}))
    with pytest.raises(InputError, match="damaged|not a posture"):
        records.restore(archive, tmp_path / "data")


def test_an_older_database_is_migrated_step_by_step_and_keeps_its_records(tmp_path):
    with sqlite3.connect(tmp_path / store.DATABASE_NAME) as db:
        db.executescript(store.MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO clients (name, created) VALUES ('Ann', '2026-01-01T00:00:00Z')")
    connection = store.connect(tmp_path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS) > 1
    assert [row["name"] for row in store.clients(connection)] == ["Ann"]
    assert "ranges" in {row[1] for row in connection.execute("PRAGMA table_info(analyses)")}


def test_the_serve_command_starts_a_desk_without_opening_a_browser(tmp_path):
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx
    from serve_runner import free_port

    port = free_port()
    environment = {**os.environ, "BROWSER": "false", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    process = subprocess.Popen([sys.executable, "-m", "posture", "serve", "--no-browser", "--port", str(port)],
                               cwd=Path(__file__).resolve().parents[2], env=environment,
                               stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer.status_code == 200 and "Clients" in answer.text
        assert (tmp_path / "xdg" / "posture" / store.DATABASE_NAME).is_file()
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in errors


def test_a_backup_of_a_folder_without_records_or_a_busy_port_is_one_sentence(tmp_path, capsys):
    import socket

    assert main(["serve", "--data", str(tmp_path / "none"), "--backup", str(tmp_path / "x.tar")]) == 3
    assert "holds no desk records" in capsys.readouterr().err
    assert not (tmp_path / "x.tar").exists()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--data", str(tmp_path / "d"), "--no-browser", "--port", str(port)]) == 2
    assert f"port {port} cannot be listened on" in capsys.readouterr().err

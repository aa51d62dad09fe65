"""The desk's guards: CSRF, the access token off this machine, the host check, limits and content sniffing."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from serve_fakes import BASE_URL, add_client, add_session, png_bytes, stored_files, upload, wait_finished

from posture.serve.security import Secrets


def test_a_form_without_its_csrf_token_gets_403_and_changes_nothing(desk):
    assert desk.client.post("/clients", data={"name": "Mallory"}).status_code == 403
    assert desk.client.post("/clients", data={"name": "Mallory", "csrf_token": "0" * 64}).status_code == 403
    client_id = add_client(desk.client, desk.token)
    assert desk.client.post(f"/clients/{client_id}/delete").status_code == 403
    session_id = add_session(desk.client, desk.token, client_id, "2026-01-10")
    assert upload(desk.client, session_id, [("a.png", png_bytes())]).status_code == 403
    assert "Mallory" not in desk.client.get("/").text
    assert desk.client.get(f"/clients/{client_id}").status_code == 200
    assert stored_files(desk.data) == []


def test_a_csrf_token_belongs_to_its_browser_session(desk):
    other = TestClient(desk.client.app, base_url=BASE_URL, client=("127.0.0.1", 50001))
    # Another browser (no cookie of this session) cannot use this session's token.
    assert other.post("/clients", data={"name": "Mallory", "csrf_token": desk.token}).status_code == 403


def test_a_path_traversal_file_name_is_kept_as_text_and_the_photo_stored_by_its_hash(desk):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    answer = upload(desk.client, session_id, [("../../../../tmp/evil.png", png_bytes())], desk.token)
    assert answer.status_code == 201
    (stored,) = stored_files(desk.data)
    assert stored.parent.parent == desk.data / "photos" and len(stored.stem) == 64 and stored.suffix == ".png"
    assert not (desk.data.parent / "tmp" / "evil.png").exists()
    with sqlite3.connect(desk.data / "posture.sqlite3") as db:
        assert db.execute("SELECT original_name FROM photos").fetchall() == [("evil.png",)]


def test_an_oversized_photo_gets_413_and_nothing_is_kept(desk):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    answer = upload(desk.client, session_id, [("big.png", b"\x89PNG" + bytes(desk.settings.max_upload_bytes))],
                    desk.token)
    assert answer.status_code == 413 and "limit" in answer.json()["detail"]
    assert stored_files(desk.data) == []


def test_a_request_past_the_size_limit_gets_413_before_it_is_read(desk):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    body = bytes(desk.settings.max_request_bytes + (1 << 20))
    answer = desk.client.post(f"/sessions/{session_id}/photos", content=body,
                              headers={"content-type": "multipart/form-data; boundary=x"})
    assert answer.status_code == 413


def test_more_photos_than_the_limit_get_413(desk):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    answer = upload(desk.client, session_id, [(f"{n}.png", png_bytes(seed=n)) for n in range(4)], desk.token)
    assert answer.status_code == 413 and "limit of 3" in answer.json()["detail"]


@pytest.mark.parametrize(("name", "body", "words"), [
    ("notes.png", b"these are my notes, not a photo\n" * 20, "not a"),
    ("cut.png", png_bytes()[:700], "damaged"),
    ("poly.png", png_bytes() + b"<html><script>alert(1)</script></html>", None),
    ("poly.jpg", b"<?php system($_GET[1]); ?>" + png_bytes(), "not a"),
])
def test_a_file_that_is_not_a_whole_photo_is_refused_with_a_sentence(desk, name, body, words):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    answer = upload(desk.client, session_id, [(name, body)], desk.token)
    if words is None:
        # A PNG with bytes after its end decodes as the PNG it is; it is stored as a PNG and served only as one.
        assert answer.status_code == 201
        assert [p.suffix for p in stored_files(desk.data)] == [".png"]
        return
    assert answer.status_code == 422
    (sentence,) = answer.json()["refused"]
    assert name in sentence and words in sentence and str(desk.data) not in sentence
    assert stored_files(desk.data) == []


def test_a_refused_upload_from_the_plain_form_shows_the_session_page_with_the_sentence(desk):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    answer = desk.client.post(f"/sessions/{session_id}/photos", data={"csrf_token": desk.token},
                              files=[("photos", ("notes.txt", b"hello " * 100, "text/plain"))])
    assert answer.status_code == 422 and "notes.txt" in answer.text and 'id="upload"' in answer.text


def test_off_this_machine_a_request_without_the_access_token_gets_401(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from serve_fakes import fake_analysis

    from posture.serve.app import Settings, create_app

    keys = Secrets(lan=True)
    address = f"http://192.168.1.20:8765/?token={keys.access_token}"
    app = create_app(Settings(data=tmp_path / "desk", lan=True, lan_url=address), analyse=fake_analysis,
                     make_executor=lambda: ThreadPoolExecutor(1), keys=keys)
    with TestClient(app, base_url="http://192.168.1.20:8765", client=("192.168.1.31", 40000)) as phone:
        assert phone.get("/").status_code == 401
        assert phone.get("/", params={"token": "guess"}).status_code == 401
        assert phone.post("/clients", data={"name": "Mallory"}).status_code == 401
        arrived = phone.get("/", params={"token": keys.access_token}, follow_redirects=False)
        assert arrived.status_code == 303 and "token" not in arrived.headers["location"]
        page = phone.get("/")  # the cookie carries it from now on
        assert page.status_code == 200
        assert 'src="data:image/svg+xml' in page.text and address.replace("&", "&amp;") in page.text


def test_off_this_machine_a_desk_on_localhost_answers_nothing_without_the_token(desk):
    stranger = TestClient(desk.client.app, base_url=BASE_URL, client=("10.0.0.7", 40000))
    assert stranger.get("/").status_code == 401


def test_a_page_named_by_another_host_is_refused_on_localhost(desk):
    # A site whose name is re-pointed at 127.0.0.1 (DNS rebinding) reaches the port, with its own Host header.
    rebound = TestClient(desk.client.app, base_url="http://evil.example:8765", client=("127.0.0.1", 40000))
    assert rebound.get("/").status_code == 403


def test_every_page_carries_a_content_security_policy_without_external_sources(desk):
    client_id = add_client(desk.client, desk.token)
    session_id = add_session(desk.client, desk.token, client_id, "2026-01-10")
    ids = [a["analysis"] for a in upload(desk.client, session_id, [("side-9.png", png_bytes())], desk.token)
           .json()["accepted"]]
    wait_finished(desk.client, ids)
    for path in ("/", f"/clients/{client_id}", f"/sessions/{session_id}", "/static/serve.js", "/status?ids=1"):
        answer = desk.client.get(path)
        policy = answer.headers["content-security-policy"]
        assert answer.status_code == 200 and "default-src 'none'" in policy and "http" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
    page = desk.client.get(f"/sessions/{session_id}").text
    assert "<script>" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")

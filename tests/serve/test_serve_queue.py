"""Analyses in the background: a crashing worker costs its photo only, and a stopped desk resumes its queue."""

from __future__ import annotations

import multiprocessing
import signal
import sqlite3
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient
from serve_fakes import (
    BASE_URL,
    LOCAL,
    add_client,
    add_session,
    csrf_token,
    fake_analysis,
    png_bytes,
    upload,
    wait_finished,
)
from serve_runner import start

from posture.serve import store
from posture.serve.app import Settings, create_app
from posture.serve.queue import CRASHED


def test_a_worker_that_dies_costs_its_photo_only_and_the_database_stays_whole(tmp_path):
    settings = Settings(data=tmp_path / "desk")
    app = create_app(settings, analyse=fake_analysis, make_executor=lambda: ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn")))
    with TestClient(app, base_url=BASE_URL, client=LOCAL) as client:
        token = csrf_token(client)
        session_id = add_session(client, token, add_client(client, token), "2026-01-10")
        answer = upload(client, session_id, [("crash.png", png_bytes(seed=1)), ("side-12.png", png_bytes(seed=2))],
                        token).json()
        crashed, measured = (a["analysis"] for a in answer["accepted"])
        statuses = wait_finished(client, [crashed, measured])
        assert statuses[str(crashed)] == {"status": "failed", "reason": CRASHED}
        assert statuses[str(measured)]["status"] == "done"
        assert CRASHED in client.get(f"/sessions/{session_id}").text
    connection = store.connect(settings.data)
    assert store.integrity(connection) == "ok"


def test_a_desk_stopped_mid_analysis_resumes_its_queue_when_it_starts_again(tmp_path):
    settings = Settings(data=tmp_path / "desk")
    release = threading.Event()

    def stuck(job):
        release.wait(30)
        return fake_analysis(job)

    executor = ThreadPoolExecutor(1)
    app = create_app(settings, analyse=stuck, make_executor=lambda: executor)
    with TestClient(app, base_url=BASE_URL, client=LOCAL) as client:
        token = csrf_token(client)
        session_id = add_session(client, token, add_client(client, token), "2026-01-10")
        ids = [a["analysis"] for a in upload(client, session_id, [("side-11.png", png_bytes(seed=1)),
                                                                 ("side-13.png", png_bytes(seed=2))], token)
               .json()["accepted"]]
        assert {s["status"] for s in client.get(f"/status?ids={ids[0]},{ids[1]}").json().values()} <= {
            "queued", "running"}
    release.set()
    executor.shutdown(wait=True)
    with sqlite3.connect(settings.data / "posture.sqlite3") as db:
        assert {row[0] for row in db.execute("SELECT status FROM analyses")} <= {"queued", "running"}
    again = create_app(settings, analyse=fake_analysis, make_executor=lambda: ThreadPoolExecutor(1))
    with TestClient(again, base_url=BASE_URL, client=LOCAL) as client:
        assert {s["status"] for s in wait_finished(client, ids).values()} == {"done"}


def test_a_desk_killed_mid_analysis_restarts_consistent_and_finishes_the_photo(tmp_path):
    data = tmp_path / "desk"
    process, url = start(data, "slow")
    try:
        with httpx.Client(base_url=url) as client:
            token = csrf_token(client)
            session_id = add_session(client, token, add_client(client, token), "2026-01-10")
            (accepted,) = upload(client, session_id, [("side-16.png", png_bytes())], token).json()["accepted"]
            wait_running(client, accepted["analysis"])
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    connection = store.connect(data)
    assert store.integrity(connection) == "ok"
    assert store.analysis(connection, accepted["analysis"])["status"] == "running"
    connection.close()
    process, url = start(data, "fake")
    try:
        with httpx.Client(base_url=url) as client:
            assert wait_finished(client, [accepted["analysis"]])[str(accepted["analysis"])]["status"] == "done"
    finally:
        process.terminate()
        process.wait()


def wait_running(client, analysis_id: int) -> None:
    import time

    for _ in range(600):
        if client.get(f"/status?ids={analysis_id}").json()[str(analysis_id)]["status"] == "running":
            return
        time.sleep(0.05)
    raise AssertionError("the analysis never started")

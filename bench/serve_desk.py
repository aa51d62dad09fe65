"""A running desk for the benchmark and the screenshots: ``posture serve``'s app in a uvicorn thread.

Used by ``bench/serve_speed.py`` and ``bench/serve_screenshots.py``; the desk listens on a free port of
127.0.0.1 and analyses with posture's own Analyzer in worker processes.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from posture.serve.app import Settings, create_app

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@contextmanager
def running_desk(data: Path, *, workers: int = 1) -> Iterator[str]:
    """A desk on ``data`` for the duration of the block; yields its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(data=data, workers=workers)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def csrf_token(client: httpx.Client) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/").text)
    assert found is not None
    return found[1]


def wait_finished(client: httpx.Client, analysis_ids: list[int], poll_s: float = 0.02) -> None:
    ids = ",".join(map(str, analysis_ids))
    while True:
        statuses = client.get(f"/status?ids={ids}").json()
        if all(s["status"] not in ("queued", "running") for s in statuses.values()):
            return
        time.sleep(poll_s)


def new_session(client: httpx.Client, token: str, client_id: int, day: str, label: str = "") -> int:
    answer = client.post(f"/clients/{client_id}/sessions", data={"session_date": day, "label": label,
                                                                 "csrf_token": token})
    return int(str(answer.url).rsplit("/", 1)[1])


def upload(client: httpx.Client, token: str, session_id: int, names: list[str]) -> list[int]:
    files = [("photos", (name, (SAMPLES / name).read_bytes(), "image/png")) for name in names]
    answer = client.post(f"/sessions/{session_id}/photos", data={"csrf_token": token}, files=files,
                         headers={"accept": "application/json"})
    answer.raise_for_status()
    return [a["analysis"] for a in answer.json()["accepted"]]

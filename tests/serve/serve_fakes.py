"""Stand-ins for the desk's tests: a quick analysis function, photos made on the spot, and client helpers.

The stand-in analysis is a module-level function so that worker processes can import it by name.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from posture.serve.worker import Job, Outcome

LOCAL = ("127.0.0.1", 50000)
BASE_URL = "http://127.0.0.1"


def fake_analysis(job: Job) -> Outcome:
    """A quick outcome: photos named ``refused…`` are refused, ``crash…`` kill the worker, others are measured.

    The head angle is read from the name's first number (``side-12.png`` → 12°), so trends can be checked.
    """
    if job.name.startswith("crash"):
        os._exit(3)
    if job.name.startswith("refused"):
        return Outcome("refused", reason="No person was found in this photo.",
                       document=json.dumps({"measurements": {}, "findings": [], "view": "unsupported"}))
    number = re.search(r"\d+", job.name)
    value = float(number[0]) if number else 10.0
    document = {"view": "side-left", "findings": [{"title": "Head forward"}] if value > 15 else [],
                "measurements": {"head_forward_angle": {"value": value, "unit": "deg", "uncertainty": 1.5}}}
    return Outcome("done", document=json.dumps(document), view="side-left", body_fraction=0.5 + value / 1000,
                   picture=png_bytes(80, 120))


def slow_analysis(job: Job) -> Outcome:
    """As :func:`fake_analysis`, after a pause long enough to stop the server mid-analysis."""
    time.sleep(30)
    return fake_analysis(job)


def png_bytes(width: int = 160, height: int = 240, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def csrf_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/").text)
    assert found is not None
    return found[1]


def upload(client: TestClient, session_id: int, files: list[tuple[str, bytes]], token: str | None = None):
    data = {} if token is None else {"csrf_token": token}
    return client.post(f"/sessions/{session_id}/photos", data=data, headers={"accept": "application/json"},
                       files=[("photos", (name, body, "image/png")) for name, body in files])


def add_client(client: TestClient, token: str, name: str = "Ann", **fields: str) -> int:
    answer = client.post("/clients", data={"name": name, "csrf_token": token, **fields}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def add_session(client: TestClient, token: str, client_id: int, day: str, label: str = "") -> int:
    answer = client.post(f"/clients/{client_id}/sessions", data={"session_date": day, "label": label,
                                                                 "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def wait_finished(client: TestClient, analysis_ids: list[int], limit_s: float = 60.0) -> dict[str, dict]:
    """The statuses once none is queued or running (polling, as the page does)."""
    ids = ",".join(str(i) for i in analysis_ids)
    deadline = time.monotonic() + limit_s
    while True:
        statuses = client.get(f"/status?ids={ids}").json()
        if len(statuses) == len(analysis_ids) and all(s["status"] not in ("queued", "running")
                                                      for s in statuses.values()):
            return statuses
        if time.monotonic() > deadline:
            raise AssertionError(f"analyses still unfinished: {statuses}")
        time.sleep(0.05)


def stored_files(data: Path) -> list[Path]:
    return sorted(p for p in (data / "photos").rglob("*") if p.is_file())

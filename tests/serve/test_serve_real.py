"""The desk with posture's own analysis on the sample photos: measured, compared, reported."""

from __future__ import annotations

import pickle
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from fastapi.testclient import TestClient
from serve_fakes import BASE_URL, LOCAL, add_client, add_session, csrf_token, upload, wait_finished

from posture.serve import records
from posture.serve.app import Settings, create_app
from posture.serve.queue import cache_path
from posture.serve.worker import analyse_with

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def desk_app(data: Path, analyzer):
    """A desk analysing with the session's Analyzer, in one thread."""
    return create_app(Settings(data=data), analyse=partial(analyse_with, analyzer),
                      make_executor=lambda: ThreadPoolExecutor(1))


def analysed_sample(client: TestClient) -> tuple[str, int, int]:
    """A client with one session holding the side sample, analysed: (CSRF token, session id, analysis id)."""
    token = csrf_token(client)
    session_id = add_session(client, token, add_client(client, token), "2026-01-10")
    (analysis_id,) = [a["analysis"] for a in upload(
        client, session_id, [("side.png", (SAMPLES / "side-left_neutral.png").read_bytes())], token)
        .json()["accepted"]]
    wait_finished(client, [analysis_id])
    return token, session_id, analysis_id


def point(page: str, name: str) -> tuple[float, float]:
    """Where the correction page draws a landmark."""
    found = re.search(rf'<circle cx="([\d.]+)" cy="([\d.]+)" r="11" data-name="{name}"', page)
    assert found is not None
    return float(found[1]), float(found[2])


def test_two_sessions_of_sample_photos_are_measured_compared_and_reported(tmp_path, analyzer):
    with TestClient(desk_app(tmp_path / "desk", analyzer), base_url=BASE_URL, client=LOCAL) as client:
        token = csrf_token(client)
        client_id = add_client(client, token, "Sample", height_cm="170")
        sessions = {add_session(client, token, client_id, "2026-01-10"): "side-left_neutral.png",
                    add_session(client, token, client_id, "2026-03-10"): "side-left_neck-flexion-20deg.png"}
        ids = []
        for session_id, name in sessions.items():
            ids += [a["analysis"] for a in upload(client, session_id, [(name, (SAMPLES / name).read_bytes())], token)
                    .json()["accepted"]]
        assert {s["status"] for s in wait_finished(client, ids, limit_s=120).values()} == {"done"}
        document = client.get(f"/analyses/{ids[0]}.json").json()
        assert document["view"] == "side-left" and document["image"] == {
            "path": None, "name": "side-left_neutral.png", "width": document["image"]["width"],
            "height": document["image"]["height"]}
        report = client.get(f"/analyses/{ids[1]}/report").text
        assert "side-left_neck-flexion-20deg.png" in report and 'id="measurements"' in report
        first, second = sessions
        comparison = client.get(f"/clients/{client_id}/compare", params={"a": second, "b": first})
        assert comparison.status_code == 200
        assert "2026-01-10" in comparison.text and 'class="verdict' in comparison.text
        assert comparison.text.index("2026-01-10") < comparison.text.index("2026-03-10")
        page = client.get(f"/clients/{client_id}").text
        assert 'id="trends"' in page and "Head" in page


def test_a_landmark_corrected_by_hand_gives_a_new_reading_and_keeps_the_original(tmp_path, analyzer):
    with TestClient(desk_app(tmp_path / "desk", analyzer), base_url=BASE_URL, client=LOCAL) as client:
        token, session_id, original = analysed_sample(client)
        page = client.get(f"/analyses/{original}/correct").text
        ear = point(page, "left_ear")
        assert client.get(f"/analyses/{original}/photo.png").content.startswith(b"\x89PNG")
        moved = {"point_left_ear": f"{ear[0] - 30},{ear[1]}"}
        assert client.post(f"/analyses/{original}/correct", data=moved).status_code == 403
        outside = client.post(f"/analyses/{original}/correct", data={"csrf_token": token, "point_left_ear": "-5,3"})
        assert outside.status_code == 422 and "outside" in outside.text
        answer = client.post(f"/analyses/{original}/correct", data={"csrf_token": token, **moved},
                             follow_redirects=False)
        assert answer.status_code == 303
        with sqlite3.connect(tmp_path / "desk" / "posture.sqlite3") as db:
            (corrected,) = db.execute("SELECT id FROM analyses WHERE id != ?", (original,)).fetchone()
            assert db.execute("SELECT landmark FROM corrections WHERE analysis_id = ?", (corrected,)).fetchall() == [
                ("left_ear",)]
        before = client.get(f"/analyses/{original}.json").json()["measurements"]["head_forward_angle"]
        after = client.get(f"/analyses/{corrected}.json").json()["measurements"]["head_forward_angle"]
        assert after["value"] < before["value"] and after["method"].startswith("Corrected by hand on ")
        assert "corrected by hand" in client.get(f"/sessions/{session_id}").text
        assert "left ear placed by hand" in client.get(f"/analyses/{corrected}/report").text


def test_a_restored_desk_analyses_its_photos_again_and_makes_its_corrections_again(tmp_path, analyzer):
    def newest(data: Path) -> int:
        with sqlite3.connect(data / "posture.sqlite3") as db:
            return db.execute("SELECT max(id) FROM analyses").fetchone()[0]

    desk, restored = tmp_path / "desk", tmp_path / "restored"
    with TestClient(desk_app(desk, analyzer), base_url=BASE_URL, client=LOCAL) as client:
        token, _, original = analysed_sample(client)
        page = client.get(f"/analyses/{original}/correct").text
        ear, shoulder = point(page, "left_ear"), point(page, "left_shoulder")
        client.post(f"/analyses/{original}/correct",
                    data={"csrf_token": token, "point_left_ear": f"{ear[0] - 30},{ear[1]}"})
        once = newest(desk)
        # A second correction made on the first: its record holds both points, so it can be made again alone.
        client.post(f"/analyses/{once}/correct",
                    data={"csrf_token": token, "point_left_shoulder": f"{shoulder[0] + 10},{shoulder[1]}"})
        twice = newest(desk)
        assert twice > once > original
        with sqlite3.connect(desk / "posture.sqlite3") as db:
            (sha256,) = db.execute("SELECT sha256 FROM photos").fetchone()
        expected = pickle.loads(cache_path(desk, sha256, twice, ".pickle").read_bytes())
        assert records.backup(desk, tmp_path / "backup.tar") > 0
    assert records.restore(tmp_path / "backup.tar", restored) > 0
    assert not cache_path(restored, sha256, twice, ".pickle").exists()
    with TestClient(desk_app(restored, analyzer), base_url=BASE_URL, client=LOCAL) as client:
        assert wait_finished(client, [original])[str(original)]["status"] == "done"
        report = client.get(f"/analyses/{twice}/report")
        assert report.status_code == 200 and "left ear, left shoulder placed by hand" in report.text
        again = pickle.loads(cache_path(restored, sha256, twice, ".pickle").read_bytes())
    assert [(m.id, m.value) for m in again.measurements] == [(m.id, m.value) for m in expected.measurements]
    assert {"left_ear", "left_shoulder"} <= {name for m in again.measurements if m.method.startswith("Corrected")
                                             for name in m.landmarks}

"""A clip of quiet standing at the desk: uploaded, analysed by posture's own clip reading, shown, compared,
exported and backed up like a photo; a clip that cannot be measured says why on the session page."""

from __future__ import annotations

import io
import math
import re
import tarfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from clips import swaying_clip, write_clip
from fastapi.testclient import TestClient
from serve_fakes import BASE_URL, LOCAL, add_client, add_session, csrf_token, stored_files, upload, wait_finished

from posture.serve import pages, records
from posture.serve.app import Settings, create_app
from posture.serve.worker import analyse_with

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PHOTO = SAMPLES / "side-left_neutral.png"


@pytest.fixture(scope="module")
def still_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("clips")
    return swaying_clip(folder / "standing.mov", PHOTO, seconds=3.0, rate=10.0,
                        shift=lambda t: 6.0 * math.sin(math.pi * t)).read_bytes()


def desk(data: Path, analyzer) -> TestClient:
    app = create_app(Settings(data=data), analyse=partial(analyse_with, analyzer),
                     make_executor=lambda: ThreadPoolExecutor(1))
    return TestClient(app, base_url=BASE_URL, client=LOCAL)


def test_a_clip_is_stored_once_analysed_shown_with_its_sway_compared_exported_and_backed_up(
        tmp_path: Path, analyzer, still_clip: bytes) -> None:
    with desk(tmp_path / "desk", analyzer) as client:
        token = csrf_token(client)
        client_id = add_client(client, token, "Clip")
        first = add_session(client, token, client_id, "2026-01-10")
        second = add_session(client, token, client_id, "2026-03-10")
        clip_answer = upload(client, first, [("standing.mov", still_clip)], token)
        assert clip_answer.status_code == 201, clip_answer.text
        again = upload(client, first, [("same clip.mp4", still_clip)], token)
        photo = upload(client, second, [("side.png", PHOTO.read_bytes())], token)
        ids = [a.json()["accepted"][0]["analysis"] for a in (clip_answer, again, photo)]
        assert {s["status"] for s in wait_finished(client, ids, limit_s=300).values()} == {"done"}
        clips = [p for p in stored_files(tmp_path / "desk") if p.suffix == ".mp4"]
        assert len(clips) == 1 and clips[0].read_bytes() == still_clip  # stored once, as sent

        document = client.get(f"/analyses/{ids[0]}.json").json()
        assert document["view"] == "side-left" and document["clip"]["frames_used"] >= 20
        page = client.get(f"/sessions/{first}").text
        assert f'/analyses/{ids[0]}/picture.png' in page
        assert re.search(r"Combined from \d+ frames over \d\.\d s of quiet standing", page)
        assert page.count('<table class="sway">') == 2 and "Front-back sway" in page
        assert f"/analyses/{ids[0]}/correct" not in page and "cannot be corrected by hand on a clip" in page
        assert client.get(f"/analyses/{ids[0]}/correct").status_code == 409
        poster = client.get(f"/analyses/{ids[0]}/picture.png")
        assert poster.status_code == 200 and poster.content.startswith(b"\x89PNG")

        client_page = client.get(f"/clients/{client_id}").text
        assert '<span class="meta">2 clips</span>' in client_page and '<span class="meta">1 photo</span>' in client_page
        assert "no detectable change" in client_page or "changed" in client_page  # a trend of clip and photo
        comparison = client.get(f"/clients/{client_id}/compare", params={"a": first, "b": second})
        assert comparison.status_code == 200 and "standing.mov" in comparison.text

        export = client.get(f"/clients/{client_id}/export.json").json()
        assert export["sessions"][0]["photos"][0]["analysis"]["clip"]["frames_used"] >= 20
        header = client.get(f"/clients/{client_id}/export.csv").text.splitlines()[0]
        assert "clip_frames_used" in header and "walk_step_time_index_percent" in header

    archive = tmp_path / "desk.tar"
    assert records.backup(tmp_path / "desk", archive) == 2
    with tarfile.open(archive) as tar:
        assert any(name.endswith(".mp4") for name in tar.getnames())
    assert records.restore(archive, tmp_path / "restored") == 2
    assert [p.read_bytes() for p in stored_files(tmp_path / "restored") if p.suffix == ".mp4"] == [still_clip]


def test_a_clip_with_no_person_shows_its_one_sentence_reason(tmp_path: Path, analyzer) -> None:
    blank = np.full((640, 360, 3), 200, dtype=np.uint8)
    empty = write_clip(tmp_path / "empty.mp4", [blank] * 10, [i / 5 for i in range(10)]).read_bytes()
    with desk(tmp_path / "desk", analyzer) as client:
        token = csrf_token(client)
        session_id = add_session(client, token, add_client(client, token), "2026-01-10")
        answer = upload(client, session_id, [("empty.mp4", empty)], token)
        (analysis_id,) = [a["analysis"] for a in answer.json()["accepted"]]
        status = wait_finished(client, [analysis_id], limit_s=120)[str(analysis_id)]
        assert status["status"] == "refused"
        reason = status["reason"]
        assert "no standing person" in reason.lower() and reason.count(". ") == 0 and reason.endswith(".")
        assert reason in client.get(f"/sessions/{session_id}").text.replace("&#39;", "'")


def test_a_truncated_clip_is_refused_at_upload_with_its_reason(tmp_path: Path, analyzer,
                                                             still_clip: bytes) -> None:
    with desk(tmp_path / "desk", analyzer) as client:
        token = csrf_token(client)
        session_id = add_session(client, token, add_client(client, token), "2026-01-10")
        answer = client.post(f"/sessions/{session_id}/photos", data={"csrf_token": token},
                             files=[("photos", ("cut.mp4", io.BytesIO(still_clip[:len(still_clip) // 3]),
                                                "video/mp4"))])
        assert answer.status_code == 422
        assert "cut.mp4" in answer.text and "truncated or damaged" in answer.text
        assert stored_files(tmp_path / "desk") == []


def test_a_walks_card_gives_its_steps_and_what_each_comparison_says() -> None:
    # The analysis' JSON of a walk: the card shows its steps and one sentence a comparison, no standing sway.
    symmetries = [{"quantity": "step time", "left": 0.58, "right": 0.52, "unit": "s", "index_percent": 10.91,
                   "interval_percent": 2.5, "detectable": True, "one_sided": True, "count": 3},
                  {"quantity": "step length", "left": 66.0, "right": 67.0, "unit": "cm", "index_percent": -1.5,
                   "interval_percent": 30.0, "detectable": None, "one_sided": False, "count": 2}]
    clip = {"duration_s": 3.6, "frames_read": 108, "frames_used": 0, "start_s": 0.5, "end_s": 3.2,
            "seconds_used": 0.0, "sway": [], "sway_note": "", "walk": {
                "start_s": 0.5, "end_s": 3.2, "steps": 6, "cadence_per_min": 109.0, "symmetries": symmetries,
                "trunk_sway": 3.2, "trunk_sway_unit": "deg"}}
    entry = pages.clip_entry(clip)
    assert entry is not None and entry["sway"] == []
    assert entry["sentence"] == "A walk: 6 steps, 109 a minute (0.5-3.2 s of a 3.6-s clip)."
    assert entry["walk"][0].startswith("Step time: the left's is 10.9 ± 2.5 % larger than the right's")
    assert entry["walk"][1].startswith("Step length: not readable consistently in this clip")

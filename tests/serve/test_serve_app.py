"""The desk's pages and API through Starlette's TestClient, with the quick stand-in analysis."""

from __future__ import annotations

import csv
import io

from serve_fakes import add_client, add_session, png_bytes, stored_files, upload, wait_finished


def test_a_client_a_session_and_three_photos_give_three_analyses_on_the_session_page(desk):
    client_id = add_client(desk.client, desk.token, "Ann Lee", height_cm="168", clothing="shorts")
    session_id = add_session(desk.client, desk.token, client_id, "2026-01-10", "intake")
    answer = upload(desk.client, session_id, [(f"side-{n}.png", png_bytes(seed=n)) for n in (10, 12, 20)],
                    desk.token)
    assert answer.status_code == 201
    ids = [a["analysis"] for a in answer.json()["accepted"]]
    assert {s["status"] for s in wait_finished(desk.client, ids).values()} == {"done"}
    page = desk.client.get(f"/sessions/{session_id}").text
    for n in (10, 12, 20):
        assert f"side-{n}.png" in page
    assert page.count('/picture.png"') == 3 and "Head forward" in page and "shorts" in page
    picture = desk.client.get(f"/analyses/{ids[0]}/picture.png")
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    assert desk.client.get(f"/analyses/{ids[0]}.json").json()["view"] == "side-left"


def test_the_same_photo_twice_is_kept_once_on_disk(desk):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    body = png_bytes(seed=3)
    upload(desk.client, session_id, [("a.png", body)], desk.token)
    upload(desk.client, session_id, [("b.png", body)], desk.token)
    assert len(stored_files(desk.data)) == 1


def test_the_client_list_searches_names_and_notes_and_escapes_them(desk):
    add_client(desk.client, desk.token, "Ann <script>x</script>")
    add_client(desk.client, desk.token, "Bob", notes="knee surgery 2024")
    page = desk.client.get("/", params={"q": "knee"}).text
    assert "Bob" in page and "Ann" not in page
    page = desk.client.get("/").text
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_the_client_page_shows_the_timeline_trend_and_protocol_flag(desk):
    client_id = add_client(desk.client, desk.token, camera_height_cm="95", footwear="barefoot")
    ids = []
    for day, name in (("2026-01-10", "side-30.png"), ("2026-02-10", "side-20.png"), ("2026-03-10", "side-300.png")):
        session_id = add_session(desk.client, desk.token, client_id, day)
        ids += [a["analysis"] for a in upload(desk.client, session_id, [(name, png_bytes())], desk.token)
                .json()["accepted"]]
    wait_finished(desk.client, ids)
    page = desk.client.get(f"/clients/{client_id}").text
    assert 'id="trends"' in page and "<svg" in page and "minimal detectable change" in page
    assert page.count("protocol-flag") == 1  # the body's share went from 52% to 80%: the third session only
    assert "80%" in page and "52%" in page and "95" in page and "barefoot" in page


def test_a_refused_photo_shows_its_reason(desk):
    session_id = add_session(desk.client, desk.token, add_client(desk.client, desk.token), "2026-01-10")
    ids = [a["analysis"] for a in upload(desk.client, session_id, [("refused.png", png_bytes())], desk.token)
           .json()["accepted"]]
    assert wait_finished(desk.client, ids)[str(ids[0])]["status"] == "refused"
    assert "No person was found in this photo." in desk.client.get(f"/sessions/{session_id}").text


def test_a_client_exports_as_csv_and_json(desk):
    client_id = add_client(desk.client, desk.token, "=cmd|calc", height_cm="170")
    session_id = add_session(desk.client, desk.token, client_id, "2026-01-10", "intake")
    ids = [a["analysis"] for a in upload(desk.client, session_id, [("side-14.png", png_bytes())], desk.token)
           .json()["accepted"]]
    wait_finished(desk.client, ids)
    record = desk.client.get(f"/clients/{client_id}/export.json").json()
    assert record["client"]["height_cm"] == 170
    assert record["sessions"][0]["photos"][0]["analysis"]["measurements"]["head_forward_angle"]["value"] == 14
    rows = list(csv.DictReader(io.StringIO(desk.client.get(f"/clients/{client_id}/export.csv").text)))
    assert rows[0]["head_forward_angle"] == "14.0" and rows[0]["session_label"] == "intake"
    assert rows[0]["client"] == "'=cmd|calc"  # a spreadsheet must not run it as a formula


def test_deleting_a_client_removes_their_photos_but_not_those_another_client_has(desk):
    shared, own = png_bytes(seed=1), png_bytes(seed=2)
    ann = add_client(desk.client, desk.token, "Ann")
    bob = add_client(desk.client, desk.token, "Bob")
    upload(desk.client, add_session(desk.client, desk.token, ann, "2026-01-10"), [("s.png", shared), ("o.png", own)],
           desk.token)
    upload(desk.client, add_session(desk.client, desk.token, bob, "2026-01-10"), [("s.png", shared)], desk.token)
    assert len(stored_files(desk.data)) == 2
    answer = desk.client.post(f"/clients/{ann}/delete", data={"csrf_token": desk.token}, follow_redirects=False)
    assert answer.status_code == 303
    assert len(stored_files(desk.data)) == 1
    assert desk.client.get(f"/clients/{ann}").status_code == 404
    assert desk.client.get(f"/clients/{bob}").status_code == 200


def test_comparing_needs_two_sessions_of_the_client_with_analyses_at_hand(desk):
    client_id = add_client(desk.client, desk.token)
    first = add_session(desk.client, desk.token, client_id, "2026-01-10")
    second = add_session(desk.client, desk.token, client_id, "2026-02-10")
    other = add_session(desk.client, desk.token, add_client(desk.client, desk.token, "Bob"), "2026-01-10")
    assert desk.client.get(f"/clients/{client_id}/compare", params={"a": first, "b": other}).status_code == 400
    assert desk.client.get(f"/clients/{client_id}/compare", params={"a": first, "b": first}).status_code == 400
    answer = desk.client.get(f"/clients/{client_id}/compare", params={"a": first, "b": second})
    assert answer.status_code == 409 and "no analysed photo" in answer.text


def test_a_bad_height_or_date_is_refused_with_a_sentence(desk):
    answer = desk.client.post("/clients", data={"name": "Ann", "height_cm": "1.7", "csrf_token": desk.token})
    assert answer.status_code == 422 and "standing height" in answer.text
    client_id = add_client(desk.client, desk.token)
    answer = desk.client.post(f"/clients/{client_id}/sessions", data={"session_date": "10/01/26",
                                                                     "csrf_token": desk.token})
    assert answer.status_code == 422 and "not a date" in answer.text

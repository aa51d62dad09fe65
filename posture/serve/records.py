"""The desk's data leaving and coming back: backups, restores and one client's export.

A backup is one tar archive: ``posture.sqlite3``, copied with SQLite's
online backup (consistent while the desk runs), and every photo under
``photos/`` (clips included). It is written to a temporary file and renamed, so a backup is
whole or absent. A restore reads only those two kinds of member: a photo
must be named by the sha256 of its own bytes, so nothing in the archive
chooses a path. The analysis cache is not carried: it is rebuilt by
analysing again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from posture.analysis import CLIP_COLUMNS, SWAY_QUANTITIES, WALK_FIELDS, sway_stem, walk_stem
from posture.errors import InputError, OutputError
from posture.io.outputs import atomic_file
from posture.knowledge import registry
from posture.serve import store
from posture.serve.photos import STORED_EXTENSIONS, photo_path

PHOTO_MEMBER = re.compile(r"photos/([0-9a-f]{2})/([0-9a-f]{64})\.(" + "|".join(STORED_EXTENSIONS) + r")")


def backup(data: Path, archive: Path) -> int:
    """Write ``data``'s records and photos to ``archive``; returns how many photos it holds.

    Raises:
        InputError: ``data`` holds no desk records.
        OutputError: the archive could not be written.
    """
    if not (data / store.DATABASE_NAME).is_file():
        raise InputError(f"{data} holds no desk records ({store.DATABASE_NAME}) to back up; give the --data "
                         "folder of the desk.")
    count = 0
    with tempfile.TemporaryDirectory(prefix="posture-backup-") as scratch:
        copy = Path(scratch) / store.DATABASE_NAME
        source = store.connect(data)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        try:
            with atomic_file(archive) as stream, tarfile.open(fileobj=stream, mode="w|") as tar:
                tar.add(copy, arcname=store.DATABASE_NAME)
                for photo in sorted((data / "photos").glob("??/*.*")):
                    name = photo.relative_to(data).as_posix()
                    if PHOTO_MEMBER.fullmatch(name):
                        tar.add(photo, arcname=name)
                        count += 1
        except OSError as error:
            raise OutputError(f"The backup {archive} could not be written ({error.strerror or error}).") from error
    return count


def restore(archive: Path, data: Path) -> int:
    """Put a backup's records and photos into ``data``, which must hold no client yet; returns the photo count.

    Raises:
        InputError: not a posture backup, a photo whose bytes do not match its name, a damaged database, or a
            data folder that already holds clients.
    """
    data.mkdir(parents=True, exist_ok=True)
    if (data / store.DATABASE_NAME).exists():
        connection = store.connect(data)
        try:
            if connection.execute("SELECT count(*) FROM clients").fetchone()[0]:
                raise InputError(f"{data} already holds clients; restore into an empty --data folder.")
        finally:
            connection.close()
    count = 0
    database: bytes | None = None
    try:
        with tarfile.open(archive, mode="r|") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                content = tar.extractfile(member)
                if content is None:
                    continue
                if member.name == store.DATABASE_NAME:
                    database = content.read()
                    continue
                match = PHOTO_MEMBER.fullmatch(member.name)
                if match is None:
                    raise InputError(f"{archive} holds {member.name!r}, which no posture backup holds.")
                body = content.read()
                if hashlib.sha256(body).hexdigest() != match[2] or match[1] != match[2][:2]:
                    raise InputError(f"{archive}: the photo {member.name} does not match its own hash; "
                                     "the backup is damaged.")
                target = photo_path(data, match[2], match[3])
                target.parent.mkdir(parents=True, exist_ok=True)
                with atomic_file(target) as out:
                    out.write(body)
                count += 1
    except (tarfile.TarError, OSError) as error:
        raise InputError(f"{archive} is not a readable posture backup ({error}).") from error
    if database is None:
        raise InputError(f"{archive} holds no {store.DATABASE_NAME}: it is not a posture backup.")
    for stale in (data / f"{store.DATABASE_NAME}-wal", data / f"{store.DATABASE_NAME}-shm"):
        stale.unlink(missing_ok=True)
    with atomic_file(data / store.DATABASE_NAME) as out:
        out.write(database)
    try:
        connection = store.connect(data)
        verdict = store.integrity(connection)
        connection.close()
    except (sqlite3.DatabaseError, RuntimeError) as error:
        verdict = str(error)
    if verdict != "ok":
        (data / store.DATABASE_NAME).unlink()
        raise InputError(f"The database in {archive} cannot be used ({verdict}).")
    return count


# ------------------------------------------------------------------ export of one client


def export_client(connection: sqlite3.Connection, client_id: int) -> dict[str, Any]:
    """One client's record as JSON-ready data: their details, sessions, photos and each analysis's document."""
    client = store.client(connection, client_id)
    if client is None:
        raise KeyError(client_id)
    sessions = store.sessions(connection, client_id)
    photos = store.session_photos(connection, [s["id"] for s in sessions])
    return {
        "client": {name: client[name] for name in ("id", *store.CLIENT_FIELDS, "created")},
        "sessions": [{
            "id": s["id"], "date": s["date"], "label": s["label"],
            "photos": [{"name": p["original_name"], "sha256": p["sha256"], "bytes": p["bytes"], "added": p["added"],
                        "status": p["status"], "reason": p["reason"],
                        "analysis": json.loads(p["document"]) if p["document"] else None}
                       for p in photos if p["session_id"] == s["id"]],
        } for s in sessions],
    }


def export_client_csv(connection: sqlite3.Connection, client_id: int) -> str:
    """One row per photo or clip: the session, the upload, its status, view, each measurement's value and ±, and
    for a clip the frames and seconds its reading rests on and its sway (the batch CSV's columns)."""
    record = export_client(connection, client_id)
    ids = [d.id for d in registry.DEFINITIONS]
    head = ["client", "session_date", "session_label", "photo", "sha256", "status", "reason", "view"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head + [column for i in ids for column in (i, f"{i}_unit", f"{i}_uncertainty")]
                    + list(CLIP_COLUMNS))
    for session in record["sessions"]:
        for photo in session["photos"]:
            document = photo["analysis"] or {}
            measurements = document.get("measurements", {})
            row = [record["client"]["name"], session["date"], session["label"], photo["name"], photo["sha256"],
                   photo["status"], photo["reason"] or "", document.get("view") or ""]
            for i in ids:
                m = measurements.get(i)
                row += ["", "", ""] if m is None else [m["value"], m["unit"], "" if m["uncertainty"] is None
                                                        else m["uncertainty"]]
            row += _clip_cells(document.get("clip"))
            writer.writerow([_safe_cell(cell) for cell in row])
    return out.getvalue()


def _clip_cells(clip: dict[str, Any] | None) -> list[object]:
    """A clip document's summary in :data:`~posture.analysis.CLIP_COLUMNS` order; empty cells for a photo."""
    if not clip:
        return [""] * len(CLIP_COLUMNS)
    cells: dict[str, object] = {"clip_frames_read": clip["frames_read"], "clip_frames_used": clip["frames_used"],
                                "clip_seconds_used": clip["seconds_used"]}
    for reading in clip["sway"]:
        stem = sway_stem(reading["part"], reading["direction"])
        cells.update({f"{stem}_{quantity}": reading[quantity] for quantity in SWAY_QUANTITIES})
        cells["sway_unit"] = reading["unit"]
    walk = clip.get("walk")
    if walk:
        cells.update(walk_steps=walk["steps"], walk_cadence_per_min=walk["cadence_per_min"],
                     walk_trunk_sway_deg=walk["trunk_sway"])
        for item in walk["symmetries"]:
            cells.update({f"{walk_stem(item['quantity'])}_{field}": item[field] for field in WALK_FIELDS})
            if item["quantity"] == "step length":
                cells["walk_length_unit"] = item["unit"]
    return ["" if cells.get(column) is None else cells[column] for column in CLIP_COLUMNS]


def _safe_cell(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell

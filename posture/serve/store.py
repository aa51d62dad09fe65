"""The desk's records in SQLite: clients, sessions, photos, analyses and corrections.

One file, ``DATA/posture.sqlite3``, in WAL mode so that pages read while an
analysis is written. Its schema is versioned with ``PRAGMA user_version``:
:data:`MIGRATIONS` holds the SQL steps in order, and opening an older file
runs the steps it has not had, each in one transaction. A connection is
opened per request (and per thread): SQLite connections are cheap, and one
shared across threads would need a lock of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DATABASE_NAME = "posture.sqlite3"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        height_cm REAL,
        notes TEXT NOT NULL DEFAULT '',
        camera_height_cm REAL,
        camera_distance_cm REAL,
        clothing TEXT NOT NULL DEFAULT '',
        arms TEXT NOT NULL DEFAULT '',
        footwear TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL
    );
    CREATE INDEX clients_by_name ON clients (name COLLATE NOCASE);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
        date TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL
    );
    CREATE INDEX sessions_by_client ON sessions (client_id, date);
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        extension TEXT NOT NULL,
        original_name TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        added TEXT NOT NULL
    );
    CREATE INDEX photos_by_session ON photos (session_id);
    CREATE INDEX photos_by_content ON photos (sha256);
    CREATE TABLE analyses (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'refused', 'failed')),
        reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        document TEXT,
        view TEXT,
        body_fraction REAL,
        queued TEXT NOT NULL,
        finished TEXT
    );
    CREATE INDEX analyses_by_photo ON analyses (photo_id);
    CREATE INDEX analyses_by_status ON analyses (status);
    CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
        landmark TEXT NOT NULL,
        x REAL NOT NULL,
        y REAL NOT NULL,
        made TEXT NOT NULL
    );
    CREATE INDEX corrections_by_analysis ON corrections (analysis_id);
    """,
    # Each measurement's typical range, so the client page's trends judge a change as `posture compare` does.
    """
    ALTER TABLE analyses ADD COLUMN ranges TEXT;
    """,
)
"""The schema's steps, oldest first; step ``n`` takes ``user_version`` from ``n`` to ``n + 1``. Append, never edit."""

PROTOCOL_FIELDS = ("camera_height_cm", "camera_distance_cm", "clothing", "arms", "footwear")
"""The capture protocol kept with each client, so every visit is photographed the same way."""

CLIENT_FIELDS = ("name", "height_cm", "notes", *PROTOCOL_FIELDS)

FINISHED = ("done", "refused", "failed")
"""An analysis in one of these states will not change again."""


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def connect(data: Path) -> sqlite3.Connection:
    """A connection to ``data``'s database, created and migrated to the newest schema when needed.

    Rows come back as :class:`sqlite3.Row`; foreign keys are enforced, so a deleted client takes their
    sessions, photos, analyses and corrections with them.
    """
    connection = sqlite3.connect(data / DATABASE_NAME, timeout=30.0, isolation_level=None,
                                 check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA busy_timeout = 30000")
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        connection.execute("PRAGMA journal_mode = WAL")
    # FULL, not WAL's usual NORMAL: an upload is acknowledged only after its commit, which must survive a power cut.
    connection.execute("PRAGMA synchronous = FULL")
    migrate(connection)
    return connection


def migrate(connection: sqlite3.Connection) -> int:
    """Run the :data:`MIGRATIONS` steps this database has not had; returns its schema version.

    Raises:
        RuntimeError: the database was written by a newer posture (a version beyond the known steps).
    """
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(f"this database has schema version {version}, newer than this posture knows "
                           f"({len(MIGRATIONS)}); use a newer posture")
    for step in range(version, len(MIGRATIONS)):
        with transaction(connection):
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {step + 1}")
    return len(MIGRATIONS)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (BEGIN IMMEDIATE) and committed at the end, or rolled back."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


# ------------------------------------------------------------------ clients


def add_client(connection: sqlite3.Connection, fields: dict[str, Any]) -> int:
    with transaction(connection):
        cursor = connection.execute(
            f"INSERT INTO clients ({', '.join(CLIENT_FIELDS)}, created) "
            f"VALUES ({', '.join('?' for _ in CLIENT_FIELDS)}, ?)",
            [fields.get(name) if fields.get(name) is not None else _empty(name) for name in CLIENT_FIELDS] + [now()])
    return int(cursor.lastrowid or 0)


def update_client(connection: sqlite3.Connection, client_id: int, fields: dict[str, Any]) -> None:
    with transaction(connection):
        connection.execute(f"UPDATE clients SET {', '.join(f'{name} = ?' for name in CLIENT_FIELDS)} WHERE id = ?",
                           [fields.get(name) if fields.get(name) is not None else _empty(name)
                            for name in CLIENT_FIELDS] + [client_id])


def _empty(name: str) -> Any:
    """What an unset field holds: NULL for a number, an empty text otherwise."""
    return None if name.endswith("_cm") else ""


def client(connection: sqlite3.Connection, client_id: int) -> sqlite3.Row | None:
    return connection.execute("SELECT * FROM clients WHERE id = ?", (client_id,)).fetchone()


def clients(connection: sqlite3.Connection, search: str = "", limit: int = 200) -> list[sqlite3.Row]:
    """Clients whose name or notes contain ``search`` (any case), by name, with their session count."""
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return connection.execute(
        "SELECT c.*, (SELECT count(*) FROM sessions s WHERE s.client_id = c.id) AS session_count, "
        "(SELECT max(s.date) FROM sessions s WHERE s.client_id = c.id) AS last_session "
        "FROM clients c WHERE c.name LIKE ? ESCAPE '\\' OR c.notes LIKE ? ESCAPE '\\' "
        "ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?", (pattern, pattern, limit)).fetchall()


def delete_client(connection: sqlite3.Connection, client_id: int) -> list[sqlite3.Row]:
    """Delete a client and everything recorded of them; returns the photo files no other client still uses.

    The caller removes those files after this commit: a crash in between leaves a file without a row, never a
    row without its file.
    """
    with transaction(connection):
        theirs = connection.execute(
            "SELECT DISTINCT p.sha256, p.extension FROM photos p JOIN sessions s ON s.id = p.session_id "
            "WHERE s.client_id = ?", (client_id,)).fetchall()
        connection.execute("DELETE FROM clients WHERE id = ?", (client_id,))
        return [row for row in theirs
                if connection.execute("SELECT 1 FROM photos WHERE sha256 = ? LIMIT 1", (row["sha256"],)).fetchone()
                is None]


# ------------------------------------------------------------------ sessions and photos


def add_session(connection: sqlite3.Connection, client_id: int, date: str, label: str) -> int:
    with transaction(connection):
        cursor = connection.execute("INSERT INTO sessions (client_id, date, label, created) VALUES (?, ?, ?, ?)",
                                    (client_id, date, label, now()))
    return int(cursor.lastrowid or 0)


def session(connection: sqlite3.Connection, session_id: int) -> sqlite3.Row | None:
    return connection.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()


def sessions(connection: sqlite3.Connection, client_id: int) -> list[sqlite3.Row]:
    """A client's sessions, oldest first."""
    return connection.execute("SELECT * FROM sessions WHERE client_id = ? ORDER BY date, id",
                              (client_id,)).fetchall()


def add_photo(connection: sqlite3.Connection, session_id: int, sha256: str, extension: str, original_name: str,
              size: int) -> tuple[int, int]:
    """Record a stored photo and queue its analysis, in one transaction; returns (photo id, analysis id)."""
    with transaction(connection):
        photo_id = connection.execute(
            "INSERT INTO photos (session_id, sha256, extension, original_name, bytes, added) "
            "VALUES (?, ?, ?, ?, ?, ?)", (session_id, sha256, extension, original_name, size, now())).lastrowid
        analysis_id = connection.execute("INSERT INTO analyses (photo_id, status, queued) VALUES (?, 'queued', ?)",
                                         (photo_id, now())).lastrowid
    return int(photo_id or 0), int(analysis_id or 0)


def photo(connection: sqlite3.Connection, photo_id: int) -> sqlite3.Row | None:
    return connection.execute("SELECT * FROM photos WHERE id = ?", (photo_id,)).fetchone()


def session_photos(connection: sqlite3.Connection, session_ids: list[int]) -> list[sqlite3.Row]:
    """The photos of these sessions with their latest analysis, in upload order."""
    if not session_ids:
        return []
    marks = ", ".join("?" for _ in session_ids)
    return connection.execute(
        "SELECT p.*, a.id AS analysis_id, a.status, a.reason, a.view, a.body_fraction, a.document, a.ranges, "
        "a.finished, (SELECT count(*) FROM corrections c WHERE c.analysis_id = a.id) AS corrections "
        "FROM photos p JOIN analyses a ON a.id = (SELECT max(id) FROM analyses WHERE photo_id = p.id) "
        f"WHERE p.session_id IN ({marks}) ORDER BY p.id", session_ids).fetchall()


# ------------------------------------------------------------------ analyses


def analysis(connection: sqlite3.Connection, analysis_id: int) -> sqlite3.Row | None:
    return connection.execute(
        "SELECT a.*, p.sha256, p.extension, p.original_name, p.session_id, s.client_id, "
        "(SELECT count(*) FROM corrections c WHERE c.analysis_id = a.id) AS corrections FROM analyses a "
        "JOIN photos p ON p.id = a.photo_id JOIN sessions s ON s.id = p.session_id WHERE a.id = ?",
        (analysis_id,)).fetchone()


def statuses(connection: sqlite3.Connection, analysis_ids: list[int]) -> list[sqlite3.Row]:
    if not analysis_ids:
        return []
    marks = ", ".join("?" for _ in analysis_ids)
    return connection.execute(f"SELECT id, status, reason FROM analyses WHERE id IN ({marks})",
                              analysis_ids).fetchall()


def unfinished(connection: sqlite3.Connection) -> list[sqlite3.Row]:
    """Analyses left queued or running (by a server that stopped), oldest first, put back in the queue."""
    with transaction(connection):
        connection.execute("UPDATE analyses SET status = 'queued' WHERE status = 'running'")
    return connection.execute("SELECT id FROM analyses WHERE status = 'queued' ORDER BY id").fetchall()


def worker_analyses(connection: sqlite3.Connection) -> list[sqlite3.Row]:
    """Finished analyses a worker made (none corrected by hand), with their photo's hash: each has a cached copy,
    unless the records came from a backup, which never carries the cache."""
    return connection.execute(
        "SELECT a.id, p.sha256 FROM analyses a JOIN photos p ON p.id = a.photo_id "
        "WHERE a.status IN ('done', 'refused') "
        "AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.analysis_id = a.id) ORDER BY a.id").fetchall()


def corrected_points(connection: sqlite3.Connection, analysis_id: int) -> dict[str, tuple[float, float, str]]:
    """Every landmark placed by hand in this analysis: name → (x, y, when), in the photo's own pixels."""
    return {row["landmark"]: (row["x"], row["y"], row["made"]) for row in connection.execute(
        "SELECT landmark, x, y, made FROM corrections WHERE analysis_id = ? ORDER BY id", (analysis_id,))}


def worker_analysis_before(connection: sqlite3.Connection, analysis_id: int) -> sqlite3.Row | None:
    """The photo's newest analysis made by a worker before ``analysis_id``: what a correction was made on."""
    row = connection.execute(
        "SELECT b.id FROM analyses a JOIN analyses b ON b.photo_id = a.photo_id AND b.id < a.id "
        "WHERE a.id = ? AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.analysis_id = b.id) "
        "ORDER BY b.id DESC LIMIT 1", (analysis_id,)).fetchone()
    return None if row is None else analysis(connection, row["id"])


def start_analysis(connection: sqlite3.Connection, analysis_id: int) -> None:
    with transaction(connection):
        connection.execute("UPDATE analyses SET status = 'running', attempts = attempts + 1 WHERE id = ?",
                           (analysis_id,))


def requeue_analysis(connection: sqlite3.Connection, analysis_id: int, *, attempted: bool = True) -> None:
    """Put a running analysis back in the queue; ``attempted=False`` when it never reached a worker."""
    with transaction(connection):
        connection.execute("UPDATE analyses SET status = 'queued', attempts = attempts - ? WHERE id = ?",
                           (0 if attempted else 1, analysis_id))


def finish_analysis(connection: sqlite3.Connection, analysis_id: int, status: str, *, reason: str | None = None,
                    document: str | None = None, view: str | None = None, body_fraction: float | None = None,
                    ranges: str | None = None) -> None:
    with transaction(connection):
        connection.execute(
            "UPDATE analyses SET status = ?, reason = ?, document = ?, view = ?, body_fraction = ?, ranges = ?, "
            "finished = ? WHERE id = ?", (status, reason, document, view, body_fraction, ranges, now(), analysis_id))


def integrity(connection: sqlite3.Connection) -> str:
    """SQLite's own check of the file: ``"ok"`` or what is wrong."""
    return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check").fetchall())

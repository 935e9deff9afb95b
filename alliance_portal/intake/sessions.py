"""Sessions the server has ended: logout must end every copy of a session cookie.

The session lives in a signed cookie, so clearing it in one browser leaves any copy of the
cookie (a second tab's export, a stolen cookie, a shared computer's backup) valid for the
whole session lifetime. Each sign-in therefore gets a random session id, and signing out
records that id here; a cookie whose id is recorded is refused. Link revocation and office
password changes end sessions through the link version and the password fingerprint.

SQLite (WAL) so that all waitress threads and a restarted server agree; entries are dropped
once the session could no longer be valid anyway.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ended_sessions (
    sid TEXT PRIMARY KEY,
    until REAL NOT NULL
)
"""


def new_session_id() -> str:
    """A fresh, unguessable id for one sign-in."""
    return secrets.token_urlsafe(18)


class EndedSessions:
    """The ids of sessions ended by signing out, kept until they would have expired."""

    def __init__(self, path: Path, lifetime_seconds: float) -> None:
        self.path = path
        self.lifetime = lifetime_seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def end(self, sid: str, *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        db = self._connect()
        try:
            db.execute(
                "INSERT OR REPLACE INTO ended_sessions(sid, until) VALUES(?, ?)",
                (sid, now + self.lifetime),
            )
            db.execute("DELETE FROM ended_sessions WHERE until < ?", (now,))
        finally:
            db.close()

    def is_ended(self, sid: str) -> bool:
        db = self._connect()
        try:
            row = db.execute("SELECT 1 FROM ended_sessions WHERE sid = ?", (sid,)).fetchone()
        finally:
            db.close()
        return row is not None

"""Fixed-window rate limits per alliance and per client address, kept in SQLite under ``var/``.

SQLite (WAL) rather than a dict in memory: the counts are shared by all of waitress's worker
threads, survive a restart, and need no global mutable state in the app.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from alliance_portal.intake.config import RateLimit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (
    bucket TEXT NOT NULL,
    window INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (bucket, window)
)
"""


class RateLimiter:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def hit(self, bucket: str, limit: RateLimit, *, now: float | None = None) -> int:
        """Count one event; return 0 if allowed, else seconds until the window resets."""
        now = time.time() if now is None else now
        window = int(now // limit.seconds)
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO hits(bucket, window, count) VALUES(?, ?, 1) "
                "ON CONFLICT(bucket, window) DO UPDATE SET count = count + 1",
                (bucket, window),
            )
            (count,) = db.execute(
                "SELECT count FROM hits WHERE bucket = ? AND window = ?", (bucket, window)
            ).fetchone()
            # Old windows are useless; drop them so the file stays small.
            db.execute("DELETE FROM hits WHERE bucket = ? AND window < ?", (bucket, window))
            db.execute("COMMIT")
        finally:
            db.close()
        if count > limit.count:
            return max(1, int((window + 1) * limit.seconds - now))
        return 0

    def over(self, bucket: str, limit: RateLimit, *, now: float | None = None) -> int:
        """Without counting: 0 if ``bucket`` may act, else seconds until its window resets."""
        now = time.time() if now is None else now
        window = int(now // limit.seconds)
        db = self._connect()
        try:
            row = db.execute(
                "SELECT count FROM hits WHERE bucket = ? AND window = ?", (bucket, window)
            ).fetchone()
        finally:
            db.close()
        if row and row[0] >= limit.count:
            return max(1, int((window + 1) * limit.seconds - now))
        return 0

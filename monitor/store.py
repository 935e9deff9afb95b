"""SQLite history of crawls: runs, one result per alliance, compressed homepage snapshots.

Why SQLite in WAL mode: one file the office can copy, readers (reports) never block the crawl,
and each result is committed the moment it is judged, so a killed crawl loses nothing and
``--resume`` redoes only the sites not yet judged.

Every table of the file is created here, in :data:`SCHEMA`, and only here: the scheduler's
completed months and job, and the notices sent, live in the same file (one file to back up,
check and restore) and are read and written by their modules through :meth:`Store.connect`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from monitor.backups import newest_backup
from monitor.db_health import ensure_whole
from monitor.model import SiteResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,              -- YYYY-MM the crawl counts for
    today TEXT NOT NULL,              -- reference date of the update windows
    started_at TEXT NOT NULL,         -- UTC ISO time
    finished_at TEXT,                 -- NULL while running or after a crash
    planned TEXT NOT NULL DEFAULT '[]' -- JSON list of slugs the run is meant to cover
);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL,
    overall TEXT NOT NULL,
    data TEXT NOT NULL,               -- SiteResult JSON
    fingerprint TEXT,                 -- main-text fingerprint for change detection
    judged_at TEXT NOT NULL,
    PRIMARY KEY (run_id, slug)
);
CREATE TABLE IF NOT EXISTS snapshots (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL,
    url TEXT NOT NULL,
    html_zlib BLOB NOT NULL,          -- raw homepage bytes, zlib-compressed
    PRIMARY KEY (run_id, slug)
);
CREATE TABLE IF NOT EXISTS screenshots (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL,
    url TEXT NOT NULL,
    png BLOB NOT NULL,                -- the homepage above the fold (alliance crawl --screenshots)
    PRIMARY KEY (run_id, slug)
);
CREATE INDEX IF NOT EXISTS runs_month ON runs(month);
-- the scheduler: which scheduled month's crawl completed (monitor.schedule.CompletedMonths)
CREATE TABLE IF NOT EXISTS schedule_months (
    month TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL,
    completed_at TEXT NOT NULL
);
-- the scheduler's APScheduler job (monitor.schedule.SQLiteJobStore)
CREATE TABLE IF NOT EXISTS apscheduler_jobs (
    id TEXT PRIMARY KEY,
    next_run_time REAL,
    job_state BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS apscheduler_jobs_next ON apscheduler_jobs(next_run_time);
-- notices sent or being sent, one per alliance and month (monitor.notices.SentLog)
CREATE TABLE IF NOT EXISTS notices_sent (
    month TEXT NOT NULL,
    slug TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (month, slug)
);
"""


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    month: str
    today: str
    started_at: str
    finished_at: str | None
    planned: tuple[str, ...]

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class Store:
    """Access to the monitor database. Safe to share between threads (one connection each)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # Before anything writes (even the schema below): a damaged file stops here, with one
        # line naming it and the newest backup (monitor.db_health).
        ensure_whole(self.path, newest_backup(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A per-thread connection; commits on success, rolls back on error."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # runs ---------------------------------------------------------------------------------

    def start_run(self, *, month: str, today: str, planned: list[str]) -> Run:
        with self.connect() as db:
            cur = db.execute(
                "INSERT INTO runs (month, today, started_at, planned) VALUES (?, ?, ?, ?)",
                (month, today, _now(), json.dumps(planned)),
            )
            run_id = cur.lastrowid
        run = self.run(int(run_id or 0))
        assert run is not None
        return run

    def finish_run(self, run_id: int) -> None:
        with self.connect() as db:
            db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))

    @staticmethod
    def _run(row: sqlite3.Row) -> Run:
        return Run(
            id=row["id"],
            month=row["month"],
            today=row["today"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            planned=tuple(json.loads(row["planned"])),
        )

    def run(self, run_id: int) -> Run | None:
        with self.connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return self._run(row) if row else None

    def runs(self) -> list[Run]:
        """All runs, oldest first."""
        with self.connect() as db:
            rows = db.execute("SELECT * FROM runs ORDER BY id").fetchall()
        return [self._run(r) for r in rows]

    def unfinished_run(self) -> Run | None:
        """The newest run that never finished (killed or interrupted), for ``--resume``."""
        with self.connect() as db:
            row = db.execute(
                "SELECT * FROM runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return self._run(row) if row else None

    def latest_run_for_month(self, month: str, *, finished_only: bool = True) -> Run | None:
        query = "SELECT * FROM runs WHERE month = ?"
        if finished_only:
            query += " AND finished_at IS NOT NULL"
        with self.connect() as db:
            row = db.execute(query + " ORDER BY id DESC LIMIT 1", (month,)).fetchone()
        return self._run(row) if row else None

    def months(self) -> list[str]:
        """Months with a finished run, oldest first."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT DISTINCT month FROM runs WHERE finished_at IS NOT NULL ORDER BY month"
            ).fetchall()
        return [r["month"] for r in rows]

    # results ------------------------------------------------------------------------------

    def save_result(
        self,
        run_id: int,
        result: SiteResult,
        *,
        fingerprint: str | None = None,
        homepage: bytes | None = None,
        screenshot: bytes | None = None,
    ) -> None:
        """Commit one alliance's result (with its homepage snapshot and screenshot) at once."""
        with self.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO results (run_id, slug, overall, data, fingerprint, judged_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    result.slug,
                    result.overall,
                    json.dumps(result.to_json(), ensure_ascii=False),
                    fingerprint,
                    _now(),
                ),
            )
            if homepage is not None:
                db.execute(
                    "INSERT OR REPLACE INTO snapshots (run_id, slug, url, html_zlib) VALUES (?, ?, ?, ?)",
                    (
                        run_id,
                        result.slug,
                        result.final_url or result.url,
                        zlib.compress(homepage, 6),
                    ),
                )
            if screenshot is not None:
                db.execute(
                    "INSERT OR REPLACE INTO screenshots (run_id, slug, url, png) VALUES (?, ?, ?, ?)",
                    (run_id, result.slug, result.final_url or result.url, screenshot),
                )

    def done_slugs(self, run_id: int) -> set[str]:
        with self.connect() as db:
            rows = db.execute("SELECT slug FROM results WHERE run_id = ?", (run_id,)).fetchall()
        return {r["slug"] for r in rows}

    def results(self, run_id: int) -> list[SiteResult]:
        with self.connect() as db:
            rows = db.execute(
                "SELECT data FROM results WHERE run_id = ? ORDER BY slug", (run_id,)
            ).fetchall()
        return [SiteResult.from_json(json.loads(r["data"])) for r in rows]

    def snapshot(self, run_id: int, slug: str) -> tuple[str, bytes] | None:
        """(url, raw homepage bytes) stored as evidence, or None."""
        with self.connect() as db:
            row = db.execute(
                "SELECT url, html_zlib FROM snapshots WHERE run_id = ? AND slug = ?", (run_id, slug)
            ).fetchone()
        return (row["url"], zlib.decompress(row["html_zlib"])) if row else None

    def screenshot(self, run_id: int, slug: str) -> tuple[str, bytes] | None:
        """(url, PNG bytes) of the homepage as the crawl's browser showed it, or None."""
        with self.connect() as db:
            row = db.execute(
                "SELECT url, png FROM screenshots WHERE run_id = ? AND slug = ?", (run_id, slug)
            ).fetchone()
        return (row["url"], bytes(row["png"])) if row else None

    def screenshot_headers(self, run_id: int, size: int = 24) -> dict[str, tuple[str, bytes]]:
        """slug -> (url, first ``size`` bytes of the PNG) for every screenshot of a run.

        Enough to know which alliances have a picture and how large it is (the PNG header)
        without loading every image into memory (reports read them one at a time later).
        """
        with self.connect() as db:
            rows = db.execute(
                "SELECT slug, url, substr(png, 1, ?) AS head FROM screenshots WHERE run_id = ?"
                " ORDER BY slug",
                (size, run_id),
            ).fetchall()
        return {r["slug"]: (r["url"], bytes(r["head"])) for r in rows}

    def previous_fingerprint(self, slug: str, *, before_month: str) -> str | None:
        """The fingerprint from the newest finished run of an earlier month (change detection)."""
        with self.connect() as db:
            row = db.execute(
                "SELECT r.fingerprint FROM results r JOIN runs u ON u.id = r.run_id"
                " WHERE r.slug = ? AND u.month < ? AND r.fingerprint IS NOT NULL"
                " ORDER BY u.month DESC, u.id DESC LIMIT 1",
                (slug, before_month),
            ).fetchone()
        return row["fingerprint"] if row else None

    def previous_fingerprints(self, *, before_month: str) -> dict[str, str]:
        """:meth:`previous_fingerprint` for every slug at once (one query, not one per site).

        The crawl reads these up front: per-site lookups from each worker thread scan the
        results table and fill every thread's page cache, which showed up as crawl memory.
        """
        with self.connect() as db:
            rows = db.execute(
                "SELECT r.slug, r.fingerprint FROM results r JOIN runs u ON u.id = r.run_id"
                " WHERE u.month < ? AND r.fingerprint IS NOT NULL"
                " ORDER BY u.month, u.id",
                (before_month,),
            ).fetchall()
        # Later rows (newer month, newer run) overwrite earlier ones.
        return {r["slug"]: r["fingerprint"] for r in rows}

    def history(self, slug: str) -> list[tuple[str, SiteResult]]:
        """(month, result) of one alliance in the newest finished run of every month."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT u.month, r.data FROM results r JOIN runs u ON u.id = r.run_id"
                " WHERE r.slug = ? AND u.id IN ("
                "   SELECT MAX(id) FROM runs WHERE finished_at IS NOT NULL GROUP BY month)"
                " ORDER BY u.month",
                (slug,),
            ).fetchall()
        return [(r["month"], SiteResult.from_json(json.loads(r["data"]))) for r in rows]

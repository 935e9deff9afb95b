"""SQLite history of crawls: runs, one result per alliance, compressed homepage snapshots.

Why SQLite in WAL mode: one file the office can copy, readers (reports) never block the crawl,
and each result is committed the moment it is judged, so a killed crawl loses nothing and
``--resume`` redoes only the sites not yet judged.

Every table of the file is created here, in :data:`SCHEMA`, and only here: the scheduler's
completed months and job, and the notices sent, live in the same file (one file to back up,
check and restore) and are read and written by their modules through :meth:`Store.connect`.
``PRAGMA user_version`` is :data:`SCHEMA_VERSION`; an older file is brought up to date when
opened (:data:`ADDED_COLUMNS`), a newer one (written by a later version) is refused.

Runs have a kind (:data:`RunKind`): only a ``month`` run (every active alliance) can complete
a month or be resumed as the month's crawl. A ``recheck`` (the console's) or ``partial``
(``alliance crawl --only``) run that was interrupted is closed at the next start
(:meth:`Store.close_interrupted`), never resumed: resuming a one-site run as the month's crawl
recorded the month as crawled with 1 result of 26. Whether an unfinished run's process is still
alive is asked of its lock (:mod:`monitor.db_locks`), which dies with the process.

Why this module is long: every SQL statement that touches the file's runs and results lives
here, next to the schema and its migration, so a change of a table is reviewed with every query
that reads it; the scheduler's and notices' tables keep their queries in their own modules.
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
from typing import Literal, cast
from uuid import uuid4

from monitor.backups import newest_backup
from monitor.db_health import DatabaseProblem, ensure_whole
from monitor.db_locks import RunOwner, forget_run_lock, run_is_alive
from monitor.model import SiteResult

#: ``month``: the month's crawl of every active alliance (``alliance crawl``, the scheduler);
#: ``recheck``: the office console's re-check of one alliance; ``partial``: ``alliance crawl
#: --only``. Only ``month`` runs complete a month or are resumed.
RunKind = Literal["month", "recheck", "partial"]
RUN_KINDS: tuple[RunKind, ...] = ("month", "recheck", "partial")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,              -- YYYY-MM the crawl counts for
    today TEXT NOT NULL,              -- reference date of the update windows
    started_at TEXT NOT NULL,         -- UTC ISO time
    finished_at TEXT,                 -- NULL while running or after a crash
    planned TEXT NOT NULL DEFAULT '[]', -- JSON list of slugs the run is meant to cover
    kind TEXT NOT NULL DEFAULT 'month', -- month | recheck | partial (see RunKind)
    closed_at TEXT,                   -- an interrupted partial run given up (never resumed)
    owner TEXT                        -- token of the lock its process holds (monitor.db_locks)
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


#: ``PRAGMA user_version`` of a file with every table and column of :data:`SCHEMA`.
SCHEMA_VERSION = 1
#: Columns added since version 0, by the version that added them: (version, table, column,
#: declaration). A file of an older version gets them when opened; old runs are kinded by
#: :data:`KIND_OLD_RUNS` (their kind was never recorded).
ADDED_COLUMNS: tuple[tuple[int, str, str, str], ...] = (
    (1, "runs", "kind", "TEXT NOT NULL DEFAULT 'month'"),
    (1, "runs", "closed_at", "TEXT"),
    (1, "runs", "owner", "TEXT"),
)
#: Runs from before kinds were recorded: one that planned fewer than half the sites of the
#: largest run was a re-check or an ``--only`` crawl (a registry never halves in a month), so
#: it is ``partial`` and an unfinished one is never resumed as the month's crawl.
KIND_OLD_RUNS = """
UPDATE runs SET kind = 'partial'
 WHERE json_array_length(planned) * 2 < (SELECT MAX(json_array_length(planned)) FROM runs)
"""


class DatabaseNewer(DatabaseProblem):
    """The file was written by a newer version of the monitor (its schema is unknown here)."""


#: Tables a monitor database has had since its first version (the others are created on open).
CORE_TABLES = ("runs", "results")


def schema_problem(db: sqlite3.Connection) -> str | None:
    """What makes ``db`` not a monitor database this version can open, or None.

    Read only. Its ``user_version`` must not be newer than :data:`SCHEMA_VERSION`; it must
    have :data:`CORE_TABLES`; every table of :data:`SCHEMA` it has must have the columns that
    table had at the file's version (:data:`ADDED_COLUMNS` come later, by migration).
    """
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        return (
            f"it was written by a newer version of the monitor (schema {version}; this one"
            f" knows {SCHEMA_VERSION})"
        )
    expected_db = sqlite3.connect(":memory:")
    try:
        expected_db.executescript(SCHEMA)
        tables = [
            r[0] for r in expected_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        expected = {
            t: {r[1] for r in expected_db.execute(f"PRAGMA table_info({t})")} for t in tables
        }
    finally:
        expected_db.close()
    later = {(t, c) for v, t, c, _decl in ADDED_COLUMNS if v > version}
    have_tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing_tables = [t for t in CORE_TABLES if t not in have_tables]
    if missing_tables:
        shown = ", ".join(sorted(have_tables)[:5]) or "none"
        return (
            f"it is not a monitor database: no table {', '.join(missing_tables)} (its tables:"
            f" {shown})"
        )
    for table in sorted(have_tables & set(expected)):
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        missing = sorted(c for c in expected[table] - have if (table, c) not in later)
        if missing:
            return f"its table {table} lacks the column(s) {', '.join(missing)}"
    return None


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
    kind: RunKind = "month"
    closed_at: str | None = None
    owner: str | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def closed(self) -> bool:
        """Given up after an interruption (a partial run): neither finished nor resumable."""
        return self.closed_at is not None


@dataclass(frozen=True, slots=True)
class StoredResult:
    """One stored result with where and when it was judged (reports show re-checks apart)."""

    run_id: int
    kind: RunKind
    judged_at: str
    result: SiteResult

    @property
    def recheck(self) -> bool:
        """Whether it came from a re-check (or an ``--only`` crawl), not the month's crawl."""
        return self.kind != "month"


class Store:
    """Access to the monitor database. Safe to share between threads (one connection each)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # Before anything writes (even the schema below): a damaged file stops here, with one
        # line naming it and the newest backup (monitor.db_health).
        ensure_whole(self.path, newest_backup(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._owners: dict[int, RunOwner] = {}
        self._owners_lock = threading.Lock()
        with self.connect() as db:
            self._migrate(db)

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Create missing tables, add missing columns, set ``user_version``; refuse a newer file."""
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise DatabaseNewer(
                f"the monitor database {self.path} was written by a newer version of the monitor"
                f" (schema {version}, this one knows {SCHEMA_VERSION}); upgrade the monitor, or"
                " restore a backup made by this version (`alliance db check` lists them)"
            )
        if version == SCHEMA_VERSION:
            return
        db.executescript(SCHEMA)
        db.execute("BEGIN IMMEDIATE")  # two processes opening an old file migrate it once
        if int(db.execute("PRAGMA user_version").fetchone()[0]) >= SCHEMA_VERSION:
            return
        had_runs = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] > 0
        for _added, table, column, declaration in ADDED_COLUMNS:
            have = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        if had_runs and version == 0:
            db.execute(KIND_OLD_RUNS)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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

    def start_run(
        self, *, month: str, today: str, planned: list[str], kind: RunKind = "month"
    ) -> Run:
        """A new run, owned by this process until :meth:`finish_run` or :meth:`release_run`.

        The owner's lock is taken before the row exists, so no other process ever sees the
        run without a living owner and closes it under us.
        """
        if kind not in RUN_KINDS:
            raise ValueError(f"unknown run kind {kind!r}")
        owner = RunOwner(self.path, uuid4().hex)
        try:
            with self.connect() as db:
                cur = db.execute(
                    "INSERT INTO runs (month, today, started_at, planned, kind, owner)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (month, today, _now(), json.dumps(planned), kind, owner.token),
                )
                run_id = int(cur.lastrowid or 0)
        except BaseException:
            owner.release(remove=True)
            raise
        with self._owners_lock:
            self._owners[run_id] = owner
        run = self.run(run_id)
        assert run is not None
        return run

    def claim_run(self, run: Run) -> Run:
        """Own an unfinished run to resume it; :class:`monitor.db_locks.RunAlive` if its
        process still runs (two processes must never crawl into one run)."""
        token = run.owner or uuid4().hex
        owner = RunOwner(self.path, token)
        if run.owner != token:
            with self.connect() as db:
                db.execute("UPDATE runs SET owner = ? WHERE id = ?", (token, run.id))
        with self._owners_lock:
            self._owners[run.id] = owner
        claimed = self.run(run.id)
        assert claimed is not None
        return claimed

    def release_run(self, run_id: int) -> None:
        """Let go of a run this process owns (finished, closed, or left for a resume)."""
        with self._owners_lock:
            owner = self._owners.pop(run_id, None)
        if owner is not None:
            run = self.run(run_id)
            owner.release(remove=run is None or run.finished or run.closed)

    def finish_run(self, run_id: int) -> None:
        with self.connect() as db:
            db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))
        self.release_run(run_id)

    def close_run(self, run_id: int) -> bool:
        """Give up an unfinished run (it is never resumed); False if it finished or was closed."""
        with self.connect() as db:
            cur = db.execute(
                "UPDATE runs SET closed_at = ? WHERE id = ?"
                " AND finished_at IS NULL AND closed_at IS NULL",
                (_now(), run_id),
            )
        self.release_run(run_id)
        return cur.rowcount > 0

    def close_interrupted(self) -> list[Run]:
        """Close every unfinished re-check or partial run whose process is gone; returns them.

        Called at every start of a crawl or of the scheduler's job, so an interrupted one-site
        run never lingers to be taken for the month's crawl. A run whose process still holds
        its lock (a re-check running right now in another process) is left alone.
        """
        with self.connect() as db:
            rows = db.execute(
                "SELECT * FROM runs WHERE finished_at IS NULL AND closed_at IS NULL"
                " AND kind != 'month' ORDER BY id"
            ).fetchall()
        closed = []
        for run in map(self._run, rows):
            if run_is_alive(self.path, run.owner):
                continue
            if self.close_run(run.id):
                closed.append(run)
            forget_run_lock(self.path, run.owner)
        return closed

    @staticmethod
    def _run(row: sqlite3.Row) -> Run:
        return Run(
            id=row["id"],
            month=row["month"],
            today=row["today"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            planned=tuple(json.loads(row["planned"])),
            kind=cast(RunKind, row["kind"]),
            closed_at=row["closed_at"],
            owner=row["owner"],
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
        """The newest month's crawl that never finished (killed or interrupted), for resuming.

        Only ``month`` runs: an interrupted re-check is never the month's crawl.
        """
        with self.connect() as db:
            row = db.execute(
                "SELECT * FROM runs WHERE finished_at IS NULL AND closed_at IS NULL"
                " AND kind = 'month' ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return self._run(row) if row else None

    def latest_run_for_month(
        self, month: str, *, finished_only: bool = True, kind: RunKind | None = None
    ) -> Run | None:
        """The month's newest run (finished, unless asked), of ``kind`` when given."""
        query = "SELECT * FROM runs WHERE month = ?"
        params: list[str] = [month]
        if finished_only:
            query += " AND finished_at IS NOT NULL"
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind)
        with self.connect() as db:
            row = db.execute(query + " ORDER BY id DESC LIMIT 1", params).fetchone()
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

    def month_results(self, month: str) -> list[StoredResult]:
        """Every result of the month's finished runs, oldest run first, with kind and time."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT r.run_id, u.kind, r.judged_at, r.data FROM results r"
                " JOIN runs u ON u.id = r.run_id"
                " WHERE u.month = ? AND u.finished_at IS NOT NULL ORDER BY u.id, r.slug",
                (month,),
            ).fetchall()
        return [
            StoredResult(
                r["run_id"],
                cast(RunKind, r["kind"]),
                r["judged_at"],
                SiteResult.from_json(json.loads(r["data"])),
            )
            for r in rows
        ]

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

"""APScheduler's job store in the monitor's own SQLite file (table ``apscheduler_jobs``).

Why our own store: the whole monitor state stays one file to back up, and APScheduler's
SQLAlchemy store would pull in SQLAlchemy for one table.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime

from monitor.store import Store

#: Job id of the monthly crawl in the job store, and the table.
JOB_ID = "monthly-crawl"
JOBS_TABLE = "apscheduler_jobs"


class SQLiteJobStore(BaseJobStore):  # type: ignore[misc]
    """APScheduler 3 job store on plain sqlite3, in the monitor database.

    Same table layout and pickling as APScheduler's SQLAlchemyJobStore, without pulling in
    SQLAlchemy for one table.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.table = JOBS_TABLE  # created with the others in monitor.store.SCHEMA

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def start(self, scheduler: Any, alias: str) -> None:
        super().start(scheduler, alias)
        Store(self.path).close()  # the table (monitor.store.SCHEMA), after the integrity check

    def _reconstitute(self, state: bytes) -> Job:
        job_state = pickle.loads(state)  # our own database: same trust as the rest of it
        job_state["jobstore"] = self
        job = Job.__new__(Job)
        job.__setstate__(job_state)
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def _jobs(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Job]:
        jobs, broken = [], []
        with self._db() as db:
            rows = db.execute(
                f"SELECT id, job_state FROM {self.table} {where} ORDER BY next_run_time", params
            ).fetchall()
            for job_id, state in rows:
                try:
                    jobs.append(self._reconstitute(state))
                except Exception:
                    self._logger.exception("Unable to restore job %r -- removing it", job_id)
                    broken.append(job_id)
            for job_id in broken:
                db.execute(f"DELETE FROM {self.table} WHERE id = ?", (job_id,))
        return jobs

    def lookup_job(self, job_id: str) -> Job | None:
        with self._db() as db:
            row = db.execute(
                f"SELECT job_state FROM {self.table} WHERE id = ?", (job_id,)
            ).fetchone()
        return self._reconstitute(row[0]) if row else None

    def get_due_jobs(self, now: datetime) -> list[Job]:
        return self._jobs("WHERE next_run_time <= ?", (datetime_to_utc_timestamp(now),))

    def get_next_run_time(self) -> datetime | None:
        with self._db() as db:
            row = db.execute(
                f"SELECT next_run_time FROM {self.table} WHERE next_run_time IS NOT NULL"
                " ORDER BY next_run_time LIMIT 1"
            ).fetchone()
        return utc_timestamp_to_datetime(row[0]) if row else None

    def get_all_jobs(self) -> list[Job]:
        jobs = self._jobs()
        self._fix_paused_jobs_sorting(jobs)
        return jobs

    def add_job(self, job: Job) -> None:
        state = pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)
        try:
            with self._db() as db:
                db.execute(
                    f"INSERT INTO {self.table} (id, next_run_time, job_state) VALUES (?, ?, ?)",
                    (job.id, datetime_to_utc_timestamp(job.next_run_time), state),
                )
        except sqlite3.IntegrityError as exc:
            raise ConflictingIdError(job.id) from exc

    def update_job(self, job: Job) -> None:
        state = pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)
        with self._db() as db:
            cur = db.execute(
                f"UPDATE {self.table} SET next_run_time = ?, job_state = ? WHERE id = ?",
                (datetime_to_utc_timestamp(job.next_run_time), state, job.id),
            )
        if cur.rowcount == 0:
            raise JobLookupError(job.id)

    def remove_job(self, job_id: str) -> None:
        with self._db() as db:
            cur = db.execute(f"DELETE FROM {self.table} WHERE id = ?", (job_id,))
        if cur.rowcount == 0:
            raise JobLookupError(job_id)

    def remove_all_jobs(self) -> None:
        with self._db() as db:
            db.execute(f"DELETE FROM {self.table}")

"""``alliance schedule``: run the monthly crawl on time, catch up after downtime, stop cleanly.

How a month gets crawled exactly once::

    cron trigger (APScheduler, default 1st of the month 09:00 Asia/Taipei)
        └─> MonthlyJob.run_due(now)
              ├─ has this month's scheduled time passed?            no  -> nothing to do
              ├─ is this month in table schedule_months?            yes -> nothing to do
              ├─ is there an unfinished run of this month?          yes -> crawl(resume=True)
              ├─ crawl(...)  -> run id; finished? -> record the month, write reports, notices
              └─ stopped by SIGTERM -> run left unfinished; the next start resumes it

Why our own table: APScheduler recomputes a job's next run time when the job is re-added at
start-up, so a run missed while the process was down is silently dropped. The job is therefore
idempotent (it asks the database what is due) and also runs once right after start-up: that
start-up run is the catch-up. APScheduler's own job store lives in the same SQLite file
(:class:`SQLiteJobStore`, table ``apscheduler_jobs``) so the whole state is one file to back up.

Only the current month is caught up: a crawl made today cannot tell what a website looked like
last month, and its reference date (today) makes it count for the current month. So a month
is due from its scheduled time until its end; after an outage that spans a whole month, that
month has no crawl and the next one runs as usual.

The crawl itself is injected (``crawl``, default :func:`monitor.crawl.run_crawl`), which is
how tests drive the scheduler with a controlled clock and a fake crawl.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.triggers.base import BaseTrigger
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime

from monitor.config import CrawlSettings, MonitorSettings, PathSettings, ScheduleSettings
from monitor.store import Store

log = logging.getLogger(__name__)

#: While running, look this often whether a month is due but was not crawled: a fire missed by
#: more than the misfire grace time (a VM suspended over the 1st) is dropped by APScheduler.
WATCH_EVERY = timedelta(hours=1)

#: Job id in APScheduler's job store, and our table of completed months.
JOB_ID = "monthly-crawl"
COMPLETED_TABLE = "schedule_months"
JOBS_TABLE = "apscheduler_jobs"

#: How far back to look for the latest scheduled slot (a monthly cron needs up to 31 days).
_LOOKBACK = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=32),
    timedelta(days=367),
)
_MAX_STEPS = 5000


class AlreadyRunning(RuntimeError):
    """Another scheduler (or ``--once``) holds the lock for this database."""


# -- time -----------------------------------------------------------------------------------


def last_fire_time(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The latest time <= ``now`` at which ``trigger`` fires (None if none within a year)."""
    for window in _LOOKBACK:
        fire: datetime | None = trigger.get_next_fire_time(None, now - window)
        last: datetime | None = None
        for _ in range(_MAX_STEPS):
            if fire is None or fire > now:
                break
            last = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if last is not None:
            return last
    return None


def month_of(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def next_check_after_month(settings: ScheduleSettings, month: str) -> date | None:
    """The date of the first scheduled check after ``month`` (for reports and e-mails)."""
    year, mon = (int(p) for p in month.split("-"))
    start = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=settings.tz)
    fire = settings.trigger().get_next_fire_time(None, start)
    return fire.date() if fire else None


def next_check_from(settings: ScheduleSettings, now: datetime) -> date | None:
    """The date of the next scheduled check after ``now``."""
    fire = settings.trigger().get_next_fire_time(None, now.astimezone(settings.tz))
    return fire.date() if fire else None


# -- our record of completed months ---------------------------------------------------------


class CompletedMonths:
    """Table ``schedule_months``: which scheduled month's crawl finished, and with which run.

    Keyed by the month of the scheduled slot. Only the scheduler writes it, so a manual
    ``alliance crawl --only ...`` never makes the scheduler think a month is done.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.connect() as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {COMPLETED_TABLE} ("
                " month TEXT PRIMARY KEY, run_id INTEGER NOT NULL, completed_at TEXT NOT NULL)"
            )

    def is_done(self, month: str) -> bool:
        with self.store.connect() as db:
            row = db.execute(
                f"SELECT 1 FROM {COMPLETED_TABLE} WHERE month = ?", (month,)
            ).fetchone()
        return row is not None

    def mark_done(self, month: str, run_id: int) -> None:
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
        with self.store.connect() as db:
            db.execute(
                f"INSERT OR REPLACE INTO {COMPLETED_TABLE} (month, run_id, completed_at) VALUES (?, ?, ?)",
                (month, run_id, stamp),
            )

    def months(self) -> list[str]:
        with self.store.connect() as db:
            rows = db.execute(f"SELECT month FROM {COMPLETED_TABLE} ORDER BY month").fetchall()
        return [r["month"] for r in rows]


# -- the job --------------------------------------------------------------------------------


class CrawlFunc(Protocol):
    """The shape of :func:`monitor.crawl.run_crawl` the scheduler relies on."""

    def __call__(
        self,
        *,
        paths: PathSettings,
        today: date,
        settings: CrawlSettings | None = ...,
        resume: bool = ...,
        stop_event: threading.Event | None = ...,
    ) -> int: ...


Action = Literal["not-due", "done", "interrupted", "failed", "busy"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one look at the schedule did."""

    action: Action
    month: str | None = None  # the scheduled slot's month
    run_id: int | None = None
    resumed: bool = False
    error: str = ""


def default_crawl() -> CrawlFunc:
    """The real crawl, imported only when needed."""
    try:
        from monitor.crawl import run_crawl
    except ImportError as exc:
        raise RuntimeError(
            f"the crawl module is not available ({exc}); install the monitor"
        ) from exc
    return run_crawl


@dataclass
class MonthlyJob:
    """Decides whether a crawl is due and runs it. Idempotent: call it as often as you like."""

    store: Store
    settings: MonitorSettings = field(default_factory=MonitorSettings)
    crawl: CrawlFunc | None = None
    after_crawl: Callable[[str], None] | None = None  # gets the crawl's month; reports, notices
    trigger: BaseTrigger | None = None  # default: settings.trigger()
    clock: Callable[[], datetime] | None = None  # default: the real time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.completed = CompletedMonths(self.store)
        if self.trigger is None:
            self.trigger = self.settings.schedule.trigger()

    def now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(self.settings.schedule.tz)

    def due_month(self, now: datetime) -> str | None:
        """This month, if its scheduled time has passed and its crawl has not completed.

        A slot from an earlier month is never due: a crawl made now counts for the current
        month (its reference date is today), and this month's own slot is still to come.
        """
        assert self.trigger is not None
        fire = last_fire_time(self.trigger, now)
        tz = self.settings.schedule.tz
        current = month_of(now.astimezone(tz))
        if fire is None or month_of(fire.astimezone(tz)) != current:
            return None
        return None if self.completed.is_done(current) else current

    def run_due(
        self, now: datetime | None = None, stop_event: threading.Event | None = None
    ) -> Outcome:
        """Crawl if a scheduled month has not completed; resume its interrupted crawl if any."""
        if not self._lock.acquire(blocking=False):
            return Outcome("busy")
        try:
            return self._run_due(now or self.now(), stop_event)
        finally:
            self._lock.release()

    def _run_due(self, now: datetime, stop_event: threading.Event | None) -> Outcome:
        slot = self.due_month(now)
        if slot is None:
            log.info("no crawl due at %s", now.isoformat(timespec="minutes"))
            return Outcome("not-due")
        today = now.astimezone(self.settings.schedule.tz).date()
        unfinished = self.store.unfinished_run()
        resume = unfinished is not None and unfinished.month == month_of(today)
        if resume:
            assert unfinished is not None
            log.info("resuming the interrupted crawl run %d of %s", unfinished.id, unfinished.month)
        else:
            log.info("starting the crawl for %s (reference date %s)", slot, today)
        crawl = self.crawl or default_crawl()
        try:
            run_id = crawl(
                paths=self.settings.paths,
                settings=self.settings.crawl,
                today=today,
                resume=resume,
                stop_event=stop_event,
            )
        except Exception as exc:
            log.exception("the crawl for %s failed; it will be tried again", slot)
            return Outcome("failed", slot, resumed=resume, error=f"{type(exc).__name__}: {exc}")
        run = self.store.run(run_id)
        if run is None or not run.finished:
            log.info(
                "crawl run %s for %s stopped before the end; the next start resumes it",
                run_id,
                slot,
            )
            return Outcome("interrupted", slot, run_id, resumed=resume)
        self.completed.mark_done(slot, run_id)
        log.info("crawl run %d for %s finished", run_id, slot)
        if self.after_crawl is not None:
            try:
                self.after_crawl(run.month)
            except Exception as exc:
                log.exception(
                    "reports or notices for %s failed; rebuild with `alliance report`", run.month
                )
                return Outcome("done", slot, run_id, resumed=resume, error=f"after crawl: {exc}")
        return Outcome("done", slot, run_id, resumed=resume)


# -- APScheduler's job store in our SQLite file ---------------------------------------------


class SQLiteJobStore(BaseJobStore):  # type: ignore[misc]
    """APScheduler 3 job store on plain sqlite3, in the monitor database.

    Same table layout and pickling as APScheduler's SQLAlchemyJobStore, without pulling in
    SQLAlchemy for one table.
    """

    def __init__(self, path: Path, table: str = JOBS_TABLE) -> None:
        super().__init__()
        self.path = Path(path)
        self.table = table

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                " id TEXT PRIMARY KEY, next_run_time REAL, job_state BLOB NOT NULL)"
            )
            db.execute(
                f"CREATE INDEX IF NOT EXISTS {self.table}_next ON {self.table}(next_run_time)"
            )

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


# -- one instance at a time -----------------------------------------------------------------


@contextmanager
def instance_lock(db_path: Path) -> Iterator[Path]:
    """Hold an exclusive lock next to the database for as long as the scheduler runs.

    An OS file lock (flock) is released by the kernel when the process dies, so a crash never
    leaves a stale lock behind.
    """
    import fcntl

    lock_path = Path(f"{db_path}.schedule.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise AlreadyRunning(
                f"another scheduler is already running for {db_path} (pid {holder}, lock {lock_path});"
                " stop it first, or use a different --db"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield lock_path
    finally:
        os.close(fd)


# -- the long-running scheduler -------------------------------------------------------------

#: Schedulers running in this process, by token. APScheduler's persistent job store keeps only
#: an importable function name and picklable arguments; the stop event and the injected crawl
#: are neither, so the stored job carries a token and finds its scheduler here.
_RUNNING: dict[str, MonthlyScheduler] = {}


def scheduled_tick(token: str) -> None:
    """The function APScheduler's stored job calls (by name) at each scheduled time."""
    scheduler = _RUNNING.get(token)
    if scheduler is None:
        log.warning("scheduled job from an earlier process (token %s) ignored", token)
        return
    scheduler.tick()


def _logged(name: str, func: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            func()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    return run


class MonthlyScheduler:
    """APScheduler's BlockingScheduler around a :class:`MonthlyJob`.

    ``run()`` blocks until :meth:`stop` (SIGTERM/SIGINT when ``install_signals``). A crawl in
    progress is asked to stop through its ``stop_event`` and leaves its run unfinished; the
    next start resumes it.
    """

    def __init__(
        self,
        job: MonthlyJob,
        *,
        catch_up: bool = True,
        watch_every: timedelta | None = WATCH_EVERY,
        extra_jobs: Sequence[tuple[str, BaseTrigger, Callable[[], object]]] = (),
    ) -> None:
        """``extra_jobs``: (name, trigger, function) run by the same scheduler (the composition
        root adds the form's deadline reminders); each also runs once at start-up when
        ``catch_up``, and an exception in one is logged, never stopping the scheduler."""
        self.job = job
        self.extra_jobs = tuple(extra_jobs)
        self.catch_up = catch_up
        self.watch_every = watch_every
        self.stop_event = threading.Event()
        self.started = threading.Event()
        self.outcomes: list[Outcome] = []
        self._token = uuid.uuid4().hex
        self._scheduler: Any = None
        self._retries = 0
        self._stopping = threading.Lock()

    def _build(self) -> Any:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.schedulers.blocking import BlockingScheduler

        s = self.job.settings.schedule
        return BlockingScheduler(
            jobstores={"default": SQLiteJobStore(self.job.store.path), "memory": MemoryJobStore()},
            # One worker: the cron job, the start-up catch-up and retries never overlap.
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": s.misfire_grace_hours * 3600,
            },
            timezone=s.tz,
        )

    def run(self, *, install_signals: bool = True) -> None:
        """Run until stopped. Raises :class:`AlreadyRunning` if another instance holds the lock."""
        from apscheduler.events import EVENT_SCHEDULER_STARTED

        with instance_lock(self.job.store.path):
            scheduler = self._scheduler = self._build()
            scheduler.add_listener(lambda _e: self.started.set(), EVENT_SCHEDULER_STARTED)
            scheduler.add_job(
                f"{__name__}:scheduled_tick",
                trigger=self.job.trigger,
                id=JOB_ID,
                name="monthly crawl",
                kwargs={"token": self._token},
                replace_existing=True,
            )
            if self.catch_up:
                scheduler.add_job(
                    self.tick, "date", run_date=self.job.now(), id="catch-up", jobstore="memory"
                )
            if self.watch_every is not None:
                scheduler.add_job(
                    self.watch,
                    "interval",
                    seconds=self.watch_every.total_seconds(),
                    id="watch",
                    jobstore="memory",
                )
            for name, trigger, func in self.extra_jobs:
                guarded = _logged(name, func)
                scheduler.add_job(guarded, trigger=trigger, id=name, name=name, jobstore="memory")
                if self.catch_up:
                    scheduler.add_job(
                        guarded,
                        "date",
                        run_date=self.job.now(),
                        id=f"{name}-start",
                        jobstore="memory",
                    )
            previous = self._install_signals() if install_signals else {}
            _RUNNING[self._token] = self
            try:
                if self.stop_event.is_set():  # stopped while starting up
                    return
                next_fire = (
                    self.job.trigger.get_next_fire_time(None, self.job.now())
                    if self.job.trigger
                    else None
                )
                log.info("scheduler started; next scheduled crawl at %s", next_fire)
                scheduler.start()
            finally:
                _RUNNING.pop(self._token, None)
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
        log.info("scheduler stopped")

    def tick(self) -> None:
        """One look at the schedule (runs in APScheduler's worker thread)."""
        if self.stop_event.is_set():
            return
        outcome = self.job.run_due(stop_event=self.stop_event)
        self.outcomes.append(outcome)
        s = self.job.settings.schedule
        if (
            outcome.action == "failed"
            and not self.stop_event.is_set()
            and self._retries < s.max_retries
        ):
            self._retries += 1
            when = self.job.now() + timedelta(minutes=s.retry_minutes)
            log.info(
                "retry %d of %d at %s",
                self._retries,
                s.max_retries,
                when.isoformat(timespec="minutes"),
            )
            try:
                self._scheduler.add_job(
                    self.tick, "date", run_date=when, id=f"retry-{self._retries}", jobstore="memory"
                )
            except Exception:  # the scheduler is shutting down
                log.debug("retry not scheduled", exc_info=True)
        elif outcome.action == "done":
            self._retries = 0

    def watch(self) -> None:
        """The periodic look: crawl if this month is due although its fire has passed.

        APScheduler drops a fire that is later than the misfire grace time (the machine was
        suspended over the scheduled time); without this look that month would be skipped
        while the process kept running. A failed crawl is left to its own retries.
        """
        if self.stop_event.is_set() or (self.outcomes and self.outcomes[-1].action == "failed"):
            return
        if self.job.due_month(self.job.now()) is None:
            return  # the usual case, every hour: nothing to say
        log.warning("this month's scheduled crawl has not run (missed while asleep?); crawling now")
        self.tick()

    def stop(self) -> None:
        """Ask a running crawl to stop, then shut the scheduler down (safe from a signal handler)."""
        self.stop_event.set()
        if self._stopping.acquire(blocking=False):
            threading.Thread(target=self._shutdown, name="scheduler-shutdown", daemon=True).start()

    def _shutdown(self) -> None:
        self.started.wait(timeout=30)
        try:
            self._scheduler.shutdown(wait=True)  # waits for the crawl to notice stop_event
        except Exception:  # already stopped
            log.debug("scheduler already stopped", exc_info=True)

    def _install_signals(self) -> dict[int, Any]:
        previous: dict[int, Any] = {}

        def handler(signum: int, _frame: Any) -> None:
            log.info(
                "received %s: stopping (an unfinished crawl resumes at the next start)",
                signal.Signals(signum).name,
            )
            self.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, handler)
        return previous


def run_once(job: MonthlyJob, *, install_signals: bool = True) -> Outcome:
    """``alliance schedule --once``: one look at the schedule for cron, under the same lock."""
    stop_event = threading.Event()
    previous: dict[int, Any] = {}
    if install_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop_event.set())
    try:
        with instance_lock(job.store.path):
            return job.run_due(stop_event=stop_event)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)

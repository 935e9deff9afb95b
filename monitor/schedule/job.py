"""The monthly job: is this month's crawl due, run (or resume) it, record the month.

How a month gets crawled exactly once::

    cron trigger (APScheduler, default 1st of the month 09:00 Asia/Taipei)
        └─> MonthlyJob.run_due(now)
              ├─ has this month's scheduled time passed?            no  -> nothing to do
              ├─ is this month in table schedule_months?            yes -> nothing to do
              ├─ close interrupted re-checks (partial runs whose process is gone)
              ├─ is there an unfinished *month* run of this month?  yes -> crawl(resume=True)
              ├─ crawl(...)  -> run id; a finished month run? -> record the month, reports, notices
              └─ stopped by SIGTERM -> run left unfinished; the next start resumes it

Why our own table: APScheduler recomputes a job's next run time when the job is re-added at
start-up, so a run missed while the process was down is silently dropped. The job is therefore
idempotent (it asks the database what is due) and also runs once right after start-up: that
start-up run is the catch-up. APScheduler's own job store lives in the same SQLite file
(:class:`SQLiteJobStore`, table ``apscheduler_jobs``) so the whole state is one file to back up.

Only a run of kind ``month`` (every active alliance) is resumed or records a month: an
interrupted one-site re-check from the office console once did, and the month showed as crawled
with 1 result of 26.

Only the current month is caught up: a crawl made today cannot tell what a website looked like
last month, and its reference date (today) makes it count for the current month. So a month
is due from its scheduled time until its end; after an outage that spans a whole month, that
month has no crawl and the next one runs as usual.

The crawl itself is injected (``crawl``, default :func:`monitor.crawl.run_crawl`), which is
how tests drive the scheduler with a controlled clock and a fake crawl.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal, Protocol

from apscheduler.triggers.base import BaseTrigger

from alliance_portal.registry.settings import CrawlSettings, MonitorSettings, PathSettings
from alliance_portal.registry.site_settings import Industry
from monitor.backups import backup_database
from monitor.db_health import DatabaseProblem
from monitor.schedule.calendar import last_fire_time, month_of
from monitor.store import Store

log = logging.getLogger(__name__)

#: Our table of completed months.
COMPLETED_TABLE = "schedule_months"


class CompletedMonths:
    """Table ``schedule_months``: which scheduled month's crawl finished, and with which run.

    Keyed by the month of the scheduled slot. Only the scheduler writes it, so a manual
    ``alliance crawl --only ...`` never makes the scheduler think a month is done.
    """

    def __init__(self, store: Store) -> None:
        self.store = store  # the table is created with the others in monitor.store.SCHEMA

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
        industries: tuple[Industry, ...] = ...,
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
        for closed in self.store.close_interrupted():
            log.info("closed the interrupted %s run %d of %s", closed.kind, closed.id, closed.month)
        unfinished = self.store.unfinished_run()  # month runs only
        resume = unfinished is not None and unfinished.month == month_of(today)
        if resume:
            assert unfinished is not None
            log.info("resuming the interrupted crawl run %d of %s", unfinished.id, unfinished.month)
        else:
            log.info("starting the crawl for %s (reference date %s)", slot, today)
        try:  # a consistent copy before each run; a damaged database is never crawled into
            backup = backup_database(self.settings.paths.db)
        except DatabaseProblem as exc:
            log.error("%s", exc)
            return Outcome("failed", slot, resumed=resume, error=str(exc))
        if backup is not None:
            log.info("monitor database backed up to %s", backup)
        crawl = self.crawl or default_crawl()
        try:
            run_id = crawl(
                paths=self.settings.paths,
                settings=self.settings.crawl,
                today=today,
                resume=resume,
                stop_event=stop_event,
                # [portal] industries of alliance.toml, only when the office set them
                **(
                    {"industries": self.settings.portal.industries}
                    if self.settings.portal.industries
                    else {}
                ),
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
        if run.kind != "month":
            log.error("crawl run %d for %s is a %s run, not the month's", run_id, slot, run.kind)
            return Outcome(
                "failed", slot, run_id, resumed=resume, error=f"run {run_id} is a {run.kind} run"
            )
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

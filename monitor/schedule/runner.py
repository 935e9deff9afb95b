"""``alliance schedule``: APScheduler around the monthly job, the periodic look, stopping cleanly.

:class:`MonthlyScheduler` runs until SIGTERM/SIGINT; :func:`run_once` is ``--once`` for cron.
Both hold :func:`monitor.schedule.lock.instance_lock`, so one database has one scheduler.
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from monitor.schedule.job import MonthlyJob, Outcome
from monitor.schedule.jobstore import JOB_ID, SQLiteJobStore
from monitor.schedule.lock import instance_lock

log = logging.getLogger(__name__)

#: While running, look this often whether a month is due but was not crawled: a fire missed by
#: more than the misfire grace time (a VM suspended over the 1st) is dropped by APScheduler.
WATCH_EVERY = timedelta(hours=1)
#: The function APScheduler's stored job calls, by name: kept stable across code moves (see
#: :func:`monitor.schedule.scheduled_tick`).
TICK_REF = "monitor.schedule:scheduled_tick"


#: Schedulers running in this process, by token. APScheduler's persistent job store keeps only
#: an importable function name and picklable arguments; the stop event and the injected crawl
#: are neither, so the stored job carries a token and finds its scheduler here.
_RUNNING: dict[str, MonthlyScheduler] = {}


def _logged(name: str, func: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            func()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    return run


def scheduled_tick(token: str) -> None:
    """The function APScheduler's stored job calls (by name) at each scheduled time."""
    scheduler = _RUNNING.get(token)
    if scheduler is None:
        log.warning("scheduled job from an earlier process (token %s) ignored", token)
        return
    scheduler.tick()


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
                TICK_REF,
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

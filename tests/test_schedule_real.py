"""The real APScheduler scheduler: a trigger a few seconds out, catch-up at start, SIGTERM.

These run the real BlockingScheduler (in a thread, or in a subprocess that gets a real SIGTERM)
with a fake crawl that writes to the real SQLite database like ``run_crawl`` does.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from test_schedule import TPE, FakeCrawl

from alliance_portal.registry.settings import MonitorSettings, PathSettings, ScheduleSettings
from monitor.schedule.job import CompletedMonths, MonthlyJob
from monitor.schedule.jobstore import JOB_ID, JOBS_TABLE
from monitor.schedule.runner import MonthlyScheduler
from monitor.store import Store

ROOT = Path(__file__).resolve().parent.parent
WAIT = 30.0  # upper bound for anything to happen; tests normally finish in a few seconds


def settings_for(db: Path, schedule: ScheduleSettings | None = None) -> MonitorSettings:
    """The job's settings: the database at ``db``, the given schedule."""
    return MonitorSettings(paths=PathSettings(db=db), schedule=schedule or ScheduleSettings())


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class TimedCrawl(FakeCrawl):
    """A FakeCrawl that also records when it was called."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[datetime] = []

    def __call__(self, **kwargs: Any) -> int:
        self.times.append(datetime.now(TPE))
        return super().__call__(**kwargs)


def start(scheduler: MonthlyScheduler) -> threading.Thread:
    thread = threading.Thread(target=scheduler.run, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    return thread


def stop(scheduler: MonthlyScheduler, thread: threading.Thread) -> None:
    scheduler.stop()
    thread.join(WAIT)
    assert not thread.is_alive(), "scheduler did not stop"


def test_real_scheduler_runs_the_crawl_when_the_trigger_fires(tmp_path: Path) -> None:
    store = Store(tmp_path / "monitor.sqlite3")
    crawl = TimedCrawl()
    fire = datetime.now(TPE).replace(microsecond=0) + timedelta(seconds=4)
    trigger = CronTrigger(hour=fire.hour, minute=fire.minute, second=fire.second, timezone=TPE)
    job = MonthlyJob(store=store, settings=settings_for(store.path), crawl=crawl, trigger=trigger)
    scheduler = MonthlyScheduler(job, catch_up=False)
    thread = start(scheduler)
    try:
        wait_for(lambda: scheduler.outcomes, "the scheduled crawl")
    finally:
        stop(scheduler, thread)

    assert [o.action for o in scheduler.outcomes] == ["done"]
    assert len(crawl.times) == 1 and crawl.times[0] >= fire
    assert crawl.calls[0]["today"] == fire.date()
    assert CompletedMonths(store).months() == [f"{fire:%Y-%m}"]
    # APScheduler's job lives in the same SQLite file, next run tomorrow at the same time
    with sqlite3.connect(store.path) as db:
        rows = db.execute(f"SELECT id, next_run_time FROM {JOBS_TABLE}").fetchall()
    assert [r[0] for r in rows] == [JOB_ID]
    next_run = datetime.fromtimestamp(rows[0][1], UTC)
    assert next_run == (fire + timedelta(days=1)).astimezone(UTC)


def test_real_scheduler_catches_up_at_start_and_only_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "monitor.sqlite3")
    settings = ScheduleSettings(cron="0 0 1 * *")  # this month's slot has passed already
    crawl = FakeCrawl()
    first = MonthlyScheduler(
        MonthlyJob(store=store, settings=settings_for(store.path, settings), crawl=crawl)
    )
    thread = start(first)
    try:
        wait_for(lambda: first.outcomes, "the catch-up crawl")
    finally:
        stop(first, thread)
    assert [o.action for o in first.outcomes] == ["done"]

    # restarted: the job is re-added to the stored job store, nothing is due any more
    second = MonthlyScheduler(
        MonthlyJob(
            store=Store(store.path), settings=settings_for(store.path, settings), crawl=crawl
        )
    )
    thread = start(second)
    try:
        wait_for(lambda: second.outcomes, "the start-up look")
    finally:
        stop(second, thread)
    assert [o.action for o in second.outcomes] == ["not-due"]
    assert len(crawl.calls) == 1


def test_a_fire_missed_while_running_is_crawled_by_the_periodic_look(tmp_path: Path) -> None:
    """APScheduler drops a fire later than the misfire grace (a VM suspended over the 1st);
    the running scheduler's periodic look still crawls that month, once, and says so."""
    store = Store(tmp_path / "monitor.sqlite3")
    settings = ScheduleSettings(cron="0 0 1 * *")  # this month's slot has passed already
    crawl = FakeCrawl()
    job = MonthlyJob(store=store, settings=settings_for(store.path, settings), crawl=crawl)
    # no start-up catch-up: the month is due only because its fire was missed
    scheduler = MonthlyScheduler(job, catch_up=False, watch_every=timedelta(seconds=1))
    thread = start(scheduler)
    try:
        wait_for(lambda: scheduler.outcomes, "the periodic look")
        time.sleep(2.5)  # more looks: nothing more is due
    finally:
        stop(scheduler, thread)
    assert [o.action for o in scheduler.outcomes] == ["done"]
    assert len(crawl.calls) == 1
    assert CompletedMonths(store).months() == [f"{datetime.now(TPE):%Y-%m}"]


def test_the_periodic_look_leaves_a_failed_crawl_to_its_retries(tmp_path: Path) -> None:
    store = Store(tmp_path / "monitor.sqlite3")
    settings = ScheduleSettings(cron="0 0 1 * *", max_retries=0)
    crawl = FakeCrawl(mode="raise")
    job = MonthlyJob(store=store, settings=settings_for(store.path, settings), crawl=crawl)
    scheduler = MonthlyScheduler(job, watch_every=timedelta(seconds=1))
    thread = start(scheduler)
    try:
        wait_for(lambda: scheduler.outcomes, "the catch-up look")
        time.sleep(2.5)
    finally:
        stop(scheduler, thread)
    # max_retries = 0: the look must not turn into an hourly retry loop
    assert [o.action for o in scheduler.outcomes] == ["failed"]
    assert len(crawl.calls) == 1


SCRIPT = textwrap.dedent(
    """
    import json, logging, sys
    from pathlib import Path
    from alliance_portal.registry.bilingual import Bilingual
    from monitor.model import Check, Code, SiteResult
    from alliance_portal.registry.settings import MonitorSettings, PathSettings, ScheduleSettings
    from monitor.schedule.job import MonthlyJob
    from monitor.schedule.lock import AlreadyRunning
    from monitor.schedule.runner import MonthlyScheduler, run_once
    from monitor.store import Store

    db, mode, events = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    SLUGS = [f"site-{i}" for i in range(4)]

    def note(**event):
        with events.open("a") as fh:
            fh.write(json.dumps(event) + "\\n")

    def crawl(*, paths, today, resume=False, stop_event=None, **_):
        note(event="crawl", resume=resume)
        store = Store(paths.db)
        run = store.unfinished_run() if resume else None
        if run is None:
            run = store.start_run(month=f"{today:%Y-%m}", today=today.isoformat(), planned=SLUGS)
        done = store.done_slugs(run.id)
        for slug in SLUGS:
            if slug in done:
                continue
            if stop_event is not None and stop_event.is_set():
                note(event="stopped")
                return run.id
            ok = Check("pass", Code.OK, Bilingual.same("ok"))
            store.save_result(run.id, SiteResult(slug, "https://x.example/", None, ok, ok, ok))
            note(event="saved", slug=slug)
            if mode == "slow":
                stop_event.wait(60)  # a long crawl: only SIGTERM ends it
        store.finish_run(run.id)
        return run.id

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    settings = MonitorSettings(paths=PathSettings(db=db),
                               schedule=ScheduleSettings(cron="0 0 1 * *"))
    job = MonthlyJob(store=Store(db), settings=settings, crawl=crawl)
    if mode == "once":
        outcome = run_once(job)
        print(json.dumps({"action": outcome.action, "resumed": outcome.resumed}))
    else:
        MonthlyScheduler(job).run(install_signals=True)
        print("exited cleanly")
    """
)


def events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def spawn(tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    script = tmp_path / "run_scheduler.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(tmp_path / "monitor.sqlite3"),
            mode,
            str(tmp_path / "events.jsonl"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_cleanly_and_the_next_start_resumes(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    proc = spawn(tmp_path, "slow")
    try:
        wait_for(lambda: any(e.get("slug") == "site-0" for e in events(log)), "the crawl to start")
        other = spawn(tmp_path, "slow")  # a second instance is refused
        _, err = other.communicate(timeout=WAIT)
        assert other.returncode != 0 and "already running" in err
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "exited cleanly" in out
    assert "received SIGTERM" in err
    assert [e["event"] for e in events(log)] == ["crawl", "saved", "stopped"]
    store = Store(tmp_path / "monitor.sqlite3")
    run = store.unfinished_run()
    assert run is not None and store.done_slugs(run.id) == {"site-0"}
    assert CompletedMonths(store).months() == []

    # `alliance schedule --once` (cron) after the restart: resumes the same run and finishes it
    proc = spawn(tmp_path, "once")
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert json.loads(out) == {"action": "done", "resumed": True}
    finished = store.run(run.id)
    assert finished is not None and finished.finished
    assert store.done_slugs(run.id) == {f"site-{i}" for i in range(4)}
    assert CompletedMonths(store).months() == [f"{datetime.now(TPE):%Y-%m}"]

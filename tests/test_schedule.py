"""The scheduler's catch-up logic with a controlled clock, a real SQLite store and a fake crawl.

The fake crawl behaves like ``monitor.crawl.run_crawl`` towards the database: it starts (or
resumes) a run of today's month, saves results one by one and finishes the run, or stops
half-way like a crawl whose stop_event was set.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.settings import (
    ConfigError,
    CrawlSettings,
    MonitorSettings,
    PathSettings,
    ScheduleSettings,
    load_settings,
)
from monitor.model import Check, Code, SiteResult
from monitor.schedule.calendar import last_fire_time, next_check_after_month
from monitor.schedule.job import CompletedMonths, MonthlyJob
from monitor.schedule.lock import AlreadyRunning, instance_lock
from monitor.store import Store

TPE = ZoneInfo("Asia/Taipei")
SLUGS = ("alpha", "beta", "gamma")


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0, tz: Any = TPE) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=tz)


def result(slug: str) -> SiteResult:
    ok = Check("pass", Code.OK, Bilingual.same("ok"))
    return SiteResult(slug, f"https://{slug}.example.edu.tw/", None, ok, ok, ok, name=slug)


@dataclass
class FakeCrawl:
    """Stands in for run_crawl: same signature, same effect on the database."""

    mode: str = "finish"  # finish | stop (after one site) | raise
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        *,
        paths: PathSettings,
        today: date,
        settings: CrawlSettings | None = None,
        resume: bool = False,
        stop_event: threading.Event | None = None,
    ) -> int:
        allow_private = (settings or CrawlSettings()).allow_private
        self.calls.append({"today": today, "resume": resume, "allow_private": allow_private})
        if self.mode == "raise":
            raise RuntimeError("network is down")
        store = Store(paths.db)
        run = store.unfinished_run() if resume else None
        if run is None:
            run = store.start_run(
                month=f"{today:%Y-%m}", today=today.isoformat(), planned=list(SLUGS)
            )
        done = store.done_slugs(run.id)
        for slug in SLUGS:
            if slug in done:
                continue
            store.save_result(run.id, result(slug))
            if self.mode == "stop":
                return run.id
        store.finish_run(run.id)
        return run.id


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "var" / "monitor.sqlite3")


def make_job(
    store: Store, crawl: FakeCrawl, schedule: ScheduleSettings | None = None, **kw: Any
) -> MonthlyJob:
    paths = PathSettings(db=store.path, content=store.path.parent / "content")
    settings = MonitorSettings(paths=paths, schedule=schedule or ScheduleSettings())
    return MonthlyJob(store=store, settings=settings, crawl=crawl, **kw)


def test_not_due_before_this_months_time_even_on_a_fresh_database(store: Store) -> None:
    crawl = FakeCrawl()
    job = make_job(store, crawl)
    # April's slot has passed but it is May now: a crawl today would count for May.
    assert job.run_due(at(2026, 5, 1, 8, 59)).action == "not-due"
    assert crawl.calls == []


def test_runs_at_the_scheduled_time_then_once_only(store: Store) -> None:
    crawl = FakeCrawl()
    job = make_job(store, crawl)
    outcome = job.run_due(at(2026, 5, 1, 9, 0))
    assert (outcome.action, outcome.month) == ("done", "2026-05")
    assert crawl.calls == [{"today": date(2026, 5, 1), "resume": False, "allow_private": False}]
    assert CompletedMonths(store).months() == ["2026-05"]
    run = store.run(outcome.run_id or 0)
    assert run is not None and run.finished and run.month == "2026-05"
    for later in (at(2026, 5, 1, 9, 1), at(2026, 5, 20), at(2026, 5, 31, 23, 59)):
        assert job.run_due(later).action == "not-due"
    assert len(crawl.calls) == 1
    assert job.run_due(at(2026, 6, 1, 9, 0)).month == "2026-06"


def test_catches_up_after_being_down_at_the_scheduled_time(store: Store) -> None:
    crawl = FakeCrawl()
    job = make_job(store, crawl)
    assert job.run_due(at(2026, 4, 1, 9, 5)).action == "done"
    # down from 30 April to 3 May: the first look after start-up crawls May
    outcome = job.run_due(at(2026, 5, 3, 14, 0))
    assert (outcome.action, outcome.month) == ("done", "2026-05")
    assert crawl.calls[-1]["today"] == date(2026, 5, 3)
    assert CompletedMonths(store).months() == ["2026-04", "2026-05"]


def test_an_outage_over_a_whole_month_skips_that_month(store: Store) -> None:
    crawl = FakeCrawl()
    job = make_job(store, crawl)
    outcome = job.run_due(at(2026, 7, 2, 10, 0))  # down for all of June
    assert outcome.month == "2026-07"
    assert [c["today"] for c in crawl.calls] == [date(2026, 7, 2)]


def test_time_zone_is_taipei_whatever_the_clock_says(store: Store) -> None:
    crawl = FakeCrawl()
    job = make_job(store, crawl)
    assert job.run_due(datetime(2026, 5, 1, 0, 59, tzinfo=UTC)).action == "not-due"  # 08:59 TPE
    outcome = job.run_due(datetime(2026, 5, 1, 1, 0, tzinfo=UTC))  # 09:00 in Taipei
    assert outcome.action == "done"
    # 30 June 20:00 UTC is already 1 July 04:00 in Taipei: before 09:00, nothing due
    assert (
        make_job(Store(store.path), FakeCrawl())
        .run_due(datetime(2026, 6, 30, 20, 0, tzinfo=UTC))
        .action
        == "not-due"
    )


def test_interrupted_crawl_resumes_at_the_next_start(store: Store) -> None:
    stopped = FakeCrawl(mode="stop")
    outcome = make_job(store, stopped).run_due(at(2026, 5, 1, 9, 0))
    assert outcome.action == "interrupted"
    assert CompletedMonths(store).months() == []
    run_id = outcome.run_id
    assert store.done_slugs(run_id or 0) == {"alpha"}

    crawl = FakeCrawl()
    outcome = make_job(Store(store.path), crawl).run_due(at(2026, 5, 1, 9, 30))
    assert (outcome.action, outcome.run_id, outcome.resumed) == ("done", run_id, True)
    assert crawl.calls[0]["resume"] is True
    assert store.done_slugs(run_id or 0) == set(SLUGS)
    assert CompletedMonths(store).months() == ["2026-05"]


def test_an_unfinished_run_of_an_older_month_is_not_resumed(store: Store) -> None:
    old = store.start_run(month="2026-04", today="2026-04-01", planned=list(SLUGS))
    crawl = FakeCrawl()
    outcome = make_job(store, crawl).run_due(at(2026, 5, 1, 9, 0))
    assert outcome.action == "done" and crawl.calls[0]["resume"] is False
    assert outcome.run_id != old.id
    assert store.run(old.id).finished is False  # type: ignore[union-attr]


def test_a_failed_crawl_is_tried_again(store: Store) -> None:
    broken = FakeCrawl(mode="raise")
    outcome = make_job(store, broken).run_due(at(2026, 5, 1, 9, 0))
    assert outcome.action == "failed"
    assert "network is down" in outcome.error
    assert CompletedMonths(store).months() == []
    assert make_job(store, FakeCrawl()).run_due(at(2026, 5, 1, 10, 0)).action == "done"


def test_a_manual_crawl_does_not_complete_the_scheduled_month(store: Store) -> None:
    FakeCrawl()(paths=PathSettings(db=store.path), today=date(2026, 5, 1))  # `alliance crawl`
    crawl = FakeCrawl()
    assert make_job(store, crawl).run_due(at(2026, 5, 1, 9, 0)).action == "done"
    assert len(crawl.calls) == 1


def test_reports_follow_a_finished_crawl_and_their_failure_is_reported(store: Store) -> None:
    published: list[str] = []
    job = make_job(store, FakeCrawl(), after_crawl=published.append)
    assert job.run_due(at(2026, 5, 1, 9, 0)).action == "done"
    assert published == ["2026-05"]

    def broken(month: str) -> None:
        raise OSError("disk full")

    outcome = make_job(store, FakeCrawl(), after_crawl=broken).run_due(at(2026, 6, 1, 9, 0))
    assert outcome.action == "done" and "disk full" in outcome.error
    assert CompletedMonths(store).months() == ["2026-05", "2026-06"]  # crawl is not redone


def test_only_one_look_at_a_time(store: Store) -> None:
    crawl = FakeCrawl()
    job = make_job(store, crawl)
    job._lock.acquire()
    try:
        assert job.run_due(at(2026, 5, 1, 9, 0)).action == "busy"
    finally:
        job._lock.release()
    assert crawl.calls == []


def test_configurable_schedule(store: Store) -> None:
    crawl = FakeCrawl()
    settings = ScheduleSettings(cron="30 6 15 * *", timezone="Asia/Taipei")
    job = make_job(store, crawl, schedule=settings)
    assert job.run_due(at(2026, 5, 1, 9, 0)).action == "not-due"
    assert job.run_due(at(2026, 5, 15, 6, 29)).action == "not-due"
    assert job.run_due(at(2026, 5, 15, 6, 30)).action == "done"


@pytest.mark.parametrize(
    ("cron", "now", "expected"),
    [
        ("0 9 1 * *", at(2026, 5, 1, 9, 0), at(2026, 5, 1, 9, 0)),
        ("0 9 1 * *", at(2026, 5, 1, 8, 59), at(2026, 4, 1, 9, 0)),
        ("0 9 1 * *", at(2026, 3, 31, 23, 0), at(2026, 3, 1, 9, 0)),
        ("0 9 1 1 *", at(2026, 12, 31), at(2026, 1, 1, 9, 0)),  # yearly: found within a year
        ("*/5 * * * *", at(2026, 5, 1, 9, 7), at(2026, 5, 1, 9, 5)),
    ],
)
def test_last_fire_time(cron: str, now: datetime, expected: datetime) -> None:
    assert last_fire_time(CronTrigger.from_crontab(cron, timezone=TPE), now) == expected


def test_next_check_date() -> None:
    settings = ScheduleSettings()
    assert next_check_after_month(settings, "2026-05") == date(2026, 6, 1)
    assert next_check_after_month(settings, "2026-12") == date(2027, 1, 1)
    assert next_check_after_month(ScheduleSettings(cron="0 9 15 * *"), "2026-05") == date(
        2026, 6, 15
    )


def test_one_instance_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "monitor.sqlite3"
    with (
        instance_lock(db),
        pytest.raises(AlreadyRunning, match=r"already running .* \(pid \d+"),
        instance_lock(db),
    ):
        pass
    with instance_lock(db):  # released again
        pass


# -- settings -------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_file(tmp_path: Path) -> None:
    settings = load_settings(
        write(
            tmp_path,
            '[paths]\ndb = "x/m.sqlite3"\n[schedule]\ncron = "0 8 2 * *"\nnotify = "off"\n'
            "[crawl]\nallow_private = true\ntimeout = 5\n",
        ),
        env={},
    )
    schedule = settings.schedule
    assert (schedule.cron, schedule.notify, schedule.timezone) == (
        "0 8 2 * *",
        "off",
        "Asia/Taipei",
    )
    assert settings.paths.db == Path("x/m.sqlite3") and settings.crawl.allow_private
    assert settings.crawl.timeout == 5.0
    assert load_settings(None, default=tmp_path / "missing.toml", env={}) == MonitorSettings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[schedule]\ncorn = '0 9 1 * *'\n", "[schedule] unknown key 'corn'; known keys: cron"),
        ("[smtp]\npassword = 'hunter2'\n", "ALLIANCE_SMTP_PASSWORD"),
        ("[mail]\nhost = 'x'\n", "unknown section [mail]"),
        ("[schedule]\ncron = '0 9 32 * *'\n", "is not a cron expression"),
        ("[schedule]\ntimezone = 'Taipei'\n", "not a known time zone; use e.g. Asia/Taipei"),
        ("[schedule]\nnotify = 'yes'\n", "notify must be one of off, draft, send"),
        ("[crawl]\ntimeout = 'fast'\n", "[crawl] timeout must be a number, not 'fast'"),
        ("[crawl]\nconcurrency = 0\n", "[crawl] concurrency must be 1 or more"),
        ("[paths]\ndb = 3\n", "[paths] db must be text in quotes"),
        ("[schedule\n", "is not valid TOML"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert message in str(info.value)
    assert str(path) in str(info.value)  # the file is named too


def write_registry(content: Path) -> None:
    folder = content / "alliances"
    folder.mkdir(parents=True, exist_ok=True)
    for slug in SLUGS:
        (folder / f"{slug}.toml").write_text(
            f'name = "{slug} 產學聯盟"\nname_en = "{slug.title()} Alliance"\n'
            f'university = "範例大學"\nindustry = "ict"\n'
            f'website = "https://{slug}.example.edu.tw/"\n'
            f'contact_email = "{slug}@example.edu.tw"\n',
            encoding="utf-8",
        )


@pytest.mark.parametrize(
    ("cli_cron", "next_check"),
    [(None, "2026-07-05"), ("0 9 10 * *", "2026-07-10")],
    ids=["from the settings file", "--cron overrides it"],
)
def test_the_scheduled_job_writes_reports_with_the_registry_and_its_schedule(
    tmp_path: Path, cli_cron: str | None, next_check: str
) -> None:
    import argparse
    import json

    from alliance_portal.commands.schedule import build_job

    content = tmp_path / "content"
    write_registry(content)
    config = tmp_path / "monitor.toml"
    config.write_text('[schedule]\ncron = "0 9 5 * *"\nnotify = "off"\n', encoding="utf-8")
    args = argparse.Namespace(
        config=config,
        db=tmp_path / "var" / "monitor.sqlite3",
        content=content,
        reports=tmp_path / "reports",
        allow_private=None,
        cron=cli_cron,
        timezone=None,
    )
    job = build_job(args, crawl=FakeCrawl())
    job.clock = lambda: at(2026, 6, 12, 10, 0)  # after both schedules' June slot
    outcome = job.run_due()
    assert (outcome.action, outcome.month, outcome.error) == ("done", "2026-06", "")
    folder = tmp_path / "reports" / "2026-06"
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert data["next_check"] == next_check
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "Alpha Alliance" in html and "Gamma Alliance" in html  # English names: the registry
    assert not (folder / "notices").exists()  # notify = "off"

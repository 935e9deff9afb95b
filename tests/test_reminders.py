"""Deadlines and reminders: which deadline is in force, each reminder once over real SMTP,
the monthly scheduler firing the reminder job with a controlled clock, and the pages."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from test_intake_support import app_for, make_config, make_registry, png_bytes, services_of
from test_people import office_client, pi_client

from alliance_portal.cli import main
from alliance_portal.commands.reminder_wiring import reminder_job, reminder_service
from alliance_portal.intake.deadlines import (
    DeadlineBook,
    DeadlineError,
    DeadlineSettings,
    check_settings,
    deadline_status,
    parse_days,
)
from alliance_portal.intake.mailer import MailSettings
from alliance_portal.intake.people import People
from alliance_portal.intake.reminders import current_stage
from alliance_portal.registry.banner_rules import store_banner
from tests.support.mail_support import Inbox, body_of, smtp_config, smtp_on_loopback

D = dt.date(2027, 4, 30)
TPE = "Asia/Taipei"
WAIT = 30.0


def day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


@pytest.fixture(autouse=True)
def _no_smtp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ALLIANCE_SMTP_") or name == "ALLIANCE_MONITOR_CONFIG":
            monkeypatch.delenv(name)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_on_loopback() as server:
        yield server


def mail_to(port: int) -> MailSettings:
    return MailSettings(
        host="127.0.0.1", port=port, starttls=False, sender="Office <o@example.org.tw>"
    )


def text_of(resp: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.unescape(resp.get_data(as_text=True))))


# -- which deadline is in force ------------------------------------------------------------


def test_the_default_deadline_is_in_force_until_a_month_after_then_none() -> None:
    nothing = DeadlineSettings()
    assert deadline_status(nothing, dt.date(2026, 3, 1)).phase == "open"
    assert deadline_status(nothing, dt.date(2026, 3, 1)).deadline == dt.date(2026, 4, 30)
    assert deadline_status(nothing, dt.date(2026, 4, 30)).days_left == 0
    late = deadline_status(nothing, dt.date(2026, 5, 10))
    assert (late.phase, late.days_late) == ("late", 10)
    december = deadline_status(nothing, dt.date(2026, 12, 2))  # was "216 days overdue"
    assert (december.phase, december.deadline, december.previous) == (
        "none",
        None,
        dt.date(2026, 4, 30),
    )
    assert december.days_late == 0 and not december.in_force


def test_the_next_cycles_deadline_speaks_once_the_office_sets_it() -> None:
    settings = DeadlineSettings().with_deadline(2027, dt.date(2027, 5, 15))
    status = deadline_status(settings, dt.date(2026, 12, 2))
    assert (status.phase, status.deadline, status.days_left) == ("open", dt.date(2027, 5, 15), 164)
    # An extension of this year's deadline replaces 30 April.
    extended = DeadlineSettings().with_deadline(2026, dt.date(2026, 6, 30))
    assert deadline_status(extended, dt.date(2026, 5, 20)).deadline == dt.date(2026, 6, 30)
    # `intake serve --deadline` stands in for the default.
    override = deadline_status(
        DeadlineSettings(), dt.date(2026, 5, 20), override=dt.date(2026, 5, 17)
    )
    assert (override.phase, override.days_late) == ("late", 3)


def test_reminder_stages_each_day_of_the_cycle() -> None:
    settings = DeadlineSettings().with_deadline(2027, D)
    expected = {
        -20: None,
        -14: "before-14",
        -5: "before-14",
        -3: "before-3",
        0: "before-3",
        1: None,
        7: "after-7",
        31: "after-7",
        32: None,
    }
    for offset, key in expected.items():
        stage = current_stage(settings, day(offset))
        assert (stage.key if stage else None) == key, offset
    quiet = DeadlineSettings(before=(), after=0).with_deadline(2027, D)
    assert current_stage(quiet, day(-3)) is None and current_stage(quiet, day(7)) is None


def test_settings_are_checked_with_reasons(tmp_path: Path) -> None:
    assert parse_days("3, 14，14") == (14, 3)
    for bad in ("x", "0", "400"):
        with pytest.raises(DeadlineError, match="number of days"):
            parse_days(bad)
    with pytest.raises(DeadlineError, match="far from programme year"):
        check_settings(DeadlineSettings().with_deadline(2027, dt.date(2031, 4, 30)))
    with pytest.raises(DeadlineError, match="within"):
        check_settings(DeadlineSettings(after=40))
    book = DeadlineBook(tmp_path / "d.json")
    book.write(DeadlineSettings(before=(10,), after=5).with_deadline(2027, D))
    assert book.read().deadlines == {2027: D} and book.read().before == (10,)
    (tmp_path / "d.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DeadlineError, match=r"d\.json"):
        book.read()


# -- reminders over a real SMTP server -----------------------------------------------------


def service_at(
    root: Path,
    port: int,
    today: list[dt.date],
    *,
    dry_run: bool = False,
    public_url: str = "https://intake.example.tw/",
) -> Any:
    DeadlineBook(root / "var" / "intake-deadlines.json").write(
        DeadlineSettings().with_deadline(2027, D)
    )
    return reminder_service(
        content=root / "content",
        banners=root / "banners",
        var=root / "var",
        settings_file=None,
        mail=mail_to(port),
        dry_run=dry_run,
        clock=lambda: today[0],
        public_url=public_url,
    )


def with_secret(root: Path) -> None:
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.secret_key import ensure_secret

    ensure_secret(IntakePaths(root / "var").secret_file)


def test_each_reminder_goes_out_exactly_once(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    make_registry(tmp_path)
    with_secret(tmp_path)
    People(tmp_path / "var" / "intake-people.json").set_pi(
        "green-chem", "chen@example.edu.tw", by="t"
    )
    today = [day(-20)]
    service = service_at(tmp_path, port, today)
    assert service.run_due().sent == [] and inbox.messages == []

    today[0] = day(-14)
    assert sorted(service.run_due().sent) == ["green-chem", "smart-motor"]
    assert service.run_due().sent == []  # the same day again: nothing more
    today[0] = day(-10)
    assert service.run_due().sent == []  # same stage, another day: nothing more
    assert inbox.recipients() == ["chen@example.edu.tw", "motor@example.edu.tw"]
    letter = body_of(inbox.to("motor@example.edu.tw")[0])
    assert letter.index("入口網橫幅") < letter.index("the portal banner")
    assert "2027 年 4 月 30 日" in letter and "2027-04-30" in letter
    # smart-motor's reminder goes to its profile contact (no PI recorded): no PI link in it.
    assert "https://intake.example.tw/link/" not in letter
    assert "計畫主持人可用自己的個人連結更新" in letter and "can update it with their" in letter
    to_pi = body_of(inbox.to("chen@example.edu.tw")[0])
    assert "https://intake.example.tw/link/" in to_pi  # the recorded PI gets the PI's link
    assert People(tmp_path / "var" / "intake-people.json").pi("green-chem").link_sent  # type: ignore[union-attr]

    # smart-motor delivers its banner; only green-chem is reminded 3 days before and after.
    store_banner(png_bytes(), tmp_path / "banners", "smart-motor")
    today[0] = day(-3)
    assert service.run_due().sent == ["green-chem"]
    today[0] = day(7)
    assert service.run_due().sent == ["green-chem"]
    today[0] = day(8)
    assert service.run_due().sent == []
    assert len(inbox.to("chen@example.edu.tw")) == 3 and len(inbox.to("motor@example.edu.tw")) == 1
    after = inbox.to("chen@example.edu.tw")[-1]
    assert "已過" in str(after["Subject"]) and "has passed" in str(after["Subject"])
    assert str(after["Subject"]).endswith(
        "：繳交期限已過，請盡快補齊資料 The deadline has passed: please complete your data"
    )


def test_a_dry_run_writes_drafts_and_the_real_send_still_goes(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    make_registry(tmp_path)
    today = [day(-3)]
    dry = service_at(tmp_path, port, today, dry_run=True)
    assert dry.run_due().drafts == ["smart-motor"]  # green-chem has no address
    assert len(list((tmp_path / "var" / "intake-outbox").glob("*.eml"))) == 1
    assert inbox.messages == []
    real = service_at(tmp_path, port, today)
    assert real.run_due().sent == ["smart-motor"]
    plan = real.plan()
    assert [(r.slug, r.recipient, r.state) for r in plan.reminders] == [
        ("green-chem", "", None),
        ("smart-motor", "motor@example.edu.tw", "sent"),
    ]


def test_reminders_carry_the_pis_link_when_links_exist(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    make_registry(tmp_path)
    People(tmp_path / "var" / "intake-people.json").set_pi(
        "smart-motor", "motor@example.edu.tw", by="t"
    )
    assert (
        main(
            [
                "intake",
                "links",
                "--base-url",
                "https://intake.example.tw",
                "--content",
                str(tmp_path / "content"),
                "--banners",
                str(tmp_path / "banners"),
                "--var",
                str(tmp_path / "var"),
            ]
        )
        == 0
    )  # creates the secret
    today = [day(-14)]
    service_at(tmp_path, port, today).run_due()
    assert "https://intake.example.tw/link/" in body_of(inbox.messages[0][1])


# -- the monthly scheduler fires the reminder job -------------------------------------------


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {WAIT}s waiting for {what}")


def test_the_monthly_scheduler_fires_the_reminders(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    from test_schedule import FakeCrawl

    from alliance_portal.registry.settings import MonitorSettings, PathSettings
    from monitor.schedule.job import MonthlyJob
    from monitor.schedule.runner import MonthlyScheduler
    from monitor.store import Store

    inbox, port = smtp
    make_registry(tmp_path)
    today = [day(-14)]  # the reminder job's controlled clock
    service = service_at(tmp_path, port, today)
    fired = threading.Event()
    job_func = reminder_job(service)

    def counted() -> object:
        try:
            return job_func()
        finally:
            if today[0] == day(-3):
                fired.set()

    store = Store(tmp_path / "var" / "monitor.sqlite3")
    monthly = MonthlyJob(
        store=store,
        settings=MonitorSettings(paths=PathSettings(content=tmp_path / "content", db=store.path)),
        crawl=FakeCrawl(),
        trigger=CronTrigger(year=2099, timezone=TPE),  # never: only the reminder job runs
    )
    fire = datetime.now(monthly.settings.schedule.tz).replace(microsecond=0) + timedelta(seconds=3)
    trigger = CronTrigger(hour=fire.hour, minute=fire.minute, second=fire.second, timezone=TPE)
    scheduler = MonthlyScheduler(
        monthly, catch_up=True, watch_every=None, extra_jobs=[("reminders", trigger, counted)]
    )
    thread = threading.Thread(target=scheduler.run, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    try:
        # At start-up (the catch-up run): the 14-day reminder, once.
        wait_for(lambda: len(inbox.messages) == 1, "the start-up reminder")
        today[0] = day(-3)
        assert fired.wait(WAIT), "the reminder job did not fire"  # the trigger: the 3-day one
        wait_for(lambda: len(inbox.messages) == 2, "the 3-day reminder")
    finally:
        scheduler.stop()
        thread.join(WAIT)
    assert not thread.is_alive()
    subjects = [str(m["Subject"]) for _, m in inbox.messages]
    assert all("smart-motor" not in s for s in subjects)  # named by the alliance's name
    assert inbox.recipients() == ["motor@example.edu.tw", "motor@example.edu.tw"]


# -- the pages -----------------------------------------------------------------------------


def test_no_deadline_in_force_then_the_office_sets_the_next(tmp_path: Path) -> None:
    today = dt.date.today()
    with app_for(make_config(tmp_path)) as app:
        svc = services_of(app)
        svc.deadlines.write(DeadlineSettings().with_deadline(today.year, today - dt.timedelta(100)))
        pi, _ = pi_client(app)
        form = text_of(pi.get("/alliance/"))
        assert "No submission deadline is in force now" in form and "已過" not in form
        office, csrf = office_client(app, lang="zh")
        overview = text_of(office.get("/office/"))
        assert "目前沒有進行中的截止日" in overview and "逾期" not in overview  # zh-TW by default
        page = office.get("/office/deadlines/")
        assert page.status_code == 200 and "設定截止日" in text_of(page)
        assert "Set the deadline" not in text_of(page)  # one language at a time

        bad = office.post(
            "/office/deadlines/year", data={"csrf_token": csrf, "year": "x", "date": ""}
        )
        assert bad.status_code == 422 and "未儲存" in text_of(bad)
        nxt = today + dt.timedelta(days=150)
        resp = office.post(
            "/office/deadlines/year",
            data={"csrf_token": csrf, "year": str(nxt.year), "date": nxt.isoformat()},
        )
        assert resp.status_code == 200
        assert f"Please complete your profile and banner by {nxt.isoformat()}" in text_of(
            pi.get("/alliance/")
        )
        assert "還有 150 天" in text_of(office.get("/office/"))
        entry = list(svc.audit.entries())[-1]
        assert (entry.action, entry.actor) == ("deadline.set", "office")


def test_office_previews_and_sends_the_reminders(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    today = dt.date.today()
    with app_for(make_config(tmp_path, mail=mail_to(port))) as app:
        svc = services_of(app)
        # A deadline 3 days away: the 3-day reminder is due today.
        svc.deadlines.write(DeadlineSettings().with_deadline(today.year, today + dt.timedelta(3)))
        office, csrf = office_client(app)
        page = text_of(office.get("/office/deadlines/"))
        assert "Due today: the reminder 3 days before" in page
        assert "motor@example.edu.tw" in page and "Preview the reminder" in page
        assert inbox.messages == []  # a preview sends nothing
        review = office.post("/office/deadlines/send", data={"csrf_token": csrf})
        assert review.status_code == 200 and inbox.messages == []  # the review sends nothing
        token = re.search(r'name="confirm" value="([0-9a-f]+)"', review.get_data(as_text=True))
        assert token is not None
        resp = office.post(
            "/office/deadlines/send", data={"csrf_token": csrf, "confirm": token.group(1)}
        )
        assert resp.status_code == 200 and "Sent 1 reminders" in text_of(resp)
        again = office.post(
            "/office/deadlines/send", data={"csrf_token": csrf, "confirm": token.group(1)}
        )
        assert again.status_code == 409 and len(inbox.messages) == 1  # the list changed
        assert inbox.recipients() == ["motor@example.edu.tw"]
        assert [e.action for e in svc.audit.entries()][-1] == "reminder.send"

        resp = office.post(
            "/office/deadlines/reminders",
            data={"csrf_token": csrf, "before": "21, 7", "after": "5", "form_url": ""},
        )
        assert resp.status_code == 200 and svc.deadlines.read().before == (21, 7)
        resp = office.post(
            "/office/deadlines/reminders",
            data={"csrf_token": csrf, "before": "soon", "after": "5", "form_url": ""},
        )
        assert resp.status_code == 422


def test_deadline_pages_are_the_offices_only(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        pi, csrf = pi_client(app)
        for path in ("/office/deadlines/",):
            assert pi.get(path).status_code == 302
        resp = pi.post("/office/deadlines/send", data={"csrf_token": csrf})
        assert resp.status_code == 302 and "/office/login" in resp.headers["Location"]
        assert app.test_client().get("/office/deadlines/").status_code == 302


def test_cli_sets_the_deadline_and_reminds(
    tmp_path: Path, smtp: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, port = smtp
    make_registry(tmp_path)
    paths = [
        "--content",
        str(tmp_path / "content"),
        "--banners",
        str(tmp_path / "banners"),
        "--var",
        str(tmp_path / "var"),
    ]
    assert (
        main(
            [
                "intake",
                "deadline",
                "--year",
                "2027",
                "--date",
                "2027-04-30",
                "--before",
                "14,3",
                "--after",
                "7",
                *paths,
            ]
        )
        == 0
    )
    assert "programme year 2027: deadline 2027-04-30" in capsys.readouterr().out
    assert main(["intake", "deadline", "--year", "2027", *paths]) == 2
    config = smtp_config(tmp_path / "monitor.toml", port)
    args = ["intake", "remind", "--today", "2027-04-27", "--config", str(config), *paths]
    assert main([*args, "--dry-run"]) == 0
    assert inbox.messages == [] and "1 written as drafts" in capsys.readouterr().out
    assert main(args) == 0
    assert main(args) == 0
    assert len(inbox.messages) == 1
    out = capsys.readouterr().out
    assert "0 sent" in out and "sent" in out
    assert main(["intake", "remind", "--today", "2027-01-01", *paths]) == 0
    assert "no reminder is due" in capsys.readouterr().out


def test_schedule_once_also_sends_the_due_reminders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_registry(tmp_path)
    today = dt.date.today()
    DeadlineBook(tmp_path / "var" / "intake-deadlines.json").write(
        DeadlineSettings().with_deadline(today.year, today + dt.timedelta(days=3))
    )
    config = tmp_path / "monitor.toml"
    config.write_text('[schedule]\nnotify = "draft"\n', encoding="utf-8")
    argv = ["schedule", "--once", "--config", str(config), "--cron", "0 9 1 1 *"]
    argv += [
        "--db",
        str(tmp_path / "var" / "monitor.sqlite3"),
        "--content",
        str(tmp_path / "content"),
    ]
    argv += ["--reports", str(tmp_path / "reports")]
    # the form's state and the banners are named, never guessed from --db or --content
    argv += ["--var", str(tmp_path / "var"), "--banners", str(tmp_path / "banners")]
    if today.month == 1:
        argv[argv.index("0 9 1 1 *")] = "0 9 1 7 *"  # a month that is not due today
    assert main(argv) == 0
    assert main(argv) == 0
    drafts = list((tmp_path / "var" / "intake-outbox").glob("*.eml"))
    assert len(drafts) == 1 and "motor@example.edu.tw" in drafts[0].name  # once, as a draft

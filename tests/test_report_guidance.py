"""The monthly report says what to do: one line of advice per alliance and a link to its notice;
counts per check leave out sites that could not be checked; times in Asia/Taipei; charts that
are never cut in two when printed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from test_report_data import MONTHS, Monitor, add_month, check, make_monitor, site

from alliance_portal.cli import main
from monitor.model import Code
from monitor.notices.advice import ADVICE
from monitor.reports.files import write_month_reports
from monitor.reports.month import load_alliances


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Monitor, Path]:
    monitor = make_monitor(tmp_path_factory.mktemp("guidance"))
    alliances = load_alliances(monitor.content)
    folder = Path()
    for month in MONTHS:
        folder = write_month_reports(monitor.store, month, monitor.reports, alliances=alliances)
    return monitor, folder


@pytest.fixture(scope="module")
def soup(built: tuple[Monitor, Path]) -> BeautifulSoup:
    return BeautifulSoup((built[1] / "index.html").read_text(encoding="utf-8"), "lxml")


def test_each_alliance_with_a_problem_has_one_line_of_advice(soup: BeautifulSoup) -> None:
    for row in soup.select("#alliances > tbody > tr"):
        fix = row.select_one("td.status .fix")
        if row["data-overall"] == "pass":
            assert fix is None, row["id"]
        else:
            assert fix is not None and "改善" in fix.get_text(), row["id"]
    name_only = soup.find(id="a-name-only").select_one(".fix").get_text(" ", strip=True)
    assert ADVICE[Code.CREDIT_NAME_ONLY].zh in name_only
    assert ADVICE[Code.CREDIT_NAME_ONLY].en in name_only


def test_a_site_that_does_not_open_is_told_only_that(soup: BeautifulSoup) -> None:
    down = [r for r in soup.select("#alliances > tbody > tr") if r["data-loads"] == "fail"]
    assert down
    for row in down:
        text = row.select_one(".fix").get_text(" ", strip=True)
        assert "科技部計畫補助" not in text  # no credit advice for a page nobody could read


def test_each_notice_link_opens_the_alliances_notice(
    built: tuple[Monitor, Path], soup: BeautifulSoup, tmp_path: Path
) -> None:
    monitor, folder = built
    links = {
        row["id"][2:]: row.select_one("a.notice-link")["href"]
        for row in soup.select("#alliances > tbody > tr")
        if row.select_one("a.notice-link")
    }
    problems = {
        r["id"][2:] for r in soup.select("#alliances > tbody > tr") if r["data-overall"] != "pass"
    }
    assert set(links) == problems
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    code = main(
        ["notify", "--month", "2026-05", "--db", str(monitor.db), "--reports",
         str(monitor.reports), "--content", str(monitor.content), "--config",
         str(tmp_path / "none.toml")]
    )  # fmt: skip
    assert code == 0
    for slug, href in links.items():
        if slug == "no-contact":
            continue  # no address: nothing to draft, the report still says what to do
        draft = (folder / href).read_text(encoding="utf-8")
        assert slug in draft and "Subject:" in draft


def test_counts_leave_out_sites_that_could_not_be_checked(built: tuple[Monitor, Path]) -> None:
    _monitor, folder = built
    summary = json.loads((folder / "report.json").read_text(encoding="utf-8"))["summary"]
    assert summary["not_checked"]["credit"] == 1
    credit = summary["credit"]
    assert credit["pass"] + credit["warn"] + credit["fail"] == summary["total"] - 1


def test_a_site_the_browser_could_not_show_is_not_checked_either(tmp_path: Path) -> None:
    monitor = make_monitor(tmp_path)
    unseen = check("warn", Code.NOT_CHECKED, "瀏覽器無法顯示", "the browser could not show it")
    add_month(monitor.store, "2026-07", [site("good-motor", credit=unseen)])
    report_dir = write_month_reports(monitor.store, "2026-07", monitor.reports)
    summary = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))["summary"]
    assert summary["not_checked"]["credit"] == 1
    assert summary["credit"] == {"pass": 0, "warn": 0, "fail": 0}


def test_times_are_in_taipei(built: tuple[Monitor, Path], soup: BeautifulSoup) -> None:
    monitor, _folder = built
    run = monitor.store.latest_run_for_month("2026-05")
    assert run is not None and run.finished_at
    expected = (
        datetime.fromisoformat(run.finished_at)
        .astimezone(ZoneInfo("Asia/Taipei"))
        .strftime("%Y-%m-%d %H:%M")
    )
    meta = soup.select_one(".meta").get_text(" ", strip=True)
    assert "台北時間" in meta and f"{expected} (UTC+8)" in meta
    assert "UTC " not in meta.replace("UTC+8", "")


@pytest.mark.browser
def test_printed_charts_are_never_cut_in_two(browser, built: tuple[Monitor, Path]) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    _monitor, folder = built
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((folder / "index.html").as_uri())
        # the summary grows so the charts start near the bottom of the first page
        page.evaluate(
            "() => { const s = document.querySelector('.summary');"
            " for (let i = 0; i < 6; i++) s.appendChild(s.querySelector('table.counts').cloneNode(true)); }"
        )
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        context.close()
    path = folder.parent / "printed.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=60
    ).stdout
    pages = text.split("\f")
    captions = [len(re.findall("本月通過", p)) for p in pages]
    hundreds = [len(re.findall(r"(?<![\d])100%", p)) for p in pages]
    assert sum(captions) == 4
    # every page that shows a chart's caption shows its whole axis too, and no axis is orphaned
    assert captions == hundreds, (captions, hundreds)


def test_notify_with_the_forms_address_puts_the_pis_link_in_each_notice(tmp_path: Path) -> None:
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.people import People
    from alliance_portal.intake.secret_key import ensure_secret

    monitor = make_monitor(tmp_path)
    var = tmp_path / "formvar"
    ensure_secret(IntakePaths(var).secret_file)
    # The office recorded newly-bad's PI at its contact address; hostile's PI elsewhere.
    People(IntakePaths(var).people).set_pi("newly-bad", "newly-bad@example.edu.tw", by="t")
    People(IntakePaths(var).people).set_pi("hostile", "pi.hostile@example.edu.tw", by="t")
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    code = main(
        ["notify", "--month", "2026-05", "--db", str(monitor.db), "--reports",
         str(monitor.reports), "--content", str(monitor.content), "--config",
         str(tmp_path / "none.toml"), "--public-url", "https://intake.example.tw",
         "--var", str(var)]
    )  # fmt: skip
    assert code == 0
    draft = (monitor.reports / "2026-05" / "notices" / "newly-bad.eml").read_bytes()
    from email import message_from_bytes
    from email.policy import default

    body = message_from_bytes(draft, policy=default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://intake.example.tw/link/" in body
    assert "計畫主持人的個人連結" in body and "principal investigator's personal" in body
    # A notice to an address that is not the PI's carries no link with the PI's rights.
    others = [
        p for p in (monitor.reports / "2026-05" / "notices").glob("*.eml") if p.stem != "newly-bad"
    ]
    assert others
    for other in others:
        other_body = (
            message_from_bytes(other.read_bytes(), policy=default)
            .get_body(("plain",))
            .get_content()
        )  # type: ignore[union-attr]
        assert "/link/" not in other_body
        assert "計畫主持人可用自己的個人連結更新" in other_body


def test_the_scheduler_puts_the_pis_link_in_each_notice(tmp_path: Path) -> None:
    import argparse
    from email import message_from_bytes
    from email.policy import default

    from alliance_portal.commands.schedule import build_job
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.secret_key import ensure_secret
    from monitor.store import Store

    content = tmp_path / "content" / "alliances"
    content.mkdir(parents=True)
    (content / "good-motor.toml").write_text(
        'name = "智慧馬達產學聯盟"\nuniversity = "範例大學"\nindustry = "ict"\n'
        'website = "https://motor.example.edu.tw/"\ncontact_email = "motor@example.edu.tw"\n',
        encoding="utf-8",
    )
    var = tmp_path / "var"
    ensure_secret(IntakePaths(var).secret_file)
    from alliance_portal.intake.people import People

    People(IntakePaths(var).people).set_pi("good-motor", "motor@example.edu.tw", by="t")
    config = tmp_path / "monitor.toml"
    config.write_text('[schedule]\nnotify = "draft"\n', encoding="utf-8")

    def crawl(*, paths, today, settings=None, resume=False, stop_event=None):  # type: ignore[no-untyped-def]
        store = Store(paths.db)
        run = store.start_run(
            month=f"{today:%Y-%m}", today=today.isoformat(), planned=["good-motor"]
        )
        no_credit = check("fail", Code.CREDIT_NONE, "首頁沒有補助標示", "no funding credit")
        store.save_result(run.id, site("good-motor", credit=no_credit))
        store.finish_run(run.id)
        return run.id

    args = argparse.Namespace(
        config=config,
        db=var / "monitor.sqlite3",
        content=tmp_path / "content",
        reports=tmp_path / "reports",
        allow_private=None,
        cron=None,
        timezone=None,
        public_url="https://intake.example.tw",
        var=var,  # the form's secret is here: named, never guessed from --db
    )
    job = build_job(args, crawl=crawl)
    job.clock = lambda: datetime(2026, 6, 12, 10, 0, tzinfo=ZoneInfo("Asia/Taipei"))
    assert job.run_due().action == "done"
    draft = (tmp_path / "reports" / "2026-06" / "notices" / "good-motor.eml").read_bytes()
    body = message_from_bytes(draft, policy=default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://intake.example.tw/link/" in body

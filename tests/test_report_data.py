"""Fixture data for the report/notify/schedule tests, and tests of the report's data model.

``make_monitor(tmp_path)`` writes a small registry and three months of crawl results into a
real SQLite Store, with changes between months and hostile evidence text (it comes from the
internet). Other test files import the builders from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Check, Code, SiteResult
from monitor.reports.month import ReportError, build_month_report, check_month
from monitor.store import Store

XSS = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.invalid","click")'

#: slug -> (name, name_en, contact_email or "")
PROFILES: dict[str, tuple[str, str, str]] = {
    "good-motor": ("智慧馬達產學聯盟", "Smart Motor Alliance", "good-motor@example.edu.tw"),
    "newly-bad": ("精密光電產學聯盟", "Precision Optics Alliance", "newly-bad@example.edu.tw"),
    "comeback": ("綠能材料產學聯盟", "Green Materials Alliance", "comeback@example.edu.tw"),
    "name-only": ("生醫檢測產學聯盟", "Biomedical Testing Alliance", "name-only@example.edu.tw"),
    "hostile": ("資安防護產學聯盟", "Security Alliance", "hostile@example.edu.tw"),
    "no-contact": ("土木防災產學聯盟", "Civil Resilience Alliance", ""),
    "old-cert": ("智慧農業產學聯盟", "Smart Farming Alliance", "old-cert@example.edu.tw"),
}


def check(
    status: str, code: Code, zh: str, en: str = "", evidence: str = "", **details: Any
) -> Check:
    """A stored check: ``en`` defaults to the same text as ``zh``."""
    return Check(
        status=status,  # type: ignore[arg-type]
        code=code,
        message=Bilingual(zh, en or zh),
        evidence=evidence,
        details=details,  # type: ignore[arg-type]
    )


PASS_LOADS = check("pass", Code.OK, "HTTP 200", "", "", http_status=200)
PASS_CREDIT = check(
    "pass",
    Code.CREDIT_OK,
    "首頁載明補助單位",
    "The homepage credits the funding agency",
    "本聯盟由科技部計畫補助成立",
    matched="科技部計畫補助",
    where="text",
)


def pass_updates(latest: str = "2026-04-20", written: str = "115/04/20", age: int = 11) -> Check:
    return check(
        "pass",
        Code.UPDATED,
        f"最近更新 {latest}（{age} 天前）",
        f"{latest} ({age} days ago)",
        f"最新消息 {written} 研討會",
        latest_date=latest,
        as_written=written,
        source="https://example.edu.tw/news",
        age_days=age,
    )


def site(
    slug: str,
    loads: Check = PASS_LOADS,
    credit: Check = PASS_CREDIT,
    updates: Check | None = None,
    final_url: str | None = "same",
) -> SiteResult:
    url = f"https://{slug}.example.edu.tw/"
    return SiteResult(
        slug=slug,
        url=url,
        final_url=url if final_url == "same" else final_url,
        loads=loads,
        credit=credit,
        updates=updates or pass_updates(),
        name=PROFILES[slug][0],
    )


def month_results(month: str) -> list[SiteResult]:
    """The crawl results of one fixture month."""
    refused = check(
        "fail",
        Code.REFUSED,
        "無法連線",
        "Connection refused",
        "connection refused after 3 attempts",
        attempts=3,
    )
    results = [site("good-motor")]
    # newly-bad: passes until 2026-04, fails in 2026-05
    results.append(
        site(
            "newly-bad",
            loads=refused,
            credit=check("fail", Code.NOT_CHECKED, "homepage not loaded"),
            updates=check("fail", Code.NOT_CHECKED, "homepage not loaded", latest_date=None),
        )
        if month == "2026-05"
        else site("newly-bad")
    )
    # comeback: fails until 2026-04 (no credit), passes in 2026-05
    results.append(
        site("comeback")
        if month == "2026-05"
        else site(
            "comeback", credit=check("fail", Code.CREDIT_NONE, "no funder named on the homepage")
        )
    )
    results.append(
        site(
            "name-only",
            credit=check(
                "warn",
                Code.CREDIT_NAME_ONLY,
                "首頁只提到「科技部」，沒有「補助」「指導單位」等字樣",
                "The homepage names 科技部 but does not say it funds the alliance",
                "歡迎來到科技部產學小聯盟",
                matched="科技部產學小聯盟",
                where="text",
            ),
        )
    )
    results.append(
        site(
            "hostile",
            credit=check(
                "warn",
                Code.CREDIT_NAME_ONLY,
                "funder named without a funding word",
                "",
                XSS + " 科技部 " + FORMULA,
                matched=FORMULA,
                where="javascript:alert(1)",
            ),
            updates=check(
                "fail",
                Code.NO_DATE,
                "no date found",
                "",
                XSS,
                latest_date=None,
                source="javascript:alert(2)",
            ),
            final_url="javascript:alert(3)",
        )
    )
    if month >= "2026-04":  # joined the programme in April
        results.append(
            site(
                "no-contact",
                updates=check(
                    "fail",
                    Code.STALE,
                    "最近更新已超過 180 天：2025-09-01（242 天前）",
                    "Last update over 180 days ago",
                    "公告 114年9月1日",
                    latest_date="2025-09-01",
                    as_written="114年9月1日",
                    source="https://no-contact.example.edu.tw/news",
                    age_days=242,
                ),
            )
        )
    results.append(
        site(
            "old-cert",
            loads=check(
                "warn",
                Code.TLS_EXPIRED,
                "TLS 憑證有問題：憑證已過期",
                "TLS certificate expired",
                "certificate has expired (notAfter 2026-02-01)",
                http_status=200,
                tls="expired",
                redirects=[
                    "https://old-cert.example.edu.tw/",
                    "https://old-cert.example.edu.tw/index.php",
                ],
            ),
            updates=check(
                "warn",
                Code.AGING,
                "最近更新已超過 90 天：2026-01-10（111 天前）",
                "Last update over 90 days ago",
                "2026.01.10 成果發表會",
                latest_date="2026-01-10",
                as_written="2026.01.10",
                source="https://old-cert.example.edu.tw/news",
                age_days=111,
            )
            if month == "2026-05"
            else None,
        )
    )
    return results


MONTHS = ("2026-03", "2026-04", "2026-05")
HOMEPAGE = (
    "<html><head><title>首頁</title><script>alert('from the site')</script></head>"
    "<body><p>本聯盟由科技部計畫補助</p></body></html>"
)


@dataclass
class Monitor:
    """A fixture monitor: a registry folder, a database path, a reports folder."""

    root: Path
    content: Path
    db: Path
    reports: Path
    store: Store


def write_profiles(content: Path) -> None:
    folder = content / "alliances"
    folder.mkdir(parents=True, exist_ok=True)
    for slug, (name, name_en, email) in PROFILES.items():
        lines = [
            f'name = "{name}"',
            f'name_en = "{name_en}"',
            'university = "範例大學"',
            'industry = "ict"',
            f'website = "https://{slug}.example.edu.tw/"',
        ]
        if email:
            lines.append(f'contact_email = "{email}"')
        (folder / f"{slug}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_month(
    store: Store,
    month: str,
    results: list[SiteResult] | None = None,
    *,
    finish: bool = True,
    screenshots: dict[str, bytes] | None = None,
) -> int:
    results = month_results(month) if results is None else results
    run = store.start_run(month=month, today=f"{month}-01", planned=[r.slug for r in results])
    for r in results:
        homepage = None
        if r.slug == "good-motor":
            homepage = HOMEPAGE.encode("utf-8")
        elif r.slug == "name-only":
            homepage = "<html><body>歡迎來到科技部產學小聯盟 碁</body></html>".encode("cp950")
        store.save_result(
            run.id,
            r,
            fingerprint=f"fp-{month}-{r.slug}",
            homepage=homepage,
            screenshot=(screenshots or {}).get(r.slug),
        )
    if finish:
        store.finish_run(run.id)
    return run.id


def png(colour: tuple[int, int, int], size: tuple[int, int] = (320, 200)) -> bytes:
    """A real PNG of one colour (what the crawl's browser stores, only smaller)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


BLUE, RED, YELLOW, GREEN = (30, 80, 200), (200, 30, 30), (230, 200, 20), (20, 160, 60)


def add_screenshots_run_b(store: Store) -> int:
    """A re-check crawl of 2026-05 with screenshots: good-motor (blue), hostile (red) and
    old-cert (yellow, 400x300). Shown after it: all three."""
    may = {r.slug: r for r in month_results("2026-05")}
    return add_month(
        store,
        "2026-05",
        [may["good-motor"], may["hostile"], may["old-cert"]],
        screenshots={
            "good-motor": png(BLUE),
            "hostile": png(RED),
            "old-cert": png(YELLOW, (400, 300)),
        },
    )


def add_screenshots_run_c(store: Store) -> int:
    """A later re-check of 2026-05: hostile without a screenshot, old-cert with a new (green) one.
    Shown after it: good-motor blue (run B), hostile none (its newest result has none), old-cert
    green (run C)."""
    may = {r.slug: r for r in month_results("2026-05")}
    return add_month(
        store, "2026-05", [may["hostile"], may["old-cert"]], screenshots={"old-cert": png(GREEN)}
    )


def make_monitor(root: Path) -> Monitor:
    content = root / "content"
    write_profiles(content)
    db = root / "var" / "monitor.sqlite3"
    store = Store(db)
    for month in MONTHS:
        add_month(store, month)
    # an unfinished June run must not show up anywhere
    add_month(
        store,
        "2026-06",
        [site("good-motor", loads=check("fail", Code.TIMEOUT, "should not appear"))],
        finish=False,
    )
    return Monitor(root, content, db, root / "reports", store)


@pytest.fixture
def monitor(tmp_path: Path) -> Monitor:
    return make_monitor(tmp_path)


# -- tests of the report's data model ------------------------------------------------------


def test_changes_compare_with_the_previous_month(monitor: Monitor) -> None:
    report = build_month_report(monitor.store, "2026-05")
    assert report.previous_month == "2026-04"
    assert [r.slug for r in report.newly_failing] == ["newly-bad"]
    assert [r.slug for r in report.recovered] == ["comeback"]
    by_slug = {r.slug: r for r in report.rows}
    assert by_slug["newly-bad"].previous_overall == "pass"
    assert by_slug["no-contact"].change == ""  # failed in April too: not new


def test_first_check_failing_counts_as_newly_failing(monitor: Monitor) -> None:
    report = build_month_report(monitor.store, "2026-04")
    assert report.previous_month == "2026-03"
    newly = {r.slug: r.previous_overall for r in report.newly_failing}
    assert newly == {"no-contact": None}


def test_history_and_trend_stop_at_the_report_month(monitor: Monitor) -> None:
    report = build_month_report(monitor.store, "2026-04")
    assert [m.month for m in report.trend] == ["2026-03", "2026-04"]
    comeback = next(r for r in report.rows if r.slug == "comeback")
    assert [(h.month, h.statuses["overall"]) for h in comeback.history] == [
        ("2026-03", "fail"),
        ("2026-04", "fail"),
    ]


def test_counts_per_check(monitor: Monitor) -> None:
    summary = build_month_report(monitor.store, "2026-05").summary
    assert summary.total == 7
    assert summary.counts["loads"] == {"pass": 5, "warn": 1, "fail": 1}
    # The site that did not open is left out of the credit and updates counts: nobody could
    # read its homepage, so it neither passes nor fails them.
    assert summary.counts["credit"] == {"pass": 4, "warn": 2, "fail": 0}
    assert summary.not_checked == {"loads": 0, "credit": 1, "updates": 1}
    assert summary.checked("credit") == 6 and summary.checked("loads") == 7
    assert summary.counts["overall"]["fail"] == 3  # newly-bad, hostile, no-contact


def test_unfinished_month_is_an_error_that_says_what_to_do(monitor: Monitor) -> None:
    with pytest.raises(
        ReportError, match=r"no finished crawl for 2026-06.*2026-03, 2026-04, 2026-05.*--resume"
    ):
        build_month_report(monitor.store, "2026-06")


@pytest.mark.parametrize("bad", ["2026-5", "2026-13", "May 2026", "2026-05-01", ""])
def test_month_must_be_yyyy_mm(bad: str) -> None:
    with pytest.raises(ReportError, match="YYYY-MM"):
        check_month(bad)


def test_names_fall_back_to_the_registry(monitor: Monitor) -> None:
    from monitor.reports.month import load_alliances

    store = monitor.store
    unnamed = site("good-motor")
    unnamed.name = ""
    add_month(store, "2026-07", [unnamed])
    report = build_month_report(store, "2026-07", alliances=load_alliances(monitor.content))
    assert report.rows[0].name == "智慧馬達產學聯盟"
    assert report.rows[0].name_en == "Smart Motor Alliance"
    assert build_month_report(store, "2026-07").rows[0].name == "good-motor"


def test_a_later_partial_crawl_updates_only_its_alliances(monitor: Monitor) -> None:
    store = monitor.store
    # after a fix the office re-checks one alliance with `alliance crawl --only newly-bad`
    recheck = add_month(store, "2026-05", [site("newly-bad")])
    report = build_month_report(store, "2026-05")
    assert len(report.rows) == 7
    assert {r.slug: r.overall for r in report.rows}["newly-bad"] == "pass"
    assert report.newly_failing == []
    assert report.run.id == recheck and len(report.run_ids) == 2
    assert report.snapshots.keys() == {"good-motor", "name-only"}  # from the first run


def test_each_row_shows_the_screenshot_of_its_own_result(monitor: Monitor) -> None:
    store = monitor.store
    b = add_screenshots_run_b(store)
    c = add_screenshots_run_c(store)
    rows = {r.slug: r for r in build_month_report(store, "2026-05").rows}
    assert rows["good-motor"].screenshot is not None
    assert rows["good-motor"].screenshot.run_id == b
    assert rows["good-motor"].screenshot.path == "screenshots/good-motor.png"
    assert rows["good-motor"].screenshot.url == "https://good-motor.example.edu.tw/"
    assert rows["hostile"].screenshot is None  # run B's picture is not of the result shown
    shot = rows["old-cert"].screenshot
    assert shot is not None and shot.run_id == c and (shot.width, shot.height) == (320, 200)
    assert {s for s, r in rows.items() if r.screenshot} == {"good-motor", "old-cert"}
    # an earlier month never borrows this month's pictures
    assert all(r.screenshot is None for r in build_month_report(store, "2026-04").rows)


def test_png_size_reads_the_header_and_refuses_other_data() -> None:
    from monitor.reports.month import png_size

    assert png_size(png(RED, (400, 300))[:33]) == (400, 300)
    assert png_size(b"GIF89a" + b"\0" * 18) is None
    assert png_size(b"\x89PNG\r\n\x1a\n") is None

"""Patterns of real university websites (issue 19), each on a realistic sample site judged by the
real crawl with Chromium and with the documented static fallback (docs/monitor.md).

The sites live in ``tests/farm_real/`` and are served by :mod:`tests.rules_farm` (dates written
relative to today). Each is built the way such sites are: PHP pages that print their
``mysqli_connect()`` warning, an ASP.NET "yellow screen", a Tomcat/JSP exception report, an F5
firewall's "Request Rejected" page served with 200, English-language lab sites writing
"Dec. 22th" under a year heading, Joomla/WordPress event lists with date ranges, an Orbit-style
page whose own 「最近更新」 line is older than its news list, and a PHP page stamping
「更新日期」 with the date of every request.
"""

from __future__ import annotations

import http.server
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from monitor.crawl import check_site
from monitor.model import Code, SiteResult
from monitor.rules import vocabulary
from tests.farm_visit.sites import REJECTED, cms_home
from tests.support.farm import Handler, Site, send
from tests.support.rules_farm import FARM as RULES_FARM
from tests.support.rules_farm import dated, folder_routes
from tests.test_crawl_loads import alliance, chromium, make_ctx

FARM = Path(__file__).resolve().parent / "farm_real"
TODAY = date.today()
MODES = ["chromium", "static"]


def judge(site: Site, mode: str, *, previous_fingerprint: str | None = None) -> SiteResult:
    ctx = make_ctx(renderer_exe=chromium() if mode == "chromium" else "")
    ctx.today = TODAY
    try:
        return check_site(
            alliance(site.url("/")), ctx, previous_fingerprint=previous_fingerprint
        ).result
    finally:
        ctx.close()


def serve(site: Site, folder: str, home: str | None = None) -> None:
    site.routes.update(folder_routes(FARM / folder, TODAY, aliases={"/": home} if home else None))


# -- error pages served with 200, by their shape -------------------------------------------------

SOFTWARE_ERRORS = [
    # mysqli_connect() warnings, then the site's own words (in no phrase list)
    "php_mysqli_warning.php",
    # a PHP 5 site on AppServ: mysql_connect() warning and a Chinese message of its own
    "php_custom_die.php",
    # PDOException with its stack trace
    "php_uncaught_pdo.php",
    # ASP.NET's detailed error page in a zh-TW Windows, app path '/IAC', with a stack trace
    "aspnet_ysod_detailed.html",
    # Tomcat's exception report for a JSP page: JasperException, root cause, frames
    "tomcat_jsp_500.html",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", SOFTWARE_ERRORS)
def test_a_page_that_is_only_a_software_error_fails_loads_with_its_own_code(
    site: Site, page: str, mode: str
) -> None:
    serve(site, "error_pages", home=page)
    r = judge(site, mode)
    assert (r.loads.status, r.loads.code) == ("fail", Code.ERROR_PAGE), r.loads
    assert r.loads.details["http_status"] == 200
    assert r.loads.evidence  # what the page printed
    assert r.credit.code is Code.NOT_CHECKED


@pytest.mark.parametrize(
    ("page", "code"),
    [
        ("maintenance_notice.html", Code.MAINTENANCE),
        ("under_construction.html", Code.MAINTENANCE),
        ("account_suspended.html", Code.SUSPENDED),
        ("wordpress_database_error.html", Code.ERROR_PAGE),
    ],
)
def test_maintenance_suspended_and_error_pages_have_distinct_codes(
    site: Site, page: str, code: Code
) -> None:
    site.routes.update(folder_routes(RULES_FARM / "error_pages", TODAY, aliases={"/": page}))
    r = judge(site, "static")
    assert (r.loads.status, r.loads.code) == ("fail", code), r.loads


# -- a firewall's block page served with 200 ----------------------------------------------------


def _looks_like_a_browser(h: http.server.BaseHTTPRequestHandler) -> bool:
    ua = h.headers.get("User-Agent", "")
    return "Mozilla/" in ua and bool(h.headers.get("Accept-Language"))


def _f5(inner: Handler, *, lets_browsers_in: bool) -> Handler:
    """F5 BIG-IP ASM in front of the site: its "Request Rejected" page with status 200."""

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if lets_browsers_in and _looks_like_a_browser(h):
            inner(h)
        else:
            send(h, REJECTED, status=200)

    return handle


def _home(h: http.server.BaseHTTPRequestHandler) -> None:
    send(h, cms_home(), content_type="text/html; charset=utf-8")


@pytest.mark.parametrize("mode", MODES)
def test_a_firewall_page_with_status_200_is_passed_like_a_403(site: Site, mode: str) -> None:
    site.routes["/"] = _f5(_home, lets_browsers_in=True)
    r = judge(site, mode)
    assert r.loads.status == "pass", r.loads
    assert r.loads.details.get("automation_blocked") is True
    assert "blocks automated checks" in r.loads.evidence
    assert r.credit.status == "pass"


@pytest.mark.parametrize("mode", MODES)
def test_a_firewall_that_rejects_every_request_fails_loads_as_a_firewall(
    site: Site, mode: str
) -> None:
    site.routes["/"] = _f5(_home, lets_browsers_in=False)
    r = judge(site, mode)
    assert (r.loads.status, r.loads.code) == ("fail", Code.FIREWALL_REJECTED), r.loads
    assert "support id" in r.loads.evidence.lower() or "rejected" in r.loads.evidence.lower()


# -- dates as real sites write them ---------------------------------------------------------------


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _en_month_day(day: date) -> str:
    """ "Dec. 22th", "Sept. 3th": abbreviated month and the ordinal these sites write."""
    month = "Sept" if day.month == 9 else f"{day:%b}"
    return f"{month}. {day.day}{'st' if day.day in (1, 21, 31) else 'th'}"


def english_lab_extra() -> dict[str, str]:
    """The lab's news: a highlight naming its year in the sentence, then month-day items under
    year headings, not in date order, one with its year written out; an older "Last updated"."""
    newest = _ago(15)
    highlight = (
        f'<div class="news-highlight"><p>In {newest.year}, our students won the Best Demo Award'
        f" at IEEE ECCE Asia on {_en_month_day(newest)}.</p></div>"
    )
    items = [
        (_ago(40), "Prof. Chen gave an invited talk on GaN gate drivers at APEC."),
        (_ago(25), "Two member companies joined the Power Conversion Industry Alliance."),
        (_ago(70), "Our paper on wireless charging was accepted by IEEE TPEL."),
    ]
    by_year: dict[int, list[str]] = {}
    for day, title in items:
        by_year.setdefault(day.year, []).append(
            f"<li><strong>{_en_month_day(day)}</strong> &ndash; {title}</li>"
        )
    old = _ago(120)
    by_year.setdefault(old.year, []).append(
        f"<li><strong>{old:%b} {old.day}, {old.year}</strong> &ndash; Lab open house.</li>"
    )
    lists = "".join(
        f'<h4 class="news-year">{year}</h4><ul class="list-unstyled news-list">{"".join(rows)}</ul>'
        for year, rows in sorted(by_year.items(), reverse=True)
    )
    updated = _ago(150)
    return {
        "NEWS": highlight + lists,
        "LAST_UPDATED": f"{updated:%B} {updated.day}, {updated.year}",
    }


def event_ranges_extra() -> dict[str, str]:
    """A WordPress events block: "2026.8.5-2026.8.7", then under a year heading 「8/6 - 10」."""
    a_start, a_end = _ago(93), _ago(91)
    b_start, b_end = _ago(92), _ago(88)
    c_start, c_end = _ago(200), _ago(198)
    b_end_text = str(b_end.day) if b_end.month == b_start.month else f"{b_end.month}/{b_end.day}"
    return {
        "EVENTS": (
            '<ul class="wp-block-list">'
            f"<li>{a_start.year}.{a_start.month}.{a_start.day}-{a_end.year}.{a_end.month}."
            f"{a_end.day}　國際智慧電網研討會（南港展覽館）</li>"
            f"<li>{c_start:%Y/%m/%d} ~ {c_end:%m/%d}　儲能系統安全講習</li></ul>"
            f'<h3 class="wp-block-heading">{b_start.year}年</h3>'
            f'<ul class="wp-block-list"><li>{b_start.month}/{b_start.day} - {b_end_text}'
            "　微電網實作工作坊（電機系館 92617 教室）</li></ul>"
        )
    }


DATED_SITES = {
    # English month-day dates under year headings, not in date order; "In 2026, ... on Dec. 22th"
    "english-lab": ("english_lab", "index.html", english_lab_extra, "pass", 15),
    # ranges whose days are all past: their last day counts (88 days: pass; the start, 92: warn)
    "event-ranges": ("event_ranges", "index.html", event_ranges_extra, "pass", 88),
    # a 最新消息 list of <br> rows "title [2026/11/17]" beside an older 「最近更新」 line
    "last-updated-line": ("last_updated_line", "index.html", dict, "pass", 20),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(DATED_SITES))
def test_dates_as_real_sites_write_them(site: Site, name: str, mode: str) -> None:
    folder, home, extra, status, days = DATED_SITES[name]
    site.routes.update(folder_routes(FARM / folder, TODAY, extra=extra(), aliases={"/": home}))
    r = judge(site, mode)
    assert (r.loads.status, r.credit.status) == ("pass", "pass"), (r.loads, r.credit)
    assert r.updates.status == status, r.updates
    assert r.updates.details["latest_date"] == _ago(days).isoformat(), r.updates


@pytest.mark.parametrize("mode", MODES)
def test_a_last_updated_stamp_that_moves_with_the_clock_is_a_live_value(
    site: Site, mode: str
) -> None:
    """A PHP footer printing 「更新日期」 with the date of every request: next month the stamp
    says today again over the same content, so it is a live value and the news decides."""
    site.routes.update(folder_routes(FARM / "live_stamp", TODAY, aliases={"/": "index.php"}))
    ctx = make_ctx(renderer_exe=chromium() if mode == "chromium" else "")
    ctx.today = TODAY
    try:
        first = check_site(alliance(site.url("/")), ctx, previous_fingerprint=None)
        again = check_site(alliance(site.url("/")), ctx, previous_fingerprint=first.fingerprint)
    finally:
        ctx.close()
    # the first month cannot tell a stamp from an edit made today
    assert first.result.updates.details["latest_date"] == TODAY.isoformat()
    r = again.result
    assert r.updates.details["content_changed"] is False
    assert r.updates.status == "fail", r.updates
    assert r.updates.details["latest_date"] == _ago(200).isoformat()
    assert r.updates.details["skipped"].get("live", 0) >= 1


@pytest.mark.parametrize("mode", MODES)
def test_a_last_updated_stamp_with_the_time_of_each_request_is_live_on_the_first_crawl(
    site: Site, mode: str
) -> None:
    """「網頁更新時間：2026-12-07 11:58:03」 printed by PHP's date() on every request: a second
    fetch a second later shows another time, so even the first crawl sets it aside."""
    template = (FARM / "live_stamp_time" / "index.php").read_text(encoding="utf-8")

    def home(h: http.server.BaseHTTPRequestHandler) -> None:
        now = datetime.now(vocabulary.LOCAL_TZ).replace(tzinfo=None)
        stamp = datetime.combine(TODAY, now.time()).strftime("%Y-%m-%d %H:%M:%S")
        body = dated(template, TODAY, {"NOW": stamp})
        send(h, body, content_type="text/html; charset=utf-8")

    site.routes["/"] = home
    r = judge(site, mode)
    assert r.updates.status == "fail", r.updates
    assert r.updates.details["latest_date"] == _ago(200).isoformat()
    assert r.updates.details["skipped"].get("live", 0) >= 1
    assert site.hits["/"] >= 2  # the second look

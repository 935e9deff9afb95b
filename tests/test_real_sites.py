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
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from monitor.crawl import check_site
from monitor.model import Code, SiteResult
from tests.farm_visit.sites import REJECTED, cms_home
from tests.support.farm import Handler, Site, send
from tests.support.rules_farm import FARM as RULES_FARM
from tests.support.rules_farm import folder_routes
from tests.test_crawl_loads import alliance, chromium, make_ctx

FARM = Path(__file__).resolve().parent / "farm_real"
TODAY = date.today()
MODES = ["chromium", "static"]


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site("127.0.0.2").start()
    try:
        yield served
    finally:
        served.stop()


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

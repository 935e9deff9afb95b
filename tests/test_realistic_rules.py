"""Every judging rule of docs/RULES.md on a realistic sample site, judged by the real crawl.

The sites live in ``tests/farm_rules/`` (see :mod:`tests.rules_farm`): an old table layout in
Big5, an Orbit-style announcement table, WordPress, Joomla, RPage-style modules, an XHTML
template, Bootstrap — with menus, footers holding the address and phone, copyright lines, visitor
counters and noise dates newer than the real news, so that a wrong reading changes the verdict.
Each is served on loopback and judged by :func:`monitor.crawl.check_site` twice: with Chromium
(the browser's view) and without a browser (the static fallback of docs/monitor.md), and both
must give the same verdicts. Dates are relative to today, because a rendered page's clock and
``document.lastModified`` show the real today.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from monitor.crawl import check_site
from monitor.fetching.render import BrowserHost
from monitor.model import Page, SiteResult
from monitor.rules.credit import judge_credit
from monitor.rules.pagekind import classify_page
from monitor.rules.updates import judge_updates
from tests.support.farm import Site
from tests.support.rules_farm import FARM, folder_routes, http_date
from tests.test_crawl_loads import alliance, chromium, make_ctx

TODAY = date.today()
MODES = ["chromium", "static"]


@dataclass(frozen=True)
class Case:
    """A sample site and what the office expects of it."""

    folder: str
    loads: str
    credit: str
    updates: str
    #: days before today of the latest update (None: no date)
    latest: int | None
    home: str | None = None  # the file served at "/" when not index.html
    aliases: dict[str, str] = field(default_factory=dict)
    last_modified: int | None = None  # days before today, as the Last-Modified header


CASES = {
    # Dates in Chinese numerals (「一一五年七月二十日」); the counter's start date, a future
    # event and the copyright year are newer but never updates.
    "table-layout-cn-numerals": Case("table_layout_cn_numerals", "pass", "pass", "warn", 120),
    # 「2026年8月23號」 dates in an Orbit announcement table; a calendar widget shows today;
    # the credit is SVG <text> in the logo.
    "orbit-hao-calendar": Case("orbit_hao_calendar", "pass", "pass", "warn", 100),
    # "04 November 2026" post dates whose <time datetime> carries the render time; the footer
    # prints document.lastModified of a page served with a fresh Last-Modified header.
    "wordpress-english": Case("wordpress_english", "pass", "pass", "warn", 130, last_modified=1),
    # A range marks content on its last day not after today: an event running since 10 days
    # ago counts today, one that ended 5 days ago on its end.
    "joomla-event-ranges": Case(
        "joomla_event_ranges", "pass", "pass", "pass", 0, aliases={"/index.php": "feed.xml"}
    ),
    # <html ... /> opening an XHTML template must not read as an empty page.
    "xhtml-self-closing": Case("xhtml_selfclosing", "pass", "pass", "pass", 20),
    # A script clock, document.lastModified, a calendar and a visitor counter "since yesterday":
    # all live values; the real news is 200 days old.
    "live-values": Case("live_values", "pass", "pass", "fail", 200, last_modified=2),
    # The news page is found by 「更多...」 under 最新消息, resolved against <base href="/cms/">.
    "more-link-base-href": Case("news_more_link", "pass", "pass", "pass", 30),
    # Credit hidden from visitors: only in Bootstrap's d-none (the programme name is visible).
    "credit-in-d-none": Case(
        "bootstrap_hidden_credit", "pass", "warn", "pass", 15, home="seo_hidden_credit.html"
    ),
    # Hidden on phones only (d-none d-lg-block): a desktop visitor reads it.
    "credit-responsive": Case(
        "bootstrap_hidden_credit", "pass", "pass", "pass", 15, home="responsive_credit.html"
    ),
    # Hidden by the page's own <style> rule: no funder a visitor can read.
    "credit-stylesheet-hidden": Case(
        "bootstrap_hidden_credit", "pass", "fail", "pass", 15, home="stylesheet_hidden_credit.html"
    ),
}
ERROR_PAGES = [
    "wordpress_database_error.html",
    "maintenance_notice.html",
    "under_construction.html",
    "account_suspended.html",
    "php_fatal_error.html",
    "aspnet_runtime_error.html",
]


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site]]:
    """The alliance's site on 127.0.0.2 and another host (a widget's) on 127.0.0.3."""
    home, other = Site("127.0.0.2").start(), Site("127.0.0.3").start()
    try:
        yield home, other
    finally:
        home.stop()
        other.stop()


def judge(site: Site, mode: str, host: BrowserHost) -> SiteResult:
    """``site``'s homepage judged with Chromium (the module's, ``host``) or without."""
    ctx = make_ctx(renderer_exe=chromium() if mode == "chromium" else "", host=host)
    ctx.today = TODAY
    try:
        return check_site(alliance(site.url("/")), ctx, previous_fingerprint=None).result
    finally:
        ctx.close()


def serve(site: Site, case: Case, extra: dict[str, str] | None = None) -> None:
    aliases = dict(case.aliases)
    if case.home:
        aliases["/"] = case.home
    headers = {}
    if case.last_modified is not None:
        headers["/"] = {"Last-Modified": http_date(TODAY - timedelta(days=case.last_modified))}
    site.routes.update(
        folder_routes(FARM / case.folder, TODAY, extra=extra, aliases=aliases, headers=headers)
    )


def latest(days: int | None) -> str | None:
    return None if days is None else (TODAY - timedelta(days=days)).isoformat()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
def test_sample_site_is_judged_as_the_office_expects(
    sites: tuple[Site, Site], name: str, mode: str, browser_host: BrowserHost
) -> None:
    case = CASES[name]
    site, _ = sites
    serve(site, case)
    r = judge(site, mode, browser_host)
    verdicts = (r.loads.status, r.credit.status, r.updates.status)
    assert verdicts == (case.loads, case.credit, case.updates), (r.loads, r.credit, r.updates)
    assert r.updates.details["latest_date"] == latest(case.latest), r.updates


@pytest.mark.parametrize("mode", MODES)
def test_the_news_page_is_found_through_more_under_the_news_heading(
    sites: tuple[Site, Site], mode: str, browser_host: BrowserHost
) -> None:
    site, _ = sites
    serve(site, CASES["more-link-base-href"])
    r = judge(site, mode, browser_host)
    assert r.extra["news_url"] == site.url("/cms/news/list.php?cat=3")
    assert r.updates.details["source"] == site.url("/cms/news/list.php?cat=3")
    assert site.hits["/cms/gallery/"] == 0  # the hidden menu's 「活動花絮」 ranks lower


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("folder", ["facebook_widget", "facebook_iframe"])
def test_news_only_in_a_facebook_widget_warns_and_names_it(
    sites: tuple[Site, Site], folder: str, mode: str, browser_host: BrowserHost
) -> None:
    site, fb = sites
    fb.routes.update(folder_routes(FARM / "fb_host", TODAY))
    serve(site, Case(folder, "pass", "pass", "warn", None), extra={"fbhost": fb.url("")[:-1]})
    r = judge(site, mode, browser_host)
    assert (r.loads.status, r.credit.status, r.updates.status) == ("pass", "pass", "warn")
    assert r.updates.code.value == "news-in-widget"
    assert r.updates.details["latest_date"] is None
    assert "Facebook" in r.updates.evidence and "Facebook" in r.updates.message.en
    assert "facebook.com" in r.updates.evidence


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", ERROR_PAGES)
def test_error_maintenance_and_suspended_pages_with_status_200_fail_loads(
    sites: tuple[Site, Site], page: str, mode: str, browser_host: BrowserHost
) -> None:
    site, _ = sites
    serve(site, Case("error_pages", "fail", "fail", "fail", None, home=page))
    r = judge(site, mode, browser_host)
    assert r.loads.status == "fail", r.loads
    assert r.loads.details["page_kind"] in ("error_page", "maintenance", "suspended")
    assert r.loads.details["http_status"] == 200


@pytest.mark.parametrize("mode", MODES)
def test_a_real_homepage_with_a_php_warning_and_maintenance_news_loads(
    sites: tuple[Site, Site], mode: str, browser_host: BrowserHost
) -> None:
    site, _ = sites
    serve(
        site,
        Case("error_pages", "pass", "pass", "pass", 12, home="real_homepage_with_notices.html"),
    )
    r = judge(site, mode, browser_host)
    assert (r.loads.status, r.credit.status, r.updates.status) == ("pass", "pass", "pass")
    assert r.updates.details["latest_date"] == latest(12)


@pytest.mark.parametrize("name", [n for n in CASES if n != "more-link-base-href"])
def test_the_browsers_view_of_each_homepage_gives_the_same_verdicts(
    sites: tuple[Site, Site], name: str, browser_host: BrowserHost
) -> None:
    """The homepage as Chromium shows it (scripts run: the clock ticks, document.lastModified is
    written, stylesheets apply) judged by the same rules: live values stay out, hidden text
    stays hidden. This holds whichever pages the crawl chooses to render."""
    case = CASES[name]
    site, _ = sites
    serve(site, case)
    ctx = make_ctx(renderer_exe=chromium(), host=browser_host)
    try:
        got = ctx.fetcher.fetch(site.url("/"))
        shown = ctx.renderer.render(site.url("/"), got.body, got.content_type)
    finally:
        ctx.close()
    assert shown.html is not None, shown.note
    homepage = Page(site.url("/"), shown.html)
    assert classify_page(homepage) is None
    assert judge_credit(homepage).status == case.credit
    updates, _ = judge_updates([homepage], today=TODAY, previous_fingerprint=None)
    assert (updates.status, updates.details["latest_date"]) == (case.updates, latest(case.latest))

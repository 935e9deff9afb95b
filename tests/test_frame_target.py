"""A wrapper homepage whose target fails: judged on what the visitor sees there, by the real crawl.

RULES.md "loads": a frameset, a full-page ``<iframe>``, a splash page ("進入網站") or a meta
refresh is judged on the page it leads to. When that page does not load (an HTTP error, a
timeout, a refused connection, an address the SSRF guard refuses) the visitor sees that error in
the frame or after "enter": ``loads`` fails with that error, naming the way and the address,
never "empty page" (or a credit/updates fail) read off the wrapper, which has no content of its
own. A target on another host is followed as a redirect there (``other-host``), and a target
that is not a web page is judged as such (``not-html``). Each site is crawled by ``run_crawl``
with Chromium and with the static fallback (no browser).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from test_letters_notices import halves, notices_of, read_as_a_professor

from monitor.fetching.fetch import FetchOptions, FetchResult
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import BrowserHost, find_chromium
from monitor.homepage import HomeRead, read_home
from monitor.model import Code, SiteResult
from monitor.reports.month import build_month_report, load_alliances
from monitor.rules.entry import Lead
from monitor.store import Store
from tests.farm_visit.sites import _common, _page, cms_home
from tests.support.farm import Handler, Site, free_port, hang, send
from tests.support.farm_crawl import crawl_farm

TODAY = date(2026, 11, 20)
#: Loopback only: 127.0.0.0/8 is let through, so the link-local frame below is refused by the
#: guard before any packet leaves (the SSRF case).
OPTIONS = FetchOptions(
    connect_timeout=2,
    read_timeout=2,
    deadline=3,
    retries=1,
    backoff_base=0.05,
    max_retry_after=0.2,
    policy=AddressPolicy.with_networks(["127.0.0.0/8"]),
)


def lab_frameset(src: str) -> str:
    """An old-style university lab site: a menu frame and the main frame."""
    return (
        "<html><head><meta charset='utf-8'><title>精密製造實驗室</title></head>"
        "<frameset cols='180,*' border='0'><frame name='menu' src='menu.htm' scrolling='no'>"
        f"<frame name='main' src='{src}'></frameset>"
        "<noframes><body>您的瀏覽器不支援框架 Your browser does not support frames"
        "</body></noframes></html>"
    )


LAB_MENU = (
    "<html><body><ul><li><a href='main.htm' target='main'>首頁</a></li>"
    "<li><a href='news.htm' target='main'>最新消息</a></li></ul></body></html>"
)


def iframe_wrapper(src: str) -> str:
    """A domain-forwarding wrapper: one iframe filling the window."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>智慧製造產學聯盟</title>"
        "<style>html,body,iframe{margin:0;border:0;width:100%;height:100%}</style></head>"
        f"<body><iframe src='{src}' title='智慧製造產學聯盟'></iframe></body></html>"
    )


def splash(href: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>智慧製造產學聯盟</title>"
        "<style>body{background:#000;text-align:center}</style></head><body>"
        "<div class='intro'><img src='/img/intro.jpg' alt='' width='960' height='540'>"
        f"<p><a href='{href}' class='enter'>進入網站 ENTER &gt;&gt;</a></p></div></body></html>"
    )


def refresh(href: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>智慧製造產學聯盟</title>"
        f"<meta http-equiv='refresh' content='0; url={href}'></head>"
        "<body><p>頁面轉址中，請稍候…</p></body></html>"
    )


def welcome(href: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>歡迎光臨</title></head><body>"
        "<h1>歡迎光臨智慧製造產學聯盟</h1><p>稍後自動進入最新消息…</p>"
        f"<script>setTimeout(function () {{ location.href = '{href}'; }}, 1500);</script>"
        "</body></html>"
    )


def error_page(code: int) -> Handler:
    html = f"<html><head><title>{code}</title></head><body><h1>{code}</h1></body></html>"
    return lambda h: send(h, html, status=code)


def pdf(h: object) -> None:
    send(h, b"%PDF-1.4\n" + b"0" * 2000, content_type="application/pdf")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    """A wrapper site and what a correct crawl gives it, with and without a browser."""

    slug: str
    code: Code  # loads
    verdicts: tuple[str, str, str]  # loads, credit, updates
    target: str  # the path (or address, with {other}/{dead}) the wrapper leads to
    says: tuple[str, ...] = ()  # in the loads message (English), besides the target's address


CASES = (
    Case("frame-404", Code.HTTP_ERROR, ("fail",) * 3, "/main.htm", ("frame", "HTTP 404")),
    Case("frame-500", Code.HTTP_ERROR, ("fail",) * 3, "/main.htm", ("frame", "HTTP 500")),
    Case("frame-timeout", Code.TIMEOUT, ("fail",) * 3, "/main.htm", ("frame", "timed out")),
    Case("frame-refused", Code.REFUSED, ("fail",) * 3, "{dead}/main.htm", ("frame", "refused")),
    Case(
        "frame-ssrf",
        Code.BLOCKED,
        ("fail",) * 3,
        "http://169.254.169.254/main.htm",
        ("frame", "SSRF guard"),
    ),
    Case("frame-pdf", Code.NOT_HTML, ("fail",) * 3, "/main.pdf", ("frame", "application/pdf")),
    Case("frame-other-host", Code.OTHER_HOST, ("warn", "pass", "pass"), "{other}/index.html"),
    Case("iframe-404", Code.HTTP_ERROR, ("fail",) * 3, "/cms/home.html", ("iframe", "HTTP 404")),
    Case("iframe-other-host", Code.OTHER_HOST, ("warn", "pass", "pass"), "{other}/index.html"),
    Case("splash-404", Code.HTTP_ERROR, ("fail",) * 3, "/index.php", ('"enter"', "HTTP 404")),
    Case("splash-other-host", Code.OTHER_HOST, ("warn", "pass", "pass"), "{other}/index.html"),
    Case("refresh-404", Code.HTTP_ERROR, ("fail",) * 3, "/index.php", ("refresh", "HTTP 404")),
    # a welcome screen whose script moves on after 1.5 s: the browser shows the 404 page it
    # lands on (without a browser the plain script redirect is read as the same lead)
    Case("welcome-404", Code.HTTP_ERROR, ("fail",) * 3, "/news/index.php", ("script", "HTTP 404")),
)


def wrapper_routes(slug: str, target: str) -> dict[str, Handler]:
    kind = slug.split("-", 1)[0]
    if kind == "frame":
        routes = {"/": _page(lab_frameset(target)), "/menu.htm": _page(LAB_MENU)}
    elif kind == "iframe":
        routes = {"/": _page(iframe_wrapper(target))}
    elif kind == "splash":
        routes = {"/": _page(splash(target))}
    elif kind == "welcome":
        routes = {"/": _page(welcome(target))}
    else:
        routes = {"/": _page(refresh(target))}
    if slug.endswith("-500"):
        routes[target] = error_page(500)
    elif slug.endswith("-timeout"):
        routes[target] = hang(10)
    elif slug.endswith("-pdf"):
        routes[target] = pdf
    return _common(routes)  # a 404 case: the target is simply not there


#: A page with content of its own whose meta refresh, a minute later, leads to a dead page: the
#: visitor reads the page first; judged as it is (as before): its own credit and news.
OWN_CONTENT = "refresh-own-content"


@pytest.fixture(scope="module")
def farm() -> Iterator[dict[str, tuple[Site, str]]]:
    """slug -> (its site, the address its wrapper leads to)."""
    other = Site("127.0.0.201").start()
    other.routes.update(_common({"/": _page(cms_home()), "/index.html": _page(cms_home())}))
    dead = f"http://127.0.0.202:{free_port('127.0.0.202')}"
    sites: dict[str, tuple[Site, str]] = {}
    for i, case in enumerate(CASES):
        site = Site(f"127.0.0.{210 + i}")
        target = case.target.format(other=other.url(""), dead=dead)
        site.routes.update(wrapper_routes(case.slug, target))
        absolute = target if "://" in target else site.url(target)
        sites[case.slug] = (site.start(), absolute)
    own = Site("127.0.0.240")
    slow = "<meta http-equiv='refresh' content='60; url=/gone.html'>"
    own.routes.update(_common({"/": _page(cms_home(extra_head=slow))}))
    sites[OWN_CONTENT] = (own.start(), own.url("/gone.html"))
    try:
        yield sites
    finally:
        for site, _ in sites.values():
            site.stop()
        other.stop()


def crawl(
    tmp: Path, farm: dict[str, tuple[Site, str]], exe: str, host: BrowserHost | None = None
) -> tuple[dict[str, SiteResult], Path, Path]:
    websites = {slug: site.url("/") for slug, (site, _) in farm.items()}
    return crawl_farm(
        tmp,
        websites,
        exe,
        today=TODAY,
        options=OPTIONS,
        host=host,
        render_timeout=6,
        contact=True,
    )


def judged_as_the_visitor_sees_it(
    results: dict[str, SiteResult], farm: dict[str, tuple[Site, str]]
) -> None:
    wrong = {}
    for case in CASES:
        r = results[case.slug]
        got = (r.loads.status, r.credit.status, r.updates.status)
        if got != case.verdicts or r.loads.code is not case.code:
            wrong[case.slug] = (got, r.loads.code, r.to_json())
    assert not wrong, wrong
    for case in CASES:
        r = results[case.slug]
        site, target = farm[case.slug]
        assert r.final_url == target, (case.slug, r.final_url)
        assert r.loads.details.get("redirects", [])[:2] == [site.url("/"), target], case.slug
        if r.loads.status != "fail":
            continue
        # the finding names the way in and the address, in both languages, and what it answered
        assert target in r.loads.message.zh and target in r.loads.message.en, case.slug
        assert target in r.loads.evidence, case.slug
        for words in case.says:
            assert words in r.loads.message.en, (case.slug, words, r.loads.message.en)
        assert (
            "框架" in r.loads.message.zh
            or "網站" in r.loads.message.zh
            or "轉往" in (r.loads.message.zh)
        )
        assert r.loads.code is not Code.EMPTY_PAGE
        # what the wrapper shows is not read for the credit or the news: not checked
        assert r.credit.code is Code.NOT_CHECKED and r.updates.code is Code.NOT_CHECKED
    own = results[OWN_CONTENT]
    assert (own.loads.status, own.credit.status, own.updates.status) == ("pass",) * 3
    assert own.final_url == farm[OWN_CONTENT][0].url("/")


def test_without_a_browser_a_failing_target_is_the_finding(
    tmp_path: Path, farm: dict[str, tuple[Site, str]]
) -> None:
    results, db, content = crawl(tmp_path, farm, "")
    judged_as_the_visitor_sees_it(results, farm)
    assert results["frame-other-host"].credit.details.get("view") == "static"

    # the report row names the splash page's way in and where it led; the notice says the
    # homepage answered with an error, not that it is blank
    report = build_month_report(
        Store(db), TODAY.strftime("%Y-%m"), alliances=load_alliances(content)
    )
    row = next(r for r in report.rows if r.slug == "splash-404")
    target = farm["splash-404"][1]
    assert target in row.checks["loads"].reason and "進入網站" in row.checks["loads"].reason
    bodies = notices_of(db, content)
    zh, en = halves(bodies["splash-404"])
    assert "首頁回應錯誤訊息" in zh and "空白" not in zh and "blank" not in en
    # where: the address the professor registered, and the page it led to that does not load
    home = farm["splash-404"][0].url("/")
    assert f"網址：{home} → {target}" in zh and f"Where: {home} → {target}" in en
    # a frame on a link-local address: the guard refused it, not the site's server; the
    # professor reads that visitors from outside cannot reach it, and to give it a public address
    read_as_a_professor({"frame-ssrf": bodies["frame-ssrf"]})
    zh, en = halves(bodies["frame-ssrf"])
    assert "內部或保留的網路位址" in zh and "校外的訪客連不上" in zh and "公開" in zh
    assert "internal or reserved network address" in en and "public IP address" in en
    assert "拒絕了我們的檢查" not in zh and "refused our check" not in en


@pytest.mark.browser
def test_in_chromium_a_failing_target_is_the_finding(
    tmp_path: Path, farm: dict[str, tuple[Site, str]], browser_host: BrowserHost
) -> None:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    results, db, content = crawl(tmp_path, farm, exe, browser_host)
    judged_as_the_visitor_sees_it(results, farm)
    assert results["iframe-other-host"].credit.details.get("view") == "rendered"

    # the office's report row: the finding names the frame's address and the HTTP status;
    # the other checks are "not checked", not failures of their own
    report = build_month_report(
        Store(db), TODAY.strftime("%Y-%m"), alliances=load_alliances(content)
    )
    row = next(r for r in report.rows if r.slug == "frame-404")
    loads = row.checks["loads"]
    frame = farm["frame-404"][1]
    assert frame in loads.reason and "HTTP 404" in loads.reason and "框架" in loads.reason
    assert row.checks["credit"].skipped is not None
    assert row.checks["updates"].skipped is not None

    # the professor's notice: the error the homepage shows, not "the homepage is blank"
    bodies = notices_of(db, content)
    read_as_a_professor(bodies)
    zh, en = halves(bodies["frame-404"])
    assert "首頁回應錯誤訊息" in zh and "answered with an error" in en
    assert "空白" not in zh and "blank" not in en
    zh, en = halves(bodies["frame-pdf"])
    assert "不是網頁" in zh and "not a web page" in en


# --- which pages lead on to another host (pure functions, no server) ---------------------------

OTHER = "http://www.example.org/site/index.html"


def home_read(html: str, url: str = "http://lab.example.edu.tw/") -> HomeRead:
    fetched = FetchResult(url=url, final_url=url, status=200, body=html.encode())
    fetched.headers["content-type"] = "text/html; charset=utf-8"
    return read_home(fetched, scripts_run=True)


@pytest.mark.parametrize(
    ("frame", "leads"),
    [
        ("<style>html,body,iframe{height:100%}</style><iframe src='{u}'></iframe>", True),
        ("<iframe src='{u}' width='100%' height='100%' frameborder='0'></iframe>", True),
        ("<iframe src='{u}' style='position:fixed;width:100%;height:100vh'></iframe>", True),
        ("<style>#site{height:100%}</style><iframe id='site' src='{u}'></iframe>", True),
        # a map or a video of another host on an otherwise empty page: not the site's homepage
        ("<iframe src='{u}' width='600' height='450'></iframe>", False),
        ("<style>.map iframe{height:450px}</style><iframe src='{u}'></iframe>", False),
    ],
)
def test_an_iframe_of_another_host_leads_on_only_when_it_fills_the_window(
    frame: str, leads: bool
) -> None:
    read = home_read(f"<html><head><title>實驗室</title></head><body>{frame.replace('{u}', OTHER)}")
    assert read.lead == (Lead("iframe", OTHER) if leads else None)


def test_an_iframe_of_the_same_site_leads_on_whatever_its_size() -> None:
    read = home_read("<body><iframe src='/cms/home.html' height='450'></iframe></body>")
    assert read.lead == Lead("iframe", "http://lab.example.edu.tw/cms/home.html")


def test_a_splash_link_to_another_host_leads_on_but_not_from_a_maintenance_page() -> None:
    enter = f"<p><a href='{OTHER}'>進入網站 ENTER</a></p>"
    assert home_read(f"<body><img src='intro.jpg' alt=''>{enter}</body>").lead == Lead(
        "splash", OTHER
    )
    notice = (
        "<html><head><title>系統維護中</title></head><body><h1>系統維護中</h1>"
        f"<p>本網站系統維護中，暫停服務，造成不便敬請見諒。</p>{enter}</body></html>"
    )
    read = home_read(notice)
    assert read.lead is None
    assert read.page_check is not None and read.page_check.code is Code.MAINTENANCE


@pytest.mark.parametrize(("delay", "read_first"), [("0", False), ("5", False), ("60", True)])
def test_a_meta_refresh_page_with_content_is_read_first_only_when_it_waits(
    delay: str, read_first: bool
) -> None:
    html = cms_home(extra_head=f"<meta http-equiv='refresh' content='{delay}; url=/new/'>")
    read = home_read(html)
    assert read.lead == Lead("refresh", "http://lab.example.edu.tw/new/")
    assert read.own_content is read_first
    assert home_read(refresh("/new/")).own_content is False  # no text of its own

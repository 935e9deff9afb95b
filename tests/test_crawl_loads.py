"""Every ``loads`` case of RULES.md, judged end to end by ``check_site`` against loopback servers."""

from __future__ import annotations

from datetime import date

import pytest

from alliance_portal.registry.profiles import Alliance
from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.page_boxes import MAX_SHOT_HEIGHT, STORED_WIDTH
from monitor.fetching.render import BrowserHost, Renderer, find_chromium
from monitor.model import SiteResult
from monitor.visit import CrawlContext, check_site
from tests.support.farm import Site, flaky, free_port, page, raw, redirect, reset_mid_body, status

TODAY = date(2026, 11, 20)
GOOD = (
    "<h1>智慧馬達驅動產學聯盟</h1><p>本聯盟為科技部計畫補助之產學小聯盟，協助廠商開發馬達驅動技術。</p>"
    "<ul><li>2026-11-02 馬達實作課程開放報名</li><li>2026-09-10 會員交流會</li></ul>"
)


def alliance(url: str, slug: str = "smart-motor") -> Alliance:
    return Alliance(
        slug=slug,
        name="智慧馬達驅動產學聯盟",
        university="範例大學",
        industry="mechatronics",
        website=url,
    )


def make_ctx(
    *,
    renderer_exe: str | None = "",
    scheme_ports: dict[str, int] | None = None,
    screenshots: bool = False,
    host: BrowserHost | None = None,
) -> CrawlContext:
    """A crawl's context; ``host`` lends the module's browser (conftest's ``browser_host``)
    instead of starting one for this check."""
    fetcher = Fetcher(
        FetchOptions(
            connect_timeout=2,
            read_timeout=2,
            deadline=3,
            retries=1,
            backoff_base=0.05,
            max_retry_after=0.2,
            policy=AddressPolicy(allow_private=True),
        )
    )
    # renderer_exe "" means: pretend no browser is installed.
    renderer = Renderer(fetcher, executable=renderer_exe or None, host=host, timeout=10)
    if renderer_exe == "":
        renderer.executable = None
    return CrawlContext(
        fetcher=fetcher,
        renderer=renderer,
        today=TODAY,
        scheme_ports=scheme_ports,
        screenshots=screenshots,
    )


def check(url: str, **ctx_kw: object) -> SiteResult:
    ctx = make_ctx(**ctx_kw)  # type: ignore[arg-type]
    try:
        return check_site(alliance(url), ctx, previous_fingerprint=None).result
    finally:
        ctx.close()


def test_compliant_site_passes_everything(site: Site) -> None:
    site.routes["/"] = page(GOOD)
    r = check(site.url("/"))
    assert (r.loads.status, r.credit.status, r.updates.status) == ("pass", "pass", "pass")
    assert r.updates.details["latest_date"] == "2026-11-02"
    assert r.to_json()["overall"] == "pass"


def test_site_that_answers_on_a_retry_passes_and_says_so(site: Site) -> None:
    site.routes["/"] = flaky(status(503), page(GOOD))
    r = check(site.url("/"))
    assert r.loads.status == "pass"
    assert "needed a retry" in r.loads.evidence and "503" in r.loads.evidence


def test_reset_then_fine_passes_with_retry_evidence(site: Site) -> None:
    site.routes["/"] = flaky(reset_mid_body, page(GOOD))
    r = check(site.url("/"))
    assert r.loads.status == "pass" and "needed a retry" in r.loads.evidence


@pytest.mark.parametrize(
    ("handler", "words"),
    [
        (status(404), "HTTP 404"),
        (status(500), "HTTP 500"),
        (page("<h1>It works!</h1>"), "Apache"),
        (
            page("<h1>Index of /alliance</h1><a href='a/'>a/</a>", title="Index of /alliance"),
            "Index of",
        ),
        (page("<h1>This domain is for sale</h1><p>Buy this domain</p>"), "parked"),
        (page(""), "no readable text"),
        (raw(b"%PDF-1.4 binary", content_type="application/pdf"), "not an HTML page"),
    ],
    ids=["404", "500", "default-page", "directory-listing", "parked", "empty", "pdf"],
)
def test_failing_pages(site: Site, handler: object, words: str) -> None:
    site.routes["/"] = handler  # type: ignore[assignment]
    r = check(site.url("/"))
    assert r.loads.status == "fail", r.loads
    assert words in r.loads.reason
    # Credit and updates cannot be judged on a site that does not load.
    assert r.credit.status == "fail" and r.updates.status == "fail"
    assert r.updates.details["latest_date"] is None


def test_dns_failure_fails() -> None:
    r = check("http://alliance-gone.invalid/")
    assert r.loads.status == "fail" and "DNS" in r.loads.reason


def test_refused_fails() -> None:
    r = check(f"http://127.0.0.2:{free_port('127.0.0.2')}/")
    assert r.loads.status == "fail" and "refused" in r.loads.reason


def test_redirect_loop_fails(site: Site) -> None:
    site.routes["/"] = redirect("/x")
    site.routes["/x"] = redirect("/")
    r = check(site.url("/"))
    assert r.loads.status == "fail" and "redirect loop" in r.loads.reason


def test_redirect_within_the_site_passes(site: Site) -> None:
    site.routes["/"] = redirect("/index.php")
    site.routes["/index.php"] = page(GOOD)
    r = check(site.url("/"))
    assert r.loads.status == "pass" and r.final_url == site.url("/index.php")


def test_redirect_to_another_host_warns(site: Site) -> None:
    university = Site("127.0.0.3").start()
    try:
        university.routes["/"] = page(
            "<h1>範例大學</h1><p>歡迎蒞臨範例大學全球資訊網，招生資訊與校園新聞。</p>"
        )
        site.routes["/"] = redirect(university.url("/"))
        r = check(site.url("/"))
        assert r.loads.status == "warn"
        assert "another host" in r.loads.reason and "127.0.0.3" in r.loads.reason
        assert r.final_url == university.url("/")
    finally:
        university.stop()


def test_http_only_when_https_registered_warns(site: Site) -> None:
    site.routes["/"] = page(GOOD)
    dead_https = free_port("127.0.0.2")
    url = f"https://127.0.0.2:{dead_https}/"
    r = check(url, scheme_ports={"http": site.port, "https": dead_https})
    assert r.loads.status == "warn"
    assert "registered as https but only reachable over http" in r.loads.reason
    assert r.final_url == site.url("/")
    assert r.credit.status == "pass"  # the other checks are judged on the http page


def test_https_only_when_http_registered_warns(tmp_path: object) -> None:
    from tests.support.farm import TestPKI

    pki = TestPKI(tmp_path)  # type: ignore[arg-type]
    secure = Site("127.0.0.2", tls=pki.server_context(["127.0.0.2"])).start()
    secure.routes["/"] = page(GOOD)
    dead_http = free_port("127.0.0.2")
    try:
        ctx = make_ctx(scheme_ports={"http": dead_http, "https": secure.port})
        ctx.fetcher = Fetcher(
            FetchOptions(retries=0, extra_ca=pki.ca_file, policy=AddressPolicy(allow_private=True))
        )
        r = check_site(
            alliance(f"http://127.0.0.2:{dead_http}/"), ctx, previous_fingerprint=None
        ).result
        assert r.loads.status == "warn"
        assert "registered as http but only reachable over https" in r.loads.reason
    finally:
        secure.stop()


def test_https_registered_redirected_to_http_warns(tmp_path: object) -> None:
    from tests.support.farm import TestPKI

    pki = TestPKI(tmp_path)  # type: ignore[arg-type]
    plain = Site("127.0.0.2").start()
    plain.routes["/"] = page(GOOD)
    secure = Site("127.0.0.2", tls=pki.server_context(["127.0.0.2"])).start()
    secure.routes["/"] = redirect(plain.url("/"))
    try:
        ctx = make_ctx()
        ctx.fetcher = Fetcher(
            FetchOptions(retries=0, extra_ca=pki.ca_file, policy=AddressPolicy(allow_private=True))
        )
        r = check_site(alliance(secure.url("/")), ctx, previous_fingerprint=None).result
        assert r.loads.status == "warn" and "redirected to http" in r.loads.reason
    finally:
        plain.stop()
        secure.stop()


def test_malformed_html_does_not_crash_and_is_judged(site: Site) -> None:
    broken = (
        b"<html><head><title>\xe8\x81\xaf\xe7\x9b\x9f</title><body><div><p>\xe6\x9c\xac\xe8\x81\xaf\xe7\x9b\x9f"
        b"\xe7\x94\xb1\xe5\x9c\x8b\xe7\xa7\x91\xe6\x9c\x83\xe8\xa3\x9c\xe5\x8a\xa9<table><tr><td>2026/10/30 "
        b"\xe6\xb4\xbb\xe5\x8b\x95</b></i></div></div></html></html><<<>>><p"
    )
    site.routes["/"] = raw(broken, content_type="text/html")
    r = check(site.url("/"))
    assert r.loads.status == "pass"
    assert r.credit.status == "pass"  # 本聯盟由國科會補助 survives the broken markup
    assert r.updates.details["latest_date"] == "2026-10-30"


def test_big5_page_without_any_declaration(site: Site) -> None:
    html = (
        "<html><head><title>食品安全檢驗產學聯盟</title></head><body><h1>食品安全檢驗產學聯盟</h1>"
        "<p>指導單位：科技部</p><ul><li>115/11/03 檢驗技術講習會報名開始</li></ul></body></html>"
    )
    site.routes["/"] = raw(html.encode("cp950"), content_type="text/html")
    r = check(site.url("/"))
    assert r.loads.status == "pass"
    assert r.credit.status == "pass"
    assert r.updates.details["latest_date"] == "2026-11-03"
    assert r.extra["encoding"] in ("cp950", "big5", "big5hkscs")


def test_news_page_is_followed_once_on_the_same_site(site: Site) -> None:
    site.routes["/"] = page(
        "<p>本聯盟由國科會補助。</p><a href='/news'>最新消息</a>"
        f"<a href='http://127.0.0.3:{site.port}/news'>News</a>"
    )
    site.routes["/news"] = page("<ul><li>2026-11-15 產學媒合會</li></ul>")
    r = check(site.url("/"))
    assert r.updates.status == "pass"
    assert r.updates.details["latest_date"] == "2026-11-15"
    assert site.hits["/news"] == 1
    assert r.extra["news_url"] == site.url("/news")


def test_feed_linked_from_the_homepage_is_read(site: Site) -> None:
    site.routes["/"] = page(
        "<link rel='alternate' type='application/rss+xml' href='/rss.xml'>"
        "<p>Sponsored by NSTC. 國科會補助計畫。</p>"
    )
    site.routes["/rss.xml"] = raw(
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        b"<item><title>news</title><pubDate>Tue, 10 Nov 2026 09:00:00 +0800</pubDate></item>"
        b"</channel></rss>",
        content_type="application/rss+xml",
    )
    r = check(site.url("/"))
    assert r.updates.status == "pass" and r.updates.details["latest_date"] == "2026-11-10"
    assert r.extra["feeds"] == [site.url("/rss.xml")]


JS_SHELL = (
    "<html><head><title>聯盟</title><script src='app.js' defer></script></head>"
    "<body><div id='app'></div><noscript>請開啟 JavaScript</noscript></body></html>"
)
JS_APP = (
    "document.addEventListener('DOMContentLoaded', function () {"
    "  var img = new Image(); img.src = 'http://127.0.0.3:%d/track.gif';"
    "  fetch('data.json').then(r => r.json()).then(d => {"
    "    document.getElementById('app').innerHTML = '<h1>資訊安全防護產學聯盟</h1>' +"
    "      '<p>本聯盟為國科會補助之產學小聯盟</p><ul><li>' + d.date + ' 資安健檢服務</li></ul>';"
    "  });"
    "});"
)


def test_js_homepage_is_judged_on_what_chromium_shows(
    site: Site, browser_host: BrowserHost
) -> None:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    other = Site("127.0.0.3").start()
    try:
        site.routes["/"] = raw(JS_SHELL.encode(), content_type="text/html; charset=utf-8")
        site.routes["/app.js"] = raw(
            (JS_APP % other.port).encode(), content_type="application/javascript"
        )
        site.routes["/data.json"] = raw(b'{"date": "2026-11-12"}', content_type="application/json")
        other.routes["/track.gif"] = raw(b"GIF89a", content_type="image/gif")
        r = check(site.url("/"), renderer_exe=exe, host=browser_host)
        assert r.loads.status == "pass"
        assert "headless Chromium" in r.loads.evidence
        assert r.credit.status == "pass"
        assert r.updates.details["latest_date"] == "2026-11-12"
        assert r.extra.get("rendered") is True
        assert site.hits["/"] == 1  # the document is handed to the browser, not fetched twice
        assert other.hits["/track.gif"] == 0  # requests to other hosts are blocked
    finally:
        other.stop()


def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    return exe


#: An app that draws the credit, then dies before drawing its news list.
JS_APP_THAT_FAILS = (
    "document.addEventListener('DOMContentLoaded', function () {"
    "  document.getElementById('app').innerHTML = '<h1>資訊安全防護產學聯盟</h1>' +"
    "    '<p>本聯盟為國科會補助之產學小聯盟，協助中小企業建立資安防護能力。</p>';"
    "  undefinedNewsWidget.render('news');"
    "  document.getElementById('app').innerHTML += '<ul><li>2026-11-12 資安健檢服務</li></ul>';"
    "});"
)


def test_js_homepage_whose_script_fails_is_judged_on_what_it_drew(
    site: Site, browser_host: BrowserHost
) -> None:
    site.routes["/"] = raw(JS_SHELL.encode(), content_type="text/html; charset=utf-8")
    site.routes["/app.js"] = raw(JS_APP_THAT_FAILS.encode(), content_type="text/javascript")
    r = check(site.url("/"), renderer_exe=chromium(), host=browser_host)
    # What a visitor sees: the credit (drawn before the error), no news (after it).
    assert r.loads.status == "pass"
    assert "script error" in r.loads.evidence and "undefinedNewsWidget" in r.loads.evidence
    assert r.credit.status == "pass"
    assert r.updates.status == "fail" and r.updates.details["latest_date"] is None


def test_js_homepage_whose_script_is_missing_is_an_empty_page(
    site: Site, browser_host: BrowserHost
) -> None:
    site.routes["/"] = raw(JS_SHELL.encode(), content_type="text/html; charset=utf-8")
    # /app.js is not there (404): the visitor gets an empty page, and so does the monitor.
    r = check(site.url("/"), renderer_exe=chromium(), host=browser_host)
    assert r.loads.status == "fail"
    assert r.loads.details["page_kind"] == "empty"
    assert r.extra.get("rendered") is True


#: A single-page app: every path answers with the same shell; the script draws the page for
#: the path (the news list only at /news).
SPA_SHELL = (
    "<html><head><title>聯盟</title><script src='/spa.js' defer></script></head>"
    "<body><div id='root'></div></body></html>"
)
SPA_APP = (
    "document.addEventListener('DOMContentLoaded', function () {"
    "  var root = document.getElementById('root');"
    "  if (location.pathname === '/news') {"
    "    root.innerHTML = '<h1>最新消息</h1><ul class=\"news\"><li>2026-11-15 產學媒合會</li>' +"
    "      '<li>2026-10-01 會員大會</li></ul>';"
    "  } else {"
    "    root.innerHTML = '<h1>智慧製造產學聯盟</h1><p>本聯盟由科技部計畫補助，服務中部精密機械廠商。</p>' +"
    "      '<nav><a href=\"/news\">最新消息</a></nav>';"
    "  }"
    "});"
)


def test_spa_news_page_is_rendered_in_the_browser_too(
    site: Site, browser_host: BrowserHost
) -> None:
    shell = raw(SPA_SHELL.encode(), content_type="text/html; charset=utf-8")
    site.routes["/"] = shell
    site.routes["/news"] = shell
    site.routes["/spa.js"] = raw(SPA_APP.encode(), content_type="text/javascript")
    r = check(site.url("/"), renderer_exe=chromium(), host=browser_host)
    assert (r.loads.status, r.credit.status, r.updates.status) == ("pass", "pass", "pass")
    assert r.extra["news_url"] == site.url("/news") and r.extra.get("news_rendered") is True
    assert r.updates.details["latest_date"] == "2026-11-15"
    assert r.updates.details["source"] == site.url("/news")


def _is_png(data: bytes | None) -> bool:
    return data is not None and data.startswith(b"\x89PNG\r\n\x1a\n")


def test_screenshots_of_a_plain_a_failing_and_a_js_homepage(
    site: Site, browser_host: BrowserHost
) -> None:
    import io

    from PIL import Image

    exe = chromium()
    site.routes["/"] = page(GOOD)
    site.routes["/broken/"] = status(500)
    site.routes["/app/"] = raw(JS_SHELL.encode(), content_type="text/html; charset=utf-8")
    site.routes["/app/app.js"] = raw(
        JS_APP_THAT_FAILS.encode(), content_type="application/javascript"
    )
    ctx = make_ctx(renderer_exe=exe, screenshots=True, host=browser_host)
    try:
        shots = {}
        for path in ("/", "/broken/", "/app/"):
            outcome = check_site(alliance(site.url(path)), ctx, previous_fingerprint=None)
            shots[path] = outcome
    finally:
        ctx.close()
    for path, outcome in shots.items():
        assert _is_png(outcome.screenshot), path
        with Image.open(io.BytesIO(outcome.screenshot)) as im:
            # the top of the page at half size (monitor/fetching/page_boxes.py), never unbounded
            assert im.width == STORED_WIDTH and 0 < im.height <= MAX_SHOT_HEIGHT // 2
        assert outcome.result.extra["screenshot"]["format"] == "png"
    assert shots["/broken/"].result.loads.status == "fail"  # failing homepages get one too
    assert site.hits["/app/"] == 1  # the JS homepage is photographed in the same rendering


def test_no_screenshot_without_a_page_or_a_browser(site: Site) -> None:
    ctx = make_ctx(renderer_exe="", screenshots=True)
    try:
        site.routes["/"] = page(GOOD)
        plain = check_site(alliance(site.url("/")), ctx, previous_fingerprint=None)
        refused = check_site(
            alliance(f"http://127.0.0.2:{free_port('127.0.0.2')}/"), ctx, previous_fingerprint=None
        )
    finally:
        ctx.close()
    assert plain.screenshot is None and plain.result.extra["screenshot"] is None
    assert "renderer unavailable" in plain.result.extra["screenshot_note"]
    assert plain.result.credit.status == "pass"  # the checks do not depend on the picture
    assert refused.screenshot is None and "no web page" in refused.result.extra["screenshot_note"]


def test_js_homepage_without_a_browser_warns_with_a_note(site: Site) -> None:
    site.routes["/"] = raw(JS_SHELL.encode(), content_type="text/html; charset=utf-8")
    r = check(site.url("/"), renderer_exe="")
    assert r.loads.status == "warn"
    assert "no browser installed" in r.loads.evidence
    assert "renderer unavailable" in r.loads.evidence
    assert "JavaScript" in r.loads.reason
    # Credit and updates on an unrendered shell would be unfair fails: a person must look.
    assert r.credit.status == "warn" and r.updates.status == "warn"


def test_frameset_homepage_is_judged_on_its_main_frame(site: Site) -> None:
    site.routes["/"] = raw(
        b"<html><frameset rows='100%'><frame src='/main.html'></frameset></html>",
        content_type="text/html",
    )
    site.routes["/main.html"] = page(GOOD)
    r = check(site.url("/"))
    assert r.loads.status == "pass" and r.credit.status == "pass"
    assert r.final_url == site.url("/main.html")


def test_credit_only_on_the_about_page_warns_naming_it(site: Site) -> None:
    site.routes["/"] = page(
        "<h1>智慧馬達驅動產學聯盟</h1><nav><a href='/about.html'>關於我們</a></nav>"
        "<ul><li>2026-11-02 馬達實作課程開放報名</li></ul><p>協助廠商開發馬達驅動技術。</p>"
    )
    site.routes["/about.html"] = page("<p>本聯盟為科技部計畫補助之產學小聯盟。</p>")
    r = check(site.url("/"))
    assert r.credit.status == "warn"
    assert site.url("/about.html") in r.credit.reason
    assert r.credit.details["where"] == site.url("/about.html")
    assert r.extra["about_url"] == site.url("/about.html")


def test_no_about_page_is_fetched_when_the_homepage_credits_the_funding(site: Site) -> None:
    site.routes["/"] = page(GOOD + "<a href='/about.html'>關於我們</a>")
    site.routes["/about.html"] = page("<p>本聯盟為科技部計畫補助之產學小聯盟。</p>")
    r = check(site.url("/"))
    assert r.credit.status == "pass"
    assert site.hits["/about.html"] == 0 and "about_url" not in r.extra


def test_refused_certificate_warns_and_the_other_checks_are_still_judged(tmp_path: object) -> None:
    from tests.support.farm import TestPKI

    pki = TestPKI(tmp_path)  # type: ignore[arg-type]
    secure = Site("127.0.0.2", tls=pki.server_context(["127.0.0.2"], expired=True)).start()
    secure.routes["/"] = page(GOOD)
    try:
        ctx = make_ctx()
        ctx.fetcher = Fetcher(
            FetchOptions(retries=0, extra_ca=pki.ca_file, policy=AddressPolicy(allow_private=True))
        )
        try:
            r = check_site(alliance(secure.url("/")), ctx, previous_fingerprint=None).result
        finally:
            ctx.close()
        assert r.loads.status == "warn" and r.loads.details["tls"] == "expired"
        assert "過期" in r.loads.reason and "expired" in r.loads.reason
        assert (r.credit.status, r.updates.status) == ("pass", "pass")
        assert r.to_json()["overall"] == "warn"
    finally:
        secure.stop()

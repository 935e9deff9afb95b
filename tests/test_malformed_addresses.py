"""Addresses Python's URL parser refuses, on a homepage or in a redirect, get a verdict.

Found by mutating real pages (htmldate's cache, the farms): one ``href`` such as
``http://[::1`` (a bracketed host that is not an address), ``https://[object Object]/`` (a
broken script's link), an image on ``cdn.example.com：8080`` (a full-width colon, which NFKC
turns into a delimiter) or a ``<meta charset="undefined">`` made ``urllib.parse`` or ``codecs``
raise, and every check of the site became an "internal error" warning instead of a verdict.
A browser goes nowhere with such a link and shows the rest of the page; so does the monitor.
"""

from __future__ import annotations

from datetime import date

import pytest

from monitor.fetching.render import BrowserHost
from monitor.model import Page
from monitor.rules.credit import judge_credit
from monitor.rules.decoding import decode_html
from monitor.rules.entry import entry_target, script_target
from monitor.rules.news_links import find_feed_links, find_news_link, find_news_widgets
from monitor.rules.pagekind import classify_page, follow_target
from monitor.rules.updates import judge_updates
from tests.support.farm import Site, raw, redirect
from tests.test_crawl_loads import check, chromium

TODAY = date(2026, 11, 20)

#: A typical alliance homepage (menu, news list, footer credit) carrying every kind of address
#: that made the judgement raise.
HOMEPAGE = """<!doctype html><html lang="zh-TW"><head><meta charset="utf-8">
<title>智慧製造產學小聯盟</title>
<link rel="alternate" type="application/rss+xml" href="http://[feed/rss.xml">
<link rel="alternate" type="application/rss+xml" href="/rss.xml">
</head><body>
<nav><ul>
<li><a href="https://[object Object]/">最新消息</a></li>
<li><a href="/news/">最新消息</a></li>
<li><a href="http://[::1">關於我們</a></li>
</ul></nav>
<main>
<h2>最新消息</h2>
<ul class="news">
<li><span class="date">2026-11-05</span> <a href="http://[2001:db8::zz]/n/1">智慧製造實作課程開放報名</a></li>
<li><span class="date">2026-10-12</span> <a href="/n/2">會員廠商交流會</a></li>
</ul>
<iframe src="https://www.facebook.com：443/plugins/page.php?href=x" title="粉絲專頁"></iframe>
<img src="https://cdn.example.com：8080/img/most-logo.png" alt="">
<a href="https://www.nstc.gov.tw：80/"><img src="/img/nstc.png" alt=""></a>
</main>
<footer><p>本聯盟由科技部計畫補助</p></footer>
</body></html>"""

URL = "http://alliance.example.edu.tw/"


def test_a_homepage_with_unparsable_addresses_is_judged_like_any_other() -> None:
    page = Page(URL, HOMEPAGE)
    assert classify_page(page) is None  # an ordinary page, not an error or empty page
    assert find_news_link(page) == "http://alliance.example.edu.tw/news/"
    assert find_feed_links(page) == ["http://alliance.example.edu.tw/rss.xml"]
    assert find_news_widgets(page) == []  # a frame whose address cannot be read is not one
    credit = judge_credit(page)
    assert credit.status == "pass" and "科技部計畫補助" in credit.evidence
    updates, _ = judge_updates([page], today=TODAY, previous_fingerprint=None)
    assert updates.status == "pass"
    assert updates.details["latest_date"] == "2026-11-05"


@pytest.mark.parametrize(
    "html",
    [
        '<base href="http://[bad"><p>請稍候</p><a href="main.html">進入網站</a>',
        '<meta http-equiv="refresh" content="0; url=http://[::1"><p>轉址中</p>',
        "<frameset><frame name='main' src='http://[x/main.html'></frameset>",
        "<iframe src='http://[x/index2.html'></iframe>",
        "<p>請稍候</p><script>location.href = 'http://[::1';</script>",
    ],
    ids=["bad-base", "refresh", "frameset", "iframe-wrapper", "script-redirect"],
)
def test_where_a_page_sends_the_visitor_skips_an_unparsable_target(html: str) -> None:
    """A splash, frame or redirect whose target cannot be parsed leads nowhere (as in a
    browser), or, for a bad ``<base href>``, resolves against the page's own address."""
    page = Page(URL, f"<html><body>{html}</body></html>")
    targets = (follow_target(page), entry_target(page), script_target(page))
    if "<base" in html:
        assert targets == (None, "http://alliance.example.edu.tw/main.html", None)
    else:
        assert targets == (None, None, None)


@pytest.mark.parametrize("charset", ["undefined", "x\x00y", "cp500"])
def test_a_charset_no_page_can_be_written_in_is_ignored(charset: str) -> None:
    """``<meta charset>`` and the HTTP header may name any codec Python has; only one that reads
    ASCII as ASCII can be a web page's, so the others are passed over for UTF-8 or Big5."""
    body = f'<meta charset="{charset}"><p>本聯盟由科技部計畫補助 2026-11-05</p>'.encode()
    for content_type in (None, f"text/html; charset={charset}"):
        text, encoding = decode_html(body, content_type)
        assert "本聯盟由科技部計畫補助 2026-11-05" in text
        assert encoding == "utf-8"


def test_the_crawl_gives_such_a_homepage_its_verdicts(site: Site) -> None:
    """End to end, fetched from a loopback server and judged on its static page."""
    site.routes["/"] = raw(HOMEPAGE.encode(), content_type="text/html; charset=utf-8")
    r = check(site.url("/"))
    assert (r.loads.status, r.credit.status, r.updates.status) == ("pass", "pass", "pass")
    assert r.updates.details["latest_date"] == "2026-11-05"


def test_the_crawl_gives_such_a_homepage_its_verdicts_in_chromium(
    site: Site, browser_host: BrowserHost
) -> None:
    """The same page as the browser shows it (the renderer reads the page it drew)."""
    site.routes["/"] = raw(HOMEPAGE.encode(), content_type="text/html; charset=utf-8")
    r = check(site.url("/"), renderer_exe=chromium(), host=browser_host, screenshots=True)
    assert r.extra.get("rendered") is True
    assert (r.loads.status, r.credit.status, r.updates.status) == ("pass", "pass", "pass")
    assert r.updates.details["latest_date"] == "2026-11-05"


def test_a_redirect_to_an_unparsable_address_fails_loads_and_names_it(site: Site) -> None:
    site.routes["/"] = redirect("http://[::1/home")
    r = check(site.url("/"))
    assert r.loads.status == "fail"
    assert r.loads.code == "bad-redirect"
    assert "http://[::1/home" in r.loads.evidence
    assert "not a valid address" in r.loads.evidence
    assert r.loads.reason.startswith("重新導向的目標無效")


@pytest.mark.parametrize(
    "host", ["alliance..example.edu.tw", "a" * 64 + ".example.edu.tw"], ids=["empty-label", "long"]
)
def test_a_host_name_no_dns_can_hold_fails_loads_as_a_failed_look_up(site: Site, host: str) -> None:
    """The IDNA codec refuses such a name (UnicodeError out of getaddrinfo): as a website
    address or as a redirect's target, it is a name that does not resolve."""
    site.routes["/"] = redirect(f"http://{host}/")
    for url in (f"http://{host}/", site.url("/")):
        r = check(url)
        assert r.loads.status == "fail" and r.loads.code == "dns", r.loads
        assert r.final_url == f"http://{host}/"  # the report shows where the look-up failed

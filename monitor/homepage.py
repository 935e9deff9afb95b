"""Finding the page a visitor lands on: firewalls, frames, meta refresh, splash pages, wrappers.

RULES.md "loads": a splash page counts as a redirect, a frameset or a one-iframe wrapper is
judged on the page it shows, and a site that refuses the monitor but opens in a browser is
judged on what the browser gets. :func:`read_home` asks every question about the homepage's
static HTML in one judging call; :func:`follow_frames` goes where it leads (at most twice).
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.fetching import limits as S
from monitor.fetching.fetch import FetchResult
from monitor.model import Check, Page
from monitor.rules.entry import entry_target
from monitor.rules.loads import HomepageFetch, is_html
from monitor.rules.page_text import decode_html
from monitor.rules.pagekind import classify_page, follow_target, looks_js_rendered
from monitor.rules.updates import find_feed_links, find_news_link
from monitor.visit_context import CrawlContext


def page_from(result: FetchResult, kind: str) -> Page | None:
    if not result.ok:
        return None
    if kind != "feed" and not is_html(result.content_type, result.body):
        return None
    text, _encoding = decode_html(result.body, result.content_type)
    return Page(url=result.final_url or result.url, html=text, kind=kind)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class HomeRead:
    """All the homepage questions answered in one judging call (see :func:`read_home`)."""

    html: str
    encoding: str
    #: where a frameset or meta refresh sends the visitor, when that is another page
    frame_target: str | None
    needs_browser: bool
    #: the page-kind check and the news/feed links, unless the page must be rendered first
    page_check: Check | None = None
    links: tuple[str | None, list[str]] | None = None


def read_home(r: FetchResult, *, follow_frames: bool = True) -> HomeRead:
    """Decode the homepage and ask every question about its static HTML in one go.

    Why one call: the judges share one parse through a memo of a few pages, but the judging
    thread serves all the crawl workers in turn; asked in separate calls, a site's questions
    were interleaved with 30 other sites' and each found its parse evicted (five parses per
    homepage, which made the judging thread the crawl's bottleneck on a slow machine).
    With ``follow_frames`` a page whose frames or meta refresh lead elsewhere is only asked
    where they lead (the crawl goes there); without it, the page is judged where it is.
    """
    url = r.final_url or r.url
    html, encoding = decode_html(r.body, r.content_type)
    target = None
    if follow_frames:
        page = Page(url=url, html=html)
        target = follow_target(page) or entry_target(page)
    if target and target.split("#", 1)[0] == url.split("#", 1)[0]:
        target = None
    needs_browser = looks_js_rendered(html)
    if target or needs_browser:
        return HomeRead(html, encoding, target, needs_browser)
    homepage = Page(url=url, html=html, kind="homepage")
    return HomeRead(html, encoding, None, False, classify_page(homepage), links_of(homepage))


def links_of(homepage: Page) -> tuple[str | None, list[str]]:
    return find_news_link(homepage), find_feed_links(homepage)


def ask_like_a_browser(ctx: CrawlContext, home: HomepageFetch) -> bool:
    """Ask again the way a browser does when the monitor was refused (a firewall's 403).

    RULES.md "loads": a site that refuses the monitor but opens in a browser is judged on what
    the browser gets, and the evidence says the site blocks automated checks. True when the
    browser-like request got the page the plain one was refused.
    """
    r = home.result
    if r.error is None or r.error.kind != "http-status" or r.status not in S.FIREWALL_STATUSES:
        return False
    again = ctx.fetcher.fetch(r.url, browser_like=True)
    if not again.ok:
        return False
    again.retry_reasons = r.retry_reasons + again.retry_reasons
    home.result = again
    return True


def follow_frames(ctx: CrawlContext, home: HomepageFetch) -> tuple[FetchResult, HomeRead]:
    """Follow a frameset's main frame or a meta refresh (at most twice), as a visitor's browser does.

    The followed page becomes the homepage; its address joins the redirect chain, so a frame
    pointing at another host is reported like a redirect to one. If the target cannot be
    fetched the original page is judged as it is. Returns the homepage and what was read of it.
    """
    r = home.result
    read = ctx.judge(read_home, r)
    for _ in range(2):
        target = read.frame_target
        if not target:
            break
        got = ctx.fetcher.fetch(target)
        if not got.ok or not is_html(got.content_type, got.body):
            break
        got.redirects = [*r.redirects, r.final_url or r.url, *got.redirects]
        got.retry_reasons = r.retry_reasons + got.retry_reasons
        got.attempts += r.attempts
        got.tls_problem = got.tls_problem or r.tls_problem
        r = got
        read = ctx.judge(read_home, r)
    if read.frame_target:
        # the page still points elsewhere (a third hop, or a target that failed): judge it as
        # it is, with the answers read_home skipped for a page it expected to leave
        read = ctx.judge(read_home, r, follow_frames=False)
    home.result = r
    return r, read

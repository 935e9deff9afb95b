"""Finding the page a visitor lands on: firewalls, frames, meta refresh, splash pages, wrappers,
and what the browser shows of it.

RULES.md "loads": a splash page counts as a redirect, a frameset or a one-iframe wrapper is
judged on the page it shows (and when that page does not load, on that: the visitor sees the
error in the frame), and a site that refuses the monitor but opens in a browser is judged on
what the browser gets. :func:`read_home` asks every question about the homepage's
static HTML in one judging call; :func:`follow_frames` goes where it leads (at most twice);
:func:`see_homepage` renders it (or says why the static page is judged);
:func:`follow_script_redirect` follows a script that sent the browser to another site, as an
HTTP redirect is followed (the host is then named by the ``other-host`` warning).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from alliance_portal.registry.bilingual import Bilingual
from monitor.fetching import limits as S
from monitor.fetching.browser_page import Rendered, left_site
from monitor.fetching.codings import UnreadableBody
from monitor.fetching.fetch import FetchResult
from monitor.fetching.page_boxes import Box
from monitor.model import Check, Code, Page
from monitor.rules.entry import (
    SPLASH_MAX_CHARS,
    Lead,
    entry_lead,
    hash_route_lead,
    script_target,
    side_frames,
)
from monitor.rules.loads import HomepageFetch, is_html, same_site
from monitor.rules.page_text import decode_html, meaningful_length, read_page
from monitor.rules.pagekind import (
    classify_page,
    follow_lead,
    looks_js_rendered,
    refresh_delay,
    scripts_elsewhere,
)
from monitor.rules.updates import find_feed_links, find_news_link
from monitor.visit_context import CrawlContext, Stopped

#: Which page a finding was judged on: what the browser showed, or the HTML as fetched.
View = Literal["rendered", "static"]

_NO_NOTE = Bilingual("", "")
_STATIC_FALLBACK = Bilingual(
    "無法以瀏覽器顯示，依原始網頁判斷", "the page could not be rendered; judged on its static HTML"
)


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
    #: where (and how) a frameset, meta refresh, splash page or wrapper sends the visitor,
    #: when that is another page
    lead: Lead | None
    needs_browser: bool
    #: the page-kind check and the news/feed links, unless the page must be rendered first
    page_check: Check | None = None
    links: tuple[str | None, list[str]] | None = None
    #: the page is read before it leads on (a slow meta refresh on a page with content): if
    #: where it leads does not load, the page itself is what the visitor reads
    own_content: bool = False
    #: a frameset's frames beside the one ``lead`` follows (:func:`side_frames`)
    side_frames: tuple[str, ...] = ()


def read_home(r: FetchResult, *, follow_frames: bool = True, scripts_run: bool = True) -> HomeRead:
    """Decode the homepage and ask every question about its static HTML in one go.

    Why one call: the judges share one parse through a memo of a few pages, but the judging
    thread serves all the crawl workers in turn; asked in separate calls, a site's questions
    were interleaved with 30 other sites' and each found its parse evicted (five parses per
    homepage, which made the judging thread the crawl's bottleneck on a slow machine).
    With ``follow_frames`` a page whose frames or meta refresh lead elsewhere is only asked
    where they lead (the crawl goes there); without it, the page is judged where it is.
    Without a browser (``scripts_run`` False) a plain script redirect is followed too
    (:func:`monitor.rules.entry.script_target`); with one, the browser runs the script.
    """
    url = r.final_url or r.url
    html, encoding = decode_html(r.body, r.content_type)
    lead = _lead_of(Page(url=url, html=html), scripts_run) if follow_frames else None
    needs_browser = looks_js_rendered(html)
    if lead or needs_browser:
        own = lead is not None and lead.kind == "refresh" and _read_first(Page(url, html))
        sides = side_frames(Page(url, html), lead.url) if lead and lead.kind == "frame" else []
        return HomeRead(
            html, encoding, lead, needs_browser, own_content=own, side_frames=tuple(sides)
        )
    homepage = Page(url=url, html=html, kind="homepage")
    return HomeRead(html, encoding, None, False, classify_page(homepage), links_of(homepage))


def _lead_of(page: Page, scripts_run: bool) -> Lead | None:
    """Where the page sends the visitor on, if anywhere (frames, refresh, splash, wrapper, and
    without a browser a plain script redirect).

    A splash link or a filling iframe to another host is followed like a redirect there, but
    not from a page that is itself a finding (a maintenance, suspended, parked or error page
    with a way out to the university): that page is what the visitor is shown.
    """
    lead = follow_lead(page) or entry_lead(page)
    if lead is None and not scripts_run:
        target = script_target(page)
        lead = Lead("script", target) if target else None
    if lead is None or lead.url.split("#", 1)[0] == page.url.split("#", 1)[0]:
        return None
    if lead.kind in ("splash", "iframe") and not same_site(lead.url, page.url):
        found = classify_page(page)
        if found is not None and found.code is not Code.EMPTY_PAGE:
            return None
    return lead


def _read_first(page: Page) -> bool:
    """Whether a meta-refresh page is read before it moves on: it waits longer than a timed
    redirect is waited for (``RENDER_REDIRECT_WAIT``) and has more to read than a splash page
    (:data:`SPLASH_MAX_CHARS`). Such a page is what the visitor reads if the page it moves on
    to does not load; one that moves at once is never read."""
    delay = refresh_delay(page)
    if delay is None or delay <= S.RENDER_REDIRECT_WAIT:
        return False
    text = read_page(page.html).text()
    return meaningful_length(text, limit=SPLASH_MAX_CHARS + 1) > SPLASH_MAX_CHARS


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
    if not again.ok and again.unreadable is None:  # a page it cannot decode is still a page
        return False
    again.retry_reasons = r.retry_reasons + again.retry_reasons
    home.result = again
    return True


def follow_frames(ctx: CrawlContext, home: HomepageFetch) -> tuple[FetchResult, HomeRead]:
    """Follow a frameset's main frame, a meta refresh, a splash page's "enter" link or a
    one-iframe wrapper (at most twice), as a visitor's browser does.

    The followed page becomes the homepage; its address joins the redirect chain, so a frame
    pointing at another host is reported like a redirect to one. A frameset's other frames
    (banner, menu, bottom) go to ``home.side_frames``: the crawl reads them beside it. A target that does not load
    (an HTTP error, a timeout, refused, refused by the SSRF guard) or is not a web page is what
    the visitor sees in the frame or after "enter": it becomes the homepage too, with
    ``home.lead`` saying how the wrapper led there, so ``loads`` fails naming it (as for an HTTP
    redirect to a dead page) instead of judging the wrapper, which has no content of its own.
    Only a slow meta-refresh page with text of its own, read before it moves, is judged as it is
    then. A target the monitor
    only cannot decode (a coding it did not ask for) becomes the homepage, unread
    (``r.unreadable``; the caller judges it so). Returns the homepage and what was read of it;
    the caller judges a homepage with ``r.error`` (or not HTML) as one that did not load.
    """
    r = home.result
    home.lead = None
    home.side_frames = []
    scripts_run = ctx.renderer.available
    read = ctx.judge(read_home, r, scripts_run=scripts_run)
    for _ in range(2):
        lead = read.lead
        if lead is None:
            break
        got = ctx.fetcher.fetch(lead.url)
        if got.error is not None and got.error.kind == "stopped":
            raise Stopped
        home.side_frames += [u for u in read.side_frames if u not in home.side_frames]
        unread = got.unreadable is not None
        failed = not unread and (not got.ok or not is_html(got.content_type, got.body))
        if failed and read.own_content:
            break
        got.redirects = [*r.redirects, r.final_url or r.url, *got.redirects]
        got.retry_reasons = r.retry_reasons + got.retry_reasons
        got.attempts += r.attempts
        got.tls_problem = got.tls_problem or r.tls_problem
        r = got
        if unread or failed:
            home.result = r
            home.lead = lead if failed else None
            return r, read  # what was read is the page before: the caller stops here
        read = ctx.judge(read_home, r, scripts_run=scripts_run)
    if read.lead:
        # the page still points elsewhere (a third hop, or a target that failed): judge it as
        # it is, with the answers read_home skipped for a page it expected to leave
        read = ctx.judge(read_home, r, follow_frames=False)
    home.result = r
    return r, read


@dataclass(slots=True)
class Seen:
    """The homepage as judged: rendered when the browser could show it, else static."""

    page: Page
    view: View
    page_check: Check | None
    note: Bilingual = _NO_NOTE
    png: bytes | None = None
    #: where a script redirect took the browser on the same site
    moved_to: str | None = None
    #: a page built by scripts that no browser could show: nothing to judge
    unjudgeable: bool = False
    #: where a script sent the browser on another site (origin): follow it like a redirect
    left_for: str | None = None
    #: each text-holding element's box on ``png`` (for the evidence outline)
    boxes: tuple[Box, ...] = ()
    #: the rendered page's own requests the monitor could not decode (not loaded)
    unreadable: tuple[UnreadableBody, ...] = ()
    #: our browser failed (lost, could not be started again): the static page is judged, but
    #: a failing verdict on it is not a finding (monitor/visit.py makes it "not checked")
    browser_failed: bool = False


def _without_scripts(note: Bilingual, hosts: list[str]) -> Bilingual:
    """The rendering's note, saying the page stayed empty without the scripts it loads from
    ``hosts`` (a CDN's jQuery: NTU's CMDM lab fills its page with ``$.load``), which the
    monitor's browser does not run and a visitor's does."""
    named = "、".join(hosts[:3])
    return Bilingual(
        f"{note.zh}；網頁程式需要其他主機（{named}）的程式庫，監測不執行，所以顯示為空白，請人工確認",
        f"{note.en}; the page's code needs libraries from other hosts ({', '.join(hosts[:3])}),"
        " which the monitor does not run, so it stayed empty here; please check by hand",
    )


def _enter_hash_route(
    ctx: CrawlContext, page: Page, r: FetchResult
) -> tuple[Rendered, Page] | None:
    """A single-page app's splash page, rendered, whose "enter" link is a hash route
    (:func:`monitor.rules.entry.hash_route_lead`): the view behind it, shown by the browser at
    that address, is the homepage (RULES.md "loads": splash pages). None when the page is no
    such splash, or the browser cannot show the view (the splash is judged then, as before)."""
    target = ctx.judge(hash_route_lead, page)
    if target is None:
        return None
    shown = ctx.renderer.render(
        target, r.body, r.content_type, screenshot=ctx.screenshots, cookies=tuple(r.set_cookies)
    )
    if shown.interrupted:
        raise Stopped
    if shown.html is None or not (shown.final_url or target).startswith(("http://", "https://")):
        return None
    return shown, Page(url=target, html=shown.html, kind="homepage")


def see_homepage(ctx: CrawlContext, url: str, r: FetchResult, read: HomeRead) -> Seen:
    """The homepage as a visitor's browser shows it, or the static page with the reason why not.

    RULES.md "loads": judged on what the browser shows, including what the page's own scripts
    add after loading. A rendering that fails (no browser, a crash, two timeouts) is not a
    verdict: the static page is judged instead and the evidence says the page could not be
    rendered; only a page that needs scripts to show anything is then left unjudged. When it
    was our browser that failed (``browser_lost``), not the page, the result says so
    (``browser_failed``): a failing verdict on the static page then proves nothing.
    """
    rendered = ctx.renderer.render(
        url,
        r.body,
        r.content_type,
        screenshot=ctx.screenshots,
        cookies=tuple(r.set_cookies),
    )
    if rendered.interrupted:
        raise Stopped
    if rendered.html is not None:
        shown_at = rendered.final_url or url
        moved = shown_at if shown_at != url and same_site(shown_at, url) else None
        if shown_at.startswith(("http://", "https://")):
            page = Page(url=moved or url, html=rendered.html, kind="homepage")
            entered = _enter_hash_route(ctx, page, r)
            if entered is not None:
                rendered, page = entered
                moved = page.url
            page_check = ctx.judge(classify_page, page)
            elsewhere = (
                ctx.judge(scripts_elsewhere, Page(url=url, html=read.html))
                if page_check is not None and page_check.code is Code.EMPTY_PAGE and rendered.errors
                else []
            )
            return Seen(
                page,
                "rendered",
                page_check,
                _without_scripts(rendered.note, elsewhere) if elsewhere else rendered.note,
                rendered.png,
                moved,
                # empty only without the other hosts' scripts its code needs: a person looks
                unjudgeable=bool(elsewhere),
                boxes=rendered.boxes,
                unreadable=rendered.unreadable,
            )
        # the browser ended on its own error page (a script sent it to a refused address)
        rendered = replace(rendered, html=None, note=left_site(shown_at))
    if rendered.left_for:
        # judged where the script leads (the caller fetches it); the static page until then
        return Seen(
            Page(url=url, html=read.html, kind="homepage"),
            "static",
            read.page_check,
            rendered.note,
            left_for=rendered.left_for,
        )
    static = Page(url=url, html=read.html, kind="homepage")
    why = rendered.note
    note = Bilingual(f"{_STATIC_FALLBACK.zh}（{why.zh}）", f"{_STATIC_FALLBACK.en} ({why.en})")
    page_check = read.page_check
    if page_check is None and read.needs_browser:
        page_check = ctx.judge(classify_page, static)
    return Seen(
        static,
        "static",
        page_check,
        note,
        rendered.png,
        unjudgeable=read.needs_browser,
        browser_failed=rendered.browser_lost,
    )


def script_move_failed(ctx: CrawlContext, home: HomepageFetch, moved_to: str) -> bool:
    """Whether the page a script moved the browser to, on the same site, does not load.

    The browser shows whatever that address answers, a "404 Not Found" page included, and says
    nothing of its status; judged as the homepage, such a page gave a false "empty page" (or,
    with a CMS-styled error page, a pass and a credit read off it). So the address is fetched
    once more, as the static page it is: when it answers an error (a firewall's 401/403/406
    aside: the browser got past it with its cookies) or is not a web page, it becomes
    ``home.result`` with ``home.lead`` naming the script, and the caller fails ``loads`` for it,
    as for a splash page leading to a dead page. One more request, only for such redirects.
    """
    got = ctx.fetcher.fetch(moved_to)
    if got.error is not None and got.error.kind == "stopped":
        raise Stopped
    if got.unreadable is not None or (got.ok and is_html(got.content_type, got.body)):
        return False
    if got.error is not None and got.status in S.FIREWALL_STATUSES:
        return False
    r = home.result
    got.redirects = [*r.redirects, r.final_url or r.url, *got.redirects]
    got.retry_reasons = r.retry_reasons + got.retry_reasons
    got.attempts += r.attempts
    got.tls_problem = got.tls_problem or r.tls_problem
    home.result = got
    home.lead = Lead("script", moved_to)
    return True


def follow_script_redirect(
    ctx: CrawlContext, home: HomepageFetch, target: str
) -> tuple[FetchResult, HomeRead | None]:
    """Fetch where a script sent the browser on another site, as the HTTP redirect it stands
    for: the address joins the redirect chain, so ``loads`` names the other host (a warning,
    RULES.md), and a target that does not load fails ``loads`` like a redirect to a dead host,
    the finding naming the script and the address (``home.lead``). Returns the new homepage fetch and what was read of it (None when it is not a page).
    """
    r = home.result
    got = ctx.fetcher.fetch(target)
    if got.error is not None and got.error.kind == "stopped":
        raise Stopped
    got.redirects = [*r.redirects, r.final_url or r.url, *got.redirects]
    got.retry_reasons = r.retry_reasons + got.retry_reasons
    got.attempts += r.attempts
    got.tls_problem = got.tls_problem or r.tls_problem
    home.result = got
    if not got.ok or not is_html(got.content_type, got.body):
        # the finding names the script and where it leads, as for a same-site script move (a
        # bare "TLS handshake failed" on a site registered as http:// explained nothing)
        home.lead = Lead("script", target)
        return got, None
    return got, ctx.judge(read_home, got, follow_frames=False)

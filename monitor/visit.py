"""Visiting one alliance's website the way a visitor's browser does, and judging what it shows.

Flow of one site (:func:`check_site`)::

    fetch homepage (other scheme if the registered one is dead)       -> loads inputs
      refused like a robot (403)? ask again like a browser            -> "blocks automated checks"
      a firewall's block page with 200? the same                       -> or loads "firewall-rejected"
      frameset / meta refresh / splash page / one-iframe wrapper      -> follow (at most twice)
        the page it leads to does not load or is not HTML              -> loads fails, naming it
      render in Chromium (guarded, every page when a browser exists)  -> homepage Page, view
        a script moved it on the same site to a page that does not load -> loads fails, naming it
        failed or no browser: the static page, evidence says why      -> view "static"
        our browser failed (lost, not restartable): a static FAIL     -> "not checked" warning
      classify_page (empty / default / parked / error)                -> loads
      news link on the same site (rendered too), feeds (at most 2)    -> news/feed Pages
      a frameset's other frames (banner, menu, bottom; at most 4)     -> frame Pages
      judge_credit(homepage, frames, other_pages=[news])              -> credit
      judge_updates([homepage, news, feeds, frames], previous fingerprint) -> updates
        latest is the homepage's "last updated" of today? fetch again  -> a moving stamp is live

The static fetch decides what only it can see (status, redirects, TLS, timing, bytes); the
rendered page decides what a visitor reads. Each check's details say which ``view`` it was
judged on. A site whose check the stop event cut short raises :class:`Stopped` and is not stored.

Why this module is long: one site's visit is one sequence whose steps share the homepage fetch,
what was read of it and the checks judged so far; the steps that stand alone already live
beside it (homepage.py finds and shows the page, the judges in rules/ decide, and
homepage_picture.py records the picture).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple, TypeVar

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.profiles import Alliance
from monitor.fetching import limits as S
from monitor.fetching.fetch import FetchResult
from monitor.fetching.page_boxes import Box
from monitor.homepage import (
    ask_like_a_browser,
    follow_frames,
    follow_script_redirect,
    links_of,
    page_from,
    script_move_failed,
    see_homepage,
)
from monitor.homepage_picture import record_picture
from monitor.model import Check, Code, Details, Page, SiteResult, worst
from monitor.rules.credit import judge_credit
from monitor.rules.entry import Lead
from monitor.rules.loads import (
    HomepageFetch,
    fetch_homepage,
    is_html,
    judge_loads,
    same_site,
    without_unread_parts,
)
from monitor.rules.page_text import decode_html
from monitor.rules.pagekind import classify_page
from monitor.rules.updates import find_about_link, judge_updates, stamps_of_today
from monitor.visit_context import CrawlContext, SiteOutcome, Stopped, broken_result

__all__ = ["CrawlContext", "SiteOutcome", "Stopped", "broken_result", "check_site"]

log = logging.getLogger(__name__)
T = TypeVar("T")
#: Seconds between the two fetches that tell a server's "last updated" stamp from an edit.
_STAMP_WAIT = 1.1
_BLOCKS_CHECKS = Bilingual(
    "網站拒絕自動檢查程式（防火牆），已改以瀏覽器方式取得；請學校將本檢查列入允許清單",
    "the site blocks automated checks (a firewall refused the monitor); judged on what a browser"
    " gets",
)
_NOT_CHECKED = Bilingual("首頁無法開啟，未檢查", "not checked: the homepage did not load")
_UNREADABLE = Bilingual(
    "首頁以檢查程式無法解讀的壓縮格式傳送，未檢查，請人工確認",
    "not checked: the homepage is compressed in a way the monitor cannot read; check by hand",
)
_BROWSER_FAILED = Bilingual(
    "監測程式的瀏覽器故障，無法顯示首頁，此項未檢查；管理介面可立即重新檢查此網站",
    "not checked: the monitor's browser failed while showing the homepage; the office can"
    " re-check the site from the console",
)
_NOT_RENDERED = Bilingual(
    "首頁內容由 JavaScript 產生且無法顯示，未檢查，請人工確認",
    "not checked: the homepage is built by JavaScript and could not be rendered; please check"
    " by hand",
)


def _judge_content(
    homepage: Page,
    news_page: Page | None,
    pages: list[Page],
    today: date,
    previous_fingerprint: str | None,
) -> tuple[Check, tuple[Check, str]]:
    frames = [p for p in pages if p.kind == "frame"]
    credit = judge_credit(homepage, frames=frames, other_pages=[news_page] if news_page else [])
    return credit, judge_updates(pages, today=today, previous_fingerprint=previous_fingerprint)


class _BrokenFrame(NamedTuple):
    """A frame beside the main one that does not load, and how the homepage leads to it."""

    result: FetchResult
    lead: Lead


def _side_frames(
    ctx: CrawlContext, urls: list[str], extra: dict[str, Any]
) -> tuple[list[Page], _BrokenFrame | None]:
    """A frameset homepage's other frames (banner, menu, bottom), fetched as a visitor's
    browser fetches them beside the main frame: their text is part of the homepage a visitor
    reads (RULES.md "loads": a frameset is judged on the pages its frames show), so a credit in
    the bottom frame counts. Read as static pages. The first that does not load (an error
    status, a timeout, refused) is returned too: the visitor sees that error in the frame, so
    it fails ``loads`` as a broken main frame does. A frame showing an image or a file is no
    finding (that is what it shows); one the monitor cannot decode is left out.
    """
    found: list[Page] = []
    broken: _BrokenFrame | None = None
    for url in urls:
        got = ctx.fetcher.fetch(url, max_bytes=S.MAX_SUBPAGE_BYTES)
        if got.error is not None and got.error.kind == "stopped":
            raise Stopped
        if got.error is not None and got.unreadable is None and broken is None:
            broken = _BrokenFrame(got, Lead("frame", url))
        frame = ctx.judge(page_from, got, "frame")
        if frame is not None:
            found.append(frame)
    if urls:
        extra["side_frames"] = [p.url for p in found]
    return found, broken


def check_site(
    alliance: Alliance, ctx: CrawlContext, *, previous_fingerprint: str | None
) -> SiteOutcome:
    """Fetch and judge one alliance's website (see the module docstring for the steps).

    With ``ctx.screenshots`` the homepage is also photographed in the browser, whatever its
    verdict: a server error page, a default page or a page without the credit is exactly what
    the office wants to show the alliance.
    """
    outcome = _check_site(alliance, ctx, previous_fingerprint=previous_fingerprint)
    if ctx.screenshots:
        record_picture(ctx, outcome)
    return outcome


def _check_site(
    alliance: Alliance, ctx: CrawlContext, *, previous_fingerprint: str | None
) -> SiteOutcome:
    home = fetch_homepage(ctx.fetcher, alliance.website, scheme_ports=ctx.scheme_ports)
    blocked = ask_like_a_browser(ctx, home)
    r = home.result
    if r.error is not None and r.error.kind == "stopped":
        raise Stopped
    extra: dict[str, Any] = {}
    if r.error is not None or not is_html(r.content_type, r.body):
        loads = _blocked_note(judge_loads(home), blocked)
        return _not_checked(alliance, r.final_url, loads, extra, r, None)

    r, read = follow_frames(ctx, home)
    if not blocked and r.error is None and _firewall_page(read.page_check):
        # a firewall's block page served with 200: the same as its 403 (RULES.md "loads")
        blocked = _ask_past_the_firewall(ctx, home)
        if blocked:
            r, read = follow_frames(ctx, home)
    if r.error is not None and r.error.kind == "stopped":
        raise Stopped
    if r.error is not None or not is_html(r.content_type, r.body):
        # past frames, a splash page or a firewall: a page that did not load, is not a web page
        # or that the monitor cannot decode is the homepage the visitor gets (home.lead names
        # the frame or link that led there)
        loads = _blocked_note(judge_loads(home), blocked)
        return _not_checked(alliance, r.final_url, loads, extra, r, None)
    final_url = r.final_url or r.url
    extra["encoding"] = read.encoding
    seen = see_homepage(ctx, final_url, r, read)
    if seen.left_for:
        # a script sent the browser to another site: followed like an HTTP redirect (once)
        r, there = follow_script_redirect(ctx, home, seen.left_for)
        final_url = r.final_url or r.url
        if there is None:
            loads = _blocked_note(judge_loads(home), blocked)
            return _not_checked(alliance, final_url, loads, extra, r, None)
        read = there
        extra["encoding"] = read.encoding
        seen = see_homepage(ctx, final_url, r, read)
    homepage = seen.page
    # the browser was asked for the homepage (and its picture) and could not show it
    unshown = seen.note if seen.view == "static" and seen.png is None and seen.note.en else None
    if seen.moved_to and seen.moved_to != final_url:
        # a script redirect on the same site: the page it leads to is the homepage, and when
        # it does not load (a 404 the browser showed), that is the finding
        if script_move_failed(ctx, home, seen.moved_to):
            r = home.result
            loads = _blocked_note(judge_loads(home), blocked)
            return _not_checked(alliance, r.final_url, loads, extra, r, seen.png, seen.boxes)
        r.redirects = [*r.redirects, final_url]
        r.final_url = final_url = seen.moved_to
    loads = judge_loads(
        home,
        page_check=seen.page_check,
        render_note=seen.note,
        render_failed=seen.unjudgeable,
        unread_parts=seen.unreadable,
    )
    loads.details["view"] = seen.view
    loads = _blocked_note(loads, blocked)
    frames, broken = _side_frames(ctx, home.side_frames, extra)
    if broken is not None and loads.status != "fail":
        # a frame beside the main one shows the visitor an error: that is the finding
        loads = judge_loads(HomepageFetch(home.registered_url, broken.result, lead=broken.lead))
        loads = _blocked_note(loads, blocked)
        loads.details["view"] = seen.view
    if seen.view == "rendered":
        extra["rendered"] = True
    if loads.status == "fail":
        failed = _not_checked(alliance, final_url, loads, extra, r, seen.png, seen.boxes)
        failed.unshown = unshown
        return failed
    if seen.unjudgeable:
        # no rendering and no static page a visitor would recognise: not a finding
        unseen = Check("warn", Code.NOT_CHECKED, _NOT_RENDERED, seen.note.joined())
        result = _unjudged(alliance, final_url, loads, unseen, extra)
        return SiteOutcome(
            result, None, r.body, final_url, r.content_type, seen.png, unshown=unshown
        )

    pages = [homepage]
    news_page: Page | None = None
    links = read.links
    if seen.view == "rendered" or links is None:
        links = ctx.judge(links_of, homepage)
    news_url, feed_urls = links
    feed_urls = feed_urls[: ctx.max_feeds]
    if news_url and same_site(news_url, final_url):
        got = ctx.fetcher.fetch(news_url, max_bytes=S.MAX_SUBPAGE_BYTES)
        if got.error is not None and got.error.kind == "stopped":
            raise Stopped
        news_page = ctx.judge(page_from, got, "news")
        news_got = got
        extra["news_url"] = news_url
        if news_page is None:
            extra["news_error"] = got.error.message if got.error else "not an HTML page"
        else:
            pages.append(news_page)
    feeds: list[str] = []
    for feed_url in feed_urls:
        got = ctx.fetcher.fetch(feed_url, max_bytes=S.MAX_SUBPAGE_BYTES)
        if got.error is not None and got.error.kind == "stopped":
            raise Stopped
        feed_page = ctx.judge(page_from, got, "feed")
        if feed_page is not None:
            pages.append(feed_page)
            feeds.append(feed_url)
    if feeds:
        extra["feeds"] = feeds
    pages += frames

    credit, (updates, fingerprint) = ctx.judge(
        _judge_content, homepage, news_page, pages, ctx.today, previous_fingerprint
    )
    if (
        news_page is not None
        and seen.view == "rendered"
        and worst(credit.status, updates.status) != "pass"
    ):
        # Only where the rendered news page could change a verdict (docs/PERFORMANCE.md): it
        # can only add what its scripts draw, and both checks already pass without it.
        rendered_news = _render_news(ctx, news_page, news_got, extra)
        if rendered_news is not news_page:
            pages[pages.index(news_page)] = news_page = rendered_news
            credit, (updates, fingerprint) = ctx.judge(
                _judge_content, homepage, news_page, pages, ctx.today, previous_fingerprint
            )
    if _stamped_today(updates, homepage, ctx.today) and _stamp_moved(ctx, final_url, read.html):
        # the "last updated" line of today changed its time between two fetches: a live value
        updates, fingerprint = ctx.judge(
            judge_updates,
            pages,
            today=ctx.today,
            previous_fingerprint=previous_fingerprint,
            stamped_on_request=True,
        )
    found_elsewhere = credit.code is Code.CREDIT_OTHER_PAGE or "elsewhere" in credit.details
    if credit.status != "pass" and not found_elsewhere:
        credit = _credit_with_about_page(ctx, homepage, news_page, news_url, credit, extra)
    # the page's own files the monitor could not decode: their absence is no finding
    loads, credit, updates = without_unread_parts(loads, credit, updates, seen.unreadable)
    stored_fingerprint: str | None = fingerprint
    if seen.browser_failed:
        # our browser failed, not the site: a FAIL read off the static HTML is no finding
        credit = _unseen_if_failed(credit, seen.note)
        checked = _unseen_if_failed(updates, seen.note, {"latest_date": None, "source": None})
        if checked is not updates:  # the static page's text is not the month's to compare
            updates, stored_fingerprint = checked, None
    credit.details["view"] = seen.view
    updates.details["view"] = seen.view
    result = SiteResult(
        slug=alliance.slug,
        url=alliance.website,
        final_url=final_url,
        loads=loads,
        credit=credit,
        updates=updates,
        name=alliance.name,
        extra=extra,
    )
    return SiteOutcome(
        result,
        stored_fingerprint,
        r.body,
        final_url,
        r.content_type,
        seen.png,
        seen.boxes,
        unshown=unshown,
    )


def _unseen_if_failed(check: Check, note: Bilingual, details: Details | None = None) -> Check:
    """``check`` when it does not fail; else a "not checked" warning saying our browser failed
    (``note``: how; the static verdict kept in the evidence). A page judged on its static HTML
    because the monitor's own browser failed says nothing about what a visitor sees: a FAIL
    there must not reach an alliance as a finding, while a pass on the static page stands
    (what the static page shows, a visitor sees too)."""
    if check.status != "fail":
        return check
    evidence = f"{note.joined()}; static HTML: {check.message.joined()}"
    return Check("warn", Code.NOT_CHECKED, _BROWSER_FAILED, evidence, details or Details())


def _unjudged(
    alliance: Alliance,
    final_url: str | None,
    loads: Check,
    unseen: Check,
    extra: dict[str, Any],
) -> SiteResult:
    """A result whose credit and updates are ``unseen`` (not checked): no finding to send."""
    return SiteResult(
        slug=alliance.slug,
        url=alliance.website,
        final_url=final_url,
        loads=loads,
        credit=unseen,
        updates=replace(unseen, details={"latest_date": None, "source": None}),
        name=alliance.name,
        extra=extra,
    )


def _not_checked(
    alliance: Alliance,
    final_url: str | None,
    loads: Check,
    extra: dict[str, Any],
    r: FetchResult,
    png: bytes | None,
    boxes: tuple[Box, ...] = (),
) -> SiteOutcome:
    """The homepage did not load: credit and updates are "not checked", never a finding (a
    warning when ``loads`` only warns: a page a visitor sees that the monitor cannot decode)."""
    why = _NOT_CHECKED if loads.status == "fail" else _UNREADABLE
    not_checked = Check(loads.status, Code.NOT_CHECKED, why, loads.reason)
    result = _unjudged(alliance, final_url, loads, not_checked, extra)
    page_url = final_url or r.final_url or r.url
    return SiteOutcome(result, None, r.body or None, page_url, r.content_type, png, boxes)


def _stamped_today(updates: Check, homepage: Page, today: date) -> bool:
    """Whether the latest update is the homepage's own "last updated" line, dated today."""
    details = updates.details
    return (
        details.get("latest_date") == today.isoformat()
        and str(details.get("found_in", "")).startswith("“")
        and details.get("source") == homepage.url
    )


def _stamp_moved(ctx: CrawlContext, url: str, html: str) -> bool:
    """Fetch the homepage once more, a second later, and compare its "last updated" lines of
    today (RULES.md: a date that moves with the clock is a live value). Only for a site whose
    latest update is such a line: one more request, and at most :data:`_STAMP_WAIT` seconds."""
    first = ctx.judge(stamps_of_today, Page(url, html), today=ctx.today)
    if not first:
        return False
    time.sleep(_STAMP_WAIT)  # a stamp with seconds moves by then
    again = ctx.fetcher.fetch(url, max_bytes=S.MAX_SUBPAGE_BYTES)
    if again.error is not None and again.error.kind == "stopped":
        raise Stopped
    page = ctx.judge(page_from, again, "homepage")
    if page is None:
        return False
    second = ctx.judge(stamps_of_today, page, today=ctx.today)
    return bool(second) and second != first


def _firewall_page(page_check: Check | None) -> bool:
    return page_check is not None and page_check.code is Code.FIREWALL_REJECTED


def _ask_past_the_firewall(ctx: CrawlContext, home: HomepageFetch) -> bool:
    """Ask again like a browser when a firewall answered 200 with its block page.

    Many firewalls (F5 ASM's "Request Rejected") answer 200, not 403: treated like the 403 of
    :func:`monitor.homepage.ask_like_a_browser`. True when the browser-like request got a page
    that is not the block page (it becomes the homepage; the evidence says the site blocks
    automated checks); otherwise the block page stays and fails ``loads`` with its own code.
    """
    r = home.result
    again = ctx.fetcher.fetch(r.url, browser_like=True)
    if again.error is not None and again.error.kind == "stopped":
        raise Stopped
    unread = again.unreadable is not None  # a page it cannot decode is not the block page
    if not unread and (not again.ok or not is_html(again.content_type, again.body)):
        return False
    if _firewall_page(
        ctx.judge(classify_page, Page(again.final_url or again.url, _decoded(again)))
    ):
        return False
    again.retry_reasons = r.retry_reasons + again.retry_reasons
    home.result = again
    return True


def _decoded(r: FetchResult) -> str:
    return decode_html(r.body, r.content_type)[0]


def _blocked_note(loads: Check, blocked: bool) -> Check:
    if blocked:
        loads.details["automation_blocked"] = True
        loads.evidence = "; ".join(x for x in (_BLOCKS_CHECKS.joined(), loads.evidence) if x)
    return loads


def _credit_with_about_page(
    ctx: CrawlContext,
    homepage: Page,
    news_page: Page | None,
    news_url: str | None,
    credit: Check,
    extra: dict[str, Any],
) -> Check:
    """Look for the credit on the homepage's "about" page when the homepage lacks it.

    RULES.md: a credit only on another page than the homepage is a warn, not a fail. The news
    page is already looked at; this is one more request, only for sites without a credit.
    """
    about_url = ctx.judge(find_about_link, homepage)
    if not about_url or about_url == news_url or not same_site(about_url, homepage.url):
        return credit
    got = ctx.fetcher.fetch(about_url, max_bytes=S.MAX_SUBPAGE_BYTES)
    if got.error is not None and got.error.kind == "stopped":
        raise Stopped
    about = ctx.judge(page_from, got, "news")
    if about is None:
        return credit
    if extra.get("rendered"):
        about = _render_news(ctx, about, got, {})
    extra["about_url"] = about_url
    others = [p for p in (news_page, about) if p is not None]
    return ctx.judge(judge_credit, homepage, other_pages=others)


def _render_news(ctx: CrawlContext, news: Page, got: FetchResult, extra: dict[str, Any]) -> Page:
    """The news (or about) page as the browser shows it; the static page if it cannot be shown.

    A single-page app answers every path with the same empty shell, and CMS news lists are often
    loaded from JSON: their items exist only after the scripts ran. Asked only when the
    homepage was rendered and the static subpage leaves a check short of pass.
    """
    rendered = ctx.renderer.render(
        news.url, got.body, got.content_type, cookies=tuple(got.set_cookies)
    )
    if rendered.interrupted:
        raise Stopped
    if rendered.html is None:
        extra["news_render_note"] = rendered.note.joined()
        return news
    extra["news_rendered"] = True
    return Page(url=news.url, html=rendered.html, kind="news")

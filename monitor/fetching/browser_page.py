"""One page in the browser: a fresh context, every request through our fetcher, the DOM as shown.

:class:`monitor.fetching.render.Renderer` owns a crawl's pool of pages (in the browser of a
:class:`~monitor.fetching.browser_host.BrowserHost`); this module is what happens to one page
in it (see render.py's docstring for the safety and the "what the judges get" rules): the
route handler that hands the page's requests to our guarded fetcher (cookies and the browser's
own headers included) or refuses them (another host's, but for stylesheets; noting a script
that sends the page to another origin), caps the page's own at ``RENDER_MAX_REQUESTS`` (other
hosts' refused requests do not count), fails those whose answer the monitor cannot decode (a
coding it did not ask for, noted), and notes the stylesheets it could not get (the page's
classes then hide what those would); the waits and the reading of the DOM are in
:mod:`monitor.fetching.page_waits`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from monitor.fetching import limits as S
from monitor.fetching.codings import UnreadableBody, codings_of
from monitor.fetching.fetch import FetchResult
from monitor.fetching.page_boxes import Box, photograph
from monitor.fetching.page_requests import (
    blocking_scripts,
    fetched_from_elsewhere,
    is_picture,
    leaves_the_page,
    origin_of,
    styles,
)
from monitor.fetching.page_scripts import INIT_JS
from monitor.fetching.page_waits import (
    DomTooLarge,
    content_shown,
    settled_dom,
    show_root,
    timed_redirect,
)

log = logging.getLogger(__name__)

INTERRUPTED = Bilingual(
    "檢查已中止", "interrupted: the crawl was asked to stop during the rendering"
)

_RENDERED = Bilingual(
    "以無頭瀏覽器執行 JavaScript 後判斷", "judged on the page as rendered by headless Chromium"
)
_SHOWN = Bilingual(
    "網頁隱藏自己以等候其他主機的程式（已阻擋），依該程式執行後的樣子判斷",
    "the page hid itself until a script from another host (blocked) ran; judged as shown then",
)

#: Our guarded fetch of one of the page's requests (URL, the browser's headers).
Fetch = Callable[[str, dict[str, str]], Awaitable[FetchResult]]

#: Request headers of the browser not handed on to our fetcher (hop-by-hop, or set by it).
DROPPED_HEADERS = frozenset(
    {"host", "connection", "content-length", "accept-encoding", "keep-alive", "upgrade"}
)


@dataclass(frozen=True, slots=True)
class Rendered:
    """What the browser showed: the DOM as HTML, or None with a note saying why not.

    ``png`` is a picture of the top of the page when one was asked for (page_boxes.py); ``errors``
    are the uncaught script errors the page raised (a visitor sees the page without whatever
    those scripts would have drawn, and so is it judged). ``interrupted`` means the crawl's
    stop cut the rendering short: the answer is not evidence about the site and must not be
    stored as a result.
    """

    html: str | None
    #: How the page was shown (rendered, with what trouble) or why not; joined into the evidence.
    note: Bilingual
    png: bytes | None = None
    errors: tuple[str, ...] = ()
    interrupted: bool = False
    #: Where the browser ended up (a script redirect moves it), when it showed a page.
    final_url: str | None = None
    #: The browser gave up on time (both tries), as opposed to a crash or no browser at all.
    timed_out: bool = False
    #: The page was closed for its memory (issue 17.1), or crashed its renderer.
    out_of_memory: bool = False
    #: Our browser failed under the page: retired (wedged after a memory kill, or it timed out
    #: right after one), it died and could not be started again, or its thread stopped
    #: answering. Not evidence about the site: the page is tried once more while a browser can
    #: be had, and a verdict on its static HTML is not a finding (monitor/visit.py).
    browser_lost: bool = False
    #: A script sent the browser to another origin (refused here, as every request there):
    #: where it wanted to go. The caller follows it like an HTTP redirect, with our fetcher.
    left_for: str | None = None
    #: Each text-holding element's box on ``png`` (monitor/fetching/page_boxes.py).
    boxes: tuple[Box, ...] = ()
    #: The page's own requests answered in a coding the monitor cannot decode ("br"): they
    #: failed in the browser, so what they would have drawn is missing here.
    unreadable: tuple[UnreadableBody, ...] = ()


async def render_page(
    browser: Any,
    url: str,
    body: bytes,
    ctype: str,
    *,
    screenshot: bool,
    cookies: tuple[str, ...],
    timeout: float,
    max_requests: int,
    fetch: Fetch,
) -> Rendered:
    """Show ``body`` as ``url`` in a fresh browser context; the page's own requests go to
    ``fetch`` (our guarded fetcher) or are refused. Raises on a browser error or timeout."""
    width, height = S.SCREENSHOT_VIEWPORT
    context = await browser.new_context(
        java_script_enabled=True,
        service_workers="block",
        user_agent=S.BROWSER_USER_AGENT,
        locale="zh-TW",
        extra_http_headers={"Accept-Language": S.BROWSER_HEADERS["Accept-Language"]},
        viewport={"width": width, "height": height},
    )
    origin = origin_of(url)
    #: the other hosts' scripts the document waits for (jQuery from a CDN): fetched too
    blocking = set(blocking_scripts(body, url))
    # "fetched": the page's own requests (the document included), which max_requests bounds;
    # "pictures": its images, fonts and media, bounded apart (a wall of 80 photos must not
    # starve the script that draws the news); "refused": other hosts' (never fetched, so they
    # use up neither)
    counts = {
        "requests": 0,
        "fetched": 0,
        "pictures": 0,
        "refused": 0,
        "over_cap": 0,
        "stopped": 0,
    }
    #: the page's requests whose answers the monitor could not decode (not loaded)
    unreadable: list[UnreadableBody] = []
    left: dict[str, str] = {}
    #: stylesheets the monitor could not get (not the site's own 404): (address, why)
    missed_styles: list[tuple[str, str]] = []
    errors: list[str] = []
    first_headers = {"content-type": ctype}
    if cookies:
        first_headers["set-cookie"] = "\n".join(cookies)

    loop = asyncio.get_running_loop()
    activity: dict[str, float] = {"inflight": 0, "last": loop.time()}

    async def handle(route: Any) -> None:
        activity["inflight"] += 1
        activity["last"] = loop.time()
        try:
            request = route.request
            req_url = request.url
            if req_url.split("#", 1)[0] == url.split("#", 1)[0] and counts["requests"] == 0:
                counts["requests"] += 1
                counts["fetched"] += 1
                await route.fulfill(status=200, headers=first_headers, body=body)
                return
            counts["requests"] += 1
            style = styles(request)
            elsewhere = origin_of(req_url) != origin
            if elsewhere and not fetched_from_elsewhere(request, req_url, frozenset(blocking)):
                counts["refused"] += 1
                if leaves_the_page(request, req_url):
                    left["url"] = req_url
                await route.abort("blockedbyclient")
                return
            kind = "pictures" if is_picture(request) else "fetched"
            counts[kind] += 1
            if counts[kind] > max_requests:
                counts["over_cap"] += 1
                if style:
                    missed_styles.append((req_url, f"past the cap of {max_requests} requests"))
                await route.abort("blockedbyclient")
                return
            sent = {
                k: v
                for k, v in (await request.all_headers()).items()
                if k.lower() not in DROPPED_HEADERS and not k.startswith(":")
            }
            got = await fetch(req_url, sent)
            if got.error is not None and got.error.kind == "stopped":
                counts["stopped"] += 1
                await route.abort("failed")
                return
            if got.unreadable is not None:
                # compressed with a coding nothing here decodes: never garbage to the browser
                unreadable.append(got.unreadable)
            if style and (got.status is None or got.truncated or got.unreadable is not None):
                # a visitor's browser would have had it (an answer of the site's own, a 404
                # too, is what the visitor gets as well: that is not missed)
                why = got.error.message if got.error is not None else "cut at the size cap"
                missed_styles.append((req_url, why))
            if got.status is None or (got.error is not None and got.error.kind != "http-status"):
                await route.abort("failed")
                return
            if not elsewhere and leaves_the_page(request, req_url) and got.body:
                # a script moved the page on its own site: that document's scripts count
                blocking.update(blocking_scripts(got.body, req_url))
            headers = {"content-type": got.content_type or "application/octet-stream"}
            if got.set_cookies:
                headers["set-cookie"] = "\n".join(got.set_cookies)
            await route.fulfill(status=got.status, headers=headers, body=got.body)
        except Exception as exc:  # the page was closed (timeout, stop) under this request
            log.debug("route %s: %s", route.request.url, exc)
        finally:
            activity["inflight"] -= 1
            activity["last"] = loop.time()

    async def settle(limit: float) -> None:
        """Until the page's requests have been quiet for RENDER_QUIET_SECONDS (its scripts'
        data calls are done), at most ``limit`` s: Playwright's "networkidle" waits a fixed
        0.5 s, and every request here goes through ``handle``, which sees them all."""
        end = loop.time() + limit
        while loop.time() < end and not activity.get("crashed"):
            quiet = loop.time() - activity["last"]
            if activity["inflight"] == 0 and quiet >= S.RENDER_QUIET_SECONDS:
                return
            await asyncio.sleep(0.05)

    try:
        await context.add_init_script(INIT_JS)
        await context.route("**/*", handle)
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        # a renderer killed for its memory (monitor/fetching/memory_watch.py) ends the wait
        page.on("crash", lambda _page: activity.update(crashed=True))
        await page.goto(url, wait_until="load", timeout=timeout * 1000)
        # Pages that poll for ever never go quiet; their DOM is there by now anyway.
        await settle(min(5.0, timeout))
        if await timed_redirect(page, loop):
            await settle(min(5.0, timeout))
        # a page whose script never yields answers no evaluate: bounded like the load
        shown = await asyncio.wait_for(show_root(page, bool(counts["refused"])), timeout * 1.5)
        await asyncio.wait_for(content_shown(page, settle), timeout * 1.5)
        try:
            html = await asyncio.wait_for(
                settled_dom(page, timeout, styles_complete=lambda: not missed_styles),
                timeout * 1.5,
            )
        except DomTooLarge as exc:
            return Rendered(None, exc.note, out_of_memory=True)
        png: bytes | None = None
        boxes: tuple[Box, ...] = ()
        if screenshot:  # the judged DOM is still good without a picture
            picture = await photograph(page, timeout=timeout)
            if picture is not None:
                png, boxes = picture.png, picture.boxes
        final_url = page.url
        if left and not final_url.startswith(("http://", "https://")):
            # the main frame was sent to another origin, refused: say where, not the error page
            return Rendered(None, left_site(left["url"]), left_for=left["url"])
    except Exception as exc:
        if activity.get("crashed") or "crash" in str(exc).lower():
            # this page's own renderer died (the memory watch killed it, or V8's heap limit):
            # said apart from the failures of pages that were open beside it
            raise PageCrashed(first_line(exc)) from exc
        raise
    finally:
        with contextlib.suppress(Exception):
            # closing a page busy in a loop may wait on its renderer: bounded (the browser
            # closes what is left with itself)
            await asyncio.wait_for(context.close(), 10)
    if counts["stopped"]:
        # Some of the page's own requests were refused because of the stop: what it drew
        # without them is not what a visitor sees.
        return Rendered(None, INTERRUPTED, interrupted=True)
    note = _RENDERED.plus(_SHOWN) if shown else _RENDERED
    if counts["refused"]:
        n = counts["refused"]
        note = Bilingual(
            f"{note.zh}（已阻擋 {n} 個連往其他主機的請求）",
            f"{note.en} ({n} requests to other hosts blocked)",
        )
    if missed_styles:
        note = note.plus(styles_missed(missed_styles))
    if counts["over_cap"]:
        n = counts["over_cap"]
        note = note.plus(
            Bilingual(
                f"另有 {n} 個本站請求超過每頁 {max_requests} 個的上限，未載入",
                f"{n} of the page's own requests past the cap of {max_requests} not loaded",
            )
        )
    if unreadable:
        n, named = len(unreadable), ", ".join(codings_of(unreadable))
        note = note.plus(
            Bilingual(
                f"{n} 個請求以檢查程式無法解讀的壓縮格式（{named}）傳送，未載入",
                f"{n} request(s) compressed as {named}, which the monitor cannot decode,"
                " not loaded",
            )
        )
    if errors:
        # the error itself once, in the English part (it is the page's own text)
        note = note.plus(
            Bilingual(
                f"網頁程式發生 {len(errors)} 個錯誤",
                f"{len(errors)} script error(s) on the page, first: {errors[0]}",
            )
        )
    return Rendered(
        html,
        note,
        png,
        tuple(errors),
        final_url=final_url,
        boxes=boxes,
        unreadable=tuple(unreadable),
    )


def styles_missed(missed: list[tuple[str, str]]) -> Bilingual:
    """The note for stylesheets the monitor could not get (a CDN whose name did not resolve, a
    file past the size cap): what they hide was read from the page's classes instead."""
    address, why = missed[0]
    if len(address) > 100:  # a Google Fonts address runs to 400 characters
        address = address[:97] + "..."
    n = len(missed)
    return Bilingual(
        # the reason is the fetcher's English words: in the English part only
        f"{n} 個樣式表無法取得（{address}），其隱藏的內容改依網頁的 class 判斷",
        f"{n} stylesheet(s) could not be fetched (first: {address}: {why}); what they hide was"
        " read from the page's classes (d-none, hidden)",
    )


def left_site(address: str) -> Bilingual:
    """The note for a page whose script sent the browser to another origin (``address``): another
    host, or the same one over the other scheme (a script that moves visitors to https)."""
    return Bilingual(f"網頁程式將瀏覽器轉往 {address}", f"a script sent the browser to {address}")


class PageCrashed(Exception):
    """The page's own renderer process died under it (Playwright's ``crash`` event, or an error
    that says so). Only this page's: another page open at the same moment that fails for
    another reason (its own time-out) is not the one the memory watch killed."""


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__

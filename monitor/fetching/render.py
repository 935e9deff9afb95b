"""Render a page in headless Chromium (RULES.md: judge what a visitor sees).

Every homepage is rendered when Chromium is available (:mod:`monitor.visit`), and a news or about
page where it could change a verdict. The browser lives in a
:class:`~monitor.fetching.browser_host.BrowserHost`: the monthly crawl's Renderer makes its own and
closes it with the crawl (the browser starts lazily, once per crawl, the first time a page is
rendered; a month's crawl is alone in its process, so there is nothing to share and nothing
carries over from one month to the next); tests lend one host to every crawl of a module
(``Renderer(fetcher, host=host)``), and such a Renderer closes only its own pages.

Safety: Chromium never touches the network itself. Every request the page makes is intercepted
(``context.route``) and either refused (another host's but for stylesheets and the scripts the
document waits for, see :mod:`monitor.fetching.page_requests`; too many requests) or fetched by *our* :class:`~monitor.fetching.fetch.Fetcher` and fulfilled from its answer,
so the SSRF guard, the TLS rules, the size caps and the per-host limit apply to the browser
exactly as to the crawl, and DNS is resolved only by the guard. What ``route`` cannot see (WebSockets, WebRTC, preconnect,
DNS prefetch) has nowhere to go: the host starts the browser resolving no name and with a proxy
that refuses every connection inside this machine (issue 11, item 3; tests/test_hostile_crawl.py
counts accepts). Each page has its own browser context whose route handler is bound to the
fetcher of the Renderer that asked for it, so two crawls sharing a host never share a request.

What the judges get (RULES.md: judge what a visitor sees): the DOM after the page's own scripts
ran (footers included by script, news lists loaded from JSON, a script redirect followed, a
timed one waited for, the page scrolled so scroll-reveal boxes show, a page that hides itself
until a script from another host runs shown as that script would), with
every element the browser computes as not displayed (``display:none``, ``visibility:hidden``,
Bootstrap's ``.d-none`` from a stylesheet) marked ``data-monitor-hidden``; the page reader
treats marked text as hidden and keeps its links (and, when the monitor could not get one of
the page's stylesheets, also hides what the page's framework classes would).

Memory: one page may not take the crawl's memory (issue 17.1): V8's heap is capped by a
Chromium flag, :class:`~monitor.fetching.memory_watch.MemoryWatch` kills the largest renderer
when the pages together pass ``memory_limit``, and a DOM past the size caps is not read back;
such a page comes back without HTML and a note saying why (``out_of_memory``). Only the page
whose own renderer died (:class:`~monitor.fetching.browser_page.PageCrashed`) is so called: a
page open beside it that fails for another reason is an ordinary failed try. Each Renderer
runs its own watch on the host's browser (restarted when the browser is), with its own limit.

After a memory kill the browser may be wedged (memory_watch.py says how): when the watch finds
it so, or a page times out right after a kill in its browser, the page retires that browser
(:meth:`BrowserHost.retire` kills it; the next page starts a new one) and comes back
``browser_lost``.

A failed rendering is not a verdict: a timed-out page is tried once more, and so is a page whose
browser was retired under it (in the new browser); at most two tries in all. The caller judges
the static page when the browser cannot show it (``Rendered.html`` is None, ``note`` says why),
and ``browser_lost`` tells it when that was our browser's failure rather than the page's.

A browser that died is started again for the next page. A first launch that fails ends the
rendering for the crawl (no Chromium: nothing will change); a relaunch that fails fails only
its page, and the crawl gives up only after ``RENDER_RELAUNCH_TRIES`` in a row
(:meth:`Renderer._get_browser`). No crawl worker waits for ever: launches are bounded on the
loop, and the worker gives up on a loop that stops answering or a try that overruns all its
budgets (:meth:`Renderer._wait_for`).

Concurrency (issue 6: "one browser, a small pool of pages, a per-page timeout")::

    crawl worker ── render() ──run_coroutine_threadsafe──> host thread: asyncio loop
         (blocks on a concurrent Future)                     │ Playwright async API
                                                             │ one Chromium (BrowserHost);
                                                             │ per Renderer up to pool_size
                                                             │ pages at once (a semaphore),
                                                             │ each in its own browser context
                                                             └ route handler ──run_in_executor──>
                                                                 fetch pool (pool_size threads,
                                                                 our blocking Fetcher)

Playwright's objects belong to the loop that made them, so one dedicated thread (the host's)
owns the loop, the driver and the browser; crawl workers stay plain blocking threads. The
Fetcher is blocking (requests), so route handlers run it on a small bounded thread pool per
Renderer: a page waiting for a slow script never stalls another page's requests, and the
number of threads stays fixed.

Stopping: a rendering cut short by the crawl's stop event (the page was cancelled, one of its
requests was refused because of the stop, or the browser died while the stop arrived — SIGTERM
often reaches Chromium too) comes back with ``interrupted=True``. Its DOM says nothing about
the site, so :mod:`monitor.crawl` does not store a result for it and ``--resume`` redoes it.

Why this module is long: the :class:`Renderer` owns a pool of pages on a loop that is not its
caller's; starting, stopping and closing them share invariants (which thread may touch what,
when a failure is the stop's, the memory watch's or the site's) that are clearer in one class.
What happens to one page is in :mod:`monitor.fetching.browser_page`, the browser itself in
:mod:`monitor.fetching.browser_host`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from monitor.fetching import limits as S
from monitor.fetching.browser_host import BrowserHost, connected, find_chromium
from monitor.fetching.browser_page import (
    INTERRUPTED,
    PageCrashed,
    Rendered,
    first_line,
    render_page,
)
from monitor.fetching.fetch import Fetcher
from monitor.fetching.memory_watch import MemoryWatch
from monitor.fetching.page_scripts import HIDDEN_ATTRIBUTE

__all__ = ["HIDDEN_ATTRIBUTE", "BrowserHost", "Rendered", "Renderer", "find_chromium"]

log = logging.getLogger(__name__)

_CRASHED = Bilingual(
    "網頁使瀏覽器分頁當掉（多半是記憶體用盡）",
    "the page crashed its browser tab (most often: it ran out of memory)",
)
_UNAVAILABLE = Bilingual(
    "未安裝瀏覽器", "renderer unavailable (no browser installed: apt install chromium)"
)
_TIMED_OUT = Bilingual("瀏覽器逾時", "the browser timed out")
_CLOSED = Bilingual("瀏覽器已關閉", "the renderer was closed")
_WEDGED = Bilingual(
    "瀏覽器在關閉耗用過多記憶體的網頁後停止回應，已換用新的瀏覽器",
    "the browser stopped responding after a page was closed for its memory; a new one was started",
)
_LOST_TWICE = Bilingual(
    "瀏覽器兩次停止回應（網頁耗用過多記憶體後），無法顯示此頁",
    "the browser stopped responding twice (after pages closed for their memory)",
)


def _hung(seconds: float) -> Bilingual:
    return Bilingual(
        f"瀏覽器的執行緒 {seconds:.0f} 秒無回應，本次檢查其餘網頁不再以瀏覽器顯示",
        f"renderer unavailable for the rest of this crawl: its thread did not answer for"
        f" {seconds:.0f} s",
    )


def _overdue(seconds: float) -> Bilingual:
    return Bilingual(
        f"瀏覽器 {seconds:.0f} 秒內未完成此頁",
        f"the browser did not finish the page in {seconds:.0f} s",
    )


def _two_tries(first: Bilingual, again: Bilingual) -> Bilingual:
    """What happened to a page tried twice, each try as it was (a time-out, then a lost
    browser, is not "stopped responding twice")."""
    if first == again == _WEDGED:
        return _LOST_TWICE
    return Bilingual(
        f"第一次：{first.zh}；第二次：{again.zh}", f"first try: {first.en}; second try: {again.en}"
    )


def _relaunch_failed(exc: BaseException, n: int) -> Bilingual:
    return Bilingual(
        f"瀏覽器結束後無法重新啟動（連續第 {n} 次：{first_line(exc)}）",
        f"the browser could not be started again ({n} in a row: {first_line(exc)})",
    )


def _gave_up(exc: BaseException, n: int) -> Bilingual:
    return Bilingual(
        f"瀏覽器連續 {n} 次無法重新啟動，本次檢查其餘網頁不再以瀏覽器顯示（{first_line(exc)}）",
        f"renderer unavailable for the rest of this crawl: the browser could not be started again"
        f" {n} times in a row ({first_line(exc)})",
    )


def _timed_out_twice(budget: float) -> Bilingual:
    return Bilingual(
        f"瀏覽器逾時（2 次，各 {budget:.0f} 秒）", f"the browser timed out (twice, {budget:.0f} s)"
    )


def _out_of_memory(limit: int) -> Bilingual:
    return Bilingual(
        f"網頁在瀏覽器中用掉過多記憶體（超過 {limit >> 20} MiB），已關閉該頁",
        f"the page used too much memory in the browser (over {limit >> 20} MiB) and was closed",
    )


def _failed(exc: BaseException) -> Bilingual:
    return Bilingual(f"瀏覽器無法顯示：{first_line(exc)}", f"rendering failed: {first_line(exc)}")


def _cannot_start(exc: BaseException) -> Bilingual:
    return Bilingual(
        f"瀏覽器無法啟動（{exc}）", f"renderer unavailable (the browser could not start: {exc})"
    )


_NO_PLAYWRIGHT = Bilingual(
    "Playwright 未安裝", "renderer unavailable (Playwright is not installed)"
)


def _interrupted() -> Rendered:
    return Rendered(None, INTERRUPTED, interrupted=True)


class _Unavailable(Exception):
    """No browser for this page: none can be used in this crawl (Playwright missing, Chromium
    would not start), or (``lost``) the crawl's browser died and could not be started again."""

    def __init__(self, note: Bilingual, *, lost: bool = False) -> None:
        self.note = note
        self.lost = lost
        super().__init__(note.en)


class Renderer:
    """Renders one crawl's pages in headless Chromium, up to ``pool_size`` pages at a time.

    ``render(url, body, content_type)`` serves the already-fetched document body to the
    browser (no second fetch), lets the page's own scripts run with same-origin requests
    fetched through ``fetcher``, and returns the resulting DOM. It blocks the calling thread
    (a crawl worker) until its page is done; callers beyond ``pool_size`` wait for a page.

    The browser is ``host``'s when one is lent (it stays open when this Renderer closes), else
    a private :class:`BrowserHost` of ``executable`` that :meth:`close` ends with the crawl.
    ``executable=""`` means "do not render" either way.

    Example::

        renderer = Renderer(fetcher, pool_size=2, stop_event=stop)
        try:
            shown = renderer.render(url, body, "text/html")
        finally:
            renderer.close()
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        executable: str | None = None,
        host: BrowserHost | None = None,
        timeout: float = S.RENDER_TIMEOUT,
        max_requests: int = S.RENDER_MAX_REQUESTS,
        pool_size: int = S.RENDER_POOL_SIZE,
        stop_event: threading.Event | None = None,
        memory_limit: int = S.RENDER_MEMORY_LIMIT,
    ) -> None:
        if pool_size < 1:
            raise ValueError(f"Renderer pool_size must be at least 1 page, got {pool_size}")
        if host is not None and executable and executable != host.executable:
            raise ValueError(
                f"Renderer: executable {executable!r} differs from the lent host's"
                f" {host.executable!r}; give the browser to the BrowserHost"
            )
        self.fetcher = fetcher
        #: Whether :meth:`close` ends the host too (it was made here, not lent).
        self._owns_host = host is None
        # "" means "no browser" (a crawl told not to render), None "find Debian's Chromium"
        self._host = host if host is not None else BrowserHost(executable or None)
        self.executable = None if executable == "" else self._host.executable
        self.timeout = timeout
        self.max_requests = max_requests
        self.pool_size = pool_size
        #: Bytes the browser's pages may hold together (monitor/fetching/memory_watch.py).
        self.memory_limit = memory_limit
        #: Watches the browser's renderers for this crawl (None: no page rendered yet).
        self.memory_watch: MemoryWatch | None = None
        self._stop = stop_event or threading.Event()
        #: Why no browser can be used after all (set once: from the host's thread, or by a
        #: crawl worker that found the host's loop no longer answering).
        self._unavailable: Bilingual | None = None
        #: ``_unavailable`` came after the browser had run in this crawl (it could not be
        #: started again, or its thread hung): our failure, not a fact about the sites.
        self._lost_for_good = False
        #: A browser was had in this crawl: a launch failing after that fails only its page.
        self._had_browser = False
        #: Failed relaunches in a row (reset by a launch that works).
        self._relaunch_failures = 0
        #: Set by :meth:`close`: no memory watch may start after it (a page it could not end).
        self._closed = False
        #: The most pages that were open at the same moment (for tests and the benchmark).
        self.peak_pages = 0
        self._start_lock = threading.Lock()
        #: The host's loop while this Renderer uses it (None: not started, or closed).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._fetch_pool: ThreadPoolExecutor | None = None
        # Used only from the host's loop.
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[Rendered]] = set()
        self._open_pages = 0

    @property
    def available(self) -> bool:
        return self.executable is not None and self._unavailable is None

    @property
    def page_budget(self) -> float:
        """Hard ceiling on one page in seconds: navigation, network idle and screenshot each
        have their own Playwright timeout; this one also catches a hang inside Playwright."""
        return self.timeout * 2 + 10

    # any thread --------------------------------------------------------------------------------

    def render(
        self,
        url: str,
        body: bytes,
        content_type: str | None,
        *,
        screenshot: bool = False,
        cookies: tuple[str, ...] = (),
    ) -> Rendered:
        """Show ``body`` (already fetched from ``url``) in the browser; with ``screenshot``, also
        take a PNG of the viewport (what a visitor sees above the fold). ``cookies`` are the
        ``Set-Cookie`` values that came with ``body``: the browser keeps them, as a visitor's
        would, and sends them with the page's own requests. A rendering that timed out is
        tried once more (a cold browser on busy cores), and so is one whose browser was
        retired under it (wedged after a memory kill: the second try is in a new browser);
        then given up. At most two tries in all."""
        first = self._render_once(url, body, content_type, screenshot, cookies)
        if first.interrupted or not (first.timed_out or first.browser_lost):
            return first
        if self._unavailable is not None:  # no browser for the rest of the crawl
            return first
        log.info("rendering %s: %s; trying once more", url, first.note.en)
        again = self._render_once(url, body, content_type, screenshot, cookies)
        if again.interrupted:
            return again
        if again.timed_out and first.timed_out and not (first.browser_lost or again.browser_lost):
            return replace(again, note=_timed_out_twice(self.page_budget))
        if again.browser_lost:
            return replace(again, note=_two_tries(first.note, again.note))
        return again

    def _render_once(
        self,
        url: str,
        body: bytes,
        content_type: str | None,
        screenshot: bool,
        cookies: tuple[str, ...],
    ) -> Rendered:
        if self.executable is None:
            return Rendered(None, _UNAVAILABLE)
        if self._unavailable is not None:
            return Rendered(None, self._unavailable, browser_lost=self._lost_for_good)
        if self._stop.is_set():
            return _interrupted()
        loop, thread = self._ensure_loop()
        in_slot = threading.Event()
        fut = asyncio.run_coroutine_threadsafe(
            self._job(url, body, content_type or "text/html", screenshot, cookies, in_slot), loop
        )
        return self._wait_for(fut, loop, thread, in_slot, url)

    @property
    def job_budget(self) -> float:
        """Ceiling on one try once it holds a page slot: a launch (or a failed relaunch and its
        back-off), the page, and closing or retiring what it used. Every step has its own
        bound on the loop; this one is the crawl worker's, for a loop that stopped keeping
        them."""
        return (
            S.BROWSER_LAUNCH_SECONDS
            + S.RENDER_RELAUNCH_BACKOFF * S.RENDER_RELAUNCH_TRIES
            + self.page_budget
            + 4 * S.BROWSER_CLOSE_SECONDS
        )

    def _wait_for(
        self,
        fut: concurrent.futures.Future[Rendered],
        loop: asyncio.AbstractEventLoop,
        thread: threading.Thread,
        in_slot: threading.Event,
        url: str,
    ) -> Rendered:
        """Wait for one try, never for ever: in slices, while the host's thread lives and its
        loop answers a ping within ``RENDER_LOOP_SILENCE`` s (waiting for a page slot lasts as
        long as the pages before it, each bounded), and at most :attr:`job_budget` s once the
        try holds a slot. ``concurrent.futures.wait`` rather than ``fut.result(timeout)``:
        since Python 3.11 a TimeoutError raised by the job itself would look like "not yet"
        and be waited for again, for ever."""
        ping: threading.Event | None = None
        ping_sent = 0.0
        deadline: float | None = None
        while True:
            done, _ = concurrent.futures.wait([fut], timeout=1.0)
            if done:
                try:
                    return fut.result()
                except concurrent.futures.CancelledError:  # close() while this page waited
                    return Rendered(None, _CLOSED, interrupted=self._stop.is_set())
                except Exception as exc:  # a bug in a try must not stop the crawl
                    log.warning("rendering %s failed: %s", url, exc)
                    return Rendered(None, _failed(exc), interrupted=self._stop.is_set())
            now = time.monotonic()
            if not thread.is_alive():
                fut.cancel()
                return Rendered(None, _CLOSED, interrupted=self._stop.is_set())
            if ping is None or ping.is_set():
                ping, ping_sent = threading.Event(), now
                try:
                    loop.call_soon_threadsafe(ping.set)
                except RuntimeError:  # the loop was closed under us
                    fut.cancel()
                    return Rendered(None, _CLOSED, interrupted=self._stop.is_set())
            elif now - ping_sent > S.RENDER_LOOP_SILENCE:
                fut.cancel()
                note = _hung(S.RENDER_LOOP_SILENCE)
                if self._unavailable is None:
                    log.error("rendering %s: %s", url, note.en)
                    self._unavailable, self._lost_for_good = note, True
                return Rendered(None, note, browser_lost=True)
            if deadline is None and in_slot.is_set():
                deadline = now + self.job_budget
            if deadline is not None and now > deadline:
                fut.cancel()
                log.error("rendering %s: not done in %.0f s; given up", url, self.job_budget)
                return Rendered(None, _overdue(self.job_budget), browser_lost=True)

    def close(self) -> None:
        """Close this crawl's pages, its memory watch and its fetch threads; and the browser,
        the driver and the host's thread when the host is this Renderer's own."""
        with self._start_lock:
            loop, thread, pool = self._loop, self._thread, self._fetch_pool
            self._loop = self._thread = self._fetch_pool = None
            # a page this close cannot end (a wedged driver) starts no watch after it
            self._closed = True
        if loop is not None and thread is not None and thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
            except Exception as exc:  # a wedged driver must not keep the crawl from ending
                log.warning("closing the browser's pages failed: %s", exc)
        with self._start_lock:
            watch, self.memory_watch = self.memory_watch, None
        if watch is not None:
            watch.stop()
        if self._owns_host:
            self._host.close()
        if pool is not None:
            # Bounded: a fetch still running ends by the Fetcher's own page deadline.
            pool.shutdown(wait=True, cancel_futures=True)

    def _ensure_loop(self) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        with self._start_lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                # first use, or the lent host was closed and is started again: a new loop
                self._loop, self._thread = self._host.loop()
                self._slots = asyncio.Semaphore(self.pool_size)
                self._closed = False
            if self._fetch_pool is None:
                self._fetch_pool = ThreadPoolExecutor(
                    self.pool_size, thread_name_prefix="render-fetch"
                )
            return self._loop, self._thread

    # the host's thread -------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        """Cancel this Renderer's pages (each closes its own browser context as it ends)."""
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _wait_for_stop(self) -> None:
        while not self._stop.is_set():
            await asyncio.sleep(0.1)

    async def _stop_within(self, seconds: float) -> bool:
        """Whether the stop arrives within ``seconds``: a signal sent to the process group
        (systemd's SIGTERM, Ctrl-C) kills Chromium at the same moment as it reaches us, and the
        dead browser may be noticed a little before the stop event is set."""
        end = asyncio.get_running_loop().time() + seconds
        while not self._stop.is_set() and asyncio.get_running_loop().time() < end:
            await asyncio.sleep(0.05)
        return self._stop.is_set()

    async def _job(
        self,
        url: str,
        body: bytes,
        ctype: str,
        screenshot: bool,
        cookies: tuple[str, ...],
        in_slot: threading.Event,
    ) -> Rendered:
        """One rendering, raced against the crawl's stop; ``in_slot`` is set once it holds a
        page slot (the waiting worker's deadline starts then)."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        work = asyncio.ensure_future(
            self._in_a_slot(url, body, ctype, screenshot, cookies, in_slot)
        )
        stopper = asyncio.ensure_future(self._wait_for_stop())
        try:
            await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if work.done():
                return work.result()
            return _interrupted()
        finally:
            for fut in (work, stopper):
                fut.cancel()
            await asyncio.gather(work, stopper, return_exceptions=True)
            self._tasks.discard(task)  # type: ignore[arg-type]

    async def _in_a_slot(
        self,
        url: str,
        body: bytes,
        ctype: str,
        screenshot: bool,
        cookies: tuple[str, ...],
        in_slot: threading.Event,
    ) -> Rendered:
        assert self._slots is not None
        async with self._slots:
            in_slot.set()
            if self._stop.is_set():
                return _interrupted()
            try:
                browser = await self._get_browser()
            except _Unavailable as exc:
                return Rendered(
                    None, exc.note, interrupted=self._stop.is_set(), browser_lost=exc.lost
                )
            self._open_pages += 1
            self.peak_pages = max(self.peak_pages, self._open_pages)
            watch = self.memory_watch
            kills_before = watch.kills if watch is not None else 0
            work = asyncio.ensure_future(
                asyncio.wait_for(
                    render_page(
                        browser,
                        url,
                        body,
                        ctype,
                        screenshot=screenshot,
                        cookies=cookies,
                        timeout=self.timeout,
                        max_requests=self.max_requests,
                        fetch=self._fetch_soon,
                    ),
                    self.page_budget,
                )
            )
            wedge = asyncio.ensure_future(self._wedged(watch))
            try:
                await asyncio.wait({work, wedge}, return_when=asyncio.FIRST_COMPLETED)
                if not work.done():
                    # the browser stopped reaping its renderers: nothing open in it will end
                    # but by its time-out; kill it, and this page is tried in a new browser
                    await self._host.retire(browser, "a renderer was not reaped")
                    await asyncio.gather(work, return_exceptions=True)
                    return Rendered(None, _WEDGED, browser_lost=True)
                return work.result()
            except TimeoutError:
                log.warning("rendering %s took longer than %.0f s", url, self.page_budget)
                if watch is not None and watch.kills > kills_before:
                    # timed out right after a memory kill in this browser: do not try again
                    # in the same one (it may be wedged in a way the watch cannot see)
                    await self._host.retire(browser, f"{url} timed out after a memory kill")
                    return Rendered(None, _TIMED_OUT, timed_out=True, browser_lost=True)
                return Rendered(None, _TIMED_OUT, interrupted=self._stop.is_set(), timed_out=True)
            except Exception as exc:  # a broken page must not stop the crawl
                if self._host.was_retired(browser) and not self._stop.is_set():
                    # retired under this page (by another page of this crawl, or another
                    # crawl sharing the host): not the site's doing
                    log.warning("rendering %s: its browser was retired", url)
                    return Rendered(None, _WEDGED, browser_lost=True)
                if isinstance(exc, PageCrashed) and connected(browser):
                    # this page's own renderer died, the browser lives: the page's doing.
                    # Only such a page is called out of memory; another page that failed
                    # while the watch killed a renderer is an ordinary failed try.
                    if watch is not None and watch.kills > kills_before:
                        log.warning("rendering %s stopped: too much memory", url)
                        return Rendered(None, _out_of_memory(self.memory_limit), out_of_memory=True)
                    # V8's heap limit (or another fault) killed only this page's renderer
                    log.warning("rendering %s crashed its renderer: %s", url, exc)
                    return Rendered(None, _CRASHED, out_of_memory=True)
                gone = not connected(browser)
                if self._stop.is_set() or (gone and await self._stop_within(S.RENDER_STOP_GRACE)):
                    return _interrupted()
                if type(exc).__name__ == "TimeoutError":  # Playwright's own navigation timeout
                    log.warning("rendering %s timed out: %s", url, exc)
                    return Rendered(None, _TIMED_OUT, timed_out=True)
                log.warning("rendering %s failed: %s", url, exc)
                return Rendered(None, _failed(exc))
            finally:
                for fut in (work, wedge):
                    fut.cancel()
                await asyncio.gather(work, wedge, return_exceptions=True)
                self._open_pages -= 1

    async def _wedged(self, watch: MemoryWatch | None) -> None:
        """Returns when ``watch`` finds its browser wedged (never, without a watch)."""
        while watch is None or not watch.wedged.is_set():
            await asyncio.sleep(0.1)

    async def _get_browser(self) -> Any:
        """The host's browser (launched on first use, and again if it died mid-crawl), with
        this crawl's memory watch on it; :class:`_Unavailable` when it cannot be had.

        A first launch that fails (no Chromium, a broken install) fails every page of the
        crawl at once: nothing will change within it. A relaunch that fails (the browser had
        run: a transient launch time-out on busy cores, memory pressure, an upgrade mid-crawl)
        fails only the page that asked, as a lost browser, after a short back-off, and the
        next page tries again; ``RENDER_RELAUNCH_TRIES`` failures in a row end the rendering
        for the crawl, said once in the log."""
        try:
            browser = await self._host.browser()
        except ImportError:
            self._unavailable = _NO_PLAYWRIGHT
            raise _Unavailable(self._unavailable) from None
        except Exception as exc:
            if self._stop.is_set():
                raise _Unavailable(INTERRUPTED) from exc
            if not self._had_browser:
                log.warning("cannot start Chromium (%s): %s", self.executable, exc)
                self._unavailable = _cannot_start(exc)
                raise _Unavailable(self._unavailable) from exc
            if self._unavailable is not None:  # given up meanwhile, by another page
                raise _Unavailable(self._unavailable, lost=True) from exc
            self._relaunch_failures += 1
            failures = self._relaunch_failures
            if failures >= S.RENDER_RELAUNCH_TRIES:
                self._unavailable, self._lost_for_good = _gave_up(exc, failures), True
                log.error(
                    "Chromium (%s) could not be started again %d times in a row (%s): the rest"
                    " of this crawl's pages are not rendered",
                    self.executable,
                    failures,
                    first_line(exc),
                )
                raise _Unavailable(self._unavailable, lost=True) from exc
            log.warning(
                "cannot start Chromium again (%d in a row): %s; the next page tries again",
                failures,
                first_line(exc),
            )
            if await self._stop_within(S.RENDER_RELAUNCH_BACKOFF * failures):
                raise _Unavailable(INTERRUPTED) from exc
            raise _Unavailable(_relaunch_failed(exc, failures), lost=True) from exc
        self._had_browser = True
        self._relaunch_failures = 0
        self._watch_memory()
        return browser

    def _watch_memory(self) -> None:
        """Run this crawl's memory watch on the host's current browser process (a browser
        started again has a new pid: the old watch stops, a new one starts)."""
        pid, start = self._host.browser_pid, self._host.browser_start
        with self._start_lock:  # against close(): no watch may start after it took its own
            watch = self.memory_watch
            if self.memory_limit <= 0 or (watch is not None and watch.browser_pid == pid):
                return
            self.memory_watch = None
            if pid is not None and not self._closed:
                self.memory_watch = MemoryWatch(
                    pid, self.memory_limit, S.RENDER_MEMORY_INTERVAL, browser_start=start
                ).start()
        if watch is not None:
            watch.stop()

    def _fetch_soon(
        self, url: str, headers: dict[str, str] | None = None
    ) -> Coroutine[Any, Any, Any]:
        """Our blocking, guarded fetch of one sub-resource, on the bounded fetch pool."""
        loop = asyncio.get_running_loop()
        call = functools.partial(
            self.fetcher.fetch,
            url,
            retries=0,
            max_bytes=S.MAX_SUBPAGE_BYTES,
            headers=headers,
        )
        return loop.run_in_executor(self._fetch_pool, call)  # type: ignore[return-value]

"""Render a page in headless Chromium (RULES.md: judge what a visitor sees).

Every homepage is rendered when Chromium is available (:mod:`monitor.visit`), and a news or about
page where it could change a verdict; the browser starts lazily, once per crawl, the first time a
page is rendered.

Safety: Chromium never touches the network itself. Every request the page makes is intercepted
(``context.route``) and either refused (another host, too many requests) or fetched by *our*
:class:`~monitor.fetching.fetch.Fetcher` and fulfilled from its answer, so the SSRF guard, the TLS
rules, the size caps and the per-host limit apply to the browser exactly as to the crawl, and
DNS is resolved only by the guard. What ``route`` cannot see (WebSockets, WebRTC, preconnect,
DNS prefetch) has nowhere to go: the browser resolves no name (``--host-resolver-rules``), and
its only proxy is a local port that is bound but never listens, so every such connection is
refused inside this machine (issue 11, item 3; tests/test_hostile_crawl.py counts accepts).

What the judges get (RULES.md: judge what a visitor sees): the DOM after the page's own scripts
ran (footers included by script, news lists loaded from JSON, a script redirect followed, a
timed one waited for, the page scrolled so scroll-reveal boxes show), with
every element the browser computes as not displayed (``display:none``, ``visibility:hidden``,
Bootstrap's ``.d-none`` from a stylesheet) marked ``data-monitor-hidden``; the page reader
treats marked text as hidden and keeps its links.

Memory: one page may not take the crawl's memory (issue 17.1): V8's heap is capped by a
Chromium flag, :class:`~monitor.fetching.memory_watch.MemoryWatch` kills the largest renderer
when the pages together pass ``memory_limit``, and a DOM past the size caps is not read back;
such a page comes back without HTML and a note saying why (``out_of_memory``).

A failed rendering is not a verdict: a timed-out page is tried once more, and the caller judges
the static page when the browser cannot show it (``Rendered.html`` is None, ``note`` says why).

Concurrency (issue 6: "one browser, a small pool of pages, a per-page timeout")::

    crawl worker ── render() ──run_coroutine_threadsafe──> renderer thread: asyncio loop
         (blocks on a concurrent Future)                     │ Playwright async API
                                                             │ one Chromium, up to pool_size
                                                             │ pages at once (a semaphore),
                                                             │ each in its own browser context
                                                             └ route handler ──run_in_executor──>
                                                                 fetch pool (pool_size threads,
                                                                 our blocking Fetcher)

Playwright's objects belong to the loop that made them, so one dedicated thread owns the loop,
the driver and the browser; crawl workers stay plain blocking threads. The Fetcher is blocking
(requests), so route handlers run it on a small bounded thread pool: a page waiting for a slow
script never stalls another page's requests, and the number of threads stays fixed.

Stopping: a rendering cut short by the crawl's stop event (the page was cancelled, one of its
requests was refused because of the stop, or the browser died while the stop arrived — SIGTERM
often reaches Chromium too) comes back with ``interrupted=True``. Its DOM says nothing about
the site, so :mod:`monitor.crawl` does not store a result for it and ``--resume`` redoes it.

Why this module is long: the :class:`Renderer` owns a thread, an event loop, one browser and a
pool of pages; starting, relaunching, stopping and closing them share invariants (which thread
may touch what, when a failure is the stop's and not the site's) that are clearer in one class.
What happens to one page is in :mod:`monitor.fetching.browser_page`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import shutil
import socket
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from monitor.fetching import limits as S
from monitor.fetching.browser_page import (
    HIDDEN_ATTRIBUTE,
    INTERRUPTED,
    Rendered,
    first_line,
    render_page,
)
from monitor.fetching.fetch import Fetcher
from monitor.fetching.memory_watch import MemoryWatch, wait_for_browser

__all__ = ["HIDDEN_ATTRIBUTE", "Rendered", "Renderer", "find_chromium"]

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


def find_chromium() -> str | None:
    """Debian's Chromium (never a downloaded browser); ``CHROMIUM`` may point elsewhere."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    for name in S.CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _interrupted() -> Rendered:
    return Rendered(None, INTERRUPTED, interrupted=True)


class _Unavailable(Exception):
    """No browser can be used in this crawl (Playwright missing, Chromium would not start)."""

    def __init__(self, note: Bilingual) -> None:
        self.note = note
        super().__init__(note.en)


class Renderer:
    """Renders pages in one headless Chromium, up to ``pool_size`` pages at a time.

    ``render(url, body, content_type)`` serves the already-fetched document body to the
    browser (no second fetch), lets the page's own scripts run with same-origin requests
    fetched through ``fetcher``, and returns the resulting DOM. It blocks the calling thread
    (a crawl worker) until its page is done; callers beyond ``pool_size`` wait for a page.

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
        timeout: float = S.RENDER_TIMEOUT,
        max_requests: int = S.RENDER_MAX_REQUESTS,
        pool_size: int = S.RENDER_POOL_SIZE,
        stop_event: threading.Event | None = None,
        memory_limit: int = S.RENDER_MEMORY_LIMIT,
    ) -> None:
        if pool_size < 1:
            raise ValueError(f"Renderer pool_size must be at least 1 page, got {pool_size}")
        self.fetcher = fetcher
        # "" means "no browser" (a crawl told not to render), None "find Debian's Chromium"
        self.executable = (executable if executable is not None else find_chromium()) or None
        self.timeout = timeout
        self.max_requests = max_requests
        self.pool_size = pool_size
        #: Bytes the browser's pages may hold together (monitor/fetching/memory_watch.py).
        self.memory_limit = memory_limit
        #: Watches our browser's renderers while it runs (None: not started, or not found).
        self.memory_watch: MemoryWatch | None = None
        self._stop = stop_event or threading.Event()
        #: Why no browser can be used after all (set once, from the renderer thread).
        self._unavailable: Bilingual | None = None
        #: The most pages that were open at the same moment (for tests and the benchmark).
        self.peak_pages = 0
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Owned by the renderer thread's loop (created with it, used only from it).
        self._fetch_pool: ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._browser_lock: asyncio.Lock | None = None
        self._pw: Any = None
        self._browser: Any = None
        self._tasks: set[asyncio.Task[Rendered]] = set()
        self._open_pages = 0
        #: The bound, never-listening port that is the browser's only proxy.
        self._sink: socket.socket | None = None

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
        tried once more (a cold browser on busy cores), then given up."""
        first = self._render_once(url, body, content_type, screenshot, cookies)
        if not first.timed_out or first.interrupted:
            return first
        log.info("rendering %s timed out; trying once more", url)
        again = self._render_once(url, body, content_type, screenshot, cookies)
        if again.timed_out:
            return replace(again, note=_timed_out_twice(self.page_budget))
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
            return Rendered(None, self._unavailable)
        if self._stop.is_set():
            return _interrupted()
        loop, thread = self._ensure_loop()
        fut = asyncio.run_coroutine_threadsafe(
            self._job(url, body, content_type or "text/html", screenshot, cookies), loop
        )
        # Waiting in slices: if the renderer thread ever died, its futures would never finish.
        while True:
            try:
                return fut.result(timeout=1.0)
            except concurrent.futures.TimeoutError:
                if not thread.is_alive():
                    fut.cancel()
                    return Rendered(None, _CLOSED, interrupted=self._stop.is_set())
            except concurrent.futures.CancelledError:  # close() while this page was waiting
                return Rendered(None, _CLOSED, interrupted=self._stop.is_set())

    def close(self) -> None:
        """Close every page, the browser and the driver, then end the renderer thread."""
        with self._start_lock:
            loop, thread, pool = self._loop, self._thread, self._fetch_pool
            self._loop = self._thread = self._fetch_pool = None
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        except Exception as exc:  # a wedged driver must not keep the crawl from ending
            log.warning("closing the browser failed: %s", exc)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        if pool is not None:
            # Bounded: a fetch still running ends by the Fetcher's own page deadline.
            pool.shutdown(wait=True, cancel_futures=True)
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def _ensure_loop(self) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        with self._start_lock:
            if self._loop is None or self._thread is None:
                loop = asyncio.new_event_loop()
                self._fetch_pool = ThreadPoolExecutor(
                    self.pool_size, thread_name_prefix="render-fetch"
                )
                self._slots = asyncio.Semaphore(self.pool_size)
                self._browser_lock = asyncio.Lock()
                self._thread = threading.Thread(
                    target=self._run_loop, args=(loop,), name="renderer", daemon=True
                )
                self._loop = loop
                self._thread.start()
            return self._loop, self._thread

    def _run_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        # Playwright leaves "Future exception was never retrieved" behind when a page closes
        # under a pending request; that is expected here, not worth a traceback on stderr.
        loop.set_exception_handler(
            lambda _loop, context: log.debug("renderer loop: %s", context.get("message"))
        )
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    # renderer thread ---------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._close_browser()

    async def _close_browser(self) -> None:
        watch, self.memory_watch = self.memory_watch, None
        if watch is not None:
            watch.stop()
        browser, self._browser = self._browser, None
        pw, self._pw = self._pw, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        if pw is not None:
            with contextlib.suppress(Exception):
                await pw.stop()

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
        self, url: str, body: bytes, ctype: str, screenshot: bool, cookies: tuple[str, ...]
    ) -> Rendered:
        """One rendering, raced against the crawl's stop."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        work = asyncio.ensure_future(self._in_a_slot(url, body, ctype, screenshot, cookies))
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
        self, url: str, body: bytes, ctype: str, screenshot: bool, cookies: tuple[str, ...]
    ) -> Rendered:
        assert self._slots is not None
        async with self._slots:
            if self._stop.is_set():
                return _interrupted()
            try:
                browser = await self._get_browser()
            except _Unavailable as exc:
                return Rendered(None, exc.note, interrupted=self._stop.is_set())
            self._open_pages += 1
            self.peak_pages = max(self.peak_pages, self._open_pages)
            watch = self.memory_watch
            kills_before = watch.kills if watch is not None else 0
            try:
                return await asyncio.wait_for(
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
            except TimeoutError:
                log.warning("rendering %s took longer than %.0f s", url, self.page_budget)
                return Rendered(None, _TIMED_OUT, interrupted=self._stop.is_set(), timed_out=True)
            except Exception as exc:  # a broken page must not stop the crawl
                if watch is not None and watch.kills > kills_before and _connected(browser):
                    # the memory watch killed a renderer while this page was open, and this
                    # page failed: it was this page's (its own crash, not the browser's)
                    log.warning("rendering %s stopped: too much memory", url)
                    return Rendered(None, _out_of_memory(self.memory_limit), out_of_memory=True)
                if "crash" in str(exc).lower() and _connected(browser):
                    # V8's heap limit (or another fault) killed only this page's renderer
                    log.warning("rendering %s crashed its renderer: %s", url, exc)
                    return Rendered(None, _CRASHED, out_of_memory=True)
                gone = not _connected(browser)
                if self._stop.is_set() or (gone and await self._stop_within(S.RENDER_STOP_GRACE)):
                    return _interrupted()
                if type(exc).__name__ == "TimeoutError":  # Playwright's own navigation timeout
                    log.warning("rendering %s timed out: %s", url, exc)
                    return Rendered(None, _TIMED_OUT, timed_out=True)
                log.warning("rendering %s failed: %s", url, exc)
                return Rendered(None, _failed(exc))
            finally:
                self._open_pages -= 1

    async def _get_browser(self) -> Any:
        """The one browser, launched on first use, and again if it died mid-crawl."""
        assert self._browser_lock is not None
        async with self._browser_lock:
            if self._browser is not None and _connected(self._browser):
                return self._browser
            if self._browser is not None:
                log.warning("Chromium went away during the crawl; starting it again")
            await self._close_browser()
            try:
                from playwright.async_api import async_playwright
            except ImportError:
                self._unavailable = _NO_PLAYWRIGHT
                raise _Unavailable(self._unavailable) from None
            try:
                self._pw = await async_playwright().start()
                self._browser = await self._pw.chromium.launch(
                    executable_path=self.executable,
                    headless=True,
                    args=[*S.CHROMIUM_ARGS, *self._no_network_args()],
                )
            except Exception as exc:
                await self._close_browser()
                if self._stop.is_set():
                    raise _Unavailable(INTERRUPTED) from exc
                log.warning("cannot start Chromium (%s): %s", self.executable, exc)
                self._unavailable = _cannot_start(exc)
                raise _Unavailable(self._unavailable) from exc
            await self._watch_memory()
            return self._browser

    async def _watch_memory(self) -> None:
        """Start the memory watch on the browser just launched (found by its proxy port)."""
        if self._sink is None or self.memory_limit <= 0:
            return
        marker = f"--proxy-server=http://127.0.0.1:{self._sink.getsockname()[1]}"
        pid = await asyncio.to_thread(wait_for_browser, marker)
        if pid is None:
            log.warning("cannot find the browser process: its pages' memory is not watched")
            return
        self.memory_watch = MemoryWatch(pid, self.memory_limit, S.RENDER_MEMORY_INTERVAL).start()

    def _no_network_args(self) -> list[str]:
        """Chromium flags that leave the browser no way out but our route handler.

        The proxy is a loopback port this process holds bound without listening: a connection
        to it is refused by the kernel at once, and nothing else can take the port while the
        browser lives. ``<-loopback>`` removes Chromium's implicit "never proxy loopback".
        """
        if self._sink is None:
            self._sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._sink.bind(("127.0.0.1", 0))
        port = self._sink.getsockname()[1]
        return [
            f"--proxy-server=http://127.0.0.1:{port}",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--dns-prefetch-disable",
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        ]

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


def _connected(browser: Any) -> bool:
    try:
        return bool(browser.is_connected())
    except Exception:
        return False

"""One headless Chromium and the thread that drives it, lent to the renderers of one process.

A :class:`~monitor.fetching.render.Renderer` renders one crawl's pages; a :class:`BrowserHost`
is what it renders them in: a dedicated thread running an asyncio loop, the Playwright driver
on that loop and one Chromium, launched on first use and again if it died. Playwright's objects
belong to the loop that made them, so everything that touches the browser runs on the host's
loop; the renderers submit their pages to it.

Who owns a host:

* The monthly crawl: its Renderer makes a private host and closes it with the crawl (one
  browser per crawl, started with the first page that needs it). A crawl runs once a month in
  a process of its own, so there is nothing to share, and a fresh browser per crawl means no
  state (cache, crashed renderers, memory) carries from one month to the next.
* Tests: one host per test module (the ``browser_host`` fixture, tests/conftest.py) lent to
  every in-process crawl of the module, ``run_crawl(..., browser_host=host)``: Chromium then
  starts once per module instead of once per crawl. Tests about the browser itself dying,
  failing to start or being killed for memory keep a browser of their own.

What is the host's and what is each renderer's: the host has the loop, the driver, the browser
and its no-network flags (below); each renderer keeps its own fetcher (its pages' requests are
routed through it), stop event, pool of pages, fetch threads and memory watch, and every page
is rendered in a browser context of its own, closed with the page. Closing a renderer that
borrowed a host closes only its own pages; closing the host closes the browser.

Safety: the browser resolves no name (``--host-resolver-rules``) and its only proxy is a local
port this host holds bound but never listening, so whatever the renderers' route handlers
cannot see (WebSockets, WebRTC, preconnect, DNS prefetch) is refused inside this machine
(issue 11, item 3). The memory watch (:mod:`monitor.fetching.memory_watch`) finds the browser
process by that proxy port: :attr:`BrowserHost.browser_pid`.

A wedged browser (one that stopped reaping its renderers after a memory kill: see
monitor/fetching/memory_watch.py) is *retired*: :meth:`BrowserHost.retire` forgets it, so the
next page launches a new browser, and kills its whole process tree at once (a wedged browser
answers no ``close()``); the pages still open in it then fail within a moment instead of
running to their time-out, and the renderer tries each once more in the new browser. Closing
any browser is bounded the same way: ``close()`` gets ``S.BROWSER_CLOSE_SECONDS``, then the
process tree is killed, so no browser (nor zombie) outlives its host.

The Playwright driver (a Node.js process the host's loop starts for each launch) is bounded the
same way: the host's loop (:class:`_DriverLoop`) keeps every process started on it, and a
driver still running once its browser is closed (a launch given up at
``S.BROWSER_LAUNCH_SECONDS`` before the driver ever answered, or a driver that did not stop
within ``S.BROWSER_CLOSE_SECONDS``) is killed with whatever it started; before, it lived on
until the crawl's process exited, one more for each relaunch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import threading
import weakref
from typing import Any

from monitor.fetching import limits as S
from monitor.fetching.memory_watch import descendants, start_time, wait_for_browser

__all__ = ["BrowserHost", "connected", "find_chromium"]

log = logging.getLogger(__name__)


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


def connected(browser: Any) -> bool:
    """Whether a Playwright browser is still there (False for anything that cannot say)."""
    try:
        return bool(browser.is_connected())
    except Exception:
        return False


class _DriverLoop(asyncio.SelectorEventLoop):
    """The host's event loop, which remembers the processes started on it.

    Only Playwright starts processes on this loop (its driver, one per launch), so what is
    listed here is the host's drivers: :meth:`BrowserHost._end_drivers` kills those still
    running when their browser is gone. Playwright keeps its process handle to itself until a
    launch returns, which a driver that never answers never does."""

    def __init__(self) -> None:
        super().__init__()
        #: The subprocess transports started on this loop and not yet ended here.
        self.children: list[asyncio.SubprocessTransport] = []

    async def subprocess_exec(  # type: ignore[override]
        self, protocol_factory: Any, *args: Any, **kwargs: Any
    ) -> tuple[asyncio.SubprocessTransport, Any]:
        transport, protocol = await super().subprocess_exec(protocol_factory, *args, **kwargs)
        self.children.append(transport)
        return transport, protocol


class BrowserHost:
    """A thread with an asyncio loop, the Playwright driver and one Chromium, started lazily.

    ``executable`` is the browser to launch (None: find Debian's Chromium; the host is then
    :attr:`executable` None when there is none). Thread-safe: :meth:`loop` may be called from
    any thread; :meth:`browser` only from a coroutine on that loop. :attr:`launches` counts
    the Chromium launches (tests and benchmarks read it).

    Example::

        host = BrowserHost()
        try:
            first = Renderer(fetcher_a, host=host)   # each closes only its own pages
            second = Renderer(fetcher_b, host=host)
            ...
        finally:
            host.close()
    """

    def __init__(self, executable: str | None = None) -> None:
        self.executable = (executable if executable is not None else find_chromium()) or None
        #: Chromium launches so far (one, unless the browser died and was started again).
        self.launches = 0
        #: The browser process's pid, for the memory watch (None: not running, or not found).
        self.browser_pid: int | None = None
        #: Its start time (clock ticks since boot, /proc/PID/stat): tells the browser from a
        #: later process given the same pid (see :meth:`_kill_tree`).
        self.browser_start: int | None = None
        #: Browsers retired because they were wedged (tests and the benchmark read it).
        self.retired = 0
        #: (pid, start time) of browsers killed here: never taken for a new browser while a
        #: zombie; a new process that reuses the pid has another start time
        self._killed: set[tuple[int, int]] = set()
        #: The Playwright browsers retired: their pages' failures are not the site's. Weak
        #: references, not ``id()`` numbers: an id is reused once its browser is collected, and a new
        #: browser taken for a retired one would turn the site's real failures into "not checked".
        self._retired: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Owned by the host thread's loop (created with it, used only from it).
        self._browser_lock: asyncio.Lock | None = None
        self._pw: Any = None
        self._browser: Any = None
        #: The bound, never-listening port that is the browser's only proxy.
        self._sink: socket.socket | None = None

    # any thread --------------------------------------------------------------------------------

    def loop(self) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        """The host's running loop and its thread, started on first call (or after close)."""
        with self._lock:
            if self._loop is None or self._thread is None:
                loop = _DriverLoop()
                self._browser_lock = asyncio.Lock()
                self._thread = threading.Thread(
                    target=self._run_loop, args=(loop,), name="renderer", daemon=True
                )
                self._loop = loop
                self._thread.start()
            return self._loop, self._thread

    def close(self) -> None:
        """Close the browser and the driver, then end the host's thread. A renderer still
        rendering in it sees its pages fail (closed browser); close the renderers first."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._close_browser(), loop).result(
                    timeout=4 * S.BROWSER_CLOSE_SECONDS
                )
            except Exception as exc:  # a wedged driver must not keep the crawl from ending
                log.warning("closing the browser failed: %s", exc)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
        if self._sink is not None:
            self._sink.close()
            self._sink = None

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

    # the host's thread -------------------------------------------------------------------------

    async def browser(self) -> Any:
        """The one browser, launched on first use, and again if it died.

        Raises :class:`ImportError` when Playwright is not installed, and whatever Playwright
        raised when Chromium would not start; the renderer says which to its pages (and whether
        it was the crawl's stop). Nothing is remembered here: the next call tries again.
        """
        assert self._browser_lock is not None, "call loop() first"
        async with self._browser_lock:
            if self._browser is not None and connected(self._browser):
                return self._browser
            if self._browser is not None:
                log.warning("Chromium went away; starting it again")
            await self._close_browser()
            from playwright.async_api import async_playwright  # noqa: F401 (ImportError here)

            try:
                await asyncio.wait_for(self._launch(), S.BROWSER_LAUNCH_SECONDS)
            except TimeoutError:
                await self._close_browser()
                raise TimeoutError(
                    f"Chromium did not start within {S.BROWSER_LAUNCH_SECONDS:.0f} s"
                ) from None
            except BaseException:
                await self._close_browser()
                raise
            self.launches += 1
            marker = self._no_network_args()[0]  # --proxy-server=...: this browser's own port
            self.browser_pid = await asyncio.to_thread(
                wait_for_browser, marker, 5.0, frozenset(self._killed)
            )
            self.browser_start = None if self.browser_pid is None else start_time(self.browser_pid)
            if self.browser_start is None:
                self.browser_pid = None
                log.warning("cannot find the browser process: its pages' memory is not watched")
            return self._browser

    async def _launch(self) -> None:
        """Start the driver, then Chromium; each kept as soon as it exists, so a launch cut
        short by :data:`S.BROWSER_LAUNCH_SECONDS` leaves nothing :meth:`_close_browser` misses
        (stopping the driver ends the browser it launched)."""
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        self._browser = await self._pw.chromium.launch(
            executable_path=self.executable,
            headless=True,
            args=[*S.CHROMIUM_ARGS, *self._no_network_args()],
        )

    def was_retired(self, browser: Any) -> bool:
        """Whether ``browser`` was retired as wedged (its pages' failures say nothing of them)."""
        return browser in self._retired

    async def retire(self, browser: Any, why: str) -> None:
        """Stop using ``browser`` (wedged: ``why`` says how it was found so): the next page gets
        a new browser, and this one's process tree is killed now, so that the pages still open
        in it fail at once rather than at their time-out. Idempotent; a browser that is no
        longer the host's current one is left alone (it was retired or replaced already)."""
        assert self._browser_lock is not None, "call loop() first"
        async with self._browser_lock:
            if browser is not self._browser:
                return
            pid, start = self.browser_pid, self.browser_start
            self._browser = None
            self.browser_pid = self.browser_start = None
            self.retired += 1
            self._retired.add(browser)
        log.warning(
            "retiring the browser (pid %s): %s; its open pages are tried again in a new one",
            pid,
            why,
        )
        await self._end(browser, pid, start, grace=0.0)

    async def _end(self, browser: Any, pid: int | None, start: int | None, grace: float) -> None:
        """Close ``browser``, given ``grace`` seconds to do it itself, then kill its process
        tree (a wedged browser never answers ``close()``); bounded in time either way."""
        if grace > 0:
            try:
                await asyncio.wait_for(browser.close(), grace)
                return
            except Exception as exc:  # TimeoutError: wedged; anything else: already gone
                log.warning("closing the browser failed (%s): killing its processes", exc)
        if pid is not None and start is not None:
            await asyncio.to_thread(self._kill_tree, pid, start)
        with contextlib.suppress(Exception):
            # it is dead: Playwright only has to notice (the driver's pipe closed)
            await asyncio.wait_for(browser.close(), S.BROWSER_CLOSE_SECONDS)

    def _kill_tree(self, pid: int, start: int) -> None:
        """SIGKILL the browser process ``pid`` (started at ``start``) and its descendants
        (listed first, before the browser dies and they are handed to init).

        The pid was recorded at launch, and the browser is the Playwright driver's child, not
        ours: once it died and the driver reaped it, any new process may get its pid. So the
        browser is signalled through a pidfd, and only when the process that pidfd holds
        started when our browser did (``start``, /proc/PID/stat): a pidfd keeps naming the
        process it was opened on, so nothing between the check and the kill can swap it.
        (Killing the process group instead would need the same check: a group id is a pid
        too, reused the same way.) The descendants are the verified browser's children at
        that moment; their pids cannot be reused while they are alive."""
        try:
            fd = os.pidfd_open(pid)
        except OSError:  # no such process: gone already (or no pidfd: the check below only)
            fd = -1
        try:
            if start_time(pid) != start:
                log.warning("pid %d is no longer the browser's (it is gone): not signalled", pid)
                return
            tree = descendants(pid)
            self._killed.add((pid, start))
            with contextlib.suppress(OSError):
                if fd >= 0:
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
        finally:
            if fd >= 0:
                os.close(fd)
        for victim in tree:
            with contextlib.suppress(OSError):
                os.kill(victim, signal.SIGKILL)

    async def _close_browser(self) -> None:
        browser, self._browser = self._browser, None
        pw, self._pw = self._pw, None
        pid, start = self.browser_pid, self.browser_start
        self.browser_pid = self.browser_start = None
        if browser is not None:
            await self._end(browser, pid, start, grace=S.BROWSER_CLOSE_SECONDS)
        if pw is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pw.stop(), S.BROWSER_CLOSE_SECONDS)
        await self._end_drivers()

    async def _end_drivers(self) -> None:
        """Kill the drivers started on this loop that still run now that no browser is open
        (called with the browser closed): one whose launch was given up never handed its
        handle to us, and one that hangs does not stop when asked. Each goes with its
        descendants (the browser it may have started), listed before it dies; the driver is
        signalled through asyncio's own handle on it, which never names another process."""
        loop = asyncio.get_running_loop()
        children = loop.children if isinstance(loop, _DriverLoop) else []
        for transport in list(children):
            if transport.get_returncode() is None:
                pid = transport.get_pid()
                tree = await asyncio.to_thread(descendants, pid)
                log.warning("the Playwright driver (pid %s) did not end: killing it", pid)
                with contextlib.suppress(ProcessLookupError):
                    transport.kill()
                for victim in tree:
                    with contextlib.suppress(OSError):
                        os.kill(victim, signal.SIGKILL)
            transport.close()  # reaps it (and no "unclosed transport" at the loop's end)
            children.remove(transport)

    def _no_network_args(self) -> list[str]:
        """Chromium flags that leave the browser no way out but the renderers' route handlers.

        The proxy is a loopback port this process holds bound without listening: a connection
        to it is refused by the kernel at once, and nothing else can take the port while the
        browser lives. ``<-loopback>`` removes Chromium's implicit "never proxy loopback".
        The proxy flag comes first: it is the marker the memory watch finds the browser by.
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

"""Keeping one hostile page from taking the crawl's memory (issue 17, item 1).

A page that appends millions of ``<div>``s, allocates in a loop or ``document.write``s hundreds
of megabytes grew one Chromium renderer to 4-6 GB. Three bounds stop it, from the inside out:

1. V8's heap: Chromium starts with ``--js-flags=--max-old-space-size`` (limits.py,
   ``CHROMIUM_ARGS``); a script over it kills its own renderer (the page crashes).
2. This module: a thread that reads the private resident memory of every renderer process of
   *our* browser from /proc a few times a second and, when the renderers together hold more
   than ``limit`` bytes, kills the largest with SIGKILL. The DOM, the layout and a parser's
   buffers are not on V8's heap, so only the process's own memory tells; and a renderer busy
   in a tight loop answers no DevTools command (``Performance.getMetrics`` waits for the loop),
   while /proc always answers. Killing the renderer crashes only that page: the browser, the
   other pages and the crawl go on, and the page is judged on its static HTML
   (:class:`monitor.fetching.render.Renderer` says why in the evidence).
3. A cgroup (``MemoryMax=`` in the systemd units, docs/operations.md) for whatever slips past.

Why private resident memory (``statm``: resident minus shared pages): the renderers share most
of Chromium's binary and fonts, which cost the machine once; what a page adds is anonymous
memory, and it is cheap to read (no page-table walk, unlike ``smaps_rollup``'s PSS).

Never kill a renderer that is already dying (issue: the crawl wedged after a memory kill). A
renderer that crashed by itself (V8's heap limit, bound 1) is held stopped by Chromium's crash
handler (``chrome_crashpad_handler`` ptrace-attaches to write a dump). A SIGKILL then leaves a
zombie whose exit is reported to the tracer, which never collects it: the zygote, asked by the
browser to reap it, waits in ``waitpid`` for ever, and the browser's UI thread waits for the
zygote. Every page of that browser then hangs until its time-out, no new renderer starts, and
``browser.close()`` hangs too (reproduced: tests/test_render_wedge.py). So the watch skips a
traced renderer (``TracerPid`` in /proc/PID/status; it frees its memory when the dump ends),
never kills a pid twice, and counts neither in the total. What is left of the race (a crash
starting between that read and the kill) is caught by :attr:`MemoryWatch.wedged`: a zygote
child that stays a zombie longer than ``reap_grace`` (``RENDER_REAP_GRACE``) seconds means the
browser no longer reaps its renderers; :class:`monitor.fetching.render.Renderer` then retires
that browser (:meth:`monitor.fetching.browser_host.BrowserHost.retire`) and renders its pages
in a new one.

Finding our browser: every :class:`~monitor.fetching.browser_host.BrowserHost` starts Chromium
with its own dead proxy port (``--proxy-server=http://127.0.0.1:PORT``), so the browser process
is the Chromium whose command line holds that port; its renderers are its descendants with
``--type=renderer``, except those that draw the browser's own interface (:data:`NOT_PAGE_FLAGS`):
headless Chromium 156 opens a window per page, and each window has a ``--top-chrome-webui``
renderer of about 50 MiB that no page can grow. Counted, they took some 100 MiB of the pages'
512 MiB at the default two pages (measured: tests/test_memory_watch_renderers.py), and the
largest of them could have been killed. Each Renderer runs its own watch on its host's browser.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from monitor.fetching import limits as S

log = logging.getLogger(__name__)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
#: Flags of renderers that draw the browser itself, not a page: a window's top-chrome WebUI
#: (one per page in headless Chromium) and an extension's process (none today: Playwright
#: starts Chromium with ``--disable-extensions``). Never counted against the pages' budget,
#: never killed.
NOT_PAGE_FLAGS = frozenset({"--top-chrome-webui", "--extension-process"})


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    parts = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    # Chromium's zygote and its children rewrite their argv into one space-separated string
    return parts[0].split() if len(parts) == 1 else parts


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's ``children`` file: a child belongs to the
    thread that forked it)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            found += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def private_resident(pid: int) -> int:
    """Resident memory of ``pid`` that is not shared file pages (bytes; 0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
        return max(0, int(fields[1]) - int(fields[2])) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _stat(pid: int) -> tuple[str, int] | None:
    """``pid``'s state letter (``Z``: zombie) and start time (clock ticks since boot: tells a
    reused pid from the process it was); None when there is no such process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return fields[0], int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def start_time(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot), None when there is no such process: with
    the pid, what names one process for good (a pid alone is reused once it is reaped)."""
    st = _stat(pid)
    return None if st is None else st[1]


def traced(pid: int) -> bool:
    """Whether ``pid`` is held by a tracer (Chromium's crash handler dumping it after a crash)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("TracerPid:"):
                return line.split()[1] != "0"
    except (OSError, IndexError):
        pass
    return False


def descendants(root: int, limit: int = 10_000) -> list[int]:
    """``root``'s descendants (not ``root``), parents before children, at most ``limit``."""
    found: list[int] = []
    todo = _children(root)
    while todo and len(found) < limit:
        pid = todo.pop()
        found.append(pid)
        todo += _children(pid)
    return found


def find_browser(
    marker: str, root: int | None = None, exclude: frozenset[tuple[int, int]] = frozenset()
) -> int | None:
    """The pid of the Chromium browser process (no ``--type=``) whose command line holds
    ``marker``, among the descendants of ``root`` (this process by default), not in
    ``exclude`` ((pid, start time) of browsers of the same host retired and killed, possibly
    not yet reaped; a new browser given one of their pids is not excluded)."""
    todo = [root if root is not None else os.getpid()]
    seen = 0
    while todo and seen < 10_000:
        pid = todo.pop()
        seen += 1
        args = _cmdline(pid)
        if (
            any(marker in a for a in args)
            and not any(a.startswith("--type=") for a in args)
            and (pid, start_time(pid)) not in exclude
        ):
            return pid
        todo += _children(pid)
    return None


class MemoryWatch:
    """Kills the largest renderer of one browser when its renderers hold more than ``limit``,
    and tells when that browser stopped reaping its renderers (:attr:`wedged`).

    ``kills`` counts the renderers killed so far (each pid once): a page whose own renderer
    crashed while the count went up was (most likely) the one killed, and says so in its
    evidence. ``browser_start`` (the browser's start time, :func:`start_time`) makes the watch
    look at nothing once the browser is gone, even if a new process took its pid.
    """

    def __init__(
        self,
        browser_pid: int,
        limit: int,
        interval: float,
        reap_grace: float = S.RENDER_REAP_GRACE,
        *,
        browser_start: int | None = None,
    ) -> None:
        self.browser_pid = browser_pid
        self.browser_start = browser_start
        self.limit = limit
        self.interval = interval
        self.reap_grace = reap_grace
        self.kills = 0
        #: Set when a renderer stayed a zombie past ``reap_grace``: the browser is wedged (see
        #: the module's docstring) and every page still open in it will hang.
        self.wedged = threading.Event()
        #: pid -> start time of the renderers killed here (never killed, nor counted, again)
        self._killed: dict[int, int] = {}
        #: (pid, start time) -> when first seen a zombie, for our browser's zygotes' children
        self._zombies: dict[tuple[int, int], float] = {}
        #: the most the renderers held together at one look (for tests and the benchmark)
        self.peak = 0
        #: pids known to be renderers, of a page or of the browser's own interface (the only
        #: types that are remembered)
        self._types: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="renderer-memory", daemon=True)

    def start(self) -> MemoryWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        # Apart: a failing memory look must not stop the wedge look, nor the other way round.
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception as exc:  # never let the watch die silently mid-crawl
                log.warning("renderer memory check failed: %s", exc)
            try:
                self.check_reaped()
            except Exception as exc:
                log.warning("renderer reaping check failed: %s", exc)

    def _browser_children(self) -> list[int]:
        """The browser's children; none once it is gone (its pid may be another process's)."""
        if self.browser_start is not None and start_time(self.browser_pid) != self.browser_start:
            return []
        return _children(self.browser_pid)

    def check_reaped(self, now: float | None = None) -> bool:
        """One look for zombies among the zygotes' children; sets :attr:`wedged` (and returns
        True) when one has stayed a zombie longer than ``reap_grace`` seconds."""
        now = time.monotonic() if now is None else now
        seen: dict[tuple[int, int], float] = {}
        for zygote in self._zygotes():
            for pid in _children(zygote):
                st = _stat(pid)
                if st is not None and st[0] == "Z":
                    key = (pid, st[1])
                    seen[key] = self._zombies.get(key, now)
        self._zombies = seen
        stale = [key for key, since in seen.items() if now - since > self.reap_grace]
        if stale and not self.wedged.is_set():
            log.warning(
                "the browser (pid %d) has not reaped its renderer (pid %d) for %.0f s: it is"
                " wedged; its pages will be rendered in a new browser",
                self.browser_pid,
                stale[0][0],
                self.reap_grace,
            )
            self.wedged.set()
        return bool(stale)

    def _zygotes(self) -> list[int]:
        return [
            pid
            for pid in self._browser_children()
            if any(a == "--type=zygote" for a in _cmdline(pid))
        ]

    def renderers(self) -> Iterator[int]:
        """Our browser's renderer processes of pages (zygotes are walked through, renderers
        not; those with a :data:`NOT_PAGE_FLAGS` flag are left out)."""
        todo = self._browser_children()
        while todo:
            pid = todo.pop()
            kind = self._types.get(pid)
            if kind is None:
                # read again each time until it says "renderer": a child forked from the
                # zygote shows the zygote's command line until it renames itself
                args = _cmdline(pid)
                kind = next((a[7:] for a in args if a.startswith("--type=")), "")
                if kind == "renderer" and NOT_PAGE_FLAGS.intersection(args):
                    kind = "browser-ui"
                if kind in ("renderer", "browser-ui"):
                    self._types[pid] = kind
            if kind == "renderer":
                yield pid
            elif kind == "zygote":
                todo += _children(pid)

    def check(self) -> int | None:
        """One look; kills and returns the largest renderer's pid when over the limit.

        Not counted, not killed: a renderer killed here before (it may take a moment to give
        its memory back) and one held by a tracer (crashing already; killing it would wedge
        the browser, see the module's docstring)."""
        sizes: dict[int, int] = {}
        for pid in self.renderers():
            st = _stat(pid)
            if st is None or st[0] == "Z":
                continue
            if self._killed.get(pid) == st[1]:
                continue
            sizes[pid] = private_resident(pid)
        total = sum(sizes.values())
        self.peak = max(self.peak, total)
        while total > self.limit and sizes:
            pid = max(sizes, key=lambda p: sizes[p])
            if not traced(pid):
                break
            # dying of its own crash (V8's heap limit): its memory goes when the dump ends
            total -= sizes.pop(pid)
        if total <= self.limit or not sizes:
            if len(self._types) > 256:  # pids of long-gone processes
                self._types = {p: t for p, t in self._types.items() if p in sizes}
            if len(self._killed) > 256:
                self._killed = {p: t for p, t in self._killed.items() if _stat(p) is not None}
            return None
        st = _stat(pid)
        if st is None:
            return None
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            return None
        self._killed[pid] = st[1]
        self.kills += 1
        log.warning(
            "a page's renderer (pid %d) held %d MiB (renderers together %d MiB, limit %d MiB):"
            " killed",
            pid,
            sizes[pid] >> 20,
            total >> 20,
            self.limit >> 20,
        )
        return pid


def wait_for_browser(
    marker: str, seconds: float = 5.0, exclude: frozenset[tuple[int, int]] = frozenset()
) -> int | None:
    """:func:`find_browser`, looked for a few times: the process may appear a little after
    Playwright's launch returns (it does not, today; this only costs time when it would)."""
    end = time.monotonic() + seconds
    while True:
        pid = find_browser(marker, exclude=exclude)
        if pid is not None or time.monotonic() >= end:
            return pid
        time.sleep(0.1)

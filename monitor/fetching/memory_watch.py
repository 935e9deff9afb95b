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

Finding our browser: every :class:`~monitor.fetching.browser_host.BrowserHost` starts Chromium
with its own dead proxy port (``--proxy-server=http://127.0.0.1:PORT``), so the browser process
is the Chromium whose command line holds that port; its renderers are its descendants with
``--type=renderer``. Each Renderer runs its own watch on its host's browser.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


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


def find_browser(marker: str, root: int | None = None) -> int | None:
    """The pid of the Chromium browser process (no ``--type=``) whose command line holds
    ``marker``, among the descendants of ``root`` (this process by default)."""
    todo = [root if root is not None else os.getpid()]
    seen = 0
    while todo and seen < 10_000:
        pid = todo.pop()
        seen += 1
        args = _cmdline(pid)
        if any(marker in a for a in args) and not any(a.startswith("--type=") for a in args):
            return pid
        todo += _children(pid)
    return None


class MemoryWatch:
    """Kills the largest renderer of one browser when its renderers hold more than ``limit``.

    ``kills`` counts the renderers killed so far: a page that crashed while the count went up
    was (most likely) the one killed, and says so in its evidence.
    """

    def __init__(self, browser_pid: int, limit: int, interval: float) -> None:
        self.browser_pid = browser_pid
        self.limit = limit
        self.interval = interval
        self.kills = 0
        #: the most the renderers held together at one look (for tests and the benchmark)
        self.peak = 0
        #: pids known to be renderers (the only type that is remembered)
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
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception as exc:  # never let the watch die silently mid-crawl
                log.warning("renderer memory check failed: %s", exc)

    def renderers(self) -> Iterator[int]:
        """Our browser's renderer processes (zygotes are walked through, renderers not)."""
        todo = _children(self.browser_pid)
        while todo:
            pid = todo.pop()
            kind = self._types.get(pid)
            if kind is None:
                # read again each time until it says "renderer": a child forked from the
                # zygote shows the zygote's command line until it renames itself
                args = _cmdline(pid)
                kind = next((a[7:] for a in args if a.startswith("--type=")), "")
                if kind == "renderer":
                    self._types[pid] = kind
            if kind == "renderer":
                yield pid
            elif kind == "zygote":
                todo += _children(pid)

    def check(self) -> int | None:
        """One look; kills and returns the largest renderer's pid when over the limit."""
        sizes = {pid: private_resident(pid) for pid in self.renderers()}
        total = sum(sizes.values())
        self.peak = max(self.peak, total)
        if total <= self.limit or not sizes:
            if len(self._types) > 256:  # pids of long-gone processes
                self._types = {p: t for p, t in self._types.items() if p in sizes}
            return None
        pid = max(sizes, key=lambda p: sizes[p])
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            return None
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


def wait_for_browser(marker: str, seconds: float = 5.0) -> int | None:
    """:func:`find_browser`, looked for a few times: the process may appear a little after
    Playwright's launch returns (it does not, today; this only costs time when it would)."""
    end = time.monotonic() + seconds
    while True:
        pid = find_browser(marker)
        if pid is not None or time.monotonic() >= end:
            return pid
        time.sleep(0.1)

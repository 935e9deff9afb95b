"""What every site check of one crawl shares, and what one check hands back to be stored.

Kept apart from :mod:`monitor.visit` (the steps of one check) and :mod:`monitor.homepage` (finding
the page a visitor lands on), which both use these.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool as BrokenExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.profiles import Alliance
from monitor.fetching import limits as S
from monitor.fetching.fetch import Fetcher
from monitor.fetching.page_boxes import Box
from monitor.fetching.render import Renderer
from monitor.model import Check, Code, SiteResult

T = TypeVar("T")

_INTERNAL_ERROR = Bilingual(
    "檢查程式發生錯誤，請人工確認",
    "the monitor hit an internal error on this site; please check by hand and report the error",
)


@dataclass(slots=True)
class SiteOutcome:
    """One judged site, ready to store: the result, its fingerprint and the homepage bytes."""

    result: SiteResult
    fingerprint: str | None = None
    homepage: bytes | None = None
    #: Where the homepage bytes came from and their type (for a screenshot of them).
    page_url: str | None = None
    content_type: str | None = None
    #: Picture of the top of the homepage (monitor/fetching/page_boxes.py), and where each
    #: text-holding element sits on it (for the outline of the deciding evidence).
    screenshot: bytes | None = None
    boxes: tuple[Box, ...] = ()
    #: Why the browser could not show the homepage when the visit asked it to (out of memory,
    #: two time-outs, a crash): the picture is then not asked for again, which would repeat
    #: the hostile page's work and its time budget once more for nothing.
    unshown: Bilingual | None = None


class Stopped(Exception):
    """The crawl was asked to stop while this site was being checked."""


@dataclass(slots=True)
class CrawlContext:
    """What every site check shares during one run."""

    fetcher: Fetcher
    renderer: Renderer
    today: date
    scheme_ports: Mapping[str, int] | None = None
    max_feeds: int = S.MAX_FEEDS
    #: Take a PNG of every homepage that answered (``--screenshots``).
    screenshots: bool = False
    #: Parsing and judging run on a pool of their own while the workers keep fetching.
    #: Judging is CPU work; a parse of a multi-megabyte page takes tens of MB that the C
    #: allocator keeps per thread, so doing all parsing in one place keeps memory bounded.
    #: :func:`run_crawl` hands in :func:`judging_process`: a judge in a thread competes with
    #: 16-32 fetching threads for the GIL, in a process of its own it does not.
    judge_pool: Executor = field(
        default_factory=lambda: ThreadPoolExecutor(S.JUDGE_CONCURRENCY, thread_name_prefix="judge")
    )
    _pool_lock: threading.Lock = field(default_factory=threading.Lock)

    def judge(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the judge pool and wait for its answer (exceptions propagate).

        A judging process that died (killed by the OOM killer, say) is replaced once, so one
        pathological page does not turn every later site into an internal error."""
        pool = self.judge_pool
        try:
            return pool.submit(fn, *args, **kwargs).result()
        except BrokenExecutor:
            with self._pool_lock:
                if self.judge_pool is pool:
                    self.judge_pool = judging_process()
            return self.judge_pool.submit(fn, *args, **kwargs).result()

    def close(self) -> None:
        self.judge_pool.shutdown(wait=True)
        self.renderer.close()
        self.fetcher.close()


def _judge_child() -> None:
    """In the judging process: Ctrl-C goes to the whole process group and the crawl handles
    it; and a crawl killed outright (SIGKILL, the OOM killer) must not leave its judge behind,
    so the judge leaves as soon as its parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch_parent, name="judge-parent-watch", daemon=True).start()


def judging_process() -> ProcessPoolExecutor:
    """One process that parses and judges pages for the whole crawl (off the fetchers' GIL).

    ``spawn``, not ``fork``: the crawl has threads (and perhaps a browser) running, and a forked
    copy of their locks could deadlock. Everything sent to it (pages, fetch results) and back
    (checks) is plain data.
    """
    return ProcessPoolExecutor(
        S.JUDGE_CONCURRENCY,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_judge_child,
    )


def broken_result(alliance: Alliance, exc: BaseException) -> SiteResult:
    """The result of a site whose check raised: a warning a person must look at."""
    why = f"{type(exc).__name__}: {exc}"
    check = Check("warn", Code.INTERNAL_ERROR, _INTERNAL_ERROR, why)
    return SiteResult(
        slug=alliance.slug,
        url=alliance.website,
        final_url=None,
        loads=check,
        credit=check,
        updates=replace(check, details={"latest_date": None, "source": None}),
        name=alliance.name,
    )

"""The console's re-check of one alliance, crawled in a process of its own.

Why a child process: the re-check drives a headless browser through a website the alliance
controls; run inside the form's server, one hostile page (millions of elements, a 200 MB
``document.write``) could take the whole server down on deadline day. In a child, the worst a
site can do is kill the child: the server stays up and the job says honestly that the check
ended without a result.

The child is started with ``spawn`` (the server runs threads, so ``fork`` is not safe) and is
handed only the monitor's ``[paths]`` and ``[crawl]`` settings (no mail password crosses).
It watches a *lifeline* pipe whose other end only the server holds: when the server dies
(SIGKILL, a restart), the pipe reaches end-of-file and the child stops its crawl at once
instead of crawling on as an orphan. Its run is of kind ``recheck``, so an interrupted one is
closed, never resumed as the month's crawl (:mod:`monitor.store`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
from dataclasses import dataclass, replace
from datetime import date
from multiprocessing.connection import Connection

from alliance_portal.intake.jobs import JobFailed
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.settings import CrawlSettings, PathSettings
from alliance_portal.registry.site_settings import Industry

#: A re-check that has not ended after this many seconds is stopped (one site: its fetches,
#: renderings and retries fit well inside).
RECHECK_LIMIT = 15 * 60
#: Seconds a child asked to stop (SIGTERM) gets before it is killed.
STOP_GRACE = 20


class RecheckFailed(JobFailed):
    """The re-check ended without a result; the message says why, for the office."""


@dataclass(frozen=True, slots=True)
class ChildResult:
    """What the child sends back: the run it stored (or the error that stopped it)."""

    run_id: int | None
    error: str = ""


def _watch_lifeline(lifeline: Connection, stop: threading.Event) -> None:
    """Set ``stop`` when the server's end of the pipe closes (the server died or gave up)."""
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv()
    stop.set()


def check_in_child(
    paths: PathSettings,
    crawl: CrawlSettings,
    slug: str,
    today: date,
    lifeline: Connection,
    results: Connection,
    industries: tuple[Industry, ...] = (),
) -> None:
    """The child's work: crawl ``slug`` as a ``recheck`` run and send back its run id."""
    from monitor.crawl import CrawlError, run_crawl
    from monitor.db_health import DatabaseProblem

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=_watch_lifeline, args=(lifeline, stop), daemon=True).start()
    try:
        run_id = run_crawl(
            paths=paths,
            settings=replace(crawl, concurrency=1, render_pool=1),
            today=today,
            only=[slug],
            kind="recheck",
            stop_event=stop,
            industries=industries,
        )
    except (CrawlError, DatabaseProblem) as exc:
        results.send(ChildResult(None, str(exc)))
        return
    results.send(ChildResult(run_id, "stopped before the end" if stop.is_set() else ""))


def _ended(exitcode: int | None) -> Bilingual:
    if exitcode is None:
        return Bilingual("檢查程序仍在執行", "it was still running")
    if exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else "?"
        return Bilingual(
            f"檢查程序被訊號 {-exitcode}（{name}）終止：記憶體不足或被停止",
            f"it was killed by signal {-exitcode} ({name}; out of memory, or stopped)",
        )
    return Bilingual(f"檢查程序以狀態 {exitcode} 結束", f"it exited with status {exitcode}")


def recheck_in_child(
    paths: PathSettings,
    crawl: CrawlSettings,
    slug: str,
    today: date,
    *,
    limit: float = RECHECK_LIMIT,
    industries: tuple[Industry, ...] = (),
) -> int:
    """Crawl ``slug`` in a child process; the run id, or :class:`RecheckFailed` saying why."""
    context = multiprocessing.get_context("spawn")
    life_child, life_server = context.Pipe(duplex=False)
    result_server, result_child = context.Pipe(duplex=False)
    child = context.Process(
        target=check_in_child,
        args=(paths, crawl, slug, today, life_child, result_child, industries),
        name=f"recheck-{slug}",
    )
    child.start()
    life_child.close()
    result_child.close()
    try:
        got: ChildResult | None = None
        if result_server.poll(limit):
            try:
                got = result_server.recv()
            except EOFError:  # the child died before it could answer
                got = None
        child.join(STOP_GRACE if got is not None else 1)
        if child.is_alive():
            child.terminate()
            child.join(STOP_GRACE)
            if child.is_alive():
                child.kill()
                child.join(5)
            if got is None:
                raise RecheckFailed(
                    Bilingual(
                        f"{slug} 的檢查超過 {limit:.0f} 秒，已停止；本月結果不變",
                        f"the check of {slug} took over {limit:.0f} s and was stopped;"
                        " the month's results are unchanged",
                    )
                )
        if got is None:
            ended = _ended(child.exitcode)
            raise RecheckFailed(
                Bilingual(
                    f"{slug} 的檢查沒有結果就結束了（{ended.zh}）；本月結果不變",
                    f"the check of {slug} ended without a result ({ended.en});"
                    " the month's results are unchanged",
                )
            )
        if got.run_id is None or got.error:
            raise RecheckFailed(
                Bilingual(
                    f"{slug} 的檢查未完成，本月結果不變（{got.error}）",
                    f"the check of {slug} did not finish: {got.error}",
                )
            )
        return got.run_id
    finally:
        life_server.close()  # the child's lifeline ends: a child still running stops
        result_server.close()

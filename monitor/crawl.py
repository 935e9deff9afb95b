"""Running a whole crawl: every active alliance, in parallel, each result committed at once.

One site is checked by :func:`monitor.visit.check_site` (fetch, follow, render, judge).

Flow of a run (:func:`run_crawl`): the run and the list of planned slugs are stored first; worker
threads take alliances from a queue and commit each result (with the homepage snapshot and the
fingerprint) the moment it is judged. A crawl killed half-way is finished by ``resume=True``,
which judges only the slugs of that run not yet stored. A site that breaks a judge gets a
``warn`` result naming the error, never a crashed crawl. A site whose check the stop event cut
short (a fetch or a rendering refused because of the stop, or an error raised while stopping)
is not stored at all: what it would say is about the stop, not the site, and resume redoes it.

Kinds (:data:`monitor.store.RunKind`): a crawl of every active alliance is the ``month`` run;
``--only`` makes a ``partial`` one and the console's re-check a ``recheck`` one. Only a month run
is resumed; every start first closes the interrupted partial runs whose process is gone, and a
partial run stopped on purpose is closed at once. The whole crawl holds the database's writers'
lock (:func:`monitor.db_locks.writing`), so ``alliance db restore`` waits for no crawl.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.profiles import Alliance
from alliance_portal.registry.settings import CrawlSettings, PathSettings
from alliance_portal.registry.site_settings import Industry, office_industries
from monitor.db_locks import RunAlive, writing
from monitor.fetching import limits as S
from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import BrowserHost, Renderer
from monitor.model import SiteResult
from monitor.selection import CrawlError, select_alliances
from monitor.store import Run, RunKind, Store
from monitor.visit import CrawlContext, SiteOutcome, Stopped, broken_result, check_site
from monitor.visit_context import judging_process

__all__ = ["CrawlContext", "CrawlError", "check_site", "run_crawl"]

log = logging.getLogger(__name__)


def _resumable_run(store: Store, month: str) -> Run | None:
    """The month's interrupted month run, now owned by us; never a re-check or ``--only`` run."""
    run = store.latest_run_for_month(month, finished_only=False, kind="month")
    if run is None or run.finished or run.closed:
        return None
    try:
        return store.claim_run(run)
    except RunAlive:
        raise CrawlError(
            f"the crawl run {run.id} of {month} is still running in another process; wait for it"
            " to finish (or stop it) before resuming"
        ) from None


def slowest_first(store: Store, alliances: list[Alliance], *, before_month: str) -> list[Alliance]:
    """Start the sites that were slow in the newest earlier month's crawl first.

    A site that timed out last month costs several timeouts plus backoff in series; started
    last, it would leave every other worker idle at the end of the crawl, started first it
    overlaps with everything else. Only sites slower than :data:`SLOW_SITE_MS` move (slowest
    first); the rest keep their order, so pages that are merely large are not bunched together
    in front of the judge thread.
    """
    earlier = [m for m in store.months() if m < before_month]
    previous = (
        store.latest_run_for_month(earlier[-1], kind="month")
        or store.latest_run_for_month(earlier[-1])
        if earlier
        else None
    )
    if previous is None:
        return alliances
    took: dict[str, float] = {}
    for result in store.results(previous.id):
        elapsed = result.loads.details.get("elapsed_ms")
        if isinstance(elapsed, int | float) and elapsed >= S.SLOW_SITE_MS:
            took[result.slug] = float(elapsed)
    slow = sorted((a for a in alliances if a.slug in took), key=lambda a: -took[a.slug])
    return slow + [a for a in alliances if a.slug not in took]


def write_json_report(store: Store, run_id: int, path: Path) -> None:
    """The JSON report of a run in the shape of :mod:`monitor.model`, written atomically."""
    run = store.run(run_id)
    assert run is not None
    results = {r.slug: r for r in store.results(run_id)}
    ordered = [results[s] for s in run.planned if s in results]
    data = {
        "today": run.today,
        "month": run.month,
        "run_id": run.id,
        "finished": run.finished,
        "alliances": [r.to_json() for r in ordered],
    }
    atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def run_crawl(
    *,
    paths: PathSettings,
    today: date,
    settings: CrawlSettings | None = None,
    resume: bool = False,
    only: list[str] | None = None,
    json_path: Path | None = None,
    progress: bool = False,
    stop_event: threading.Event | None = None,
    fetch_options: FetchOptions | None = None,
    scheme_ports: Mapping[str, int] | None = None,
    renderer_executable: str | None = None,
    on_result: Callable[[SiteResult], None] | None = None,
    screenshots: bool = True,
    kind: RunKind | None = None,
    industries: tuple[Industry, ...] = (),
    browser_host: BrowserHost | None = None,
) -> int:
    """Crawl the registry's active alliances and return the run id.

    ``industries`` are ``[portal] industries`` of alliance.toml (empty: not set there, so an
    older pelicanconf.py's at ``paths.site_settings``, else the defaults).

    ``kind`` is the new run's kind: by default ``month``, or ``partial`` with ``only``; the
    console's re-check passes ``recheck``.

    ``paths`` and ``settings`` are :mod:`alliance_portal.registry.settings`'s (``[paths]`` and ``[crawl]`` of
    monitor.toml with the command line on top). ``month`` is ``today``'s YYYY-MM. With
    ``resume``, an unfinished run of that month is completed (its own reference date is kept)
    instead of starting a new one. When ``stop_event`` is set the crawl stops promptly and leaves
    the run unfinished, for a later resume. ``screenshots`` (on by default) stores a picture of
    every homepage that answered, with the deciding evidence's outline in the result
    (monitor/homepage_picture.py; :meth:`Store.screenshot`). ``fetch_options`` overrides the settings' timeout,
    retries and allow_private entirely (tests use it for a private CA and short backoffs);
    ``scheme_ports`` is for tests on loopback ports. ``browser_host`` lends a running browser
    (tests share one per module; monitor/fetching/browser_host.py): without it the crawl starts
    its own Chromium (``renderer_executable``, or Debian's; ``""`` renders nothing) and closes it
    at the end.
    """
    settings = settings or CrawlSettings()
    with writing(paths.db):
        return _run_crawl(
            paths=paths,
            today=today,
            settings=settings,
            resume=resume,
            only=only,
            json_path=json_path,
            progress=progress,
            stop=stop_event or threading.Event(),
            fetch_options=fetch_options,
            scheme_ports=scheme_ports,
            renderer_executable=renderer_executable,
            on_result=on_result,
            screenshots=screenshots,
            kind=kind or ("partial" if only else "month"),
            industries=industries,
            browser_host=browser_host,
        )


def _run_crawl(
    *,
    paths: PathSettings,
    today: date,
    settings: CrawlSettings,
    resume: bool,
    only: list[str] | None,
    json_path: Path | None,
    progress: bool,
    stop: threading.Event,
    fetch_options: FetchOptions | None,
    scheme_ports: Mapping[str, int] | None,
    renderer_executable: str | None,
    on_result: Callable[[SiteResult], None] | None,
    screenshots: bool,
    kind: RunKind,
    industries: tuple[Industry, ...],
    browser_host: BrowserHost | None,
) -> int:
    """:func:`run_crawl` under the writers' lock."""
    content_dir, db_path = paths.content, paths.db
    store = Store(db_path)
    for closed in store.close_interrupted():
        log.info(
            "closed the interrupted %s run %d of %s (%s); it is not resumed",
            closed.kind,
            closed.id,
            closed.month,
            ", ".join(closed.planned[:3]) + ("..." if len(closed.planned) > 3 else ""),
        )
    month = today.strftime("%Y-%m")
    industries, _notice = office_industries(industries, paths.site_settings)  # noted by the CLI
    run = _resumable_run(store, month) if resume else None
    if run is not None:
        today = date.fromisoformat(run.today)
        resumed = select_alliances(content_dir, list(run.planned), industries)
        alliances_by_slug = {a.slug: a for a in resumed}
        log.info("resuming run %d of %s", run.id, run.month)
    else:
        if resume:
            log.info("no unfinished crawl of %s to resume; starting a new one", month)
        chosen = select_alliances(content_dir, only, industries)
        alliances_by_slug = {a.slug: a for a in chosen}
        run = store.start_run(
            month=month, today=today.isoformat(), planned=[a.slug for a in chosen], kind=kind
        )
    try:
        return _crawl_run(
            store,
            run,
            alliances_by_slug,
            today=today,
            settings=settings,
            json_path=json_path,
            progress=progress,
            stop=stop,
            fetch_options=fetch_options,
            scheme_ports=scheme_ports,
            renderer_executable=renderer_executable,
            on_result=on_result,
            screenshots=screenshots,
            browser_host=browser_host,
        )
    finally:
        after = store.run(run.id)
        if after is not None and not after.finished and after.kind != "month":
            store.close_run(run.id)  # a partial run stopped on purpose is never resumed
        store.release_run(run.id)
        store.close()


def _crawl_run(
    store: Store,
    run: Run,
    alliances_by_slug: Mapping[str, Alliance],
    *,
    today: date,
    settings: CrawlSettings,
    json_path: Path | None,
    progress: bool,
    stop: threading.Event,
    fetch_options: FetchOptions | None,
    scheme_ports: Mapping[str, int] | None,
    renderer_executable: str | None,
    on_result: Callable[[SiteResult], None] | None,
    screenshots: bool,
    browser_host: BrowserHost | None,
) -> int:
    """Check the run's sites not yet stored, in threads; finish the run unless stopped."""
    done = store.done_slugs(run.id)
    todo = [alliances_by_slug[s] for s in run.planned if s not in done and s in alliances_by_slug]
    todo = slowest_first(store, todo, before_month=run.month)
    fingerprints = store.previous_fingerprints(before_month=run.month)

    options = fetch_options or FetchOptions.from_timeout(
        settings.timeout,
        retries=settings.retries,
        policy=AddressPolicy(allow_private=settings.allow_private),
    )
    fetcher = Fetcher(options, stop_event=stop)
    renderer = Renderer(
        fetcher,
        executable=renderer_executable,
        host=browser_host,
        timeout=settings.render_timeout,
        pool_size=settings.render_pool,
        stop_event=stop,
    )
    ctx = CrawlContext(
        fetcher=fetcher,
        renderer=renderer,
        today=today,
        scheme_ports=scheme_ports,
        screenshots=screenshots,
        judge_pool=judging_process() if S.JUDGE_IN_PROCESS else ThreadPoolExecutor(1),
    )

    jobs: queue.Queue[Alliance] = queue.Queue()
    for alliance in todo:
        jobs.put(alliance)
    bar = _Progress(len(run.planned), len(run.planned) - len(todo)) if progress else None

    def worker() -> None:
        try:
            while not stop.is_set():
                try:
                    alliance = jobs.get_nowait()
                except queue.Empty:
                    return
                previous = fingerprints.get(alliance.slug)
                try:
                    outcome = check_site(alliance, ctx, previous_fingerprint=previous)
                except Stopped:
                    return
                except Exception as exc:
                    if stop.is_set():
                        # Raised while stopping (a browser killed by the same SIGTERM, a
                        # closed connection): not a finding about the site; resume redoes it.
                        log.info("%s: check interrupted by the stop: %s", alliance.slug, exc)
                        return
                    log.error("%s: check failed:\n%s", alliance.slug, traceback.format_exc())
                    outcome = SiteOutcome(broken_result(alliance, exc))
                store.save_result(
                    run.id,
                    outcome.result,
                    fingerprint=outcome.fingerprint,
                    homepage=outcome.homepage,
                    screenshot=outcome.screenshot,
                )
                if on_result is not None:
                    on_result(outcome.result)
                if bar is not None:
                    bar.advance(alliance.slug)
        finally:
            store.close()

    threads = [
        threading.Thread(target=worker, name=f"crawl-{i}", daemon=True)
        for i in range(max(1, min(settings.concurrency, len(todo))))
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.5)
    except KeyboardInterrupt:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        raise
    finally:
        if bar is not None:
            bar.close()
        ctx.close()

    if not stop.is_set():
        missing = set(run.planned) - store.done_slugs(run.id) - set(alliances_by_slug)
        for slug in sorted(missing):
            log.warning(
                "%s: planned in run %d but no longer in the registry; skipped", slug, run.id
            )
        store.finish_run(run.id)
        if json_path is not None:
            write_json_report(store, run.id, json_path)
    store.close()
    return run.id


class _Progress:
    """A rich progress bar on stderr (only when asked: the CLI asks on a terminal)."""

    def __init__(self, total: int, completed: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._lock = threading.Lock()
        self._progress = Progress(
            TextColumn("crawl"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[slug]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task("crawl", total=total, completed=completed, slug="")
        self._progress.start()

    def advance(self, slug: str) -> None:
        with self._lock:
            self._progress.update(self._task, advance=1, slug=slug)

    def close(self) -> None:
        self._progress.stop()

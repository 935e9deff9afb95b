"""Running a whole crawl: every active alliance, in parallel, each result committed at once.

Flow of one site (:func:`check_site`)::

    fetch homepage (other scheme if the registered one is dead)      -> loads inputs
      decode -> looks JS-rendered? -> render in Chromium (guarded)   -> homepage Page
      classify_page (empty / default / parked)                       -> loads
      news link on the same site (one), feeds it links (at most 2)   -> news/feed Pages
      judge_credit(homepage, other_pages=[news])                     -> credit
      judge_updates([homepage, news, feeds], previous fingerprint)   -> updates, fingerprint

Flow of a run (:func:`run_crawl`): the run and the list of planned slugs are stored first; worker
threads take alliances from a queue and commit each result (with the homepage snapshot and the
fingerprint) the moment it is judged. A crawl killed half-way is finished by ``resume=True``,
which judges only the slugs of that run not yet stored. A site that breaks a judge gets a
``warn`` result naming the error, never a crashed crawl. A site whose check the stop event cut
short (a fetch or a rendering refused because of the stop, or an error raised while stopping)
is not stored at all: what it would say is about the stop, not the site, and resume redoes it.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.profiles import Alliance, load_registry
from monitor.config import CrawlSettings, PathSettings
from monitor.fetching import limits as S
from monitor.fetching.fetch import Fetcher, FetchOptions, FetchResult
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import Renderer
from monitor.model import Check, Code, Page, SiteResult
from monitor.rules.credit import judge_credit
from monitor.rules.loads import HomepageFetch, fetch_homepage, is_html, judge_loads, same_site
from monitor.rules.page_text import decode_html
from monitor.rules.pagekind import classify_page, follow_target, looks_js_rendered
from monitor.rules.updates import find_about_link, find_feed_links, find_news_link, judge_updates
from monitor.store import Run, Store

log = logging.getLogger(__name__)
T = TypeVar("T")

_NOT_CHECKED = Bilingual("首頁無法開啟，未檢查", "not checked: the homepage did not load")
_NOT_RENDERED = Bilingual(
    "首頁內容由 JavaScript 產生且無法顯示，未檢查，請人工確認",
    "not checked: the homepage is built by JavaScript and could not be rendered; please check"
    " by hand",
)
_INTERNAL_ERROR = Bilingual(
    "檢查程式發生錯誤，請人工確認",
    "the monitor hit an internal error on this site; please check by hand and report the error",
)


class CrawlError(ValueError):
    """Bad crawl input (an unknown ``--only`` slug, an empty registry): say what and how to fix."""


@dataclass(slots=True)
class SiteOutcome:
    """One judged site, ready to store: the result, its fingerprint and the homepage bytes."""

    result: SiteResult
    fingerprint: str | None = None
    homepage: bytes | None = None
    #: Where the homepage bytes came from and their type (for a screenshot of them).
    page_url: str | None = None
    content_type: str | None = None
    #: PNG of the homepage above the fold (``alliance crawl --screenshots``).
    screenshot: bytes | None = None


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
    #: Parsing and judging run on a small pool of their own while the workers keep fetching.
    #: Judging is CPU work under the GIL, so more threads than cores gain nothing; and a parse of
    #: a multi-megabyte page takes tens of MB that the C allocator keeps per thread, so doing
    #: all parsing on the same few threads is what keeps the crawl's memory bounded.
    judge_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(S.JUDGE_CONCURRENCY, thread_name_prefix="judge")
    )

    def judge(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the judge pool and wait for its answer (exceptions propagate)."""
        return self.judge_pool.submit(fn, *args, **kwargs).result()

    def close(self) -> None:
        self.judge_pool.shutdown(wait=True)
        self.renderer.close()
        self.fetcher.close()


def _page_from(result: FetchResult, kind: str) -> Page | None:
    if not result.ok:
        return None
    if kind != "feed" and not is_html(result.content_type, result.body):
        return None
    text, _encoding = decode_html(result.body, result.content_type)
    return Page(url=result.final_url or result.url, html=text, kind=kind)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class _HomeRead:
    """All the homepage questions answered in one judging call (see :func:`_read_home`)."""

    html: str
    encoding: str
    #: where a frameset or meta refresh sends the visitor, when that is another page
    frame_target: str | None
    needs_browser: bool
    #: the page-kind check and the news/feed links, unless the page must be rendered first
    page_check: Check | None = None
    links: tuple[str | None, list[str]] | None = None


def _read_home(r: FetchResult, *, follow_frames: bool = True) -> _HomeRead:
    """Decode the homepage and ask every question about its static HTML in one go.

    Why one call: the judges share one parse through a memo of a few pages, but the judging
    thread serves all the crawl workers in turn; asked in separate calls, a site's questions
    were interleaved with 30 other sites' and each found its parse evicted (five parses per
    homepage, which made the judging thread the crawl's bottleneck on a slow machine).
    With ``follow_frames`` a page whose frames or meta refresh lead elsewhere is only asked
    where they lead (the crawl goes there); without it, the page is judged where it is.
    """
    url = r.final_url or r.url
    html, encoding = decode_html(r.body, r.content_type)
    target = follow_target(Page(url=url, html=html)) if follow_frames else None
    if target and target.split("#", 1)[0] == url.split("#", 1)[0]:
        target = None
    needs_browser = looks_js_rendered(html)
    if target or needs_browser:
        return _HomeRead(html, encoding, target, needs_browser)
    homepage = Page(url=url, html=html, kind="homepage")
    return _HomeRead(html, encoding, None, False, classify_page(homepage), _links(homepage))


def _links(homepage: Page) -> tuple[str | None, list[str]]:
    return find_news_link(homepage), find_feed_links(homepage)


def _judge_content(
    homepage: Page,
    news_page: Page | None,
    pages: list[Page],
    today: date,
    previous_fingerprint: str | None,
) -> tuple[Check, tuple[Check, str]]:
    credit = judge_credit(homepage, other_pages=[news_page] if news_page else [])
    return credit, judge_updates(pages, today=today, previous_fingerprint=previous_fingerprint)


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
        _add_screenshot(ctx, outcome)
    return outcome


def _add_screenshot(ctx: CrawlContext, outcome: SiteOutcome) -> None:
    """Photograph the homepage bytes of ``outcome`` unless the rendering already did."""
    extra = outcome.result.extra
    if outcome.screenshot is None:
        body, url = outcome.homepage, outcome.page_url
        if not body or not url or not is_html(outcome.content_type, body):
            extra["screenshot"] = None
            extra["screenshot_note"] = "沒有可拍攝的網頁 / no web page to photograph"
            return
        shot = ctx.renderer.render(url, body, outcome.content_type, screenshot=True)
        if shot.interrupted:
            raise Stopped
        outcome.screenshot = shot.png
        if shot.png is None:
            extra["screenshot"] = None
            extra["screenshot_note"] = shot.note
            return
    width, height = S.SCREENSHOT_VIEWPORT
    extra["screenshot"] = {
        "format": "png",
        "bytes": len(outcome.screenshot or b""),
        "viewport": f"{width}x{height}",
    }


def _check_site(
    alliance: Alliance, ctx: CrawlContext, *, previous_fingerprint: str | None
) -> SiteOutcome:
    home = fetch_homepage(ctx.fetcher, alliance.website, scheme_ports=ctx.scheme_ports)
    r = home.result
    if r.error is not None and r.error.kind == "stopped":
        raise Stopped
    extra: dict[str, Any] = {}
    if r.error is not None or not is_html(r.content_type, r.body):
        loads = judge_loads(home)
        not_checked = Check("fail", Code.NOT_CHECKED, _NOT_CHECKED, loads.reason)
        result = SiteResult(
            slug=alliance.slug,
            url=alliance.website,
            final_url=r.final_url,
            loads=loads,
            credit=not_checked,
            updates=replace(not_checked, details={"latest_date": None, "source": None}),
            name=alliance.name,
        )
        return SiteOutcome(result, None, r.body or None, r.final_url or r.url, r.content_type)

    r, read = _follow_frames(ctx, home)
    if r.error is not None and r.error.kind == "stopped":
        raise Stopped
    final_url = r.final_url or r.url
    needs_browser = read.needs_browser
    extra["encoding"] = read.encoding
    homepage = Page(url=final_url, html=read.html, kind="homepage")
    render_note = ""
    render_failed = False
    shot: bytes | None = None
    if needs_browser:
        rendered = ctx.renderer.render(
            final_url, r.body, r.content_type, screenshot=ctx.screenshots
        )
        if rendered.interrupted:
            raise Stopped
        render_note = rendered.note
        shot = rendered.png
        if rendered.html is not None:
            homepage = Page(url=final_url, html=rendered.html, kind="homepage")
            extra["rendered"] = True
        else:
            render_failed = True
    # the static answers of _read_home hold unless the browser showed another page
    page_check = ctx.judge(classify_page, homepage) if needs_browser else read.page_check
    loads = judge_loads(
        home, page_check=page_check, render_note=render_note, render_failed=render_failed
    )
    if loads.status == "fail":
        not_checked = Check("fail", Code.NOT_CHECKED, _NOT_CHECKED, loads.reason)
        result = SiteResult(
            slug=alliance.slug,
            url=alliance.website,
            final_url=final_url,
            loads=loads,
            credit=not_checked,
            updates=replace(not_checked, details={"latest_date": None, "source": None}),
            name=alliance.name,
            extra=extra,
        )
        return SiteOutcome(result, None, r.body, final_url, r.content_type, shot)

    if render_failed:
        unseen = Check("warn", Code.NOT_CHECKED, _NOT_RENDERED, render_note)
        result = SiteResult(
            slug=alliance.slug,
            url=alliance.website,
            final_url=final_url,
            loads=loads,
            credit=unseen,
            updates=replace(unseen, details={"latest_date": None, "source": None}),
            name=alliance.name,
            extra=extra,
        )
        return SiteOutcome(result, None, r.body, final_url, r.content_type, shot)

    pages = [homepage]
    news_page: Page | None = None
    links = read.links
    if needs_browser or links is None:
        links = ctx.judge(_links, homepage)
    news_url, feed_urls = links
    feed_urls = feed_urls[: ctx.max_feeds]
    if news_url and same_site(news_url, final_url):
        got = ctx.fetcher.fetch(news_url, max_bytes=S.MAX_SUBPAGE_BYTES)
        if got.error is not None and got.error.kind == "stopped":
            raise Stopped
        news_page = ctx.judge(_page_from, got, "news")
        extra["news_url"] = news_url
        if news_page is not None and extra.get("rendered"):
            news_page = _render_news(ctx, news_page, got, extra)
        if news_page is None:
            extra["news_error"] = got.error.message if got.error else "not an HTML page"
        else:
            pages.append(news_page)
    feeds: list[str] = []
    for feed_url in feed_urls:
        got = ctx.fetcher.fetch(feed_url, max_bytes=S.MAX_SUBPAGE_BYTES)
        if got.error is not None and got.error.kind == "stopped":
            raise Stopped
        feed_page = ctx.judge(_page_from, got, "feed")
        if feed_page is not None:
            pages.append(feed_page)
            feeds.append(feed_url)
    if feeds:
        extra["feeds"] = feeds

    credit, (updates, fingerprint) = ctx.judge(
        _judge_content, homepage, news_page, pages, ctx.today, previous_fingerprint
    )
    found_elsewhere = credit.code is Code.CREDIT_OTHER_PAGE or "elsewhere" in credit.details
    if credit.status != "pass" and not found_elsewhere:
        credit = _credit_with_about_page(ctx, homepage, news_page, news_url, credit, extra)
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
    return SiteOutcome(result, fingerprint, r.body, final_url, r.content_type, shot)


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
    about = ctx.judge(_page_from, got, "news")
    if about is None:
        return credit
    if extra.get("rendered"):
        about = _render_news(ctx, about, got, {})
    extra["about_url"] = about_url
    others = [p for p in (news_page, about) if p is not None]
    return ctx.judge(judge_credit, homepage, other_pages=others)


def _render_news(ctx: CrawlContext, news: Page, got: FetchResult, extra: dict[str, Any]) -> Page:
    """The news page as the browser shows it, when the homepage needed the browser too.

    A single-page app answers every path with the same empty shell; its news list exists only
    after its scripts ran, so the news page is judged on the rendering as well.
    """
    if not ctx.judge(looks_js_rendered, news.html):
        return news
    rendered = ctx.renderer.render(news.url, got.body, got.content_type)
    if rendered.interrupted:
        raise Stopped
    if rendered.html is None:
        extra["news_render_note"] = rendered.note
        return news
    extra["news_rendered"] = True
    return Page(url=news.url, html=rendered.html, kind="news")


def _follow_frames(ctx: CrawlContext, home: HomepageFetch) -> tuple[FetchResult, _HomeRead]:
    """Follow a frameset's main frame or a meta refresh (at most twice), as a visitor's browser does.

    The followed page becomes the homepage; its address joins the redirect chain, so a frame
    pointing at another host is reported like a redirect to one. If the target cannot be
    fetched the original page is judged as it is. Returns the homepage and what was read of it.
    """
    r = home.result
    read = ctx.judge(_read_home, r)
    for _ in range(2):
        target = read.frame_target
        if not target:
            break
        got = ctx.fetcher.fetch(target)
        if not got.ok or not is_html(got.content_type, got.body):
            break
        got.redirects = [*r.redirects, r.final_url or r.url, *got.redirects]
        got.retry_reasons = r.retry_reasons + got.retry_reasons
        got.attempts += r.attempts
        got.tls_problem = got.tls_problem or r.tls_problem
        r = got
        read = ctx.judge(_read_home, r)
    if read.frame_target:
        # the page still points elsewhere (a third hop, or a target that failed): judge it as
        # it is, with the answers _read_home skipped for a page it expected to leave
        read = ctx.judge(_read_home, r, follow_frames=False)
    home.result = r
    return r, read


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


def select_alliances(content_dir: Path, only: Sequence[str] | None) -> list[Alliance]:
    """Active alliances of the registry (or the ``only`` ones), with a clear error otherwise."""
    registry = load_registry(content_dir, None)
    for problem in registry.errors:
        log.warning("registry: %s", problem)
    active = [a for a in registry.alliances if a.active]
    if only:
        by_slug = {a.slug: a for a in registry.alliances}
        unknown = [s for s in only if s not in by_slug]
        if unknown:
            raise CrawlError(
                f"--only: no valid profile for {', '.join(unknown)} in {content_dir / 'alliances'}"
                " (check the spelling against the file names; run `alliance check` for errors)"
            )
        return [by_slug[s] for s in dict.fromkeys(only)]
    if not active and not registry.alliances:
        raise CrawlError(
            f"no alliance profiles found in {content_dir / 'alliances'} "
            "(use --content to point at the folder holding alliances/)"
        )
    return active


def _resumable_run(store: Store, month: str) -> Run | None:
    run = store.latest_run_for_month(month, finished_only=False)
    return run if run is not None and not run.finished else None


def slowest_first(store: Store, alliances: list[Alliance], *, before_month: str) -> list[Alliance]:
    """Start the sites that were slow in the newest earlier month's crawl first.

    A site that timed out last month costs several timeouts plus backoff in series; started
    last, it would leave every other worker idle at the end of the crawl, started first it
    overlaps with everything else. Only sites slower than :data:`SLOW_SITE_MS` move (slowest
    first); the rest keep their order, so pages that are merely large are not bunched together
    in front of the judge thread.
    """
    earlier = [m for m in store.months() if m < before_month]
    previous = store.latest_run_for_month(earlier[-1]) if earlier else None
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
    """The JSON report of a run in the DESIGN.md shape, written atomically."""
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
    screenshots: bool = False,
) -> int:
    """Crawl the registry's active alliances and return the run id.

    ``paths`` and ``settings`` are :mod:`monitor.config`'s (``[paths]`` and ``[crawl]`` of
    monitor.toml with the command line on top). ``month`` is ``today``'s YYYY-MM. With
    ``resume``, an unfinished run of that month is completed (its own reference date is kept)
    instead of starting a new one. When ``stop_event`` is set the crawl stops promptly and leaves
    the run unfinished, for a later resume. ``screenshots`` stores a PNG of every homepage that
    answered (see :meth:`Store.screenshot`). ``fetch_options`` overrides the settings' timeout,
    retries and allow_private entirely (tests use it for a private CA and short backoffs);
    ``scheme_ports`` is for tests on loopback ports.
    """
    settings = settings or CrawlSettings()
    content_dir, db_path = paths.content, paths.db
    stop = stop_event or threading.Event()
    store = Store(db_path)
    month = today.strftime("%Y-%m")
    run = _resumable_run(store, month) if resume else None
    if run is not None:
        today = date.fromisoformat(run.today)
        alliances_by_slug = {a.slug: a for a in select_alliances(content_dir, list(run.planned))}
        log.info("resuming run %d of %s", run.id, run.month)
    else:
        if resume:
            log.info("no unfinished crawl of %s to resume; starting a new one", month)
        chosen = select_alliances(content_dir, only)
        alliances_by_slug = {a.slug: a for a in chosen}
        run = store.start_run(
            month=month, today=today.isoformat(), planned=[a.slug for a in chosen]
        )
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
        timeout=max(settings.timeout, 5.0),
        pool_size=settings.render_pool,
        stop_event=stop,
    )
    ctx = CrawlContext(
        fetcher=fetcher,
        renderer=renderer,
        today=today,
        scheme_ports=scheme_ports,
        screenshots=screenshots,
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

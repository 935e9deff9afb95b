"""The renderer's pool of pages in one real Chromium, against loopback single-page apps.

Each site is on its own loopback address, as alliances are on their own hosts: the Fetcher
allows one request at a time per host, and these tests are about the browser, not that rule.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import BrowserHost, Rendered, Renderer, find_chromium
from monitor.rules.pagekind import looks_js_rendered
from tests.support.farm import (
    SPA_SHELL,
    Handler,
    Site,
    process_name,
    process_tree,
    spa_content,
    spa_routes,
)
from tests.support.waiting import eventually


def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    return exe


def fetcher() -> Fetcher:
    return Fetcher(
        FetchOptions(
            connect_timeout=2,
            read_timeout=5,
            deadline=6,
            retries=0,
            policy=AddressPolicy(allow_private=True),
        )
    )


class InFlight:
    """Counts the requests being answered at the same moment, across all sites."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self.now -= 1


def slow_json(
    seconds: float, news_date: str = "2026-11-12", *, count: InFlight | None = None
) -> Handler:
    """/data.json answered after ``seconds``: the page's data call is what a pool overlaps."""
    import json

    from tests.support.farm import send

    body = json.dumps(spa_content("慢速聯盟", news_date), ensure_ascii=False).encode()

    def handle(h: object) -> None:
        with count or InFlight():
            time.sleep(seconds)
        send(h, body, content_type="application/json")  # type: ignore[arg-type]

    return handle


@pytest.fixture
def sites() -> Iterator[list[Site]]:
    started = [Site(f"127.0.0.{20 + i}").start() for i in range(4)]
    try:
        yield started
    finally:
        for s in started:
            s.stop()


def render_all(renderer: Renderer, sites: list[Site]) -> list[Rendered]:
    """Render every site's homepage from its own crawl-worker thread, all at once."""
    with ThreadPoolExecutor(len(sites)) as workers:
        futures = [
            workers.submit(renderer.render, s.url("/"), SPA_SHELL.encode(), "text/html")
            for s in sites
        ]
        return [f.result() for f in futures]


def test_the_fixture_is_an_app_shell() -> None:
    assert looks_js_rendered(SPA_SHELL)


@pytest.mark.parametrize("pool", [1, 2])
def test_at_most_pool_size_pages_render_at_once(sites: list[Site], pool: int) -> None:
    waiting = InFlight()
    for s in sites:
        s.routes.update(spa_routes("慢速聯盟", "2026-11-12", data=slow_json(0.8, count=waiting)))
    renderer = Renderer(fetcher(), executable=chromium(), timeout=10, pool_size=pool)
    try:
        shown = render_all(renderer, sites)
    finally:
        renderer.close()
    assert all(r.html is not None and "國科會補助" in r.html for r in shown), shown
    assert all("2026-11-12" in (r.html or "") for r in shown)
    assert renderer.peak_pages == pool
    # The pages' slow data calls overlap exactly as far as the pool lets them.
    assert waiting.peak == pool


def test_a_page_waiting_for_a_slow_request_does_not_hold_up_another(sites: list[Site]) -> None:
    slow, quick = sites[0], sites[1]
    slow.routes.update(spa_routes("慢速聯盟", "2026-11-12", data=slow_json(4.0)))
    quick.routes.update(spa_routes("快速聯盟", "2026-11-13"))
    renderer = Renderer(fetcher(), executable=chromium(), timeout=10, pool_size=2)
    try:
        renderer.render(quick.url("/"), SPA_SHELL.encode(), "text/html")  # browser up
        with ThreadPoolExecutor(1) as worker:
            waiting = worker.submit(renderer.render, slow.url("/"), SPA_SHELL.encode(), "text/html")
            time.sleep(0.5)  # the slow page is now waiting for its data in the fetch pool
            fast = renderer.render(quick.url("/"), SPA_SHELL.encode(), "text/html")
            assert not waiting.done()  # shown while the slow page still waits (no clock: load)
            late = waiting.result()
    finally:
        renderer.close()
    assert fast.html is not None and "2026-11-13" in fast.html
    assert late.html is not None and "2026-11-12" in late.html


def test_the_stop_interrupts_a_rendering_promptly(sites: list[Site]) -> None:
    stop = threading.Event()
    asked = threading.Event()
    answered = threading.Event()
    inner = slow_json(5.0)

    def data(h: object) -> None:
        asked.set()
        inner(h)  # type: ignore[arg-type]
        answered.set()

    sites[0].routes.update(spa_routes("慢速聯盟", "2026-11-12", data=data))
    renderer = Renderer(fetcher(), executable=chromium(), timeout=10, stop_event=stop)
    try:
        threading.Thread(target=lambda: asked.wait(20) and stop.set(), daemon=True).start()
        shown = renderer.render(sites[0].url("/"), SPA_SHELL.encode(), "text/html")
        waited_for_the_answer = answered.is_set()
        after = renderer.render(sites[1].url("/"), SPA_SHELL.encode(), "text/html")
    finally:
        renderer.close()
    assert shown.interrupted and shown.html is None
    assert not waited_for_the_answer  # the 5 s request was not waited for (no clock: load)
    assert after.interrupted  # nothing new starts once the crawl stops


def test_a_browser_that_cannot_start_is_renderer_unavailable(sites: list[Site]) -> None:
    sites[0].routes.update(spa_routes("聯盟", "2026-11-12"))
    renderer = Renderer(fetcher(), executable="/bin/false", timeout=5)
    try:
        first = renderer.render(sites[0].url("/"), SPA_SHELL.encode(), "text/html")
        second = renderer.render(sites[0].url("/"), SPA_SHELL.encode(), "text/html")
    finally:
        renderer.close()
    for r in (first, second):
        assert r.html is None and not r.interrupted
        assert "renderer unavailable" in r.note.en and "could not start" in r.note.en
    assert sites[0].hits["/spa.js"] == 0


def _chromium_pids(before: set[int]) -> set[int]:
    return {
        p
        for p in process_tree(os.getpid())
        if p not in before and "chrom" in process_name(p).lower()
    }


def test_close_ends_the_browser_and_the_thread(sites: list[Site]) -> None:
    sites[0].routes.update(spa_routes("聯盟", "2026-11-12"))
    before = set(process_tree(os.getpid()))
    renderer = Renderer(fetcher(), executable=chromium(), timeout=10, pool_size=2)
    assert not _chromium_pids(before)  # lazy: no browser before the first JS homepage
    shown = renderer.render(sites[0].url("/"), SPA_SHELL.encode(), "text/html")
    assert shown.html is not None and "國科會補助" in shown.html
    assert _chromium_pids(before)
    renderer.close()
    assert not any(t.name == "renderer" for t in threading.enumerate())
    assert eventually(lambda: not _chromium_pids(before))


# --- one browser lent to several renderers (issue 18.7: a browser per module in the tests) -----


def fetcher_for(address: str) -> Fetcher:
    """A fetcher whose guard lets it reach ``address`` only (each crawl has its own)."""
    return Fetcher(
        FetchOptions(
            connect_timeout=2,
            read_timeout=5,
            deadline=6,
            retries=0,
            policy=AddressPolicy.with_networks([f"{address}/32"]),
        )
    )


def test_renderers_lent_one_host_share_its_browser_and_keep_their_own_fetcher(
    sites: list[Site],
) -> None:
    """Two crawls in one browser: each page's requests go through its own crawl's fetcher
    (guard included), closing a crawl's renderer leaves the browser to the next, and closing
    the host ends it."""
    for i, s in enumerate(sites[:2]):
        s.routes.update(spa_routes(f"聯盟{i}", f"2026-11-1{i}"))
    before = set(process_tree(os.getpid()))
    host = BrowserHost(chromium())
    try:
        first = Renderer(fetcher_for(sites[0].host), host=host, timeout=10)
        try:
            own = first.render(sites[0].url("/"), SPA_SHELL.encode(), "text/html")
            other = first.render(sites[1].url("/"), SPA_SHELL.encode(), "text/html")
            watch = first.memory_watch
            assert watch is not None and watch.browser_pid == host.browser_pid
        finally:
            first.close()
        assert first.memory_watch is None and not watch._thread.is_alive()
        assert _chromium_pids(before), "closing a renderer that borrowed the browser closed it"
        second = Renderer(fetcher_for(sites[1].host), host=host, timeout=10)
        try:
            theirs = second.render(sites[1].url("/"), SPA_SHELL.encode(), "text/html")
        finally:
            second.close()
        assert host.launches == 1
    finally:
        host.close()
    assert own.html is not None and "2026-11-10" in own.html
    # the first crawl's guard refused the second site's script: never fetched, never drawn
    assert other.html is not None and "2026-11-11" not in other.html
    assert theirs.html is not None and "2026-11-11" in theirs.html
    assert sites[1].hits["/spa.js"] == 1
    assert not any(t.name == "renderer" for t in threading.enumerate())
    assert eventually(lambda: not _chromium_pids(before))


def test_a_lent_browser_that_died_is_started_again_with_the_memory_watch_on_it(
    sites: list[Site],
) -> None:
    sites[0].routes.update(spa_routes("聯盟", "2026-11-12"))
    host = BrowserHost(chromium())
    renderer = Renderer(fetcher(), host=host, timeout=10)
    try:
        before = renderer.render(sites[0].url("/"), SPA_SHELL.encode(), "text/html")
        dead = host.browser_pid
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        assert eventually(lambda: not host._browser.is_connected()), "the driver never noticed"
        after = renderer.render(sites[0].url("/"), SPA_SHELL.encode(), "text/html")
        watch = renderer.memory_watch
        assert host.launches == 2 and host.browser_pid not in (None, dead)
        assert watch is not None and watch.browser_pid == host.browser_pid
    finally:
        renderer.close()
        host.close()
    for shown in (before, after):
        assert shown.html is not None and "2026-11-12" in shown.html, shown.note


def test_one_crawls_stop_does_not_interrupt_another_in_the_same_browser(
    sites: list[Site], browser_host: BrowserHost
) -> None:
    chromium()
    stop = threading.Event()
    asked = threading.Event()
    inner = slow_json(5.0)

    def data(h: object) -> None:
        asked.set()
        inner(h)  # type: ignore[arg-type]

    sites[0].routes.update(spa_routes("慢速聯盟", "2026-11-12", data=data))
    sites[1].routes.update(spa_routes("快速聯盟", "2026-11-13"))
    stopped = Renderer(fetcher(), host=browser_host, timeout=10, stop_event=stop)
    going = Renderer(fetcher(), host=browser_host, timeout=10)
    try:
        with ThreadPoolExecutor(1) as worker:
            cut = worker.submit(stopped.render, sites[0].url("/"), SPA_SHELL.encode(), "text/html")
            assert asked.wait(30), "the slow page never asked for its data"
            stop.set()
            shown = going.render(sites[1].url("/"), SPA_SHELL.encode(), "text/html")
            interrupted = cut.result()
    finally:
        stopped.close()
        going.close()
    assert interrupted.interrupted and interrupted.html is None
    assert not shown.interrupted and shown.html is not None and "2026-11-13" in shown.html


def test_a_renderer_lent_a_host_renders_in_that_browser_only() -> None:
    """The browser is the host's: a Renderer asked for another one is a programming error,
    and ``executable=""`` (a crawl told not to render) starts nothing."""
    host = BrowserHost("/usr/bin/chromium-of-the-host")
    with pytest.raises(ValueError, match="give the browser to the BrowserHost"):
        Renderer(fetcher(), host=host, executable="/usr/bin/another-chromium")
    quiet = Renderer(fetcher(), host=host, executable="")
    try:
        shown = quiet.render("http://127.0.0.20/", b"<p>x</p>", "text/html")
    finally:
        quiet.close()
    assert not quiet.available and shown.html is None and "renderer unavailable" in shown.note.en
    assert host.launches == 0
    host.close()

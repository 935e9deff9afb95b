"""The renderer when its own machinery fails: a browser that cannot be started again, a page
killed for memory beside an innocent one, a launch or a loop that hangs, a reused pid.

Real Chromium throughout (Debian's, through a small shell wrapper where a launch must fail on
demand: the wrapper fails while a flag file exists, and appends a line per launch to a file),
pages on loopback addresses only, every wait bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from monitor.fetching import limits as S
from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.memory_watch import MemoryWatch
from monitor.fetching.render import BrowserHost, Renderer
from tests.support.farm import Site, hang
from tests.support.waiting import eventually
from tests.support.wedge import state
from tests.test_render_pool import chromium, fetcher
from tests.test_render_wedge import fake_browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow

HTML = (
    "<!doctype html><html lang='zh-TW'><head><meta charset='utf-8'><title>聯盟</title></head>"
    "<body><p>2026-11-01 本聯盟為國科會補助</p><script>document.body.append('JS-RAN')</script>"
    "</body></html>"
).encode()

#: The browser's own processes take their time on two busy cores.
_eventually = functools.partial(eventually, seconds=15.0)


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    yield
    assert _eventually(
        lambda: not [t for t in threading.enumerate() if t.name in ("renderer", "renderer-memory")]
    ), "a renderer thread outlived its test"


def test_the_host_never_kills_a_process_that_took_its_browsers_pid() -> None:
    """The browser's pid, recorded at launch, now names another process (the browser died
    and the pid was reused): before the fix retiring the browser SIGKILLed that process."""
    host = BrowserHost(chromium())
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        loop, _thread = host.loop()
        browser = asyncio.run_coroutine_threadsafe(host.browser(), loop).result(60)
        real = host.browser_pid
        assert real is not None
        host.browser_pid = stranger.pid  # what a reused pid looks like to the host
        asyncio.run_coroutine_threadsafe(host.retire(browser, "test"), loop).result(60)
        assert stranger.poll() is None, "a process that is not the browser was killed"
        assert _eventually(lambda: state(real) in (None, "Z")), "the browser was not closed"
    finally:
        stranger.kill()
        stranger.wait(10)
        host.close()


def test_a_failing_memory_look_does_not_stop_the_wedge_look(
    fake_browser: Callable[[str], tuple[int, list[int]]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before the fix one try held both looks: an error in the memory look skipped the look
    for an unreaped renderer, so a wedged browser was never called wedged."""
    browser, renderers = fake_browser("20")
    watch = MemoryWatch(browser, limit=1 << 40, interval=0.05, reap_grace=0.3)

    def broken() -> None:
        raise OSError("simulated: /proc could not be read")

    monkeypatch.setattr(watch, "check", broken)
    os.kill(renderers[0], signal.SIGKILL)  # the fake zygote never reaps it
    watch.start()
    try:
        assert watch.wedged.wait(10), "the wedge was never seen"
    finally:
        watch.stop()


def fetcher_slow() -> Fetcher:
    """A fetcher that waits longer for an answer than the pages wait for their load event."""
    return Fetcher(
        FetchOptions(
            connect_timeout=2,
            read_timeout=20,
            deadline=20,
            retries=0,
            policy=AddressPolicy(allow_private=True),
        )
    )


#: Grows its DOM off V8's heap in one synchronous loop, until its renderer is killed.
HOG = (
    b"<!doctype html><meta charset=utf-8><p>hog</p><script>"
    b"const s = 'x'.repeat(1 << 20); for (let i = 0; ; i++) {"
    b" const d = document.createElement('div'); d.textContent = s + i; document.body.append(d); }"
    b"</script>"
)


def test_only_the_page_whose_renderer_was_killed_is_out_of_memory() -> None:
    """Before the fix any page that failed while the memory watch's kill count went up was
    "used too much memory" and not tried again: here an innocent slow page beside the hog."""
    site = Site("127.0.0.93")
    site.routes["/slow.png"] = hang(12)
    site.start()
    renderer = Renderer(
        fetcher_slow(), executable=chromium(), timeout=8, pool_size=2, memory_limit=150 << 20
    )
    innocent_html = (
        "<!doctype html><meta charset=utf-8><p>2026-11-01 國科會補助</p><img src='/slow.png'>"
    ).encode()
    try:
        assert renderer.render(site.url("/warm"), HTML, "text/html").html is not None
        with ThreadPoolExecutor(2) as workers:
            innocent = workers.submit(renderer.render, site.url("/innocent"), innocent_html, None)
            assert _eventually(lambda: site.hits["/slow.png"] >= 1), "the innocent page is open"
            hog = workers.submit(renderer.render, site.url("/hog"), HOG, "text/html").result(120)
            # the kill happened while the innocent page was still loading
            still_open = not innocent.done()
            shown = innocent.result(120)
        watch = renderer.memory_watch
        assert watch is not None and watch.kills >= 1
    finally:
        renderer.close()
        site.stop()
    assert still_open, "the innocent page ended before the kill: the test proves nothing"
    assert hog.html is None and hog.out_of_memory and "too much memory" in hog.note.en, hog
    assert not shown.out_of_memory and "memory" not in shown.note.en, shown.note
    # an ordinary failed try (its own time-out), tried once more like any other
    assert shown.timed_out and "twice" in shown.note.en, shown.note


class Flaky:
    """A Chromium wrapper that fails to start while :attr:`flag` exists; counts its launches."""

    def __init__(self, where: Path) -> None:
        self.flag = where / "fail"
        self.calls = where / "calls"
        self.exe = where / "chromium"
        self.exe.write_text(
            "#!/bin/sh\n"
            f'echo launch >> "{self.calls}"\n'
            f'if [ -e "{self.flag}" ]; then echo "simulated launch failure" >&2; exit 1; fi\n'
            f'exec "{chromium()}" "$@"\n'
        )
        self.exe.chmod(0o755)

    @property
    def launches(self) -> int:
        return len(self.calls.read_text().splitlines()) if self.calls.exists() else 0


def _kill_browser(host: BrowserHost) -> None:
    """The browser dies mid-crawl (an OOM kill, a crash): the driver notices, the host not yet."""
    pid = host.browser_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert _eventually(lambda: not host._browser.is_connected()), "the driver never noticed"


@pytest.fixture
def flaky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flaky:
    monkeypatch.setattr(S, "RENDER_RELAUNCH_BACKOFF", 0.05)
    return Flaky(tmp_path)


def test_a_relaunch_that_fails_fails_only_its_page_and_the_next_page_tries_again(
    flaky: Flaky,
) -> None:
    """Before the fix the first failed relaunch made every later page of the crawl
    "renderer unavailable" (judged on static HTML and stored) for good."""
    host = BrowserHost(str(flaky.exe))
    renderer = Renderer(fetcher(), host=host, timeout=10, pool_size=1)
    try:
        first = renderer.render("http://127.0.0.91/a", HTML, "text/html")
        assert first.html is not None and "JS-RAN" in first.html, first.note
        _kill_browser(host)
        flaky.flag.touch()
        lost = renderer.render("http://127.0.0.91/b", HTML, "text/html")
        flaky.flag.unlink()
        again = renderer.render("http://127.0.0.91/c", HTML, "text/html")
    finally:
        renderer.close()
        host.close()
    assert lost.html is None and lost.browser_lost and not lost.interrupted
    assert "could not be started again" in lost.note.en, lost.note
    assert again.html is not None and "JS-RAN" in again.html, again.note
    assert renderer.available
    assert flaky.launches == 4  # the first, two failed tries of /b, the one that worked


def test_relaunches_failing_in_a_row_end_the_rendering_once_and_say_so(
    flaky: Flaky, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(S, "RENDER_RELAUNCH_TRIES", 3)
    host = BrowserHost(str(flaky.exe))
    renderer = Renderer(fetcher(), host=host, timeout=10, pool_size=1)
    caplog.set_level(logging.WARNING, logger="monitor.fetching.render")
    try:
        first = renderer.render("http://127.0.0.91/a", HTML, "text/html")
        assert first.html is not None, first.note
        _kill_browser(host)
        flaky.flag.touch()
        shown = [renderer.render(f"http://127.0.0.91/{n}", HTML, "text/html") for n in "bcd"]
        flaky.flag.unlink()
        late = renderer.render("http://127.0.0.91/e", HTML, "text/html")
    finally:
        renderer.close()
        host.close()
    # /b: two failed relaunches (first try, second try); /c: the third, and the crawl gives up
    assert flaky.launches == 1 + 3
    for r in [*shown, late]:
        assert r.html is None and r.browser_lost and not r.interrupted, r
    assert "first try" in shown[0].note.en and "second try" in shown[0].note.en, shown[0].note
    assert "3 times in a row" in shown[1].note.en, shown[1].note
    assert late.note == shown[2].note == shown[1].note
    assert not renderer.available
    gave_up = [r for r in caplog.records if "times in a row" in r.getMessage()]
    assert len(gave_up) == 1 and gave_up[0].levelno == logging.ERROR


def test_a_first_launch_that_fails_still_ends_the_rendering_at_once(flaky: Flaky) -> None:
    """No browser ever started in this crawl (a broken install): nothing to wait for."""
    flaky.flag.touch()
    renderer = Renderer(fetcher(), executable=str(flaky.exe), timeout=10)
    try:
        shown = [renderer.render(f"http://127.0.0.91/{n}", HTML, "text/html") for n in "ab"]
    finally:
        renderer.close()
    assert flaky.launches == 1
    for r in shown:
        assert r.html is None and not r.browser_lost and "could not start" in r.note.en


def test_a_timeout_then_a_lost_browser_is_said_as_it_happened(
    flaky: Flaky, caplog: pytest.LogCaptureFixture
) -> None:
    """Before the fix the page's note said "stopped responding twice (after pages closed for
    their memory)" whatever the first try had been."""
    site = Site("127.0.0.92")
    site.routes["/slow.png"] = hang(8)
    site.start()
    host = BrowserHost(str(flaky.exe))
    renderer = Renderer(fetcher_slow(), host=host, timeout=2, pool_size=1)

    class BetweenTries(logging.Handler):
        """Between the two tries (render() logs "trying once more"), the browser dies and
        cannot be started again: the second try is a lost browser."""

        def emit(self, record: logging.LogRecord) -> None:
            if "trying once more" in record.getMessage() and not flaky.flag.exists():
                _kill_browser(host)
                flaky.flag.touch()

    hook = BetweenTries()
    render_log = logging.getLogger("monitor.fetching.render")
    caplog.set_level(logging.INFO, logger="monitor.fetching.render")
    render_log.addHandler(hook)
    try:
        assert renderer.render(site.url("/warm"), HTML, "text/html").html is not None
        slow = b"<!doctype html><meta charset=utf-8><p>2026-11-01</p><img src='/slow.png'>"
        shown = renderer.render(site.url("/"), slow, "text/html")
    finally:
        render_log.removeHandler(hook)
        renderer.close()
        host.close()
        site.stop()
    assert flaky.flag.exists(), "the first try did not time out"
    assert shown.html is None and shown.browser_lost
    assert "stopped responding twice" not in shown.note.en
    assert "first try: the browser timed out" in shown.note.en, shown.note
    assert "second try: the browser could not be started again" in shown.note.en, shown.note
    assert "第一次：瀏覽器逾時" in shown.note.zh


def test_a_launch_that_hangs_is_given_up_within_the_hosts_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A "browser" that never answers: before the fix only Playwright's own launch time-out
    (30 s) ended it, and nothing bounded a driver that hangs with the host's lock held."""
    monkeypatch.setattr(S, "BROWSER_LAUNCH_SECONDS", 3.0)
    mute = tmp_path / "chromium"
    pid_file = tmp_path / "pid"
    mute.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 60\n')
    mute.chmod(0o755)
    renderer = Renderer(fetcher(), executable=str(mute), timeout=10)
    try:
        shown = renderer.render("http://127.0.0.91/", HTML, "text/html")
    finally:
        renderer.close()
    assert shown.html is None and "did not start within 3 s" in shown.note.en, shown.note
    mute_pid = int(pid_file.read_text())
    gone = _eventually(lambda: state(mute_pid) in (None, "Z"))
    if not gone:
        os.kill(mute_pid, signal.SIGKILL)
    assert gone, "the mute browser outlived the launch given up"


def test_a_worker_stops_waiting_for_a_loop_that_answers_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before the fix a crawl worker waited for as long as the host's thread lived, even if
    its loop was stuck in a blocking call."""
    monkeypatch.setattr(S, "RENDER_LOOP_SILENCE", 2.0)
    host = BrowserHost(chromium())
    renderer = Renderer(fetcher(), host=host, timeout=10)
    unblock = threading.Event()
    try:
        assert renderer.render("http://127.0.0.91/a", HTML, "text/html").html is not None
        loop, _thread = host.loop()
        loop.call_soon_threadsafe(unblock.wait, 60)  # the loop's thread blocks
        with ThreadPoolExecutor(1) as worker:
            stuck = worker.submit(renderer.render, "http://127.0.0.91/b", HTML, "text/html")
            shown = stuck.result(timeout=45)
            unblock.set()
        after = renderer.render("http://127.0.0.91/c", HTML, "text/html")
    finally:
        unblock.set()
        renderer.close()
        host.close()
    assert shown.html is None and shown.browser_lost, shown
    assert "did not answer for 2 s" in shown.note.en, shown.note
    assert after.html is None and after.note == shown.note  # not waited for again


def test_no_memory_watch_starts_after_the_renderer_closed() -> None:
    """A page close() could not end (its shutdown timed out) that gets its browser later
    must not start a memory watch nobody stops: the scheduler's process lives on."""
    host = BrowserHost(chromium())
    renderer = Renderer(fetcher(), host=host, timeout=10)
    try:
        assert renderer.render("http://127.0.0.91/a", HTML, "text/html").html is not None
        loop, _thread = host.loop()
        renderer.close()
        # what such a page does next, on the host's loop
        asyncio.run_coroutine_threadsafe(renderer._get_browser(), loop).result(60)
        assert renderer.memory_watch is None
        assert not [t for t in threading.enumerate() if t.name == "renderer-memory"]
    finally:
        host.close()


def test_a_driver_that_hangs_at_launch_is_ended_with_the_launch_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Playwright driver that never answers (a wedged Node.js, a driver stuck on a full
    disk): the launch bound gives up on it, and before the fix the driver (and whatever it had
    started) lived on until the crawl's process exited; each relaunch left one more. The
    console's re-check and the scheduler run in processes that live on."""
    monkeypatch.setattr(S, "BROWSER_LAUNCH_SECONDS", 3.0)
    pids = tmp_path / "pids"
    mute = tmp_path / "driver"
    # the driver starts a child of its own (as it starts Chromium), then answers nothing
    mute.write_text(f'sleep 300 &\necho $$ $! >> "{pids}"\nexec sleep 300\n')
    monkeypatch.setattr(
        "playwright._impl.transport.compute_driver_executable", lambda: ("/bin/sh", str(mute))
    )
    host = BrowserHost(chromium())
    renderer = Renderer(fetcher(), host=host, timeout=10)
    left: list[int] = []
    try:
        shown = renderer.render("http://127.0.0.91/", HTML, "text/html")
        assert shown.html is None and "did not start within 3 s" in shown.note.en, shown.note
        started = [int(p) for p in pids.read_text().split()]
        assert len(started) == 2
        left = [p for p in started if not _eventually(lambda p=p: state(p) in (None, "Z"))]
    finally:
        renderer.close()
        host.close()
        for pid in [int(p) for p in pids.read_text().split()] if pids.exists() else []:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    assert not left, "the hung driver (or its child) outlived the launch given up"

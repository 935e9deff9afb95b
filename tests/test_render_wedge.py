"""A browser wedged after a memory kill is replaced, and the crawl's next pages still render.

The flaky hostile crawl (tests/test_hostile_crawl.py) showed it: a page over V8's heap limit
crashes its renderer, Chromium's crash handler (``chrome_crashpad_handler``) ptrace-attaches to
write a dump, and the memory watch's SIGKILL lands in that moment. The dead renderer's exit then
goes to the tracer, which never collects it; the zygote, asked to reap it, blocks in
``waitpid``, and the browser's UI thread blocks on the zygote: every page of that browser ran
to its time-out, twice. Here the test process plays the crash handler (PTRACE_SEIZE, then
SIGKILL, never waiting), which wedges the browser every time, not one run in a few.

Also without Chromium: the memory watch against a fake browser made of real processes (a
"zygote" that never reaps its "renderers"), for what it kills and when it calls a browser
wedged.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from monitor.fetching.memory_watch import MemoryWatch, _children, _cmdline
from monitor.fetching.render import BrowserHost, Renderer
from tests.support.farm import Site, page
from tests.support.waiting import eventually
from tests.support.wedge import PTRACE_SEIZE, busiest_renderer, release, seize_and_kill, state
from tests.test_render_pool import chromium as _chromium
from tests.test_render_pool import fetcher as _fetcher

BUSY = (
    "<p>本聯盟為國科會補助</p>"
    "<script>const end = Date.now() + 4000; while (Date.now() < end) {}</script>"
)


@pytest.mark.browser
def test_a_browser_wedged_by_an_unreaped_renderer_is_replaced_and_the_next_pages_render() -> None:
    """Before the fix the page open in the wedged browser and the page after it each ran to
    their time-out twice (``timed_out``, no HTML); now the watch sees the zombie nobody
    reaps, the host kills that browser, and both pages are rendered in a new one."""
    exe = _chromium()
    site = Site("127.0.0.86")
    site.routes["/"] = page("<p>ok</p>")
    host = BrowserHost(exe)
    renderer = Renderer(_fetcher(), host=host, timeout=8, pool_size=2)
    victim: int | None = None
    try:
        with _running(site):
            first = renderer.render(
                site.url("/first"), _html("<p>2026-11-01 第一頁</p>"), "text/html"
            )
            assert first.html is not None and "第一頁" in first.html, first.note
            old_browser = host.browser_pid
            assert old_browser is not None
            with ThreadPoolExecutor(2) as workers:
                busy = workers.submit(renderer.render, site.url("/busy"), _html(BUSY), "text/html")
                # the busy page's renderer: the page renderer burning CPU
                assert eventually(lambda: busiest_renderer(old_browser) is not None), "no renderer"
                time.sleep(0.5)
                victim = busiest_renderer(old_browser)
                assert victim is not None
                seize_and_kill(victim)
                assert eventually(lambda: state(victim) == "Z"), "the renderer did not die"
                after = workers.submit(
                    renderer.render,
                    site.url("/after"),
                    _html("<p>2026-11-02 下一頁</p>"),
                    "text/html",
                )
                shown_busy = busy.result(timeout=120)
                shown_after = after.result(timeout=120)
            last = renderer.render(site.url("/last"), _html("<p>2026-11-03 最後</p>"), "text/html")
        assert shown_after.html is not None and "下一頁" in shown_after.html, shown_after.note
        assert not shown_after.timed_out
        assert shown_busy.html is not None and "國科會" in shown_busy.html, shown_busy.note
        assert last.html is not None and "最後" in last.html, last.note
        assert host.retired == 1 and host.launches == 2
        assert host.browser_pid not in (None, old_browser)
        # the wedged browser's processes are gone, not left running beside the new one
        assert eventually(lambda: state(old_browser) in (None, "Z")), "old browser alive"
    finally:
        if victim is not None:
            release(victim)
        renderer.close()
        host.close()


def _html(body: str) -> bytes:
    return (
        "<!doctype html><html lang='zh-TW'><head><meta charset='utf-8'><title>聯盟</title>"
        f"</head><body>{body}</body></html>"
    ).encode()


class _running:
    """``with _running(site):`` starts and stops one loopback site."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def __enter__(self) -> Site:
        return self.site.start()

    def __exit__(self, *exc: object) -> None:
        self.site.stop()


# --- the memory watch against a fake browser of real processes (no Chromium) ------------------

#: A "renderer": holds ``MiB`` of private memory and sleeps; its argv says --type=renderer.
_RENDERER = (
    "import sys, time; keep = bytearray(int(sys.argv[1]) << 20);"
    " keep[:: 4096] = b'x' * len(keep[:: 4096]); time.sleep(120)"
)
#: A "zygote" that starts its renderers and never reaps them (a wedged browser's zygote).
_ZYGOTE = (
    "import subprocess, sys, time;"
    " [subprocess.Popen([sys.executable, '-c', {r!r}, m, '--type=renderer'])"
    " for m in sys.argv[1].split(',')]; time.sleep(120)"
)


@pytest.fixture
def fake_browser() -> Iterator[Callable[[str], tuple[int, list[int]]]]:
    """Starts a fake browser: a process with a ``--type=zygote`` child whose ``--type=renderer``
    children hold the given MiB each; returns (browser pid, renderer pids). Killed after."""
    started: list[subprocess.Popen[bytes]] = []

    def start(sizes: str) -> tuple[int, list[int]]:
        code = (
            "import subprocess, sys, time;"
            f" subprocess.Popen([sys.executable, '-c', {_ZYGOTE.format(r=_RENDERER)!r}, {sizes!r},"
            " '--type=zygote']); time.sleep(120)"
        )
        proc = subprocess.Popen([sys.executable, "-c", code, "--fake-browser"])
        started.append(proc)
        want = len(sizes.split(","))
        renderers: list[int] = []

        def ready() -> bool:
            nonlocal renderers
            zygotes = _children(proc.pid)
            renderers = [r for z in zygotes for r in _children(z)]
            return len(renderers) == want and all(
                "--type=renderer" in _cmdline(r) for r in renderers
            )

        assert eventually(ready), "the fake browser did not start"
        return proc.pid, renderers

    yield start
    for proc in started:
        tree = [proc.pid]
        todo = [proc.pid]
        while todo:
            kids = _children(todo.pop())
            tree += kids
            todo += kids
        for pid in tree:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(10)


def _resident(pid: int) -> int:
    fields = Path(f"/proc/{pid}/statm").read_text().split()
    return (int(fields[1]) - int(fields[2])) * os.sysconf("SC_PAGE_SIZE")


def test_the_watch_calls_a_browser_wedged_when_a_killed_renderer_is_never_reaped(
    fake_browser: Callable[[str], tuple[int, list[int]]],
) -> None:
    """Before the fix the watch only killed; nothing noticed that the renderer it killed
    stayed a zombie (the zygote never reaped it), so the crawl went on using that browser."""
    browser, renderers = fake_browser("120,20")
    assert eventually(lambda: _resident(renderers[0]) > 100 << 20)
    watch = MemoryWatch(browser, limit=100 << 20, interval=0.05, reap_grace=0.5)
    assert watch.check() == renderers[0]
    assert eventually(lambda: state(renderers[0]) == "Z")
    assert not watch.check_reaped(), "a fresh zombie is not yet a wedge"
    assert eventually(watch.check_reaped, seconds=5)
    assert watch.wedged.is_set()
    # the zombie is neither counted nor killed again: one kill for one renderer
    assert watch.check() is None and watch.kills == 1


def test_the_watch_does_not_kill_a_renderer_held_by_a_tracer(
    fake_browser: Callable[[str], tuple[int, list[int]]],
) -> None:
    """A renderer under a tracer is being dumped after its own crash; killing it is what wedged
    the browser. Before the fix the watch killed it (the largest) all the same."""
    browser, renderers = fake_browser("120,20")
    big = renderers[0]
    assert eventually(lambda: _resident(big) > 100 << 20)
    seized = threading.Event()
    done = threading.Event()

    def tracer() -> None:  # ptrace belongs to the thread that attached
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        if libc.ptrace(PTRACE_SEIZE, big, None, None) == 0:
            seized.set()
        done.wait(30)  # exiting the thread detaches

    thread = threading.Thread(target=tracer, daemon=True)
    thread.start()
    try:
        if not seized.wait(5):
            pytest.skip("cannot ptrace here")
        watch = MemoryWatch(browser, limit=100 << 20, interval=0.05)
        assert watch.check() is None and watch.kills == 0
        assert state(big) not in (None, "Z")
    finally:
        done.set()
        thread.join(10)

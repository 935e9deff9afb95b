"""The memory watch's budget is the pages' (monitor/fetching/memory_watch.py), measured in the
real headless Chromium the monitor starts.

Headless Chromium 156 opens a window per page, and each window has a ``--type=renderer``
process with ``--top-chrome-webui`` that draws the browser's own interface (about 50 MiB of
private memory each, measured here with /proc while a page was open). The watch counted them
against the 512 MiB the pages may hold together, and could kill one as "the largest renderer".
"""

from __future__ import annotations

import http.server
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from monitor.fetching.browser_host import BrowserHost
from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.memory_watch import _cmdline, descendants, private_resident
from monitor.fetching.render import Renderer
from tests.support.farm import Site, send

_UI_FLAG = "--top-chrome-webui"


def _renderers(browser_pid: int) -> dict[int, list[str]]:
    """Every ``--type=renderer`` process under the browser, with its command line."""
    found = {pid: _cmdline(pid) for pid in descendants(browser_pid)}
    return {pid: args for pid, args in found.items() if "--type=renderer" in args}


def test_the_watch_counts_the_pages_renderers_not_the_browser_s_own(
    site: Site, browser_host: BrowserHost
) -> None:
    asked, release = threading.Event(), threading.Event()

    def hold(h: http.server.BaseHTTPRequestHandler) -> None:
        asked.set()
        release.wait(20)  # bounded: the page stays open while the test looks at /proc
        send(h, b"window.held = 1;", content_type="text/javascript")

    site.routes["/hold.js"] = hold
    fetcher = Fetcher(
        FetchOptions(
            deadline=25, read_timeout=25, retries=0, policy=AddressPolicy(allow_private=True)
        )
    )
    renderer = Renderer(fetcher, host=browser_host, timeout=30)
    if not renderer.available:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    html = b"<p>\xe8\x81\xaf\xe7\x9b\x9f</p><script src='/hold.js'></script>"
    try:
        with ThreadPoolExecutor(1) as worker:
            shown = worker.submit(renderer.render, site.url("/"), html, "text/html")
            try:
                assert asked.wait(30), "the page never asked for its script"
                watch = renderer.memory_watch
                assert watch is not None and watch.browser_pid is not None
                everything = _renderers(watch.browser_pid)
                ui = {pid for pid, args in everything.items() if _UI_FLAG in args}
                counted = set(watch.renderers())
                ui_mib = sum(private_resident(pid) for pid in ui) >> 20
            finally:
                release.set()
            assert shown.result(60).html is not None
    finally:
        renderer.close()
    if not ui:
        pytest.skip(f"this Chromium started no {_UI_FLAG} renderer: nothing to leave out")
    # the page's renderer is counted; the interface's, holding ui_mib MiB, are not
    assert counted and counted <= set(everything), (counted, everything)
    assert not counted & ui, f"the watch counts the browser's interface ({ui_mib} MiB) as pages"

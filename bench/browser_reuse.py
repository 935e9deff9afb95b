"""What a crawl saves by borrowing a running browser (docs/PERFORMANCE.md "The test suite").

Renders one small homepage (no requests of its own) in ``ROUNDS`` renderers, each standing for
one crawl: first each with a browser of its own (the monthly crawl's way: Chromium starts with
the crawl's first page and ends with the crawl), then all lent one
:class:`~monitor.fetching.browser_host.BrowserHost` (the tests' way, one per module). Prints
the median wall time of one "crawl" (first page plus close) each way.

Usage: ``.venv/bin/python bench/browser_reuse.py [ROUNDS]``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import BrowserHost, Renderer, find_chromium

PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>聯盟</title></head><body>"
    "<p>本聯盟為國科會補助</p><ul><li>2026-11-12 最新消息</li></ul></body></html>"
).encode()
URL = "http://127.0.0.2:9/"  # never fetched: the body is served to the browser as is


def one_crawl(fetcher: Fetcher, **renderer_kw: object) -> float:
    start = time.perf_counter()
    renderer = Renderer(fetcher, timeout=20, **renderer_kw)  # type: ignore[arg-type]
    try:
        shown = renderer.render(URL, PAGE, "text/html", screenshot=True)
        assert shown.html is not None and "國科會" in shown.html, shown.note
    finally:
        renderer.close()
    return time.perf_counter() - start


def main() -> None:
    exe = find_chromium()
    if exe is None:
        sys.exit("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    fetcher = Fetcher(FetchOptions(retries=0, policy=AddressPolicy(allow_private=True)))
    own = [one_crawl(fetcher, executable=exe) for _ in range(rounds)]
    host = BrowserHost(exe)
    try:
        lent = [one_crawl(fetcher, host=host) for _ in range(rounds)]
    finally:
        host.close()
    print(f"{rounds} crawls of one page each, median wall time of one:")
    print(
        f"  own browser per crawl: {statistics.median(own):.2f} s  ({', '.join(f'{t:.2f}' for t in own)})"
    )
    print(
        f"  one lent browser:      {statistics.median(lent):.2f} s  ({', '.join(f'{t:.2f}' for t in lent)})"
    )
    print(f"  Chromium launches with the lent host: {host.launches}")


if __name__ == "__main__":
    main()

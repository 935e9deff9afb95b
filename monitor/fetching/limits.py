"""Limits and defaults of the monitor's fetching and crawl, in one place.

The judges' constants (date windows, funder names) live in ``monitor/rules/vocabulary.py``; these are
the network-facing ones. Every value here is a default: :class:`monitor.fetching.fetch.FetchOptions`
and ``alliance crawl`` options override them per run, and the tests shrink them to stay fast.
The settings an office may change (paths, ``[crawl]`` of alliance.toml, the environment) are read
by :mod:`alliance_portal.registry.settings`; the defaults of ``[crawl]`` (read timeout, retries,
concurrency, the renderer's timeout and pool) live in :mod:`alliance_portal.registry.crawl_defaults`
because that reader imports no flow, and are re-exported here beside the finer limits.
"""

from __future__ import annotations

# re-exported (``X as X``): the fetcher reads every limit from this module
from alliance_portal.registry.crawl_defaults import CONCURRENCY as CONCURRENCY
from alliance_portal.registry.crawl_defaults import READ_TIMEOUT as READ_TIMEOUT
from alliance_portal.registry.crawl_defaults import RENDER_POOL_SIZE as RENDER_POOL_SIZE
from alliance_portal.registry.crawl_defaults import RENDER_TIMEOUT as RENDER_TIMEOUT
from alliance_portal.registry.crawl_defaults import RETRIES as RETRIES

#: Sent with every request so that a university's web admin who sees our crawl in the logs
#: knows who is calling and why, and whom to ask. ASCII only: HTTP headers are Latin-1.
USER_AGENT = (
    "AllianceMonitor/0.1 (+NSTC industry-academia alliance programme office; monthly website check)"
)

#: How a browser asks for a page, for university firewalls that answer 403 ("Request Rejected")
#: to any other client (RULES.md loads: judged on what the browser gets). The user agent is a
#: desktop Chromium's, still naming the monitor so a web admin can tell who called.
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 AllianceMonitor/0.1"
)
BROWSER_HEADERS: dict[str, str] = {
    "User-Agent": BROWSER_USER_AGENT,
    "Accept": (
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    ),
    "Accept-Language": "zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7",
    "Upgrade-Insecure-Requests": "1",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Site": "none",
    "Sec-Fetch-User": "?1",
}
#: The languages a Taiwanese visitor's browser reports to scripts (``navigator.languages``),
#: in the order of its ``Accept-Language`` above: a script that sends a Chinese browser to
#: ``index_ch.html`` sees the same visitor as the server does.
BROWSER_LANGUAGES: tuple[str, ...] = ("zh-TW", "zh", "en-US", "en")
#: Statuses after which the homepage is asked for again the way a browser asks.
FIREWALL_STATUSES: frozenset[int] = frozenset({401, 403, 406})

#: Seconds to open a TCP (and TLS) connection.
CONNECT_TIMEOUT = 10.0
#: Seconds one page may take in all (connect, TLS, headers, body) before it is abandoned; a
#: watchdog cuts the connection (monitor/fetching/deadline.py), so a server that drips a header
#: byte a second cannot hold a worker, or the alliances behind it on the same host, for ever.
PAGE_DEADLINE = 20.0

#: Largest body read, counted after decompression (a gzip bomb stops here). Homepages of
#: real alliances are far smaller; the first 5 MiB are enough to judge any of them.
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Bytes read from the socket per step while streaming a body.
CHUNK_BYTES = 64 * 1024

#: First backoff pause in seconds; doubled on each further retry.
BACKOFF_BASE = 1.0
#: Longest pause honoured from a Retry-After header (a server asking for an hour gets this).
MAX_RETRY_AFTER = 30.0
#: HTTP statuses treated as transient.
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})

#: Redirect hops followed before calling it a loop or a chain too long.
MAX_REDIRECTS = 10

#: Feeds followed from one homepage, and the cap on a news page or feed body.
MAX_FEEDS = 2
MAX_SUBPAGE_BYTES = 2 * 1024 * 1024


#: A site whose homepage took longer than this last month (retries, timeouts) is started first.
SLOW_SITE_MS = 5000

#: Threads that parse and judge pages while the workers fetch (see CrawlContext in crawl.py).
#: One is enough: judging a typical homepage takes milliseconds, fetching it takes seconds.
JUDGE_CONCURRENCY = 1
#: Judge in a process of its own (True) rather than a thread: the fetching threads then never
#: wait for the GIL behind a parse (bench/crawl.py, docs/PERFORMANCE.md "Crawl").
JUDGE_IN_PROCESS = True

#: Requests a rendered page may have fetched (the document, its own scripts, XHR, and the
#: stylesheets and scripts of other hosts that page_requests.py lets through), all by us through
#: the guard, and as many again of its images, fonts and media (counted apart: a homepage's
#: photo wall must not starve its news script); the rest are refused. Other hosts' other
#: requests are refused anyway and do not count: a news site asks for 50-200 of them.
RENDER_MAX_REQUESTS = 60
#: Seconds without any request of the page after "load" before its DOM is read: how the renderer
#: knows a page's data calls (a news list from JSON) are done. Playwright's "networkidle" waits
#: 0.5 s on every page; every request here passes our route handler, which sees them all.
RENDER_QUIET_SECONDS = 0.3
#: Seconds a rendering that failed because the browser died waits for the crawl's stop event:
#: a SIGTERM sent to the whole process group kills Chromium in the same instant, and such a
#: failure is an interruption (redone by --resume), not a finding about the site.
RENDER_STOP_GRACE = 1.0
#: Private resident memory (bytes) the browser's pages may hold together: over it, the largest
#: page's renderer process is killed and that page is judged on its static HTML (issue 17.1: one
#: hostile page took a renderer to 6 GB). A university homepage's renderer holds 30-80 MiB;
#: with the rest of the crawl (~600-750 MiB PSS, docs/PERFORMANCE.md) this keeps the whole
#: process tree under its 1.5 GiB budget. See monitor/fetching/memory_watch.py.
RENDER_MEMORY_LIMIT = 512 * 1024 * 1024
#: Seconds a browser gets to close itself (end of a crawl, a browser that died) before its
#: process tree is killed: a browser wedged after a memory kill answers no ``close()``.
BROWSER_CLOSE_SECONDS = 10.0
#: Seconds a browser launch (Playwright's driver, then Chromium) may take before it counts as
#: failed: Playwright's own launch timeout does not cover a driver that never answers, and the
#: launch holds the host's lock, so a hung one would stop every page of the crawl.
BROWSER_LAUNCH_SECONDS = 60.0
#: Failed relaunches in a row (after the browser had started once in the crawl: it died or was
#: retired) after which the crawl renders no more pages; before that each failure fails only
#: the page that asked, and the next page tries again (render.py).
RENDER_RELAUNCH_TRIES = 4
#: Seconds the page that found the relaunch failed waits before it gives up its slot, times the
#: failures in a row (5, 10, 15 s): a machine short of memory or CPU gets a moment to recover.
RENDER_RELAUNCH_BACKOFF = 5.0
#: Seconds the renderer's event loop may leave a ping unanswered before a crawl worker stops
#: waiting for it (a call that blocks the loop's thread would otherwise hold every worker).
RENDER_LOOP_SILENCE = 60.0
#: Seconds one of the browser's renderers may stay a zombie before the browser is called wedged
#: and retired (monitor/fetching/memory_watch.py): a healthy browser has its zygote reap a dead
#: renderer within a second; generous, so a busy machine is never taken for a wedge.
RENDER_REAP_GRACE = 10.0
#: Seconds between two looks at the renderers' memory (a page can allocate ~1 GB/s).
RENDER_MEMORY_INTERVAL = 0.05
#: V8's old-generation heap per renderer, in MiB (``--max-old-space-size``): a script over it
#: crashes its own page at once, before the memory watch even looks. Real pages use a few MiB.
RENDER_JS_HEAP_MIB = 256
#: A rendered DOM larger than this (elements, or characters of text) is not read back: the
#: static page (capped at MAX_BODY_BYTES) is judged instead; no homepage a person reads is near.
RENDER_MAX_ELEMENTS = 150_000
RENDER_MAX_TEXT_CHARS = 5 * 1024 * 1024
#: Seconds after "load" the renderer waits for a timed redirect on the page (a welcome screen
#: whose script moves to the news page after some seconds): only a timer whose code sets
#: ``location`` and is due within this bound is waited for, and only until the page moves.
RENDER_REDIRECT_WAIT = 10.0
#: Seconds the renderer waits for a page that hides itself as a whole (``<body>`` invisible until
#: an anti-flicker snippet's script from another host runs) to show itself: the snippets' own
#: timers show it after 1-4 s (ChartBeat 1-3 s, Adobe Target 3 s, Google Optimize 4 s).
RENDER_UNHIDE_WAIT = 5.0
#: A rendered page that shows fewer than ``RENDER_EMPTY_CHARS`` visible letters after settling
#: is waited for up to ``RENDER_EMPTY_WAIT`` s before it is read: single-page apps that keep
#: their content hidden behind a progress bar until an image has loaded and a timer has run
#: (NCKU NetDB's React layout: image load, then 1 s) were read blank and failed as empty.
RENDER_EMPTY_CHARS = 20
RENDER_EMPTY_WAIT = 5.0
#: Scrolling a rendered page to show what scroll-reveal templates (WOW.js, AOS) hide until a
#: visitor scrolls: at most this deep (px), this long (s), pausing this long (s) per step of
#: three quarters of the window. Only pages with ``visibility:hidden`` elements are scrolled.
RENDER_SCROLL_MAX_HEIGHT = 20_000
RENDER_SCROLL_SECONDS = 4.0
RENDER_SCROLL_PAUSE = 0.15
#: A box in view still hidden after the pause (a reveal handler that waits for scrolling to stop,
#: or a busy machine) is waited for up to this long (s) before the next step.
RENDER_SCROLL_STEP_WAIT = 1.0
#: Browser window of a rendering, and so of a screenshot ("above the fold"): a common laptop
#: screen, on which the office looks at the pictures.
SCREENSHOT_VIEWPORT: tuple[int, int] = (1280, 800)
#: Chromium flags: no background traffic, works as root and in containers (as tests/conftest.py).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    f"--js-flags=--max-old-space-size={RENDER_JS_HEAP_MIB}",
)
#: Where to look for a browser when CHROMIUM is not set in the environment.
CHROMIUM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome")

"""The crawl's defaults that the office may change in ``[crawl]`` of ``alliance.toml``.

Why in the registry: the settings reader (:mod:`alliance_portal.registry.settings`) is shared by
every flow and imports none, so the defaults it shows for ``[crawl]`` live here;
:mod:`monitor.fetching.limits` re-exports them beside the fetcher's finer limits, which the
office does not set.
"""

from __future__ import annotations

#: Seconds without a byte from the server before giving up on a read (``[crawl] timeout``).
READ_TIMEOUT = 20.0
#: Extra attempts after a transient failure (timeout, reset, 5xx, 429).
RETRIES = 2
#: Parallel sites during a crawl (each worker thread has its own requests Session).
CONCURRENCY = 16
#: The browser's own budget for loading one page (navigation to "load"), apart from the fetch
#: timeout: sized for a cold Chromium start on two busy cores (a first page there has taken
#: 5-8 s). A page that runs out is tried once more; the hard ceiling per try is 2x this + 10 s.
RENDER_TIMEOUT = 20.0
#: Pages rendered at the same time in the one browser. Each open page is a renderer process of
#: its own (tens of MB); two keep both cores busy while one page waits for its scripts, and
#: more only queue for the same two cores (bench/render.py, docs/PERFORMANCE.md "Rendering").
RENDER_POOL_SIZE = 2

"""What scrolling a scroll-reveal page costs the renderer (docs/PERFORMANCE.md "Scroll-reveal").

Renders three realistic homepages of tests/farm_visit five times each in one warm Chromium: the
WOW.js template (visibility-hidden boxes below the first screen: the page is scrolled), the AOS
template (opacity only: not scrolled) and a plain CMS page. Prints each one's median wall time.

Usage: ``.venv/bin/python bench/reveal_cost.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import Renderer, find_chromium
from tests.farm_visit.sites import aos_reveal_site, hidden_credit_site, wow_reveal_site
from tests.support.farm import Site, running


def main() -> None:
    exe = find_chromium()
    if exe is None:
        sys.exit("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    fetcher = Fetcher(FetchOptions(retries=0, policy=AddressPolicy(allow_private=True)))
    renderer = Renderer(fetcher, executable=exe, timeout=20)
    builders = {"wow": wow_reveal_site, "aos": aos_reveal_site, "plain": hidden_credit_site}
    sites = {name: Site(f"127.0.0.{95 + i}") for i, name in enumerate(builders)}
    for name, build in builders.items():
        sites[name].routes.update(build())
    times: dict[str, list[float]] = {name: [] for name in sites}
    try:
        with running(*sites.values()):
            bodies = {name: fetcher.fetch(site.url("/")).body for name, site in sites.items()}
            renderer.render(sites["plain"].url("/"), bodies["plain"], "text/html")  # warm up
            for _ in range(5):
                for name, site in sites.items():
                    started = time.perf_counter()
                    shown = renderer.render(site.url("/"), bodies[name], "text/html")
                    times[name].append(time.perf_counter() - started)
                    assert shown.html is not None, shown.note
    finally:
        renderer.close()
    for name, values in times.items():
        print(
            f"{name}: median {statistics.median(values):.2f} s ({', '.join(f'{v:.2f}' for v in values)})"
        )


if __name__ == "__main__":
    main()

"""Crawl a farm of loopback sites the way the monthly crawl runs: one registry file per site,
``run_crawl`` over them, results read back from the SQLite store.

Shared by the realistic-site tests (tests/test_realistic_visit.py, tests/test_real_lab_sites.py,
tests/test_frame_target.py), which differ only in their sites, date and fetch options.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alliance_portal.registry.settings import CrawlSettings, PathSettings
from monitor.crawl import run_crawl
from monitor.fetching.fetch import FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import BrowserHost
from monitor.model import SiteResult
from monitor.store import Store

#: Fetch options for a farm of loopback sites: short time-outs, one quick retry, private
#: addresses allowed (the farm is on 127.0.0.x).
FARM_OPTIONS = FetchOptions(
    connect_timeout=2,
    read_timeout=4,
    deadline=6,
    retries=1,
    backoff_base=0.05,
    max_retry_after=0.2,
    policy=AddressPolicy(allow_private=True),
)


def crawl_farm(
    tmp: Path,
    websites: dict[str, str],
    executable: str,
    *,
    today: date,
    options: FetchOptions,
    host: BrowserHost | None = None,
    render_timeout: float = 8,
    concurrency: int = 4,
    contact: bool = False,
) -> tuple[dict[str, SiteResult], Path, Path]:
    """Crawl ``websites`` (slug -> homepage URL) in ``host``'s browser when one is lent, with
    ``executable`` ("" for no browser); returns results by slug, the database and the content
    folder. ``contact`` gives each alliance an e-mail address (for the notices)."""
    content = tmp / "content"
    (content / "alliances").mkdir(parents=True)
    for slug, url in websites.items():
        mail = f'contact_email = "{slug}@example.edu.tw"\n' if contact else ""
        (content / "alliances" / f"{slug}.toml").write_text(
            f'name = "{slug} 產學聯盟"\nuniversity = "範例大學"\nindustry = "ict"\n'
            f'website = "{url}"\nactive = true\n{mail}',
            encoding="utf-8",
        )
    db = tmp / "m.sqlite3"
    run_id = run_crawl(
        paths=PathSettings(content=content, db=db),
        settings=CrawlSettings(render_timeout=render_timeout, concurrency=concurrency),
        today=today,
        fetch_options=options,
        renderer_executable=executable,
        browser_host=host,
    )
    return {r.slug: r for r in Store(db).results(run_id)}, db, content

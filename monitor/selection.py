"""Which alliances a crawl checks: the registry's active ones, or the ``--only`` ones.

Apart from :mod:`monitor.crawl` so the choice (and its errors, which name the folder and the
fix) reads on its own; the crawl, its resume and the console's re-check all go through it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from alliance_portal.registry.active import active_alliances
from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.profiles import Alliance, load_registry
from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES, Industry

log = logging.getLogger(__name__)


class CrawlError(UsageError, ValueError):
    """Bad crawl input (an unknown ``--only`` slug, an empty registry): say what and how to fix."""


def select_alliances(
    content_dir: Path,
    only: Sequence[str] | None,
    industries: Iterable[Industry] = DEFAULT_INDUSTRIES,
) -> list[Alliance]:
    """Active alliances of the registry (or the ``only`` ones), with a clear error otherwise.

    ``industries`` are the office's (``[paths] site_settings``): with the built-in list a
    profile in an industry the office added would be refused as invalid and never checked.
    """
    registry = load_registry(content_dir, None, industries=industries)
    for problem in registry.errors:
        log.warning("registry: %s", problem)
    active = active_alliances(registry.alliances)
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

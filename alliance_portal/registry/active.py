"""Which alliances are active: the one definition every count uses.

Why one function: the office's home page, the portal and the README once said 27, 26 and 24
for the same registry (the console counted every profile file, inactive and broken ones
included). An alliance counts when its profile is valid and not marked ``active = false``;
that is exactly the set the portal lists and the monthly crawl checks. Pages that list more
(the console shows inactive and broken profiles too) mark those rows and say so beside the count.
"""

from __future__ import annotations

from collections.abc import Iterable

from alliance_portal.registry.profiles import Alliance


def active_alliances(alliances: Iterable[Alliance]) -> list[Alliance]:
    """The alliances that are active, in the order given."""
    return [a for a in alliances if a.active]

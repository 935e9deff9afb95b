"""The item dates of an RSS or Atom feed the homepage links (RULES.md "updates": "or in a feed
it links").

Each item counts by its newest date, with weight 3; channel dates (``lastBuildDate``) are left
out because feed generators set them to the time of the request. Split from
:mod:`monitor.rules.dates`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from lxml import etree

from monitor.rules import vocabulary
from monitor.rules.date_forms import parse_timestamp
from monitor.rules.dates import DateScan, FoundDate, SkippedDate
from monitor.rules.page_text import normalise

_FEED_ITEM_TAGS = frozenset({"item", "entry"})
_FEED_DATE_TAGS = frozenset({"pubDate", "updated", "published", "date", "issued", "modified"})
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")


def _localname(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def find_dates_in_feed(xml: str, *, today: date, source: str = "") -> DateScan:
    """Item dates of an RSS (0.9x/1.0/2.0) or Atom feed: each item's newest date, weight 3.

    Channel dates (``lastBuildDate``) are left out: many feed generators set them to the time
    the feed was requested. Entities are never resolved (no XXE), and broken XML is read as far
    as it goes.
    """
    scan = DateScan()
    data = _XML_DECL_RE.sub("", xml, count=1).encode("utf-8", "replace")
    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    try:
        root = etree.fromstring(data, parser=parser) if data.strip() else None
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return scan
    for item in root.iter():
        if _localname(item) not in _FEED_ITEM_TAGS:
            continue
        title = ""
        stamps: list[tuple[str, date | None]] = []
        for child in item:
            name = _localname(child)
            if name == "title" and child.text:
                title = normalise(child.text)
            elif name in _FEED_DATE_TAGS and child.text:
                stamps.append((child.text.strip(), parse_timestamp(child.text)))
        _judge_feed_item(title, stamps, today=today, source=source, scan=scan)
    return scan


def _judge_feed_item(
    title: str,
    stamps: Iterable[tuple[str, date | None]],
    *,
    today: date,
    source: str,
    scan: DateScan,
) -> None:
    best: tuple[date, str] | None = None
    for written, value in stamps:
        context = f"{written} {title}".strip()
        if value is None:
            scan.skipped.append(SkippedDate(written, context, "invalid", source))
        elif value > today:
            scan.skipped.append(SkippedDate(written, context, "future", source))
        elif value.year < vocabulary.EARLIEST_YEAR:
            scan.skipped.append(SkippedDate(written, context, "too_old", source))
        elif best is None or value > best[0]:
            best = (value, written)
    if best is not None:
        context = f"{best[1]} {title}".strip()
        limit = vocabulary.FEED_CONTEXT_CHARS
        context = context if len(context) <= limit else context[: limit - 1] + "…"
        scan.found.append(
            FoundDate(
                best[0],
                best[1],
                context,
                vocabulary.WEIGHT_MARKED,
                source,
                "feed",
                False,
                "feed item",
            )
        )

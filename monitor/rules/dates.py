"""Find the dates a site wrote on its pages and feeds, and tell updates from traps.

Forms read (after :func:`monitor.rules.page_text.normalise`, so full-width digits work too):

- western numeric: ``2026-11-03``, ``2026/11/3``, ``2026.11.03``, ``2026年11月3日``;
- ROC (民國) years: ``115/11/03``, ``115.11.03``, ``115-11-03``, ``115年11月3日``,
  ``民國115年11月3日``; ROC year + 1911 = western year. A bare 2-3 digit year is read as ROC only
  from 84 (1995) on: smaller numbers in that shape are scores or version numbers;
- day and month before the year: ``11/03/2026``. When one of the first two numbers is above 12
  the order is clear. Otherwise it is ambiguous and we read slashes and hyphens in US order
  (month/day/year, what English site templates print) and dots in European order (day.month.year),
  and mark the date ``ambiguous`` so the evidence says so;
- English: ``Nov 3, 2026``, ``November 3rd, 2026``, ``3 November 2026``, ``03-Nov-2026``.

A month without a day (``2026年1月``) is not a date here: it cannot be aged to the day.

Not updates (RULES.md), reported as skipped with the reason: a date right after a copyright,
clock/"today is" or visitor-counter label, or inside an element whose class says clock/counter/
copyright; today's date next to a time of day or weekday, or in the page header (a live clock
rendered by the server); dates in the future (upcoming events); dates before 1995; impossible
dates (2026-02-30).

Dates in ``<meta>`` tags and JSON-LD are not read: many CMSs stamp them with the time of the
request, and RULES.md asks for dates a visitor can see (or a feed's items).

Each found date gets a weight: 3 for a ``<time>``, a post-date element, a "last updated"/更新日期
line or a feed item; 2 for a list item, table row, news container or a date that leads its line;
1 for running text. :mod:`monitor.rules.updates` prefers dates of weight 2 or more and falls back to
running text only when a site has nothing better.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from lxml import etree

from monitor.rules import vocabulary
from monitor.rules.page_text import (
    HINT_DATE,
    HINT_ITEM,
    HINT_NAV,
    HINT_NEWS,
    HINT_POST,
    HINT_TIME,
    HINT_TRAP,
    Line,
    PageText,
    Span,
    normalise,
    read_page,
)

Kind = Literal["text", "time", "feed"]
SkipReason = Literal["copyright", "clock", "counter", "future", "too_old", "invalid"]

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
_YEAR4 = r"((?:19|20)\d{2})"

# Patterns are written for speed as well as correctness: each starts with a digit (or is tried
# only in a small window before a year), because a pattern that starts with a look-behind or an
# alternation is tried at every one of a page's ~50,000 characters.

#: Three numbers with the same separator: Y-M-D (western or ROC year) or D/M/Y, M/D/Y.
_NUMERIC_RE = re.compile(r"(\d{1,4}) ?([-/.]) ?(\d{1,2}) ?\2 ?(\d{1,4})(?!\d|[.:]\d)")
_CJK_RE = re.compile(r"(\d{2,4}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2})(?!\d)(?: ?[日號])?")
_ROC_PREFIX_RE = re.compile(r"(?:中華)?民國 ?$")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
#: English forms, tried only in the few characters before a year, and anchored at the year.
_EN_MDY_RE = re.compile(
    rf"(?<![a-z]){_MONTH}\.? ?(\d{{1,2}})(?:st|nd|rd|th)?,? ?{_YEAR4}$", re.IGNORECASE
)
_EN_DMY_RE = re.compile(
    rf"(?<![a-z\d])(\d{{1,2}})(?:st|nd|rd|th)?[ -](?:of )?{_MONTH}\.?[ ,-]+{_YEAR4}$",
    re.IGNORECASE,
)
_LABEL_REASON: dict[str, str] = {w.lower(): "update" for w in vocabulary.UPDATE_LABELS} | {
    w.lower(): reason for reason, words in vocabulary.TRAP_LABELS.items() for w in words
}
_LABEL_RE = re.compile("|".join(re.escape(w) for w in sorted(_LABEL_REASON, key=len, reverse=True)))
_EN_WINDOW = 24
_MONTH_HINT_RE = re.compile("jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_NOT_BEFORE = frozenset("0123456789./")
_DIGIT_RE = re.compile(r"\d")
#: A time of day or weekday right after today's date: the line is a live clock.
_CLOCK_AFTER_RE = re.compile(
    r"^\s*(?:\(?[星週周]期?[一二三四五六日天]\)?|\([一二三四五六日天]\)|\(?(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\)?"
    r"|[上下]午|\d{1,2}:\d{2})",
    re.IGNORECASE,
)


@dataclass(slots=True)
class DateMention:
    """A date-shaped string in a line: ``value`` is None when it is not a real calendar date."""

    start: int
    end: int
    as_written: str
    value: date | None
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date that may mark an update, with where and how it was written."""

    date: date
    as_written: str
    context: str
    weight: int
    source: str = ""
    kind: Kind = "text"
    ambiguous: bool = False
    why: str = "running text"


@dataclass(frozen=True, slots=True)
class SkippedDate:
    """A date that is not an update, and why (for the evidence and for tests)."""

    as_written: str
    context: str
    reason: SkipReason
    source: str = ""


@dataclass(slots=True)
class DateScan:
    found: list[FoundDate] = field(default_factory=list)
    skipped: list[SkippedDate] = field(default_factory=list)

    def extend(self, other: DateScan) -> None:
        self.found.extend(other.found)
        self.skipped.extend(other.skipped)


def swap_day_month(value: date) -> date:
    """The other reading of an ambiguous ``11/03/2026`` (both numbers are 12 or less)."""
    return date(value.year, value.day, value.month)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _add_day_month(
    m: re.Match[str], first: int, second: int, year: int, add: Callable[..., None]
) -> None:
    """``11/03/2026``: the order is clear when one number is above 12; otherwise US order
    (month/day) for slashes and hyphens, European (day.month) for dots, marked ambiguous."""
    if first > 12 >= second:
        add(m, year, second, first)
    elif second > 12 >= first:
        add(m, year, first, second)
    elif m.group(2) == ".":
        add(m, year, second, first, ambiguous=first != second)
    else:
        add(m, year, first, second, ambiguous=first != second)


def scan_dates(text: str) -> list[DateMention]:
    """Every date-shaped string in normalised ``text``, left to right, without overlaps."""
    found: list[DateMention] = []

    def add(
        m: re.Match[str],
        year: int,
        month: int,
        day: int,
        ambiguous: bool = False,
        start: int | None = None,
    ) -> None:
        begin = m.start() if start is None else start
        found.append(
            DateMention(
                begin,
                m.end(),
                text[begin : m.end()].strip(),
                _make_date(year, month, day),
                ambiguous,
            )
        )

    if not _DIGIT_RE.search(text):
        return []
    for m in _NUMERIC_RE.finditer(text):
        if m.start() and text[m.start() - 1] in _NOT_BEFORE:
            continue  # the tail of a longer number, version or IP address
        first, second, third = m.group(1), int(m.group(3)), m.group(4)
        if len(first) == 4 and len(third) <= 2:
            if first[:2] in ("19", "20"):
                add(m, int(first), second, int(third))
        elif len(first) in (2, 3) and len(third) <= 2:
            year = int(first)
            if year >= vocabulary.ROC_MIN_YEAR:
                add(m, year + vocabulary.ROC_YEAR_OFFSET, second, int(third))
        elif len(first) <= 2 and len(third) == 4 and third[:2] in ("19", "20"):
            _add_day_month(m, int(first), second, int(third), add)
    if "年" in text:
        for m in _CJK_RE.finditer(text):
            if m.start() and text[m.start() - 1].isdigit():
                continue
            prefix = _ROC_PREFIX_RE.search(text, max(0, m.start() - 6), m.start())
            year = int(m.group(1))
            if len(m.group(1)) < 4 or prefix:
                if year < vocabulary.ROC_MIN_YEAR and not prefix:
                    continue
                year += vocabulary.ROC_YEAR_OFFSET
            elif year < 1900:
                continue
            add(m, year, int(m.group(2)), int(m.group(3)), start=prefix.start() if prefix else None)
    covered = {m.start for m in found} | {m.end for m in found}
    for y in _YEAR_RE.finditer(text):
        ys, ye = y.start(), y.end()
        if ys in covered or ye in covered:
            continue  # the year of a numeric date already read
        if (ys and text[ys - 1].isdigit()) or text[ye : ye + 1].isdigit():
            continue
        lo = max(0, ys - _EN_WINDOW)
        if not _MONTH_HINT_RE.search(text[lo:ys].lower()):
            continue
        mdy = _EN_MDY_RE.search(text, lo, ye)
        if mdy:
            add(mdy, int(mdy.group(3)), _MONTHS[mdy.group(1)[:3].lower()], int(mdy.group(2)))
            continue
        dmy = _EN_DMY_RE.search(text, lo, ye)
        if dmy:
            add(dmy, int(dmy.group(3)), _MONTHS[dmy.group(2)[:3].lower()], int(dmy.group(1)))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    result: list[DateMention] = []
    for mention in found:
        if result and mention.start < result[-1].end:
            continue
        result.append(mention)
    return result


def _context(text: str, start: int, end: int) -> str:
    width = vocabulary.EVIDENCE_CONTEXT_CHARS
    left, right = max(0, start - width), min(len(text), end + width)
    return ("…" if left > 0 else "") + text[left:right].strip() + ("…" if right < len(text) else "")


def _nearest_label(before: str) -> tuple[str, str] | None:
    """The label closest before a date: ("update", label) or (trap reason, label).

    Closest means ending nearest the date; the alternatives are tried longest first, so
    "last updated" wins over "updated".
    """
    last = None
    for last in _LABEL_RE.finditer(before.lower()):  # noqa: B007 - we want the last one
        pass
    if last is None:
        return None
    label = last.group(0)
    return _LABEL_REASON[label], label


def _trap_hint(hints: frozenset[str]) -> SkipReason | None:
    for hint in hints:
        if hint.startswith(HINT_TRAP):
            reason = hint[len(HINT_TRAP) :]
            if reason in ("clock", "counter", "copyright"):
                return reason  # type: ignore[return-value]
    return None


def _judge_mention(
    line: Line,
    mention: DateMention,
    *,
    today: date,
    source: str,
    scan: DateScan,
    kind: Kind = "text",
    extra_hints: frozenset[str] = frozenset(),
    offset: int = 0,
) -> None:
    """Sort one mention into found (with a weight) or skipped (with a reason).

    ``offset`` is where ``line`` starts in the text the mention's positions refer to.
    """
    text = line.text
    start, end = mention.start - offset, mention.end - offset
    context = _context(text, start, end)
    value = mention.value

    def skip(reason: SkipReason) -> None:
        scan.skipped.append(SkippedDate(mention.as_written, context, reason, source))

    if value is None:
        return skip("invalid")
    if value > today and mention.ambiguous and swap_day_month(value) <= today:
        # 12/05/2026 seen in June: December is ahead, 12 May is past; the past reading is
        # the one that can be an update (still marked ambiguous).
        value = swap_day_month(value)
    if value.year < vocabulary.EARLIEST_YEAR:
        return skip("too_old")
    if value > today:
        return skip("future")
    hints = line.hints_at(start, end) | extra_hints if extra_hints else line.hints_at(start, end)
    trap = _trap_hint(hints)
    if trap:
        return skip(trap)
    label = _nearest_label(text[max(0, start - vocabulary.DATE_LABEL_WINDOW) : start])
    if label and label[0] != "update":
        return skip(label[0])  # type: ignore[arg-type]
    if value == today and label is None:
        after = text[end : end + 12] if kind == "text" else ""
        if (after and _CLOCK_AFTER_RE.match(after)) or (
            HINT_NAV in hints and HINT_ITEM not in hints
        ):
            return skip("clock")

    if label:
        weight, why = vocabulary.WEIGHT_MARKED, f"“{label[1]}” line"
    elif kind == "time" or HINT_TIME in hints:
        weight, why = vocabulary.WEIGHT_MARKED, "<time> element"
    elif HINT_DATE in hints and HINT_NAV not in hints:
        weight, why = vocabulary.WEIGHT_MARKED, "post date"
    elif HINT_NAV in hints:
        weight, why = vocabulary.WEIGHT_TEXT, "page header/menu"
    elif HINT_ITEM in hints or HINT_NEWS in hints:
        weight, why = vocabulary.WEIGHT_ITEM, "news/list item"
    elif HINT_POST in hints:
        weight, why = vocabulary.WEIGHT_ITEM, "article"
    elif start <= 2:
        weight, why = vocabulary.WEIGHT_ITEM, "date leading a line"
    else:
        weight, why = vocabulary.WEIGHT_TEXT, "running text"
    scan.found.append(
        FoundDate(value, mention.as_written, context, weight, source, kind, mention.ambiguous, why)
    )


def find_dates_in_text(text: str, *, today: date, source: str = "") -> DateScan:
    """Dates in plain text, one line per line of ``text`` (no HTML context)."""
    scan = DateScan()
    for i, raw in enumerate(text.splitlines()):
        norm = normalise(raw)
        if not norm:
            continue
        line = Line(i, i, norm, (Span(0, len(norm), "text", frozenset()),))
        for mention in scan_dates(norm):
            _judge_mention(line, mention, today=today, source=source, scan=scan)
    return scan


def find_dates_in_page(
    page: PageText | str,
    *,
    today: date,
    source: str = "",
    mentions: list[DateMention] | None = None,
) -> DateScan:
    """Dates a visitor can see on an HTML page, plus ``<time datetime>`` values.

    ``mentions`` is :func:`scan_dates` of the page's text when the caller already has it.
    """
    text = read_page(page) if isinstance(page, str) else page
    scan = DateScan()
    # One scan over the whole text (no pattern crosses a line break), then each date is judged
    # within its own line.
    if mentions is None:
        mentions = scan_dates(text.text())
    for mention in mentions:
        line, within = text.locate(mention.start)
        _judge_mention(
            line, mention, today=today, source=source, scan=scan, offset=mention.start - within
        )
    by_block = {line.block: line for line in text.lines} if text.times else {}
    for tag in text.times:
        value = _parse_timestamp(tag.value)
        shown = by_block.get(tag.block)
        base = shown.text if shown else tag.value
        line = Line(-1, tag.block, base, (Span(0, len(base), "text", tag.hints),))
        mention = DateMention(0, 0, tag.value, value)
        _judge_mention(
            line,
            mention,
            today=today,
            source=source,
            scan=scan,
            kind="time",
            extra_hints=tag.hints,
        )
    return scan


def _parse_timestamp(value: str) -> date | None:
    """A feed or ``<time>`` timestamp as a calendar date in Taiwan (UTC+8).

    RFC 822 (RSS ``pubDate``), ISO 8601 (Atom, ``dc:date``, ``datetime=``), or any form
    :func:`scan_dates` reads.
    """
    value = value.strip()
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            return parsed.astimezone(vocabulary.LOCAL_TZ).date()
        return parsed.date()
    mentions = scan_dates(normalise(value))
    return mentions[0].value if mentions else None


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
                stamps.append((child.text.strip(), _parse_timestamp(child.text)))
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

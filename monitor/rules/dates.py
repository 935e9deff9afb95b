"""Tell the dates a site wrote that mark updates from the ones that do not (RULES.md "updates").

The written forms (western, ROC, Chinese numerals, English, ranges) are read by
:mod:`monitor.rules.date_forms`; this module decides, for each date a visitor can see (or a
feed's item date), whether it marks content, and how surely.

Not updates (RULES.md "Not an update"), reported as skipped with the reason: a date right after a
copyright, clock/"today is" or visitor-counter label, or inside an element whose class says
clock/counter/copyright; every date on a visitor-counter line (「統計起始日」, 「本站自…起」,
「瀏覽人次」 anywhere on the line); today's date next to a time of day or weekday, or in the page
header (a live clock rendered by the server); live values written by the page's own scripts
(``document.lastModified``, which echoes the server's ``Last-Modified`` header, or ``new Date()``:
see :mod:`monitor.rules.page_text`); a calendar widget's dates of the current month; dates in
the future (upcoming events); dates before 1995; impossible dates (2026-02-30).

Ranges (RULES.md: an event written as a range marks content on its last day that is not after
today): the range's first date is found with that day as its date (the range's end when the
event is over, today while it runs); the end, as its own mention, is skipped as ``range_end``
so that it is not counted twice. A range longer than ``vocabulary.EVENT_RANGE_MAX_DAYS`` that is
still running is a period, not an event (「計畫執行期間 113年8月1日至114年7月31日」 on nearly every
alliance's homepage): it counts by its first day, or every such site would look updated today.

``<time>`` elements: when the visible text inside a ``<time>`` holds a date, that date counts and
the ``datetime`` attribute does not (some CMSs stamp the time of the request into it); only a
``<time>`` that shows no date of its own ("3 days ago") is read by its ``datetime``, and a
``datetime`` of today is trusted only when the text says so ("today", "2 hours ago", 今天): a
today's stamp on a ``<time>`` showing "Nov 20" is the time of the request.

Dates in ``<meta>`` tags and JSON-LD are not read: many CMSs stamp them with the time of the
request, and RULES.md asks for dates a visitor can see (or a feed's items). The server's
``Last-Modified`` header is never read either.

Each found date gets a weight: 3 for a ``<time>``, a post-date element, a "last updated"/更新日期
line or a feed item; 2 for a list item, table row, news container, a date that leads its line or
one that closes a short line (a news row "title [2026-11-03]"); 1 for running text. :mod:`monitor.rules.updates` prefers dates of weight 2 or more and falls back to
running text only when a site has nothing better.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from monitor.rules import vocabulary
from monitor.rules.date_forms import DateMention, parse_timestamp, scan_dates, swap_day_month
from monitor.rules.date_partial import MONTH_ROW_END, MONTH_ROWS_MIN, month_row
from monitor.rules.page_text import (
    HINT_CALENDAR,
    HINT_DATE,
    HINT_FOOTER,
    HINT_ITEM,
    HINT_LINK,
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

__all__ = [
    "DateMention",
    "DateScan",
    "FoundDate",
    "SkippedDate",
    "find_dates_in_page",
    "find_dates_in_text",
    "scan_dates",
    "swap_day_month",
]

Kind = Literal["text", "time", "feed"]
SkipReason = Literal[
    "copyright", "clock", "counter", "live", "range_end", "future", "too_old", "invalid"
]

_LABEL_REASON: dict[str, str] = {w.lower(): "update" for w in vocabulary.UPDATE_LABELS} | {
    w.lower(): reason for reason, words in vocabulary.TRAP_LABELS.items() for w in words
}
_LABEL_RE = re.compile("|".join(re.escape(w) for w in sorted(_LABEL_REASON, key=len, reverse=True)))
#: A time of day or weekday right after today's date: the line is a live clock.
_CLOCK_AFTER_RE = re.compile(
    r"^\s*(?:\(?[星週周]期?[一二三四五六日天]\)?|\([一二三四五六日天]\)|\(?(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\)?"
    r"|[上下]午|\d{1,2}:\d{2})",
    re.IGNORECASE,
)
#: Counter words that make every date on their line a counter's ("統計起始日 2020-01-01,
#: 瀏覽人次 12345"), wherever they stand on the line. Chinese and English apart: a plain
#: alternation of literals is ten times faster than a case-insensitive one.
_COUNTER_LINE_ZH_RE = re.compile(
    "|".join(re.escape(w) for w in vocabulary.COUNTER_LINE_WORDS if not w.isascii())
)
_COUNTER_LINE_EN_RE = re.compile(
    "|".join(re.escape(w) for w in vocabulary.COUNTER_LINE_WORDS if w.isascii()), re.IGNORECASE
)


def _news_item_date(text: str, start: int, end: int, hints: frozenset[str]) -> bool:
    """A news item's date on a line that mentions visitors, not a counter's start: the date
    opens its line (「2026-11-03 本會網站瀏覽人次突破十萬」), or sits in a list item or news
    container (a news list printing each item's views: 「研討會 2026-11-03 瀏覽人次：35」), and
    is not followed by 起/since."""
    if text[end : end + 4].lstrip().startswith(("起", "開始", "since")):
        return False
    return start <= 2 or (bool(hints & _ITEM_HINTS) and not _SINCE_RE.search(text))


_ITEM_HINTS = frozenset({HINT_ITEM, HINT_NEWS})
#: What a ``<time>`` stamped today may show when the post really is from today.
_RECENT_RE = re.compile(r"today|just now|ago|今天|今日|剛剛|前$|小時前|分鐘前", re.IGNORECASE)
#: Words that say a counter started counting on the date: such a line is a counter's even in a
#: list item.
_SINCE_RE = re.compile("統計起始|本站自|本網站自|計數起|自.{0,16}起|since", re.IGNORECASE)


#: What may close a news row after its date: brackets, a full stop.
_ROW_END_CHARS = " )]）】」』>.。"


def _ends_row(text: str, end: int) -> bool:
    """Whether a date closes a short line: a news row written "title  [2026-11-03]" (a 最新消息
    list of ``<br>`` lines or paragraphs, without list markup). Such a row's date marks content
    as surely as a list item's, and must not lose to an older "last updated" line (RULES.md)."""
    return len(text) <= vocabulary.NEWS_ROW_MAX_CHARS and not text[end:].strip(_ROW_END_CHARS)


def _counter_line(text: str) -> bool:
    """Whether a short line is a visitor counter's (every date on it is the counter's)."""
    if len(text) > vocabulary.COUNTER_LINE_MAX_CHARS:
        return False
    if _COUNTER_LINE_ZH_RE.search(text):
        return True
    lowered = text.lower()
    return ("visit" in lowered or "view" in lowered or "counter" in lowered) and bool(
        _COUNTER_LINE_EN_RE.search(text)
    )


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
            if reason in ("clock", "counter", "copyright", "live"):
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
    if mention.range_end:
        return skip("range_end")  # its day is counted with the range's first date
    as_written = mention.as_written
    written_day = value  # the day as written (for a range: its first day)
    ambiguous = mention.ambiguous
    until = mention.until
    if until is not None and until > value:
        # RULES.md: an event written as a range marks content on its last day not after today;
        # a long period still running (a project's 計畫執行期間) is no event: its start counts
        running_period = until > today and (until - value).days > vocabulary.EVENT_RANGE_MAX_DAYS
        if not running_period:
            value = min(until, today)
            # the end is read in the order the first date was read; it has another reading
            # only as a written day whose two numbers are both 12 or less (20.11.2026 settles
            # the order; today, while the event runs, is no written day)
            ambiguous = ambiguous and value == until and value.month != value.day <= 12
        as_written = text[start : mention.until_end - offset].strip()
    hints = line.hints_at(start, end) | extra_hints if extra_hints else line.hints_at(start, end)
    trap = _trap_hint(hints)
    if trap:
        return skip(trap)
    if HINT_CALENDAR in hints and (value.year, value.month) == (today.year, today.month):
        return skip("live")  # a calendar widget showing the current month
    label = _nearest_label(text[max(0, start - vocabulary.DATE_LABEL_WINDOW) : start])
    if label and label[0] != "update":
        return skip(label[0])  # type: ignore[arg-type]
    if not label and _counter_line(text) and not _news_item_date(text, start, end, hints):
        return skip("counter")
    if written_day == today and label is None:
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
    elif _ends_row(text, mention.until_end - offset if mention.until else end):
        weight, why = vocabulary.WEIGHT_ITEM, "date ending a line"
    else:
        weight, why = vocabulary.WEIGHT_TEXT, "running text"
    scan.found.append(FoundDate(value, as_written, context, weight, source, kind, ambiguous, why))


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


#: Where a month is no news row's date: a calendar's caption, a menu, the footer's archive.
_NOT_ROWS = frozenset({HINT_CALENDAR, HINT_NAV, HINT_FOOTER})


def _month_rows(text: PageText, *, today: date, source: str, scan: DateScan) -> None:
    """A news list dated by month (:func:`monitor.rules.date_partial.month_row`): each row's
    month counts as its first day, when at least :data:`MONTH_ROWS_MIN` rows of lists, tables
    or news containers on the page are dated so (one month alone is a calendar's caption; a
    link that is only a month is a blog's archive of months, not a dated row)."""
    rows: list[tuple[Line, int, int, date]] = []
    for line in text.lines:
        found = month_row(line.text)
        if found is None:
            continue
        start, end, year, month = found
        hints = line.hints_at(start, end)
        if not hints & _ITEM_HINTS or hints & _NOT_ROWS or _trap_hint(hints):
            continue
        if HINT_LINK in hints and not line.text[end:].strip(MONTH_ROW_END):
            continue  # a link that is only a month: a blog's archive of months, not a row
        rows.append((line, start, end, date(year, month, 1)))
    if len(rows) < MONTH_ROWS_MIN:
        return
    for line, start, end, value in rows:
        as_written, context = line.text[start:end], _context(line.text, start, end)
        if value.year < vocabulary.EARLIEST_YEAR or value > today:
            reason: SkipReason = "too_old" if value.year < vocabulary.EARLIEST_YEAR else "future"
            scan.skipped.append(SkippedDate(as_written, context, reason, source))
            continue
        why = "news row dated by month (its first day)"
        scan.found.append(
            FoundDate(value, as_written, context, vocabulary.WEIGHT_ITEM, source, why=why)
        )


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
    _month_rows(text, today=today, source=source, scan=scan)
    by_block = {line.block: line for line in text.lines} if text.times else {}
    for tag in text.times:
        if tag.shown and any(m.value for m in scan_dates(normalise(tag.shown))):
            continue  # the visible date (already read above) wins over the datetime attribute
        value = parse_timestamp(tag.value)
        if value == today and _RECENT_RE.search(tag.shown) is None and normalise(tag.shown):
            # stamped with the time of the request, showing something else ("Nov 20"): the
            # stamp is a live value, not the post's date
            scan.skipped.append(SkippedDate(tag.value, normalise(tag.shown), "live", source))
            continue
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

"""Read the written forms of a date in a line of text (RULES.md "updates": "Dates come in many forms").

This module only reads: it says where a date-shaped string is and which calendar day it names.
Whether that date marks an update (a news item) or a trap (a copyright year, a clock, a counter)
is :mod:`monitor.rules.dates`' job.

Forms read (after :func:`monitor.rules.page_text.normalise`, so full-width digits work too):

- western numeric: ``2026-11-03``, ``2026/11/3``, ``2026.11.03``, ``2026年11月3日``;
- ROC (民國) years: ``115/11/03``, ``115.11.03``, ``115-11-03``, ``115年11月3日``,
  ``民國115年11月3日``; ROC year + 1911 = western year. A bare 2-3 digit year is read as ROC only
  from 84 (1995) on: smaller numbers in that shape are scores or version numbers;
- Chinese numerals: ``一一五年十一月二十日``, ``二〇二六年十一月三日``, ``中華民國一百一十五年十一月三日``
  (a year written digit by digit or with 百/十; below 1000 it is an ROC year);
- 「號」 for 「日」: ``2026年11月26號``;
- day and month before the year: ``11/03/2026``. When one of the first two numbers is above 12
  the order is clear. Otherwise it is ambiguous and we read slashes and hyphens in US order
  (month/day/year, what English site templates print) and dots in European order (day.month.year),
  and mark the date ``ambiguous`` so the evidence says so;
- English: ``Nov 3, 2026``, ``November 3rd, 2026``, ``Dec. 22th, 2018`` (a wrong ordinal as
  written), ``04 November 2026``, ``03-Nov-2026``;
- a month and a day without a year (``Dec. 22th``, 「10月5日」, a leading ``10/05``) when the text
  around it gives the year: see :mod:`monitor.rules.date_partial`.

A month without a day (``2026年1月``) is not a date here: it cannot be aged to the day.

Ranges: the second date of ``2026-11-25 ~ 2026-12-05`` (also ``至``, ``到``, ``-``, "to", with
a weekday or a time of day after the first date) is marked ``range_end`` and the first date
carries it in ``until``; a short end (``2025/10/05~10/07``, ``10/5 - 7``, 「10月5日至7日」,
``Dec 22–24, 2025``) is read into ``until`` too. RULES.md: an event written as a range marks
content on its last day that is not after today (:mod:`monitor.rules.dates` applies it).
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from monitor.rules import vocabulary
from monitor.rules.date_partial import short_range_end, yearless_dates

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
# alternation is tried at every one of a page's ~50,000 characters. The first digit is written
# on its own (``\d\d{0,3}``, not ``\d{1,4}``): Python's re then skips to the next digit in C;
# a pattern that opens with a repeat is tried at every character (twice as slow).

#: Three numbers with the same separator: Y-M-D (western or ROC year) or D/M/Y, M/D/Y.
_NUMERIC_RE = re.compile(r"(\d\d{0,3}) ?([-/.]) ?(\d{1,2}) ?\2 ?(\d{1,4})(?!\d|[.:]\d)")
_CJK_RE = re.compile(r"(\d\d{1,3}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2})(?!\d)(?: ?[日號])?")
_ROC_PREFIX_RE = re.compile(r"(?:中華)?民國 ?$")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
#: Chinese numerals: 〇 (U+3007), ○ (U+25CB) and 零 all write zero.
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN = "〇○零一二三四五六七八九十百"
#: A whole date in Chinese numerals; the day must end with 日 or 號 (十一月 alone is a month).
_CN_DATE_RE = re.compile(
    rf"([{_CN}][{_CN}]{{1,6}}) ?年 ?([{_CN}]{{1,3}}) ?月 ?([{_CN}]{{1,3}}) ?[日號]"
)
#: English forms, tried only in the few characters before a year, and anchored at the year.
_EN_MDY_RE = re.compile(
    rf"(?<![a-z]){_MONTH}\.? ?(\d{{1,2}})(?:st|nd|rd|th)?,? ?{_YEAR4}$", re.IGNORECASE
)
_EN_DMY_RE = re.compile(
    rf"(?<![a-z\d])(\d{{1,2}})(?:st|nd|rd|th)?[ -](?:of )?{_MONTH}\.?[ ,-]+{_YEAR4}$",
    re.IGNORECASE,
)
#: "Dec 22–24, 2025": a month, two days and the year after the second.
_EN_MD_RANGE_Y_RE = re.compile(
    rf"(?<![a-z]){_MONTH}\.? ?(\d{{1,2}})(?:st|nd|rd|th)? ?[-–~] ?(\d{{1,2}})(?:st|nd|rd|th)?,? ?{_YEAR4}$",
    re.IGNORECASE,
)
_EN_WINDOW = 30
_MONTH_HINT_RE = re.compile("jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_NOT_BEFORE = frozenset("0123456789./")
_DIGIT_RE = re.compile(r"\d")
#: What stands between the two ends of a range: an optional weekday "(二)" or time "09:00",
#: then ~ - 至 到 "to"; on one line (the text is normalised: single spaces).
_RANGE_GAP_RE = re.compile(
    r"^ ?(?:\(?[^\s()0-9]{1,3}\) ?)?(?:\d{1,2}:\d{2}(?::\d{2})? ?)?"
    r"(?:~|-|—|–|─|起至|起到|至|到|to|until|through|thru)(?: ?起)? ?$",
    re.IGNORECASE,
)
_RANGE_MAX_GAP = 24


@dataclass(slots=True)
class DateMention:
    """A date-shaped string in a line: ``value`` is None when it is not a real calendar date.

    ``range_end`` marks the second date of a range (``2026-11-25 ~ 2026-12-05``); the first
    date carries the range's last day in ``until``.
    """

    start: int
    end: int
    as_written: str
    value: date | None
    ambiguous: bool = False
    range_end: bool = False
    #: on the first date of a range: the range's last day, and where its text ends
    until: date | None = None
    until_end: int = 0


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


def chinese_number(written: str) -> int | None:
    """一一五 -> 115, 二〇二六 -> 2026, 一百一十五 -> 115, 二十 -> 20, 十一 -> 11; None if malformed."""
    if "十" not in written and "百" not in written:
        digits = [_CN_DIGITS.get(c) for c in written]
        if any(d is None for d in digits):
            return None
        return int("".join(str(d) for d in digits))
    total, current = 0, None
    for char in written:
        if char in ("十", "百"):
            total += (1 if current is None else current) * (10 if char == "十" else 100)
            current = None
        elif current is not None and current != 0:
            return None  # two digits in a row inside 一百一十五-style writing
        else:
            current = _CN_DIGITS[char]
    return total + (current or 0)


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

    has_year_char = "年" in text
    if not has_year_char and not _DIGIT_RE.search(text):
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
    if has_year_char:
        _scan_cjk(text, add)
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
        span = _EN_MD_RANGE_Y_RE.search(text, lo, ye)
        if span:
            month = _MONTHS[span.group(1)[:3].lower()]
            add(span, int(span.group(4)), month, int(span.group(2)))
            found[-1].end = found[-1].start + len(span.group(0).split(span.group(3), 1)[0]) - 1
            found[-1].as_written = text[found[-1].start : found[-1].end].strip()
            found[-1].until = _make_date(int(span.group(4)), month, int(span.group(3)))
            found[-1].until_end = span.end()
            continue
        mdy = _EN_MDY_RE.search(text, lo, ye)
        if mdy:
            add(mdy, int(mdy.group(3)), _MONTHS[mdy.group(1)[:3].lower()], int(mdy.group(2)))
            continue
        dmy = _EN_DMY_RE.search(text, lo, ye)
        if dmy:
            add(dmy, int(dmy.group(3)), _MONTHS[dmy.group(2)[:3].lower()], int(dmy.group(1)))
    for start, end, value in yearless_dates(text):
        found.append(DateMention(start, end, text[start:end].strip(), value))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    result: list[DateMention] = []
    for mention in found:
        if result and mention.start < max(result[-1].end, result[-1].until_end):
            continue
        if result and mention.start - result[-1].end <= _RANGE_MAX_GAP:
            gap = text[result[-1].end : mention.start]
            if "\n" not in gap and _RANGE_GAP_RE.match(gap):
                mention.range_end = True
                if not result[-1].range_end:
                    result[-1].until, result[-1].until_end = mention.value, mention.end
        result.append(mention)
    for mention in result:
        if mention.value is not None and not mention.range_end and mention.until is None:
            short = short_range_end(text, mention.end, mention.value)
            if short is not None:
                mention.until_end, mention.until = short
    return result


def _scan_cjk(text: str, add: Callable[..., None]) -> None:
    """Dates written with 年月日 (or 號): Arabic digits, then Chinese numerals."""
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
    if "月" not in text:
        return
    for m in _CN_DATE_RE.finditer(text):
        numbers = [chinese_number(m.group(i)) for i in (1, 2, 3)]
        if None in numbers:
            continue
        year, month, day = (n or 0 for n in numbers)
        prefix = _ROC_PREFIX_RE.search(text, max(0, m.start() - 6), m.start())
        if year < 1000:
            if year < vocabulary.ROC_MIN_YEAR and not prefix:
                continue
            year += vocabulary.ROC_YEAR_OFFSET
        elif not 1900 <= year < 2100:
            continue
        add(m, year, month, day, start=prefix.start() if prefix else None)


#: The year of an RFC 822 date as written (``Mon, 01 Jan 0001 00:00:00 GMT``: "0001").
_RFC822_YEAR_RE = re.compile(r"(?:[A-Za-z]+,?\s*)?\d{1,2}\s+[A-Za-z]+\.?\s+(\d+)\b")


def parse_timestamp(value: str) -> date | None:
    """A feed or ``<time>`` timestamp as a calendar date in Taiwan (UTC+8).

    RFC 822 (RSS ``pubDate``), ISO 8601 (Atom, ``dc:date``, ``datetime=``), or any form
    :func:`scan_dates` reads. Never raises: a placeholder at the edge of the calendar
    (``0001-01-01T00:00:00+09:00``, ``Mon, 01 Jan 0001 00:00:00 GMT``) gives its year as
    written, which the judges then set aside as too old (or in the future).
    """
    from monitor.rules.page_text import normalise

    value = value.strip()
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # Overflow: a zone of 20 digits
        parsed = None
    if parsed is not None:
        written = _RFC822_YEAR_RE.match(value)
        if written and len(written.group(1)) > 2 and int(written.group(1)) < 100:
            # email.utils reads any year below 100 as 19xx/20xx, even one written with four
            # digits: .NET's "no date" (DateTime.MinValue) is "Mon, 01 Jan 0001 ...", not 2001.
            # Such a placeholder is far too old whatever its time zone.
            year = max(int(written.group(1)), 1)
            try:
                return parsed.date().replace(year=year)
            except ValueError:  # 29 February of a year that has none
                return date(year, 3, 1)
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            try:
                return parsed.astimezone(vocabulary.LOCAL_TZ).date()
            except OverflowError:  # 0001-01-01T00:00+09:00 is before year 1 in Taiwan
                return parsed.date()
        return parsed.date()
    mentions = scan_dates(normalise(value))
    return mentions[0].value if mentions else None

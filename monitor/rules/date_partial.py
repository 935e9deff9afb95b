"""Dates written without their year, and the short ends of ranges (RULES.md "updates": dates come
in many forms; an event written as a range).

Real sites leave the year out where a visitor reads it from around the date: a lab's English news
list under a year heading ("2018" above "Dec. 22th  Workshop on ..."), a sentence that names the
year first ("In 2018, our lab ... on Dec. 22th"), a Chinese list under 「2025年」 with items
「10月5日 研討會」. And the end of a range is written short: 「2025/10/05~10/07」, 「10/5 - 7」,
「2025年10月5日至7日」, "Dec 22–24, 2025".

A date without a year is read only when its year is certain from the text around it:

- a year earlier on the same line (``2018``, ``2018年``, ``民國107年``, ``107年``), or
- the nearest year heading above it: a short line that is only a year (「2018」, 「2018年」,
  「107年度」, "Year 2018", "2018 News"), looked for at most :data:`_HEADING_LOOKBACK` lines up.

Without either, nothing is read: guessing the year from today could turn an old item into a
fresh one.

A month without a day (「2026/03」, 「2026年3月」) is not a date either, with one exception: a
news list dated by month (:func:`month_rows`), where each row of a table or list starts with the
month and the visitor reads "news of March 2026" (NCU's SALLY Lab: a Date | News table of rows
「2026/03 | 專題生…榮獲佳作」). Such a month counts as its first day, the earliest day the row can
be from, so it never makes a site look fresher than it is. The forms read without a year: an English month name and a day (``Dec. 22th``,
``December 22``, ``22nd December``, month names capitalised, so "may 5" in a sentence is not a
date), 「10月5日」 (not right after 年), and ``10/05`` only where it leads its line (a news row;
elsewhere ``3/5`` is a fraction or a score).
"""

from __future__ import annotations

import re
from datetime import date

from monitor.rules.text_norm import literal_alternation

#: Month names as English sites capitalise them; validated against :data:`MONTH_NUMBERS`.
_EN_MONTH = r"([JFMASOND][a-z]{2,8}|JAN|FEB|MAR|APR|MAY|JUNE?|JULY?|AUG|SEPT?|OCT|NOV|DEC)"
MONTH_NUMBERS = {
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
_FULL_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "sept",
]
_ORDINAL = r"(?:st|nd|rd|th)?"
#: Matched at a month name found by :func:`_month_positions` (a plain substring search: a
#: pattern tried at each of a page's ~50,000 characters would cost more than all other dates).
_EN_MD_RE = re.compile(rf"{_EN_MONTH}\.? ?(\d{{1,2}}){_ORDINAL}(?![\d:/A-Za-z]|\.\d)")
_EN_DM_RE = re.compile(rf"(\d{{1,2}}){_ORDINAL} (?:of )?{_EN_MONTH}\b\.?(?! ?\d)")
_EN_DM_BACK = 10
#: Where a capitalised month name starts: literals as a prefix tree, which the regex engine
#: scans for quickly (unlike a pattern starting with a look-behind or a character class, or a
#: flat alternation tried word by word at each capital).
_MONTH_AT_RE = re.compile(
    literal_alternation(
        [name.capitalize() for name in MONTH_NUMBERS] + [name.upper() for name in MONTH_NUMBERS]
    )
)
#: Matched at each 「月」: the day after it; the month's digits are read back from it.
_CJK_DAY_RE = re.compile(r"月 ?(\d{1,2}) ?[日號]")
_CJK_MONTH_BACK_RE = re.compile(r"(?<![\d年])(\d{1,2}) ?$")
#: ``10/05`` leading its line: found from the line break before it (a literal the regex engine
#: scans for quickly; the text is searched with a line break put in front).
_NUM_MD_RE = re.compile(r"\n[^\w\n]{0,2}?(\d{1,2})([/.])(\d{1,2})(?![\d/.:])")

#: A year on the same line before the date: 2018, 2018年, 民國107年, 107年.
_LINE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)|(?<!\d)(\d{2,3}) ?年")
#: A line that is only a year (a heading above month-day items), with at most a few words.
_HEADING_LINE_RE = re.compile(
    r"^(?=[^\n]{0,24}$)[^\w\n]{0,3}(?:year |民國 ?)?(?:((?:19|20)\d{2})|(\d{2,3}) ?年)"
    r"(?: ?年)?(?: ?度)?(?: ?(?:news|events|activities|highlights|最新消息|消息|活動|公告|大事記))?"
    r"[^\w\n]{0,3}$",
    re.IGNORECASE | re.MULTILINE,
)
#: How many lines up a year heading is looked for (a year's list of a few dozen items).
_HEADING_LOOKBACK = 80
#: How far before the date on its line a year is looked for.
_LINE_YEAR_WINDOW = 120

#: The short end of a range after a full date: "~10/07", "- 7", "至7日", "–24".
_SHORT_END_RE = re.compile(
    r" ?(?:\(?[^\s()0-9]{1,3}\) ?)?(?:~|-|—|–|─|至|到|to|until|through) ?"
    r"(?:(\d{1,2}) ?(?:[/.]|月) ?)?(\d{1,2})(?: ?[日號]|st|nd|rd|th)?(?![\d/.:年月-])",
    re.IGNORECASE,
)

_ROC_OFFSET = 1911
_ROC_MIN = 84


def _western(western: str | None, roc: str | None) -> int | None:
    if western:
        return int(western)
    year = int(roc or 0)
    return year + _ROC_OFFSET if year >= _ROC_MIN else None


def month_number(name: str) -> int | None:
    """The month of an English month name or its abbreviation ("Sept", "DEC"), else None."""
    low = name.lower()
    if low[:3] not in MONTH_NUMBERS:
        return None
    if len(low) > 3 and low not in _FULL_NAMES and low not in ("june", "july", "sept"):
        return None
    return MONTH_NUMBERS[low[:3]]


class YearContext:
    """Finds the year a date without one belongs to, in one page's text (lines joined by \\n)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._headings: list[tuple[int, int]] | None = None

    def _heading_years(self) -> list[tuple[int, int]]:
        """(line start, year) of every year-heading line, in order."""
        if self._headings is None:
            self._headings = [
                (m.start(), year)
                for m in _HEADING_LINE_RE.finditer(self.text)
                if (year := _western(m.group(1), m.group(2)))
            ]
        return self._headings

    def year_at(self, pos: int) -> int | None:
        """The year for a date at ``pos``: a year before it on its line, else the year heading
        above it (within :data:`_HEADING_LOOKBACK` lines), else None."""
        line_start = self.text.rfind("\n", 0, pos) + 1
        before = self.text[max(line_start, pos - _LINE_YEAR_WINDOW) : pos]
        year = None
        for m in _LINE_YEAR_RE.finditer(before):
            year = _western(m.group(1), m.group(2)) or year
        if year:
            return year
        heading = None
        for start, value in self._heading_years():
            if start >= line_start:
                break
            heading = (start, value)
        if heading is None:
            return None
        if self.text.count("\n", heading[0], line_start) > _HEADING_LOOKBACK:
            return None
        return heading[1]


def make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def yearless_dates(text: str) -> list[tuple[int, int, date | None]]:
    """(start, end, date) of every month-day date whose year the text around it gives."""
    if not any(c in text for c in "JFMASONDjfmasond月/."):
        return []
    context = YearContext(text)
    found: list[tuple[int, int, date | None]] = []

    def add(start: int, end: int, month: int | None, day: int) -> None:
        if month is None or not 1 <= month <= 12 or not 1 <= day <= 31:
            return
        year = context.year_at(start)
        if year is not None:
            found.append((start, end, make_date(year, month, day)))

    for at in _MONTH_AT_RE.finditer(text):
        pos = at.start()
        if pos and text[pos - 1].isalpha():
            continue
        md = _EN_MD_RE.match(text, pos)
        if md:
            add(pos, md.end(), month_number(md.group(1)), int(md.group(2)))
        lo = max(0, pos - _EN_DM_BACK)
        dm = _EN_DM_RE.search(text, lo, pos + 12)
        if (
            dm
            and dm.start(2) == pos
            and not (dm.start() and text[dm.start() - 1] in "0123456789/.")
        ):
            add(dm.start(), dm.end(), month_number(dm.group(2)), int(dm.group(1)))
    if "月" in text:
        for m in _CJK_DAY_RE.finditer(text):
            back = _CJK_MONTH_BACK_RE.search(text, max(0, m.start() - 4), m.start())
            if back:
                add(back.start(1), m.end(), int(back.group(1)), int(m.group(1)))
    for m in _NUM_MD_RE.finditer("\n" + text):
        add(m.start(1) - 1, m.end() - 1, int(m.group(1)), int(m.group(3)))
    return found


def short_range_end(text: str, end: int, first: date) -> tuple[int, date | None] | None:
    """The short end written right after a range's first date (``first`` ends at ``end``):
    (where it ends, its date in the first date's year and month), or None."""
    m = _SHORT_END_RE.match(text, end)
    if m is None:
        return None
    month = int(m.group(1)) if m.group(1) else first.month
    value = make_date(first.year, month, int(m.group(2)))
    if value is not None and value < first:
        value = make_date(first.year + 1, month, int(m.group(2)))  # Dec 30 - Jan 2
    return m.end(), value


#: A month without a day leading its line: 2026/03, 2026-3, 2026.03, 2026年3月 (not followed by a
#: day: ``2026/03/15`` is a full date, read by :mod:`monitor.rules.date_forms`).
_MONTH_ROW_RE = re.compile(
    r"^[^\w\n]{0,2}?((?:19|20)\d{2}) ?(?:[/.-] ?(\d{1,2})|年 ?(\d{1,2}) ?月)(?! ?[/.\-月]? ?\d)"
)
#: What may stand after a row's month when the month is all its cell holds.
MONTH_ROW_END = " ]）)】」』>:：|"
#: After a month, the start of a period (「2019/06 – 2023/10」, 「2026/02 起」 on a CV), not a row.
_PERIOD_AFTER_RE = re.compile(r"^ ?(?:[~\-–—─至到起迄止]|to\b|until\b|-present)", re.IGNORECASE)
#: How many month rows make a news list (a calendar's caption is one month on its own).
MONTH_ROWS_MIN = 2
#: The least text after the month for a row that holds its headline on the same line.
_MONTH_ROW_MIN_TEXT = 4


def month_row(line: str) -> tuple[int, int, int, int] | None:
    """(start, end, year, month) of the month a list or table row starts with, or None.

    The month is the whole line (a table's date cell: 「2026/03」) or leads a headline
    (「2026/03 專題生…榮獲佳作」); a month that starts a period (「2019/06 – 2023/10」, 「2026/02
    起」: the dates of a CV) is not a row's date."""
    m = _MONTH_ROW_RE.match(line)
    if m is None:
        return None
    month = int(m.group(2) or m.group(3))
    if not 1 <= month <= 12:
        return None
    rest = line[m.end() :]
    if _PERIOD_AFTER_RE.match(rest):
        return None
    if rest.strip(MONTH_ROW_END) and len(rest.strip()) < _MONTH_ROW_MIN_TEXT:
        return None
    return m.start(1), m.end(), int(m.group(1)), month

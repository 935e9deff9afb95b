"""The ``updates`` check (RULES.md "updates"): how long ago did the site last show new content?

The latest update is the newest date on or before ``today`` that marks content (see
:mod:`monitor.rules.dates` for the forms, traps, live values and weights): on the homepage, the
news page the homepage links to (:func:`find_news_link`) or a feed it links
(:func:`find_feed_links`); :mod:`monitor.rules.news_links` finds those places. News shown only
through a third-party widget (a Facebook page plugin) is a warn with no latest date, and the
evidence names the widget.
Dates with weight >= 2 (news items, post dates, ``<time>``, "last updated" lines, feed items)
are preferred; a date in running text is used only when a site has nothing better, and the
evidence says so.

Windows (RULES.md): pass when at most 90 days old, warn 91-180, fail when older or none found.
When no date is found at all but the homepage's main text changed since last month's crawl, the
site passes with the evidence "content changed". The same comparison unmasks a server that stamps
its 「更新日期」 line with the date of every request: a "last updated" of today on a homepage whose
content has not changed since last month is a live value, set aside. The fingerprint that detects the change leaves
out dates, digits, weekday names, clocks, counters, menus and footers, so a live clock or a
visitor counter never reads as new content.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Check, Code, Details, Page, Status
from monitor.rules import vocabulary
from monitor.rules.dates import (
    DateScan,
    FoundDate,
    SkippedDate,
    find_dates_in_page,
    scan_dates,
    swap_day_month,
)
from monitor.rules.feeds import find_dates_in_feed
from monitor.rules.fingerprint import fingerprint
from monitor.rules.news_links import (
    NewsWidget,
    find_about_link,
    find_feed_links,
    find_news_link,
    find_news_widgets,
)
from monitor.rules.page_text import (
    read_page,
)

#: Re-exported: the crawl asks this module where a homepage's news is.
__all__ = [
    "find_about_link",
    "find_feed_links",
    "find_news_link",
    "fingerprint",
    "judge_updates",
    "stamps_of_today",
]

#: Why a date was not counted, for the evidence (each shown as "中文 English").
_SKIP_NAMES = {
    "copyright": Bilingual("版權年份", "copyright"),
    "clock": Bilingual("時鐘/今天日期", "clock"),
    "counter": Bilingual("訪客計數", "counter"),
    "live": Bilingual("即時數值（時鐘、行事曆、網頁修改時間）", "live value"),
    "range_end": Bilingual("活動結束日", "end of a date range"),
    "future": Bilingual("未來日期", "future"),
    "too_old": Bilingual("1995 年前", "before 1995"),
    "invalid": Bilingual("無效日期", "invalid"),
}
_IGNORED = Bilingual("略過的日期", "ignored dates")
#: How an ambiguous date was read.
_DAY_MONTH = Bilingual("日.月", "day.month")
_MONTH_DAY = Bilingual("月/日", "month/day")


#: Root elements of RSS 0.9x/2.0, Atom and RSS 1.0 (RDF) feeds.
_FEED_ROOTS = ("<rss", "<feed", "<rdf:rdf")


def _looks_like_html(text: str) -> bool:
    """An HTML page (an error or login page at the feed's address), not a feed.

    A ``<body`` counts only before any feed root element: an item may hold its text as XHTML
    (RSS 2.0's ``xhtml:body``) or a whole HTML page in CDATA, and is still a feed's item.
    """
    head = text[:500].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")):
        return True
    body = head.find("<body")
    if body < 0:
        return False
    roots = [i for i in (head.find(root) for root in _FEED_ROOTS) if i >= 0]
    return not roots or body < min(roots)


def collect_dates(pages: Sequence[Page], *, today: date) -> DateScan:
    """Dates of every page and feed (a "feed" that turns out to be HTML is read as a page)."""
    scan = DateScan()
    for page in pages:
        if page.kind == "feed" and not _looks_like_html(page.html):
            scan.extend(find_dates_in_feed(page.html, today=today, source=page.url))
        else:
            scan.extend(find_dates_in_page(page.html, today=today, source=page.url))
    return scan


_DAY_MONTH_YEAR_RE = re.compile(r"^(\d{1,2}) ?([-/.]) ?(\d{1,2}) ?\2 ?\d{4}$")


def settle_day_month_order(found: Sequence[FoundDate], *, today: date) -> list[FoundDate]:
    """Read ambiguous ``11/03/2026`` dates in the order the same page uses where it is clear.

    A page that also writes ``25/10/2026`` puts the day first; one that writes ``10/25/2026``
    the month. When a page's unambiguous dates of the same shape all agree, its ambiguous ones
    are read that way and no longer marked ambiguous; otherwise they stay as they are.
    """
    orders: dict[tuple[str, str], set[str]] = {}
    for d in found:
        m = _DAY_MONTH_YEAR_RE.match(d.as_written)
        if m is None or d.ambiguous:
            continue
        first, second = int(m.group(1)), int(m.group(3))
        if first > 12 >= second:
            orders.setdefault((d.source, m.group(2)), set()).add("day-first")
        elif second > 12 >= first:
            orders.setdefault((d.source, m.group(2)), set()).add("month-first")
    if not orders:
        return list(found)
    settled: list[FoundDate] = []
    for d in found:
        m = _DAY_MONTH_YEAR_RE.match(d.as_written) if d.ambiguous else None
        order = orders.get((d.source, m.group(2))) if m else None
        if m is None or order is None or len(order) != 1:
            settled.append(d)
            continue
        first = int(m.group(1))
        month = first if order == {"month-first"} else int(m.group(3))
        value = d.date if d.date.month == month else swap_day_month(d.date)
        if value > today:
            continue  # in the page's own order this is an upcoming date
        why = f"{d.why}; {'day/month' if order == {'day-first'} else 'month/day'} as elsewhere on the page"
        settled.append(replace(d, date=value, ambiguous=False, why=why))
    return settled


def _set_aside_stamps_of_today(scan: DateScan, home_url: str, *, today: date) -> None:
    """Move the homepage's "last updated" dates of today to the skipped live values.

    Called when the homepage's content is the same as at last month's crawl (the fingerprint
    leaves dates out): a 「更新日期」 line saying today over unchanged content is a date that moves
    with the clock — a server stamping every request with its own date — and RULES.md counts
    live values as no update (a line saying today over new content stays); and when a second
    fetch a few seconds later showed the line with another time of day.
    """
    kept: list[FoundDate] = []
    for d in scan.found:
        if d.source == home_url and d.date == today and d.kind == "text" and d.why.startswith("“"):
            scan.skipped.append(SkippedDate(d.as_written, d.context, "live", d.source))
        else:
            kept.append(d)
    scan.found = kept


def _window_status(age: int) -> Status:
    if age <= vocabulary.UPDATE_PASS_DAYS:
        return "pass"
    return "warn" if age <= vocabulary.UPDATE_WARN_DAYS else "fail"


def pick_latest(found: Sequence[FoundDate]) -> FoundDate | None:
    """The newest date that marks content; running-text dates only when nothing better exists."""
    pool = [d for d in found if d.weight >= vocabulary.WEIGHT_ITEM] or list(found)
    if not pool:
        return None
    return max(pool, key=lambda d: (d.date, d.weight, d.kind == "feed"))


def _skipped_summary(scan: DateScan) -> dict[str, int]:
    return dict(Counter(s.reason for s in scan.skipped))


def _date_evidence(latest: FoundDate) -> str:
    evidence = latest.context
    if latest.as_written not in evidence:
        evidence = f"「{latest.as_written}」 {evidence}"
    if latest.ambiguous:
        order = _DAY_MONTH if "." in latest.as_written else _MONTH_DAY
        read_as = Bilingual(f"日期格式不明確，以{order.zh}解讀", f"ambiguous, read as {order.en}")
        evidence += f"（{read_as.joined()}）"
    return evidence


def stamps_of_today(page: Page, *, today: date) -> list[str]:
    """The homepage's "last updated" lines dated today, as written with what follows the date
    (a time of day): compared between two fetches by :func:`monitor.visit.check_site`."""
    scan = find_dates_in_page(page.html, today=today, source=page.url)
    return [d.context for d in scan.found if d.date == today and d.why.startswith("“")]


def judge_updates(
    pages: list[Page],
    *,
    today: date,
    previous_fingerprint: str | None,
    stamped_on_request: bool = False,
) -> tuple[Check, str]:
    """Judge ``updates`` over the homepage, its news page and feeds; also fingerprint the homepage.

    Returns (Check, fingerprint). ``previous_fingerprint`` is last month's fingerprint of the
    same homepage, or None when there is none (first crawl). ``stamped_on_request`` says a
    second fetch of the homepage showed its "last updated" line of today with another time of
    day: a stamp the server prints on every request (a live value).
    """
    homepage = next((p for p in pages if p.kind == "homepage"), pages[0] if pages else None)
    home_text = read_page(homepage.html) if homepage is not None else read_page("")
    home_mentions = scan_dates(home_text.text())
    current = fingerprint(home_text, mentions=home_mentions)
    comparable = previous_fingerprint is not None and previous_fingerprint.startswith(
        vocabulary.FINGERPRINT_VERSION + ":"
    )
    changed: bool | None = (previous_fingerprint != current) if comparable else None

    scan = DateScan()
    for page in pages:
        if page is homepage:
            scan.extend(
                find_dates_in_page(home_text, today=today, source=page.url, mentions=home_mentions)
            )
        else:
            scan.extend(collect_dates([page], today=today))
    if (changed is False or stamped_on_request) and homepage is not None:
        _set_aside_stamps_of_today(scan, homepage.url, today=today)
    scan.found = settle_day_month_order(scan.found, today=today)
    latest = pick_latest(scan.found)
    details: Details = {
        "latest_date": None,
        "as_written": None,
        "source": None,
        "age_days": None,
        "content_changed": changed,
        "dates_found": len(scan.found),
        "skipped": _skipped_summary(scan),
        "checked": [p.url for p in pages],
    }

    if latest is None:
        widgets = _widgets(pages)
        if widgets:
            return _widget_only(widgets, details), current
        checked = "、".join(sorted({_KIND_ZH[p.kind] for p in pages})) or "首頁"
        checked_en = ", ".join(sorted({p.kind for p in pages})) or "homepage"
        if changed:
            return (
                Check(
                    "pass",
                    Code.CONTENT_CHANGED,
                    Bilingual(
                        "找不到更新日期，但首頁內容自上月以來有變動",
                        "No update date found, but the homepage content changed since last month",
                    ),
                    "content changed",
                    details,
                ),
                current,
            )
        if changed is False:
            message = Bilingual(
                f"在{checked}找不到更新日期，且首頁內容與上月相同",
                f"No update date found ({checked_en}) and the homepage is unchanged"
                " since last month",
            )
        else:
            message = Bilingual(
                f"在{checked}找不到更新日期", f"No update date found ({checked_en})"
            )
        ignored = _ignored_note(scan)
        return Check("fail", Code.NO_DATE, message, ignored, details), current

    age = (today - latest.date).days
    details.update(
        {
            "latest_date": latest.date.isoformat(),
            "as_written": latest.as_written,
            "source": latest.source,
            "age_days": age,
            "weight": latest.weight,
            "found_in": latest.why,
            "ambiguous": latest.ambiguous,
        }
    )
    day = latest.date.isoformat()
    status = _window_status(age)
    if status == "pass":
        code = Code.UPDATED
        message = Bilingual(f"最近更新 {day}（{age} 天前）", f"Last update {day} ({age} days ago)")
    else:
        code, limit = (
            (Code.AGING, vocabulary.UPDATE_PASS_DAYS)
            if status == "warn"
            else (Code.STALE, vocabulary.UPDATE_WARN_DAYS)
        )
        message = Bilingual(
            f"最近更新已超過 {limit} 天：{day}（{age} 天前）",
            f"Last update over {limit} days ago: {day} ({age} days ago)",
        )
    if latest.weight < vocabulary.WEIGHT_ITEM:
        message = Bilingual(
            message.zh + "（日期出現在內文，非消息列表）",
            message.en + " (date found in running text, not a news list)",
        )
    other = _other_reading(scan.found, latest, today=today)
    if other is not None and _window_status((today - other.date).days) != status:
        # 03/11/2026 is 3 November or 11 March: when the two readings give different verdicts
        # only a person can tell which the site meant (RULES.md: warn = a person must look).
        alt = other.date.isoformat()
        details["other_reading"] = alt
        status = "warn"
        code = Code.DATE_AMBIGUOUS
        message = message.plus(
            Bilingual(
                f"日期「{latest.as_written}」格式不明確，也可能是 {alt}，請人工確認",
                f"the date {latest.as_written!r} is ambiguous and could also be {alt},"
                " which gives another verdict; please check by hand",
            )
        )
    evidence = _date_evidence(latest)
    widgets = _widgets(pages) if status == "fail" else []
    if widgets:
        # Old news of its own, but a news widget of another service beside it: the widget may
        # well hold this month's news, which only a person can see (RULES.md: warn).
        status, code = "warn", Code.NEWS_IN_WIDGET
        message = message.plus(_widget_message(widgets))
        evidence = f"{evidence}; {widgets[0].describe()}"
    return Check(status, code, message, evidence, details), current


def _widgets(pages: Sequence[Page]) -> list[NewsWidget]:
    """News widgets of other services on the homepage and the news page (looked for only when
    the site's own dates do not pass)."""
    return [w for p in pages if p.kind != "feed" for w in find_news_widgets(p)]


def _widget_message(widgets: Sequence[NewsWidget]) -> Bilingual:
    service = widgets[0].service
    return Bilingual(
        f"消息只放在第三方嵌入元件（{service.zh}），不是網站自己的內容，請人工確認",
        f"the news is only in an embedded third-party widget ({service.en}), not the site's own"
        " content; please check by hand",
    )


def _widget_only(widgets: Sequence[NewsWidget], details: Details) -> Check:
    """RULES.md: news shown only through a third-party widget is a warn, with no latest date."""
    details["widget"] = widgets[0].describe()
    message = Bilingual("找不到網站自己的更新日期", "No update date of the site's own")
    return Check(
        "warn",
        Code.NEWS_IN_WIDGET,
        message.plus(_widget_message(widgets)),
        "; ".join(dict.fromkeys(w.describe() for w in widgets)),
        details,
    )


def _other_reading(
    found: Sequence[FoundDate], latest: FoundDate, *, today: date
) -> FoundDate | None:
    """The latest update if the ambiguous dates were read the other way round, when that
    differs from ``latest`` (None when no ambiguous date is involved)."""
    if not any(d.ambiguous for d in found):
        return None
    swapped = [
        replace(d, date=swap_day_month(d.date)) if d.ambiguous else d
        for d in found
        if not d.ambiguous or swap_day_month(d.date) <= today
    ]
    other = pick_latest(swapped)
    return other if other is not None and other.date != latest.date else None


_KIND_ZH = {"homepage": "首頁", "news": "最新消息頁", "feed": "RSS/Atom", "frame": "首頁其他框架"}


def _ignored_note(scan: DateScan) -> str:
    """Evidence for "no date found": which dates were seen and why none counted."""
    if not scan.skipped:
        return ""
    parts = [
        f"{_SKIP_NAMES[reason].joined(' ')} ×{n}" for reason, n in _skipped_summary(scan).items()
    ]
    example = scan.skipped[0]
    return f"{_IGNORED.joined(' ')}: {', '.join(parts)}; e.g. {example.context}"

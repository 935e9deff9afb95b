"""The ``updates`` check (RULES.md): how long ago did the site last show new content?

The latest update is the newest date on or before ``today`` that marks content (see
:mod:`monitor.rules.dates` for the forms, traps and weights): on the homepage, the news page the
homepage links to (:func:`find_news_link`) or a feed it links (:func:`find_feed_links`).
Dates with weight >= 2 (news items, post dates, ``<time>``, "last updated" lines, feed items)
are preferred; a date in running text is used only when a site has nothing better, and the
evidence says so.

Windows (RULES.md): pass when at most 90 days old, warn 91-180, fail when older or none found.
When no date is found at all but the homepage's main text changed since last month's crawl, the
site passes with the evidence "content changed". The fingerprint that detects the change leaves
out dates, digits, weekday names, clocks, counters, menus and footers, so a live clock or a
visitor counter never reads as new content.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from urllib.parse import urldefrag, urljoin, urlsplit

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Check, Code, Details, Page, Status
from monitor.rules import vocabulary
from monitor.rules.dates import (
    DateMention,
    DateScan,
    FoundDate,
    find_dates_in_feed,
    find_dates_in_page,
    scan_dates,
    swap_day_month,
)
from monitor.rules.page_text import (
    HINT_FOOTER,
    HINT_NAV,
    HINT_TRAP,
    Element,
    PageText,
    element_text,
    meaningful_length,
    normalise,
    read_page,
)

_CHROME = frozenset(
    {HINT_NAV, HINT_FOOTER, HINT_TRAP + "clock", HINT_TRAP + "counter", HINT_TRAP + "copyright"}
)
# Plain alternatives of lower-case literals: Python's re then skips ahead by first character,
# which keeps these fast on a whole page.
_TRAP_LINE_RE = re.compile(
    "|".join(
        re.escape(word.lower())
        for reason in ("clock", "counter")
        for word in sorted(vocabulary.TRAP_LABELS[reason], key=len, reverse=True)
    )
)
# Weekday and AM/PM words. Removing "am"/"pm" inside longer words too is harmless: both
# months' text loses them alike. (Digits have their own pattern: mixing them in is 4x slower.)
_NOISE_RE = re.compile(
    "|".join(
        re.escape(w.lower())
        for w in sorted(vocabulary.FINGERPRINT_NOISE_WORDS, key=len, reverse=True)
    )
)
_DIGITS_RE = re.compile(r"\d+")
_SKIP_NAMES = {
    "copyright": "版權年份 copyright",
    "clock": "時鐘/今天日期 clock",
    "counter": "訪客計數 counter",
    "future": "未來日期 future",
    "too_old": "1995 年前 before 1995",
    "invalid": "無效日期 invalid",
}


def fingerprint(page: PageText | str, *, mentions: list[DateMention] | None = None) -> str:
    """A hash of the homepage's main visible text, blind to dates, clocks and counters.

    Lines that are all menu, header, footer or clock/counter/copyright widget are left out when
    the rest still has text (they rarely carry news, and footers carry counters); so are lines
    with a clock or counter label. Dates, digit runs, weekday names and AM/PM are removed from
    what is left. The result starts with ``vocabulary.FINGERPRINT_VERSION`` so fingerprints made
    by a different recipe are never compared. ``mentions`` are the dates already found in the
    page's text (saves scanning twice).
    """
    text = read_page(page) if isinstance(page, str) else page
    full = text.text()
    if mentions is None:
        mentions = scan_dates(full)
    pieces: list[str] = []
    at = 0
    for mention in mentions:  # dates never span lines, so line numbers stay the same
        pieces.append(full[at : mention.start])
        at = mention.end
    pieces.append(full[at:])
    lines = "".join(pieces).lower().split("\n") if text.lines else []
    keep = [not all(sp.hints & _CHROME for sp in ln.spans) for ln in text.lines]
    if (
        meaningful_length("".join(ln for ln, k in zip(lines, keep, strict=True) if k), limit=20)
        < 20
    ):
        keep = [True] * len(lines)
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    for found in _TRAP_LINE_RE.finditer("\n".join(lines)):
        keep[bisect_right(starts, found.start()) - 1] = False
    body = "\n".join(ln for ln, k in zip(lines, keep, strict=True) if k)
    body = " ".join(_DIGITS_RE.sub("", _NOISE_RE.sub("", body)).split())
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
    return f"{vocabulary.FINGERPRINT_VERSION}:{digest}"


def _looks_like_html(text: str) -> bool:
    head = text[:500].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


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
        order = "日.月 day.month" if "." in latest.as_written else "月/日 month/day"
        evidence += f"（日期格式不明確，以{order}解讀 / ambiguous, read as {order.split()[1]}）"
    return evidence


def judge_updates(
    pages: list[Page], *, today: date, previous_fingerprint: str | None
) -> tuple[Check, str]:
    """Judge ``updates`` over the homepage, its news page and feeds; also fingerprint the homepage.

    Returns (Check, fingerprint). ``previous_fingerprint`` is last month's fingerprint of the
    same homepage, or None when there is none (first crawl).
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
    return Check(status, code, message, _date_evidence(latest), details), current


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


_KIND_ZH = {"homepage": "首頁", "news": "最新消息頁", "feed": "RSS/Atom"}


def _ignored_note(scan: DateScan) -> str:
    """Evidence for "no date found": which dates were seen and why none counted."""
    if not scan.skipped:
        return ""
    parts = [f"{_SKIP_NAMES[reason]} ×{n}" for reason, n in _skipped_summary(scan).items()]
    example = scan.skipped[0]
    return f"略過的日期 ignored dates: {', '.join(parts)}; e.g. {example.context}"


# --- links to the news page and feeds -------------------------------------------------------


def _base_url(root: Element, url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            return urljoin(url, href.strip())
    return url


def _site_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _same_site(url: str, home: str) -> bool:
    host, home_host = _site_host(url), _site_host(home)
    return bool(host) and (
        host == home_host or host.endswith("." + home_host) or home_host.endswith("." + host)
    )


def _tier(text: str, tiers: Sequence[Sequence[str]] = vocabulary.NEWS_LINK_TIERS) -> int | None:
    lowered = text.lower()
    for index, words in enumerate(tiers):
        for word in words:
            if word.isascii():
                if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered):
                    return index
            elif word in lowered:
                return index
    return None


def find_news_link(
    homepage: Page, *, tiers: Sequence[Sequence[str]] = vocabulary.NEWS_LINK_TIERS
) -> str | None:
    """The homepage's link to its news page (最新消息 / News first), as an absolute URL.

    Only links on the same site (``www.`` and subdomains count as the same site), with a short
    text: a long text mentioning 活動 is a news item, not the news page. None when there is none,
    or when the only such link points back at the homepage itself (the news is on the homepage).
    ``tiers`` are the link texts looked for, best first (see :func:`find_about_link`).
    """
    root = read_page(homepage.html).root
    base = _base_url(root, homepage.url)
    home = urldefrag(homepage.url).url
    best: tuple[int, int, int, str] | None = None
    # Filter in libxml2 first: a page has hundreds of links, few of them short.
    short = (
        f"//a[@href][string-length(normalize-space(.)) <= {vocabulary.NEWS_LINK_MAX_CHARS + 10}]"
    )
    for order, anchor in enumerate(root.xpath(short)):
        href = (anchor.get("href") or "").strip()
        if (
            not href
            or href.startswith("#")
            or href.lower().startswith(("javascript:", "mailto:", "tel:"))
        ):
            continue
        parts = [element_text(anchor), anchor.get("title") or ""]
        parts += [img.get("alt") or "" for img in anchor.iter("img")]
        text = normalise(" ".join(parts))
        if not text or len(text) > vocabulary.NEWS_LINK_MAX_CHARS:
            continue
        tier = _tier(text, tiers)
        if tier is None:
            continue
        url = urldefrag(urljoin(base, href)).url
        if urlsplit(url).scheme not in ("http", "https") or not _same_site(url, homepage.url):
            continue
        if url.rstrip("/") == home.rstrip("/"):
            continue
        key = (tier, len(text), order, url)
        if best is None or key < best:
            best = key
    return best[3] if best else None


def find_about_link(homepage: Page) -> str | None:
    """The homepage's link to its "about" page (關於我們 / 聯盟簡介 / About), same site only."""
    return find_news_link(homepage, tiers=vocabulary.ABOUT_LINK_TIERS)


def find_feed_links(homepage: Page) -> list[str]:
    """RSS/Atom feeds the homepage announces (``<link rel="alternate">``), at most two.

    Comment feeds (WordPress adds one per site) come after content feeds.
    """
    root = read_page(homepage.html).root
    base = _base_url(root, homepage.url)
    found: list[tuple[bool, int, str]] = []
    seen: set[str] = set()
    for order, link in enumerate(root.iter("link")):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" not in rel or kind not in vocabulary.FEED_TYPES or not href:
            continue
        url = urldefrag(urljoin(base, href)).url
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            continue
        seen.add(url)
        title = (link.get("title") or "").lower()
        comments = any(w in title or w in url.lower() for w in ("comment", "留言", "回應"))
        found.append((comments, order, url))
    found.sort()
    return [url for _, _, url in found[: vocabulary.MAX_FEED_LINKS]]

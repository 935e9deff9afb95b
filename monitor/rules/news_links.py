"""Find where a homepage's news lives: its news page, its feeds, or a third-party widget.

RULES.md "updates": the latest update may be on the homepage, on "the news page the homepage
links to (最新消息, 消息, 公告, 活動, News, Events — by the link's own text, or a 「more」/「更多」
link under a heading with such a word), or in a feed it links"; and "news shown only through an
embedded third-party widget that is not the site's own content (for example a Facebook page
plugin)" is a warn. :mod:`monitor.rules.updates` judges the dates; this module only finds the
places. Split from it (which re-exports :func:`find_news_link`, :func:`find_about_link`,
:func:`find_feed_links`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urldefrag

from lxml import etree

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Page
from monitor.rules import addresses, vocabulary
from monitor.rules.page_text import Element, element_text, normalise, read_page


def _base_url(root: Element, url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            # a <base href> the parser refuses is ignored, as a browser ignores an invalid one
            return addresses.join(url, href.strip()) or url
    return url


def _web_address(url: str) -> bool:
    parts = addresses.split(url)
    return parts is not None and parts.scheme in ("http", "https")


def _site_host(url: str) -> str:
    host = addresses.host(url)
    return host[4:] if host.startswith("www.") else host


def _same_site(url: str, home: str) -> bool:
    host, home_host = _site_host(url), _site_host(home)
    return bool(host) and (
        host == home_host or host.endswith("." + home_host) or home_host.endswith("." + host)
    )


@lru_cache(maxsize=16)
def _tier_patterns(tiers: tuple[tuple[str, ...], ...]) -> tuple[re.Pattern[str], ...]:
    """One pattern per tier: its English words as whole words, its Chinese ones anywhere.

    Compiled once per set of tiers: a page has hundreds of links, each tried against every
    word (one search per tier instead of one per word).
    """
    patterns = []
    for words in tiers:
        english = "|".join(re.escape(w) for w in words if w.isascii())
        chinese = [re.escape(w) for w in words if not w.isascii()]
        parts = ([rf"(?<![a-z])(?:{english})(?![a-z])"] if english else []) + chinese
        patterns.append(re.compile("|".join(parts) or "(?!)"))
    return tuple(patterns)


@lru_cache(maxsize=16)
def _any_tier_pattern(tiers: tuple[tuple[str, ...], ...]) -> re.Pattern[str]:
    """A word of any tier: most links have none, and are then dismissed with one search."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in _tier_patterns(tiers)))


def _tier(text: str, tiers: Sequence[Sequence[str]] = vocabulary.NEWS_LINK_TIERS) -> int | None:
    """The first tier with a word in ``text`` (English words whole, any case)."""
    return _lowered_tier(text.lower(), tuple(tuple(words) for words in tiers))


def _lowered_tier(lowered: str, tiers: tuple[tuple[str, ...], ...]) -> int | None:
    return _first_tier(lowered, _any_tier_pattern(tiers), _tier_patterns(tiers))


def _first_tier(
    lowered: str, any_tier: re.Pattern[str], tier_patterns: tuple[re.Pattern[str], ...]
) -> int | None:
    if any_tier.search(lowered) is None:
        return None
    for index, pattern in enumerate(tier_patterns):
        if pattern.search(lowered):
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

    For the news page (the default ``tiers``), a "more" link (「更多」, "more+") under a heading
    with a news word counts too, ranked after the best tier (RULES.md: "by the link's own text,
    or a 「more」/「更多」 link under a heading with such a word"). Links inside hidden menus
    count: only their text is hidden from visitors, and the page they lead to is the same.
    Relative links are resolved against ``<base href>`` when the page has one.
    """
    root = read_page(homepage.html).root
    base = _base_url(root, homepage.url)
    home = urldefrag(homepage.url).url
    with_more = tiers is vocabulary.NEWS_LINK_TIERS
    tiers_key = tuple(tuple(words) for words in tiers)
    # looked up once per page, not once per link (each look-up hashes the tiers' words)
    any_tier, tier_patterns = _any_tier_pattern(tiers_key), _tier_patterns(tiers_key)
    best: tuple[float, int, int, str] | None = None
    for order, anchor in enumerate(_SHORT_LINKS(root)):
        href = (anchor.get("href") or "").strip()
        if (
            not href
            or href.startswith("#")
            or href.lower().startswith(("javascript:", "mailto:", "tel:"))
        ):
            continue
        parts = ["".join(anchor.itertext()), anchor.get("title") or ""]
        if len(anchor):  # only an anchor with children can hold an <img>
            parts += [img.get("alt") or "" for img in anchor.iter("img")]
        text = normalise(" ".join(parts))
        if len(text) > vocabulary.NEWS_LINK_MAX_CHARS:
            continue
        lowered = text.lower()
        tier: float | None = _first_tier(lowered, any_tier, tier_patterns) if text else None
        if tier is None and with_more and _MORE_RE.match(lowered) and _under_news_heading(anchor):
            tier = vocabulary.MORE_LINK_TIER
        if tier is None:
            continue
        url = addresses.absolute(base, href)
        if url is None or not _web_address(url) or not _same_site(url, homepage.url):
            continue
        if url.rstrip("/") == home.rstrip("/"):
            continue
        key = (tier, len(text), order, url)
        if best is None or key < best:
            best = key
    return best[3] if best else None


#: Links with a short text, filtered in libxml2 first: a page has hundreds of links, few short.
_SHORT_LINKS = etree.XPath(
    f"//a[@href][string-length(normalize-space(.)) <= {vocabulary.NEWS_LINK_MAX_CHARS + 10}]"
)
_MORE_RE = re.compile(
    r"^[+＋»›>…. ]*(?:more|view more|see more|more news|all news|更多|看更多|查看更多|更多消息|更多內容"
    r"|更多訊息|more\+|更多\+)[+＋»›>…. ]*$"
)
_H = "self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
#: The heading that holds a link, the nearest heading before it, and the nearest element titled
#: like a heading before it (``<div class="module-title">``) that is not a news item's own title
#: (items' titles are links, or sit in list items).
_HEADING_XPATHS = (
    f"ancestor-or-self::*[{_H}][1]",
    f"preceding::*[{_H}][1]",
    "preceding::*[(contains(@class, 'title') or contains(@class, 'heading'))"
    " and not(.//a[@href]) and not(ancestor::li)][1]",
)


def _under_news_heading(anchor: Element) -> bool:
    """Whether the heading nearest before ``anchor`` (or around it) names the news."""
    for path in _HEADING_XPATHS:
        for heading in anchor.xpath(path):
            text = normalise(element_text(heading))
            if text and len(text) <= vocabulary.NEWS_LINK_MAX_CHARS and _tier(text) is not None:
                return True
    return False


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
        url = addresses.absolute(base, href)
        if url is None or not _web_address(url) or url in seen:
            continue
        seen.add(url)
        title = (link.get("title") or "").lower()
        comments = any(w in title or w in url.lower() for w in ("comment", "留言", "回應"))
        found.append((comments, order, url))
    found.sort()
    return [url for _, _, url in found[: vocabulary.MAX_FEED_LINKS]]


@dataclass(frozen=True, slots=True)
class NewsWidget:
    """An embedded third-party news widget: which service, and the page or frame it shows."""

    service: Bilingual
    address: str

    def describe(self) -> str:
        """One line for the evidence: the service in both languages, then the address."""
        return f"{self.service.joined()} {self.address}".strip()


def _widget_service(address: str, page_url: str) -> Bilingual | None:
    """The service a frame address belongs to, when it is a known news widget of another host."""
    parts = addresses.split(address)
    host = (parts.hostname or "").lower() if parts is not None else ""
    if parts is None or not host or _same_site(address, page_url):
        return None
    for service, hosts, paths in vocabulary.NEWS_WIDGETS:
        if any(host == h or host.endswith("." + h) for h in hosts):
            if not paths or any(p in parts.path for p in paths):
                return service
        elif paths and any(parts.path.startswith(p) for p in paths):
            # a plugin address served through a proxy or a CDN: known by its path and the
            # page it shows (?href=https://www.facebook.com/...)
            shown = " ".join(v for vs in parse_qs(parts.query).values() for v in vs)
            if any(h in unquote(shown).lower() for h in hosts):
                return service
    return None


def find_news_widgets(page: Page) -> list[NewsWidget]:
    """Third-party news widgets embedded in ``page``: frames of a known service on another host
    (a Facebook page plugin, a Twitter/X timeline...) and the SDK placeholders that become such
    frames in a browser (``<div class="fb-page" data-href=...>``, ``<a class="twitter-timeline">``).
    """
    root = read_page(page.html).root
    base = _base_url(root, page.url)
    found: list[NewsWidget] = []
    for frame in root.iter("iframe", "frame"):
        src = (frame.get("src") or frame.get("data-src") or "").strip()
        address = (addresses.join(base, src) or "") if src else ""
        service = _widget_service(address, page.url) if address else None
        if service:
            found.append(NewsWidget(service, address))
    if not _may_hold_marker(page.html):
        return found
    has_marker = _SDK_MARKER_RE.search
    for el in root.iter(etree.Element):
        classes = el.get("class")
        if not classes or has_marker(classes) is None:
            continue
        tokens = _XPATH_SPACE_RE.split(classes)
        for service, marker in vocabulary.NEWS_WIDGET_CLASSES:
            if marker in tokens:
                found.append(
                    NewsWidget(service, (el.get("data-href") or el.get("href") or "").strip())
                )
                break
    return found


def _may_hold_marker(html: str) -> bool:
    """False only when no element of the page can have an SDK marker in its class.

    A class value is the page's own characters, with character references decoded: a marker
    (lower-case letters and ``-``) is in one only if it is in the page's text as written, or
    some of its characters are written as numeric references (``fb&#45;page``; no named
    reference stands for a lower-case letter or ``-``). Most pages have neither, and are not
    walked element by element (0.15 ms a page, docs/PERFORMANCE.md "Judging"). Each marker is
    looked for with ``in`` (a C substring search, 0.03 ms a page each): :data:`_SDK_MARKER_RE`
    over the whole page took 0.6 ms, a tenth of the whole judgement, because ``re`` tries an
    alternation at every character.
    """
    return any(marker in html for marker in _SDK_MARKERS) or (
        "&#" in html and _MARKER_CHAR_REF_RE.search(html) is not None
    )


#: A numeric reference to ``-`` or a lower-case ASCII letter (leading zeros allowed).
_MARKER_CHAR_REF_RE = re.compile(
    r"&#(?:0*(?:45|9[7-9]|1[01][0-9]|12[0-2])(?![0-9])|[xX]0*(?:2[dD]|6[1-9a-fA-F]|7[0-9aA])(?![0-9a-fA-F]))"
)
assert all(
    set(marker) <= set("abcdefghijklmnopqrstuvwxyz-")
    for _, marker in vocabulary.NEWS_WIDGET_CLASSES
)

#: Class words of the SDK placeholders; an element's class is split into tokens only when it
#: holds one of them. One pass over the elements in Python is several times faster than
#: libxml2's ``//*[contains(concat(' ', normalize-space(@class), ' '), ...)]`` per marker.
_SDK_MARKERS = tuple(marker for _, marker in vocabulary.NEWS_WIDGET_CLASSES)
#: Any of them as a substring, in one C call (a generator over the markers per element was most
#: of this function's time).
_SDK_MARKER_RE = re.compile("|".join(re.escape(marker) for marker in _SDK_MARKERS))
#: The whitespace that separates class tokens as XPath's normalize-space() reads it (space, tab,
#: CR, LF; not Python's wider set).
_XPATH_SPACE_RE = re.compile("[ \t\r\n]+")

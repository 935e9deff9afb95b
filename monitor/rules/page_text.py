"""Decode fetched bytes and read what a visitor of the page can see.

Why our own walker over lxml and not ``BeautifulSoup.get_text()``: the judges need more than a
string. Credit needs to know whether a phrase came from text, an image's ``alt`` or ``title``;
the date extractor needs to know whether a date sits in a list item, a ``<time>``, a post-date
element, a clock widget or the footer. One pass of :func:`lxml.etree.iterwalk` gives all of that
at C speed (a 100 KB homepage in a few milliseconds, see docs/PERFORMANCE.md "Judging").

What counts as visible: everything in ``<body>`` except ``script``, ``style``, ``template``,
``noscript`` (the fetcher renders JavaScript pages, so the no-script fallback is not what a
visitor sees), comments, and elements hidden by the ``hidden`` attribute or an inline
``display:none`` / ``visibility:hidden``. ``aria-hidden="true"`` is still visible on screen, so it
counts. Image ``alt`` and ``title`` are added where the image is.

Block elements (``p``, ``div``, ``li``, ``td``, ``br``...) end a line; inline elements do not, so
``<span>科技</span><b>部</b>`` reads 科技部. :func:`normalise` then makes matching indifferent to
full-width forms, spaces, line breaks and zero-width characters.

:func:`read_page` remembers the last few pages it read (a bounded memo keyed by the HTML
string), because the crawler asks several judges about the same homepage.
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from lxml import etree

from monitor.rules import vocabulary

Source = Literal["text", "alt", "title"]

# Hints attached to text by the elements around it (see _element_hints).
HINT_ITEM = "item"  # li, dt, dd, tr
HINT_TIME = "time"  # <time>
HINT_DATE = "date"  # an element whose class/id says it holds a date
HINT_POST = "post"  # <article>
HINT_NEWS = "news"  # a news list / post container by class/id
HINT_NAV = "nav"  # header, nav, menus
HINT_FOOTER = "footer"
HINT_TRAP = "trap:"  # prefix: "trap:clock", "trap:counter", "trap:copyright" widgets
HINT_LINK = "link"  # inside <a href>

#: Elements whose content a visitor never sees.
_SKIP_TAGS = frozenset(
    {
        "head",
        "script",
        "style",
        "template",
        "noscript",
        "title",
        "meta",
        "link",
        "iframe",
        "object",
        "embed",
        "canvas",
        "audio",
        "video",
        "datalist",
        "param",
        "source",
        "track",
    }
)

#: Elements that end a line of text.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "frame",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "marquee",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)

_TAG_HINTS: dict[str, frozenset[str]] = {
    "li": frozenset({HINT_ITEM}),
    "dt": frozenset({HINT_ITEM}),
    "dd": frozenset({HINT_ITEM}),
    "tr": frozenset({HINT_ITEM}),
    "time": frozenset({HINT_TIME}),
    "article": frozenset({HINT_POST}),
    "header": frozenset({HINT_NAV}),
    "nav": frozenset({HINT_NAV}),
    "footer": frozenset({HINT_FOOTER}),
}

_IMAGE_TAGS = frozenset({"img", "area", "input"})

_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# Zero-width and invisible formatting characters: they split words for matching but show nothing.
_INVISIBLE_RE = re.compile(
    "[\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
    "\u202a\u202b\u202c\u202d\u202e]"
)
# CJK ideographs, kana, CJK punctuation and the full-width forms NFKC keeps.
_CJK_RANGES: tuple[tuple[str, str], ...] = (
    ("\u2e80", "\u303f"),
    ("\u3040", "\u312f"),
    ("\u31a0", "\u31bf"),
    ("\u3400", "\u4dbf"),
    ("\u4e00", "\u9fff"),
    ("\uf900", "\ufaff"),
    ("\ufe30", "\ufe4f"),
    ("\uff00", "\uffef"),
)
_CJK = "".join(f"{lo}-{hi}" for lo, hi in _CJK_RANGES)
_CJK_GAP_RE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_NOT_MEANINGFUL_RE = re.compile(r"[\W\d_]+")


def normalise(text: str) -> str:
    """Text as the matchers compare it: NFKC, no zero-width characters, single spaces.

    NFKC turns full-width letters, digits and punctuation (ＭＯＳＴ, ２０２６, ：) into their
    ordinary forms. Every run of whitespace (line breaks, NBSP, ideographic space) becomes one
    space, and a space between two Chinese characters is dropped: Chinese does not use spaces,
    so 「科技部 計畫\\n補助」 is the phrase 「科技部計畫補助」.
    """
    if text.isascii():
        return " ".join(text.split())
    if not unicodedata.is_normalized("NFKC", text):
        # Fast path for what Chinese pages are full of: full-width punctuation and ideographic
        # spaces, mapped exactly as NFKC maps them; full NFKC only for anything else.
        text = _FULL_WIDTH_RE.sub(_half_width, text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    if _INVISIBLE_RE.search(text):
        text = _INVISIBLE_RE.sub("", text)
    text = " ".join(text.split())
    if " " in text:
        text = _CJK_GAP_RE.sub("", text)
    return text


_FULL_WIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")


def _half_width(match: re.Match[str]) -> str:
    char = match.group(0)
    return " " if char == "\u3000" else chr(ord(char) - 0xFEE0)


def is_cjk(char: str) -> bool:
    """Whether a character is Chinese/Japanese script or CJK punctuation (no spaces around it)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x2E80 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFFEF
    )


def meaningful_length(text: str, *, limit: int | None = None) -> int:
    """Letters and CJK characters in ``text`` (digits, punctuation and spaces do not count).

    With ``limit``, counting stops once the count is above it (callers only compare with a
    threshold, and a long page need not be counted to the end).
    """
    if limit is None:
        return len(_NOT_MEANINGFUL_RE.sub("", text))
    count = 0
    for start in range(0, len(text), 4096):
        count += len(_NOT_MEANINGFUL_RE.sub("", text[start : start + 4096]))
        if count > limit:
            break
    return count


# --- decoding -------------------------------------------------------------------------------

_BIG5_NAMES = frozenset(
    {
        "big5",
        "big-5",
        "x-x-big5",
        "x-big5",
        "csbig5",
        "big5-tw",
        "cp950",
        "ms950",
        "windows-950",
        "big5hkscs",
        "big5-hkscs",
    }
)
_GB_NAMES = frozenset({"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "csgb2312", "euc-cn"})
#: Latin declarations are often a server default (Apache's AddDefaultCharset), not a choice made
#: for the page, so they are tried only after the page's own declaration and UTF-8.
_WEAK_NAMES = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252"}
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET_PARAM_RE = re.compile(r"charset\s*=\s*[\"']?([^\s;\"',]+)", re.IGNORECASE)


def _canonical_encoding(name: str | None) -> str | None:
    """A Python codec name for a declared or detected charset, or None if unusable."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    if key in _BIG5_NAMES:
        return "cp950"
    if key in _GB_NAMES:
        return "gb18030"
    if key in _WEAK_NAMES:
        return "cp1252"
    if key in {"x-user-defined", "unicode"}:
        return None
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def _decode_strict(body: bytes, encoding: str) -> tuple[str, str] | None:
    """Decode without any error; Big5 is tried as cp950 then big5hkscs (both have 碁)."""
    tries = ("cp950", "big5hkscs") if encoding == "cp950" else (encoding,)
    for enc in tries:
        try:
            return body.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _detected_encoding(body: bytes, tried: list[str]) -> str | None:
    """UnicodeDammit's guess (charset detection) for an undeclared, non-UTF-8 body."""
    from bs4.dammit import UnicodeDammit

    dammit = UnicodeDammit(body, is_html=True, exclude_encodings=tried)
    return _canonical_encoding(dammit.original_encoding)


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML (or feed) body: returns (text, Python codec name used). Never raises.

    Order: a byte-order mark (it cannot lie, so it goes first, as browsers do), the HTTP
    ``charset``, the page's own ``<meta charset>`` / ``http-equiv`` / XML declaration, then UTF-8
    and charset detection, then the encodings Taiwanese sites actually use. A declaration is only
    taken when the body decodes under it without error: a page that says UTF-8 but was saved in
    Big5 (a copied template) is still read correctly. Every Big5 name is read as cp950, because
    Python's ``big5`` codec fails on characters such as 碁; big5hkscs is the fallback. When
    nothing decodes cleanly, the first candidate is used with replacement characters.
    """
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body.decode(enc, errors="replace"), enc

    from bs4.dammit import EncodingDetector

    http = None
    if content_type:
        found = _CHARSET_PARAM_RE.search(content_type)
        http = found.group(1) if found else None
    declared = EncodingDetector.find_declared_encoding(body, is_html=True)
    if declared and declared.lower().startswith("utf-16"):
        declared = "utf-8"  # an ASCII-compatible page cannot really be UTF-16 (WHATWG)

    strong: list[str | None] = []
    weak: list[str | None] = []
    for name in (http, declared):
        canonical = _canonical_encoding(name)
        (weak if name and name.strip().lower() in _WEAK_NAMES else strong).append(canonical)

    candidates: list[str] = []
    for option in (*strong, "utf-8", *weak):
        if option and option not in candidates:
            candidates.append(option)
    for enc in candidates:
        decoded = _decode_strict(body, enc)
        if decoded is not None:
            return decoded

    for guess in (_detected_encoding(body, candidates), "cp950", "gb18030"):
        if guess and guess not in candidates:
            decoded = _decode_strict(body, guess)
            if decoded is not None:
                return decoded
    first = candidates[0]
    return body.decode(first, errors="replace"), first


# --- parsing --------------------------------------------------------------------------------

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


#: A parsed HTML element (plain lxml.etree: lxml.html's element classes cost a Python class
#: lookup on every element touched, a third of the walk's time).
Element: TypeAlias = etree._Element


def _parser() -> etree.HTMLParser:
    # huge_tree lifts libxml2's nesting limit of 256 (to 2048): templates that never close their
    # <div>s nest deep, and the text after the limit would be lost. The fetcher caps body size.
    return etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
    )


def parse_html(html: str) -> Element:
    """Parse HTML leniently; malformed or empty input gives an (empty) document, never an error.

    The text is handed to libxml2 as UTF-8 bytes with the encoding forced, so an XML declaration
    or a stale ``<meta charset>`` inside an already decoded string cannot confuse it. A page
    nested deeper than libxml2 allows is parsed again with its container tags flattened into
    line breaks, so its text is still read.
    """
    data = _XML_DECL_RE.sub("", html, count=1).replace("\x00", "").encode("utf-8", "replace")
    root, too_deep = _parse_bytes(data)
    if too_deep:
        flat, _ = _parse_bytes(_CONTAINER_TAG_RE.sub(b"<br>", data))
        root = flat if flat is not None else root
    if root is None:
        root = etree.fromstring(b"<html><body></body></html>", _parser())
    return root


_CONTAINER_TAG_RE = re.compile(
    rb"</?(?:div|span|font|center|b|i|u|small|big|strong|em)\b[^>]*>", re.IGNORECASE
)


def _parse_bytes(data: bytes) -> tuple[Element | None, bool]:
    """(document or None, whether libxml2 gave up on nesting depth)."""
    if not data.strip():
        return None, False
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError):
        return None, False
    too_deep = any("Excessive depth" in entry.message for entry in parser.error_log)
    return root, too_deep


def element_text(el: Element) -> str:
    """All text inside an element (scripts included), like lxml.html's ``text_content()``."""
    return "".join(el.itertext())


# --- visible text ---------------------------------------------------------------------------


@dataclass(slots=True)
class Chunk:
    """A piece of visible text in document order. ``block`` numbers the line it is on."""

    text: str
    source: Source
    block: int
    hints: frozenset[str]


@dataclass(frozen=True, slots=True)
class Image:
    """An image a visitor sees, with what it says and where it links."""

    src: str
    alt: str
    title: str
    href: str | None
    hints: frozenset[str]


@dataclass(frozen=True, slots=True)
class TimeTag:
    """A ``<time datetime="...">``: a machine-readable post date the site wrote itself."""

    value: str
    block: int
    hints: frozenset[str]


@dataclass(slots=True)
class Span:
    """Where a chunk landed in a :class:`Line`'s normalised text."""

    start: int
    end: int
    source: Source
    hints: frozenset[str]


@dataclass(frozen=True, slots=True)
class Line:
    """One line (block) of normalised visible text and the chunks it is made of."""

    index: int
    block: int
    text: str
    spans: tuple[Span, ...]

    def span_at(self, pos: int) -> Span | None:
        for span in self.spans:
            if span.start <= pos < span.end:
                return span
        return None

    def hints_at(self, start: int, end: int) -> frozenset[str]:
        """Hints of every chunk overlapping ``[start, end)``."""
        found: frozenset[str] = frozenset()
        for span in self.spans:
            if span.start < end and start < span.end:
                found |= span.hints
        return found


@dataclass(slots=True)
class PageText:
    """Everything the judges read from one HTML page, from a single parse.

    Treat it as read-only: :func:`read_page` may hand the same object to several judges.
    """

    root: Element
    chunks: list[Chunk] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    times: list[TimeTag] = field(default_factory=list)
    _lines: list[Line] | None = None
    _text: str | None = None
    _starts: list[int] | None = None

    @property
    def lines(self) -> list[Line]:
        """Non-empty normalised lines, in document order."""
        if self._lines is None:
            self._lines = build_lines(self.chunks)
        return self._lines

    def text(self) -> str:
        """Normalised visible text, one line per block."""
        if self._text is None:
            self._text = "\n".join(line.text for line in self.lines)
        return self._text

    def locate(self, pos: int) -> tuple[Line, int]:
        """The line holding position ``pos`` of :meth:`text`, and ``pos`` within that line."""
        if self._starts is None:
            starts, at = [], 0
            for line in self.lines:
                starts.append(at)
                at += len(line.text) + 1
            self._starts = starts
        index = max(0, bisect_right(self._starts, pos) - 1)
        return self.lines[index], pos - self._starts[index]


def _class_hints(value: str) -> frozenset[str]:
    value = value.lower()
    hints = set()
    for reason, words in vocabulary.TRAP_CLASS_WORDS.items():
        if any(w in value for w in words):
            hints.add(HINT_TRAP + reason)
    if any(w in value for w in vocabulary.DATE_CLASS_WORDS):
        hints.add(HINT_DATE)
    if any(w in value for w in vocabulary.NEWS_CLASS_WORDS):
        hints.add(HINT_NEWS)
    if any(w in value for w in vocabulary.NAV_CLASS_WORDS):
        hints.add(HINT_NAV)
    if any(w in value for w in vocabulary.FOOTER_CLASS_WORDS):
        hints.add(HINT_FOOTER)
    return frozenset(hints)


def _is_hidden(el: Element, tag: str, keys: list[str]) -> bool:
    if "hidden" in keys:
        return True
    if "style" in keys and _HIDDEN_STYLE_RE.search(el.get("style") or ""):
        return True
    if tag == "dialog" and "open" not in keys:
        return True
    return tag == "input" and (el.get("type") or "").lower() == "hidden"


def read_page(html: str | Element) -> PageText:
    """Walk a page once and collect its visible text, images and ``<time>`` tags.

    The crawler asks several judges about the same homepage string; a memo keyed by the HTML
    string means it is parsed and walked once (see docs/PERFORMANCE.md "Judging"). The memo is
    the module's only state: bounded (see :class:`_PageMemo`), thread-safe, and invisible to
    callers because the result depends on nothing but the string.
    """
    if isinstance(html, str):
        memo = _BIG_PAGES if len(html) > vocabulary.PAGE_MEMO_MAX_CHARS else _PAGES
        return memo.read(html)
    return _walk(html)


class _PageMemo:
    """A least-recently-used memo of parsed pages, bounded by count and by total characters.

    Why a character budget and not just a count: the judging thread serves every crawl worker
    in turn, so the questions about one site arrive between those of the other sites in
    flight; a memo smaller than the crawl's concurrency found each parse evicted before the
    next question. A parsed page costs about 20 bytes per character of HTML, so the budget
    bounds the memory while holding as many ordinary homepages as the crawl has in flight.
    """

    def __init__(self, max_pages: int, max_chars: int) -> None:
        self._max_pages = max_pages
        self._max_chars = max_chars
        self._pages: OrderedDict[str, PageText] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def read(self, html: str) -> PageText:
        with self._lock:
            page = self._pages.get(html)
            if page is not None:
                self._pages.move_to_end(html)
                return page
        page = _walk(parse_html(html))  # outside the lock: parsing is the slow part
        with self._lock:
            if html not in self._pages:
                self._pages[html] = page
                self._chars += len(html)
                while self._pages and (
                    len(self._pages) > self._max_pages or self._chars > self._max_chars
                ):
                    old, _ = self._pages.popitem(last=False)
                    self._chars -= len(old)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._chars = 0


_PAGES = _PageMemo(vocabulary.PAGE_MEMO_SIZE, vocabulary.PAGE_MEMO_TOTAL_CHARS)
_BIG_PAGES = _PageMemo(vocabulary.BIG_PAGE_MEMO_SIZE, 1 << 62)


def clear_page_memo() -> None:
    """Forget every parsed page (benchmarks time cold reads with it)."""
    _PAGES.clear()
    _BIG_PAGES.clear()


def _walk(root: Element) -> PageText:
    """One pass over the tree, written for speed: it runs on every page.

    Attributes are looked at only on elements that have any, and class/id hints are computed
    once per distinct class string.
    """
    page = PageText(root=root)
    chunks, images, times = page.chunks, page.images, page.times
    class_cache: dict[str, frozenset[str]] = {}
    empty: frozenset[str] = frozenset()
    stack: list[tuple[frozenset[str], str | None]] = [(empty, None)]
    block = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            hints, href = stack[-1]
            if tag in _BLOCK_TAGS:
                block += 1
            keys = el.keys()
            if tag in _SKIP_TAGS or ((keys or tag == "dialog") and _is_hidden(el, tag, keys)):
                walker.skip_subtree()
                stack.append((hints, href))
                continue
            own = _TAG_HINTS.get(tag)
            if own:
                hints = hints | own
            if keys:
                if "class" in keys or "id" in keys:
                    key = f"{el.get('class') or ''} {el.get('id') or ''}"
                    cached = class_cache.get(key)
                    if cached is None:
                        cached = class_cache[key] = _class_hints(key)
                    if cached:
                        hints = hints | cached
                if tag == "a" and "href" in keys:
                    href = el.get("href")
                    hints = hints | _LINK_HINT
                if tag in _IMAGE_TAGS:
                    _add_image(el, tag, hints, href, block, chunks, images)
                elif tag == "time" and "datetime" in keys:
                    times.append(TimeTag((el.get("datetime") or "").strip(), block, hints))
            stack.append((hints, href))
            text = el.text
            if text:
                chunks.append(Chunk(text, "text", block, hints))
        else:
            stack.pop()
            if tag in _BLOCK_TAGS:
                block += 1
            tail = el.tail
            if tail:
                chunks.append(Chunk(tail, "text", block, stack[-1][0]))
    return page


_LINK_HINT = frozenset({HINT_LINK})


def _add_image(
    el: Element,
    tag: str,
    hints: frozenset[str],
    href: str | None,
    block: int,
    chunks: list[Chunk],
    images: list[Image],
) -> None:
    if tag == "input" and (el.get("type") or "").lower() != "image":
        return
    alt = (el.get("alt") or "").strip()
    title = (el.get("title") or "").strip()
    if alt:
        chunks.append(Chunk(alt, "alt", block, hints))
    if title and title != alt:
        chunks.append(Chunk(title, "title", block, hints))
    if tag != "area":
        src = (el.get("src") or el.get("data-src") or "").strip()
        images.append(Image(src, alt, title, href, hints))


def build_lines(chunks: list[Chunk]) -> list[Line]:
    """Join chunks (in document order) into normalised lines, remembering where each landed."""
    lines: list[Line] = []
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    pending_space = False
    current = -1
    for chunk in chunks:
        if chunk.block != current:
            if parts:
                lines.append(Line(len(lines), current, "".join(parts), tuple(spans)))
            parts, spans, length, pending_space = [], [], 0, False
            current = chunk.block
        raw = chunk.text
        if raw.isspace():
            pending_space = True
            continue
        norm = normalise(raw)
        if not norm:
            continue
        separate = chunk.source != "text"
        if (
            parts
            and (pending_space or separate or raw[0].isspace())
            and not (is_cjk(parts[-1][-1]) and is_cjk(norm[0]))
        ):
            parts.append(" ")
            length += 1
        parts.append(norm)
        spans.append(Span(length, length + len(norm), chunk.source, chunk.hints))
        length += len(norm)
        pending_space = separate or raw[-1].isspace()
    if parts:
        lines.append(Line(len(lines), current, "".join(parts), tuple(spans)))
    return lines


def visible_text(html: str) -> str:
    """What a visitor can read on the page (plus image alt/title), one line per block.

    The result is normalised (see :func:`normalise`) within each line.
    """
    return read_page(html).text()

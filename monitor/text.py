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
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import lxml.html
from lxml import etree

from monitor import settings

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
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
        "\u202a\u202b\u202c\u202d\u202e",
    ),
    None,
)
_SPACES_RE = re.compile(r"\s+")
# CJK ideographs, kana, CJK punctuation and the full-width forms NFKC keeps.
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_CJK_CHAR_RE = re.compile(f"[{_CJK}]")
_CJK_GAP_RE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_MEANINGFUL_RE = re.compile(r"[^\W\d_]")


def normalise(text: str) -> str:
    """Text as the matchers compare it: NFKC, no zero-width characters, single spaces.

    NFKC turns full-width letters, digits and punctuation (ＭＯＳＴ, ２０２６, ：) into their
    ordinary forms. Every run of whitespace (line breaks, NBSP, ideographic space) becomes one
    space, and a space between two Chinese characters is dropped: Chinese does not use spaces,
    so 「科技部 計畫\\n補助」 is the phrase 「科技部計畫補助」.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = _SPACES_RE.sub(" ", text).strip()
    if " " in text and not text.isascii():
        text = _CJK_GAP_RE.sub("", text)
    return text


def meaningful_length(text: str) -> int:
    """Letters and CJK characters in ``text`` (digits, punctuation and spaces do not count)."""
    return len(_MEANINGFUL_RE.findall(text))


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


def _parser() -> lxml.html.HTMLParser:
    # huge_tree lifts libxml2's nesting limit of 256 (to 2048): templates that never close their
    # <div>s nest deep, and the text after the limit would be lost. The fetcher caps body size.
    return lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
    )


def parse_html(html: str) -> lxml.html.HtmlElement:
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
        root = lxml.html.document_fromstring(b"<html><body></body></html>", parser=_parser())
    return root


_CONTAINER_TAG_RE = re.compile(
    rb"</?(?:div|span|font|center|b|i|u|small|big|strong|em)\b[^>]*>", re.IGNORECASE
)


def _parse_bytes(data: bytes) -> tuple[lxml.html.HtmlElement | None, bool]:
    """(document or None, whether libxml2 gave up on nesting depth)."""
    if not data.strip():
        return None, False
    parser = _parser()
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None, False
    return root, any("Excessive depth" in entry.message for entry in parser.error_log)


# --- visible text ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
    """Everything the judges read from one HTML page, from a single parse."""

    root: lxml.html.HtmlElement
    chunks: list[Chunk] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    times: list[TimeTag] = field(default_factory=list)
    _lines: list[Line] | None = None

    @property
    def lines(self) -> list[Line]:
        """Non-empty normalised lines, in document order."""
        if self._lines is None:
            self._lines = build_lines(self.chunks)
        return self._lines

    def lines_without(self, exclude: frozenset[str]) -> list[Line]:
        """Lines rebuilt without the chunks that carry any of the ``exclude`` hints."""
        return build_lines([c for c in self.chunks if not (c.hints & exclude)])

    def text(self) -> str:
        """Normalised visible text, one line per block."""
        return "\n".join(line.text for line in self.lines)


def _class_hints(value: str) -> frozenset[str]:
    value = value.lower()
    hints = set()
    for reason, words in settings.TRAP_CLASS_WORDS.items():
        if any(w in value for w in words):
            hints.add(HINT_TRAP + reason)
    if any(w in value for w in settings.DATE_CLASS_WORDS):
        hints.add(HINT_DATE)
    if any(w in value for w in settings.NEWS_CLASS_WORDS):
        hints.add(HINT_NEWS)
    if any(w in value for w in settings.NAV_CLASS_WORDS):
        hints.add(HINT_NAV)
    if any(w in value for w in settings.FOOTER_CLASS_WORDS):
        hints.add(HINT_FOOTER)
    return frozenset(hints)


def _is_hidden(el: lxml.html.HtmlElement, tag: str) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE_RE.search(style):
        return True
    if tag == "dialog" and el.get("open") is None:
        return True
    return tag == "input" and (el.get("type") or "").lower() == "hidden"


def read_page(html: str | lxml.html.HtmlElement) -> PageText:
    """Walk a page once and collect its visible text, images and ``<time>`` tags."""
    root = parse_html(html) if isinstance(html, str) else html
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
            parent_hints, href = stack[-1]
            if tag in _BLOCK_TAGS:
                block += 1
            if tag in _SKIP_TAGS or _is_hidden(el, tag):
                walker.skip_subtree()
                stack.append((parent_hints, href))
                continue
            hints = parent_hints
            own = _TAG_HINTS.get(tag)
            if own:
                hints = hints | own
            marks = el.get("class"), el.get("id")
            if marks[0] or marks[1]:
                key = f"{marks[0] or ''} {marks[1] or ''}"
                cached = class_cache.get(key)
                if cached is None:
                    cached = class_cache[key] = _class_hints(key)
                if cached:
                    hints = hints | cached
            if tag == "a" and el.get("href"):
                href = el.get("href")
                hints = hints | {HINT_LINK}
            stack.append((hints, href))
            if tag in _IMAGE_TAGS:
                _add_image(el, tag, hints, href, block, chunks, images)
            elif tag == "time":
                value = el.get("datetime")
                if value:
                    times.append(TimeTag(value.strip(), block, hints))
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


def _add_image(
    el: lxml.html.HtmlElement,
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

    def flush() -> None:
        nonlocal parts, spans, length, pending_space
        if parts:
            lines.append(Line(len(lines), current, "".join(parts), tuple(spans)))
        parts, spans, length, pending_space = [], [], 0, False

    for chunk in chunks:
        if chunk.block != current:
            flush()
            current = chunk.block
        raw = chunk.text
        norm = normalise(raw)
        separate = chunk.source != "text"
        if not norm:
            pending_space = pending_space or bool(raw)
            continue
        if parts and (pending_space or separate or raw[:1].isspace()):
            prev = parts[-1][-1]
            if not (_CJK_CHAR_RE.match(prev) and _CJK_CHAR_RE.match(norm[0])):
                parts.append(" ")
                length += 1
        parts.append(norm)
        spans.append(Span(length, length + len(norm), chunk.source, chunk.hints))
        length += len(norm)
        pending_space = separate or raw[-1:].isspace()
    flush()
    return lines


def visible_text(html: str) -> str:
    """What a visitor can read on the page (plus image alt/title), one line per block.

    The result is normalised (see :func:`normalise`) within each line.
    """
    return read_page(html).text()

"""Read what a visitor of a page can see (RULES.md "credit": visible text; "updates": dates).

Why our own walker over lxml and not ``BeautifulSoup.get_text()``: the judges need more than a
string. Credit needs to know whether a phrase came from text, an image's ``alt`` or ``title``;
the date extractor needs to know whether a date sits in a list item, a ``<time>``, a post-date
element, a clock widget, a calendar or the footer. One pass of :func:`lxml.etree.iterwalk` gives
all of that at C speed (a 100 KB homepage in a few milliseconds, see docs/PERFORMANCE.md
"Judging").

What counts as visible: everything in ``<body>`` except ``script``, ``style``, ``template``,
``noscript`` (the fetcher renders JavaScript pages, so the no-script fallback is not what a
visitor sees), comments, and elements hidden from visitors: the ``hidden`` attribute, an inline
``display:none`` / ``visibility:hidden``, the renderer's ``data-monitor-hidden`` mark (the
browser's computed style), the page's own ``<style>`` rules and Bootstrap's ``d-none`` (see
:mod:`monitor.rules.visibility`). Hidden elements lose their text only: links inside a hidden
menu are still in the tree, where :mod:`monitor.rules.updates` looks for the news page.
``aria-hidden="true"`` is still visible on screen, so it counts; so does SVG ``<text>`` (each
one a line of its own). Image ``alt`` and ``title`` are added where the image is. A page that
opens with a self-closing ``<html ... />`` (or ``<head/>``, ``<body/>``) is read as browsers
read it: the slash is ignored.

Block elements (``p``, ``div``, ``li``, ``td``, ``br``...) end a line; inline elements do not, so
``<span>科技</span><b>部</b>`` reads 科技部. :func:`normalise` then makes matching indifferent to
full-width forms, spaces, line breaks and zero-width characters.

:func:`read_page` remembers the last few pages it read (a bounded memo keyed by the HTML
string), because the crawler asks several judges about the same homepage.

Why this module is long: the walk, the records it fills (chunks, lines, images, ``<time>`` tags)
and the tag tables that steer it are one unit that must stay fast; decoding
(:mod:`monitor.rules.decoding`), normalising (:mod:`monitor.rules.text_norm`), CSS and script
effects (:mod:`monitor.rules.visibility`) and the memo (:mod:`monitor.rules.page_memo`) live
apart.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from lxml import etree

from monitor.rules import vocabulary
from monitor.rules.decoding import decode_html
from monitor.rules.page_memo import PageMemo
from monitor.rules.text_norm import is_cjk, literal_alternation, meaningful_length, normalise
from monitor.rules.visibility import hidden_by_class, hidden_elements, live_elements

#: Re-exported: callers decode, read and normalise pages through this module.
__all__ = ["decode_html", "is_cjk", "meaningful_length", "normalise"]

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
HINT_CALENDAR = "calendar"  # a calendar widget (its current month is a live value)
HINT_LIVE = HINT_TRAP + "live"  # filled by a script with a live value (clock, lastModified)

#: Set on ``<html>`` by the renderer when it marked what the browser hides (``data-monitor-hidden``):
#: the page is then read by the browser's verdict alone.
RENDERED_ATTRIBUTE = "data-monitor-rendered"

#: Elements whose content a visitor never sees.
_SKIP_WORDS = (
    "head script style template noscript title meta link iframe object embed canvas desc "
    "audio video datalist param source track"
)
_SKIP_TAGS = frozenset(_SKIP_WORDS.split())

#: Elements that end a line of text.
_BLOCK_WORDS = (
    "address article aside blockquote body br caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form frame h1 h2 h3 h4 h5 h6 header hr html li main "
    "marquee nav ol option p pre section summary table tbody td text tfoot th thead tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_WORDS.split())

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

# --- parsing --------------------------------------------------------------------------------

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


#: A parsed HTML element (plain lxml.etree: lxml.html's element classes cost a Python class
#: lookup on every element touched, a third of the walk's time).
Element: TypeAlias = etree._Element


def _parser() -> etree.HTMLParser:
    # huge_tree lifts libxml2's nesting limit of 256 (to 2048): templates that never close their
    # <div>s nest deep, and the text after the limit would be lost. The fetcher caps body size.
    return etree.HTMLParser(
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        huge_tree=True,
        collect_ids=False,
    )


def parse_html(html: str) -> Element:
    """Parse HTML leniently; malformed or empty input gives an (empty) document, never an error.

    The text is handed to libxml2 as UTF-8 bytes with the encoding forced, so an XML declaration
    or a stale ``<meta charset>`` inside an already decoded string cannot confuse it. A page
    nested deeper than libxml2 allows is parsed again with its container tags flattened into
    line breaks, so its text is still read.
    """
    data = _XML_DECL_RE.sub("", html, count=1).encode("utf-8", "replace")
    if b"\x00" in data:  # only U+0000 encodes to a zero byte
        data = data.replace(b"\x00", b"")
    if b"/>" in data and _self_closed(data):
        # <html lang="zh-TW" /> (a template written as XML): browsers ignore the slash, libxml2
        # would close the element there and lose the whole page after it.
        data = _SELF_CLOSED_RE.sub(rb"<\1\2>", data)
    root, too_deep = _parse_bytes(data)
    if too_deep:
        flat, _ = _parse_bytes(_CONTAINER_TAG_RE.sub(b"<br>", data))
        root = flat if flat is not None else root
    if root is None:
        root = etree.fromstring(b"<html><body></body></html>", _parser())
    return root


_SELF_CLOSED_RE = re.compile(
    rb"<([Hh][Tt][Mm][Ll]|[Hh][Ee][Aa][Dd]|[Bb][Oo][Dd][Yy])(\b[^<>]*?)\s*/>"
)
_CONTAINER_TAG_RE = re.compile(
    rb"</?(?:div|span|font|center|b|i|u|small|big|strong|em)\b[^>]*>", re.IGNORECASE
)


def _self_closed(data: bytes) -> bool:
    """Whether :data:`_SELF_CLOSED_RE` has a match in ``data`` (found without running it: the
    pattern is tried at every ``<`` of the page, these few look-ups only at each ``<html``,
    ``<head`` and ``<body``). A match is the tag name, a non-word byte, then no ``<`` up to
    the first ``>``, which has a ``/`` right before it."""
    for found in _HTML_HEAD_BODY_RE.finditer(data):
        after = found.end()
        if after < len(data) and not _WORD_BYTE_RE.match(data, after):
            close = data.find(b">", after)
            if close > after and data[close - 1] == 0x2F and b"<" not in data[after:close]:
                return True
    return False


#: Found without lower-casing the whole page first (a copy of every byte of it).
_HTML_HEAD_BODY_RE = re.compile(rb"<(?:html|head|body)", re.IGNORECASE)
_WORD_BYTE_RE = re.compile(rb"\w")


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


#: A chunk as the walk records it: (text, source, block, hints), the fields of :class:`Chunk`.
RawChunk: TypeAlias = tuple[str, Source, int, frozenset[str]]


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
    """A ``<time datetime="...">``: a machine-readable post date the site wrote itself.

    ``shown`` is the text the element shows (its visible date, when it has one, wins).
    """

    value: str
    block: int
    hints: frozenset[str]
    shown: str = ""


@dataclass(slots=True)
class Span:
    """Where a chunk landed in a :class:`Line`'s normalised text."""

    start: int
    end: int
    source: Source
    hints: frozenset[str]


@dataclass(slots=True, unsafe_hash=True)
class Line:
    """One line (block) of normalised visible text and the chunks it is made of.

    Read-only like the rest of :class:`PageText`, but not ``frozen``: a frozen dataclass sets
    each field through ``object.__setattr__``, and building a page's lines was a fifth of
    :func:`build_lines` (0.7 us a line against 0.15). Equal and hashed by value as before.
    """

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
    #: The chunks as plain tuples ``(text, source, block, hints)``, what the walk records: a
    #: tuple costs a fraction of a :class:`Chunk` and a page has a thousand of them.
    raw_chunks: list[RawChunk] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    times: list[TimeTag] = field(default_factory=list)
    _lines: list[Line] | None = None
    _text: str | None = None
    _starts: list[int] | None = None

    @property
    def chunks(self) -> list[Chunk]:
        """The visible text pieces in document order (built on demand from :attr:`raw_chunks`)."""
        return [Chunk(*raw) for raw in self.raw_chunks]

    @property
    def lines(self) -> list[Line]:
        """Non-empty normalised lines, in document order."""
        if self._lines is None:
            self._lines = build_lines(self.raw_chunks)
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


def _words_re(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that finds any of ``words`` as a substring (one C call, not a loop)."""
    return re.compile(literal_alternation(words))


#: (hint, words of a class/id that give it), in the vocabulary's order.
_CLASS_HINT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((HINT_TRAP + reason, words) for reason, words in vocabulary.TRAP_CLASS_WORDS.items()),
    (HINT_DATE, vocabulary.DATE_CLASS_WORDS),
    (HINT_NEWS, vocabulary.NEWS_CLASS_WORDS),
    (HINT_NAV, vocabulary.NAV_CLASS_WORDS),
    (HINT_FOOTER, vocabulary.FOOTER_CLASS_WORDS),
    (HINT_CALENDAR, vocabulary.CALENDAR_CLASS_WORDS),
)
_CLASS_HINT_RES = tuple((hint, _words_re(words)) for hint, words in _CLASS_HINT_WORDS)
#: Any class/id word at all: most class strings (layout, grid, colours) have none.
_ANY_CLASS_WORD_RE = _words_re(tuple(w for _, words in _CLASS_HINT_WORDS for w in words))
_NO_HINTS: frozenset[str] = frozenset()


def _class_hints(value: str) -> frozenset[str]:
    """Hints a class/id string gives: a word of the vocabulary anywhere in it, any case.

    Read token by token (no vocabulary word holds a space, so none spans two tokens, and
    lower-casing is done character by character), each token's hints remembered across pages:
    a page has a hundred distinct class strings but they are made of far fewer tokens
    (``col-md-6``, ``menu-item``), the same from site to site.
    """
    found = _NO_HINTS
    for token in value.split():
        hints = _TOKEN_HINTS.get(token)
        if hints is None:
            hints = _token_hints(token)
            if len(_TOKEN_HINTS) < _TOKEN_HINTS_MAX:
                _TOKEN_HINTS[token] = hints
        if hints:
            found = found | hints if found else hints
    return found


def _token_hints(token: str) -> frozenset[str]:
    token = token.lower()
    if _ANY_CLASS_WORD_RE.search(token) is None:
        return _NO_HINTS
    return frozenset(hint for hint, words in _CLASS_HINT_RES if words.search(token))


assert not any(any(c.isspace() for c in w) for _, words in _CLASS_HINT_WORDS for w in words)
#: Hints of each class/id token seen (bounded: past the limit, new tokens are not remembered).
_TOKEN_HINTS: dict[str, frozenset[str]] = {}
_TOKEN_HINTS_MAX = 50_000


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


class _PageMemo(PageMemo[PageText]):
    """The memo of read pages (see :class:`monitor.rules.page_memo.PageMemo`)."""

    def __init__(self, max_pages: int, max_chars: int) -> None:
        super().__init__(lambda html: _walk(parse_html(html)), max_pages, max_chars)


_PAGES = _PageMemo(vocabulary.PAGE_MEMO_SIZE, vocabulary.PAGE_MEMO_TOTAL_CHARS)
_BIG_PAGES = _PageMemo(vocabulary.BIG_PAGE_MEMO_SIZE, 1 << 62)


def clear_page_memo() -> None:
    """Forget every parsed page and class token (benchmarks time cold reads with it)."""
    _PAGES.clear()
    _BIG_PAGES.clear()
    _TOKEN_HINTS.clear()


def _walk(root: Element) -> PageText:
    """The page's visible text; stylesheet and framework-class hiding is undone when it would
    hide most of the page.

    Why: a page may hide its whole content (``<div id="main" class="d-none">``) until its own
    script reveals it. A browser shows it; read without one, that hiding would make a working
    page "empty" (a wrong ``loads`` fail). The ``hidden`` attribute, inline styles and the
    browser's own ``data-monitor-hidden`` mark are always honoured.
    """
    if root.get(RENDERED_ATTRIBUTE) is not None:
        # the browser's own verdict is in the page (data-monitor-hidden): our reading of the
        # page's styles could only disagree with it (a site.css rule that shows a .d-none)
        return _walk_once(root, css=False)[0]
    page, css_hidden_chars = _walk_once(root, css=True)
    if css_hidden_chars >= vocabulary.REVEALED_CONTENT_MIN_CHARS and css_hidden_chars > sum(
        len(chunk[0]) for chunk in page.raw_chunks
    ):
        page, _ = _walk_once(root, css=False)
    return page


def _walk_once(root: Element, *, css: bool) -> tuple[PageText, int]:
    """One pass over the tree, written for speed: it runs on every element of every page.

    The hints and link of the element being read are kept in local variables and the parent's
    pushed on a stack (restored at its end); attributes are looked at only on elements that have
    any, and class/id hints (and whether a framework class hides the element) are computed once
    per distinct class string. Elements hidden by the page's own stylesheet and those a
    live-value script fills are found first (see :mod:`monitor.rules.visibility`). Returns the
    page and how many characters the stylesheet or a framework class hid (``css=False`` ignores
    both).
    """
    page = PageText(root=root)
    raw, images, times = page.raw_chunks, page.images, page.times
    css_hidden = hidden_elements(root) if css else set()
    css_hid = 0
    live, writers = live_elements(root)
    for writer in writers:
        after = writer.getnext()
        if not (writer.tail or "").strip() and after is not None and after.tag in _INLINE_TAGS:
            live.add(after)  # document.write("<span>...</span>") lands right after the script
    class_cache: dict[str, tuple[frozenset[str], bool]] = {}
    block_tags, skip_tags, tag_hints = _BLOCK_TAGS, _SKIP_TAGS, _TAG_HINTS
    hidden_style = _HIDDEN_STYLE_RE.search
    add = raw.append
    # the parent's (hints, link, whether the element itself is a block), restored at its end
    stack: list[tuple[frozenset[str], str | None, bool]] = []
    push, pop = stack.append, stack.pop
    hints: frozenset[str] = _NO_HINTS
    href: str | None = None
    block = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    skip = walker.skip_subtree
    # iterwalk's start and end events are elements only (never comments or PIs)
    for event, el in walker:
        if event == "start":
            tag = el.tag
            if tag in block_tags:
                block += 1
                push((hints, href, True))
            else:
                push((hints, href, False))
            if tag in skip_tags:
                skip()
                continue
            keys = el.keys()
            if keys:
                if (
                    "hidden" in keys
                    or "data-monitor-hidden" in keys
                    or ("style" in keys and hidden_style(el.get("style") or ""))
                    or (tag == "dialog" and "open" not in keys)
                    or (tag == "input" and (el.get("type") or "").lower() == "hidden")
                ):
                    skip()
                    continue
                cached = None
                if "class" in keys or "id" in keys:
                    classes = el.get("class") or ""
                    key = f"{classes} {el.get('id') or ''}"
                    cached = class_cache.get(key)
                    if cached is None:
                        cached = class_cache[key] = (_class_hints(key), hidden_by_class(classes))
                if css and (
                    (cached is not None and cached[1] and "display" not in (el.get("style") or ""))
                    or (css_hidden and el in css_hidden)
                ):
                    css_hid += sum(len(t) for t in el.itertext())
                    skip()
                    continue
                own = tag_hints.get(tag)
                if own:
                    hints = hints | own
                if live and el in live:
                    hints = hints | _LIVE_HINT
                if cached is not None and cached[0]:
                    hints = hints | cached[0]
                if tag == "a" and "href" in keys:
                    href = el.get("href")
                    hints = hints | _LINK_HINT
                if tag in _IMAGE_TAGS:
                    _add_image(el, tag, hints, href, block, raw, images)
                elif tag == "time" and "datetime" in keys:
                    value = (el.get("datetime") or "").strip()
                    times.append(TimeTag(value, block, hints, "".join(el.itertext())))
            else:
                if tag == "dialog":
                    skip()  # a closed <dialog> (no ``open``) shows nothing
                    continue
                if css and css_hidden and el in css_hidden:
                    css_hid += sum(len(t) for t in el.itertext())
                    skip()
                    continue
                own = tag_hints.get(tag)
                if own:
                    hints = hints | own
                if live and el in live:
                    hints = hints | _LIVE_HINT
            text = el.text
            if text:
                add((text, "text", block, hints))
        else:
            hints, href, is_block = pop()
            if is_block:
                block += 1
            tail = el.tail
            if tail:
                if writers and el in writers:
                    add((tail, "text", block, hints | _LIVE_HINT))
                else:
                    add((tail, "text", block, hints))
    return page, css_hid


_LIVE_HINT = frozenset({HINT_LIVE})
_INLINE_TAGS = frozenset({"span", "font", "b", "strong", "em", "i", "small", "u"})
_LINK_HINT = frozenset({HINT_LINK})


def _add_image(
    el: Element,
    tag: str,
    hints: frozenset[str],
    href: str | None,
    block: int,
    raw: list[RawChunk],
    images: list[Image],
) -> None:
    if tag == "input" and (el.get("type") or "").lower() != "image":
        return
    alt = (el.get("alt") or "").strip()
    title = (el.get("title") or "").strip()
    if alt:
        raw.append((alt, "alt", block, hints))
    if title and title != alt:
        raw.append((title, "title", block, hints))
    if tag != "area":
        src = (el.get("src") or el.get("data-src") or "").strip()
        images.append(Image(src, alt, title, href, hints))


def build_lines(chunks: list[RawChunk]) -> list[Line]:
    """Join chunks (in document order) into normalised lines, remembering where each landed."""
    lines: list[Line] = []
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    pending_space = False
    current = -1
    for raw, source, block, hints in chunks:
        if block != current:
            if parts:
                lines.append(Line(len(lines), current, "".join(parts), tuple(spans)))
            parts, spans, length, pending_space = [], [], 0, False
            current = block
        if raw.isspace():
            pending_space = True
            continue
        norm = " ".join(raw.split()) if raw.isascii() else normalise(raw)
        if not norm:
            continue
        separate = source != "text"
        if (
            parts
            and (pending_space or separate or raw[0].isspace())
            and not (is_cjk(parts[-1][-1]) and is_cjk(norm[0]))
        ):
            parts.append(" ")
            length += 1
        parts.append(norm)
        end = length + len(norm)
        spans.append(Span(length, end, source, hints))
        length = end
        pending_space = separate or raw[-1].isspace()
    if parts:
        lines.append(Line(len(lines), current, "".join(parts), tuple(spans)))
    return lines


def visible_text(html: str) -> str:
    """What a visitor can read on the page (plus image alt/title), one line per block.

    The result is normalised (see :func:`normalise`) within each line.
    """
    return read_page(html).text()

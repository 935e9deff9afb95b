"""Decode the bytes a site sent into text, the way browsers pick the encoding.

Taiwanese sites are served in UTF-8, Big5 (often mislabelled) and occasionally GB; a page whose
declaration lies must still read correctly, because every judge works on the decoded text.
Split from :mod:`monitor.rules.page_text` (which re-exports :func:`decode_html`).
"""

from __future__ import annotations

import codecs
import re

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
#: UTF-32 marks first: the little-endian one starts with the bytes of UTF-16's.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: An XML declaration's "<?" in UTF-16/32 without a byte-order mark (XML 1.0 Appendix F): a feed
#: saved so. An English one is also valid UTF-8 (NUL is a character), so these bytes must decide
#: before any declared or tried charset; no ASCII-compatible page starts with a NUL after "<".
_XML_STARTS: tuple[tuple[bytes, str], ...] = (
    ("<?".encode("utf-32-le"), "utf-32-le"),
    ("<?".encode("utf-32-be"), "utf-32-be"),
    ("<?".encode("utf-16-le"), "utf-16-le"),
    ("<?".encode("utf-16-be"), "utf-16-be"),
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
        name = codecs.lookup(key).name
        # A page may declare any codec Python knows ("undefined", which refuses every input;
        # "base64"; "punycode"; EBCDIC): only a codec that reads ASCII as ASCII can be a page's, or
        # UTF-16/32 (a header may name them; decode_html reads a <meta> naming UTF-16 as UTF-8)
        utf_16_32 = name.startswith(("utf-16", "utf-32"))
        if not utf_16_32 and _ASCII_PROBE.decode(name) != _ASCII_PROBE.decode("ascii"):
            return None
    except (LookupError, ValueError):  # ValueError: a NUL in the name, or the probe refused
        return None
    return name


_ASCII_PROBE = b'<meta charset="utf-8"><p class=x>News 2026-12-01</p>'


def _decode_strict(body: bytes, encoding: str) -> tuple[str, str] | None:
    """Decode without any error; Big5 is tried as cp950 then big5hkscs (both have 碁)."""
    tries = ("cp950", "big5hkscs") if encoding == "cp950" else (encoding,)
    for enc in tries:
        try:
            return body.decode(enc), enc
        except (UnicodeError, LookupError):  # UnicodeError: idna's refusals are not decode errors
            continue
    return None


def _detected_encoding(body: bytes, tried: list[str]) -> str | None:
    """UnicodeDammit's guess (charset detection) for an undeclared, non-UTF-8 body."""
    from bs4.dammit import UnicodeDammit

    dammit = UnicodeDammit(body, is_html=True, exclude_encodings=tried)
    return _canonical_encoding(dammit.original_encoding)


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML (or feed) body: returns (text, Python codec name used). Never raises.

    Order: a byte-order mark (it cannot lie, so it goes first, as browsers do) or a feed's
    ``<?xml`` written in UTF-16/32 without one, the HTTP
    ``charset``, the page's own ``<meta charset>`` / ``http-equiv`` / XML declaration, then UTF-8
    and charset detection, then the encodings Taiwanese sites actually use. A declaration is only
    taken when the body decodes under it without error: a page that says UTF-8 but was saved in
    Big5 (a copied template) is still read correctly. Every Big5 name is read as cp950, because
    Python's ``big5`` codec fails on characters such as 碁; big5hkscs is the fallback. When
    nothing decodes cleanly, the first candidate is used with replacement characters.
    """
    for bom, enc in _BOMS + _XML_STARTS:
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
    try:
        return body.decode(first, errors="replace"), first
    except (UnicodeError, LookupError):  # a codec without the "replace" handler (idna)
        return body.decode("utf-8", errors="replace"), "utf-8"

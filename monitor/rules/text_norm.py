"""Make text comparable the way a reader sees it: full-width forms, spaces, invisible characters.

RULES.md "credit": "text split across tags, full-width characters, spaces and line breaks inside
the phrase do not matter" — this is where that holds, for dates as well.

Every judge matches words and dates on text passed through :func:`normalise`, so 「ＭＯＳＴ」,
「２０２６」 and 「科技部 計畫\n補助」 read as MOST, 2026 and 「科技部計畫補助」. Split from
:mod:`monitor.rules.page_text`, which re-exports these functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

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
# The space first (then what is after and before it): Python's re skips to the next space in C;
# a pattern that opens with a look-behind is tried at every character.
_CJK_GAP_RE = re.compile(f" (?=[{_CJK}])(?<=[{_CJK}] )")
# One class then its repeat (not ``[\W\d_]+``): re skips ahead in C only to a pattern's first
# single character.
_NOT_MEANINGFUL_RE = re.compile(r"[\W\d_][\W\d_]*")


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
    threshold, and a long page need not be counted to the end): each piece read is just
    longer than the letters still missing, so a small limit (the fingerprint's 20, a
    JavaScript shell's 200) reads a few hundred characters of a homepage, not its whole text.
    The count is exact whenever it is at most ``limit``.
    """
    if limit is None or len(text) <= limit:
        return len(_NOT_MEANINGFUL_RE.sub("", text))
    count = 0
    start = 0
    while start < len(text):
        size = max(_MIN_PIECE, limit - count + 64)
        count += len(_NOT_MEANINGFUL_RE.sub("", text[start : start + size]))
        if count > limit:
            break
        start += size
    return count


#: The smallest piece :func:`meaningful_length` reads (fewer, larger calls on a text of symbols).
_MIN_PIECE = 256


def literal_alternation(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` literally, written as a prefix tree.

    Same matches as ``"|".join(map(re.escape, sorted(words, key=len, reverse=True)))`` (at
    the leftmost position, the longest word), but Python's ``re`` tries the alternatives of
    a flat alternation one by one at every character: with forty words, a class string or a
    page's text costs forty tries per character. In the tree, one character picks the one
    branch that can go on (docs/PERFORMANCE.md "Judging"). Greedy optional tails keep the
    longest word: at any point the tree only goes on with a longer word, and falls back to
    the shorter one ending there when the longer one fails. For a case-insensitive match,
    give lower-case words and match lower-cased text (two spellings of one word under
    ``re.IGNORECASE`` would be two branches, tried in order, not longest first).
    """
    tree: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    if not tree:
        return "(?!)"
    return _branches(tree)


def _branches(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    ends = "" in node
    alternatives = [re.escape(char) + _branches(node[char]) for char in sorted(node) if char]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    if ends:
        return f"(?:{body})?"
    return body

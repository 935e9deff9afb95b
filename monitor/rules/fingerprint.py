"""The homepage's fingerprint: has its main text changed since last month? (RULES.md "updates")

RULES.md: "If no date is found but the page's main text changed since the previous month's
crawl, that is a pass with the evidence 'content changed'." The fingerprint that detects the
change leaves out dates, digits, weekday names, clocks, counters, live values, menus and footers,
so a live clock or a visitor counter never reads as new content. Split from
:mod:`monitor.rules.updates` (which re-exports :func:`fingerprint`).

The recipe's version (``vocabulary.FINGERPRINT_VERSION``) is kept when only the page reader
changes what counts as visible (CSS-hidden text, SVG text): a fingerprint that differs for that
reason can only turn a dateless site's "no date" into "content changed" for one month, never
call a site that changed unchanged.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right

from monitor.rules import vocabulary
from monitor.rules.dates import DateMention, scan_dates
from monitor.rules.page_text import (
    HINT_FOOTER,
    HINT_NAV,
    HINT_TRAP,
    PageText,
    meaningful_length,
    read_page,
)
from monitor.rules.text_norm import literal_alternation

_CHROME = frozenset(
    {HINT_NAV, HINT_FOOTER}
    | {HINT_TRAP + reason for reason in ("clock", "counter", "copyright", "live")}
)
# Lower-case literals as prefix trees (literal_alternation): one branch per character instead
# of one try per word, which keeps these fast on a whole page. Only which lines hold a clock or
# counter label matters, whichever label is read at a place.
_TRAP_LINE_RE = re.compile(
    literal_alternation(
        word.lower() for reason in ("clock", "counter") for word in vocabulary.TRAP_LABELS[reason]
    )
)
# Weekday and AM/PM words, the longest at a place. Removing "am"/"pm" inside longer words too
# is harmless: both months' text loses them alike. (Digits have their own pattern: mixing them
# in is 4x slower.)
_NOISE_RE = re.compile(literal_alternation(w.lower() for w in vocabulary.FINGERPRINT_NOISE_WORDS))
_DIGITS_RE = re.compile(r"\d\d*")  # not \d+: see date_forms on repeats


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
    # a line is kept when one of its spans is not chrome (a plain loop: a generator per line
    # was a fifth of this function)
    chrome = _CHROME.isdisjoint
    keep = []
    for ln in text.lines:
        for sp in ln.spans:
            if chrome(sp.hints):
                keep.append(True)
                break
        else:
            keep.append(False)
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

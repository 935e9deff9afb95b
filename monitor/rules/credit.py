"""The ``credit`` check (RULES.md): does the homepage say 「科技部計畫補助」?

- pass: a funder name and a funding word within about 30 characters of each other, in text a
  visitor can read on the homepage: visible text or an image's ``alt`` / ``title``. The text is
  read through :func:`monitor.rules.page_text.normalise`, so tags inside the phrase
  (``<span>科技</span><b>部</b>計畫補助``), full-width letters, spaces and line breaks do not
  matter. Either order counts: 「指導單位：科技部」, 「國科會補助」, "Sponsored by MOST".
- warn: the funder is only named (「科技部產學小聯盟」 is the programme's name, not a credit);
  or the credit is only on another page (``other_pages``); or only inside an image that has no
  text (an ``<img src="most-logo.png">`` without ``alt``, or a logo linking to nstc.gov.tw).
- fail: no funder named on the homepage at all.

English names match case-insensitively on word boundaries; the acronyms MOST and NSTC match
in upper case only, because "most" is an ordinary English word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Check, Code, Details, Page
from monitor.rules import addresses, vocabulary
from monitor.rules.page_text import Image, PageText, normalise, read_page

_SOURCE_RANK = {"text": 0, "alt": 1, "title": 2}


def _spread(word: str) -> str:
    """A regex for ``word`` that also matches it broken by a line break (``國科<br>會補助``).

    Visible text is joined line by line with ``\n`` (see :meth:`PageText.text`), and
    RULES.md says line breaks inside the phrase do not matter: so a Chinese name may have one
    ``\n`` between any two characters, and an English name a ``\n`` where it has a space.
    """
    if word.isascii():
        return r"[ \n]".join(re.escape(part) for part in word.split(" "))
    return "\n?".join(re.escape(char) for char in word)


def _words_pattern(zh: Sequence[str], en: Sequence[str], acronyms: Sequence[str] = ()) -> str:
    parts = [_spread(w) for w in sorted(zh, key=len, reverse=True)]
    if en:
        names = "|".join(_spread(w) for w in sorted(en, key=len, reverse=True))
        parts.append(rf"(?i:(?<![a-z])(?:{names})(?![a-z]))")
    if acronyms:
        names = "|".join(re.escape(w) for w in acronyms)
        parts.append(rf"(?<![A-Za-z])(?:{names})(?![A-Za-z])")
    return "|".join(parts)


#: Chinese names and the upper-case acronyms: near-literals, which Python's re scans fast.
_FUNDER_FAST_RE = re.compile(
    "|".join(
        _spread(w)
        for w in sorted(
            (*vocabulary.FUNDER_NAMES_ZH, *vocabulary.FUNDER_ACRONYMS), key=len, reverse=True
        )
    )
)
#: English names, case-insensitive: slower, so only tried on pages that contain "science".
_FUNDER_EN_RE = re.compile(
    "|".join(_spread(w) for w in sorted(vocabulary.FUNDER_NAMES_EN, key=len, reverse=True)),
    re.IGNORECASE,
)
_FUNDER_RE = re.compile(
    _words_pattern(
        vocabulary.FUNDER_NAMES_ZH, vocabulary.FUNDER_NAMES_EN, vocabulary.FUNDER_ACRONYMS
    )
)


def _ascii_word_at(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not glued to other Latin letters ("MOSTLY", "almost")."""
    before = text[start - 1] if start else ""
    after = text[end : end + 1]
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())


def _funders(text: str) -> list[re.Match[str]]:
    """Funder names in ``text``, left to right (same result as ``_FUNDER_RE``, but faster)."""
    found = [
        m
        for m in _FUNDER_FAST_RE.finditer(text)
        if not m.group(0).isascii() or _ascii_word_at(text, m.start(), m.end())
    ]
    mentions_science = "cience" in text or "CIENCE" in text
    if mentions_science:
        found += [
            m for m in _FUNDER_EN_RE.finditer(text) if _ascii_word_at(text, m.start(), m.end())
        ]
        found.sort(key=lambda m: m.start())
    return found


_FUNDING_RE = re.compile(_words_pattern(vocabulary.FUNDING_WORDS_ZH, vocabulary.FUNDING_WORDS_EN))
_NAME_TOKEN_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+|[\u4e00-\u9fff]+")


@dataclass(frozen=True, slots=True)
class CreditMatch:
    """A funder mention, with the funding word next to it when there is one."""

    funder: str
    phrase: str
    evidence: str
    where: str  # "text", "alt" or "title"
    funded: bool  # a funding word is within the window


def _evidence(text: str, start: int, end: int) -> str:
    width = vocabulary.EVIDENCE_CONTEXT_CHARS
    left, right = max(0, start - width), min(len(text), end + width)
    shown = normalise(text[left:right])
    return ("…" if left > 0 else "") + shown + ("…" if right < len(text) else "")


def _source_at(page: PageText, pos: int) -> str:
    line, offset = page.locate(pos)
    span = line.span_at(offset)
    return span.source if span else "text"


def find_credits(page: PageText) -> list[CreditMatch]:
    """Every funder mention on the page, each with whether a funding word is close enough.

    Matching runs over the page's lines joined by line breaks, so a credit laid out over two
    table cells or two lines (「指導單位」 / 「科技部」) is still one phrase.
    """
    text = page.text()
    window = vocabulary.CREDIT_WINDOW_CHARS
    found: list[CreditMatch] = []
    for funder in _funders(text):
        lo = max(0, funder.start() - window - 4)
        hi = min(len(text), funder.end() + window + 4)
        # The closest funding word wins, but one on the same line beats one across a line break.
        best: tuple[bool, int, int, int] | None = None
        for word in _FUNDING_RE.finditer(text, lo, hi):
            if word.end() <= funder.start():
                gap, between = funder.start() - word.end(), text[word.end() : funder.start()]
            elif word.start() >= funder.end():
                gap, between = word.start() - funder.end(), text[funder.end() : word.start()]
            else:
                continue
            key = ("\n" in between, gap, word.start(), word.end())
            if gap <= window and (best is None or key < best):
                best = key
        if best is None:
            start, end = funder.start(), funder.end()
        else:
            start, end = min(funder.start(), best[2]), max(funder.end(), best[3])
        found.append(
            CreditMatch(
                funder=normalise(funder.group(0)),
                phrase=normalise(text[start:end]),
                evidence=_evidence(text, start, end),
                where=_source_at(page, funder.start()),
                funded=best is not None,
            )
        )
    return found


def best_credit(page: PageText) -> CreditMatch | None:
    """The credit to report: a funded mention first (text before alt/title), else a bare name."""
    matches = find_credits(page)
    if not matches:
        return None
    return min(matches, key=lambda m: (not m.funded, _SOURCE_RANK.get(m.where, 3)))


def _name_tokens(src: str) -> set[str]:
    parts = addresses.split(src)
    path = unquote((parts.path if parts is not None else "") or src)
    name = path.rsplit("/", 1)[-1]
    return {t.lower() for t in _NAME_TOKEN_RE.findall(name)}


def _links_to_funder(href: str | None, base: str) -> bool:
    if not href:
        return False
    host = addresses.host(addresses.join(base, href) or "")
    return any(host == h or host.endswith("." + h) for h in vocabulary.FUNDER_HOSTS)


def credit_images(page: PageText, base_url: str) -> list[Image]:
    """Images that look like a funder logo but say nothing a visitor (or reader) can read."""
    found: list[Image] = []
    for image in page.images:
        if _FUNDER_RE.search(f"{image.alt} {image.title}"):
            continue  # already credited in text form
        tokens = _name_tokens(image.src)
        hinted = bool(tokens & vocabulary.CREDIT_IMAGE_TOKENS) or any(
            word in token
            for token in tokens
            for word in vocabulary.CREDIT_IMAGE_TOKENS
            if not word.isascii()
        )
        if hinted or _links_to_funder(image.href, base_url):
            found.append(image)
    return found


def judge_credit(
    homepage: Page, *, frames: Sequence[Page] = (), other_pages: Sequence[Page] = ()
) -> Check:
    """Judge ``credit`` on the homepage (RULES.md); ``other_pages`` only turn a fail into a warn.

    ``frames`` are a frameset homepage's other frames (banner, menu, bottom): a visitor reads
    them with the main frame on arrival, so they are the homepage too (RULES.md "loads"); a
    credit found there is named with the frame's address.
    """
    page = read_page(homepage.html)
    credit = best_credit(page)
    frame: Page | None = None  # the frame the credit was read in (None: the main page)
    for other_frame in frames if credit is None or not credit.funded else ():
        found = best_credit(read_page(other_frame.html))
        if found is not None and (found.funded or credit is None):
            credit, frame = found, other_frame
            if found.funded:
                break
    in_frame: Details = {"frame": frame.url} if frame is not None else {}
    if credit is not None and credit.funded:
        said = Bilingual("首頁載明補助單位", "The homepage credits the funding agency")
        if frame is not None:
            said = Bilingual(
                f"首頁載明補助單位（於首頁框架 {frame.url}）",
                f"The homepage credits the funding agency (in its frame {frame.url})",
            )
        return Check(
            "pass",
            Code.CREDIT_OK,
            said,
            credit.evidence,
            {"matched": credit.phrase, "where": credit.where} | in_frame,
        )

    elsewhere: tuple[Page, CreditMatch] | None = None
    for other in other_pages:
        found = best_credit(read_page(other.html))
        if found is not None and found.funded:
            elsewhere = (other, found)
            break

    if credit is not None:
        message = Bilingual(
            f"首頁只提到「{credit.funder}」，沒有「補助」「指導單位」等字樣（例如「科技部計畫補助」）",
            f"The homepage names {credit.funder} but does not say it funds the alliance"
            ' (e.g. 「科技部計畫補助」, "Sponsored by NSTC")',
        )
        if frame is not None:
            message = message.plus(
                Bilingual(f"見首頁框架 {frame.url}", f"seen in its frame {frame.url}")
            )
        details: Details = {"matched": credit.phrase, "where": credit.where} | in_frame
        if elsewhere:
            message = message.plus(
                Bilingual(
                    f"完整標示只在其他頁面：{elsewhere[0].url}",
                    f"full credit only on {elsewhere[0].url}",
                )
            )
            details["elsewhere"] = elsewhere[0].url
        return Check("warn", Code.CREDIT_NAME_ONLY, message, credit.evidence, details)
    if elsewhere is not None:
        other, found = elsewhere
        return Check(
            "warn",
            Code.CREDIT_OTHER_PAGE,
            Bilingual(
                f"補助標示只出現在其他頁面，首頁沒有：{other.url}",
                f"The funding credit is only on another page, not the homepage: {other.url}",
            ),
            found.evidence,
            {"matched": found.phrase, "where": other.url},
        )
    shown = [(homepage, page)] + [(f, read_page(f.html)) for f in frames]
    images = [(p.url, image) for p, text in shown for image in credit_images(text, p.url)]
    if images:
        base, image = images[0]
        src = (addresses.join(base, image.src) or image.src) if image.src else "(no src)"
        alt = f' alt="{image.alt}"' if image.alt else ""
        return Check(
            "warn",
            Code.CREDIT_IMAGE_ONLY,
            Bilingual(
                '補助標示似乎只在圖片裡，圖片沒有替代文字，請加上 alt 文字（例如 alt="科技部計畫補助"）'
                f"：{src}",
                "The credit seems to be only inside an image with no text; add alt text"
                f' (e.g. alt="科技部計畫補助"): {src}',
            ),
            f'<img src="{image.src}"{alt}>',
            {"matched": image.src, "where": "image"},
        )
    return Check(
        "fail",
        Code.CREDIT_NONE,
        Bilingual(
            "首頁沒有載明補助單位（科技部／國科會）",
            "The homepage does not name the funding agency (MOST / NSTC)",
        ),
        "",
        {"matched": None, "where": None},
    )

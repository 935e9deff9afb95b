"""The portal's search index: one Pagefind record per alliance, both languages in one index.

Why not let Pagefind read the public pages: Chinese is written without spaces, and Pagefind
segments it twice, differently: at indexing with its own dictionary, in the browser with the
browser's (``Intl.Segmenter``). The two disagree on most technical terms (電動車, 半導體封裝),
so multi-character searches matched single characters and ranked the right alliance low.
Instead this module writes a search-only record per alliance (never published) in which every
run of Chinese characters is spelled as overlapping character pairs (電動車 -> 電動 動車 車),
and ``alliance_portal/portal/theme/static/js/search.js`` spells the query the same way. Pagefind then matches whole
pairs, requires all of them (so 電動車 does not match 電動機車) and needs no dictionary;
English words keep Pagefind's own English stemming and prefix matching (``semicond``).

The index is built with ``force_language="en"`` so that both languages sit in one index: an
English word finds the alliance from the zh-TW page and 馬達 finds it from the English page.
Each record carries the alliance's names, university, principal investigator and industry in
both languages as metadata (``card``); the search page reads the intros back from the record's
text. So it shows every result in the page's own language and builds readable snippets itself.

Weights (``data-pagefind-weight``): the alliance name 10, university and PI 6, industry 3,
intro 1; the ``title`` metadata (which Pagefind 1.5 boosts) is the pair-spelled name. The
industry filter is a word in the record (see :func:`industry_word`).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from alliance_portal.portal.i18n import PREFIX
from alliance_portal.portal.safe_markdown import render
from alliance_portal.registry.errors import AllianceError
from alliance_portal.registry.profiles import Alliance
from alliance_portal.registry.site_settings import Industry

#: Han characters (CJK unified ideographs, extension A and compatibility ideographs). The same
#: class is in portal/theme/static/js/search.js; keep them equal.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{HAN}]+")
_TAGS = re.compile(r"<[^>]+>")
#: Starts the zh-TW and the English intro in a record's text. search.js splits the text Pagefind
#: returns at this mark and spells the pairs back into Chinese (pair_spelling is reversible:
#: every run ends with its last character alone). Not a word, so never indexed.
INTRO_MARK = "\u00b6"
_SPACES = re.compile(r"\s+")


class SearchIndexError(AllianceError):
    """Pagefind failed; the message says what it printed."""


def pair_spelling(text: str) -> str:
    """Spell every run of Han characters as overlapping pairs plus its last character.

    >>> pair_spelling("電動車 EV 馬達")
    '電動 動車 車 EV 馬達 達'

    The last character on its own lets a one-character query (車) find a character at the end
    of a run; every other character starts a pair, and Pagefind matches query words as
    prefixes.
    """

    def pairs(match: re.Match[str]) -> str:
        run = match.group()
        if len(run) == 1:
            return f" {run} "
        return " " + " ".join([run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]) + " "

    return _SPACES.sub(" ", _HAN_RUN.sub(pairs, text)).strip()


def plain_text(markdown_text: str) -> str:
    """The intro as one line of readable text (for snippets): Markdown rendered, tags removed."""
    if not markdown_text:
        return ""
    rendered = render(markdown_text)
    rendered = re.sub(r"</(p|li|h\d)>", "\n", rendered)
    text = html.unescape(_TAGS.sub("", rendered))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # Chinese needs no space between sentences, but list items need a mark between them
    # (「技術諮詢、委託研究」); English needs a space.
    out = ""
    for line in lines:
        if out:
            if _HAN_RUN.match(out[-1]) and _HAN_RUN.match(line[0]):
                out += "、"
            elif out[-1].isalnum() and not _HAN_RUN.match(out[-1]):
                out += ", "
            elif not (_HAN_RUN.match(out[-1]) or out[-1] in "。：；，、！？"):
                out += " "
        out += line
    return out


def industry_word(key: str) -> str:
    """The word that stands for an industry in the index (the search page's industry filter).

    Why a word and not ``data-pagefind-filter``: Pagefind 1.5.2 writes filter values in hash
    order, so the same registry gave different index files on every build. A query plus this
    word finds only that industry's alliances; the trailing "x" keeps one key from matching
    another that starts with it (Pagefind matches words as prefixes). Same rule in search.js.
    """
    return "xind" + re.sub(r"[^a-z0-9]", "", key.lower()) + "x"


def _card(a: Alliance, ind: Industry) -> dict[str, object]:
    """What the search page shows for one alliance, in both languages (zh-TW first).

    The intros are not repeated here: the page reads them back from the record's text (see
    :data:`INTRO_MARK`), which halves what Pagefind indexes and what a result downloads.
    """
    return {
        "slug": a.slug,
        "name": [a.name, a.display_name_en],
        "university": [a.university, a.university_en or a.university],
        "pi": [a.pi or a.pi_en, a.pi_en or a.pi],
        "industry": ind.key,
        "url": [f"{PREFIX['zh-TW']}alliances/{a.slug}/", f"{PREFIX['en']}alliances/{a.slug}/"],
    }


def record_html(a: Alliance, ind: Industry) -> str:
    """The search-only page Pagefind reads for one alliance (never published)."""

    def field(weight: int, *texts: str) -> str:
        body = " ".join(pair_spelling(t) for t in texts if t)
        return f'<p data-pagefind-weight="{weight}">{html.escape(body)}</p>' if body else ""

    card = json.dumps(_card(a, ind), ensure_ascii=False, separators=(",", ":"))
    title = pair_spelling(f"{a.name} {a.name_en}")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(a.slug)}</title>"
        f'<meta data-pagefind-meta="title[content]" content="{html.escape(title)}">'
        f'<meta data-pagefind-meta="card[content]" content="{html.escape(card)}">'
        "</head><body><main data-pagefind-body>"
        + field(10, a.name, a.name_en)
        + field(6, a.university, a.university_en, a.pi, a.pi_en)
        + field(3, ind.name_zh, ind.name_en, industry_word(ind.key))
        + field(1, INTRO_MARK, plain_text(a.intro or a.intro_en))
        + field(1, INTRO_MARK, plain_text(a.intro_en or a.intro))
        + "</main></body></html>\n"
    )


def write_records(
    alliances: Iterable[Alliance], industries: Iterable[Industry], folder: Path
) -> int:
    """Write one record per active alliance under ``folder``; return how many."""
    by_key = {i.key: i for i in industries}
    count = 0
    for a in alliances:
        if not a.active or a.industry not in by_key:
            continue
        # One flat folder: a thousand sub-folders cost more than the records themselves.
        # (The record's own URL is never used: the search page links from the card.)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{a.slug}.html").write_text(record_html(a, by_key[a.industry]), encoding="utf-8")
        count += 1
    return count


class IndexJob:
    """Pagefind indexing running in the background while the pages are built.

    Why: Pagefind is a separate, multi-threaded process and Pelican is single-threaded Python,
    so on a machine with two or more cores the search index costs little extra wall time.
    Pagefind writes into its own temporary folder; :meth:`finish` moves the bundle into the site
    once the pages are written (a settings file that clears the output folder cannot race it).
    """

    def __init__(self, alliances: Iterable[Alliance], industries: Iterable[Industry]) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="alliance-search-")
        root = Path(self._tmp.name)
        records, self._bundle = root / "records", root / "bundle"
        records.mkdir()
        self.count = write_records(alliances, industries, records)
        if self.count == 0:  # Pagefind refuses an empty site; an empty portal has nothing to find
            (records / "index.html").write_text(
                '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>-</title>'
                "</head><body><main data-pagefind-body><p data-pagefind-ignore>-</p></main>"
                "</body></html>\n",
                encoding="utf-8",
            )
        cmd = [
            sys.executable, "-m", "pagefind", "--site", str(records),
            "--output-path", str(self._bundle), "--force-language", "en", "--silent",
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def finish(self, site: Path) -> int:
        """Wait for Pagefind, move its bundle to ``site/pagefind/``; return the record count."""
        try:
            out, err = self._proc.communicate()
            if self._proc.returncode != 0:
                raise SearchIndexError(
                    f"pagefind exit {self._proc.returncode}: {(err or out).strip()[:2000]}"
                )
            # Pagefind writes its language map in hash order; sort it so the same input gives
            # the same bytes (the index files themselves are content-addressed).
            entry = self._bundle / "pagefind-entry.json"
            data = json.loads(entry.read_text(encoding="utf-8"))
            entry.write_text(
                json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8"
            )
            target = site / "pagefind"
            if target.exists():
                shutil.rmtree(target)
            shutil.move(str(self._bundle), str(target))
            return self.count
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop Pagefind if it still runs and remove the temporary folder."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()
        self._tmp.cleanup()


def build_index(alliances: Iterable[Alliance], industries: Iterable[Industry], site: Path) -> int:
    """Index the alliances into ``site/pagefind/`` and wait; return the number of records."""
    return IndexJob(alliances, industries).finish(site)

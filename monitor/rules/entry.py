"""Where a visitor really enters the site: splash pages and one-iframe wrappers (RULES.md "loads").

RULES.md: "A splash page (an intro page whose only purpose is an 'enter the site' link such as
「進入網站」 or 'Enter') counts as a redirect: the page it leads to is the homepage", and "a
homepage made of frames (``<frameset>``), or of one full-window ``<iframe>`` of the same site, is
judged on the pages those frames show". Framesets and meta refreshes are
:func:`monitor.rules.pagekind.follow_target`'s; this module adds the two wrappers real university
sites are built with:

- a splash page: little text of its own, and a same-site link whose text (or image alt) is an
  "enter" word (:data:`ENTER_WORDS`); a homepage that merely has an "enter" button among its
  menus and news is not one (it has text);
- an iframe wrapper: a page whose visible text is almost nothing and whose body holds exactly one
  ``<iframe>`` of the same site (a domain-forwarding wrapper, or a CMS page embedded whole).

:func:`entry_target` returns the URL to go to, or None. The crawl fetches it and judges that page
as the homepage, with the wrapper's address in the redirect chain.

:func:`script_target` is the static fallback for a script redirect (RULES.md "loads": a script
that moves the visitor is a redirect), used only when no browser can run the script: a page with
little text of its own whose inline script sends the visitor to a literal address with no
condition around it (``location.href = 'main.htm'``, ``location.replace(...)``, the same in a
``setTimeout``: a welcome screen). A redirect that depends on the browser's language, or is
computed, is left to the browser.
"""

from __future__ import annotations

import re

from monitor.model import Page
from monitor.rules import addresses
from monitor.rules.page_text import element_text, meaningful_length, normalise, read_page

#: Words of a splash page's way in (compared after :func:`normalise`, lower case); a link text
#: made only of these (and arrows, slashes, punctuation) is an "enter the site" link.
_ENTER_WORD = (
    r"(?:請)?(?:點此|點選|按此)?進入(?:網站|本站|首頁|主頁|網頁)?|進站|歡迎光臨|"
    r"enter(?: (?:the )?(?:site|website|web site))?|skip intro|click here to enter|home ?page"
)
ENTER_WORDS = re.compile(rf"^(?:{_ENTER_WORD})(?: (?:{_ENTER_WORD}))*$", re.IGNORECASE)
_DECORATION = re.compile(r"[\s>»›<«‹/|\-–—.。:：!！→←()\[\]]+")
#: A page with more readable characters than this has content of its own: not a splash page.
SPLASH_MAX_CHARS = 120
#: An iframe wrapper shows (almost) nothing besides its frame.
WRAPPER_MAX_CHARS = 40


def _same_site(a: str, b: str) -> bool:
    def key(url: str) -> str:
        return addresses.host(url).rstrip(".").removeprefix("www.")

    return key(a) == key(b)


def _base(root: object, url: str) -> str:
    for base in root.iter("base"):  # type: ignore[attr-defined]
        href = (base.get("href") or "").strip()
        if href:
            # an invalid <base href> is ignored, as a browser ignores it
            return addresses.join(url, href) or url
    return url


#: ``location = '...'``, ``location.href = "..."``, ``location.replace('...')`` with a literal.
_SCRIPT_GO = re.compile(
    r"""location(?:\.href)?\s*=\s*(['"])([^'"]+)\1|location\.(?:replace|assign)\(\s*(['"])([^'"]+)\3\s*\)"""
)
#: What makes a redirect conditional or computed: left to the browser.
_SCRIPT_CONDITION = re.compile(r"\bif\s*\(|\?|\bswitch\b|navigator\.|\bfor\s*\(|\bwhile\s*\(")


def script_target(page: Page) -> str | None:
    """Where an unconditional script redirect on a page with little text leads, or None."""
    text = read_page(page.html)
    if meaningful_length(text.text(), limit=SPLASH_MAX_CHARS + 1) > SPLASH_MAX_CHARS:
        return None
    root = text.root
    for script in root.iter("script"):
        code = script.text or ""
        if script.get("src") or _SCRIPT_CONDITION.search(code):
            continue
        found = _SCRIPT_GO.search(code)
        if found is None:
            continue
        href = (found.group(2) or found.group(4) or "").strip()
        if not href or href.lower().startswith(("javascript:", "#")):
            continue
        target = addresses.join(_base(root, page.url), href)
        if target is None:
            continue
        if target.startswith(("http://", "https://")) and target.split("#", 1)[0] != page.url:
            return target
    return None


def entry_target(page: Page) -> str | None:
    """Where a splash page or a one-iframe wrapper sends the visitor (absolute URL), or None."""
    text = read_page(page.html)
    root = text.root
    size = meaningful_length(text.text(), limit=SPLASH_MAX_CHARS + 1)
    if size > SPLASH_MAX_CHARS:
        return None
    base = _base(root, page.url)
    home = page.url.split("#", 1)[0]
    if size <= WRAPPER_MAX_CHARS:
        frames = [f for f in root.iter("iframe") if (f.get("src") or "").strip()]
        if len(frames) == 1:
            target = addresses.join(base, (frames[0].get("src") or "").strip())
            if target and _same_site(target, page.url) and target.split("#", 1)[0] != home:
                return target
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:")):
            continue
        words = [element_text(anchor), anchor.get("title") or ""]
        words += [img.get("alt") or "" for img in anchor.iter("img")]
        label = _DECORATION.sub(" ", normalise(" ".join(words)).lower()).strip()
        if not label or not ENTER_WORDS.match(label):
            continue
        target = addresses.join(base, href)
        if target and _same_site(target, page.url) and target.split("#", 1)[0] != home:
            return target
    return None

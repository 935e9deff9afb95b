"""Where a visitor really enters the site: splash pages and one-iframe wrappers (RULES.md "loads").

RULES.md: "A splash page (an intro page whose only purpose is an 'enter the site' link such as
「進入網站」 or 'Enter') counts as a redirect: the page it leads to is the homepage", and "a
homepage made of frames (``<frameset>``), or of one full-window ``<iframe>`` of the same site, is
judged on the pages those frames show". Framesets and meta refreshes are
:func:`monitor.rules.pagekind.follow_target`'s; this module adds the two wrappers real university
sites are built with, and the frames a visitor sees beside a frameset's main frame
(:func:`side_frames`):

- a splash page: little text of its own, and a same-site link whose text (or image alt) is an
  "enter" word (:data:`ENTER_WORDS`); a homepage that merely has an "enter" button among its
  menus and news is not one (it has text);
- an iframe wrapper: a page whose visible text is almost nothing and whose body holds exactly one
  ``<iframe>`` of the same site (a domain-forwarding wrapper, or a CMS page embedded whole), or
  of another host when the frame fills the window (``height: 100%``: a domain-masking wrapper;
  a map or a video of another host on an empty page is not one).

An "enter" link or a filling frame may lead to another host: that is followed as the monitor
follows an HTTP redirect to another host (the host is named by ``loads``' ``other-host``
warning), since the visitor ends up looking at that host's page.

:func:`entry_lead` says where to go and how (a :class:`Lead`, whose kind names the way in a
finding when the target does not load), :func:`entry_target` only where. The crawl fetches the
target and judges that page as the homepage, with the wrapper's address in the redirect chain.

:func:`script_target` is the static fallback for a script redirect (RULES.md "loads": a script
that moves the visitor is a redirect), used only when no browser can run the script: a page with
little text of its own whose inline script sends the visitor to a literal address with no
condition around it (``location.href = 'main.htm'``, ``location.replace(...)``, the same in a
``setTimeout``: a welcome screen). A redirect that depends on the browser's language, or is
computed, is left to the browser.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Page
from monitor.rules import addresses, vocabulary
from monitor.rules.framesets import frame_panes
from monitor.rules.page_text import (
    element_text,
    meaningful_length,
    normalise,
    read_page,
)

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

#: How a wrapper page sends the visitor on: a ``<frameset>``'s main frame, a meta refresh, a
#: one-iframe wrapper, a splash page's "enter" link, a plain script redirect (no browser).
LeadKind = Literal["frame", "refresh", "iframe", "splash", "script"]


class Lead(NamedTuple):
    """Where a wrapper page sends the visitor, and how (the kind names the way in a finding
    when the target does not load: "the page in the homepage's frame ... answers HTTP 404")."""

    kind: LeadKind
    url: str


#: Each way a wrapper homepage leads to the page a visitor sees, as a finding names it.
_WAYS: dict[LeadKind, Bilingual] = {
    "frame": Bilingual("首頁框架（frame）中的頁面", "the page in the homepage's frame"),
    "iframe": Bilingual(
        "首頁內嵌框架（iframe）中的頁面", "the page in the homepage's full-page iframe"
    ),
    "refresh": Bilingual("首頁自動轉往的頁面", "the page the homepage's meta refresh forwards to"),
    "splash": Bilingual(
        "首頁「進入網站」連結的頁面", 'the page the homepage\'s "enter" link leads to'
    ),
    "script": Bilingual(
        "首頁程式轉往的頁面", "the page the homepage's script sends the visitor to"
    ),
}


def about_the_target(lead: Lead, finding: Bilingual) -> Bilingual:
    """``finding`` (a predicate: "does not load: ...") said of the page ``lead`` leads to,
    naming the way in and its address, so the office sees which frame or link is broken."""
    way = _WAYS[lead.kind]
    return Bilingual(f"{way.zh}（{lead.url}）{finding.zh}", f"{way.en} ({lead.url}) {finding.en}")


#: ``height: 100%`` (or ``100vh``) in a style: a frame that fills the window.
_FULL_HEIGHT = re.compile(r"(?:^|[;{\s])height\s*:\s*100(?:%|vh)", re.IGNORECASE)
_CSS_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")


def _fills_window(frame: object, root: object) -> bool:
    """Whether an ``<iframe>`` is as tall as the window: by its ``height`` attribute, its own
    style, or a rule of the page's ``<style>`` naming iframes (or its id or class).

    Why: on another host only such a frame is the page a visitor sees (a domain-masking
    wrapper); a map or a video on an otherwise empty page is not the site's homepage.
    """
    get = frame.get  # type: ignore[attr-defined]
    if (get("height") or "").strip().replace(" ", "") in ("100%", "100vh"):
        return True
    if _FULL_HEIGHT.search(get("style") or ""):
        return True
    names = ["iframe"]
    names += [f"#{get('id').strip()}"] if (get("id") or "").strip() else []
    names += [f".{c}" for c in (get("class") or "").split()]
    css = " ".join(style.text or "" for style in root.iter("style"))  # type: ignore[attr-defined]
    for rule in _CSS_RULE.finditer(css):
        selector = rule.group(1).lower()
        if any(n.lower() in selector for n in names) and _FULL_HEIGHT.search("{" + rule.group(2)):
            return True
    return False


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
    lead = entry_lead(page)
    return lead.url if lead else None


def entry_lead(page: Page) -> Lead | None:
    """Where a splash page or a one-iframe wrapper sends the visitor, and which of the two it
    is; None for a page that is neither."""
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
            if (
                target
                and target.startswith(("http://", "https://"))
                and (_same_site(target, page.url) or _fills_window(frames[0], root))
                and target.split("#", 1)[0] != home
            ):
                return Lead("iframe", target)
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:")):
            continue
        if not _enters(anchor):
            continue
        target = addresses.join(base, href)
        if (
            target
            and target.startswith(("http://", "https://"))
            and target.split("#", 1)[0] != home
        ):
            return Lead("splash", target)
    return None


def _enters(anchor: object) -> bool:
    """Whether a link's text (or title, or its image's alt) is only an "enter the site" word."""
    words = [element_text(anchor), anchor.get("title") or ""]  # type: ignore[attr-defined]
    words += [img.get("alt") or "" for img in anchor.iter("img")]  # type: ignore[attr-defined]
    label = _DECORATION.sub(" ", normalise(" ".join(words)).lower()).strip()
    return bool(label) and ENTER_WORDS.match(label) is not None


#: A hash route of a single-page app: ``#/news``, ``#!/news`` (the app shows another view).
_HASH_ROUTE = re.compile(r"^#!?/[^\s]*$")


def hash_route_lead(page: Page) -> str | None:
    """Where a splash page of a single-page app leads: an "enter" link to a hash route of the
    same document (``<a href="#/news">Enter Website</a>``, NTHU's BioMEMS lab, a React app on
    GitHub Pages, whose welcome screen exists only once its scripts ran). RULES.md: the page
    the "enter" link leads to is the homepage; that view is what the browser shows at this
    address with the route after it. Asked of the rendered page; None when it is no splash
    page or its way in is not a hash route (:func:`entry_lead` answers for other links)."""
    text = read_page(page.html)
    if meaningful_length(text.text(), limit=SPLASH_MAX_CHARS + 1) > SPLASH_MAX_CHARS:
        return None
    for anchor in text.root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if _HASH_ROUTE.match(href) and _enters(anchor):
            return page.url.split("#", 1)[0] + href
    return None


def side_frames(page: Page, main: str) -> list[str]:
    """The other frames a visitor of a frameset homepage sees beside its main frame ``main``
    (absolute URLs, in document order, at most :data:`vocabulary.SIDE_FRAMES_MAX`).

    RULES.md judges a frameset "on the pages those frames show": the banner, menu and bottom
    frames are part of the homepage a visitor reads (a bottom frame often carries the credit).
    A frame given no room (``rows="90,*,0"``: a hidden counter or music player) shows nothing
    and is left out.
    """
    found: list[str] = []
    for pane in frame_panes(read_page(page.html).root):
        target = addresses.join(page.url, pane.src)
        if (
            target is None
            or not target.startswith(("http://", "https://"))
            or target.split("#", 1)[0] in (main.split("#", 1)[0], *found)
            or pane.area <= 0
        ):
            continue
        found.append(target.split("#", 1)[0])
        if len(found) == vocabulary.SIDE_FRAMES_MAX:
            break
    return found

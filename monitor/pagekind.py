"""What kind of page answered: a real homepage, or one that only looks like a site is up.

RULES.md "loads" fails a site that answers 200 with an empty page, a server default page
("It works!", the nginx / IIS / AppServ welcome, a directory listing "Index of /") or a parked /
for-sale domain. :func:`classify_page` says which, with the phrase that gave it away.

:func:`looks_js_rendered` tells the fetcher that a page is an empty JavaScript shell worth
rendering in headless Chromium; :func:`follow_target` tells it where a frameset or a
``<meta http-equiv="refresh">`` page sends the visitor (such a page has no text of its own, and
is not "empty" to the visitor).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from monitor import settings
from monitor.model import Check, Page
from monitor.text import PageText, meaningful_length, normalise, read_page

_REFRESH_RE = re.compile(r"^\s*\d*\s*[;,]?\s*(?:url\s*=\s*)?['\"]?([^'\"]+)", re.IGNORECASE)
_APP_ROOT_XPATH = (
    "//*[@id='app' or @id='root' or @id='__next' or @id='__nuxt' or @id='___gatsby'"
    " or @id='q-app' or @id='svelte' or @ng-app or @data-ng-app or @ng-version"
    " or @data-reactroot or @data-v-app or @data-server-rendered]"
)
_BUNDLE_RE = re.compile(
    r"(?:/_next/|/_nuxt/|/static/js/|/assets/|(?:^|[/._-])(?:app|main|bundle|chunk|vendors?|"
    r"runtime|index|polyfills)[._-][\w.-]*\.js)",
    re.IGNORECASE,
)
_NOSCRIPT_JS_RE = re.compile(r"javascript|啟用|開啟|enable", re.IGNORECASE)
#: Inline script this long on a page with almost no text builds the page (document.write era).
_INLINE_SCRIPT_CHARS = 2000


def _fail(kind: str, reason: str, evidence: str, **extra: str) -> Check:
    return Check("fail", reason, evidence, {"page_kind": kind, **extra})


def _title_and_headings(root: lxml.html.HtmlElement) -> tuple[str, list[str]]:
    title_el = root.find(".//title")
    title = normalise(title_el.text_content()) if title_el is not None else ""
    headings = [normalise(h.text_content()) for h in root.iter("h1", "h2")]
    return title, headings[:6]


def follow_target(page: Page) -> str | None:
    """Where a frameset or a meta-refresh page sends the visitor (absolute URL), or None.

    Old university sites often are a ``<frameset>`` whose main frame holds the content; a
    ``<meta http-equiv="refresh" content="0; url=...">`` page forwards at once. The fetcher should
    fetch this URL and judge it instead.
    """
    root = read_page(page.html).root
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "refresh":
            found = _REFRESH_RE.match(meta.get("content") or "")
            if found and found.group(1).strip():
                return urljoin(page.url, found.group(1).strip())
    frames = [f for f in root.iter("frame", "iframe") if (f.get("src") or "").strip()]
    if root.find(".//frameset") is not None and frames:
        # The main frame is the largest one named like content, else the last (menus come first).
        named = [f for f in frames if re.search(r"main|content|body", f.get("name") or "", re.I)]
        chosen = (named or frames)[-1]
        return urljoin(page.url, (chosen.get("src") or "").strip())
    return None


def classify_page(page: Page) -> Check | None:
    """A fail Check when the page is empty, a server default page or a parked domain; else None."""
    text = read_page(page.html)
    return classify_text(text, page.url)


def classify_text(text: PageText, url: str = "") -> Check | None:
    """:func:`classify_page` on an already read page."""
    root = text.root
    visible = text.text()
    lowered = visible.lower()
    size = meaningful_length(visible)
    title, headings = _title_and_headings(root)
    title_l = title.lower()
    heads_l = [h.lower() for h in headings]

    parked = _parked(root, lowered, title_l, size)
    if parked:
        return _fail(
            "parked",
            "網域已停放或待售，不是聯盟網站 / The domain is parked or for sale, not the alliance's site",
            parked,
        )
    if title_l.startswith("index of /") or any(h.startswith("index of /") for h in heads_l):
        return _fail(
            "directory_listing",
            "伺服器顯示檔案目錄清單（Index of /），沒有首頁檔案"
            " / The server shows a directory listing (Index of /): there is no index page",
            title or headings[0],
        )
    for phrase, server in settings.SERVER_DEFAULT_PHRASES:
        in_title = phrase in title_l
        in_head = any(phrase in h for h in heads_l)
        at_start = lowered.startswith(phrase)
        if in_title or ((in_head or at_start) and size <= settings.DEFAULT_PAGE_MAX_CHARS):
            shown = (
                title if in_title else next((h for h in headings if phrase in h.lower()), phrase)
            )
            return _fail(
                "server_default",
                f"首頁是伺服器預設頁面（{server}），網站尚未放上內容"
                f" / The homepage is the {server} server default page: the site has no content",
                shown,
                server=server,
            )
    if size < settings.EMPTY_PAGE_MIN_CHARS:
        if _has_frames_or_refresh(root):
            return None  # the visitor is sent on: see follow_target
        return _fail(
            "empty",
            "首頁沒有可閱讀的文字 / The homepage has no readable text",
            f"{size} characters of visible text: 「{visible[:60]}」",
        )
    return None


def _has_frames_or_refresh(root: lxml.html.HtmlElement) -> bool:
    if root.find(".//frameset") is not None:
        return True
    return any((m.get("http-equiv") or "").strip().lower() == "refresh" for m in root.iter("meta"))


def _parked(root: lxml.html.HtmlElement, lowered: str, title_l: str, size: int) -> str:
    """The phrase or parking host that shows a parked domain, or ""."""
    if size <= settings.DEFAULT_PAGE_MAX_CHARS:
        for phrase in settings.PARKED_PHRASES:
            if phrase in lowered or phrase in title_l:
                return phrase
    refs = [
        el.get(attr) or ""
        for el in root.iter("script", "iframe", "frame", "a", "link", "img", "form", "meta")
        for attr in ("src", "href", "action", "content")
    ]
    for ref in refs:
        low = ref.lower()
        for host in settings.PARKING_HOSTS:
            if host in low and size <= settings.DEFAULT_PAGE_MAX_CHARS:
                return host
    return ""


def looks_js_rendered(html: str) -> bool:
    """True when the page has almost no text but is built by scripts (an app shell).

    The fetcher then renders it in headless Chromium and judges what the browser shows
    (RULES.md: a homepage a visitor's browser fills in with JavaScript is judged on what the
    browser shows). A page that is simply empty, without scripts, is not worth rendering.
    """
    text = read_page(html)
    if meaningful_length(text.text()) >= settings.JS_SHELL_MAX_CHARS:
        return False
    root = text.root
    if root.find(".//frameset") is not None:
        return False
    if root.xpath(_APP_ROOT_XPATH):
        return True
    inline = 0
    for script in root.iter("script"):
        src = script.get("src") or ""
        if (script.get("type") or "").lower() == "module" or (src and _BUNDLE_RE.search(src)):
            return True
        if not src:
            inline += len(script.text or "")
    if inline >= _INLINE_SCRIPT_CHARS:
        return True
    return any(_NOSCRIPT_JS_RE.search(n.text_content() or "") for n in root.iter("noscript"))

"""What kind of page answered: a real homepage, or one that only looks like a site is up.

RULES.md "loads" fails a site that answers 200 with an empty page, a server default page
("It works!", the nginx / IIS / AppServ welcome, a directory listing "Index of /"), a parked /
for-sale domain, or a page that is only an error message (a database or script error), a
maintenance or under-construction notice, or a hosting "account suspended" page; a firewall's
block page ("Request Rejected") is not the site either. :func:`classify_page` says which, with
the phrase that gave it away; each kind has its own :class:`~monitor.model.Code`, so the notice
gives its own advice. Message pages are recognised by their shape in
:mod:`monitor.rules.error_pages`.

:func:`looks_js_rendered` tells the fetcher that a page is an empty JavaScript shell worth
rendering in headless Chromium; :func:`follow_target` tells it where a frameset or a
``<meta http-equiv="refresh">`` page sends the visitor (such a page has no text of its own, and
is not "empty" to the visitor).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Check, Code, Details, Page
from monitor.rules import addresses, vocabulary
from monitor.rules.entry import Lead
from monitor.rules.error_pages import message_page
from monitor.rules.framesets import frame_panes, main_pane
from monitor.rules.page_text import (
    Element,
    PageText,
    element_text,
    meaningful_length,
    normalise,
    read_page,
)

_REFRESH_RE = re.compile(
    r"^\s*\d+(?:\.\d*)?\s*[;,]\s*(?:url\s*=\s*)?['\"]?([^'\"]+)", re.IGNORECASE
)
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


def _fail(
    code: Code, kind: str, message: Bilingual, evidence: str, server: str | None = None
) -> Check:
    details: Details = {"page_kind": kind}
    if server is not None:
        details["server"] = server
    return Check("fail", code, message, evidence, details)


def _title_and_headings(root: Element) -> tuple[str, list[str]]:
    title_el = root.find(".//title")
    title = normalise(element_text(title_el)) if title_el is not None else ""
    headings = [normalise(element_text(h)) for h in root.iter("h1", "h2")]
    return title, headings[:6]


_REFRESH_DELAY_RE = re.compile(r"^\s*(\d+(?:\.\d*)?)")


def refresh_delay(page: Page) -> float | None:
    """Seconds before a ``<meta http-equiv="refresh">`` moves the visitor on, or None.

    Why: a page that forwards at once (``0; url=...``) is never read, while one that waits a
    minute is read first; when the page it forwards to does not load, only the first is judged
    on that failure (monitor/homepage.py).
    """
    for meta in _refreshes(read_page(page.html).root):
        found = _REFRESH_DELAY_RE.match(meta.get("content") or "")
        return float(found.group(1)) if found else None
    return None


def _refreshes(root: Element) -> Iterator[Element]:
    """The page's ``<meta http-equiv="refresh">`` elements that a visitor's browser applies.

    One inside ``<noscript>`` is for browsers without JavaScript (Facebook's pages and CMS
    "please enable JavaScript" pages print ``<noscript><meta http-equiv="refresh" ...>``): a
    visitor's browser runs scripts and never reads it, so following it would judge a page no
    visitor sees (found by bench/real_render.py on pages written by others).
    """
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "refresh" and not any(
            a.tag == "noscript" for a in meta.iterancestors()
        ):
            yield meta


def _refresh_target(root: Element) -> str | None:
    """The URL of a ``<meta http-equiv="refresh" content="N; url=...">`` (not a plain reload)."""
    for meta in _refreshes(root):
        found = _REFRESH_RE.match(meta.get("content") or "")
        if found and found.group(1).strip():
            return found.group(1).strip()
    return None


def follow_target(page: Page) -> str | None:
    """Where a frameset or a meta-refresh page sends the visitor (absolute URL), or None.

    Old university sites often are a ``<frameset>`` whose main frame holds the content; a
    ``<meta http-equiv="refresh" content="0; url=...">`` page forwards at once. The fetcher should
    fetch this URL and judge it instead.
    """
    lead = follow_lead(page)
    return lead.url if lead else None


def follow_lead(page: Page) -> Lead | None:
    """:func:`follow_target` with the way it leads there: ``refresh`` or ``frame`` (named in
    the finding when that page does not load)."""
    root = read_page(page.html).root
    refresh = _refresh_target(root)
    if refresh:
        target = addresses.join(page.url, refresh)
        return Lead("refresh", target) if target else None
    # The frame named like content, else the largest a visitor's window gives room to.
    chosen = main_pane(frame_panes(root))
    if chosen is not None:
        target = addresses.join(page.url, chosen.src)
        return Lead("frame", target) if target else None
    return None


def classify_page(page: Page) -> Check | None:
    """A fail Check when the page is empty, a server default page or a parked domain; else None."""
    return classify_text(read_page(page.html))


def classify_text(text: PageText) -> Check | None:
    """:func:`classify_page` on an already read page."""
    root = text.root
    visible = text.text()
    lowered = visible.lower()
    size = meaningful_length(visible, limit=vocabulary.DEFAULT_PAGE_MAX_CHARS)
    title, headings = _title_and_headings(root)

    parked = _parked(root, lowered, title.lower(), size)
    if parked:
        return _fail(
            Code.PARKED,
            "parked",
            Bilingual(
                "網域已停放或待售，不是聯盟網站",
                "The domain is parked or for sale, not the alliance's site",
            ),
            parked,
        )
    listing = _directory_listing(title, headings, lowered, size)
    if listing:
        return _fail(
            Code.DIRECTORY_LISTING,
            "directory_listing",
            Bilingual(
                "伺服器顯示檔案目錄清單（Index of /），沒有首頁檔案",
                "The server shows a directory listing (Index of /): there is no index page",
            ),
            listing,
        )
    default = _server_default(title, headings, lowered, size)
    if default:
        server, shown = default
        return _fail(
            Code.DEFAULT_PAGE,
            "server_default",
            Bilingual(
                f"首頁是伺服器預設頁面（{server}），網站尚未放上內容",
                f"The homepage is the {server} server default page: the site has no content",
            ),
            shown,
            server=server,
        )
    message = message_page(title, headings, visible, lowered=lowered)
    if message:
        code, said = _MESSAGE_PAGES[message.kind]
        return _fail(
            code,
            message.kind,
            Bilingual(
                said.zh + "（雖然伺服器回應正常的狀態碼）",
                said.en + " (even though the server answered with a success status)",
            ),
            message.shown,
        )
    if size < vocabulary.EMPTY_PAGE_MIN_CHARS:
        if root.find(".//frameset") is not None or _refresh_target(root) is not None:
            return None  # the visitor is sent on: see follow_target
        return _fail(
            Code.EMPTY_PAGE,
            "empty",
            Bilingual(
                "首頁沒有可閱讀的文字",
                "The homepage has no readable text",
            ),
            f"{size} characters of visible text: 「{visible[:60]}」",
        )
    return None


#: Each kind of message page: its own code (so the notice gives its own advice) and message.
_MESSAGE_PAGES: dict[str, tuple[Code, Bilingual]] = {
    "suspended": (
        Code.SUSPENDED,
        Bilingual(
            "首頁是主機商的「帳號已停用」頁面，網站已被停權",
            'The homepage is the hosting provider\'s "account suspended" page',
        ),
    ),
    "maintenance": (
        Code.MAINTENANCE,
        Bilingual(
            "首頁只有維護中或建置中的公告，網站沒有內容",
            "The homepage is only a maintenance or under-construction notice: the site shows no"
            " content",
        ),
    ),
    "error_page": (
        Code.ERROR_PAGE,
        Bilingual(
            "首頁只顯示錯誤訊息（資料庫或程式錯誤），網站無法正常使用",
            "The homepage shows only an error message (a database or script error)",
        ),
    ),
    "firewall": (
        Code.FIREWALL_REJECTED,
        Bilingual(
            "首頁是防火牆的拒絕頁面（Request Rejected），不是聯盟網站",
            "The homepage is a firewall's block page (\"Request Rejected\"), not the alliance's site",
        ),
    ),
}


#: How directory listings begin: Apache/nginx/lighttpd "Index of /", Python's http.server
#: "Directory listing for /"; IIS titles them "host - /path/" and links "[To Parent Directory]".
_LISTING_TITLES = ("index of /", "directory listing for /")
_IIS_LISTING_RE = re.compile(r"^\S+ - /\S*$")


def _directory_listing(title: str, headings: list[str], lowered: str, size: int) -> str | None:
    """The title or heading that shows a server's directory listing, or None."""
    for text in (title, *headings):
        if text.lower().startswith(_LISTING_TITLES):
            return text
    if (
        size <= vocabulary.DEFAULT_PAGE_MAX_CHARS
        and "[to parent directory]" in lowered
        and _IIS_LISTING_RE.match(title)
    ):
        return f"{title} [To Parent Directory]"
    return None


def _server_default(
    title: str, headings: list[str], lowered: str, size: int
) -> tuple[str, str] | None:
    """(server, phrase shown) when the title, a heading or the opening text is a default page.

    The title is trusted at any page length (no real site is titled "Welcome to nginx!");
    headings and the opening text only on short pages, so a course page quoting them is safe.
    """
    title_l = title.lower()
    for phrase, server in vocabulary.SERVER_DEFAULT_PHRASES:
        if phrase in title_l:
            return server, title
    if size > vocabulary.DEFAULT_PAGE_MAX_CHARS:
        return None
    for phrase, server in vocabulary.SERVER_DEFAULT_PHRASES:
        for heading in headings:
            if phrase in heading.lower():
                return server, heading
        if lowered.startswith(phrase):
            return server, phrase
    return None


def _parked(root: Element, lowered: str, title_l: str, size: int) -> str:
    """The phrase or parking-service host that shows a parked domain, or "".

    Only short pages: parking pages are a few lines, and a real site may well mention "domain
    for sale" in a news item or link to sedo.com.
    """
    if size > vocabulary.DEFAULT_PAGE_MAX_CHARS:
        return ""
    for phrase in vocabulary.PARKED_PHRASES:
        if phrase in lowered or phrase in title_l:
            return phrase
    refs = [
        (el.get(attr) or "").lower()
        for el in root.iter("script", "iframe", "frame", "a", "link", "img", "form", "meta")
        for attr in ("src", "href", "action", "content")
    ]
    # one substring search per host over all the references (most pages name none), then the
    # first reference in document order that names one, and its first host
    together = "\n".join(refs)
    if not any(host in together for host in vocabulary.PARKING_HOSTS):
        return ""
    for ref in refs:
        for host in vocabulary.PARKING_HOSTS:
            if host in ref:
                return host
    return ""


def scripts_elsewhere(page: Page) -> list[str]:
    """The other hosts a page loads its scripts from (``<script src>`` on another origin: a
    CDN's jQuery, Bootstrap), in order, each once. The monitor's browser refuses every request
    to another host (monitor/fetching/render.py), so a page whose own code needs such a library
    shows the monitor less than a visitor's browser shows."""
    hosts: list[str] = []
    origin = addresses.host(page.url)
    for script in read_page(page.html).root.iter("script"):
        src = (script.get("src") or "").strip()
        target = addresses.join(page.url, src) if src else None
        host = addresses.host(target) if target else ""
        if host and host != origin and host not in hosts:
            hosts.append(host)
    return hosts


def looks_js_rendered(html: str) -> bool:
    """True when the page has almost no text but is built by scripts (an app shell).

    The fetcher then renders it in headless Chromium and judges what the browser shows
    (RULES.md: a homepage a visitor's browser fills in with JavaScript is judged on what the
    browser shows). A page that is simply empty, without scripts, is not worth rendering.
    """
    text = read_page(html)
    if (
        meaningful_length(text.text(), limit=vocabulary.JS_SHELL_MAX_CHARS)
        >= vocabulary.JS_SHELL_MAX_CHARS
    ):
        return False
    root = text.root
    if root.find(".//frameset") is not None:
        return False
    if root.xpath(_APP_ROOT_XPATH):
        return True
    inline = 0
    scripted = False
    for script in root.iter("script"):
        src = script.get("src") or ""
        scripted = scripted or bool(src) or bool((script.text or "").strip())
        if (script.get("type") or "").lower() == "module" or (src and _BUNDLE_RE.search(src)):
            return True
        if not src:
            inline += len(script.text or "")
    if inline >= _INLINE_SCRIPT_CHARS:
        return True
    if scripted and meaningful_length(text.text()) < vocabulary.EMPTY_PAGE_MIN_CHARS:
        # Nearly nothing to read, but scripts that may draw the page (a site.js building the
        # whole page): only the browser can tell an empty page from a scripted one.
        return True
    return any(_NOSCRIPT_JS_RE.search(element_text(n) or "") for n in root.iter("noscript"))

"""Which of a rendered page's requests to another host the monitor fetches, and which it refuses.

The page's own requests (its site, its origin) are fetched through the guarded fetcher, up to
``RENDER_MAX_REQUESTS`` (and as many again of images, fonts and media, counted apart so that a
homepage's photo wall never uses up what its scripts and data need). Of another host's, only what changes what a visitor sees of the page
itself is fetched, through the same fetcher and counted against the same cap:

- **stylesheets** (Bootstrap from a CDN: what it hides a visitor does not see);
- **the scripts the page waits for before it goes on** — a ``<script src>`` written in the
  document without ``async``, ``defer`` or ``type=module``: the browser stops parsing until it
  has run, because the page's own code after it uses it (jQuery, Bootstrap or Vue from a CDN;
  a homepage that draws its news with ``$.getJSON`` shows nothing without it, and some pages
  replace themselves with an error). Analytics, advertising and social widgets load
  ``async`` (or are added by other scripts) and stay refused, as do images and fonts.

Kept apart from :mod:`monitor.fetching.browser_page` (one page from context to DOM): these are
plain functions of the document and of Playwright's request, with their own tests.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

#: ``<script ...>`` start tags (attributes only; the document is bytes read as Latin-1).
_SCRIPT_TAG_RE = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_ATTR_RE = re.compile(
    r"""([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""", re.IGNORECASE
)
_BASE_RE = re.compile(r"<base\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
#: Script types a browser runs as a classic script (HTML's JavaScript MIME types, or none).
_CLASSIC_TYPES = frozenset(
    {
        "",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "text/ecmascript",
        "application/ecmascript",
        "text/jscript",
        "text/livescript",
    }
)
#: Comments (a script commented out is never requested).
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)


def origin_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port or default)


def script_key(url: str) -> str:
    """``url`` as compared between the document's ``src`` and the browser's request: without
    its fragment, its host lower-cased, its default port dropped."""
    parts = urlsplit(url.strip())
    scheme, host, port = origin_of(url.strip())
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host + (f":{port}" if port and port != default else "")
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{parts.path or '/'}{query}"


def blocking_scripts(body: bytes, url: str) -> frozenset[str]:
    """The :func:`script_key` of every script from another origin that the document at ``url``
    makes the browser wait for: a ``<script src>`` without ``async``, ``defer`` or a type the
    browser does not run as a classic script (``module`` is deferred; Cloudflare's Rocket
    Loader renames the type so that the browser does not run it)."""
    text = _COMMENT_RE.sub("", body[: 2 * 1024 * 1024].decode("latin-1"))
    base = _BASE_RE.search(text)
    page_url = urljoin(url, html.unescape(base.group(1))) if base else url
    own = origin_of(url)
    found: set[str] = set()
    for tag in _SCRIPT_TAG_RE.finditer(text):
        attrs: dict[str, str] = {}
        for m in _ATTR_RE.finditer(tag.group(1)):
            name = m.group(1).lower()
            if name not in attrs:  # the first of a repeated attribute counts, as in HTML
                attrs[name] = html.unescape(next((g for g in m.groups()[1:] if g), ""))
        src = attrs.get("src", "").strip()
        kind = attrs.get("type", "").strip().lower().split(";", 1)[0].strip()
        if not src or "async" in attrs or "defer" in attrs or kind not in _CLASSIC_TYPES:
            continue
        address = urljoin(page_url, src)
        if address.startswith(("http://", "https://")) and origin_of(address) != own:
            found.add(script_key(address))
    return frozenset(found)


def fetched_from_elsewhere(request: Any, req_url: str, blocking: frozenset[str]) -> bool:
    """Whether a request to another origin is fetched all the same: a stylesheet, or one of the
    ``blocking`` scripts of the document (only for the page's own frame, as the document
    that named them)."""
    try:
        kind = request.resource_type
        if kind == "stylesheet":
            return True
        return bool(
            kind == "script"
            and request.frame.parent_frame is None
            and script_key(req_url) in blocking
        )
    except Exception:  # a frame detached meanwhile: refused
        return False


def is_picture(request: Any) -> bool:
    """Whether ``request`` is an image, a font or a video: counted apart from the requests that
    change what the page says (its scripts, data and stylesheets), so that a wall of photos
    never uses up the cap those need."""
    try:
        return bool(request.resource_type in ("image", "media", "font"))
    except Exception:
        return False


def styles(request: Any) -> bool:
    """Whether ``request`` is a stylesheet (what it hides a visitor does not see)."""
    try:
        return bool(request.resource_type == "stylesheet")
    except Exception:
        return False


def leaves_the_page(request: Any, req_url: str) -> bool:
    """Whether ``request`` navigates the page itself (not a frame) to a web address."""
    try:
        return bool(
            request.is_navigation_request()
            and request.frame.parent_frame is None
            and req_url.startswith(("http://", "https://"))
        )
    except Exception:  # a frame detached meanwhile: the request is refused all the same
        return False

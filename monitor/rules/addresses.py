"""Reading the addresses a page writes: untrusted text that Python's URL parser may refuse.

``urllib.parse`` raises ``ValueError`` on a bracketed host that is not an IP address
(``http://[::1``, ``https://[object Object]/`` from a broken script), on a host that NFKC
normalisation turns into URL delimiters (``ｅｘａｍｐｌｅ．ｃｏｍ／`` written in full-width
forms), and on a port that is not a number. The rules judge a page as a visitor's browser shows
it, and a browser goes nowhere with such a link; so the rules skip it. Before these helpers, one
such ``href`` on a homepage made every check of the site an "internal error" warning instead of
a verdict (found by mutating real pages, tests/test_malformed_addresses.py).
"""

from __future__ import annotations

from urllib.parse import SplitResult, urldefrag, urljoin, urlsplit


def join(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``; None when either cannot be parsed."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def absolute(base: str, href: str) -> str | None:
    """:func:`join` without the ``#fragment`` (the page a link leads to); None if unparsable."""
    try:
        return urldefrag(urljoin(base, href)).url
    except ValueError:
        return None


def split(url: str) -> SplitResult | None:
    """``urlsplit(url)``, or None when the parser refuses it."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def host(url: str) -> str:
    """The lower-cased host name of ``url`` ("" when it has none or cannot be parsed)."""
    parts = split(url)
    return (parts.hostname or "").lower() if parts is not None else ""

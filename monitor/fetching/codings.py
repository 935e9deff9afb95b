"""Content codings a visitor's browser decodes but this monitor cannot (``br``, ``zstd``).

The fetcher sends urllib3's ``Accept-Encoding`` (``gzip, deflate`` without the optional brotli
and zstandard modules). Misconfigured servers (pre-compressed static files served as they are,
nginx's ``brotli_static always``, some CDNs) answer ``Content-Encoding: br`` whatever was asked.
urllib3 hands such a body on undecoded, and the judges then read compressed bytes as text: a
page every visitor's browser shows (browsers accept br and zstd) failed its credit and updates.

:func:`unreadable_codings` names the codings of a response that a browser decodes and urllib3
here does not; the fetcher then reads no body and reports the ``unsupported-encoding`` error
(:class:`UnreadableBody` says which codings, and what the request had accepted). A coding no
browser knows is not one of them: Chromium shows such a body as it is (identity), and so is it
judged (tests/test_content_encoding.py shows both in a real Chromium).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

#: The content codings a browser decodes (Chromium, Firefox and Safari: gzip, deflate, br and,
#: since 2024, zstd). Only these can make a page a visitor reads and the monitor cannot.
BROWSER_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd"})


@dataclass(frozen=True, slots=True)
class UnreadableBody:
    """A response compressed with codings the monitor cannot decode (its body was not read)."""

    #: The codings of ``Content-Encoding`` a browser decodes and urllib3 here does not ("br").
    codings: tuple[str, ...]
    #: The ``Content-Encoding`` header as the server sent it.
    content_encoding: str
    #: The ``Accept-Encoding`` the request sent ("gzip, deflate").
    accepted: str

    @property
    def named(self) -> str:
        """The codings for a message: "br", or "br, zstd"."""
        return ", ".join(self.codings)


def codings_of(bodies: Iterable[UnreadableBody]) -> tuple[str, ...]:
    """Every coding of ``bodies``, once each, in the order met."""
    return tuple(dict.fromkeys(c for body in bodies for c in body.codings))


def unreadable_codings(content_encoding: str | None, decoders: Collection[str]) -> tuple[str, ...]:
    """The codings of ``content_encoding`` that browsers decode and ``decoders`` do not.

    ``decoders`` is what urllib3 decodes in this environment (the response's
    ``CONTENT_DECODERS``: asked, not assumed, so installing brotli makes br readable).
    ``identity`` and codings no browser knows are not listed: a browser shows those bodies as
    they are, as the monitor reads them.
    """
    known = {d.lower() for d in decoders}
    tokens = (t.strip().lower() for t in (content_encoding or "").split(","))
    return tuple(dict.fromkeys(t for t in tokens if t in BROWSER_CODINGS and t not in known))

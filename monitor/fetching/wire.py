"""What the monitor accepts on the wire: a response whose header block really ended.

``http.client`` treats the end of the stream as the end of the headers: a server that closes the
connection in the middle of ``Content-Type: text/ht`` yields a complete-looking response of type
``text/ht`` and an empty body, which was then reported as "not an HTML page (text/ht)" (issue 11,
item 5). :class:`StrictHeadersResponse` notices that the header block did not end with its blank
line and raises :class:`HeadersCut`, which the fetcher reports (and retries) as a connection
closed mid-headers.
"""

from __future__ import annotations

import http.client
from typing import Any


class HeadersCut(http.client.HTTPException):
    """The server closed the connection before the end of the response headers."""


class _LastLine:
    """A read-only view of a response's file that remembers the last line read."""

    def __init__(self, fp: Any) -> None:
        self._fp = fp
        self.last = b"\r\n"

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self._fp.readline(limit)
        self.last = line
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fp, name)


class StrictHeadersResponse(http.client.HTTPResponse):
    """``http.client.HTTPResponse`` that refuses a header block cut short by the server."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        real = self.fp
        watcher = _LastLine(real)
        self.fp = watcher  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            if self.fp is watcher:  # begin() may have closed and dropped it already
                self.fp = real
        if watcher.last not in (b"\r\n", b"\n"):
            raise HeadersCut(
                "the server closed the connection in the middle of the response headers"
            )

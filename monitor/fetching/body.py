"""Reading a response body within bounds: the size cap, the deadline, whole characters.

The body is streamed and capped *after* decompression (a gzip bomb stops at the cap); each read
waits at most for what is left of the request's deadline; a body cut at the cap ends on a whole
character of its declared charset (:func:`complete_characters`).
"""

from __future__ import annotations

import codecs
import re
import socket
import time
from typing import Any

import requests
import urllib3

from monitor.fetching import errors as E
from monitor.fetching import limits as S


def read_capped(
    resp: requests.Response, max_bytes: int, deadline: float, read_timeout: float
) -> tuple[bytes, bool]:
    """Read the decoded body up to ``max_bytes``; each read waits at most to the deadline."""
    raw = resp.raw
    buf = bytearray()  # one growing buffer: no list of chunks to join into a second copy
    sock = _socket_of(raw)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise E.Attempt("timeout", "the page took longer than the deadline to arrive")
            if sock is not None:
                sock.settimeout(min(read_timeout, remaining))
            chunk = raw.read1(min(S.CHUNK_BYTES, max_bytes - len(buf) + 1), decode_content=True)
            if not chunk:
                return bytes(buf), False
            buf += chunk
            if len(buf) > max_bytes:
                del buf[max_bytes:]
                return bytes(buf), True
    except E.Attempt:
        raise
    except (TimeoutError, urllib3.exceptions.ReadTimeoutError) as exc:
        raise E.Attempt("timeout", f"no data for too long while reading the body: {exc}") from exc
    except urllib3.exceptions.DecodeError as exc:
        raise E.Attempt("bad-encoding", f"the body does not decode: {exc}") from exc
    except (urllib3.exceptions.ProtocolError, ConnectionError) as exc:
        raise E.Attempt("reset", f"connection broken while reading the body: {exc}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise E.Attempt("connection", f"error while reading the body: {exc}") from exc


def _socket_of(raw: Any) -> socket.socket | None:
    """The socket under a urllib3 response, to shrink its timeout as the deadline nears."""
    conn = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
#: ``<meta charset>``, ``http-equiv`` content, or a feed's ``<?xml ... encoding="big5"?>``.
_DECLARED_RE = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)


def complete_characters(body: bytes, content_type: str | None) -> bytes:
    """``body`` cut at the size cap, without the partial character the cut may end inside.

    A 5 MiB cut of a UTF-8 (or Big5) page usually ends in the middle of a multi-byte
    character; strict decoding then fails and charset detection guesses wildly (cp737 mojibake
    turned a credited homepage into a credit fail, issue 11 item 2). The declared charset
    (the HTTP header, else the page's own ``<meta>`` in its first bytes, else UTF-8) decides
    where characters end; a body that does not decode under it is left alone for the reader.
    """
    declared = _CHARSET_RE.search((content_type or "").encode("latin-1", "replace"))
    declared = declared or _DECLARED_RE.search(body[:4096])
    name = declared.group(1).decode("ascii", "replace") if declared else "utf-8"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return body
    if codec in ("big5", "big5hkscs"):
        codec = "cp950"  # the superset Taiwanese sites really write
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    view = memoryview(body)
    try:
        for start in range(0, len(body), S.CHUNK_BYTES):  # in steps: no 5 MiB str at once
            decoder.decode(view[start : start + S.CHUNK_BYTES], final=False)
    except UnicodeDecodeError:
        return body
    pending = decoder.getstate()[0]
    return body[: len(body) - len(pending)] if pending else body

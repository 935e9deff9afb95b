"""What went wrong with one request, in words for the evidence, and the URL helpers around it.

:func:`classify_request_error` maps whatever ``requests``, urllib3, ``http.client`` or the socket
raised to one kind of :data:`monitor.fetching.fetch.ERROR_KINDS` and an English message that says
what the server did (the evidence an office worker reads), never the library's wording alone.
"""

from __future__ import annotations

import email.utils
import http.client
import re
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
import urllib3

from monitor.fetching.guard import BlockedAddress, BlockedConnectionError
from monitor.fetching.tls import TLSProblem, classify_cert_error, find_cert_error
from monitor.fetching.wire import HeadersCut


class Attempt(Exception):
    """One failed attempt, already classified."""

    def __init__(self, kind: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


class TLSRefused(Attempt):
    def __init__(self, problem: TLSProblem) -> None:
        super().__init__("tls", problem.reason.en)
        self.problem = problem


def chain(exc: BaseException) -> Iterator[BaseException]:
    """Every exception in the cause/context/args chain of ``exc``."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        for nxt in (cur.__cause__, cur.__context__, getattr(cur, "reason", None)):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        stack.extend(a for a in cur.args if isinstance(a, BaseException))


def classify_request_error(exc: requests.RequestException) -> Attempt:
    """Map requests/urllib3/socket errors to one :data:`ERROR_KINDS` value."""
    links = list(chain(exc))
    for cur in links:
        if isinstance(cur, BlockedAddress | BlockedConnectionError):
            blocked = cur if isinstance(cur, BlockedAddress) else cur.blocked
            return Attempt("blocked", str(blocked))
    cert_error = find_cert_error(exc)
    if cert_error is not None:
        return TLSRefused(classify_cert_error(cert_error))
    if isinstance(exc, requests.exceptions.SSLError):
        return Attempt("tls", f"TLS handshake failed: {handshake_failure(links, exc)}")
    # Before the Timeout test: urllib3's NewConnectionError subclasses ConnectTimeoutError, so
    # requests reports a refused connection or a DNS failure as ConnectTimeout.
    for cur in links:
        if isinstance(cur, urllib3.exceptions.NameResolutionError | socket.gaierror):
            return Attempt("dns", "the host name does not resolve (DNS)")
        if isinstance(cur, ConnectionRefusedError):
            return Attempt("refused", "connection refused (nothing listens on that port)")
    if isinstance(exc, requests.exceptions.Timeout):
        return Attempt("timeout", f"timed out: {short(exc)}")
    for cur in links:
        if isinstance(cur, TimeoutError | urllib3.exceptions.TimeoutError):
            return Attempt("timeout", f"timed out: {short(exc)}")
    for cur in links:
        if isinstance(cur, HeadersCut):
            return Attempt("reset", str(cur))
        if isinstance(cur, http.client.LineTooLong) or (
            type(cur) is http.client.HTTPException and "headers" in str(cur)
        ):
            return Attempt(
                "connection",
                "the server sent too many or too long response headers "
                f"(refused by the monitor: {cur})",
            )
    for cur in links:
        if isinstance(cur, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
            return Attempt("reset", "connection reset by the server")
        if isinstance(cur, urllib3.exceptions.ProtocolError):
            return Attempt("reset", f"connection closed by the server: {short(exc)}")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return Attempt("bad-url", f"invalid URL: {short(exc)}")
    return Attempt("connection", short(exc))


#: OpenSSL's reasons for a handshake that failed before any certificate was looked at, in the
#: words of what the server did (the reason itself follows in brackets, for a web admin).
_HANDSHAKE_REASONS = {
    "WRONG_VERSION_NUMBER": "the server did not answer in TLS (plain HTTP on an https address?)",
    "RECORD_LAYER_FAILURE": "the server did not answer in TLS (plain HTTP on an https address?)",
    "PACKET_LENGTH_TOO_LONG": "the server did not answer in TLS (plain HTTP on an https address?)",
    "UNSUPPORTED_PROTOCOL": "the server offers only TLS versions too old to be accepted",
    "TLSV1_ALERT_PROTOCOL_VERSION": "the server offers only TLS versions too old to be accepted",
    "NO_PROTOCOLS_AVAILABLE": "the server offers only TLS versions too old to be accepted",
    "SSLV3_ALERT_HANDSHAKE_FAILURE": "the server and the monitor have no cipher in common",
    "NO_SHARED_CIPHER": "the server and the monitor have no cipher in common",
    "TLSV1_UNRECOGNIZED_NAME": "the server does not serve this host name over https",
    "TLSV1_ALERT_INTERNAL_ERROR": "the server reported an internal error during the handshake",
    "UNEXPECTED_EOF_WHILE_READING": "the server closed the connection during the handshake",
}


_OPENSSL_REASON_RE = re.compile(r"\[SSL: ([A-Z0-9_]+)\]")


def handshake_failure(links: list[BaseException], exc: BaseException) -> str:
    """What went wrong in a TLS handshake, from the ``ssl.SSLError`` in the chain: in words where
    the reason is a known one, else OpenSSL's own line, never the connection pool's repr."""
    for cur in links:
        if isinstance(cur, ssl.SSLError):
            text = str(cur.args[1] if len(cur.args) > 1 else cur)
            text = text.split(" (_ssl.c:", 1)[0].strip()[:200]
            named = _OPENSSL_REASON_RE.search(text)
            reason = getattr(cur, "reason", None) or (named.group(1) if named else "")
            if isinstance(cur, ssl.SSLEOFError):
                reason = reason or "UNEXPECTED_EOF_WHILE_READING"
            words = _HANDSHAKE_REASONS.get(reason)
            return f"{words} ({text})" if words else text
    return short(exc)


def short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."


def why_bad_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"{url!r} is not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} is not an http(s) URL"
    if not parts.hostname:
        return f"{url!r} has no host name"
    return None


def normalise(url: str) -> str:
    """A URL key for loop detection: drop the fragment and the default port."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = (parts.hostname or "") + (f":{port}" if port and port != default else "")
    return f"{parts.scheme}://{netloc}{parts.path or '/'}" + (
        f"?{parts.query}" if parts.query else ""
    )


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date); None for a
    value that is neither (the site's header is untrusted: "²" is a digit to ``str.isdigit``
    but no number, and a date with an absurd zone offset overflows ``datetime``)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, OverflowError):
        return None

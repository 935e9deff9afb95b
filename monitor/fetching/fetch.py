"""Fetching one page politely, safely and within bounds.

What a single :meth:`Fetcher.fetch` guarantees, because ~200 university servers of every age
and temper are fetched unattended each month:

- bounded time: connect and read timeouts, plus a deadline per request that a server dripping
  one byte at a time cannot stretch (each read waits at most for what is left of it);
- bounded memory: bodies are streamed and capped *after* decompression (gzip bombs stop at the
  cap; a 50 MB page is cut at the cap and marked ``truncated``);
- transient errors (timeouts, resets, 5xx, 429) retried with exponential backoff, honouring
  ``Retry-After`` up to a cap; the result records which retries were needed;
- redirects followed one hop at a time, each hop's address checked by the SSRF guard
  (:mod:`monitor.fetching.guard`), loops detected;
- at most one request at a time per host (``host:port``), so many alliances on one university
  server do not hammer it;
- TLS verified against certifi plus the system store; a refused certificate is classified
  (:mod:`monitor.fetching.tls`) and the page fetched again *without* verification, so the other checks
  can still be judged.

Errors never escape as exceptions: every outcome is a :class:`FetchResult`, with
``error`` set (a :class:`FetchError` whose ``kind`` is one of :data:`ERROR_KINDS`) when no usable
response was obtained. Each worker thread gets its own ``requests.Session``.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from monitor.fetching import limits as S
from monitor.fetching.guard import (
    AddressPolicy,
    BlockedAddress,
    BlockedConnectionError,
    guarded_pool_classes,
)
from monitor.fetching.tls import (
    TLSProblem,
    classify_cert_error,
    find_cert_error,
    make_unverified_context,
    make_verified_context,
)

#: Kinds of :class:`FetchError`, for code that branches on them.
ERROR_KINDS = (
    "bad-url",  # not an http(s) URL
    "dns",  # the name does not resolve
    "refused",  # nothing listens on the port
    "reset",  # connection reset or closed mid-response
    "timeout",  # connect/read timeout or the per-request deadline
    "blocked",  # SSRF guard refused the address
    "tls",  # TLS handshake failed (not a certificate problem: those retry unverified)
    "http-status",  # final status 4xx/5xx (after retries)
    "redirect-loop",
    "too-many-redirects",
    "bad-redirect",  # Location missing or not http(s)
    "bad-encoding",  # Content-Encoding that does not decode
    "connection",  # any other network error
    "stopped",  # the crawl was asked to stop
)
_TRANSIENT = frozenset({"reset", "timeout", "connection"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Per-crawl fetch settings (defaults in :mod:`monitor.fetching.limits`).

    Example: ``FetchOptions(read_timeout=5, retries=1, policy=AddressPolicy(allow_private=True))``.
    """

    connect_timeout: float = S.CONNECT_TIMEOUT
    read_timeout: float = S.READ_TIMEOUT
    deadline: float = S.PAGE_DEADLINE
    max_bytes: int = S.MAX_BODY_BYTES
    retries: int = S.RETRIES
    backoff_base: float = S.BACKOFF_BASE
    max_retry_after: float = S.MAX_RETRY_AFTER
    max_redirects: int = S.MAX_REDIRECTS
    user_agent: str = S.USER_AGENT
    extra_ca: Path | None = None
    policy: AddressPolicy = field(default_factory=AddressPolicy)

    @classmethod
    def from_timeout(cls, timeout: float, **kwargs: Any) -> FetchOptions:
        """Options where one number (``--timeout``) bounds connect, read and the deadline."""
        return cls(
            connect_timeout=min(S.CONNECT_TIMEOUT, timeout),
            read_timeout=timeout,
            deadline=timeout,
            **kwargs,
        )


@dataclass(frozen=True, slots=True)
class FetchError:
    """Why no usable response was obtained. ``message`` is English, for logs and evidence."""

    kind: str
    message: str


@dataclass(slots=True)
class FetchResult:
    """The outcome of fetching one URL, redirects included."""

    url: str
    final_url: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)  # URLs left by redirect, in order
    attempts: int = 0
    retry_reasons: list[str] = field(default_factory=list)
    error: FetchError | None = None
    tls_problem: TLSProblem | None = None  # set when fetched only without verification
    elapsed: float = 0.0

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def ok(self) -> bool:
        """A response with a 2xx status was obtained (perhaps only without TLS verification)."""
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def needed_retry(self) -> bool:
        return bool(self.retry_reasons)


class _Stopped(Exception):
    pass


class _Attempt(Exception):
    """One failed attempt, already classified."""

    def __init__(self, kind: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


@dataclass(slots=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool


class _GuardedAdapter(HTTPAdapter):
    """HTTPAdapter whose connections obey the SSRF policy and use our TLS context."""

    def __init__(self, policy: AddressPolicy, ssl_context: ssl.SSLContext) -> None:
        self._policy = policy
        self._ssl_context = ssl_context
        # No retries inside urllib3: we retry ourselves, with backoff and evidence.
        super().__init__(max_retries=Retry(total=0, read=False, redirect=False), pool_maxsize=4)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **kw: Any
    ) -> None:
        kw["ssl_context"] = self._ssl_context
        super().init_poolmanager(connections, maxsize, block=block, **kw)
        self.poolmanager.pool_classes_by_scheme = guarded_pool_classes(self._policy)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would replace our context's trust store with its own CA bundle path;
        # verification is decided by the context instead.
        if not verify:
            conn.cert_reqs = "CERT_NONE"


class Fetcher:
    """Fetches pages for a whole crawl; thread-safe (one Session per thread, per TLS mode).

    ``stop_event`` makes backoff pauses end early and further attempts stop, so a crawl can
    be interrupted promptly.
    """

    def __init__(
        self, options: FetchOptions | None = None, *, stop_event: threading.Event | None = None
    ) -> None:
        self.options = options or FetchOptions()
        self._stop = stop_event or threading.Event()
        self._local = threading.local()
        self._host_locks: dict[str, threading.Lock] = {}
        self._host_locks_guard = threading.Lock()
        self._sessions: list[requests.Session] = []
        self._sessions_guard = threading.Lock()
        self._verified_ctx = make_verified_context(self.options.extra_ca)
        self._unverified_ctx = make_unverified_context()

    # sessions and host locks -----------------------------------------------------------------

    def _session(self, verify: bool) -> requests.Session:
        name = "verified" if verify else "unverified"
        session: requests.Session | None = getattr(self._local, name, None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no proxies or .netrc from the environment
            session.headers["User-Agent"] = self.options.user_agent
            session.headers["Accept"] = (
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            )
            session.headers["Accept-Language"] = "zh-TW,zh;q=0.9,en;q=0.8"
            adapter = _GuardedAdapter(
                self.options.policy, self._verified_ctx if verify else self._unverified_ctx
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.verify = verify
            setattr(self._local, name, session)
            with self._sessions_guard:
                self._sessions.append(session)
        return session

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        parts = urlsplit(url)
        key = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        with self._host_locks_guard:
            lock = self._host_locks.setdefault(key, threading.Lock())
        while not lock.acquire(timeout=0.2):
            if self._stop.is_set():
                raise _Stopped
        try:
            yield
        finally:
            lock.release()

    def close(self) -> None:
        """Close every session made by any thread."""
        with self._sessions_guard:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    # public API --------------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        retries: int | None = None,
        verify: bool = True,
        fallback_unverified: bool = True,
    ) -> FetchResult:
        """Fetch ``url`` following redirects. Never raises for network trouble.

        When TLS verification fails and ``fallback_unverified`` is true, the page is fetched
        again without verification and ``tls_problem`` says why the certificate was refused.
        """
        started = time.monotonic()
        result = self._fetch_chain(url, max_bytes=max_bytes, retries=retries, verify=verify)
        if result.tls_problem is not None and fallback_unverified and verify:
            problem = result.tls_problem
            again = self._fetch_chain(url, max_bytes=max_bytes, retries=retries, verify=False)
            again.tls_problem = problem
            again.retry_reasons = result.retry_reasons + again.retry_reasons
            again.attempts += result.attempts
            result = again
        result.elapsed = time.monotonic() - started
        return result

    # internals ---------------------------------------------------------------------------------

    def _fetch_chain(
        self, url: str, *, max_bytes: int | None, retries: int | None, verify: bool
    ) -> FetchResult:
        opts = self.options
        result = FetchResult(url=url)
        current = url
        seen = {_normalise(url)}
        for _hop in range(opts.max_redirects + 1):
            why = _why_bad_url(current)
            if why:
                kind = "bad-url" if not result.redirects else "bad-redirect"
                result.error = FetchError(kind, why)
                return result
            try:
                response = self._with_retries(
                    current,
                    result,
                    max_bytes=opts.max_bytes if max_bytes is None else max_bytes,
                    retries=opts.retries if retries is None else retries,
                    verify=verify,
                )
            except _Stopped:
                result.error = FetchError("stopped", "the crawl was stopped")
                return result
            except _TLSRefused as exc:
                result.final_url = current
                result.tls_problem = exc.problem
                result.error = FetchError("tls", f"certificate refused: {exc.problem.reason_en}")
                return result
            except _Attempt as exc:
                result.final_url = current
                result.error = FetchError(exc.kind, exc.message)
                return result
            result.final_url = current
            result.status = response.status
            result.headers = response.headers
            if response.status in _REDIRECT_STATUSES:
                location = response.headers.get("location", "").strip()
                if not location:
                    result.error = FetchError(
                        "bad-redirect", f"HTTP {response.status} redirect without a Location header"
                    )
                    return result
                target = urljoin(current, location)
                if _normalise(target) in seen:
                    result.redirects.append(current)
                    result.error = FetchError(
                        "redirect-loop", f"redirect loop: {current} -> {target} was visited before"
                    )
                    return result
                seen.add(_normalise(target))
                result.redirects.append(current)
                current = target
                continue
            result.body = response.body
            result.truncated = response.truncated
            if response.status >= 400:
                result.error = FetchError("http-status", f"HTTP {response.status}")
            return result
        result.error = FetchError(
            "too-many-redirects", f"more than {opts.max_redirects} redirects (last: {current})"
        )
        return result

    def _with_retries(
        self, url: str, result: FetchResult, *, max_bytes: int, retries: int, verify: bool
    ) -> _Response:
        opts = self.options
        for attempt in range(retries + 1):
            if self._stop.is_set():
                raise _Stopped
            result.attempts += 1
            last = attempt == retries
            try:
                response = self._once(url, max_bytes=max_bytes, verify=verify)
            except _Attempt as exc:
                if exc.kind not in _TRANSIENT or last:
                    raise
                result.retry_reasons.append(f"{exc.kind}: {exc.message}")
                self._pause(opts.backoff_base * (2**attempt))
                continue
            if response.status in S.RETRY_STATUSES and not last:
                result.retry_reasons.append(f"HTTP {response.status}")
                wait = opts.backoff_base * (2**attempt)
                after = _retry_after_seconds(response.headers.get("retry-after"))
                if after is not None:
                    wait = max(wait, after)
                self._pause(min(wait, opts.max_retry_after))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, seconds: float) -> None:
        if seconds > 0 and self._stop.wait(seconds):
            raise _Stopped

    def _once(self, url: str, *, max_bytes: int, verify: bool) -> _Response:
        """One HTTP request and its capped body, under the host's slot and the deadline."""
        opts = self.options
        session = self._session(verify)
        with self._host_slot(url):
            deadline = time.monotonic() + opts.deadline
            try:
                resp = session.get(
                    url,
                    stream=True,
                    allow_redirects=False,
                    timeout=(opts.connect_timeout, min(opts.read_timeout, opts.deadline)),
                )
            except requests.RequestException as exc:
                raise _classify_request_error(exc) from exc
            try:
                headers = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code in _REDIRECT_STATUSES:
                    return _Response(resp.status_code, headers, b"", False)
                body, truncated = _read_capped(resp, max_bytes, deadline, opts.read_timeout)
                return _Response(resp.status_code, headers, body, truncated)
            finally:
                resp.close()


class _TLSRefused(_Attempt):
    def __init__(self, problem: TLSProblem) -> None:
        super().__init__("tls", problem.reason_en)
        self.problem = problem


def _read_capped(
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
                raise _Attempt("timeout", "the page took longer than the deadline to arrive")
            if sock is not None:
                sock.settimeout(min(read_timeout, remaining))
            chunk = raw.read1(min(S.CHUNK_BYTES, max_bytes - len(buf) + 1), decode_content=True)
            if not chunk:
                return bytes(buf), False
            buf += chunk
            if len(buf) > max_bytes:
                del buf[max_bytes:]
                return bytes(buf), True
    except _Attempt:
        raise
    except (TimeoutError, urllib3.exceptions.ReadTimeoutError) as exc:
        raise _Attempt("timeout", f"no data for too long while reading the body: {exc}") from exc
    except urllib3.exceptions.DecodeError as exc:
        raise _Attempt("bad-encoding", f"the body does not decode: {exc}") from exc
    except (urllib3.exceptions.ProtocolError, ConnectionError) as exc:
        raise _Attempt("reset", f"connection broken while reading the body: {exc}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _Attempt("connection", f"error while reading the body: {exc}") from exc


def _socket_of(raw: Any) -> socket.socket | None:
    """The socket under a urllib3 response, to shrink its timeout as the deadline nears."""
    conn = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _chain(exc: BaseException) -> Iterator[BaseException]:
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


def _classify_request_error(exc: requests.RequestException) -> _Attempt:
    """Map requests/urllib3/socket errors to one :data:`ERROR_KINDS` value."""
    chain = list(_chain(exc))
    for cur in chain:
        if isinstance(cur, BlockedAddress | BlockedConnectionError):
            blocked = cur if isinstance(cur, BlockedAddress) else cur.blocked
            return _Attempt("blocked", str(blocked))
    cert_error = find_cert_error(exc)
    if cert_error is not None:
        return _TLSRefused(classify_cert_error(cert_error))
    if isinstance(exc, requests.exceptions.SSLError):
        return _Attempt("tls", f"TLS handshake failed: {_short(exc)}")
    # Before the Timeout test: urllib3's NewConnectionError subclasses ConnectTimeoutError, so
    # requests reports a refused connection or a DNS failure as ConnectTimeout.
    for cur in chain:
        if isinstance(cur, urllib3.exceptions.NameResolutionError | socket.gaierror):
            return _Attempt("dns", "the host name does not resolve (DNS)")
        if isinstance(cur, ConnectionRefusedError):
            return _Attempt("refused", "connection refused (nothing listens on that port)")
    if isinstance(exc, requests.exceptions.Timeout):
        return _Attempt("timeout", f"timed out: {_short(exc)}")
    for cur in chain:
        if isinstance(cur, TimeoutError | urllib3.exceptions.TimeoutError):
            return _Attempt("timeout", f"timed out: {_short(exc)}")
    for cur in chain:
        if isinstance(cur, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
            return _Attempt("reset", "connection reset by the server")
        if isinstance(cur, urllib3.exceptions.ProtocolError):
            return _Attempt("reset", f"connection closed by the server: {_short(exc)}")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return _Attempt("bad-url", f"invalid URL: {_short(exc)}")
    return _Attempt("connection", _short(exc))


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."


def _why_bad_url(url: str) -> str | None:
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


def _normalise(url: str) -> str:
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


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def with_policy(options: FetchOptions, policy: AddressPolicy) -> FetchOptions:
    """A copy of ``options`` with another address policy."""
    return replace(options, policy=policy)

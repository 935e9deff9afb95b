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
  can still be judged;
- no undecodable body handed on: a 2xx response compressed with a coding browsers decode and
  urllib3 here does not (``br`` without brotli, :mod:`monitor.fetching.codings`) is the
  ``unsupported-encoding`` error, its body unread and not retried (the server answers the same).

Errors never escape as exceptions: every outcome is a :class:`FetchResult`, with
``error`` set (a :class:`FetchError` whose ``kind`` is one of :data:`ERROR_KINDS`) when no usable
response was obtained. Each worker thread gets its own ``requests.Session``.

Why this module is long: one request's life (host slot, deadline watch, retries with backoff,
redirect hops with the loop check, the unverified TLS retry) is one state machine whose steps
share the same result record; the parts that stand alone already live beside it (errors.py
classifies failures, body.py reads the capped body, deadline.py cuts late connections,
guard.py and tls.py decide addresses and certificates).
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from monitor.fetching import errors as E
from monitor.fetching import limits as S
from monitor.fetching.body import complete_characters, read_capped
from monitor.fetching.codings import UnreadableBody, unreadable_codings
from monitor.fetching.deadline import DEADLINES
from monitor.fetching.guard import AddressPolicy, guarded_pool_classes
from monitor.fetching.tls import TLSProblem, make_unverified_context, make_verified_context

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
    "unsupported-encoding",  # a coding browsers decode and the monitor cannot (br, zstd)
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
    #: Requests made to the address that gave the answer (1 + its retries): "after N attempts"
    #: in the evidence counts retries, never redirect hops.
    attempts: int = 0
    retry_reasons: list[str] = field(default_factory=list)
    error: FetchError | None = None
    tls_problem: TLSProblem | None = None  # set when fetched only without verification
    elapsed: float = 0.0
    #: Every ``Set-Cookie`` of the final response, one per item (the renderer hands them on).
    set_cookies: list[str] = field(default_factory=list)
    #: Set with the ``unsupported-encoding`` error: which codings, and what the request accepted.
    unreadable: UnreadableBody | None = None

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


@dataclass(slots=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool
    set_cookies: list[str] = field(default_factory=list)
    unreadable: UnreadableBody | None = None  # the body was not read: nothing here decodes it


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
        self.poolmanager.pool_classes_by_scheme = guarded_pool_classes(
            self._policy, on_conn=DEADLINES.attach
        )

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would replace our context's trust store with its own CA bundle path;
        # verification is decided by the context instead.
        if not verify:
            conn.cert_reqs = "CERT_NONE"


class _OneHopSession(requests.Session):
    """A Session that never prepares a redirect's next hop: the fetcher follows redirects itself
    (each hop checked by the address guard). With ``allow_redirects=False`` requests still
    parses the Location header to fill ``Response.next``; a Location such as ``http://[::1``
    raised ``ValueError`` out of ``get()`` and the site's whole check became an internal error
    (tests/test_malformed_addresses.py)."""

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        return iter(())


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
            session = _OneHopSession()
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
        headers: Mapping[str, str] | None = None,
        browser_like: bool = False,
    ) -> FetchResult:
        """Fetch ``url`` following redirects. Never raises for network trouble.

        When TLS verification fails and ``fallback_unverified`` is true, the page is fetched
        again without verification and ``tls_problem`` says why the certificate was refused.
        ``browser_like`` asks the way a browser does (:data:`limits.BROWSER_HEADERS`), for
        firewalls that refuse other clients; ``headers`` are sent as given (the renderer hands
        on the browser's own, cookies included).
        """
        sent: dict[str, str] = dict(S.BROWSER_HEADERS) if browser_like else {}
        sent.update(headers or {})
        started = time.monotonic()
        result = self._fetch_chain(
            url, max_bytes=max_bytes, retries=retries, verify=verify, headers=sent
        )
        if result.tls_problem is not None and fallback_unverified and verify:
            problem = result.tls_problem
            again = self._fetch_chain(
                url, max_bytes=max_bytes, retries=retries, verify=False, headers=sent
            )
            again.tls_problem = problem
            again.retry_reasons = result.retry_reasons + again.retry_reasons
            again.attempts += result.attempts
            result = again
        result.elapsed = time.monotonic() - started
        return result

    # internals ---------------------------------------------------------------------------------

    def _fetch_chain(
        self,
        url: str,
        *,
        max_bytes: int | None,
        retries: int | None,
        verify: bool,
        headers: Mapping[str, str],
    ) -> FetchResult:
        opts = self.options
        result = FetchResult(url=url)
        current = url
        seen = {E.normalise(url)}
        for _hop in range(opts.max_redirects + 1):
            why = E.why_bad_url(current)
            if why:
                kind = "bad-url" if not result.redirects else "bad-redirect"
                result.error = FetchError(kind, why)
                return result
            result.attempts = 0
            try:
                response = self._with_retries(
                    current,
                    result,
                    max_bytes=opts.max_bytes if max_bytes is None else max_bytes,
                    retries=opts.retries if retries is None else retries,
                    verify=verify,
                    headers=headers,
                )
            except _Stopped:
                result.error = FetchError("stopped", "the crawl was stopped")
                return result
            except E.TLSRefused as exc:
                result.final_url = current
                result.tls_problem = exc.problem
                result.error = FetchError("tls", f"certificate refused: {exc.problem.reason.en}")
                return result
            except E.Attempt as exc:
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
                try:
                    target = urljoin(current, location)
                except ValueError:  # http://[::1 or a host NFKC turns into delimiters
                    result.error = FetchError(
                        "bad-redirect",
                        f"HTTP {response.status} redirect to {location[:200]!r},"
                        " which is not a valid address",
                    )
                    return result
                # A server that sets a cookie and sends the browser back to the same address
                # (ASP.NET sessions, some firewalls) is not looping: the session keeps the
                # cookie, and the next request gets the page. max_redirects still bounds it.
                if E.normalise(target) in seen and not response.set_cookies:
                    result.redirects.append(current)
                    result.error = FetchError(
                        "redirect-loop", f"redirect loop: {current} -> {target} was visited before"
                    )
                    return result
                seen.add(E.normalise(target))
                result.redirects.append(current)
                current = target
                continue
            result.body = response.body
            result.truncated = response.truncated
            result.set_cookies = response.set_cookies
            if response.status >= 400:
                result.error = FetchError("http-status", f"HTTP {response.status}")
            elif response.unreadable is not None:
                result.unreadable = unread = response.unreadable
                result.error = FetchError(
                    "unsupported-encoding",
                    f"the server sent the page compressed as {unread.named} (Content-Encoding:"
                    f" {unread.content_encoding}) although the monitor asked only for"
                    f" {unread.accepted or 'no compression'} (Accept-Encoding); the monitor"
                    f" cannot decode {unread.named}, a browser can",
                )
            return result
        result.error = FetchError(
            "too-many-redirects", f"more than {opts.max_redirects} redirects (last: {current})"
        )
        return result

    def _with_retries(
        self,
        url: str,
        result: FetchResult,
        *,
        max_bytes: int,
        retries: int,
        verify: bool,
        headers: Mapping[str, str],
    ) -> _Response:
        opts = self.options
        for attempt in range(retries + 1):
            if self._stop.is_set():
                raise _Stopped
            result.attempts += 1
            last = attempt == retries
            try:
                response = self._once(url, max_bytes=max_bytes, verify=verify, headers=headers)
            except E.Attempt as exc:
                if exc.kind not in _TRANSIENT or last:
                    raise
                result.retry_reasons.append(f"{exc.kind}: {exc.message}")
                self._pause(opts.backoff_base * (2**attempt))
                continue
            if response.status in S.RETRY_STATUSES and not last:
                result.retry_reasons.append(f"HTTP {response.status}")
                wait = opts.backoff_base * (2**attempt)
                after = E.retry_after_seconds(response.headers.get("retry-after"))
                if after is not None:
                    wait = max(wait, after)
                self._pause(min(wait, opts.max_retry_after))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, seconds: float) -> None:
        if seconds > 0 and self._stop.wait(seconds):
            raise _Stopped

    def _once(
        self, url: str, *, max_bytes: int, verify: bool, headers: Mapping[str, str]
    ) -> _Response:
        """One HTTP request and its capped body, under the host's slot and the deadline.

        The deadline covers connecting, TLS, the headers and the body: the watchdog of
        :mod:`monitor.fetching.deadline` cuts the connection when it passes, whatever the server
        drips, so the host's slot is never held much longer than the deadline either. A body
        compressed with a coding nothing here decodes is not read at all (``unreadable``).
        """
        opts = self.options
        session = self._session(verify)
        with self._host_slot(url), DEADLINES.watch(opts.deadline) as watch:
            try:
                try:
                    resp = session.get(
                        url,
                        stream=True,
                        allow_redirects=False,
                        headers=dict(headers) or None,
                        timeout=(
                            min(opts.connect_timeout, opts.deadline),
                            min(opts.read_timeout, opts.deadline),
                        ),
                    )
                except requests.RequestException as exc:
                    raise E.classify_request_error(exc) from exc
                try:
                    got = {k.lower(): v for k, v in resp.headers.items()}
                    cookies = list(resp.raw.headers.getlist("set-cookie"))
                    if resp.status_code in _REDIRECT_STATUSES:
                        return _Response(resp.status_code, got, b"", False, cookies)
                    # asked of the response that would decode the body: what urllib3 here can
                    codings = unreadable_codings(
                        got.get("content-encoding"), resp.raw.CONTENT_DECODERS
                    )
                    if codings:
                        unreadable = UnreadableBody(
                            codings,
                            got.get("content-encoding", ""),
                            str(resp.request.headers.get("Accept-Encoding", "")),
                        )
                        return _Response(resp.status_code, got, b"", False, cookies, unreadable)
                    body, truncated = read_capped(
                        resp, max_bytes, watch.deadline, opts.read_timeout
                    )
                    if truncated:
                        body = complete_characters(body, got.get("content-type"))
                    return _Response(resp.status_code, got, body, truncated, cookies)
                finally:
                    resp.close()
            except E.Attempt as exc:
                if watch.fired and not isinstance(exc, E.TLSRefused):
                    raise E.Attempt(
                        "timeout",
                        f"no complete answer within the {opts.deadline:g} s deadline "
                        "(connecting, TLS, headers and body together)",
                    ) from exc
                raise


def with_policy(options: FetchOptions, policy: AddressPolicy) -> FetchOptions:
    """A copy of ``options`` with another address policy."""
    return replace(options, policy=policy)

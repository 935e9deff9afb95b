"""The ``loads`` check (RULES.md rule 1: "the site must open normally").

Two steps, kept apart so the judging stays a pure function:

- :func:`fetch_homepage` fetches the registered address and, when it cannot be reached at all,
  tries the other scheme (http <-> https) so that "only reachable over http" can be told apart
  from "down";
- :func:`judge_loads` turns that outcome (plus the page-kind verdict of
  :func:`monitor.rules.pagekind.classify_page` on the decoded page) into a :class:`Check`.

pass: a 2xx HTML page with real text, valid TLS. fail: DNS, refused, reset, timeout, 4xx/5xx
after retries, redirect loop, not HTML, empty/default/parked page. warn: TLS refused (with the
reason), redirected to another host, reachable only over the other scheme, a JavaScript
page that could not be rendered, or a page compressed with a coding the monitor did not ask
for and cannot decode (``br``, ``zstd``: browsers show it, so it is no failure; a person looks),
which :func:`without_unread_parts` also applies to the page's own scripts and data.
Every finding has a :class:`~monitor.model.Code` and its message in zh-TW and English.

A homepage that is only a wrapper (a frameset, a full-page iframe, a splash page, a meta
refresh) is judged on the page it leads to; when that page does not load or is not a web page,
the finding is about it, as a visitor sees it in the frame or after "enter": the fail of its
error, its message naming the way and the target's address (:func:`about_the_target`)
(``HomepageFetch.lead``), never "empty page" read off the wrapper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.bilingual import Bilingual as B
from monitor.fetching.codings import UnreadableBody, codings_of
from monitor.fetching.fetch import Fetcher, FetchResult
from monitor.model import TLS_CODES, Check, Code, Details
from monitor.rules import addresses
from monitor.rules.entry import Lead, about_the_target

#: Errors after which the other scheme is worth a try (the host answered nothing usable).
_SCHEME_FALLBACK_KINDS = frozenset({"refused", "timeout", "reset", "connection", "tls"})

#: Content types judged as web pages.
_HTML_TYPES = ("text/html", "application/xhtml+xml")

#: What each kind of fetch error means: its code and its message.
_FAILS: dict[str, tuple[Code, Bilingual]] = {
    "dns": (Code.DNS, B("找不到網域名稱（DNS 查詢失敗）", "the host name does not resolve (DNS)")),
    "refused": (Code.REFUSED, B("連線被拒絕（伺服器未開啟）", "connection refused")),
    "reset": (Code.RESET, B("連線中斷", "connection reset")),
    "timeout": (Code.TIMEOUT, B("連線逾時", "timed out")),
    "blocked": (
        Code.BLOCKED,
        B(
            "網址指向內部或保留位址，基於安全不予連線",
            "address is private/internal; refused by the SSRF guard",
        ),
    ),
    "tls": (Code.TLS_FAILED, B("TLS 加密連線失敗", "TLS handshake failed")),
    "http-status": (Code.HTTP_ERROR, B("伺服器回應錯誤", "the server answered with an error")),
    "redirect-loop": (Code.REDIRECT_LOOP, B("網址重新導向形成迴圈", "redirect loop")),
    "too-many-redirects": (Code.TOO_MANY_REDIRECTS, B("重新導向次數過多", "too many redirects")),
    "bad-redirect": (Code.BAD_REDIRECT, B("重新導向的目標無效", "invalid redirect target")),
    "bad-url": (Code.BAD_URL, B("網址格式錯誤", "invalid website address")),
    "bad-encoding": (
        Code.BAD_ENCODING,
        B("回應內容無法解壓縮", "the response body does not decode"),
    ),
    "connection": (Code.CONNECTION, B("無法連線", "could not connect")),
    "stopped": (Code.STOPPED, B("檢查被中止", "the check was stopped")),
}


@dataclass(slots=True)
class HomepageFetch:
    """The homepage fetch, and the address that was asked for first."""

    registered_url: str
    result: FetchResult
    #: True when the registered scheme failed and the other one answered.
    switched_scheme: bool = False
    #: What the registered scheme gave before the switch (for the evidence).
    first_error: str = ""
    #: When ``result`` is the page a wrapper homepage leads to (frame, splash, refresh...) and
    #: it did not load or is not a web page: how and where it led, named in the finding.
    lead: Lead | None = None
    #: a frameset homepage's other frames a visitor sees beside the main one (banner, menu,
    #: bottom), read with it (RULES.md: a frameset is judged on the pages its frames show)
    side_frames: list[str] = field(default_factory=list)


def other_scheme_url(url: str, ports: Mapping[str, int] | None = None) -> str | None:
    """``url`` with http and https swapped, or None when that makes no sense.

    ``ports`` maps each scheme to its port (default 80/443); an explicit port is swapped only
    when it is that scheme's port (tests run both on arbitrary loopback ports).
    """
    ports = dict(ports or {"http": 80, "https": 443})
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    other = "https" if parts.scheme == "http" else "http"
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None:
        netloc = host
    elif port == ports.get(parts.scheme):
        new_port = ports.get(other)
        default = {"http": 80, "https": 443}[other]
        netloc = host if new_port in (None, default) else f"{host}:{new_port}"
    else:
        return None
    return urlunsplit((other, netloc, parts.path, parts.query, ""))


def fetch_homepage(
    fetcher: Fetcher, url: str, *, scheme_ports: Mapping[str, int] | None = None
) -> HomepageFetch:
    """Fetch the registered homepage; on a dead registered scheme, try the other one."""
    result = fetcher.fetch(url)
    if result.error is None or result.error.kind not in _SCHEME_FALLBACK_KINDS or result.redirects:
        return HomepageFetch(url, result)
    if result.tls_problem is not None:
        return HomepageFetch(url, result)
    other = other_scheme_url(url, scheme_ports)
    if other is None:
        return HomepageFetch(url, result)
    # One attempt only: when the host is down, the other scheme usually times out too, and
    # the registered address has already had its retries.
    second = fetcher.fetch(other, retries=0)
    if second.ok:
        second.attempts += result.attempts
        return HomepageFetch(url, second, switched_scheme=True, first_error=result.error.message)
    return HomepageFetch(url, result)


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on the same host, ignoring a leading ``www.``, port and scheme."""

    def key(url: str) -> str:
        return addresses.host(url).rstrip(".").removeprefix("www.")

    return key(a) == key(b)


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by its Content-Type, or by its first bytes when the server sends none."""
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta"))


def judge_loads(
    fetched: HomepageFetch,
    *,
    page_check: Check | None = None,
    render_note: Bilingual | None = None,
    render_failed: bool = False,
    unread_parts: Sequence[UnreadableBody] = (),
) -> Check:
    """Judge the ``loads`` check from the homepage fetch.

    ``page_check`` is :func:`monitor.rules.pagekind.classify_page`'s verdict on the decoded (or
    rendered) page: a fail for empty, default-server and parked pages, else None.
    ``render_failed`` means the page needs JavaScript and no browser could show it: a person
    has to look, so at best a warning. ``render_note`` says how the page was shown (rendered,
    or why not); like every note it is joined into the one-line ``evidence`` here.
    ``unread_parts`` are the rendered page's own requests the monitor could not decode: a page
    that looks empty (or like any other failing kind) without them is a warning, not a fail.
    """
    r = fetched.result
    details: Details = {
        "http_status": r.status,
        "attempts": r.attempts,
        "elapsed_ms": round(r.elapsed * 1000),
    }
    if r.redirects:
        details["redirects"] = [*r.redirects, *([r.final_url] if r.final_url else [])]
    notes: list[str] = []
    if r.needed_retry:
        details["retries"] = list(r.retry_reasons)
        reasons = "; ".join(_brief(x) for x in r.retry_reasons)
        notes.append(B("需要重試才成功", f"needed a retry ({reasons})").joined())

    unreadable = r.unreadable if r.error and r.error.kind == "unsupported-encoding" else None
    if r.error is not None and unreadable is None:
        code, message = _FAILS.get(r.error.kind, _FAILS["connection"])
        if r.error.kind == "http-status" and r.status is not None:
            message = B(f"{message.zh}（HTTP {r.status}）", f"{message.en} (HTTP {r.status})")
        if fetched.lead is not None:
            message = about_the_target(
                fetched.lead, B(f"無法開啟：{message.zh}", f"does not load: {message.en}")
            )
        details["error_kind"] = r.error.kind
        evidence = r.error.message
        if fetched.lead is not None:
            evidence = f"{fetched.lead.url}: {evidence}"
        if r.attempts > 1:
            evidence += f" (after {r.attempts} attempts)"
        return Check("fail", code, message, evidence, details)

    if r.truncated:
        kib = len(r.body) // 1024
        notes.append(
            B(
                f"網頁過大，只讀取前 {kib} KiB",
                f"page larger than the cap; judged the first {kib} KiB",
            ).joined()
        )
    if render_note:
        notes.append(render_note.joined())
    if unreadable is not None:
        details["error_kind"] = "unsupported-encoding"
        details["content_encoding"] = unreadable.named  # known tokens only; the header: evidence
        notes.insert(0, r.error.message if r.error else "")

    # an unread body says nothing of its type: only the Content-Type can then
    if not is_html(r.content_type, r.body) and (unreadable is None or r.content_type):
        ctype = (r.content_type or "unknown").split(";", 1)[0]
        message = B(f"首頁不是網頁（{ctype}）", f"the homepage is not an HTML page ({ctype})")
        if fetched.lead is not None:
            message = about_the_target(
                fetched.lead, B(f"不是網頁（{ctype}）", f"is not an HTML page ({ctype})")
            )
            notes.insert(0, f"{fetched.lead.url}: {ctype}")
        return Check("fail", Code.NOT_HTML, message, "; ".join(notes), details)
    if render_failed and page_check is not None and page_check.code is Code.EMPTY_PAGE:
        page_check = None  # empty only because its scripts did not run: a person must look
    # failing only as shown without the files the monitor could not decode: a person looks
    failed_without_parts = (
        bool(unread_parts) and page_check is not None and page_check.status == "fail"
    )
    if failed_without_parts and page_check is not None:
        notes.append(f"shown without those files: {page_check.message.en}")
        page_check = None
    if page_check is not None and page_check.status == "fail":
        evidence = "; ".join(x for x in (page_check.evidence, *notes) if x)
        merged = Details(**details)
        merged.update(page_check.details)
        return Check("fail", page_check.code, page_check.message, evidence, merged)

    # the most telling warning first: its code is the check's code
    warnings: list[tuple[Code, Bilingual]] = []
    if unreadable is not None:
        warnings.append((Code.UNSUPPORTED_ENCODING, unsupported_encoding(unreadable)))
    elif failed_without_parts:
        details["content_encoding"] = ", ".join(codings_of(unread_parts))
        warnings.append((Code.UNSUPPORTED_ENCODING, unsupported_parts(unread_parts)))
    if r.tls_problem is not None:
        details["tls"] = r.tls_problem.kind
        warnings.append(
            (
                TLS_CODES.get(r.tls_problem.kind, Code.TLS_INVALID),
                B(
                    f"TLS 憑證有問題：{r.tls_problem.reason.zh}",
                    f"TLS certificate refused: {r.tls_problem.reason.en}",
                ),
            )
        )
        notes.append(f"certificate: {r.tls_problem.detail}" if r.tls_problem.detail else "")
    if fetched.switched_scheme:
        wanted = urlsplit(fetched.registered_url).scheme
        got = urlsplit(r.url).scheme
        warnings.append(
            (
                Code.SCHEME_CHANGED,
                B(
                    f"登錄為 {wanted}，但只能以 {got} 連線",
                    f"registered as {wanted} but only reachable over {got}",
                ),
            )
        )
        notes.append(f"{wanted}: {fetched.first_error}")
    elif (
        r.final_url
        and urlsplit(fetched.registered_url).scheme == "https"
        and urlsplit(r.final_url).scheme == "http"
    ):
        warnings.append(
            (
                Code.HTTPS_TO_HTTP,
                B("登錄為 https，但被導向 http", "registered as https but redirected to http"),
            )
        )
    if r.final_url and not same_site(fetched.registered_url, r.final_url):
        final_host = urlsplit(r.final_url).hostname
        warnings.append(
            (
                Code.OTHER_HOST,
                B(
                    f"首頁被導向其他網站（{final_host}）",
                    f"the homepage redirects to another host ({final_host})",
                ),
            )
        )
    if render_failed:
        warnings.append(
            (
                Code.NOT_RENDERED,
                B(
                    "首頁內容由 JavaScript 產生，無法以瀏覽器檢視，請人工確認",
                    "the homepage is filled in by JavaScript and could not be rendered; please "
                    "check by hand",
                ),
            )
        )
    if page_check is not None and page_check.status == "warn":
        warnings.append((page_check.code, page_check.message))
    evidence = "; ".join(x for x in notes if x)
    if warnings:
        return Check(
            "warn", warnings[0][0], Bilingual.join(m for _, m in warnings), evidence, details
        )
    return Check(
        "pass",
        Code.OK,
        B(f"網站正常開啟（HTTP {r.status}）", f"the site opens (HTTP {r.status})"),
        evidence,
        details,
    )


def unsupported_encoding(unreadable: UnreadableBody) -> Bilingual:
    """The finding for a homepage compressed with codings the monitor cannot decode: it names
    them, says they were not asked for, and what a person does about it."""
    codings, accepted = unreadable.named, unreadable.accepted or "identity"
    return B(
        f"伺服器以 {codings} 壓縮格式傳送首頁，但檢查程式只要求 {accepted}，無法解讀內容；"
        "一般瀏覽器可正常顯示，請人工開啟網站確認。網站管理者可設定伺服器依照請求的"
        " Accept-Encoding 回應",
        f"the server sent the homepage compressed as {codings} although the monitor asked only"
        f" for {accepted}, so the monitor cannot read it; browsers show it, so please check the"
        " site by hand. The webmaster can make the server honour the request's Accept-Encoding",
    )


def unsupported_parts(parts: Sequence[UnreadableBody]) -> Bilingual:
    """The finding for a rendered homepage whose own files (scripts, data, styles) came
    compressed with codings the monitor cannot decode, so the browser went without them."""
    codings, accepted = ", ".join(codings_of(parts)), parts[0].accepted or "identity"
    return B(
        f"首頁的部分檔案（程式或資料）以 {codings} 壓縮格式傳送，但檢查程式只要求 {accepted}，"
        "無法載入，這些檔案顯示的內容未能檢查；一般瀏覽器可正常顯示，請人工開啟網站確認。"
        "網站管理者可設定伺服器依照請求的 Accept-Encoding 回應",
        f"some of the homepage's own files (scripts, data) came compressed as {codings} although"
        f" the monitor asked only for {accepted}, so they could not be loaded and what they show"
        " was not checked; browsers show it, so please check the site by hand. The webmaster"
        " can make the server honour the request's Accept-Encoding",
    )


_PARTS_NOT_CHECKED = B(
    "首頁部分檔案以檢查程式無法解讀的壓縮格式傳送，這些檔案顯示的內容未檢查，請人工確認",
    "not checked: some of the homepage's files are compressed in a way the monitor cannot"
    " read, and what they show was not seen; check by hand",
)


def without_unread_parts(
    loads: Check, credit: Check, updates: Check, parts: Sequence[UnreadableBody]
) -> tuple[Check, Check, Check]:
    """The checks of a rendered homepage whose own files the monitor could not decode.

    What those files draw (a footer with the credit, a news list from JSON) is missing from
    the page judged, while a visitor's browser shows it: a credit or updates short of pass is
    then "not checked" (a warning, its finding kept in the evidence), and ``loads`` warns
    ``unsupported-encoding`` so the report and the notice say why. Passing checks stand.
    """
    short = [check.status != "pass" for check in (credit, updates)]
    unchanged = not any(short) and loads.code is not Code.UNSUPPORTED_ENCODING
    if not parts or loads.status == "fail" or unchanged:
        return loads, credit, updates

    def unseen(check: Check) -> Check:
        seen = f"shown without those files: {check.message.en}"
        evidence = "; ".join(x for x in (seen, check.evidence) if x)
        return replace(
            check,
            status="warn",
            code=Code.NOT_CHECKED,
            message=_PARTS_NOT_CHECKED,
            evidence=evidence,
        )

    credit, updates = (unseen(c) if s else c for c, s in zip((credit, updates), short, strict=True))
    if loads.code is not Code.UNSUPPORTED_ENCODING:
        others = [loads.message] if loads.status == "warn" else []
        details = Details(**loads.details)
        details["content_encoding"] = ", ".join(codings_of(parts))
        message = Bilingual.join([unsupported_parts(parts), *others])
        loads = Check("warn", Code.UNSUPPORTED_ENCODING, message, loads.evidence, details)
    return loads, credit, updates


def _brief(reason: str) -> str:
    return reason if len(reason) <= 80 else reason[:77] + "..."

"""Result records of the monitor and their JSON shape (stable: other tools read it).

JSON shape (written into report.json, see docs/operations.md)::

    {"today": "YYYY-MM-DD",
     "alliances": [{"slug", "url", "final_url",
                    "loads": {"status", "code", "reason", "message", "evidence", ...},
                    "credit": {"status", "evidence", ...},
                    "updates": {"status", "latest_date", "evidence", "source", ...},
                    "overall"}]}

Every status is ``pass``, ``warn`` or ``fail``; every ``code`` one of :class:`Code`;
``reason`` is ``message`` (``{"zh", "en"}``) joined for display; ``latest_date`` is ``YYYY-MM-DD`` or null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, TypedDict, cast

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import Status

_RANK = {"pass": 0, "warn": 1, "fail": 2}


def worst(*statuses: Status) -> Status:
    """The most serious of several statuses: the overall result of a site."""
    return max(statuses, key=_RANK.__getitem__) if statuses else "pass"


class Code(StrEnum):
    """What a check found, as a stable key (the JSON report's ``code``).

    Why codes: the report, the notices and other tools decide by these, never by the wording of
    a message, so rewording a finding cannot change the advice e-mailed to a professor. The set
    is closed: every judge returns one of these (tests/test_findings.py holds them to it).
    """

    # loads: the site opens
    OK = "ok"
    DNS = "dns"
    REFUSED = "refused"
    RESET = "reset"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    BLOCKED = "blocked"
    TLS_FAILED = "tls-failed"
    HTTP_ERROR = "http-error"
    REDIRECT_LOOP = "redirect-loop"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    BAD_REDIRECT = "bad-redirect"
    BAD_URL = "bad-url"
    BAD_ENCODING = "bad-encoding"
    STOPPED = "stopped"
    NOT_HTML = "not-html"
    EMPTY_PAGE = "empty-page"
    DEFAULT_PAGE = "default-page"
    DIRECTORY_LISTING = "directory-listing"
    PARKED = "parked"
    #: a 2xx page that is only an error message of the site's software (PHP, ASP.NET, Java)
    ERROR_PAGE = "error-page"
    #: a 2xx page that is only a maintenance or under-construction notice
    MAINTENANCE = "maintenance"
    #: the hosting provider's "account suspended" page
    SUSPENDED = "suspended"
    #: a web application firewall's block page ("Request Rejected", support ID ...)
    FIREWALL_REJECTED = "firewall-rejected"
    TLS_EXPIRED = "tls-expired"
    TLS_NOT_YET_VALID = "tls-not-yet-valid"
    TLS_SELF_SIGNED = "tls-self-signed"
    TLS_HOSTNAME = "tls-hostname"
    TLS_UNTRUSTED = "tls-untrusted"
    TLS_REVOKED = "tls-revoked"
    TLS_INVALID = "tls-invalid"
    SCHEME_CHANGED = "scheme-changed"
    HTTPS_TO_HTTP = "https-to-http"
    OTHER_HOST = "other-host"
    NOT_RENDERED = "not-rendered"
    #: the server compressed the homepage with a coding browsers decode and the monitor cannot
    #: (br, zstd), though it was not asked for: a person must look (monitor/fetching/codings.py)
    UNSUPPORTED_ENCODING = "unsupported-encoding"
    # credit: the funding credit on the homepage
    CREDIT_OK = "credit-ok"
    CREDIT_NAME_ONLY = "credit-name-only"
    CREDIT_OTHER_PAGE = "credit-other-page"
    CREDIT_IMAGE_ONLY = "credit-image-only"
    CREDIT_NONE = "credit-none"
    # updates: regular updates
    UPDATED = "updated"
    CONTENT_CHANGED = "content-changed"
    AGING = "aging"
    STALE = "stale"
    DATE_AMBIGUOUS = "date-ambiguous"
    NO_DATE = "no-date"
    NEWS_IN_WIDGET = "news-in-widget"
    # any check
    NOT_CHECKED = "not-checked"
    INTERNAL_ERROR = "internal-error"
    #: a result stored before checks had codes
    UNKNOWN = "unknown"

    @classmethod
    def read(cls, value: object) -> Code:
        """The code stored in a record; :attr:`UNKNOWN` for old records or unknown values."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN


_ANY_CHECK = frozenset({Code.NOT_CHECKED, Code.INTERNAL_ERROR, Code.UNKNOWN})
_CREDIT = frozenset(c for c in Code if c.value.startswith("credit-"))
_UPDATES = frozenset(
    {
        Code.UPDATED,
        Code.CONTENT_CHANGED,
        Code.AGING,
        Code.STALE,
        Code.DATE_AMBIGUOUS,
        Code.NO_DATE,
        Code.NEWS_IN_WIDGET,
    }
)
#: The codes each check may give: the closed set a judge chooses from.
CHECK_CODES: dict[str, frozenset[Code]] = {
    "loads": frozenset(Code) - _CREDIT - _UPDATES - {Code.NOT_CHECKED},
    "credit": _CREDIT | _ANY_CHECK,
    "updates": _UPDATES | _ANY_CHECK,
}


#: Codes of the TLS certificate problems, by the fetcher's ``TLSProblem.kind``.
TLS_CODES: dict[str, Code] = {
    "expired": Code.TLS_EXPIRED,
    "not-yet-valid": Code.TLS_NOT_YET_VALID,
    "self-signed": Code.TLS_SELF_SIGNED,
    "hostname-mismatch": Code.TLS_HOSTNAME,
    "unknown-issuer": Code.TLS_UNTRUSTED,
    "revoked": Code.TLS_REVOKED,
    "other": Code.TLS_INVALID,
}


class Details(TypedDict, total=False):
    """The evidence fields a check may carry, flattened into its JSON object.

    One declaration for writers (the judges, the crawl) and readers (reports, notices): a key
    written here and read under another name is a type error, not a silently empty column.
    """

    # loads
    http_status: int | None
    attempts: int
    elapsed_ms: int
    redirects: list[str]
    retries: list[str]
    error_kind: str
    tls: str
    #: the codings of the server's Content-Encoding the monitor could not decode ("br"), each a
    #: token browsers know (monitor/fetching/codings.py); the header itself is in the evidence
    content_encoding: str
    page_kind: str
    server: str
    # credit
    matched: str | None
    where: str | None
    elsewhere: str
    #: a frameset homepage's frame the credit was read in (not its main frame)
    frame: str
    # updates
    latest_date: str | None
    as_written: str | None
    source: str | None
    age_days: int | None
    content_changed: bool | None
    dates_found: int
    skipped: dict[str, int]
    checked: list[str]
    weight: int
    found_in: str
    ambiguous: bool
    other_reading: str
    widget: str
    # which page a finding was judged on (monitor/visit.py): "rendered" by the browser, or the
    # "static" HTML as fetched (no browser, or the rendering failed: the evidence says why)
    view: str
    # loads: a firewall refused the monitor but let a browser-like request in
    automation_blocked: bool


#: Keys of a check's JSON object that are not evidence details.
_OWN_KEYS = ("status", "code", "reason", "message", "evidence")


@dataclass(slots=True)
class Check:
    """One check's judgement: a status, a :class:`Code`, the finding in both languages
    (``message``), the raw evidence seen on the site, and typed :class:`Details`.

    ``reason`` (the joined "中文 / English") is kept in the JSON for older readers; it is built
    from ``message`` and never read back.
    """

    status: Status
    code: Code
    message: Bilingual
    evidence: str = ""
    details: Details = field(default_factory=lambda: Details())

    def __post_init__(self) -> None:
        if not isinstance(self.code, Code):
            raise TypeError(f"Check.code must be a monitor.model.Code, not {self.code!r}")
        if not isinstance(self.message, Bilingual):
            raise TypeError(f"Check.message must be a Bilingual, not {self.message!r}")

    @property
    def reason(self) -> str:
        return self.message.joined()

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": str(self.code),
            "reason": self.reason,
            "message": self.message.to_json(),
            "evidence": self.evidence,
        } | dict(self.details)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        """A stored check; one stored before codes gets :attr:`Code.UNKNOWN` and its reason as
        is in both languages (nothing is guessed from the wording)."""
        message = data.get("message")
        reason = str(data.get("reason", ""))
        details = {k: v for k, v in data.items() if k not in _OWN_KEYS}
        return cls(
            status=data["status"],
            code=Code.read(data.get("code")),
            message=(
                Bilingual.from_json(message)
                if isinstance(message, dict)
                else Bilingual.same(reason)
            ),
            evidence=str(data.get("evidence", "")),
            details=cast(Details, details),  # unknown keys of other versions are kept
        )


@dataclass(slots=True)
class SiteResult:
    """Everything judged about one alliance's website in one crawl."""

    slug: str
    url: str
    final_url: str | None
    loads: Check
    credit: Check
    updates: Check
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def overall(self) -> Status:
        return worst(self.loads.status, self.credit.status, self.updates.status)

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "url": self.url,
            "final_url": self.final_url,
            "loads": self.loads.to_json(),
            "credit": self.credit.to_json(),
            "updates": self.updates.to_json(),
            "overall": self.overall,
        } | self.extra

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteResult:
        data = dict(data)
        data.pop("overall", None)
        return cls(
            slug=data.pop("slug"),
            url=data.pop("url"),
            final_url=data.pop("final_url", None),
            loads=Check.from_json(data.pop("loads")),
            credit=Check.from_json(data.pop("credit")),
            updates=Check.from_json(data.pop("updates")),
            name=data.pop("name", ""),
            extra=data,
        )


@dataclass(slots=True)
class Page:
    """A fetched document handed to the judges: already decoded to text.

    ``kind`` says where it came from: the homepage, the news page the homepage links to, a
    feed (RSS/Atom) the homepage links to, or another frame of a frameset homepage (the banner,
    menu or bottom frame beside the main one: part of what a visitor reads on arrival).
    """

    url: str
    html: str
    kind: Literal["homepage", "news", "feed", "frame"] = "homepage"

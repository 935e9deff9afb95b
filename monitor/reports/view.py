"""What a month's report shows, as typed records: rows, checks, facts, the trend.

:func:`check_view` picks the evidence a person needs out of a check's typed details; the page,
the spreadsheets and the notices all read these records, never the crawler's raw data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Code, SiteResult, Status
from monitor.reports.labels import CREDIT_WHERE, FACT_LABELS, FOUND_IN
from monitor.store import Run

#: Width of a screenshot's thumbnail in the table (CSS pixels); the height keeps the ratio.
THUMB_WIDTH = 160

Change = Literal["newly-failing", "recovered", ""]


@dataclass(frozen=True, slots=True)
class Fact:
    """One piece of evidence shown under a check: which field (``key``), its label in both
    languages, its value, and a link when it is a URL."""

    key: str
    label: Bilingual
    value: str
    url: str | None = None

    @property
    def title(self) -> str:
        """The label as the page and the spreadsheets show it: "最新日期 Latest"."""
        return self.label.joined(" ")


@dataclass(frozen=True, slots=True)
class CheckView:
    """A check's result as the report shows it.

    ``skipped`` is set when the check could not run (the homepage could not be read): the page
    then shows it grey as "not checked", saying what the homepage was instead, never as a
    failure of this check (the stored status stays ``fail`` for the JSON's older readers).
    """

    name: str
    status: Status
    code: Code
    message: Bilingual
    evidence: str
    facts: tuple[Fact, ...] = ()
    skipped: Bilingual | None = None

    @property
    def reason(self) -> str:
        """The finding in both languages on one line (for the page and the spreadsheets)."""
        return self.message.joined()

    @property
    def shown_status(self) -> str:
        """The status the page shows: ``not-checked`` for a check that could not run."""
        return "not-checked" if self.skipped is not None else self.status

    def fact(self, key: str) -> str:
        """The value of the fact ``key`` (a :data:`FACT_LABELS` key), or ""."""
        return next((f.value for f in self.facts if f.key == key), "")


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One alliance in one month (its newest result among the month's finished runs)."""

    month: str
    statuses: Mapping[str, Status]  # keys: SUMMARY_KEYS
    skipped: frozenset[str] = frozenset()  # checks that could not run that month

    def shown(self, key: str) -> str:
        """The status the page shows for ``key``: ``not-checked`` for a check that could not run."""
        return "not-checked" if key in self.skipped else self.statuses[key]


@dataclass(frozen=True, slots=True)
class EarlierResult:
    """A result of the month that a later check replaced (shown beside the row, with its time).

    Why kept: after a re-check the office must still see what the month's crawl found, and
    when; the row shows the newest result, these the ones before it, oldest first.
    """

    checked_at: str  # UTC ISO time the result was judged
    recheck: bool  # from a re-check (or an --only crawl), not the month's crawl
    run_id: int
    statuses: Mapping[str, Status]  # keys: SUMMARY_KEYS


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A stored homepage screenshot of the result a row shows (the PNG itself stays in the DB
    until the files are written, so a month of 200 screenshots is never all in memory)."""

    run_id: int  # the run the row's result comes from
    path: str  # relative to the month folder: screenshots/<slug>.png
    url: str  # the page photographed
    width: int  # of the PNG, in pixels
    height: int

    @property
    def thumb_width(self) -> int:
        return min(THUMB_WIDTH, self.width)

    @property
    def thumb_height(self) -> int:
        return max(1, round(self.height * self.thumb_width / self.width))


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One alliance in the report month."""

    slug: str
    name: str
    name_en: str
    url: str
    final_url: str | None
    overall: Status
    checks: Mapping[str, CheckView]
    result: SiteResult
    previous_overall: Status | None
    change: Change
    history: tuple[HistoryPoint, ...]
    snapshot: str | None  # path relative to the month folder
    screenshot: Screenshot | None = None
    #: The shown result came from a re-check (the console's, or ``alliance crawl --only``),
    #: not the month's crawl; the report says so.
    recheck: bool = False
    checked_at: str = ""  # UTC ISO time the shown result was judged
    earlier: tuple[EarlierResult, ...] = ()  # the month's results it replaced, oldest first


@dataclass(frozen=True, slots=True)
class MonthCounts:
    """pass/warn/fail counts per check (and overall) in one month.

    A site that could not be checked for a check (its homepage did not load, or the browser
    could not show it) is left out of that check's counts and counted in ``not_checked``:
    "credit fail 7" must not include five sites nobody could read.
    """

    month: str
    counts: Mapping[str, Mapping[str, int]]  # check -> status -> count
    total: int
    not_checked: Mapping[str, int] = field(default_factory=dict)  # check -> sites left out

    def checked(self, key: str) -> int:
        """How many sites the check ``key`` could judge this month."""
        return self.total - self.not_checked.get(key, 0)


@dataclass(slots=True)
class MonthReport:
    """Everything a month's report shows, computed once and rendered into every format."""

    month: str
    run: Run  # the newest finished run of the month
    today: str
    rows: list[ReportRow]
    trend: list[MonthCounts]
    previous_month: str | None
    next_check: date | None
    snapshots: dict[str, bytes] = field(default_factory=dict)  # slug -> raw homepage bytes
    snapshot_urls: dict[str, str] = field(default_factory=dict)
    run_ids: tuple[int, ...] = ()  # every finished run merged into the month, oldest first

    @property
    def summary(self) -> MonthCounts:
        return self.trend[-1]

    @property
    def newly_failing(self) -> list[ReportRow]:
        return [r for r in self.rows if r.change == "newly-failing"]

    @property
    def recovered(self) -> list[ReportRow]:
        return [r for r in self.rows if r.change == "recovered"]


def _label(labels: Mapping[str, Bilingual], word: Any) -> Any:
    """The crawler's word as the report shows it ("首頁文字 homepage text"); unknown words as is."""
    label = labels.get(str(word))
    return label.joined(" ") if label else word


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return " → ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _redirect_chain(hops: Sequence[str]) -> str:
    return " → ".join(str(hop) for hop in hops)


def link_or_none(url: Any) -> str | None:
    """``url`` if it is an http(s) URL we may put in an href, else None (never javascript:)."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


#: Why the other checks could not run, by what the homepage check found (its code): a server
#: default page is not "did not load", it is a default page. Codes not listed did not load.
_HOMEPAGE_WAS: dict[Code, Bilingual] = {
    Code.DEFAULT_PAGE: Bilingual("首頁是伺服器的預設頁面", "the homepage is a server default page"),
    Code.EMPTY_PAGE: Bilingual("首頁是空白頁", "the homepage is empty"),
    Code.DIRECTORY_LISTING: Bilingual("首頁是檔案目錄清單", "the homepage is a directory listing"),
    Code.PARKED: Bilingual("網域是停放頁或待售頁", "the domain is parked or for sale"),
    Code.NOT_HTML: Bilingual("首頁不是網頁", "the homepage is not a web page"),
    Code.NOT_RENDERED: Bilingual(
        "首頁由 JavaScript 產生且無法顯示",
        "the homepage is built by JavaScript and could not be shown",
    ),
    Code.OTHER_HOST: Bilingual("首頁轉往其他網站", "the homepage sends visitors to another site"),
    Code.BAD_ENCODING: Bilingual(
        "首頁的文字編碼無法讀取", "the homepage's text encoding cannot be read"
    ),
    Code.UNSUPPORTED_ENCODING: Bilingual(
        "首頁（或其程式、資料檔）的壓縮格式檢查程式無法解讀，請人工確認",
        "the homepage (or its scripts and data) is compressed in a way the monitor cannot read;"
        " check it by hand",
    ),
    Code.ERROR_PAGE: Bilingual("首頁顯示程式錯誤訊息", "the homepage shows a program error"),
    Code.MAINTENANCE: Bilingual("首頁是維護中頁面", "the homepage is a maintenance page"),
    Code.SUSPENDED: Bilingual("網站已被主機商停用", "the site is suspended by its host"),
    Code.FIREWALL_REJECTED: Bilingual(
        "首頁是防火牆的阻擋頁面", "the homepage is a firewall's block page"
    ),
}
_RENDERED = Bilingual("以瀏覽器執行後判定", "judged as rendered by a browser")
_DID_NOT_LOAD = Bilingual("首頁無法開啟", "the homepage did not load")


def not_checked(result: SiteResult, key: str) -> bool:
    """Whether the check ``key`` could not judge this site (so its counts leave it out): the
    crawl says so by code, or (older rows without codes) the homepage did not load."""
    if key in ("overall", "loads"):
        return key == "loads" and result.loads.code == Code.NOT_CHECKED
    check = getattr(result, key)
    if check.code == Code.NOT_CHECKED:
        return True
    return result.loads.status == "fail"


def why_not_checked(result: SiteResult) -> Bilingual:
    """ "Not checked: ..." saying what the homepage was, chosen by the homepage check's code."""
    was = _HOMEPAGE_WAS.get(result.loads.code, _DID_NOT_LOAD)
    return Bilingual(f"未檢查：{was.zh}", f"not checked: {was.en}")


def check_view(result: SiteResult, name: str) -> CheckView:
    """Pick the evidence a person needs for one check out of the check's typed details."""
    check = getattr(result, name)
    d = check.details
    facts: list[Fact] = []

    def add(key: str, value: Any, url: Any = None) -> None:
        text = _text(value)
        if text:
            facts.append(Fact(key, FACT_LABELS[key], text, link_or_none(url)))

    if name == "loads":
        add("http", d.get("http_status"))
        redirects = d.get("redirects")
        if redirects:
            add("redirects", _redirect_chain(redirects))
        add("tls", d.get("tls"))
        add("content_encoding", d.get("content_encoding"))
        add("retries", "; ".join(str(r) for r in d.get("retries") or ()))
        attempts = d.get("attempts")
        if isinstance(attempts, int) and attempts > 1:
            add("attempts", attempts)
        if result.extra.get("rendered"):
            add("rendered", _RENDERED.joined(" "))
    elif name == "credit":
        add("matched", d.get("matched"))
        where = d.get("where")
        add("where", _label(CREDIT_WHERE, where), where)
    elif name == "updates":
        add("latest_date", d.get("latest_date"))
        add("as_written", d.get("as_written"))
        source = d.get("source")
        add("source", source, source)
        found_in = d.get("found_in")
        add("found_in", _label(FOUND_IN, found_in))
        add("age_days", d.get("age_days"))
    skipped = why_not_checked(result) if name != "loads" and not_checked(result, name) else None
    return CheckView(
        name, check.status, check.code, check.message, check.evidence, tuple(facts), skipped
    )

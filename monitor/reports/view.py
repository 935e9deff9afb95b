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
    """A check's result as the report shows it."""

    name: str
    status: Status
    code: Code
    message: Bilingual
    evidence: str
    facts: tuple[Fact, ...] = ()

    @property
    def reason(self) -> str:
        """The finding in both languages on one line (for the page and the spreadsheets)."""
        return self.message.joined()

    def fact(self, key: str) -> str:
        """The value of the fact ``key`` (a :data:`FACT_LABELS` key), or ""."""
        return next((f.value for f in self.facts if f.key == key), "")


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One alliance in one month (its newest result among the month's finished runs)."""

    month: str
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
        add("retries", "; ".join(str(r) for r in d.get("retries") or ()))
        attempts = d.get("attempts")
        if isinstance(attempts, int) and attempts > 1:
            add("attempts", attempts)
        if result.extra.get("rendered"):
            add("rendered", "以瀏覽器執行後判定 judged as rendered by a browser")
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
    return CheckView(name, check.status, check.code, check.message, check.evidence, tuple(facts))

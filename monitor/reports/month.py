"""Monthly compliance reports: ``reports/<YYYY-MM>/`` built from the monitor database.

One month's report is a pure function of the database: each alliance's newest result among the
month's finished crawls (so a later ``alliance crawl --only SLUG`` re-check updates that alliance
without replacing the month), plus the same for up to :data:`HISTORY_MONTHS` earlier months
(trend chart, per-alliance history, month-over-month changes). Unfinished crawls never count. Nothing in the output depends on the clock or on the machine, so
rebuilding a month (``alliance report --month YYYY-MM``) gives byte-identical files, and the office
can diff two builds or keep them in git.

Files written into the month folder:

- ``index.html``  the page the office reads and prints (rendered by :mod:`monitor.reports.html`);
- ``report.csv``  UTF-8 with BOM so Excel shows Chinese correctly;
- ``report.xlsx`` summary sheet, one row per alliance, coloured statuses, evidence columns;
- ``report.json`` the DESIGN.md shape (``today`` + ``alliances``) plus ``month``, ``summary``
  and ``changes``;
- ``snapshots/<slug>.txt`` the stored homepage source as plain text, so opening it never runs
  the site's scripts;
- ``screenshots/<slug>.png`` the homepage as the crawl's browser showed it (``alliance crawl
  --screenshots``), shown as a thumbnail in the alliance's row.

Evidence comes from the internet. The HTML page escapes everything (Jinja2 autoescape plus a
Content-Security-Policy that only allows its own inline script), and spreadsheet cells never start
with a formula character, so a hostile homepage cannot run code in the office's browser or Excel.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from alliance_portal.registry.png_structure import PNG_SIGNATURE
from alliance_portal.registry.profiles import Alliance
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.site_settings import SLUG_PATTERN
from alliance_portal.registry.bilingual import Bilingual
from monitor.model import STATUSES, Code, SiteResult, Status
from monitor.store import Run, Store

#: Months shown in the trend chart and in each alliance's history (the report month included).
HISTORY_MONTHS = 12

#: Checks in the order they appear everywhere: columns, chart panels, e-mails.
CHECKS: tuple[str, ...] = ("loads", "credit", "updates")
#: Checks plus the overall result, for summaries.
SUMMARY_KEYS: tuple[str, ...] = (*CHECKS, "overall")

#: zh-TW first, English second: every label a person reads.
CHECK_LABELS: dict[str, tuple[str, str]] = {
    "loads": ("網站開啟", "Site opens"),
    "credit": ("補助標示", "Funding credit"),
    "updates": ("定期更新", "Regular updates"),
    "overall": ("總結", "Overall"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pass": ("通過", "pass"),
    "warn": ("待確認", "warn"),
    "fail": ("未通過", "fail"),
}

#: Folder and file names inside ``reports/<YYYY-MM>/``.
INDEX_FILE = "index.html"
CSV_FILE = "report.csv"
XLSX_FILE = "report.xlsx"
JSON_FILE = "report.json"
SNAPSHOT_DIR = "snapshots"
SCREENSHOT_DIR = "screenshots"

#: Width of a screenshot's thumbnail in the table (CSS pixels); the height keeps the ratio.
THUMB_WIDTH = 160
#: Bytes to read of a stored PNG to know its size: signature, IHDR length, type, width, height.
PNG_HEADER_BYTES = 24
#: Slugs safe to use as a file name (the registry's rule); anything else is never written.
_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")

#: Characters that make Excel/LibreOffice read a cell as a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Fixed ZIP member time: XLSX files are ZIPs and would otherwise carry the build time.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

Change = Literal["newly-failing", "recovered", ""]


class ReportError(Exception):
    """A report cannot be built (for example no finished crawl for the month)."""


_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_month(text: str) -> str:
    """``text`` if it is a month written YYYY-MM, else a :class:`ReportError` saying so."""
    if not _MONTH_RE.match(text):
        raise ReportError(f"month {text!r} is not written YYYY-MM (for example 2026-05)")
    return text


# -- records --------------------------------------------------------------------------------


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


def png_size(header: bytes) -> tuple[int, int] | None:
    """(width, height) from the first :data:`PNG_HEADER_BYTES` of a PNG, or None if not a PNG."""
    if len(header) < PNG_HEADER_BYTES or not header.startswith(PNG_SIGNATURE):
        return None
    if header[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", header[16:24])
    return (width, height) if width > 0 and height > 0 else None


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
    """pass/warn/fail counts per check (and overall) in one month."""

    month: str
    counts: Mapping[str, Mapping[str, int]]  # check -> status -> count
    total: int


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


# -- evidence -------------------------------------------------------------------------------


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


#: Where the crawler found the funding credit, as a person reads it (a URL is shown as is).
CREDIT_WHERE: dict[str, str] = {
    "text": "首頁文字 homepage text",
    "alt": "替代文字（alt） alt text",
    "title": "title 屬性 title attribute",
    "image": "僅在圖片中 only inside an image",
}

#: What kind of text the latest date was found in (the crawler's words, with zh-TW first).
FOUND_IN: dict[str, str] = {
    "post date": "發布日期 post date",
    "news/list item": "消息列表 news/list item",
    "feed item": "RSS/Atom 項目 feed item",
    "<time> element": "時間標記 <time> element",
    "article": "文章 article",
    "date leading a line": "行首日期 date leading a line",
    "running text": "內文 running text",
    "page header/menu": "頁首或選單 page header/menu",
}


def link_or_none(url: Any) -> str | None:
    """``url`` if it is an http(s) URL we may put in an href, else None (never javascript:)."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


#: The facts a check shows, by key: their labels (zh-TW first).
FACT_LABELS: dict[str, Bilingual] = {
    "http": Bilingual.same("HTTP"),
    "redirects": Bilingual("轉址", "Redirects"),
    "tls": Bilingual.same("TLS"),
    "retries": Bilingual("重試", "Retries"),
    "attempts": Bilingual("嘗試次數", "Attempts"),
    "rendered": Bilingual.same("JS"),
    "matched": Bilingual("符合文字", "Matched"),
    "where": Bilingual("位置", "Where"),
    "latest_date": Bilingual("最新日期", "Latest"),
    "as_written": Bilingual("原文", "As written"),
    "source": Bilingual("來源", "Source"),
    "found_in": Bilingual("出處", "Found in"),
    "age_days": Bilingual("天數", "Days old"),
}


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
        add("where", CREDIT_WHERE.get(str(where), where), where)
    elif name == "updates":
        add("latest_date", d.get("latest_date"))
        add("as_written", d.get("as_written"))
        source = d.get("source")
        add("source", source, source)
        found_in = d.get("found_in")
        add("found_in", FOUND_IN.get(str(found_in), found_in))
        add("age_days", d.get("age_days"))
    return CheckView(name, check.status, check.code, check.message, check.evidence, tuple(facts))


def _statuses(result: SiteResult) -> dict[str, Status]:
    return {
        "loads": result.loads.status,
        "credit": result.credit.status,
        "updates": result.updates.status,
        "overall": result.overall,
    }


def _change(now: Status, before: Status | None) -> Change:
    """Month-over-month change of the overall result.

    A first check that fails counts as newly failing: from the office's side it is a new
    problem to follow up.
    """
    if now == "fail" and before != "fail":
        return "newly-failing"
    if before == "fail" and now != "fail":
        return "recovered"
    return ""


def _count(month: str, results: Iterable[SiteResult]) -> MonthCounts:
    counts: dict[str, dict[str, int]] = {key: dict.fromkeys(STATUSES, 0) for key in SUMMARY_KEYS}
    total = 0
    for r in results:
        total += 1
        for key, status in _statuses(r).items():
            counts[key][status] += 1
    return MonthCounts(month, counts, total)


# -- building -------------------------------------------------------------------------------


def finished_run(store: Store, month: str) -> Run:
    """The newest finished crawl of ``month``, or a :class:`ReportError` saying what to do."""
    run = store.latest_run_for_month(month)
    if run is None:
        months = store.months()
        have = ", ".join(months) if months else "none yet"
        raise ReportError(
            f"no finished crawl for {month} in {store.path} (months with a finished crawl: {have});"
            " run `alliance crawl` first, or `alliance crawl --resume` to finish an interrupted one"
        )
    return run


@dataclass(frozen=True, slots=True)
class MonthResults:
    """A month's results: every finished run of the month, newest result per alliance.

    Why merge: after a fix the office re-checks a few sites (``alliance crawl --only ...``);
    that small run must update those alliances, not replace the month.
    """

    runs: tuple[Run, ...]  # finished runs of the month, oldest first
    results: tuple[SiteResult, ...]  # by slug
    run_of: Mapping[str, int]  # slug -> run the result comes from


def merged_month(store: Store, month: str) -> MonthResults | None:
    """The month's merged results, or None if it has no finished run."""
    runs = tuple(r for r in store.runs() if r.month == month and r.finished)
    if not runs:
        return None
    merged: dict[str, tuple[int, SiteResult]] = {}
    for run in runs:
        for result in store.results(run.id):
            merged[result.slug] = (run.id, result)
    slugs = sorted(merged)
    return MonthResults(
        runs=runs,
        results=tuple(merged[s][1] for s in slugs),
        run_of={s: merged[s][0] for s in slugs},
    )


def month_results(store: Store, months: Sequence[str]) -> dict[str, list[SiteResult]]:
    """Merged results of each month (months without a finished run are left out)."""
    out: dict[str, list[SiteResult]] = {}
    for m in months:
        merged = merged_month(store, m)
        if merged is not None:
            out[m] = list(merged.results)
    return out


def default_next_check(month: str) -> date | None:
    """When the default monthly schedule next checks after ``month`` (for the page and e-mails)."""
    from monitor.config import ScheduleSettings
    from monitor.schedule.calendar import next_check_after_month

    return next_check_after_month(ScheduleSettings(), month)


def _screenshots(store: Store, month: MonthResults) -> dict[str, Screenshot]:
    """The screenshot of each alliance's shown result: from the run that result comes from, so a
    later re-check without ``--screenshots`` never shows an older run's picture."""
    out: dict[str, Screenshot] = {}
    for run_id in sorted(set(month.run_of.values())):
        for slug, (url, header) in store.screenshot_headers(run_id, PNG_HEADER_BYTES).items():
            size = png_size(header)
            if month.run_of.get(slug) != run_id or size is None or not _SLUG_RE.match(slug):
                continue
            out[slug] = Screenshot(run_id, f"{SCREENSHOT_DIR}/{slug}.png", url, *size)
    return out


def build_month_report(
    store: Store,
    month: str,
    *,
    alliances: Mapping[str, Alliance] | None = None,
    next_check: date | None = None,
) -> MonthReport:
    """Collect one month's report data from the database (no files written)."""
    finished_run(store, check_month(month))
    this_month = merged_month(store, month)
    assert this_month is not None
    run = this_month.runs[-1]
    earlier = [m for m in store.months() if m < month][-(HISTORY_MONTHS - 1) :]
    by_month = month_results(store, earlier)
    current = list(this_month.results)
    by_month[month] = current
    months = sorted(by_month)
    previous_month = earlier[-1] if earlier else None
    previous = {r.slug: r.overall for r in by_month.get(previous_month or "", [])}
    history: dict[str, list[HistoryPoint]] = {}
    for m in months:
        for r in by_month[m]:
            history.setdefault(r.slug, []).append(HistoryPoint(m, _statuses(r)))

    alliances = alliances or {}
    shots = _screenshots(store, this_month)
    rows: list[ReportRow] = []
    snapshots: dict[str, bytes] = {}
    snapshot_urls: dict[str, str] = {}
    for r in current:
        profile = alliances.get(r.slug)
        snap = store.snapshot(this_month.run_of[r.slug], r.slug)
        if snap is not None:
            snapshot_urls[r.slug], snapshots[r.slug] = snap
        before = previous.get(r.slug)
        rows.append(
            ReportRow(
                slug=r.slug,
                name=r.name or (profile.name if profile else "") or r.slug,
                name_en=profile.name_en if profile else "",
                url=r.url,
                final_url=r.final_url,
                overall=r.overall,
                checks={name: check_view(r, name) for name in CHECKS},
                result=r,
                previous_overall=before,
                change=_change(r.overall, before),
                history=tuple(history.get(r.slug, ())),
                snapshot=f"{SNAPSHOT_DIR}/{r.slug}.txt" if snap is not None else None,
                screenshot=shots.get(r.slug),
            )
        )
    rows.sort(key=lambda row: row.slug)
    return MonthReport(
        month=month,
        run=run,
        today=run.today,
        rows=rows,
        trend=[_count(m, by_month[m]) for m in months],
        previous_month=previous_month,
        next_check=next_check if next_check is not None else default_next_check(month),
        snapshots=snapshots,
        snapshot_urls=snapshot_urls,
        run_ids=tuple(r.id for r in this_month.runs),
    )


# -- CSV ------------------------------------------------------------------------------------

#: (header, value) columns of report.csv and the XLSX alliance sheet, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("月份 Month", "month"),
    ("代號 Slug", "slug"),
    ("聯盟 Alliance", "name"),
    ("英文名稱 English name", "name_en"),
    ("網址 URL", "url"),
    ("最終網址 Final URL", "final_url"),
    ("總結 Overall", "overall"),
    ("變化 Change", "change"),
    ("網站開啟 Loads", "loads"),
    ("開啟說明 Loads reason", "loads_reason"),
    ("HTTP", "http"),
    ("轉址 Redirects", "redirects"),
    ("TLS", "tls"),
    ("補助標示 Credit", "credit"),
    ("標示證據 Credit evidence", "credit_evidence"),
    ("標示位置 Credit where", "credit_where"),
    ("定期更新 Updates", "updates"),
    ("最新日期 Latest date", "latest_date"),
    ("日期原文 As written", "as_written"),
    ("日期來源 Date source", "date_source"),
    ("天數 Days old", "age_days"),
    ("更新說明 Updates evidence", "updates_evidence"),
    ("首頁截圖 Screenshot", "screenshot"),
)

CHANGE_LABELS: dict[str, str] = {
    "newly-failing": "新增未通過 newly failing",
    "recovered": "已改善 recovered",
    "": "",
}


def _join(*parts: str) -> str:
    return " | ".join(p for p in parts if p)


def row_values(report: MonthReport, row: ReportRow) -> dict[str, str]:
    """One alliance as flat text values keyed like :data:`COLUMNS`."""
    loads, credit, updates = (row.checks[c] for c in CHECKS)
    return {
        "month": report.month,
        "slug": row.slug,
        "name": row.name,
        "name_en": row.name_en,
        "url": row.url,
        "final_url": row.final_url or "",
        "overall": row.overall,
        "change": CHANGE_LABELS[row.change],
        "loads": loads.status,
        "loads_reason": _join(loads.reason, loads.evidence),
        "http": loads.fact("http"),
        "redirects": loads.fact("redirects"),
        "tls": loads.fact("tls"),
        "credit": credit.status,
        "credit_evidence": _join(credit.reason, credit.evidence),
        "credit_where": credit.fact("where"),
        "updates": updates.status,
        "latest_date": updates.fact("latest_date"),
        "as_written": updates.fact("as_written"),
        "date_source": updates.fact("source"),
        "age_days": updates.fact("age_days"),
        "updates_evidence": _join(updates.reason, updates.evidence),
        "screenshot": row.screenshot.path if row.screenshot else "",
    }


def safe_cell(value: str) -> str:
    """Text that a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(report: MonthReport) -> bytes:
    """report.csv: UTF-8 with BOM (Excel needs it for Chinese), CRLF rows, one alliance a row."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([h for h, _ in COLUMNS])
    for row in report.rows:
        values = row_values(report, row)
        writer.writerow([safe_cell(values[key]) for _, key in COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


# -- JSON -----------------------------------------------------------------------------------


def render_json(report: MonthReport) -> bytes:
    """report.json: the DESIGN.md crawl shape, plus the month's summary and changes."""
    data = {
        "today": report.today,
        "month": report.month,
        "run_id": report.run.id,
        "run_ids": list(report.run_ids),
        "finished_at": report.run.finished_at,
        "next_check": report.next_check.isoformat() if report.next_check else None,
        "summary": {"total": report.summary.total, **report.summary.counts},
        "changes": {
            "previous_month": report.previous_month,
            "newly_failing": [r.slug for r in report.newly_failing],
            "recovered": [r.slug for r in report.recovered],
        },
        "alliances": [
            {**r.result.to_json(), "screenshot_file": r.screenshot.path if r.screenshot else None}
            for r in report.rows
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- XLSX -----------------------------------------------------------------------------------

#: Fill and font colours of status cells (same palette as the HTML page).
XLSX_COLOURS: dict[str, tuple[str, str]] = {
    "pass": ("DCF3E0", "14532D"),
    "warn": ("FFF1C2", "6B4800"),
    "fail": ("FBD5D5", "7F1D1D"),
}


def _deterministic_zip(data: bytes) -> bytes:
    """Re-pack a ZIP with fixed member times so the same workbook gives the same bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def _workbook_time(run: Run) -> datetime:
    stamp = run.finished_at or run.started_at
    return datetime.fromisoformat(stamp).replace(tzinfo=None)


def render_xlsx(report: MonthReport) -> bytes:
    """report.xlsx: a summary sheet and one row per alliance with coloured statuses."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    bold = Font(bold=True)
    fills = {s: PatternFill("solid", fgColor=bg) for s, (bg, _) in XLSX_COLOURS.items()}
    fonts = {s: Font(color=fg, bold=True) for s, (_, fg) in XLSX_COLOURS.items()}

    def put(ws: Any, row: int, col: int, value: Any) -> Any:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            # Assign as explicit text: openpyxl would otherwise store "=..." as a formula.
            cell.value = value
            cell.data_type = "s"
        else:
            cell.value = value
        return cell

    def colour(cell: Any, status: str) -> None:
        if status in fills:
            cell.fill = fills[status]
            cell.font = fonts[status]

    summary = wb.active
    summary.title = "摘要 Summary"
    put(summary, 1, 1, f"產學小聯盟網站檢查 Alliance website check {report.month}").font = Font(
        bold=True, size=14
    )
    put(summary, 2, 1, "檢查基準日 Reference date")
    put(summary, 2, 2, report.today)
    put(summary, 3, 1, "受檢聯盟 Alliances checked")
    put(summary, 3, 2, report.summary.total)
    put(summary, 4, 1, "下次檢查 Next check")
    put(summary, 4, 2, report.next_check.isoformat() if report.next_check else "")
    header = 6
    put(summary, header, 1, "項目 Check").font = bold
    for col, status in enumerate(STATUSES, start=2):
        colour(put(summary, header, col, " ".join(STATUS_LABELS[status])), status)
    for i, key in enumerate(SUMMARY_KEYS, start=header + 1):
        put(summary, i, 1, " ".join(CHECK_LABELS[key]))
        for col, status in enumerate(STATUSES, start=2):
            put(summary, i, col, report.summary.counts[key][status])
    line = header + len(SUMMARY_KEYS) + 2
    put(summary, line, 1, f"與上月比較 Compared with {report.previous_month or '—'}").font = bold
    for label, rows in (
        ("新增未通過 Newly failing", report.newly_failing),
        ("已改善 Recovered", report.recovered),
    ):
        line += 1
        put(summary, line, 1, label)
        put(summary, line, 2, len(rows))
        put(summary, line, 3, ", ".join(f"{r.name} ({r.slug})" for r in rows))
    summary.column_dimensions["A"].width = 34
    for letter in "BCD":
        summary.column_dimensions[letter].width = 16

    sheet = wb.create_sheet("聯盟 Alliances")
    status_columns = {"overall", "loads", "credit", "updates"}
    for col, (title, _) in enumerate(COLUMNS, start=1):
        cell = put(sheet, 1, col, title)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(report.rows, start=2):
        values = row_values(report, row)
        for col, (_, key) in enumerate(COLUMNS, start=1):
            value: Any = values[key]
            if key == "age_days" and value.lstrip("-").isdigit():
                value = int(value)
            cell = put(sheet, i, col, value)
            cell.alignment = wrap
            if key in status_columns:
                colour(cell, values[key])
    widths = {"name": 28, "name_en": 28, "url": 30, "final_url": 30, "loads_reason": 40}
    widths |= {"credit_evidence": 40, "updates_evidence": 36, "redirects": 36, "date_source": 30}
    widths |= {"screenshot": 26}
    for col, (_, key) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = widths.get(key, 12)
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(report.rows) + 1)}"

    history = wb.create_sheet("歷史 History")
    months = [c.month for c in report.trend]
    put(history, 1, 1, "代號 Slug").font = bold
    put(history, 1, 2, "聯盟 Alliance").font = bold
    for col, m in enumerate(months, start=3):
        put(history, 1, col, m).font = bold
    for i, row in enumerate(report.rows, start=2):
        put(history, i, 1, row.slug)
        put(history, i, 2, row.name)
        by_month: dict[str, str] = {p.month: p.statuses["overall"] for p in row.history}
        for col, m in enumerate(months, start=3):
            seen = by_month.get(m, "")
            colour(put(history, i, col, seen), seen)
    history.column_dimensions["B"].width = 28

    when = _workbook_time(report.run)
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.creator = "alliance monitor"
    wb.properties.title = f"Alliance website check {report.month}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter directly: save_workbook() would stamp "modified" with the current time.
        ExcelWriter(wb, archive).save()
    return _deterministic_zip(buf.getvalue())


# -- snapshots ------------------------------------------------------------------------------


def decode_snapshot(body: bytes) -> str:
    """Homepage bytes as text, with the crawler's charset rules when its module is installed."""
    try:
        from monitor.rules.page_text import decode_html

        return str(decode_html(body, None)[0])
    except Exception:  # the judges' module is optional here; a snapshot never fails a report
        from bs4 import UnicodeDammit

        dammit = UnicodeDammit(body, ["utf-8", "cp950"])
        return dammit.unicode_markup or body.decode("utf-8", "replace")


def render_snapshot(report: MonthReport, slug: str) -> bytes:
    """A stored homepage as a .txt file (UTF-8 with BOM): readable source, never executed."""
    header = (
        f"# 首頁快照 Homepage snapshot: {slug}\n"
        f"# 網址 URL: {report.snapshot_urls.get(slug, '')}\n"
        f"# 檢查月份 Month: {report.month} (run {report.run.id}, reference date {report.today})\n"
        "# 這是網站原始碼的純文字副本 This is the page source saved as plain text.\n\n"
    )
    return (header + decode_snapshot(report.snapshots[slug])).encode("utf-8-sig")


# -- writing --------------------------------------------------------------------------------


def load_alliances(content_dir: Path | None) -> dict[str, Alliance]:
    """Profiles by slug for names and contacts; an unreadable registry just gives no extras."""
    if content_dir is None:
        return {}
    from alliance_portal.registry.profiles import load_registry

    return load_registry(content_dir, None).by_slug()


def write_month_reports(
    store: Store,
    month: str,
    reports_dir: Path,
    *,
    alliances: Mapping[str, Alliance] | None = None,
    next_check: date | None = None,
) -> Path:
    """Write every report file of ``month`` into ``reports_dir/<month>/`` and return that folder.

    The low-level writer: names and contacts come only from ``alliances`` and the next check
    defaults to the default schedule. Commands use
    :func:`alliance_portal.commands.reports.write_month_with_registry`, which passes the registry and the
    configured schedule.
    """
    report = build_month_report(store, month, alliances=alliances, next_check=next_check)
    return write_report_files(store, report, reports_dir)


def write_report_files(store: Store, report: MonthReport, reports_dir: Path) -> Path:
    """Write the files of a built ``report`` into ``reports_dir/<month>/`` and return that folder.

    Each file is written atomically; the month list ``reports_dir/index.html`` is refreshed.
    Screenshots are read from ``store`` one at a time, and a screenshot file no row shows any
    more (its alliance was re-checked without one) is removed, so the folder holds only the
    pictures of the results on the page.
    """
    from monitor.reports.html import render_index, render_month_list

    folder = Path(reports_dir) / report.month
    atomic_write(folder / INDEX_FILE, render_index(report).encode("utf-8"))
    atomic_write(folder / CSV_FILE, render_csv(report))
    atomic_write(folder / XLSX_FILE, render_xlsx(report))
    atomic_write(folder / JSON_FILE, render_json(report))
    for slug in sorted(report.snapshots):
        atomic_write(folder / SNAPSHOT_DIR / f"{slug}.txt", render_snapshot(report, slug))
    write_screenshots(store, report, folder)
    months = sorted(
        p.name
        for p in Path(reports_dir).iterdir()
        if _MONTH_RE.match(p.name) and (p / INDEX_FILE).is_file()
    )
    atomic_write(Path(reports_dir) / INDEX_FILE, render_month_list(months).encode("utf-8"))
    return folder


def write_screenshots(store: Store, report: MonthReport, folder: Path) -> list[Path]:
    """``folder/screenshots/<slug>.png`` for every row with a screenshot (the stored PNG as is)."""
    written: list[Path] = []
    for row in report.rows:
        shot = row.screenshot
        if shot is None:
            continue
        stored = store.screenshot(shot.run_id, row.slug)
        if stored is None:  # deleted since the report was built
            continue
        path = folder / shot.path
        atomic_write(path, stored[1])
        written.append(path)
    shots_dir = folder / SCREENSHOT_DIR
    if shots_dir.is_dir():
        keep = {p.name for p in written}
        for old in shots_dir.glob("*.png"):
            if old.name not in keep and _SLUG_RE.match(old.stem):
                old.unlink()
    return written

"""The report page ``index.html``: Jinja2 with autoescape, inline CSS/JS/SVG, no CDN.

Why everything inline: the office opens the file from a shared folder or an intranet server,
often offline, and prints it. Why a hash-based Content-Security-Policy: evidence text comes from
alliance homepages (anyone on the internet can write it). Autoescape keeps it text; the policy is
the second wall — even an escaping mistake could not run a script, because only our own inline
script and style, identified by their SHA-256, may run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import SHOWN_STATUS_WORDS, STATUSES, outline_boxes
from monitor.reports.guidance import fix_line, notice_file, taipei_time
from monitor.reports.labels import (
    CHANGE_LABELS,
    CHECK_LABELS,
    CHECKS,
    CSV_FILE,
    EVIDENCE_LABELS,
    INDEX_FILE,
    JSON_FILE,
    STATUS_LABELS,
    SUMMARY_KEYS,
    XLSX_FILE,
)
from monitor.reports.view import MonthReport, ReportRow, link_or_none

#: Evidence longer than this is cut on the page (the CSV, XLSX and JSON keep all of it).
EVIDENCE_CHARS = 240

#: Trend chart geometry (SVG user units).
CHART_WIDTH = 300
CHART_HEIGHT = 168
PLOT_LEFT = 34
PLOT_RIGHT = 292
PLOT_TOP = 10
PLOT_BOTTOM = 132

_RANK = {"pass": 0, "warn": 1, "fail": 2}
_ICONS = {"pass": "✓", "warn": "!", "fail": "✗", "not-checked": "–"}
#: The labels of what a cell shows: the statuses, and a check that could not run (grey).
_SHOWN_LABELS = SHOWN_STATUS_WORDS


@dataclass(frozen=True, slots=True)
class Segment:
    status: str
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Bar:
    month: str
    label: str
    x: float
    width: float
    segments: tuple[Segment, ...]
    title: str
    pass_pct: int


@dataclass(frozen=True, slots=True)
class Panel:
    """One small stacked-bar chart: a check's pass/warn/fail share month by month."""

    key: str
    label: Bilingual
    bars: tuple[Bar, ...]
    latest_pass_pct: int


def _pct(part: int, total: int) -> int:
    return round(100 * part / total) if total else 0


def chart_panels(report: MonthReport) -> list[Panel]:
    """Geometry of the trend chart: one panel per check (and overall), one bar per month."""
    n = len(report.trend)
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(n, 1)
    width = min(36.0, slot * 0.7)
    plot_h = PLOT_BOTTOM - PLOT_TOP
    panels = []
    for key in SUMMARY_KEYS:
        bars = []
        for i, month in enumerate(report.trend):
            counts = month.counts[key]
            checked = month.checked(key)  # sites that could not be checked are left out
            total = checked or 1
            y = float(PLOT_BOTTOM)
            segments = []
            for status in STATUSES:  # pass at the bottom, fail on top
                h = plot_h * counts[status] / total
                y -= h
                if h > 0:
                    segments.append(Segment(status, round(y, 2), round(h, 2)))
            year, mon = month.month.split("-")
            label = f"{year[2:]}/{mon}" if (i == 0 or mon == "01") else mon
            title = f"{month.month}: " + " · ".join(
                f"{STATUS_LABELS[s].zh} {s} {counts[s]}" for s in STATUSES
            )
            if month.not_checked.get(key):
                title += f" · {_SHOWN_LABELS['not-checked'].joined(' ')} {month.not_checked[key]}"
            bars.append(
                Bar(
                    month=month.month,
                    label=label,
                    x=round(PLOT_LEFT + slot * i + (slot - width) / 2, 2),
                    width=round(width, 2),
                    segments=tuple(segments),
                    title=title,
                    pass_pct=_pct(counts["pass"], checked),
                )
            )
        check_label = CHECK_LABELS[key]
        panels.append(Panel(key, check_label, tuple(bars), bars[-1].pass_pct if bars else 0))
    return panels


def clip(text: str, limit: int = EVIDENCE_CHARS) -> str:
    """Evidence shortened for the page, marked with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sort_key(row: ReportRow, key: str) -> str:
    """A string the inline script sorts by (worst first when sorted descending)."""
    if key == "name":
        return row.slug
    status = row.overall if key == "overall" else row.checks[key].status
    extra = ""
    if key == "updates":
        extra = row.checks["updates"].fact("latest_date") or "0000-00-00"
        # older date = worse, so invert it within the same status
        extra = "".join(chr(ord("9") - int(c) + ord("0")) if c.isdigit() else c for c in extra)
    return f"{_RANK[status]}{extra}"


def by_severity(rows: list[ReportRow]) -> list[ReportRow]:
    """Rows worst first (fail, warn, pass), then by slug: the page's order without JS."""
    return sorted(rows, key=lambda row: (-_RANK[row.overall], row.slug))


def failing(row: ReportRow) -> list[Bilingual]:
    """The labels of the checks that fail; only "site opens" when the site is down
    (the other checks then fail only because nothing could be read)."""
    if row.checks["loads"].status == "fail":
        return [CHECK_LABELS["loads"]]
    return [CHECK_LABELS[c] for c in CHECKS if row.checks[c].status == "fail"]


def repeats_loads(row: ReportRow, check: str) -> bool:
    """True for the credit/updates evidence of a site that did not load: it only repeats why
    the site did not open, which the "site opens" cell already shows."""
    if check == "loads" or row.checks["loads"].status != "fail":
        return False
    loads = row.checks["loads"]
    return row.checks[check].evidence.strip() in {loads.reason.strip(), loads.evidence.strip()}


def search_text(row: ReportRow) -> str:
    parts = [row.slug, row.name, row.name_en, row.url, row.final_url or ""]
    for view in row.checks.values():
        parts += [view.reason, view.evidence]
    return " ".join(" ".join(parts).lower().split())


def _csp_hash(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


@cache
def _asset(name: str) -> str:
    return resources.files("monitor.reports.templates").joinpath(name).read_text(encoding="utf-8")


def outline_of(row: ReportRow) -> dict[str, tuple[int, int, int, int]]:
    """The evidence boxes of a row's picture (monitor/homepage_picture.py) that fit it."""
    shot = row.screenshot
    if shot is None:
        return {}
    return outline_boxes(row.result.extra.get("outline"), shot.width, shot.height)


def _environment() -> Environment:
    env = Environment(
        # the report's macros (evidence.html) are read from the same package as its pages
        loader=FunctionLoader(lambda name: _asset(name)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["clip"] = clip
    env.filters["taipei"] = taipei_time
    env.globals.update(
        STATUSES=STATUSES,
        STATUS_LABELS=STATUS_LABELS,
        CHECK_LABELS=CHECK_LABELS,
        EVIDENCE_LABELS=EVIDENCE_LABELS,
        outline_of=outline_of,
        CHECKS=CHECKS,
        SUMMARY_KEYS=SUMMARY_KEYS,
        CHANGE_LABELS=CHANGE_LABELS,
        ICONS=_ICONS,
        SHOWN_LABELS=_SHOWN_LABELS,
        link=link_or_none,
        sort_key=sort_key,
        search_text=search_text,
        failing=failing,
        repeats_loads=repeats_loads,
        fix_line=fix_line,
        notice_file=notice_file,
        pct=_pct,
        chart=dict(
            width=CHART_WIDTH,
            height=CHART_HEIGHT,
            left=PLOT_LEFT,
            right=PLOT_RIGHT,
            top=PLOT_TOP,
            bottom=PLOT_BOTTOM,
        ),
    )
    return env


def _page_context(css: str, js: str) -> dict[str, Any]:
    script = _csp_hash(js) if js else "'none'"
    csp = (
        "default-src 'none'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        f"style-src {_csp_hash(css)}; script-src {script}"
    )
    return {"css": css, "js": js, "csp": csp}


def render_index(report: MonthReport) -> str:
    """The month's ``index.html``."""
    css, js = _asset("report.css"), _asset("report.js")
    template = _environment().from_string(_asset("report.html"))
    return template.render(
        r=report,
        rows=by_severity(report.rows),
        panels=chart_panels(report),
        files={"csv": CSV_FILE, "xlsx": XLSX_FILE, "json": JSON_FILE, "index": INDEX_FILE},
        **_page_context(css, js),
    )


def render_month_list(months: list[str]) -> str:
    """``reports/index.html``: links to every month's report, newest first."""
    css = _asset("report.css")
    template = _environment().from_string(_asset("months.html"))
    return template.render(
        months=sorted(months, reverse=True), index=INDEX_FILE, **_page_context(css, "")
    )

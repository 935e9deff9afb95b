"""One month's report data, built from the monitor database (no files written here).

One month's report is a pure function of the database: each alliance's newest result among the
month's finished crawls (so a later ``alliance crawl --only SLUG`` re-check updates that alliance
without replacing the month; the row says it came from a re-check, when it was judged, and keeps
the results it replaced, with their times), plus the same for up to :data:`HISTORY_MONTHS` earlier months
(trend chart, per-alliance history, month-over-month changes). Unfinished crawls never count.
Nothing in the output depends on the clock or on the machine, so rebuilding a month
(``alliance report --month YYYY-MM``) gives byte-identical files, and the office can diff two
builds or keep them in git. The records are in :mod:`monitor.reports.view`; the files are
written by :mod:`monitor.reports.files`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.png_structure import read_header
from alliance_portal.registry.profiles import Alliance, load_registry
from alliance_portal.registry.report_contract import (
    MONTH_RE,
    STATUSES,
    screenshot_name,
    snapshot_name,
)
from alliance_portal.registry.settings import ScheduleSettings
from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES, SLUG_PATTERN, Industry
from monitor.model import SiteResult, Status
from monitor.reports.labels import CHECKS, SUMMARY_KEYS
from monitor.reports.view import (
    Change,
    EarlierResult,
    HistoryPoint,
    MonthCounts,
    MonthReport,
    ReportRow,
    Screenshot,
    check_view,
    not_checked,
)
from monitor.schedule.calendar import next_check_after_month
from monitor.store import Run, Store, StoredResult

#: Months shown in the trend chart and in each alliance's history (the report month included).
HISTORY_MONTHS = 12
#: Bytes to read of a stored PNG to know its size: signature and the whole IHDR chunk.
PNG_HEADER_BYTES = 33
#: Slugs safe to use as a file name (the registry's rule); anything else is never written.
SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")


class ReportError(UsageError):
    """A report cannot be built (for example no finished crawl for the month)."""


def check_month(text: str) -> str:
    """``text`` if it is a month written YYYY-MM, else a :class:`ReportError` saying so."""
    if not MONTH_RE.match(text):
        raise ReportError(f"month {text!r} is not written YYYY-MM (for example 2026-05)")
    return text


def png_size(header: bytes) -> tuple[int, int] | None:
    """(width, height) of a stored screenshot from its first :data:`PNG_HEADER_BYTES`, read by
    the registry's PNG reader; None when the bytes are not a PNG."""
    found = read_header(header)
    return (found.width, found.height) if found is not None else None


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
    left_out: dict[str, int] = dict.fromkeys(CHECKS, 0)
    total = 0
    for r in results:
        total += 1
        for key, status in _statuses(r).items():
            if not_checked(r, key):
                left_out[key] += 1
            else:
                counts[key][status] += 1
    return MonthCounts(month, counts, total, left_out)


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
    #: slug -> the shown result as stored (its run's kind and its time)
    shown: Mapping[str, StoredResult] = field(default_factory=dict)
    #: slug -> the month's earlier results the shown one replaced, oldest first
    earlier: Mapping[str, tuple[StoredResult, ...]] = field(default_factory=dict)


def merged_month(store: Store, month: str) -> MonthResults | None:
    """The month's merged results, or None if it has no finished run."""
    runs = tuple(r for r in store.runs() if r.month == month and r.finished)
    if not runs:
        return None
    every: dict[str, list[StoredResult]] = {}
    for stored in store.month_results(month):  # oldest run first
        every.setdefault(stored.result.slug, []).append(stored)
    slugs = sorted(every)
    return MonthResults(
        runs=runs,
        results=tuple(every[s][-1].result for s in slugs),
        run_of={s: every[s][-1].run_id for s in slugs},
        shown={s: every[s][-1] for s in slugs},
        earlier={s: tuple(every[s][:-1]) for s in slugs},
    )


def _earlier(stored: Sequence[StoredResult]) -> tuple[EarlierResult, ...]:
    return tuple(
        EarlierResult(s.judged_at, s.recheck, s.run_id, _statuses(s.result)) for s in stored
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
    return next_check_after_month(ScheduleSettings(), month)


def _screenshots(store: Store, month: MonthResults) -> dict[str, Screenshot]:
    """The screenshot of each alliance's shown result: from the run that result comes from, so a
    later re-check without ``--screenshots`` never shows an older run's picture."""
    out: dict[str, Screenshot] = {}
    for run_id in sorted(set(month.run_of.values())):
        for slug, (url, header) in store.screenshot_headers(run_id, PNG_HEADER_BYTES).items():
            size = png_size(header)
            if month.run_of.get(slug) != run_id or size is None or not SLUG_RE.match(slug):
                continue
            out[slug] = Screenshot(run_id, screenshot_name(slug), url, *size)
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
            skipped = frozenset(c for c in CHECKS if not_checked(r, c))
            history.setdefault(r.slug, []).append(HistoryPoint(m, _statuses(r), skipped))

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
                snapshot=snapshot_name(r.slug) if snap is not None else None,
                screenshot=shots.get(r.slug),
                recheck=this_month.shown[r.slug].recheck,
                checked_at=this_month.shown[r.slug].judged_at,
                earlier=_earlier(this_month.earlier.get(r.slug, ())),
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


def load_alliances(
    content_dir: Path | None, industries: Iterable[Industry] = DEFAULT_INDUSTRIES
) -> dict[str, Alliance]:
    """Profiles by slug for names and contacts; an unreadable registry just gives no extras.

    ``industries`` are the office's: with the built-in list, an alliance in an industry the
    office added would have no name and no contact in the report and get no notice.
    """
    if content_dir is None:
        return {}
    return load_registry(content_dir, None, industries=industries).by_slug()

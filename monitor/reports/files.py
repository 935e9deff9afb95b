"""Writing a month's report files into ``reports/<YYYY-MM>/``, each atomically.

- ``index.html``  the page the office reads and prints (:mod:`monitor.reports.html`);
- ``report.csv``, ``report.xlsx`` (:mod:`monitor.reports.sheets`);
- ``report.json`` the crawl's shape (:mod:`monitor.model`) (``today`` + ``alliances``) plus ``month``, ``summary``
  and ``changes``; every check has its ``code``;
- ``snapshots/<slug>.txt`` the stored homepage source as plain text, so opening it never runs
  the site's scripts;
- ``screenshots/<slug>.png`` the homepage as the crawl's browser showed it (``alliance crawl
  --screenshots``), shown as a thumbnail in the alliance's row;
- ``reports/index.html`` the list of months.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.profiles import Alliance
from alliance_portal.registry.report_contract import snapshot_name
from monitor.reports.html import render_index, render_month_list
from monitor.reports.labels import (
    CSV_FILE,
    INDEX_FILE,
    JSON_FILE,
    SCREENSHOT_DIR,
    XLSX_FILE,
)
from monitor.reports.month import MONTH_RE, SLUG_RE, build_month_report
from monitor.reports.sheets import render_csv, render_xlsx
from monitor.reports.view import MonthReport
from monitor.rules.page_text import decode_html
from monitor.store import Store


def render_json(report: MonthReport) -> bytes:
    """report.json: the crawl's shape (:mod:`monitor.model`), plus the month's summary and changes."""
    data = {
        "today": report.today,
        "month": report.month,
        "run_id": report.run.id,
        "run_ids": list(report.run_ids),
        "finished_at": report.run.finished_at,
        "next_check": report.next_check.isoformat() if report.next_check else None,
        "summary": {
            "total": report.summary.total,
            **report.summary.counts,
            "not_checked": dict(report.summary.not_checked),
        },
        "changes": {
            "previous_month": report.previous_month,
            "newly_failing": [r.slug for r in report.newly_failing],
            "recovered": [r.slug for r in report.recovered],
        },
        "alliances": [
            {
                **r.result.to_json(),
                "screenshot_file": r.screenshot.path if r.screenshot else None,
                "recheck": r.recheck,
                "checked_at": r.checked_at,
                "earlier": [
                    {"checked_at": e.checked_at, "recheck": e.recheck, **e.statuses}
                    for e in r.earlier
                ],
            }
            for r in report.rows
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def decode_snapshot(body: bytes) -> str:
    """Homepage bytes as text, with the crawler's own charset rules."""
    return str(decode_html(body, None)[0])


def render_snapshot(report: MonthReport, slug: str) -> bytes:
    """A stored homepage as a .txt file (UTF-8 with BOM): readable source, never executed."""
    header = (
        f"# 首頁快照 Homepage snapshot: {slug}\n"
        f"# 網址 URL: {report.snapshot_urls.get(slug, '')}\n"
        f"# 檢查月份 Month: {report.month} (run {report.run.id}, reference date {report.today})\n"
        "# 這是網站原始碼的純文字副本 This is the page source saved as plain text.\n\n"
    )
    return (header + decode_snapshot(report.snapshots[slug])).encode("utf-8-sig")


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
    folder = Path(reports_dir) / report.month
    atomic_write(folder / INDEX_FILE, render_index(report).encode("utf-8"))
    atomic_write(folder / CSV_FILE, render_csv(report))
    atomic_write(folder / XLSX_FILE, render_xlsx(report))
    atomic_write(folder / JSON_FILE, render_json(report))
    for slug in sorted(report.snapshots):
        atomic_write(folder / snapshot_name(slug), render_snapshot(report, slug))
    write_screenshots(store, report, folder)
    months = sorted(
        p.name
        for p in Path(reports_dir).iterdir()
        if MONTH_RE.match(p.name) and (p / INDEX_FILE).is_file()
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
            if old.name not in keep and SLUG_RE.match(old.stem):
                old.unlink()
    return written

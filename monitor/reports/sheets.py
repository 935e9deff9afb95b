"""``report.csv`` and ``report.xlsx``: one row per alliance, the same columns in both.

Evidence comes from the internet: no cell ever starts with a formula character, and XLSX text is
stored as text, so a hostile homepage cannot run anything in the office's Excel. The workbook is
byte-identical for the same data (fixed ZIP times, creation time = the crawl's).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import STATUSES
from monitor.reports.labels import CHANGE_LABELS, CHECK_LABELS, CHECKS, STATUS_LABELS, SUMMARY_KEYS
from monitor.reports.view import MonthReport, ReportRow
from monitor.store import Run

#: Characters that make Excel/LibreOffice read a cell as a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Fixed ZIP member time: XLSX files are ZIPs and would otherwise carry the build time.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


#: (header, value) columns of report.csv and the XLSX alliance sheet, in order; a header is
#: written as "中文 English" in one cell.
_SLUG = Bilingual("代號", "Slug")
_ALLIANCE = Bilingual("聯盟", "Alliance")
COLUMNS: tuple[tuple[Bilingual, str], ...] = (
    (Bilingual("月份", "Month"), "month"),
    (_SLUG, "slug"),
    (_ALLIANCE, "name"),
    (Bilingual("英文名稱", "English name"), "name_en"),
    (Bilingual("網址", "URL"), "url"),
    (Bilingual("最終網址", "Final URL"), "final_url"),
    (Bilingual("總結", "Overall"), "overall"),
    (Bilingual("變化", "Change"), "change"),
    (Bilingual("網站開啟", "Loads"), "loads"),
    (Bilingual("開啟說明", "Loads reason"), "loads_reason"),
    (Bilingual.same("HTTP"), "http"),
    (Bilingual("轉址", "Redirects"), "redirects"),
    (Bilingual.same("TLS"), "tls"),
    (Bilingual("補助標示", "Credit"), "credit"),
    (Bilingual("標示證據", "Credit evidence"), "credit_evidence"),
    (Bilingual("標示位置", "Credit where"), "credit_where"),
    (Bilingual("定期更新", "Updates"), "updates"),
    (Bilingual("最新日期", "Latest date"), "latest_date"),
    (Bilingual("日期原文", "As written"), "as_written"),
    (Bilingual("日期來源", "Date source"), "date_source"),
    (Bilingual("天數", "Days old"), "age_days"),
    (Bilingual("更新說明", "Updates evidence"), "updates_evidence"),
    (Bilingual("首頁截圖", "Screenshot"), "screenshot"),
)


#: The workbook's sheet names and the summary sheet's labels, each written "中文 English".
_SHEET_SUMMARY = Bilingual("摘要", "Summary")
_SHEET_ALLIANCES = Bilingual("聯盟", "Alliances")
_SHEET_HISTORY = Bilingual("歷史", "History")
_TITLE = Bilingual("產學小聯盟網站檢查", "Alliance website check")
_REFERENCE_DATE = Bilingual("檢查基準日", "Reference date")
_CHECKED = Bilingual("受檢聯盟", "Alliances checked")
_NEXT_CHECK = Bilingual("下次檢查", "Next check")
_CHECK = Bilingual("項目", "Check")
_COMPARED = Bilingual("與上月比較", "Compared with")
_NEWLY_FAILING = Bilingual("新增未通過", "Newly failing")
_RECOVERED = Bilingual("已改善", "Recovered")


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
        "change": CHANGE_LABELS[row.change].joined(" "),
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
    writer.writerow([h.joined(" ") for h, _ in COLUMNS])
    for row in report.rows:
        values = row_values(report, row)
        writer.writerow([safe_cell(values[key]) for _, key in COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


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
    summary.title = _SHEET_SUMMARY.joined(" ")
    put(summary, 1, 1, f"{_TITLE.joined(' ')} {report.month}").font = Font(bold=True, size=14)
    put(summary, 2, 1, _REFERENCE_DATE.joined(" "))
    put(summary, 2, 2, report.today)
    put(summary, 3, 1, _CHECKED.joined(" "))
    put(summary, 3, 2, report.summary.total)
    put(summary, 4, 1, _NEXT_CHECK.joined(" "))
    put(summary, 4, 2, report.next_check.isoformat() if report.next_check else "")
    header = 6
    put(summary, header, 1, _CHECK.joined(" ")).font = bold
    for col, status in enumerate(STATUSES, start=2):
        colour(put(summary, header, col, STATUS_LABELS[status].joined(" ")), status)
    for i, key in enumerate(SUMMARY_KEYS, start=header + 1):
        put(summary, i, 1, CHECK_LABELS[key].joined(" "))
        for col, status in enumerate(STATUSES, start=2):
            put(summary, i, col, report.summary.counts[key][status])
    line = header + len(SUMMARY_KEYS) + 2
    put(summary, line, 1, f"{_COMPARED.joined(' ')} {report.previous_month or '—'}").font = bold
    for label, rows in (
        (_NEWLY_FAILING, report.newly_failing),
        (_RECOVERED, report.recovered),
    ):
        line += 1
        put(summary, line, 1, label.joined(" "))
        put(summary, line, 2, len(rows))
        put(summary, line, 3, ", ".join(f"{r.name} ({r.slug})" for r in rows))
    summary.column_dimensions["A"].width = 34
    for letter in "BCD":
        summary.column_dimensions[letter].width = 16

    sheet = wb.create_sheet(_SHEET_ALLIANCES.joined(" "))
    status_columns = {"overall", "loads", "credit", "updates"}
    for col, (title, _) in enumerate(COLUMNS, start=1):
        cell = put(sheet, 1, col, title.joined(" "))
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

    history = wb.create_sheet(_SHEET_HISTORY.joined(" "))
    months = [c.month for c in report.trend]
    put(history, 1, 1, _SLUG.joined(" ")).font = bold
    put(history, 1, 2, _ALLIANCE.joined(" ")).font = bold
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

"""Reading the first rows of one sheet of an XLSX workbook with openpyxl: bounded, checked
for DTDs as openpyxl opens each part, and quiet.

Split from :mod:`alliance_portal.registry.spreadsheet` (which turns any spreadsheet into a
table and names its columns) because a workbook needs its own guards around openpyxl: the
parts check of :mod:`.sheet_limits` before openpyxl runs, the checked archive of
:mod:`.parsed_parts` while it runs, an untrusted declared dimension, a chart sheet as the
active tab, and openpyxl's exceptions and warnings kept from the office (its words go to
the log; see :func:`_unreadable_book`).
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Any

from alliance_portal.registry.parsed_parts import DtdCheckedArchive
from alliance_portal.registry.sheet_cells import is_blank
from alliance_portal.registry.sheet_limits import (
    MAX_COLUMNS,
    MAX_ROWS,
    ImportFileError,
    check_xlsx_parts,
    checked_size,
    too_many_rows,
)

log = logging.getLogger(__name__)


def _worksheet(book: Any, path: Path, sheet: str | None) -> Any:
    """The sheet to read: the one named, else the active tab, else the first worksheet.

    A chart sheet holds no cells: when it is the active tab (the book was saved showing its
    chart) the first worksheet is read instead, and naming one is refused with the sheets
    that do hold cells.
    """
    cells = [ws.title for ws in book.worksheets]
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise ImportFileError(
                f"{path}: no sheet named {sheet!r}; sheets: {', '.join(book.sheetnames)}",
                zh=f"{path}：沒有名為「{sheet}」的工作表；工作表有：{'、'.join(book.sheetnames)}",
            )
        if sheet not in cells:
            raise ImportFileError(
                f"{path}: sheet {sheet!r} is a chart and holds no cells; sheets with cells: "
                f"{', '.join(cells) or '(none)'}",
                zh=f"{path}：工作表「{sheet}」是圖表，沒有儲存格；有儲存格的工作表："
                f"{'、'.join(cells) or '（無）'}",
            )
        return book[sheet]
    active = book.active
    if active is not None and active.title in cells:
        return active
    if not cells and book.chartsheets:
        raise ImportFileError(
            f"{path}: the workbook has only chart sheets and no cells; save the alliances' "
            "table as .xlsx and import again",
            zh=f"{path}：活頁簿只有圖表工作表，沒有儲存格：請把聯盟清單存成 .xlsx 後再匯入",
        )
    if not cells:
        raise ImportFileError(
            f"{path}: the workbook lists no sheets (a damaged or unfinished file); open it in "
            "Excel and save it again as .xlsx",
            zh=f"{path}：活頁簿沒有列出任何工作表（檔案損壞或未存完）：請用 Excel 開啟後重新存成 .xlsx",
        )
    return book.worksheets[0]


def _unreadable_book(path: Path, exc: Exception) -> ImportFileError:
    """openpyxl could not read the workbook. Its own words (an exception from deep in its
    reader) tell the office nothing, so they go to the debug log (`alliance -v`), and the
    message says what to do."""
    log.debug("%s: openpyxl could not read the workbook: %s: %s", path, type(exc).__name__, exc)
    return ImportFileError(
        f"{path}: not a readable Excel workbook: it is damaged, or another program saved it in "
        "a form the import cannot read. Open it in Excel and save it again as .xlsx (File > "
        "Save As > Excel Workbook); if Excel cannot open it either, ask its sender for the "
        "file again",
        zh=f"{path}：無法讀取這個 Excel 活頁簿：檔案已損壞，或是其他程式存成了匯入無法讀取的格式。"
        "請用 Excel 開啟後另存為 .xlsx（檔案 > 另存新檔 > Excel 活頁簿）；若 Excel 也打不開，"
        "請向寄件人再要一次檔案",
    )


def read_xlsx(path: Path, sheet: str | None) -> list[tuple[int, list[Any]]]:
    """The first :data:`MAX_ROWS` rows of the sheet to read (``sheet``, else the active tab,
    else the first worksheet), each cut to :data:`MAX_COLUMNS` values."""
    checked_size(path)
    check_xlsx_parts(path)
    _quiet_openpyxl()
    return _read_book(path, sheet)


#: The filter that keeps openpyxl's warnings (about every part it skips: a data validation
#: extension, a workbook without a default style...) off stderr, where they are noise to the
#: office. As :func:`warnings.filterwarnings` stores it; openpyxl is used only by the import.
_QUIET_OPENPYXL = ("ignore", None, Warning, re.compile(r"openpyxl\."), 0)


def _quiet_openpyxl() -> None:
    """Add :data:`_QUIET_OPENPYXL` to the process's warning filters unless it is there.

    Not ``warnings.catch_warnings()`` around each read: that saves the whole process-wide
    list and puts it back on exit, so two imports in two console threads put back each other's
    lists, leaving an "ignore everything" filter behind for good. Adding one filter once never
    undoes another thread's; it is checked at each read in case something reset the list.
    """
    if _QUIET_OPENPYXL not in warnings.filters:
        warnings.filterwarnings("ignore", category=Warning, module=r"openpyxl\.")


def _open_book(archive: DtdCheckedArchive) -> Any:
    """The workbook, read by openpyxl through ``archive``, which refuses a part declaring a DTD
    as openpyxl opens it. openpyxl's ``load_workbook`` opens the zip itself, so its reader is
    built here and given the checked archive instead; external links are not followed (their
    cached copies of other workbooks are nothing the import reads)."""
    from openpyxl.reader.excel import ExcelReader  # only the import command needs openpyxl

    reader = ExcelReader(
        archive.path, read_only=True, keep_vba=False, data_only=True, keep_links=False
    )
    reader.archive.close()
    reader.archive = archive
    reader.read()
    return reader.wb


def _read_book(path: Path, sheet: str | None) -> list[tuple[int, list[Any]]]:
    """The first rows of the sheet to read."""
    archive: DtdCheckedArchive | None = None
    try:
        archive = DtdCheckedArchive(path)
        try:
            book = _open_book(archive)
        except Exception as exc:  # openpyxl wraps the refusal in its own ValueError
            raise archive.refusal or _unreadable_book(path, exc) from exc
        ws = _worksheet(book, path, sheet)
        # The declared dimension (A1:XFD1048576 in a hostile file) is not trusted: without it
        # and with explicit bounds, read-only mode pads nothing and stops after MAX_ROWS + 1.
        ws.reset_dimensions()
        records: list[tuple[int, list[Any]]] = []
        rows = ws.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
        for n, values in enumerate(rows, start=1):
            if n > MAX_ROWS:
                if any(not is_blank(c) for c in values):
                    raise too_many_rows(path)
                break
            records.append((n, list(values)))
        if archive.refusal is not None:  # refused in a part whose error openpyxl swallowed
            raise archive.refusal
        return records
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged part; none may escape
        refusal = archive.refusal if archive is not None else None
        raise refusal or _unreadable_book(path, exc) from exc
    finally:
        if archive is not None:
            archive.close()

"""Spreadsheets found by running real-world and crafted hostile files through the import.

Each case is a small file built here that reproduces what a corpus run found (openpyxl's,
calamine's and excelize's test workbooks, XlsxWriter's comparison files, and crafted CSV/XLSX
bombs): the import must refuse it with a clear error naming the file, or read it, and never
let an exception from a parser escape (the console would answer 500).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from alliance_portal.registry.spreadsheet import ImportFileError, read_table

HEADER = ["slug", "name", "university"]
ROW = ["smart-motor", "智慧馬達聯盟", "國立成功大學"]


def workbook_bytes(book: Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def add_chart_tab(book: Workbook, index: int | None = None) -> None:
    """A chart sheet named 圖表 charting the first column (Excel saves no empty chart sheet)."""
    chart_tab = book.create_chartsheet("圖表", index)
    chart = BarChart()
    chart.add_data(Reference(book["Sheet"], min_col=1, min_row=1, max_row=2))
    chart_tab.add_chart(chart)


def plain_book() -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(ROW)
    return book


def replace_part(data: bytes, name: str, body: bytes) -> bytes:
    """The same workbook with one part's bytes replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item, src.read(item.filename), zipfile.ZIP_DEFLATED)
        dst.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def refusal(path: Path) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_table(path)
    return str(caught.value)


def test_xlsx_with_a_broken_worksheet_xml_is_refused_not_crashed(tmp_path: Path) -> None:
    # openpyxl parses each worksheet's head while opening the book; its ParseError escaped
    book = tmp_path / "broken.xlsx"
    book.write_bytes(
        replace_part(workbook_bytes(plain_book()), "xl/worksheets/sheet1.xml", b"<worksheet><sh")
    )
    message = refusal(book)
    assert "broken.xlsx" in message and "save it again as .xlsx" in message
    assert "Traceback" not in message


def test_utf16_text_cut_in_the_middle_of_a_character_is_refused_not_crashed(
    tmp_path: Path,
) -> None:
    # Excel's "Unicode text" with an odd last byte (a cut-off download) raised UnicodeDecodeError
    text = tmp_path / "cut.csv"
    text.write_bytes(b"\xff\xfe" + "slug\tname\r\n".encode("utf-16-le") + b"s")
    message = refusal(text)
    assert "cut.csv" in message and "UTF-16" in message and "save it again" in message.lower()


def test_workbook_saved_with_a_chart_tab_in_front_reads_the_first_worksheet(
    tmp_path: Path,
) -> None:
    # A book whose active tab is a chart sheet was refused as "not a readable Excel workbook
    # (AttributeError: 'Chartsheet' object has no attribute 'reset_dimensions')".
    book = plain_book()
    add_chart_tab(book, 0)
    book.active = 0
    path = tmp_path / "with-chart.xlsx"
    path.write_bytes(workbook_bytes(book))
    table = read_table(path)
    assert table.headers[:3] == HEADER and not any(table.headers[3:])
    assert [cells[:3] for _, cells in table.rows] == [ROW]


def test_naming_a_chart_sheet_says_it_holds_no_cells(tmp_path: Path) -> None:
    book = plain_book()
    add_chart_tab(book)
    path = tmp_path / "chart-named.xlsx"
    path.write_bytes(workbook_bytes(book))
    with pytest.raises(ImportFileError) as caught:
        read_table(path, sheet="圖表")
    message = str(caught.value)
    assert "chart-named.xlsx" in message and "'圖表' is a chart" in message
    assert "Sheet" in message  # names the sheets that hold cells


def test_a_refusal_from_the_parts_check_is_said_once(tmp_path: Path) -> None:
    # The DTD/size/encoding refusals were caught again as ValueError and wrapped in
    # "not a readable Excel workbook (<path>: ...); save it again", naming the file twice.
    data = workbook_bytes(plain_book())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    dtd = b'<!DOCTYPE worksheet SYSTEM "file:///etc/passwd">' + sheet
    path = tmp_path / "dtd.xlsx"
    path.write_bytes(replace_part(data, "xl/worksheets/sheet1.xml", dtd))
    message = refusal(path)
    assert "declares a DTD" in message
    assert message.count(str(path)) == 1 and "not a readable" not in message

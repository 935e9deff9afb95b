"""Spreadsheets found by running real-world and crafted hostile files through the import.

Each case is a small file built here that reproduces what a corpus run found (openpyxl's,
calamine's and excelize's test workbooks, XlsxWriter's comparison files, and crafted CSV/XLSX
bombs): the import must refuse it with a clear error naming the file, or read it, and never
let an exception from a parser escape (the console would answer 500).
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from test_intake_support import SECRET, app_for, csrf_of, make_registry

from alliance_portal.intake import IntakeConfig
from alliance_portal.intake.admin_password import set_password
from alliance_portal.registry.sheet_limits import check_xlsx_parts
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


def sheet_part(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def with_rows(rows_xml: bytes) -> bytes:
    """A workbook whose first sheet has the plain rows, then ``rows_xml``."""
    data = workbook_bytes(plain_book())
    sheet = sheet_part(data).replace(b"</sheetData>", rows_xml + b"</sheetData>")
    return replace_part(data, "xl/worksheets/sheet1.xml", sheet)


def test_utf16_custom_xml_part_as_sharepoint_writes_it_is_read(tmp_path: Path) -> None:
    # calamine's pivots.xlsx, saved by Excel: customXml/item1.xml is UTF-16; it was refused as
    # "UTF-16 XML, which Excel does not write".
    item = '<?xml version="1.0" encoding="utf-16"?><b:Sources xmlns:b="urn:x"/>'
    path = tmp_path / "sharepoint.xlsx"
    data = workbook_bytes(plain_book())
    path.write_bytes(replace_part(data, "customXml/item1.xml", item.encode("utf-16")))
    table = read_table(path)
    assert [cells[:3] for _, cells in table.rows] == [ROW]


def test_a_row_with_more_cells_than_excel_has_columns_is_refused_before_parsing(
    tmp_path: Path,
) -> None:
    # 20,000 cells in one row: openpyxl holds the whole row (some 650 bytes a cell); a
    # 111 KiB file of two million took 1.3 GB and 9 s.
    path = tmp_path / "wide-row.xlsx"
    path.write_bytes(with_rows(b'<row r="3">' + b'<c r="A3"><v>1</v></c>' * 20_000 + b"</row>"))
    message = refusal(path)
    assert "wide-row.xlsx" in message and "a row of more than 16,384 cells" in message


def test_first_rows_holding_too_many_cells_are_refused_but_rows_below_cost_nothing(
    tmp_path: Path,
) -> None:
    row = b"<row>" + b"<c/>" * 300 + b"</row>"
    path = tmp_path / "dense.xlsx"
    path.write_bytes(with_rows(row * 1_800))
    message = refusal(path)
    assert "more than 500,000 cells in its first 2,000 rows" in message
    assert "new workbook" in message
    # The same cells below row 2,001 (a long second table, say) are never read: no refusal.
    path.write_bytes(with_rows(b"<row/>" * 2_100 + row * 1_800))
    table = read_table(path)
    assert [cells[:3] for _, cells in table.rows if any(cells)] == [ROW]


def test_a_styles_part_with_too_many_entries_is_refused_before_parsing(tmp_path: Path) -> None:
    # 158 KiB with a million cell formats took over 20 s and 1.5 GB in openpyxl.
    styles = (
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<cellXfs>" + b'<xf numFmtId="0"/>' * 260_000 + b"</cellXfs></styleSheet>"
    )
    path = tmp_path / "styles.xlsx"
    path.write_bytes(replace_part(workbook_bytes(plain_book()), "xl/styles.xml", styles))
    message = refusal(path)
    assert "xl/styles.xml holds more than 250,000 style entries" in message


def test_a_workbook_with_styles_piled_up_by_copying_passes_the_check(tmp_path: Path) -> None:
    """Named styles and formats pile up by the ten thousand in real workbooks copied between
    files (each format with its alignment): Excel opens them, so the check does not refuse
    them (openpyxl then reads them, slowly)."""
    xf = b'<xf numFmtId="0" fontId="0"><alignment vertical="center"/></xf>'
    named = b'<cellStyle name="s" xfId="0"/>'
    styles = (
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<cellStyleXfs>"
        + xf * 40_000
        + b"</cellStyleXfs><cellXfs>"
        + xf * 20_000
        + b"</cellXfs><cellStyles>"
        + named * 40_000
        + b"</cellStyles></styleSheet>"
    )
    path = tmp_path / "bloated.xlsx"
    path.write_bytes(replace_part(workbook_bytes(plain_book()), "xl/styles.xml", styles))
    check_xlsx_parts(path)  # no ImportFileError


def test_too_many_shared_texts_are_refused_whatever_the_part_is_called(tmp_path: Path) -> None:
    # openpyxl finds the shared strings through [Content_Types].xml and reads them all first
    # (3.5 million took 29 s); the part may have any name.
    data = workbook_bytes(plain_book())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    override = (
        b'<Override PartName="/xl/texts.bin" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>a</t></si>" * 260_000
        + b"</sst>"
    )
    data = replace_part(data, "[Content_Types].xml", types.replace(b"</Types>", override))
    path = tmp_path / "texts.xlsx"
    path.write_bytes(replace_part(data, "xl/texts.bin", strings))
    message = refusal(path)
    assert "xl/texts.bin holds more than 250,000 shared texts" in message


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b"\x00" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512, "password"),
        (b"\x00" * 512 + "Workbook".encode("utf-16-le") + b"\x00" * 512, "Excel 97-2003"),
    ],
)
def test_an_encrypted_workbook_or_an_old_xls_named_xlsx_is_named(
    tmp_path: Path, body: bytes, phrase: str
) -> None:
    # excelize's encryptAES.xlsx and calamine's pass_protected.xlsx were refused as
    # "not a readable Excel workbook (File is not a zip file); save it again as .xlsx".
    path = tmp_path / "locked.xlsx"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + body)
    message = refusal(path)
    assert "locked.xlsx" in message and phrase in message and "not a zip" not in message


def test_a_strict_open_xml_workbook_is_named(tmp_path: Path) -> None:
    # calamine's strict_iso_paths.xlsx: openpyxl finds no sheets in it (IndexError before).
    data = workbook_bytes(plain_book())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = archive.read("xl/workbook.xml")
    strict = book.replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    )
    assert strict != book
    path = tmp_path / "strict.xlsx"
    path.write_bytes(replace_part(data, "xl/workbook.xml", strict))
    assert "Strict Open XML Spreadsheet" in refusal(path)


def test_a_workbook_listing_no_sheets_says_so(tmp_path: Path) -> None:
    # excelize's BadWorkbook.xlsx: <sheets></sheets>
    data = workbook_bytes(plain_book())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = archive.read("xl/workbook.xml").decode()
    start, end = book.index("<sheets>"), book.index("</sheets>") + len("</sheets>")
    path = tmp_path / "no-sheets.xlsx"
    path.write_bytes(replace_part(data, "xl/workbook.xml", (book[:start] + book[end:]).encode()))
    message = refusal(path)
    assert "lists no sheets" in message and "chart" not in message


def test_csv_reading_stops_after_the_rows_it_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 16 million empty lines below the table took 5 s: every one went through the csv module.
    import alliance_portal.registry.spreadsheet as spreadsheet

    pulled = 0
    real_reader = spreadsheet.csv.reader

    def counting_reader(*args: Any, **kwargs: Any) -> Iterator[list[str]]:
        nonlocal pulled
        for record in real_reader(*args, **kwargs):
            pulled += 1
            yield record

    monkeypatch.setattr(spreadsheet.csv, "reader", counting_reader)
    lines = ",".join(HEADER) + "\n" + ",".join(ROW) + "\n" + ",,\n" * 50_000
    path = tmp_path / "blank-tail.csv"
    path.write_text(lines + "\r\n" * 50_000 + ' , "" ,\n', encoding="utf-8")
    table = read_table(path)
    assert [cells for _, cells in table.rows if any(cells)] == [ROW]
    assert pulled <= 2_000
    path.write_text(lines + "\n" * 50_000 + ",,late-row\n", encoding="utf-8")
    assert "has more than 2,000 rows" in refusal(path)


def test_the_console_gives_a_refused_files_reason_in_chinese_too(tmp_path: Path) -> None:
    # The console's zh-TW half said "無法匯入「x」，沒有任何變更：" and then the English reason.
    content, banners, var = make_registry(tmp_path)
    set_password(var / "intake-admin-password", "office-password-1")
    config = IntakeConfig(content_dir=content, banners_dir=banners, var_dir=var, secret=SECRET)
    locked = bytes.fromhex("d0cf11e0a1b11ae1") + "EncryptionInfo".encode("utf-16-le")
    with app_for(config) as app:
        office = app.test_client()
        csrf = csrf_of(office.get("/office/login").get_data(as_text=True))
        signed = office.post(
            "/office/login", data={"csrf_token": csrf, "password": "office-password-1"}
        )
        assert signed.status_code == 303
        csrf = csrf_of(office.get("/office/import").get_data(as_text=True))
        refused = office.post(
            "/office/import",
            data={"csrf_token": csrf, "file": (io.BytesIO(locked), "名單.xlsx")},
            content_type="multipart/form-data",
        )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "無法匯入「名單.xlsx」，沒有任何變更：設有密碼" in page
    assert "protected with a password" not in page  # the English page says it in English
    assert "office-imports" not in page  # the stored copy's path is never shown


def damaged_member(data: bytes, name: str, how: str) -> bytes:
    """The workbook with one member damaged in place: its compressed bytes flipped, an
    unsupported compression method (Deflate64) or the zip's encryption flag in its entry."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    local = info.header_offset
    if how == "flipped":
        name_len, extra_len = struct.unpack_from("<HH", out, local + 26)
        start = local + 30 + name_len + extra_len
        out[start : start + 20] = bytes(b ^ 0xFF for b in out[start : start + 20])
        return bytes(out)
    entry = out.find(b"PK\x01\x02" + bytes(out[local + 4 : local + 6]))
    while out[entry + 46 : entry + 46 + len(name)] != name.encode():
        entry = out.find(b"PK\x01\x02", entry + 4)
    if how == "deflate64":
        struct.pack_into("<H", out, entry + 10, 9)
    else:
        flags = struct.unpack_from("<H", out, entry + 8)[0]
        struct.pack_into("<H", out, entry + 8, flags | 1)
    return bytes(out)


@pytest.mark.parametrize("how", ["flipped", "deflate64", "encrypted"])
def test_a_workbook_with_a_damaged_zip_member_is_refused_not_crashed(
    tmp_path: Path, how: str
) -> None:
    # A workbook damaged in the mail (zlib.error), packed by a tool with a compression zipfile
    # cannot read (NotImplementedError) or zip-encrypted (RuntimeError): the parts check let
    # each escape, and the console answered 500 without saying which file or what to do.
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(damaged_member(workbook_bytes(plain_book()), "xl/worksheets/sheet1.xml", how))
    message = refusal(path)
    assert "damaged.xlsx" in message and "xl/worksheets/sheet1.xml" in message
    assert "save it again as .xlsx" in message

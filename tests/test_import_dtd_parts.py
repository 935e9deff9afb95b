"""A DTD is refused in every workbook part openpyxl parses, and only in those.

Excel never writes a DTD, and a DTD's entities are how an XML bomb grows; but an SVG picture
exported by Illustrator carries one (``<!DOCTYPE svg ...>`` with ``<!ENTITY ns_...>``), and
Excel 365 stores such a picture beside its PNG fallback. openpyxl never parses a picture (in
read-only mode it does not even read a worksheet's drawings), so a roster holding one must
import. Which parts openpyxl parses is decided by [Content_Types].xml and the relationships,
not by the parts' names: a hostile file can give its sheet or shared texts any name.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image
from test_hostile_files_corpus import (
    HEADER,
    ROW,
    add_chart_tab,
    plain_book,
    refusal,
    replace_part,
    workbook_bytes,
)

from alliance_portal.registry.spreadsheet import read_table

#: The head of an SVG as Adobe Illustrator's "Save As SVG" writes it.
ILLUSTRATOR_SVG = b"""<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 24.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
\t<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">
\t<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">
\t<!ENTITY ns_graphs "http://ns.adobe.com/Graphs/1.0/">
]>
<svg version="1.1" xmlns:x="&ns_extend;" xmlns:i="&ns_ai;" xmlns:graph="&ns_graphs;"
\txmlns="http://www.w3.org/2000/svg" x="0px" y="0px" width="8px" height="8px"
\tviewBox="0 0 8 8" xml:space="preserve"><rect width="8" height="8" fill="#c00"/></svg>
"""
LAUGHS = (
    '<!DOCTYPE x [<!ENTITY a0 "lol">'
    + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
).encode()
_SVG_BLIP = (
    b'<a:extLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    b'<a:ext uri="{96DAC541-7B7A-43D3-8B79-37D633B846F1}">'
    b'<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    b'r:embed="rId2"/></a:ext></a:extLst>'
)


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_svg_picture(book: Workbook) -> bytes:
    """The book with a picture on its first sheet stored as Excel 365 stores an SVG: a PNG
    fallback the drawing shows, and the SVG related to the same drawing through the blip's
    ``svgBlip`` extension, typed image/svg+xml in [Content_Types].xml."""
    sheet = book.active
    assert sheet is not None
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    png.seek(0)
    sheet.add_image(SheetImage(png), "E2")
    data = workbook_bytes(book)
    parts = parts_of(data)
    drawing = parts["xl/drawings/drawing1.xml"]
    blip_end = drawing.index(b'r:embed="rId1"/>')
    drawing = (
        drawing[:blip_end]
        + b'r:embed="rId1">'
        + _SVG_BLIP
        + b"</a:blip>"
        + drawing[blip_end + len(b'r:embed="rId1"/>') :]
    )
    rels = parts["xl/drawings/_rels/drawing1.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/image" Target="/xl/media/image2.svg" Id="rId2"/></Relationships>',
    )
    types = parts["[Content_Types].xml"].replace(
        b'<Default Extension="png"',
        b'<Default Extension="svg" ContentType="image/svg+xml"/><Default Extension="png"',
    )
    data = replace_part(data, "xl/drawings/drawing1.xml", drawing)
    data = replace_part(data, "xl/drawings/_rels/drawing1.xml.rels", rels)
    data = replace_part(data, "[Content_Types].xml", types)
    return replace_part(data, "xl/media/image2.svg", ILLUSTRATOR_SVG)


def test_a_roster_holding_an_illustrator_svg_picture_is_imported(tmp_path: Path) -> None:
    # It was refused: "part xl/media/image2.svg declares a DTD", a part openpyxl never parses.
    path = tmp_path / "roster-with-logo.xlsx"
    path.write_bytes(with_svg_picture(plain_book()))
    assert b"<!ENTITY ns_ai" in parts_of(path.read_bytes())["xl/media/image2.svg"]
    table = read_table(path)
    assert table.headers[:3] == HEADER
    assert [cells[:3] for _, cells in table.rows] == [ROW]


def test_a_dtd_in_a_worksheets_drawing_is_not_parsed_so_not_refused(tmp_path: Path) -> None:
    # In read-only mode openpyxl opens a worksheet's relationships but none of its drawings.
    data = with_svg_picture(plain_book())
    drawing = parts_of(data)["xl/drawings/drawing1.xml"]
    path = tmp_path / "drawing-dtd.xlsx"
    path.write_bytes(replace_part(data, "xl/drawings/drawing1.xml", LAUGHS + drawing))
    assert [cells[:3] for _, cells in read_table(path).rows] == [ROW]


def _shared_strings_book(name: str, strings: bytes) -> bytes:
    """A book whose sheet's cells are shared texts, kept in a part called ``name`` that only
    [Content_Types].xml names."""
    data = workbook_bytes(plain_book())
    parts = parts_of(data)
    sheet = parts["xl/worksheets/sheet1.xml"]
    start, end = sheet.index(b"<sheetData>"), sheet.index(b"</sheetData>")
    cells = (
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
    )
    types = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/' + name.encode() + b'" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    data = replace_part(data, "[Content_Types].xml", types)
    data = replace_part(data, "xl/worksheets/sheet1.xml", sheet[:start] + cells + sheet[end:])
    return replace_part(data, name, strings)


SHARED = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<si><t>slug</t></si><si><t>name</t></si><si><t>smart-motor</t></si>"
    b"<si><t>&a9;</t></si></sst>"
)


def test_the_shared_texts_part_is_found_and_read_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "texts.xlsx"
    path.write_bytes(_shared_strings_book("xl/texts.bin", SHARED.replace(b"&a9;", b"smart")))
    table = read_table(path)
    assert table.headers[:2] == ["slug", "name"] and table.rows[0][1][:2] == [
        "smart-motor",
        "smart",
    ]


@pytest.mark.parametrize("name", ["xl/sharedStrings.xml", "xl/media/texts.png"])
def test_an_entity_bomb_in_the_shared_texts_is_refused_whatever_their_name(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_shared_strings_book(name, LAUGHS + SHARED))
    assert f"part {name} declares a DTD" in refusal(path)


def test_an_entity_bomb_in_a_sheet_named_like_a_picture_is_refused(tmp_path: Path) -> None:
    # The workbook's relationships, not the name, make openpyxl parse it as a sheet.
    parts = parts_of(workbook_bytes(plain_book()))
    sheet = parts["xl/worksheets/sheet1.xml"]
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", b"media/image1.svg"
    )
    assert rels != parts["xl/_rels/workbook.xml.rels"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                archive.writestr("xl/media/image1.svg", LAUGHS + sheet)
            elif name == "xl/_rels/workbook.xml.rels":
                archive.writestr(name, rels)
            else:
                archive.writestr(name, body)
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(out.getvalue())
    assert "part xl/media/image1.svg declares a DTD" in refusal(path)


@pytest.mark.parametrize(
    "name",
    ["[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"],
)
def test_a_dtd_in_the_parts_that_lead_to_the_sheets_is_refused(tmp_path: Path, name: str) -> None:
    data = workbook_bytes(plain_book())
    body = parts_of(data)[name]
    path = tmp_path / "lead.xlsx"
    path.write_bytes(replace_part(data, name, LAUGHS + body))
    assert f"part {name} declares a DTD" in refusal(path)


def test_a_dtd_in_a_chart_sheets_chart_is_refused(tmp_path: Path) -> None:
    # A chart sheet's drawing and charts are parsed even in read-only mode.
    book = plain_book()
    add_chart_tab(book)
    data = workbook_bytes(book)
    chart = parts_of(data)["xl/charts/chart1.xml"]
    path = tmp_path / "chart-dtd.xlsx"
    path.write_bytes(replace_part(data, "xl/charts/chart1.xml", LAUGHS + chart))
    assert "part xl/charts/chart1.xml declares a DTD" in refusal(path)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_dtd_in_a_utf16_sheet_is_still_found(tmp_path: Path, codec: str) -> None:
    data = workbook_bytes(plain_book())
    sheet = parts_of(data)["xl/worksheets/sheet1.xml"].decode()
    sheet = (
        sheet.replace("?>", "?>" + LAUGHS.decode(), 1) if "?>" in sheet else LAUGHS.decode() + sheet
    )
    path = tmp_path / "utf16-dtd.xlsx"
    path.write_bytes(replace_part(data, "xl/worksheets/sheet1.xml", sheet.encode(codec)))
    assert "part xl/worksheets/sheet1.xml declares a DTD" in refusal(path)


def _styles_body() -> str:
    styles = parts_of(workbook_bytes(plain_book()))["xl/styles.xml"].decode()
    return styles.split("?>", 1)[1] if styles.startswith("<?xml") else styles


@pytest.mark.parametrize(
    ("encoding", "part"),
    [
        # "<!DOCTYPE" and "<!ENTITY" spelt in UTF-7: none of the bytes the scan looks for
        (
            "UTF-7",
            b'<?xml version="1.0" encoding="UTF-7"?>+ADwAIQ-DOCTYPE styleSheet +AFsAPAAh-ENTITY '
            b"a +ACI-x+ACIAPgBd-+AD4-" + _styles_body().encode(),
        ),
        (
            "UTF-32",
            (
                '<?xml version="1.0" encoding="UTF-32"?><!DOCTYPE s [<!ENTITY a "x">]>'
                + _styles_body()
            ).encode("utf-32"),
        ),
    ],
)
def test_a_dtd_cannot_hide_in_an_encoding_excel_never_writes(
    tmp_path: Path, encoding: str, part: bytes
) -> None:
    # lxml reads both (it parses the styles): the DTD went through unseen, and so would a
    # million style entries past the count in sheet_limits.
    assert b"<!DOCTYPE" not in part
    path = tmp_path / "encoded.xlsx"
    path.write_bytes(replace_part(workbook_bytes(plain_book()), "xl/styles.xml", part))
    message = refusal(path)
    assert f"part xl/styles.xml is written in the {encoding} text encoding" in message


def test_parts_declared_in_the_encodings_excel_and_others_write_are_read(tmp_path: Path) -> None:
    data = workbook_bytes(plain_book())
    for name, declaration in [
        ("xl/styles.xml", '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'),
        ("xl/workbook.xml", "<?xml version='1.0' encoding='UTF-8'?>"),
    ]:
        body = parts_of(data)[name].decode()
        body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
        data = replace_part(data, name, (declaration + body).encode())
    path = tmp_path / "declared.xlsx"
    path.write_bytes(data)
    assert [cells[:3] for _, cells in read_table(path).rows] == [ROW]

"""Every refusal of a whole file says, to the office, what is wrong with it and how to fix
it, zh-TW first with English; a library's own words (openpyxl's, zipfile's, the csv
module's) go to the log only.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_hostile_files_corpus import (
    damaged_member,
    plain_book,
    replace_part,
    workbook_bytes,
)

from alliance_portal.registry import spreadsheet
from alliance_portal.registry.sheet_limits import MAX_LINE_CHARS
from alliance_portal.registry.spreadsheet import ImportFileError, read_table

#: Words that only a library would put in a message.
LIBRARY_WORDS = re.compile(
    r"Error\b|Exception|openpyxl|zlib|Traceback|KeyError|zip file|field limit|archive"
    r"|invalid block|There is no item|Unable to read workbook"
)


def refused(path: Path) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_table(path)
    return caught.value


def _assert_plain(exc: ImportFileError, name: str) -> None:
    for text in (exc.text.zh, exc.text.en, str(exc)):
        assert name in text, text
        assert not LIBRARY_WORDS.search(text), text
    assert re.search(r"[\u4e00-\u9fff]", exc.text.zh), exc.text.zh


def _not_a_workbook() -> bytes:
    # A zip with no workbook in it: a Word file or another zip renamed .xlsx, say.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


CASES: dict[str, tuple[bytes, str]] = {
    # name: (file bytes, what openpyxl/zipfile said, which must reach the log only)
    "broken-sheet.xlsx": (
        replace_part(workbook_bytes(plain_book()), "xl/worksheets/sheet1.xml", b"<worksheet><sh"),
        "ParseError",
    ),
    "missing-part.xlsx": (
        b"",  # built in the test: a part it names is not in the package
        "KeyError",
    ),
    "not-a-workbook.xlsx": (_not_a_workbook(), "no valid workbook part"),
    "not-a-zip.xlsx": (b"slug,name\nsmart-motor,x\n", "not a zip file"),
    "flipped.xlsx": (
        damaged_member(workbook_bytes(plain_book()), "xl/worksheets/sheet1.xml", "flipped"),
        "Error -3",
    ),
    "deflate64.xlsx": (
        damaged_member(workbook_bytes(plain_book()), "xl/worksheets/sheet1.xml", "deflate64"),
        "compression method is not supported",
    ),
}


def _missing_sheet() -> bytes:
    """[Content_Types].xml names a shared-texts part the package does not hold."""
    data = workbook_bytes(plain_book())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    override = (
        b'<Override PartName="/xl/gone.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    return replace_part(data, "[Content_Types].xml", types.replace(b"</Types>", override))


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_unreadable_workbook_is_explained_without_the_librarys_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, library_says = CASES[name]
    path = tmp_path / name
    path.write_bytes(_missing_sheet() if name == "missing-part.xlsx" else body)
    with caplog.at_level(logging.DEBUG, logger="alliance_portal"):
        exc = refused(path)
    _assert_plain(exc, name)
    assert "Excel" in exc.text.zh and "Excel" in exc.text.en  # says how to fix it
    assert library_says in caplog.text, caplog.text  # kept for whoever reads the log
    assert name in caplog.text


def test_a_csv_cell_over_the_csv_modules_limit_names_the_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # An opened and never closed quote makes the rest of the file one cell; the csv module
    # said "field larger than field limit (131072)".
    lines = ["slug,name", "smart-motor,x", 'late-row,"an opened quote'] + ["more"] * 40_000
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="alliance_portal"):
        exc = refused(path)
    _assert_plain(exc, "quote.csv")
    assert "line 3" in exc.text.en and "第 3 行" in exc.text.zh
    assert '"' in exc.text.en and "CSV UTF-8" in exc.text.en
    assert "field limit" in caplog.text


def test_a_csv_line_of_16_mib_of_separators_is_refused_before_the_csv_module_builds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One 16 MiB line of commas cost 0.4 s and 240 MiB: the csv module built the whole row
    # of 16 million empty cells before the first 50 columns were kept.
    longest = 0
    real_reader = csv.reader

    def watching_reader(lines: Any, *args: Any, **kwargs: Any) -> Any:
        def tap() -> Any:
            nonlocal longest
            for line in lines:
                longest = max(longest, len(line))
                yield line

        return real_reader(tap(), *args, **kwargs)

    monkeypatch.setattr(spreadsheet.csv, "reader", watching_reader)
    path = tmp_path / "separators.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("slug,name\nsmart-motor,x\n")
        fh.write("," * (16 * 1024 * 1024 - 64) + "\n")
    exc = refused(path)
    _assert_plain(exc, "separators.csv")
    assert "line 3" in exc.text.en and "第 3 行" in exc.text.zh
    assert f"{MAX_LINE_CHARS:,}" in exc.text.en
    assert longest <= MAX_LINE_CHARS


def test_a_csv_with_long_rows_under_the_line_limit_is_still_read(tmp_path: Path) -> None:
    # Intros are up to 3,000 + 6,000 characters; a row of every field at its longest passes.
    intro = "介紹" * 1500
    path = tmp_path / "long-rows.csv"
    path.write_text(
        "slug,name,intro,intro_en\n" + f"smart-motor,x,{intro},{'e' * 6000}\n", encoding="utf-8"
    )
    table = read_table(path)
    assert table.rows[0][1][:3] == ["smart-motor", "x", intro]


def test_the_command_says_a_refused_workbook_in_one_line_and_the_librarys_words_with_v(
    tmp_path: Path,
) -> None:
    # `alliance import` prints a refused file as one error line; openpyxl's words only
    # with -v (as the traceback of a bug), not as an INFO line before the error.
    from test_hostile_registry import alliance, assert_no_traceback
    from test_intake_support import make_registry

    make_registry(tmp_path)
    body, _ = CASES["broken-sheet.xlsx"]
    (tmp_path / "broken.xlsx").write_bytes(body)
    run = alliance(tmp_path, "import", "broken.xlsx")
    assert_no_traceback(run)
    assert run.rc == 2 and run.err.count("\n") == 1 and run.err.startswith("error: "), run.err
    assert "not a readable Excel workbook" in run.err and "ParseError" not in run.err
    run = alliance(tmp_path, "-v", "import", "broken.xlsx")
    assert run.rc == 2 and "ParseError" in run.err, run.err

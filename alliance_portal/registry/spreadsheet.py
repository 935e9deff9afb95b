"""Reading the office's spreadsheets (CSV/TSV in UTF-8 or Big5, XLSX) and naming their columns.

Split from :mod:`alliance_portal.registry.importer` so that one module turns a file into a
:class:`Table` with each column mapped to a profile key, and the other decides what each row
does to the registry; a workbook's rows are read by :mod:`.xlsx_book`. Column headers are matched loosely (see :data:`HEADER_ALIASES`), and
every refusal names the file and says how to save it so it can be read.

Why bounded: the office imports files that came by e-mail. A 117 KiB XLSX can declare a sheet
of 16,384 x 1,048,576 cells (openpyxl's read-only mode trusts that and pads every row to it) or
hold millions of rows; an XML part can carry a DTD (entity expansion). So the file size, the
uncompressed size of a workbook's parts, the rows and the columns are capped, and so are the
cells, style entries and shared texts openpyxl would build (the registry has about 200
alliances, see :mod:`.sheet_limits`); the declared dimension is ignored, and a part that
declares a DTD is refused as openpyxl opens it, before it is parsed (:mod:`.parsed_parts`).

Exceptions::

    ValueError
     └── ImportFileError   the file as a whole cannot be imported (nothing is written;
                           defined in :mod:`.sheet_limits`, imported from here)
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alliance_portal.registry.profiles import closest
from alliance_portal.registry.sheet_cells import is_blank
from alliance_portal.registry.sheet_limits import (
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    MAX_ROWS,
    ImportFileError,
    read_bounded,
    too_many_rows,
)
from alliance_portal.registry.site_settings import KNOWN_KEYS
from alliance_portal.registry.xlsx_book import read_xlsx

log = logging.getLogger(__name__)

#: Accepted column headers for each profile key, besides the key itself. Matching ignores
#: case, spaces, "_", "-", "*", ":" and a "(必填)"/"(選填)" marker, and treats full-width
#: characters as half-width. Keep docs/import.md in step with this table.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "slug": ("代號", "聯盟代號", "英文代號", "網址代號", "識別碼"),
    "name": ("聯盟名稱", "名稱", "中文名稱", "聯盟中文名稱", "小聯盟名稱", "產學小聯盟名稱"),
    "name_en": ("英文名稱", "聯盟英文名稱", "English name"),
    "university": (
        "學校",
        "學校名稱",
        "校名",
        "大學",
        "執行學校",
        "主持學校",
        "執行單位",
        "school",
    ),
    "university_en": ("學校英文名稱", "英文校名"),
    "industry": ("產業別", "產業", "產業類別", "產業領域", "領域", "領域別"),
    "website": ("網站", "網址", "聯盟網站", "聯盟網址", "網站網址", "官網", "url"),
    "pi": ("主持人", "計畫主持人", "聯盟主持人"),
    "pi_en": ("主持人英文姓名", "主持人英文名"),
    "intro": ("簡介", "聯盟簡介", "中文簡介"),
    "intro_en": ("英文簡介", "English intro"),
    "active": ("啟用", "是否啟用", "上架", "是否上架", "公開"),
    "since": ("成立年", "成立年度", "成立年份", "起始年度"),
    "contact_email": (
        "Email",
        "電子郵件",
        "電子信箱",
        "聯絡信箱",
        "聯絡Email",
        "聯絡人Email",
        "信箱",
    ),
}
SLUG_KEY = "slug"
#: How many leading rows may be titles before the header row (offices like a title row).
MAX_TITLE_ROWS = 10
#: Encodings tried for CSV files without a BOM, in order, with the name shown to the user.
CSV_ENCODINGS: tuple[tuple[str, str], ...] = (
    ("utf-8", "UTF-8"),
    ("cp950", "cp950 (Big5, as Excel on Traditional Chinese Windows saves CSV)"),
    ("big5hkscs", "Big5-HKSCS"),
)


@dataclass(frozen=True, slots=True)
class Table:
    """Cells of a spreadsheet: the header row and the data rows, with their row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    header_row: int = 1
    encoding: str | None = None


def normalise_header(text: str) -> str:
    """Fold a header to the form used for matching (see :data:`HEADER_ALIASES`)."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    folded = re.sub(r"\((?:必填|選填|required|optional)\)", "", folded)
    return re.sub(r"[\s_\-*:：]+", "", folded)


def header_lookup() -> dict[str, str]:
    """Map every normalised accepted header to its profile key."""
    lookup: dict[str, str] = {}
    for key in (SLUG_KEY, *KNOWN_KEYS):
        lookup[normalise_header(key)] = key
        for alias in HEADER_ALIASES.get(key, ()):
            lookup[normalise_header(alias)] = key
    return lookup


# --- reading files -------------------------------------------------------------------------


def _decode_csv(raw: bytes, shown: str) -> tuple[str, str]:
    """Text and the name of the encoding that worked."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16 (Excel Unicode text)"
        except UnicodeDecodeError as exc:  # an odd byte count: a cut-off copy or download
            raise ImportFileError(
                f"{shown}: starts like UTF-16 (Excel Unicode text) but byte {exc.start} is not "
                "UTF-16 (the file may be cut off); save it again as CSV UTF-8",
                zh=f"{shown}：開頭是 UTF-16（Excel 的 Unicode 文字），但第 {exc.start} 位元組不是"
                "（檔案可能不完整）：請重新另存為「CSV UTF-8」",
            ) from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{shown}: starts like UTF-8 but byte {exc.start + 3} is not UTF-8; "
                "save it again as CSV UTF-8",
                zh=f"{shown}：開頭是 UTF-8，但第 {exc.start + 3} 位元組不是 UTF-8：請重新另存為「CSV UTF-8」",
            ) from exc
    for codec, name in CSV_ENCODINGS:
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        f"{shown}: the text is neither UTF-8 nor Big5 (cp950); in Excel choose "
        "'Save As' > 'CSV UTF-8 (comma delimited)'",
        zh=f"{shown}：文字既不是 UTF-8 也不是 Big5（cp950）：請在 Excel 選「另存新檔」>"
        "「CSV UTF-8 (逗號分隔)」",
    )


class _Lines:
    """The stream's lines for the csv module, counted, each refused before the csv module sees
    it when it is longer than :data:`MAX_LINE_CHARS` (the csv module builds a whole row,
    however many cells)."""

    def __init__(self, stream: io.StringIO, path: Path) -> None:
        self.stream, self.path = stream, path
        self.number = 0  # lines handed out so far

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                f"{self.path}: line {self.number} is longer than {MAX_LINE_CHARS:,} characters; "
                "an alliance's row needs far less (every field at its longest is about 10,000). "
                "Check that line, or save the alliances' sheet again from Excel as CSV UTF-8",
                zh=f"{self.path}：第 {self.number} 行超過 {MAX_LINE_CHARS:,} 字（一個聯盟的一列，"
                "所有欄位都填到上限也只約 10,000 字）：請檢查該行，或從 Excel 把聯盟清單重新另存為"
                "「CSV UTF-8」",
            )
        return line


def _read_csv(path: Path) -> tuple[list[tuple[int, list[Any]]], str]:
    text, encoding = _decode_csv(read_bounded(path), str(path))
    first_line = text[: MAX_LINE_CHARS + 1].split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    records: list[tuple[int, list[Any]]] = []
    stream = io.StringIO(text, newline="")
    lines = _Lines(stream, path)
    started = 1  # the line the record being read starts on
    try:
        for n, record in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            records.append((n, record[:MAX_COLUMNS]))
            started = lines.number + 1
            if n == MAX_ROWS:
                break
    except csv.Error as exc:  # with the default dialect, only a cell over the field limit
        log.debug("%s: the csv module stopped at line %d: %s", path, lines.number, exc)
        limit = csv.field_size_limit()
        raise ImportFileError(
            f"{path}: line {started} holds a cell of more than {limit:,} characters, usually "
            'a double quote (") opened and never closed, so the lines after it read as one '
            f"cell. Check the quotes from line {started} on, or save the sheet again from "
            "Excel as CSV UTF-8",
            zh=f'{path}：第 {started} 行有一格超過 {limit:,} 字，通常是某個雙引號（"）沒有配對，'
            f"之後的內容都被當成同一格：請檢查第 {started} 行起的引號，或從 Excel 重新另存為「CSV UTF-8」",
        ) from None
    # Below the rows read, only blank lines may follow; they are checked in one search rather
    # than parsed (16 million empty lines took 5 s through the csv module).
    rest = text[stream.tell() :]
    if re.search(f'[^\\s"{re.escape(delimiter)}]', rest):
        raise too_many_rows(path)
    return records, encoding


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """Read a CSV/TSV or XLSX file into a :class:`Table`, finding the header row.

    The header row is the first of the first :data:`MAX_TITLE_ROWS` rows with at least two
    recognised column names (so a title row above the table is skipped).
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportFileError(f"{path}: file not found", zh=f"{path}：找不到檔案")
    encoding: str | None = None
    if suffix in (".xlsx", ".xlsm"):
        records = read_xlsx(path, sheet)
    elif suffix == ".xls":
        raise ImportFileError(
            f"{path}: the old Excel 97-2003 format is not supported; save it as .xlsx or CSV UTF-8",
            zh=f"{path}：不支援舊版 Excel 97-2003 格式：請另存為 .xlsx 或「CSV UTF-8」",
        )
    elif suffix in (".csv", ".tsv", ".txt"):
        records, encoding = _read_csv(path)
    else:
        raise ImportFileError(
            f"{path}: unknown file type {suffix!r}; use a .csv or .xlsx file",
            zh=f"{path}：無法辨識的檔案類型 {suffix}：請用 .csv 或 .xlsx 檔",
        )
    lookup = header_lookup()
    non_blank = [(n, r) for n, r in records if not all(is_blank(c) for c in r)]
    if not non_blank:
        raise ImportFileError(
            f"{path}: the file has no rows", zh=f"{path}：檔案中沒有任何資料列：請確認選對了檔案"
        )
    header_row, headers = non_blank[0]
    for n, cells in non_blank[:MAX_TITLE_ROWS]:
        known = sum(1 for c in cells if not is_blank(c) and normalise_header(str(c)) in lookup)
        if known >= 2:
            header_row, headers = n, cells
            break
    clean_headers = ["" if is_blank(h) else str(h).strip().lstrip("\ufeff") for h in headers]
    rows = [(n, r) for n, r in records if n > header_row]
    return Table(clean_headers, rows, header_row, encoding)


# --- mapping columns -----------------------------------------------------------------------


def map_columns(
    headers: Sequence[str], slug_column: str | None
) -> tuple[dict[int, str], list[str]]:
    """Column index -> profile key, and the headers that are ignored.

    Raises :class:`ImportFileError` when there is no slug column or two columns mean the
    same field.
    """
    lookup = header_lookup()
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    wanted_slug = normalise_header(slug_column) if slug_column else None
    for index, header in enumerate(headers):
        if not header:
            continue
        norm = normalise_header(header)
        if wanted_slug is not None:
            if norm == wanted_slug:
                mapping[index] = SLUG_KEY
                continue
            key = lookup.get(norm)
            if key == SLUG_KEY:  # the named column wins; a second slug column is just data
                ignored.append(header)
                continue
        else:
            key = lookup.get(norm)
        if key is None:
            ignored.append(header)
            continue
        mapping[index] = key
    by_key: dict[str, list[str]] = {}
    for index, key in mapping.items():
        by_key.setdefault(key, []).append(headers[index])
    for key, names in by_key.items():
        if len(names) > 1:
            quoted = " and ".join(repr(n) for n in names)
            raise ImportFileError(
                f"columns {quoted} both mean {key!r}: remove or rename one of them",
                zh=f"欄位 {quoted} 都代表 {key!r}：請刪除或改名其中一欄",
            )
    if SLUG_KEY not in by_key:
        shown = ", ".join(repr(h) for h in headers if h) or "(none)"
        if slug_column:
            raise ImportFileError(
                f"no column named {slug_column!r}; the columns are: {shown}",
                zh=f"沒有名為「{slug_column}」的欄位；現有欄位：{shown}",
            )
        raise ImportFileError(
            "no slug column: add a column 'slug' (or '代號') holding each alliance's file name, "
            f"e.g. smart-motor, or name the column with --slug-column; the columns are: {shown}",
            zh="沒有代號欄：請加一欄「代號」（或 slug），填入每個聯盟的檔名，例如 smart-motor；"
            f"現有欄位：{shown}",
        )
    return mapping, ignored


def suggest_column(header: str) -> str | None:
    """The accepted header closest to an ignored one, for "did you mean" hints."""
    names = [SLUG_KEY, *KNOWN_KEYS, *(a for aliases in HEADER_ALIASES.values() for a in aliases)]
    return closest(header, names)

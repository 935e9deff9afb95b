"""The bounds on a spreadsheet the office imports: file size, unzipped size, rows, columns,
and how much openpyxl would build from a workbook's parts.

Why bounds: the office imports files that came by e-mail, and the registry has about 200
alliances. Without them a 117 KiB XLSX declaring ``A1:XFD1048576`` took 2.5 GB, five million
rows passed 3 GB, and an XML part with a DTD can expand its entities without end. Under the
64 MiB unzipped cap openpyxl still builds whole objects per row, per style entry and per
shared text, so a 111 KiB file with one two-million-cell row took 1.3 GB and 9 s, and one with
a million cell formats over 20 s and 1.5 GB: those are counted too (see the limits below).
Every check here runs before a parser sees the file, and each refusal is an
:class:`ImportFileError` that names the file and says what to do. A DTD is refused as openpyxl
opens the part that carries it (:mod:`.parsed_parts`): only the parts openpyxl parses count.

Exceptions::

    ValueError
     └── ImportFileError   the file as a whole cannot be imported (nothing is written)
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import UsageError

log = logging.getLogger(__name__)

#: Most rows read (titles, header and data); the registry has about 200 alliances.
MAX_ROWS = 2000
#: Columns read from each row; columns further right are ignored (a profile has 14 fields).
MAX_COLUMNS = 50
#: Largest file accepted (CSV or XLSX); a 200-row sheet with long intros is well under 2 MiB.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Longest line of a CSV file, in characters: the csv module builds a whole row before the
#: columns past MAX_COLUMNS are dropped, so one 16 MiB line of separators (16 million empty
#: cells) cost 240 MiB. An alliance's row with every field at its longest is about 10,000.
MAX_LINE_CHARS = 256 * 1024
#: Largest total size of an XLSX's parts once unzipped (a zip bomb stops here).
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024


class ImportFileError(UsageError, ValueError):
    """The file cannot be imported at all (unreadable, no header, no slug column...).

    ``str()`` is the English the CLI prints; ``text`` holds the reason in zh-TW too, for the
    office console, which shows zh-TW first (a reason given only in English reads the same in
    both halves).
    """

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.text = Bilingual(zh or message, message)


def too_many_rows(path: Path) -> ImportFileError:
    return ImportFileError(
        f"{path}: has more than {MAX_ROWS:,} rows; the registry has about 200 alliances. "
        "Delete the rows below the table (or split the file) and import again",
        zh=f"{path}：超過 {MAX_ROWS:,} 列（登錄約 200 個聯盟）：請刪除表格下方的列（或分成多個檔案）後再匯入",
    )


def checked_size(path: Path) -> int:
    """The size of the regular file at ``path``; refuses devices, pipes and huge files."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImportFileError(
            f"{path}: there is no such file; check its name and folder",
            zh=f"{path}：找不到這個檔案：請檢查檔名與所在資料夾",
        ) from None
    except PermissionError:
        raise ImportFileError(
            f"{path}: this user may not read it; copy it somewhere you can read and import again",
            zh=f"{path}：沒有讀取這個檔案的權限：請把檔案複製到可讀取的資料夾後再匯入",
        ) from None
    except OSError as exc:
        raise ImportFileError(
            f"{path}: cannot be read ({exc.strerror}); check the file and import again",
            zh=f"{path}：無法讀取這個檔案：請檢查檔案後再匯入",
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_a_file(path)
    if info.st_size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"{path}: is {info.st_size / 1024 / 1024:.1f} MiB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MiB. Save only the alliances' sheet, without "
            "pictures, and import again",
            zh=f"{path}：檔案 {info.st_size / 1024 / 1024:.1f} MiB，上限 "
            f"{MAX_FILE_BYTES // 1024 // 1024} MiB：請只存聯盟清單那一張工作表（不含圖片）後再匯入",
        )
    return info.st_size


def _not_a_file(path: Path) -> ImportFileError:
    return ImportFileError(
        f"{path}: is not a regular file; save the spreadsheet as a file",
        zh=f"{path}：不是一般檔案：請把試算表存成檔案後再匯入",
    )


def read_bounded(path: Path) -> bytes:
    """The file's bytes, at most :data:`MAX_FILE_BYTES` (it may grow after the check)."""
    checked_size(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _not_a_file(path)
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        checked_size(path)  # it grew while being read: refuse with the size message
        raise ImportFileError(
            f"{path}: grew while being read; import it again",
            zh=f"{path}：讀取時檔案仍在變大：請再匯入一次",
        )
    return data


#: The namespace of Excel's "Strict Open XML Spreadsheet", which openpyxl reads as a workbook
#: without sheets.
_STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
#: An OLE compound file: an Excel 97-2003 workbook, or an .xlsx encrypted with a password
#: (which then holds an "EncryptionInfo" stream, its name in UTF-16).
_COMPOUND_FILE = bytes.fromhex("d0cf11e0a1b11ae1")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
#: Cells one row may hold: Excel's own column count (A to XFD). openpyxl holds a whole row in
#: memory before it yields it (some 650 bytes a cell), so a 44 MB row of two million cells
#: took 1.3 GB and 9 s.
MAX_CELLS_IN_A_ROW = 16_384
#: Cells in the rows the import reads (the first MAX_ROWS + 1 of each sheet): 2,000 rows of
#: 250 columns; openpyxl parses some 200,000 cells a second.
MAX_CELLS_READ = 500_000
#: Elements (start tags) of xl/styles.xml, which openpyxl builds into objects whole (about
#: 60 us and 1.5 KB each). Formats and named styles pile up in real workbooks from copying and
#: pasting between files (each is two or three tags: 60,000 named styles are 180,000 tags,
#: 11.7 s and 282 MB in openpyxl), so tens of thousands are still read; a 158 KB file with a
#: million formats took over 20 s and 1.5 GB.
MAX_STYLE_ELEMENTS = 250_000
#: Shared strings (``<si>`` elements), which openpyxl reads whole before any sheet (about
#: 8 us each): 3.5 million took 29 s. The registry has about 200 alliances.
MAX_SHARED_STRINGS = 250_000
#: Longest tag start a scan must see whole across two reads (``<prefix:row ``).
_TAG_WINDOW = 64
_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_CELL_OR_ROW = re.compile(_PREFIX + rb"(row|c)(?=[\s/>])")
_ROW = re.compile(_PREFIX + rb"row(?=[\s/>])")
_SHARED_STRING = re.compile(_PREFIX + rb"si(?=[\s/>])")
_START_TAG = re.compile(rb"<[A-Za-z_]")
#: How a part in UTF-16 starts (a BOM, or "<" with a zero byte), and the codec to read it.
UTF16_STARTS = {
    b"\xff\xfe": "utf-16",
    b"\xfe\xff": "utf-16",
    b"<\x00": "utf-16-le",
    b"\x00<": "utf-16-be",
}
RESAVE = Bilingual("請用 Excel 開啟後另存為 .xlsx", "open the file in Excel and save it as .xlsx")
_ONLY_THE_SHEET = Bilingual(
    "請把聯盟清單複製到新的活頁簿（只貼上值），存成 .xlsx 後匯入該檔",
    "copy the alliances' table into a new workbook (paste values only), save it as .xlsx and "
    "import that",
)


class _PartScan:
    """One pass over one part, in UTF-8 bytes: what openpyxl would build from it.

    A part in UTF-16 (SharePoint and OneDrive write ``customXml`` parts so) is decoded as it is
    read, so its tags are counted too. Counting works for any part name and root element:
    openpyxl finds the sheets and the shared strings through the package's relationships.
    """

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name
        self.decoder: codecs.IncrementalDecoder | None = None
        self.first = True
        self.tail = b""
        self.rows = 0
        self.cells_in_row = 0
        self.cells_read = 0
        self.strings = 0
        self.elements = 0

    def _refuse(self, what: Bilingual, fix: Bilingual = RESAVE) -> ImportFileError:
        return ImportFileError(
            f"{self.path}: part {self.name} {what.en}; {fix.en}",
            zh=f"{self.path}：其中的 {self.name} {what.zh}：{fix.zh}",
        )

    def feed(self, raw: bytes) -> None:
        if self.first:
            self.first = False
            codec = UTF16_STARTS.get(raw[:2])
            if codec is not None:
                self.decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        data = self.decoder.decode(raw).encode("utf-8") if self.decoder else raw
        window = self.tail + data
        if _STRICT_NAMESPACE in window:
            raise ImportFileError(
                f"{self.path}: is saved as 'Strict Open XML Spreadsheet', which the import cannot "
                "read; in Excel choose 'Save As' > 'Excel Workbook (*.xlsx)' and import again",
                zh=f"{self.path}：存成了「Strict Open XML 試算表」，無法匯入：請在 Excel 選「另存新檔」>"
                "「Excel 活頁簿 (*.xlsx)」後再匯入",
            )
        # Scan up to the last "<" near the end; a tag cut by the read is scanned next time.
        cut = window.rfind(b"<", len(window) - _TAG_WINDOW)
        done = window if cut < 0 else window[:cut]
        self.tail = window[len(done) :]
        self._count(done)

    def _count(self, data: bytes) -> None:
        if self.name == "xl/styles.xml":
            self.elements += len(_START_TAG.findall(data))
            if self.elements > MAX_STYLE_ELEMENTS:
                raise self._refuse(
                    Bilingual(
                        f"有超過 {MAX_STYLE_ELEMENTS:,} 筆樣式項目（多半是複製貼上累積的格式）",
                        f"holds more than {MAX_STYLE_ELEMENTS:,} style entries (usually formats "
                        "piled up by copying and pasting)",
                    ),
                    _ONLY_THE_SHEET,
                )
        # The regexes try a tag prefix at every "<"; a plain search first skips parts without
        # the name (a 64 MiB part of other tags took 1.7 s through them).
        if b"si" in data:
            self.strings += len(_SHARED_STRING.findall(data))
        if self.strings > MAX_SHARED_STRINGS:
            raise self._refuse(
                Bilingual(
                    f"有超過 {MAX_SHARED_STRINGS:,} 筆共用文字（登錄約 200 個聯盟）",
                    f"holds more than {MAX_SHARED_STRINGS:,} shared texts; the registry has "
                    "about 200 alliances",
                ),
                _ONLY_THE_SHEET,
            )
        if self.rows > MAX_ROWS + 1:
            return  # the import reads no further; openpyxl stops there too
        if not self.rows:  # cells outside rows (calcChain) are not a sheet's
            first = _ROW.search(data) if b"row" in data else None
            if first is None:
                return
            data = data[first.start() :]
        for match in _CELL_OR_ROW.finditer(data):
            if match.group(1) == b"row":
                self.rows += 1
                self.cells_in_row = 0
                if self.rows > MAX_ROWS + 1:
                    return
                continue
            self.cells_in_row += 1
            self.cells_read += 1
            if self.cells_in_row > MAX_CELLS_IN_A_ROW:
                raise self._refuse(
                    Bilingual(
                        f"有一列超過 {MAX_CELLS_IN_A_ROW:,} 格，比 Excel 的欄數還多（檔案損壞或遭竄改）",
                        f"has a row of more than {MAX_CELLS_IN_A_ROW:,} cells, more than Excel "
                        "has columns (a damaged or crafted file)",
                    )
                )
            if self.cells_read > MAX_CELLS_READ:
                raise self._refuse(
                    Bilingual(
                        f"前 {MAX_ROWS:,} 列有超過 {MAX_CELLS_READ:,} 格（登錄約 200 個聯盟）",
                        f"holds more than {MAX_CELLS_READ:,} cells in its first {MAX_ROWS:,} "
                        "rows; the registry has about 200 alliances",
                    ),
                    _ONLY_THE_SHEET,
                )


def _check_not_compound(path: Path) -> None:
    """Name the two kinds of .xlsx that are no zip at all: password-protected, or an old .xls."""
    try:
        with path.open("rb") as fh:  # a regular file: checked_size ran first
            if fh.read(len(_COMPOUND_FILE)) != _COMPOUND_FILE:
                return
    except OSError:
        return  # the zip reader says why
    if _ENCRYPTION_INFO in read_bounded(path):
        raise ImportFileError(
            f"{path}: is protected with a password (encrypted), so it cannot be read; in Excel "
            "open it, remove the password (File > Info > Protect Workbook > Encrypt with "
            "Password, clear it), save and import again",
            zh=f"{path}：設有密碼（已加密），無法讀取：請在 Excel 開啟後移除密碼（檔案 > 資訊 > "
            "保護活頁簿 > 以密碼加密，清空密碼），存檔後再匯入",
        )
    raise ImportFileError(
        f"{path}: is an old Excel 97-2003 workbook (.xls) named .xlsx; in Excel choose "
        "'Save As' > 'Excel Workbook (*.xlsx)' and import again",
        zh=f"{path}：是舊版 Excel 97-2003 活頁簿（.xls）卻命名為 .xlsx：請在 Excel 選「另存新檔」>"
        "「Excel 活頁簿 (*.xlsx)」後再匯入",
    )


#: What zipfile raises on a part it cannot unpack, none of them an OSError: damaged compressed
#: bytes (zlib.error), a bad checksum, a compression method it lacks (Deflate64, as some
#: archivers write), or a zip-encrypted part (RuntimeError).
_DAMAGED_PART = (zlib.error, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError)


def _damaged(path: Path, name: str, exc: Exception) -> ImportFileError:
    """zipfile's words (a zlib error code, a whole ZipInfo) go to the debug log; the message says
    what they mean for the office."""
    log.debug("%s: part %s cannot be unpacked: %s: %s", path, name, type(exc).__name__, exc)
    if isinstance(exc, RuntimeError):
        why = Bilingual(
            "以壓縮檔密碼加密，Excel 不會這樣存", "it is zip-encrypted, which Excel never does"
        )
    elif isinstance(exc, NotImplementedError):
        why = Bilingual(
            "使用了 Excel 不用的壓縮方式",
            "it is packed with a compression method Excel does not use",
        )
    else:
        why = Bilingual(
            "檔案已損壞（寄送途中損壞或下載不完整）",
            "the file is damaged (in the mail, or a cut-off download)",
        )
    return ImportFileError(
        f"{path}: part {name} cannot be unpacked: {why.en}. Open the file in Excel and save it "
        "again as .xlsx; if Excel cannot open it either, ask its sender for the file again",
        zh=f"{path}：其中的 {name} 無法解壓縮：{why.zh}。請用 Excel 開啟後重新存成 .xlsx；"
        "若 Excel 也打不開，請向寄件人再要一次檔案",
    )


def check_xlsx_parts(path: Path) -> None:
    """Refuse a workbook whose parts are too big once unzipped, or would make openpyxl build
    far more than an alliance list needs (see the limits above).

    Every part is read once, in chunks, before openpyxl sees the file. Every part, whatever
    its name: the package's relationships, not the names, say which part openpyxl reads as
    what. (DTDs are refused as openpyxl opens a part: see :mod:`.parsed_parts`.)
    """
    _check_not_compound(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(m.file_size for m in members)
            if declared > MAX_UNZIPPED_BYTES:
                raise ImportFileError(
                    f"{path}: unpacks to {declared / 1024 / 1024:.0f} MiB; the limit is "
                    f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MiB. Save only the alliances' sheet "
                    "as .xlsx and import again",
                    zh=f"{path}：解壓縮後 {declared / 1024 / 1024:.0f} MiB，上限 "
                    f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MiB：請只把聯盟清單那一張工作表存成 .xlsx 後再匯入",
                )
            total = 0
            for member in members:
                scan = _PartScan(path, member.filename)
                try:
                    with archive.open(member) as part:
                        while chunk := part.read(64 * 1024):
                            total += len(chunk)
                            if total > MAX_UNZIPPED_BYTES:  # the declared sizes lied
                                raise ImportFileError(
                                    f"{path}: unpacks to more than "
                                    f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MiB; save only the "
                                    "alliances' sheet as .xlsx and import again",
                                    zh=f"{path}：解壓縮後超過 {MAX_UNZIPPED_BYTES // 1024 // 1024} "
                                    "MiB：請只把聯盟清單那一張工作表存成 .xlsx 後再匯入",
                                )
                            scan.feed(chunk)
                except _DAMAGED_PART as exc:
                    raise _damaged(path, member.filename, exc) from exc
    except ImportFileError:  # already says what is wrong: not "not readable (...)" around it
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        log.debug("%s: not a zip package: %s: %s", path, type(exc).__name__, exc)
        raise ImportFileError(
            f"{path}: not a readable Excel workbook: its content is not what Excel saves as "
            ".xlsx (another kind of file named .xlsx, or a cut-off download). Open it in Excel "
            "and save it again as .xlsx; if Excel cannot open it either, ask its sender for the "
            "file again",
            zh=f"{path}：不是可讀取的 Excel 活頁簿：內容不是 Excel 存的 .xlsx 格式（可能是其他檔案"
            "改名為 .xlsx，或下載不完整）。請用 Excel 開啟後重新存成 .xlsx；若 Excel 也打不開，"
            "請向寄件人再要一次檔案",
        ) from exc

"""The workbook archive handed to openpyxl: a part that declares a DTD is refused as openpyxl
opens it, before a parser sees a byte of it.

Why here and not in one pass over every part (as :mod:`.sheet_limits` counts them): Excel
never writes a DTD, and a DTD's entities are how an XML bomb grows, but a workbook may hold
parts that carry one and that openpyxl never parses, such as an SVG picture exported by
Adobe Illustrator (``<!DOCTYPE svg ...>`` with ``<!ENTITY ns_ai ...>``), which Excel 365 stores
beside the picture's PNG fallback. Which parts openpyxl parses follows from
[Content_Types].xml and the package's relationships (the workbook part, its relationships, the
sheets they name, the shared texts [Content_Types].xml names, the styles, a chart sheet's
drawings and charts...), never from the names alone: a hostile file may call its sheet
``xl/media/image1.svg``. Rather than re-implement openpyxl's reader to predict that set (and
drift from it when openpyxl changes), the archive checks each part the moment openpyxl opens
it: exactly the parts openpyxl reads, by construction. Pictures it opens only for Pillow (a
chart sheet's images) are checked too; an SVG there is refused, though Pillow could not read
it anyway.

A parsed part in an encoding the byte scans cannot read through is refused too: lxml (which
openpyxl uses for everything but the sheets and shared texts) reads UTF-32 and, when the
XML declaration names them, UTF-7 or ISO-2022, where "<!DOCTYPE" is other bytes and so is
every tag :mod:`.sheet_limits` counts. Excel writes UTF-8 (SharePoint adds UTF-16 parts).
"""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path
from typing import IO, Any

from alliance_portal.registry.sheet_limits import RESAVE, UTF16_STARTS, ImportFileError

_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
#: Bytes kept from one read to the next, so a mark cut by a read is still seen whole.
_OVERLAP = max(len(mark) for mark in _DTD_MARKS) - 1
_CHUNK = 64 * 1024


#: How a part in UTF-32 starts (a BOM, or "<" with three zero bytes). lxml reads it, and then
#: neither a DTD nor a tag is the bytes the scans look for.
_UTF32_STARTS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")
_DECLARED = re.compile(rb"""\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']{0,40})["']""")
#: Encodings an XML declaration may name: those in which "<!DOCTYPE" and every tag are the
#: bytes the scans look for (or UTF-16, which they decode). Excel writes UTF-8; lxml also
#: reads UTF-7, ISO-2022 and the like, where "<!DOCTYPE" can be spelt "+ADwAIQ-DOCTYPE".
_PLAIN_ENCODINGS = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1", "windows-1252"}
    | {"cp1252", "utf-16", "utf-16le", "utf-16be", "utf16"}
)


def unusual_encoding(first: bytes) -> str | None:
    """The name of the part's encoding when it is not one the scans can read through (see
    :data:`_PLAIN_ENCODINGS`), from the part's first bytes; None when it is."""
    if first.startswith(_UTF32_STARTS):
        return "UTF-32"
    codec = UTF16_STARTS.get(first[:2])
    head = first[:512].decode(codec, errors="replace").encode() if codec else first[:512]
    declared = _DECLARED.match(head.removeprefix(b"\xef\xbb\xbf"))
    if declared is None:
        return None
    name = declared.group(1).decode("ascii", errors="replace")
    return None if name.strip().lower() in _PLAIN_ENCODINGS else name


def declares_a_dtd(first: bytes, rest: IO[bytes]) -> bool:
    """Whether the part (``first`` bytes read, then ``rest``) holds ``<!DOCTYPE`` or
    ``<!ENTITY``, read in chunks to its end.

    A part in UTF-16 (which the XML parsers read, and SharePoint writes) is decoded as it is
    read, so a DTD cannot hide in it.
    """
    codec = UTF16_STARTS.get(first[:2])
    decoder = codecs.getincrementaldecoder(codec)(errors="replace") if codec else None
    tail = b""
    chunk = first
    while chunk:
        data = decoder.decode(chunk).encode("utf-8") if decoder else chunk
        window = tail + data
        if any(mark in window for mark in _DTD_MARKS):
            return True
        tail = window[-_OVERLAP:]
        chunk = rest.read(_CHUNK)
    return False


def part_refusal(path: Path, name: str, part: IO[bytes]) -> ImportFileError | None:
    """Why the part must not reach a parser, read to its end; None when it may."""
    first = part.read(_CHUNK)
    encoding = unusual_encoding(first)
    if encoding is not None:
        return ImportFileError(
            f"{path}: part {name} is written in the {encoding} text encoding, which Excel never "
            f"uses (it writes UTF-8); {RESAVE.en}",
            zh=f"{path}：其中的 {name} 使用 {encoding} 文字編碼，Excel 從不使用（Excel 寫 UTF-8）："
            f"{RESAVE.zh}",
        )
    return dtd_refusal(path, name) if declares_a_dtd(first, part) else None


def dtd_refusal(path: Path, name: str) -> ImportFileError:
    return ImportFileError(
        f"{path}: part {name} declares a DTD (<!DOCTYPE or <!ENTITY>), which Excel never "
        f"writes and which can expand without bound; {RESAVE.en}",
        zh=f"{path}：其中的 {name} 宣告了 DTD（<!DOCTYPE 或 <!ENTITY>），Excel 從不寫入，且可能"
        f"無限展開：{RESAVE.zh}",
    )


class DtdCheckedArchive(zipfile.ZipFile):
    """A read-only zip archive that reads each part once through :func:`part_refusal` before
    it hands the part out, and refuses it if it declares a DTD or is in an encoding the
    checks cannot read through (UTF-32, UTF-7...).

    openpyxl catches some exceptions while it reads (and wraps ValueError, which
    :class:`ImportFileError` is, in its own), so the refusal is also kept in
    :attr:`refusal` for the caller to raise once openpyxl gives up or returns.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, "r")
        self.path = path
        self.refusal: ImportFileError | None = None
        self._checked: set[int] = set()  # header offsets: a sheet is opened twice

    def open(  # type: ignore[override]
        self,
        name: str | zipfile.ZipInfo,
        mode: str = "r",
        pwd: bytes | None = None,
        **kwargs: Any,
    ) -> IO[bytes]:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if mode != "r":
            raise ValueError("the checked archive is read-only")
        if info.header_offset not in self._checked:
            if self.refusal is not None:
                raise self.refusal
            with super().open(info, "r", pwd) as part:
                self.refusal = part_refusal(self.path, info.filename, part)
            if self.refusal is not None:
                raise self.refusal
            self._checked.add(info.header_offset)
        return super().open(info, "r", pwd, **kwargs)

"""The bounds on a spreadsheet the office imports: file size, unzipped size, rows, columns, DTDs.

Why bounds: the office imports files that came by e-mail, and the registry has about 200
alliances. Without them a 117 KiB XLSX declaring ``A1:XFD1048576`` took 2.5 GB, five million
rows passed 3 GB, and an XML part with a DTD can expand its entities without end. Every check
here runs before a parser sees the file, and each refusal is an :class:`ImportFileError` that
names the file and says what to do.

Exceptions::

    ValueError
     └── ImportFileError   the file as a whole cannot be imported (nothing is written)
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from alliance_portal.registry.errors import UsageError

#: Most rows read (titles, header and data); the registry has about 200 alliances.
MAX_ROWS = 2000
#: Columns read from each row; columns further right are ignored (a profile has 14 fields).
MAX_COLUMNS = 50
#: Largest file accepted (CSV or XLSX); a 200-row sheet with long intros is well under 2 MiB.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Largest total size of an XLSX's parts once unzipped (a zip bomb stops here).
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024


class ImportFileError(UsageError, ValueError):
    """The file cannot be imported at all (unreadable, no header, no slug column...)."""


def too_many_rows(path: Path) -> ImportFileError:
    return ImportFileError(
        f"{path}: has more than {MAX_ROWS:,} rows; the registry has about 200 alliances. "
        "Delete the rows below the table (or split the file) and import again"
    )


def checked_size(path: Path) -> int:
    """The size of the regular file at ``path``; refuses devices, pipes and huge files."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ImportFileError(f"{path}: is not a regular file; save the spreadsheet as a file")
    if info.st_size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"{path}: is {info.st_size / 1024 / 1024:.1f} MiB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MiB. Save only the alliances' sheet, without "
            "pictures, and import again"
        )
    return info.st_size


def read_bounded(path: Path) -> bytes:
    """The file's bytes, at most :data:`MAX_FILE_BYTES` (it may grow after the check)."""
    checked_size(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ImportFileError(f"{path}: is not a regular file; save the spreadsheet as a file")
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        checked_size(path)  # it grew while being read: refuse with the size message
        raise ImportFileError(f"{path}: grew while being read; import it again")
    return data


_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")


def check_xlsx_parts(path: Path) -> None:
    """Refuse a workbook whose parts are too big once unzipped or carry a DTD.

    Every XML part is read once, in chunks, before openpyxl sees the file: Excel never writes a
    DTD, and a DTD's entities are how an XML bomb grows.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(m.file_size for m in members)
            if declared > MAX_UNZIPPED_BYTES:
                raise ImportFileError(
                    f"{path}: unpacks to {declared / 1024 / 1024:.0f} MiB; the limit is "
                    f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MiB. Save only the alliances' sheet "
                    "as .xlsx and import again"
                )
            total = 0
            for member in members:
                if not member.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                tail = b""
                with archive.open(member) as part:
                    first = True
                    while chunk := part.read(64 * 1024):
                        total += len(chunk)
                        if total > MAX_UNZIPPED_BYTES:  # the declared sizes lied
                            raise ImportFileError(
                                f"{path}: unpacks to more than "
                                f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MiB; save only the "
                                "alliances' sheet as .xlsx and import again"
                            )
                        if first and chunk.startswith(
                            (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
                        ):
                            raise ImportFileError(
                                f"{path}: part {member.filename} is UTF-16 XML, which Excel "
                                "does not write; open the file in Excel and save it as .xlsx"
                            )
                        first = False
                        window = tail + chunk
                        if any(mark in window for mark in _DTD_MARKS):
                            raise ImportFileError(
                                f"{path}: part {member.filename} declares a DTD (<!DOCTYPE or "
                                "<!ENTITY>), which Excel never writes and which can expand "
                                "without bound; open the file in Excel and save it as .xlsx"
                            )
                        tail = window[-16:]
    except ImportFileError:  # already says what is wrong: not "not readable (...)" around it
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportFileError(
            f"{path}: not a readable Excel workbook ({exc}); save it again as .xlsx"
        ) from exc

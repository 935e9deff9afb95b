"""Reading one profile file from disk, bounded: the registry's only way to open a profile.

Why bounded: profiles are edited by hand, and every reader (``alliance check``, ``build``, the
crawl, the upload form and its office console) reads all of them. A profile is a few KB; a file
that is not a regular file (a symlink to ``/dev/zero``, a FIFO), a huge file, or a TOML "bomb"
(200 KB of nested brackets overflows the parser's recursion; a 100,000-part dotted key makes
:mod:`tomllib` use gigabytes, its cost growing with the square of the parts) must cost one
problem for that file, never the process. Every refusal is a :class:`ProfileFileError` with a
stable code and text in both languages.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.problems import ProblemCode

#: Largest profile accepted. The longest legitimate one (both intros at their limits, every
#: character three UTF-8 bytes, escaped) is under 64 KiB.
MAX_PROFILE_BYTES = 256 * 1024
#: Most parts in a dotted TOML key (``a.b.c`` has three). A profile's keys have one; tomllib's
#: cost grows with the square of the parts, so a long chain is refused before parsing.
MAX_KEY_PARTS = 16

_PART = r"""(?:(?<![A-Za-z0-9_-])[A-Za-z0-9_-]++|"[^"\n]*+"|'[^'\n]*+')"""
# Possessive quantifiers and a word-start anchor keep this linear: a long word or a long run of
# quotes is scanned once, not once per starting position.
_DOTTED_CHAIN = re.compile(rf"(?:{_PART}[ \t]*+\.[ \t]*+){{{MAX_KEY_PARTS}}}")


class ProfileFileError(UsageError):
    """A profile file that cannot be read as a profile; nothing in it is used."""

    def __init__(self, code: ProblemCode, message: Bilingual, hint: Bilingual) -> None:
        super().__init__(message.en)
        self.code = code
        self.message = message
        self.hint = hint


def read_profile_bytes(path: Path, *, limit: int = MAX_PROFILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Opened without blocking (a FIFO named ``x.toml`` must not hang the reader) and checked
    with ``fstat`` on the open file, so what is checked is what is read: a symlink to a
    regular file is followed, one to a device is refused. Raises :exc:`FileNotFoundError`
    when there is no file, :class:`ProfileFileError` for anything else.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ProfileFileError(
            ProblemCode.UNREADABLE,
            Bilingual(
                f"無法讀取：{exc.strerror}", f"cannot be read: {exc.strerror or exc}".rstrip()
            ),
            Bilingual("請檢查檔案權限", "check the file's permissions"),
        ) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ProfileFileError(
                ProblemCode.NOT_REGULAR_FILE,
                Bilingual("不是一般檔案（可能是裝置或特殊檔案的連結）", "is not a regular file"),
                Bilingual(
                    "請改成一般的 .toml 文字檔",
                    "replace it with a plain .toml text file (not a link to a device or pipe)",
                ),
            )
        data = fh.read(limit + 1)
    if info.st_size > limit or len(data) > limit:
        raise ProfileFileError(
            ProblemCode.FILE_TOO_LARGE,
            Bilingual(
                f"檔案太大（超過 {limit // 1024} KiB）",
                f"is larger than {limit // 1024} KiB; a profile is a few KB",
            ),
            Bilingual(
                "請確認這是聯盟資料檔，並刪除多餘內容",
                "check that this is an alliance profile and remove what does not belong",
            ),
        )
    return data


def parse_profile_bytes(raw: bytes) -> dict[str, Any]:
    """Profile bytes as TOML values; :class:`ProfileFileError` when they are not a profile."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProfileFileError(
            ProblemCode.NOT_UTF8,
            Bilingual(
                f"不是 UTF-8 文字（第 {exc.start} 個位元組）",
                f"is not UTF-8 text (byte {exc.start})",
            ),
            Bilingual("請以 UTF-8 編碼儲存", "save the file as UTF-8"),
        ) from None
    if _DOTTED_CHAIN.search(text):
        raise ProfileFileError(
            ProblemCode.TOO_DEEP,
            Bilingual(
                f"含有超過 {MAX_KEY_PARTS} 層的點號名稱（a.b.c…）",
                f"has a dotted key of more than {MAX_KEY_PARTS} parts (a.b.c...)",
            ),
            Bilingual(
                '每行應為 key = "value"，名稱不含點號',
                'each line should look like key = "value", with no dots in the key',
            ),
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileFileError(
            ProblemCode.NOT_TOML,
            Bilingual(f"不是正確的 TOML 格式：{exc}", f"is not valid TOML: {exc}"),
            Bilingual('每行應為 key = "value"', 'each line should look like key = "value"'),
        ) from None
    except RecursionError:
        raise ProfileFileError(
            ProblemCode.TOO_DEEP,
            Bilingual("括號層數過多，無法讀取", "is nested too deeply to be read"),
            Bilingual(
                '每行應為 key = "value"，不需要 [ ] 或 { } 的巢狀結構',
                'each line should look like key = "value"; a profile needs no nested [ ] or { }',
            ),
        ) from None


def read_profile_data(path: Path) -> dict[str, Any]:
    """The TOML values of the profile at ``path``, read with every bound above.

    Raises :exc:`FileNotFoundError` or :class:`ProfileFileError`.
    """
    return parse_profile_bytes(read_profile_bytes(path))

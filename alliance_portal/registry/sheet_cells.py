"""One spreadsheet cell as a profile value: what the office typed, read the way it meant it.

Why apart from :mod:`alliance_portal.registry.importer`: the import walks rows and writes
profiles; reading a cell (是/否 for ``active``, a western or ROC year for ``since``, numbers
Excel stored as floats) is a small vocabulary of its own, with its own bilingual errors.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.years import parse_year

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "啟用", "上架", "公開", "v", "✓", "o"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "停用", "下架", "不公開", "x", "✗"})


def is_blank(value: Any) -> bool:
    """An empty cell, or one holding only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as trimmed text: booleans as true/false, 2021.0 as 2021, dates as ISO."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


class CellError(UsageError, ValueError):
    """A cell the import cannot understand; ``message`` says why in each language, so the
    Chinese half of a row's error is Chinese only."""

    def __init__(self, message: Bilingual) -> None:
        super().__init__(message.en)
        self.message = message


def convert_cell(key: str, value: Any) -> Any:
    """A spreadsheet cell as a profile value. Raises :class:`CellError` with a
    spreadsheet-friendly explanation for ``active`` and ``since`` values that cannot be
    understood."""
    if key == "active":
        if isinstance(value, bool):
            return value
        word = cell_text(value).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        shown = cell_text(value)
        raise CellError(
            Bilingual(
                f"「{shown}」不是「是」或「否」：請填 是/否（或 yes/no）",
                f"{shown!r} is not yes or no: write 是/否 (or yes/no)",
            )
        )
    if key == "since":
        year = parse_year(value if isinstance(value, int | float) else cell_text(value))
        if year is None:
            text = unicodedata.normalize("NFKC", cell_text(value))
            raise CellError(
                Bilingual(
                    f"「{text}」不是年份：請填西元年（如 2021）或民國年（如 110）",
                    f"{text!r} is not a year: write a year such as 2021 (or the ROC year 110)",
                )
            )
        return year
    return cell_text(value)

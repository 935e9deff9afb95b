"""The founding year as the office and alliances write it: one rule for the form and the import.

Taiwanese offices write years in the ROC calendar (民國107年 = 2018) as often as in the western
one, in full-width digits as often as in ASCII. Both the upload form and ``alliance import``
read a year through :func:`parse_year`, so a value one accepts the other accepts too.
"""

from __future__ import annotations

import re
import unicodedata

#: ROC year N is western year N + 1911 (民國元年 = 1912).
ROC_OFFSET = 1911

_YEAR_RE = re.compile(r"^(民國|中華民國|西元)?\s*(\d{1,4})\s*(?:年度|年)?$")


def parse_year(value: object) -> int | None:
    """The western year ``value`` means, or None when it is not a year.

    Four digits are a western year (``2018``, ``西元2018年``); one to three digits, or any
    number after 民國, are an ROC year (``107``, ``民國107年``, ``１０７年度``). Whole numbers
    from a spreadsheet follow the same rule.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value + ROC_OFFSET if 0 < value < 1000 else value
    if not isinstance(value, str):
        return None
    match = _YEAR_RE.match(unicodedata.normalize("NFKC", value).strip())
    if match is None:
        return None
    era, digits = match.groups()
    year = int(digits)
    if era in ("民國", "中華民國") or (era is None and len(digits) < 4):
        return year + ROC_OFFSET
    return year


def year_as_written(value: object) -> str:
    """The number in ``value`` as the user typed it (for "year 12 is out of range")."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value)))
    return digits or str(value)

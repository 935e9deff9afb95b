"""What the monitor writes and the office console reads: a month folder's file names, the checks
and the status words.

Why in the registry layer: the monitor writes ``reports/<YYYY-MM>/`` and the console (intake)
reads it, and neither may import the other (docs/architecture.md). Written twice, a renamed file
was a report the console silently stopped showing; written here once, both sides use the same
names, and grep finds no second copy.
"""

from __future__ import annotations

import re
from typing import Literal

from alliance_portal.registry.bilingual import Bilingual

#: A month folder's name: ``YYYY-MM``.
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

#: The files and folders of ``reports/<YYYY-MM>/`` (``INDEX_FILE`` is also the months list).
INDEX_FILE = "index.html"
CSV_FILE = "report.csv"
XLSX_FILE = "report.xlsx"
JSON_FILE = "report.json"
SNAPSHOT_DIR = "snapshots"
SCREENSHOT_DIR = "screenshots"
#: The month's notice drafts (written by ``alliance notify`` and the office console).
NOTICES_DIR = "notices"


def snapshot_name(slug: str) -> str:
    """The homepage source as plain text, relative to the month folder."""
    return f"{SNAPSHOT_DIR}/{slug}.txt"


def screenshot_name(slug: str) -> str:
    """The homepage as the crawl's browser showed it, relative to the month folder."""
    return f"{SCREENSHOT_DIR}/{slug}.png"


def notice_name(slug: str) -> str:
    """The alliance's notice draft, relative to the month folder."""
    return f"{NOTICES_DIR}/{slug}.eml"


#: Checks in the order they appear everywhere: columns, chart panels, e-mails, the console.
CHECKS: tuple[str, ...] = ("loads", "credit", "updates")
#: Each check and the overall result as a person reads them, zh-TW first.
CHECK_WORDS: dict[str, Bilingual] = {
    "loads": Bilingual("網站開啟", "Site opens"),
    "credit": Bilingual("補助標示", "Funding credit"),
    "updates": Bilingual("定期更新", "Regular updates"),
    "overall": Bilingual("總結", "Overall"),
}
#: Checks plus the overall result, for summaries (``report.json``'s ``summary``).
SUMMARY_KEYS: tuple[str, ...] = (*CHECKS, "overall")

Status = Literal["pass", "warn", "fail"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail")
#: A status as a person reads it, zh-TW first.
STATUS_WORDS: dict[str, Bilingual] = {
    "pass": Bilingual("通過", "pass"),
    "warn": Bilingual("待確認", "warn"),
    "fail": Bilingual("未通過", "fail"),
}
#: A check that could not judge the site (its homepage could not be read): grey, not a fail.
NOT_CHECKED = "not-checked"
#: Every status a report cell or a console badge shows, as a person reads it.
SHOWN_STATUS_WORDS: dict[str, Bilingual] = {
    **STATUS_WORDS,
    NOT_CHECKED: Bilingual("未檢查", "not checked"),
}

#: The checks whose deciding evidence is outlined on a homepage's picture, in drawing order.
OUTLINED_CHECKS: tuple[str, ...] = ("credit", "updates")
#: How far (in pixels) a box may reach past the picture's edge (a border, rounding).
OUTLINE_SLACK = 8


def outline_boxes(outline: object, width: int, height: int) -> dict[str, tuple[int, int, int, int]]:
    """The evidence boxes of a result's ``outline`` (``{"credit": [x, y, w, h] | None, ...}``
    in the picture's pixels, written by monitor/homepage_picture.py) that are four whole numbers
    inside a ``width`` x ``height`` picture. Read from files on disk: anything else is dropped."""
    boxes: dict[str, tuple[int, int, int, int]] = {}
    if not isinstance(outline, dict):
        return boxes
    for key in OUTLINED_CHECKS:
        box = outline.get(key)
        if (
            isinstance(box, list)
            and len(box) == 4
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in box)
            and box[0] + box[2] <= width + OUTLINE_SLACK
            and box[1] + box[3] <= height + OUTLINE_SLACK
        ):
            boxes[key] = (box[0], box[1], box[2], box[3])
    return boxes

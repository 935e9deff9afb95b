"""The report's vocabulary: the checks in their order, every label a person reads (zh-TW first),
and the names of the files in a month folder.

Why one module: the page, the spreadsheets and the e-mailed notices show the same words; kept
here, a label changes everywhere at once.
"""

from __future__ import annotations

from alliance_portal.registry.bilingual import Bilingual

# The checks, the status words and the month folder's file names are the contract with the
# office console, so they live in the registry layer (re-exported here for the report's modules).
from alliance_portal.registry.report_contract import (  # noqa: F401 - re-exported
    CHECK_WORDS,
    CHECKS,
    CSV_FILE,
    INDEX_FILE,
    JSON_FILE,
    NOTICES_DIR,
    SCREENSHOT_DIR,
    SNAPSHOT_DIR,
    STATUS_WORDS,
    SUMMARY_KEYS,
    XLSX_FILE,
)

#: Every label a person reads, zh-TW and English kept apart (display joins them).
CHECK_LABELS: dict[str, Bilingual] = dict(CHECK_WORDS)

#: What the outlines on a homepage's picture mark (monitor/homepage_picture.py).
EVIDENCE_LABELS: dict[str, Bilingual] = {
    "credit": Bilingual(
        "紅框：判定的補助標示", "red box: the funding credit that decided the check"
    ),
    "updates": Bilingual("藍框：最新的日期", "blue box: the newest date"),
}
STATUS_LABELS: dict[str, Bilingual] = dict(STATUS_WORDS)


CHANGE_LABELS: dict[str, Bilingual] = {
    "newly-failing": Bilingual("新增未通過", "newly failing"),
    "recovered": Bilingual("已改善", "recovered"),
    "": Bilingual("", ""),
}


#: Where the crawler found the funding credit, as a person reads it (a URL is shown as is).
CREDIT_WHERE: dict[str, Bilingual] = {
    "text": Bilingual("首頁文字", "homepage text"),
    "alt": Bilingual("替代文字（alt）", "alt text"),
    "title": Bilingual("title 屬性", "title attribute"),
    "image": Bilingual("僅在圖片中", "only inside an image"),
}

#: What kind of text the latest date was found in (the crawler's words).
FOUND_IN: dict[str, Bilingual] = {
    "post date": Bilingual("發布日期", "post date"),
    "news/list item": Bilingual("消息列表", "news/list item"),
    "feed item": Bilingual("RSS/Atom 項目", "feed item"),
    "<time> element": Bilingual("時間標記", "<time> element"),
    "article": Bilingual("文章", "article"),
    "date leading a line": Bilingual("行首日期", "date leading a line"),
    "date ending a line": Bilingual("行尾日期", "date ending a line"),
    "running text": Bilingual("內文", "running text"),
    "page header/menu": Bilingual("頁首或選單", "page header/menu"),
}


#: The facts a check shows, by key: their labels (zh-TW first).
FACT_LABELS: dict[str, Bilingual] = {
    "http": Bilingual.same("HTTP"),
    "redirects": Bilingual("轉址", "Redirects"),
    "tls": Bilingual.same("TLS"),
    "content_encoding": Bilingual.same("Content-Encoding"),
    "retries": Bilingual("重試", "Retries"),
    "attempts": Bilingual("嘗試次數", "Attempts"),
    "rendered": Bilingual.same("JS"),
    "matched": Bilingual("符合文字", "Matched"),
    "where": Bilingual("位置", "Where"),
    "latest_date": Bilingual("最新日期", "Latest"),
    "as_written": Bilingual("原文", "As written"),
    "source": Bilingual("來源", "Source"),
    "found_in": Bilingual("出處", "Found in"),
    "age_days": Bilingual("天數", "Days old"),
}

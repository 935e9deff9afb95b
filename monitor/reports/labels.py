"""The report's vocabulary: the checks in their order, every label a person reads (zh-TW first),
and the names of the files in a month folder.

Why one module: the page, the spreadsheets and the e-mailed notices show the same words; kept
here, a label changes everywhere at once.
"""

from __future__ import annotations

from alliance_portal.registry.bilingual import Bilingual

#: Checks in the order they appear everywhere: columns, chart panels, e-mails.
CHECKS: tuple[str, ...] = ("loads", "credit", "updates")
#: Checks plus the overall result, for summaries.
SUMMARY_KEYS: tuple[str, ...] = (*CHECKS, "overall")

#: zh-TW first, English second: every label a person reads.
CHECK_LABELS: dict[str, tuple[str, str]] = {
    "loads": ("網站開啟", "Site opens"),
    "credit": ("補助標示", "Funding credit"),
    "updates": ("定期更新", "Regular updates"),
    "overall": ("總結", "Overall"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pass": ("通過", "pass"),
    "warn": ("待確認", "warn"),
    "fail": ("未通過", "fail"),
}


#: Folder and file names inside ``reports/<YYYY-MM>/``.
INDEX_FILE = "index.html"
CSV_FILE = "report.csv"
XLSX_FILE = "report.xlsx"
JSON_FILE = "report.json"
SNAPSHOT_DIR = "snapshots"
SCREENSHOT_DIR = "screenshots"
#: The month's notice drafts (written by ``alliance notify`` and the office console).
NOTICES_DIR = "notices"


CHANGE_LABELS: dict[str, str] = {
    "newly-failing": "新增未通過 newly failing",
    "recovered": "已改善 recovered",
    "": "",
}


#: Where the crawler found the funding credit, as a person reads it (a URL is shown as is).
CREDIT_WHERE: dict[str, str] = {
    "text": "首頁文字 homepage text",
    "alt": "替代文字（alt） alt text",
    "title": "title 屬性 title attribute",
    "image": "僅在圖片中 only inside an image",
}

#: What kind of text the latest date was found in (the crawler's words, with zh-TW first).
FOUND_IN: dict[str, str] = {
    "post date": "發布日期 post date",
    "news/list item": "消息列表 news/list item",
    "feed item": "RSS/Atom 項目 feed item",
    "<time> element": "時間標記 <time> element",
    "article": "文章 article",
    "date leading a line": "行首日期 date leading a line",
    "running text": "內文 running text",
    "page header/menu": "頁首或選單 page header/menu",
}


#: The facts a check shows, by key: their labels (zh-TW first).
FACT_LABELS: dict[str, Bilingual] = {
    "http": Bilingual.same("HTTP"),
    "redirects": Bilingual("轉址", "Redirects"),
    "tls": Bilingual.same("TLS"),
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

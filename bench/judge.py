"""Benchmark: how long judging one ~100 KB homepage takes (docs/PERFORMANCE.md "Judging").

Not a test: it prints figures. Run with ``.venv/bin/python bench/judge.py [--runs N]``.

The page is built to look like a real alliance homepage in Big5/UTF-8: a menu, a 60-item news
list with ROC and western dates, tables, images with alt text, inline scripts and styles, a
footer with a visitor counter and copyright. Every step the crawler runs on a homepage is timed
separately, then the whole sequence, as the median of ``--runs`` repetitions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.model import Page
from monitor.rules.credit import judge_credit
from monitor.rules.page_text import clear_page_memo, decode_html, read_page
from monitor.rules.pagekind import classify_page, looks_js_rendered
from monitor.rules.updates import find_feed_links, find_news_link, judge_updates

TODAY = date(2026, 12, 1)
URL = "https://alliance.example.edu.tw/"


def build_homepage(target_bytes: int = 100_000) -> str:
    """A realistic homepage of about ``target_bytes`` UTF-8 bytes."""
    head = (
        "<!DOCTYPE html><html lang='zh-Hant'><head><meta charset='utf-8'>"
        "<title>智慧製造產學小聯盟</title>"
        "<link rel='alternate' type='application/rss+xml' href='/feed/'>"
        "<style>" + ".menu li{float:left;padding:4px}" * 40 + ".print-only{display:none}</style>"
        "<script>" + "var counter = 0; function tick(){counter++;}" * 30 + "</script></head><body>"
    )
    nav = (
        "<header><nav class='menu'><ul>"
        + "".join(f"<li class='menu-item'><a href='/p{i}'>選單項目{i}</a></li>" for i in range(12))
        + "<li><a href='/news'>最新消息</a></li></ul></nav>"
    )
    nav += "<div class='clock'>現在時間：2026/12/01 10:22:33</div></header>"
    items: list[str] = []
    i = 0
    body = ""
    while len((head + nav + body).encode()) < target_bytes - 4000:
        roc = f"{114 + i % 2}/{1 + i % 12:02d}/{1 + i % 28:02d}"
        west = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
        items.append(
            f"<li class='news-item'><span class='date'>{roc if i % 2 else west}</span>"
            f"<a href='/news/{i}'>第{i}則公告：智慧製造產學小聯盟舉辦工業物聯網技術研討會，"
            f"歡迎會員廠商報名參加</a><img src='/img/new.gif' alt='new'></li>"
        )
        if i % 10 == 0:
            items.append(
                "<table class='data'><tr><th>項目</th><th>說明</th></tr>"
                + "<tr><td>技術服務</td><td>提供會員廠商技術諮詢、人才培育與設備共享。</td></tr>"
                * 5
                + "</table><p style='display:none'>隱藏的舊內容 2019/01/01</p>"
            )
        i += 1
        body = "<main><ul class='news'>" + "".join(items) + "</ul></main>"
    footer = (
        "<footer><p>本聯盟由<span>科技</span><b>部</b>計畫補助｜指導單位：國家科學及技術委員會</p>"
        "<p>瀏覽人次：0012345</p><p>Copyright (C) 2026 National Taiwan University</p>"
        "<img src='/img/nstc-logo.png' alt='國科會'><p class='print-only'>列印版</p>"
        "<div class='d-none d-md-block'>電話：(02)3366-1234</div></footer></body></html>"
    )
    return head + nav + body + footer


def build_script_heavy_homepage(target_bytes: int = 100_000) -> str:
    """A CMS-style homepage of about ``target_bytes``: 20 news items, the rest scripts and CSS."""
    dense = build_homepage(20_000)
    filler = "<script>" + "window.dataLayer = window.dataLayer || []; function gtag(){}" * 60
    filler += "</script><style>" + ".slider .item{transition:all .3s ease-in-out}" * 60 + "</style>"
    page = dense.replace("</head>", "</head>", 1)
    while len(page.encode()) < target_bytes:
        page = page.replace("</head>", filler + "</head>", 1)
    return page


#: What a run is timed with: wall time, or the CPU time of this thread (``--clock cpu``), which
#: other processes competing for the cores do not inflate (on a shared, loaded machine).
CLOCK: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}


def median_ms(
    fn: Callable[[], object], runs: int, *, cold: bool = False, clock: str = "wall"
) -> float:
    """Median time of ``fn``; ``cold`` empties the parsed-page memo before each run."""
    now = CLOCK[clock]
    fn()  # warm up imports and regex caches
    times = []
    for _ in range(runs):
        if cold:
            forget_parsed_pages()
        start = now()
        fn()
        times.append((now() - start) * 1000)
    return statistics.median(times)


def forget_parsed_pages() -> None:
    clear_page_memo()


def judge_all(body: bytes) -> None:
    """Everything the crawler runs on one fetched homepage (no network)."""
    html, _ = decode_html(body, "text/html; charset=utf-8")
    page = Page(URL, html)
    looks_js_rendered(html)
    classify_page(page)
    find_news_link(page)
    find_feed_links(page)
    judge_credit(page)
    judge_updates([page], today=TODAY, previous_fingerprint=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCK),
        default="wall",
        help="wall time (default) or this thread's CPU time (for a machine shared with other jobs)",
    )
    args = parser.parse_args()

    html = build_homepage()
    body = html.encode("utf-8")
    big5 = html.replace("utf-8", "big5").encode("cp950")
    page = Page(URL, html)
    text = read_page(html)
    print(
        f"homepage: {len(body) / 1000:.0f} KB, {len(text.chunks)} text chunks, "
        f"{len(text.lines)} lines, {sum(1 for _ in text.root.iter())} elements"
    )
    undeclared = big5.replace(b"big5", b"xxxx")
    steps: list[tuple[str, Callable[[], object], bool]] = [
        (
            "decode_html (UTF-8, declared)",
            lambda: decode_html(body, "text/html; charset=utf-8"),
            False,
        ),
        ("decode_html (Big5, meta only)", lambda: decode_html(big5, "text/html"), False),
        ("decode_html (Big5, undeclared)", lambda: decode_html(undeclared, None), False),
        ("read_page: parse + walk + lines", lambda: read_page(html).text(), True),
        ("looks_js_rendered (page already read)", lambda: looks_js_rendered(html), False),
        ("classify_page (page already read)", lambda: classify_page(page), False),
        (
            "find_news_link + find_feed_links (read)",
            lambda: (find_news_link(page), find_feed_links(page)),
            False,
        ),
        ("judge_credit (page already read)", lambda: judge_credit(page), False),
        (
            "judge_updates (page already read)",
            lambda: judge_updates([page], today=TODAY, previous_fingerprint=None),
            False,
        ),
        ("judge_credit alone, cold", lambda: judge_credit(page), True),
        (
            "judge_updates alone, cold",
            lambda: judge_updates([page], today=TODAY, previous_fingerprint=None),
            True,
        ),
        ("whole homepage, cold (all of the above)", lambda: judge_all(body), True),
    ]
    print(
        f"median {args.clock} time of {args.runs} runs"
        " (cold: parsed-page memo emptied before each run):"
    )
    for name, fn, cold in steps:
        print(f"  {name:<42} {median_ms(fn, args.runs, cold=cold, clock=args.clock):7.2f} ms")

    heavy = build_script_heavy_homepage().encode("utf-8")
    print(f"script-heavy homepage: {len(heavy) / 1000:.0f} KB")
    print(
        f"  {'whole homepage, cold':<42} "
        f"{median_ms(lambda: judge_all(heavy), args.runs, cold=True, clock=args.clock):7.2f} ms"
    )


if __name__ == "__main__":
    main()

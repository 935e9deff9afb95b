"""Benchmark: how long judging one ~100 KB homepage takes (docs/PERFORMANCE.md "Judging").

Not a test: it prints figures. Run with ``.venv/bin/python bench/judge.py [--runs N]``.

With ``--htmldate-cache DIR`` it instead compares the whole homepage judgement with htmldate's
``find_date(extensive_search=True)`` on real pages written by other people: htmldate's own test
cache (``tests/cache`` of https://github.com/adbar/htmldate, 69 saved news and blog pages), see
docs/PERFORMANCE.md "Judging real pages against htmldate". htmldate is a bench-only dependency
(``pip install -e '.[bench]'``); its pages are not part of this repository:
``git clone --depth 1 https://github.com/adbar/htmldate /tmp/htmldate`` then
``bench/judge.py --htmldate-cache /tmp/htmldate/tests/cache``.

The page is built to look like a real alliance homepage in Big5/UTF-8: a menu, a 60-item news
list with ROC and western dates, tables, images with alt text, inline scripts and styles, a
footer with a visitor counter and copyright. Every step the crawler runs on a homepage is timed
separately, then the whole sequence, as the median of ``--runs`` repetitions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
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


def judge_all(
    body: bytes, content_type: str | None = "text/html; charset=utf-8"
) -> dict[str, object]:
    """Everything the crawler runs on one fetched homepage (no network); returns the verdicts."""
    html, encoding = decode_html(body, content_type)
    page = Page(URL, html)
    js = looks_js_rendered(html)
    kind = classify_page(page)
    news = find_news_link(page)
    feeds = find_feed_links(page)
    credit = judge_credit(page)
    updates, fingerprint = judge_updates([page], today=TODAY, previous_fingerprint=None)
    return {
        "encoding": encoding,
        "js_rendered": js,
        "page_kind": kind.to_json() if kind is not None else None,
        "news_link": news,
        "feeds": feeds,
        "credit": credit.to_json(),
        "updates": updates.to_json(),
        "fingerprint": fingerprint,
    }


def reading_digest(html: str) -> str:
    """A digest of everything the page reader gives the judges: each line's text, its spans
    (where each piece landed, its source and hints), the images and the ``<time>`` tags."""
    text = read_page(html)
    reading = [
        [line.block, line.text, [[s.start, s.end, s.source, sorted(s.hints)] for s in line.spans]]
        for line in text.lines
    ]
    reading.append([[i.src, i.alt, i.title, i.href, sorted(i.hints)] for i in text.images])
    reading.append([[t.value, t.block, sorted(t.hints), t.shown] for t in text.times])
    return hashlib.sha256(json.dumps(reading, ensure_ascii=False).encode()).hexdigest()


def _quantiles(times: list[float]) -> str:
    deciles = statistics.quantiles(times, n=10)
    return f"median {statistics.median(times):6.2f} ms, p90 {deciles[-1]:6.2f} ms"


def compare_with_htmldate(cache: Path, rounds: int, verdicts_out: Path | None) -> None:
    """Interleaved CPU time per page: the monitor's homepage judgement vs htmldate's find_date.

    Both get the page's bytes with no HTTP header (the cache has none), so both decode it
    themselves. Each page is judged by one then the other, the order swapped every round, with
    the monitor's parsed-page memo emptied first (every judgement is cold). CPU time of this
    process (``time.process_time_ns``), after one untimed warm-up pass over every page.

    That first measure favours htmldate: from the second round on, its ``lru_cache`` tables already
    hold the parsed date strings of the very page it is judging, while the monitor starts cold.
    A crawl sees each page once a month, so a second measure times each page at first sight
    for both: every page-derived cache of both tools emptied at the start of each round, pages
    in a shuffled order, each judged once per round.
    """
    try:
        from htmldate import find_date
    except ImportError:
        sys.exit("htmldate is not installed: pip install -e '.[bench]' (a bench-only extra)")
    files = sorted(cache.glob("*.html"))
    if not files:
        sys.exit(
            f"{cache}: no *.html pages; clone https://github.com/adbar/htmldate and pass "
            "its tests/cache folder"
        )
    bodies = [(f.name, f.read_bytes()) for f in files]
    verdicts: dict[str, object] = {}
    for name, body in bodies:  # warm-up: imports, regex and class caches of both
        clear_page_memo()
        verdict = judge_all(body, None)
        verdict["reading_sha256"] = reading_digest(decode_html(body, None)[0])
        verdicts[name] = verdict
        find_date(body, extensive_search=True)

    def monitor(body: bytes) -> None:
        judge_all(body, None)

    def htmldate(body: bytes) -> None:
        find_date(body, extensive_search=True)

    ours, theirs = _interleaved(bodies, rounds, monitor, htmldate, before_ours=clear_page_memo)
    size = statistics.median(len(body) for _, body in bodies) / 1000
    print(f"{len(bodies)} pages of {cache} (median {size:.0f} KB), {rounds} interleaved rounds,")
    print("CPU time per page (median over rounds), then median and p90 over pages.")
    print("Same page again (the monitor cold, htmldate with its caches of that page):")
    _print_comparison(ours, theirs)

    # First sight, as in a crawl: every page-derived cache of both tools is emptied at the start
    # of a round, then each page is judged once by each (in a shuffled order), so each judgement
    # is the first of that page while the caches hold what the other pages left.
    shuffler = random.Random(19)

    def first_sight(order: list[tuple[str, bytes]]) -> None:
        clear_page_memo()
        forget_htmldate_pages()
        shuffler.shuffle(order)

    first_ours, first_theirs = _interleaved(
        bodies, rounds, monitor, htmldate, before_round=first_sight
    )
    print("First sight (both tools' page caches emptied each round, pages shuffled):")
    _print_comparison(first_ours, first_theirs)
    if verdicts_out is not None:
        verdicts_out.write_text(
            json.dumps(verdicts, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
        )
        print(f"verdicts of every page written to {verdicts_out} (diff two runs to compare)")


def _interleaved(
    bodies: list[tuple[str, bytes]],
    rounds: int,
    ours: Callable[[bytes], None],
    theirs: Callable[[bytes], None],
    *,
    before_ours: Callable[[], None] = lambda: None,
    before_round: Callable[[list[tuple[str, bytes]]], None] = lambda order: None,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """CPU milliseconds of ``ours`` and ``theirs`` on every page, ``rounds`` times, the order of
    the two swapped every round. ``before_ours`` runs untimed before each of ours (emptying the
    memo); ``before_round`` may empty caches and reorder the round's pages."""
    times: tuple[dict[str, list[float]], dict[str, list[float]]] = (
        {name: [] for name, _ in bodies},
        {name: [] for name, _ in bodies},
    )

    def timed(fn: Callable[[bytes], None], body: bytes) -> float:
        start = time.process_time_ns()
        fn(body)
        return (time.process_time_ns() - start) / 1e6

    steps = [(before_ours, ours, times[0]), (lambda: None, theirs, times[1])]
    for round_ in range(rounds):
        order = list(bodies)
        before_round(order)
        for name, body in order:
            for prepare, fn, into in steps[::-1] if round_ % 2 else steps:
                prepare()
                into[name].append(timed(fn, body))
    return times


def _print_comparison(ours: dict[str, list[float]], theirs: dict[str, list[float]]) -> None:
    """One figure per page (its median over the rounds), then the median and p90 over pages."""
    ours_per_page = [statistics.median(t) for t in ours.values()]
    theirs_per_page = [statistics.median(t) for t in theirs.values()]
    print(f"  {'monitor: whole homepage judgement':<44} {_quantiles(ours_per_page)}")
    print(f"  {'htmldate find_date(extensive_search=True)':<44} {_quantiles(theirs_per_page)}")
    slower = sum(o > t for o, t in zip(ours_per_page, theirs_per_page, strict=True))
    print(f"  pages where the monitor took longer: {slower} of {len(ours_per_page)}")


def forget_htmldate_pages() -> None:
    """Empty htmldate's caches of what it read on pages (``functools.lru_cache`` with a size:
    parsed date strings, date candidates); its unbounded ones only hold lazily loaded tables
    (dateparser's parser, month names), which a crawl loads once too, and are kept."""
    import htmldate

    for module_name in ("core", "extractors", "validators"):
        module = getattr(htmldate, module_name, None)
        for value in vars(module).values() if module is not None else ():
            params = getattr(value, "cache_parameters", None)
            if params is not None and params()["maxsize"] is not None:
                value.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCK),
        default="wall",
        help="wall time (default) or this thread's CPU time (for a machine shared with other jobs)",
    )
    parser.add_argument(
        "--htmldate-cache",
        type=Path,
        help="compare with htmldate on the pages of this folder (htmldate's tests/cache: "
        "git clone --depth 1 https://github.com/adbar/htmldate /tmp/htmldate; "
        "pip install -e '.[bench]')",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds of the htmldate comparison"
    )
    parser.add_argument(
        "--verdicts-out",
        type=Path,
        help="with --htmldate-cache: write every page's verdicts as JSON (diff before/after)",
    )
    args = parser.parse_args()
    if args.htmldate_cache is not None:
        compare_with_htmldate(args.htmldate_cache, args.rounds, args.verdicts_out)
        return

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

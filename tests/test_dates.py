"""Our own date extractor (monitor/rules/dates.py): forms, traps, weights, feeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitor.rules import vocabulary
from monitor.rules.dates import (
    find_dates_in_page,
    find_dates_in_text,
    scan_dates,
)
from monitor.rules.feeds import find_dates_in_feed
from monitor.rules.page_text import normalise

TODAY = date(2026, 12, 1)
NOV3 = date(2026, 11, 3)


def only_date(text: str) -> date | None:
    mentions = scan_dates(normalise(text))
    assert len(mentions) == 1, mentions
    return mentions[0].value


@pytest.mark.parametrize(
    "written",
    [
        "2026-11-03",
        "2026/11/3",
        "2026/11/03",
        "2026.11.03",
        "2026 / 11 / 03",
        "2026年11月3日",
        "2026 年 11 月 3 日",
        "115/11/03",
        "115/11/3",
        "115.11.03",
        "115-11-03",
        "115年11月3日",
        "115 年 11 月 03 日",
        "民國115年11月3日",
        "中華民國115年11月3日",
        "Nov 3, 2026",
        "Nov. 3, 2026",
        "November 3, 2026",
        "November 3rd, 2026",
        "nov 3 2026",
        "3 November 2026",
        "3rd of November 2026",
        "03-Nov-2026",
        "3 Nov, 2026",
        "２０２６－１１－０３",
        "１１５／１１／０３",
        "2026-11-03T09:30:00+08:00",
    ],
)
def test_each_form_reads_as_november_3rd(written: str) -> None:
    assert only_date(f"發布日期：{written} 研討會") == NOV3


@pytest.mark.parametrize(
    ("written", "expected", "ambiguous"),
    [
        ("11/03/2026", date(2026, 11, 3), True),  # US order taken, marked ambiguous
        ("11-03-2026", date(2026, 11, 3), True),
        ("03.11.2026", date(2026, 11, 3), True),  # dots: European day.month.year
        ("13/03/2026", date(2026, 3, 13), False),  # day > 12: unambiguous
        ("03/13/2026", date(2026, 3, 13), False),
        ("13.03.2026", date(2026, 3, 13), False),
        ("05/05/2026", date(2026, 5, 5), False),  # both orders agree
    ],
)
def test_day_month_year_orders(written: str, expected: date, ambiguous: bool) -> None:
    [mention] = scan_dates(written)
    assert (mention.value, mention.ambiguous) == (expected, ambiguous)


def test_roc_year_plus_1911() -> None:
    assert only_date("84/01/01") == date(1995, 1, 1)
    assert only_date("99/12/31") == date(2010, 12, 31)
    assert only_date("民國99年12月31日") == date(2010, 12, 31)
    assert only_date("100.01.02") == date(2011, 1, 2)


@pytest.mark.parametrize(
    "text",
    [
        "電話：02-2737-7000",
        "(02)3366-1234 分機 55",
        "IP 140.113.1.1",
        "version 2.10.1",
        "比數 3-1",
        "1/2 cup",
        "10/10/10",
        "第 12/25 頁",
        "2026年1月",  # month without a day: not a date
        "2026",
        "12:30:45",
        "ISBN 978-986-123-456-7",
        "Mayor 3, 2026",
        "Nov 3, 202612",
        "Nov 12026",
    ],
)
def test_things_that_are_not_dates(text: str) -> None:
    assert scan_dates(normalise(text)) == []


@pytest.mark.parametrize(
    "written", ["2026-02-30", "115/13/01", "2026-00-10", "2026年4月31日", "Feb 30, 2026"]
)
def test_impossible_dates_are_skipped_as_invalid(written: str) -> None:
    scan = find_dates_in_text(f"公告 {written}", today=TODAY)
    assert scan.found == []
    assert [s.reason for s in scan.skipped] == ["invalid"]


def test_ranges_give_both_ends() -> None:
    values = [m.value for m in scan_dates("2026/01/05-2026/01/10 與 115/02/01-115/02/03")]
    assert values == [date(2026, 1, 5), date(2026, 1, 10), date(2026, 2, 1), date(2026, 2, 3)]


# --- traps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Copyright © 2026/11/30 NTU", "copyright"),
        ("© 2026-11-30 智慧製造產學小聯盟", "copyright"),
        ("Copyright 2026.11.30 All rights reserved", "copyright"),
        ("版權所有 115/11/30", "copyright"),
        ("現在時間：2026/11/30 10:22:01", "clock"),
        ("目前時間 2026-11-30 10:22", "clock"),
        ("今天是 2026年11月30日 星期一", "clock"),
        ("今日日期：115年11月30日", "clock"),
        ("Today is Nov 30, 2026", "clock"),
        ("瀏覽人次：12345（自 2026/11/30 起）", "counter"),
        ("訪客人數 2026-11-30 起累計 333 人", "counter"),
        ("Visitors since 2026-11-30: 1234", "counter"),
    ],
)
def test_trap_labels(line: str, reason: str) -> None:
    scan = find_dates_in_text(line, today=TODAY)
    assert scan.found == []
    assert [s.reason for s in scan.skipped] == [reason]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ('<div class="clock">2026/11/30</div>', "clock"),
        ('<span id="currentTime">2026-11-30</span>', "clock"),
        ('<div class="visitor-counter">2026/11/30</div>', "counter"),
        ('<div id="copyright">2026.11.30 NTU</div>', "copyright"),
    ],
)
def test_trap_widgets_by_class(html: str, reason: str) -> None:
    scan = find_dates_in_page(f"<body>{html}</body>", today=TODAY)
    assert scan.found == []
    assert [s.reason for s in scan.skipped] == [reason]


@pytest.mark.parametrize(
    "line",
    [
        "2026/12/01 10:22:33",
        "2026-12-01 (二)",
        "2026年12月1日 星期二 下午 3:00",
        "Tuesday, Dec 1, 2026 10:00",
        "2026/12/01 Tue",
    ],
)
def test_todays_date_next_to_a_time_or_weekday_is_a_live_clock(line: str) -> None:
    scan = find_dates_in_text(line, today=TODAY)
    assert scan.found == []
    assert [s.reason for s in scan.skipped] == ["clock"]


def test_an_older_date_with_a_time_is_a_post_not_a_clock() -> None:
    scan = find_dates_in_text("2026/11/30 10:22:33 公告", today=TODAY)
    assert [f.date for f in scan.found] == [date(2026, 11, 30)]


def test_todays_date_in_the_page_header_is_a_clock_but_in_a_news_item_it_counts() -> None:
    html = (
        '<header><span>2026-12-01</span></header><ul class="news"><li>2026-12-01 今日公告</li></ul>'
    )
    scan = find_dates_in_page(html, today=TODAY)
    assert [f.date for f in scan.found] == [TODAY]
    assert scan.found[0].why == "news/list item"
    assert [s.reason for s in scan.skipped] == ["clock"]


def test_todays_date_with_an_update_label_counts() -> None:
    scan = find_dates_in_text("最後更新：2026/12/01 10:00", today=TODAY)
    assert [f.date for f in scan.found] == [TODAY]


def test_a_closer_update_label_beats_an_earlier_copyright_sign() -> None:
    scan = find_dates_in_text("© 2003-2026 NTU 最後更新：2026-11-20", today=TODAY)
    assert [(f.date, f.weight) for f in scan.found] == [
        (date(2026, 11, 20), vocabulary.WEIGHT_MARKED)
    ]


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("2026/12/02", "future"),
        ("2027-01-01", "future"),
        ("116/01/01", "future"),
        ("1994/12/31", "too_old"),
        ("83/12/31", None),  # ROC 83 is before the programme: not read as a date at all
        ("民國83年12月31日", "too_old"),
    ],
)
def test_future_and_too_old_dates(written: str, reason: str | None) -> None:
    scan = find_dates_in_text(f"活動 {written}", today=TODAY)
    assert scan.found == []
    assert [s.reason for s in scan.skipped] == ([reason] if reason else [])


@pytest.mark.parametrize("written", ["1995/01/01", "2026/12/01 研討會", "115/12/01"])
def test_boundaries_1995_and_today_are_kept(written: str) -> None:
    scan = find_dates_in_text(f"公告：{written}", today=TODAY)
    assert len(scan.found) == 1


# --- weights and context ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "weight", "why"),
    [
        ('<p>研討會於 <time datetime="2026-11-03">11月3日</time> 舉行</p>', 3, "<time> element"),
        ("<p>本頁最後更新：2026-11-03</p>", 3, "“最後更新” line"),
        ("<p>Last updated: Nov 3, 2026</p>", 3, "“last updated” line"),
        ('<span class="entry-date">2026/11/03</span>', 3, "post date"),
        ('<div class="post-meta">by admin, 2026/11/03</div>', 3, "post date"),
        ('<ul><li><a href="n1">研討會報名</a> 2026/11/03</li></ul>', 2, "news/list item"),
        ("<table><tr><td>115/11/03</td><td>公告</td></tr></table>", 2, "news/list item"),
        ('<div class="news-box"><p>研討會 2026/11/03</p></div>', 2, "news/list item"),
        ("<p>2026/11/03 本聯盟舉辦研討會</p>", 2, "date leading a line"),
        ("<p>本聯盟將於 2026/11/03 舉辦研討會</p>", 1, "running text"),
        ("<nav><p>選單 2026/11/03</p></nav>", 1, "page header/menu"),
    ],
)
def test_weights(html: str, weight: int, why: str) -> None:
    scan = find_dates_in_page(f"<body>{html}</body>", today=TODAY, source="https://x.example/")
    assert [(f.date, f.weight, f.why) for f in scan.found] == [(NOV3, weight, why)]
    assert scan.found[0].source == "https://x.example/"


def test_found_date_records_the_text_as_written_and_context() -> None:
    html = "<p>" + "甲" * 40 + "公告 115年11月3日 智慧製造研討會報名開始" + "乙" * 40 + "</p>"
    [found] = find_dates_in_page(html, today=TODAY).found
    assert found.as_written == "115年11月3日"
    assert "115年11月3日" in found.context and "智慧製造" in found.context
    assert found.context.startswith("…") and found.context.endswith("…")
    assert len(found.context) <= len("115年11月3日") + 2 * vocabulary.EVIDENCE_CONTEXT_CHARS + 3


def test_time_datetime_in_utc_is_dated_in_taiwan() -> None:
    html = '<time datetime="2026-11-02T17:30:00Z">Nov 3</time>'
    [found] = find_dates_in_page(html, today=TODAY).found
    assert found.date == NOV3
    assert found.kind == "time"


def test_hidden_dates_are_not_read() -> None:
    html = '<p style="display:none">2026/11/30</p><script>var d="2026/11/29"</script><p>無</p>'
    scan = find_dates_in_page(html, today=TODAY)
    assert scan.found == [] and scan.skipped == []


# --- feeds ------------------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>最新消息</title>
<lastBuildDate>Tue, 01 Dec 2026 09:00:00 +0800</lastBuildDate>
<item><title>研討會</title><pubDate>Mon, 02 Nov 2026 18:00:00 GMT</pubDate></item>
<item><title>舊聞</title><pubDate>Thu, 01 Oct 2026 10:00:00 +0800</pubDate></item>
<item><title>明年活動</title><pubDate>Fri, 01 Jan 2027 10:00:00 +0800</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><updated>2026-12-01T00:00:00Z</updated>
<entry><title>Workshop</title><published>2026-10-01T10:00:00+08:00</published>
<updated>2026-11-03T10:00:00+08:00</updated></entry>
</feed>"""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="x"><title>t</title></channel>
<item rdf:about="y"><title>公告</title><dc:date>2026-11-03</dc:date></item>
</rdf:RDF>"""


def test_rss_items_are_read_in_taiwan_time_and_channel_dates_ignored() -> None:
    scan = find_dates_in_feed(RSS, today=TODAY, source="https://x.example/feed")
    assert sorted(f.date for f in scan.found) == [date(2026, 10, 1), NOV3]
    assert all(f.weight == vocabulary.WEIGHT_MARKED and f.kind == "feed" for f in scan.found)
    assert [s.reason for s in scan.skipped] == ["future"]
    newest = max(scan.found, key=lambda f: f.date)
    assert "研討會" in newest.context and newest.source == "https://x.example/feed"


def test_atom_entry_takes_its_newest_date() -> None:
    [found] = find_dates_in_feed(ATOM, today=TODAY).found
    assert found.date == NOV3


def test_rss_1_dc_date() -> None:
    [found] = find_dates_in_feed(RDF, today=TODAY).found
    assert found.date == NOV3


def test_roc_dates_in_a_feed_are_read() -> None:
    feed = "<rss><channel><item><title>x</title><pubDate>115/11/03</pubDate></item></channel></rss>"
    assert [f.date for f in find_dates_in_feed(feed, today=TODAY).found] == [NOV3]


@pytest.mark.parametrize(
    "feed",
    [
        "",
        "not xml at all",
        "<rss><channel><item><title>x</title><pubDate>Mon, 02 Nov 2026 18:00:00 GMT",
        "<html><body>404 Not Found</body></html>",
        "<rss><channel><item><pubDate>yesterday</pubDate></item></channel></rss>",
    ],
)
def test_broken_feeds_never_raise(feed: str) -> None:
    scan = find_dates_in_feed(feed, today=TODAY)
    assert all(f.date <= TODAY for f in scan.found)


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        # "no date" placeholders some CMSs write: the first or last instant of the calendar in
        # a zone where Taiwan time falls before year 1 or after year 9999
        ("0001-01-01T00:00:00+09:00", "too_old"),
        ("9999-12-31T23:59:59-05:00", "future"),
        # .NET's DateTime.MinValue in RFC 1123: year 1 written with four digits, not 2001
        ("Mon, 01 Jan 0001 00:00:00 GMT", "too_old"),
        ("01 Jan 0095 00:00:00 +0800", "too_old"),
        ("Tue, 29 Feb 0000 00:00:00 GMT", "too_old"),
    ],
)
def test_placeholder_stamps_at_the_calendar_edges_are_set_aside(stamp: str, reason: str) -> None:
    for feed in (
        f"<rss><channel><item><title>t</title><pubDate>{stamp}</pubDate></item></channel></rss>",
        f"<feed><entry><title>t</title><updated>{stamp}</updated></entry></feed>",
    ):
        scan = find_dates_in_feed(feed, today=TODAY)
        assert scan.found == []
        assert [s.reason for s in scan.skipped] == [reason]
    page = find_dates_in_page(f'<p><time datetime="{stamp}">x</time></p>', today=TODAY)
    assert page.found == []


def test_a_timestamp_with_an_absurd_zone_offset_does_not_stop_the_feed() -> None:
    feed = (
        "<rss><channel><item><title>a</title><pubDate>Mon, 02 Nov 2026 18:00:00 "
        "+99999999999999999999</pubDate></item><item><title>b</title>"
        "<pubDate>Mon, 02 Nov 2026 18:00:00 GMT</pubDate></item></channel></rss>"
    )
    found = [f.date for f in find_dates_in_feed(feed, today=TODAY).found]
    assert NOV3 in found and all(d <= TODAY for d in found)


def test_truncated_feed_is_read_as_far_as_it_goes() -> None:
    feed = "<rss><channel><item><title>x</title><pubDate>Mon, 02 Nov 2026 18:00:00 GMT</pubDate>"
    assert [f.date for f in find_dates_in_feed(feed, today=TODAY).found] == [NOV3]


def test_feed_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Mon, 02 Nov 2026 18:00:00 GMT")
    feed = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<rss><channel><item><title>t</title><pubDate>&xxe;</pubDate></item></channel></rss>"
    )
    assert find_dates_in_feed(feed, today=TODAY).found == []

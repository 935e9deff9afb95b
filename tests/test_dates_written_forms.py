"""The date rules RULES.md gained for real sites: Chinese numerals, 「號」, ranges, ``<time>`` whose
visible text and ``datetime`` disagree, and live values (scripts, calendars, counter lines)."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.model import Page
from monitor.rules.date_forms import chinese_number
from monitor.rules.dates import find_dates_in_page, find_dates_in_text, scan_dates
from monitor.rules.page_text import normalise
from monitor.rules.updates import judge_updates, pick_latest

TODAY = date(2026, 12, 1)


def read(text: str) -> list[date | None]:
    return [m.value for m in scan_dates(normalise(text))]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("一一五年十一月二十日", date(2026, 11, 20)),
        ("二〇二六年十一月三日", date(2026, 11, 3)),
        ("二○二六年十一月三日", date(2026, 11, 3)),  # ○ (white circle) for zero, as typed
        ("民國一一五年十一月三日", date(2026, 11, 3)),
        ("中華民國一百一十五年十一月三日", date(2026, 11, 3)),
        ("一百一十五年十二月三十一日", date(2026, 12, 31)),
        ("一一五年一月五號", date(2026, 1, 5)),
        ("九十九年十月十日", date(2010, 10, 10)),
        ("2026年11月26號", date(2026, 11, 26)),
        ("115年11月26號", date(2026, 11, 26)),
        ("04 November 2026", date(2026, 11, 4)),
        ("Wednesday, 04 November 2026", date(2026, 11, 4)),
        ("04 Nov. 2026", date(2026, 11, 4)),
    ],
)
def test_written_forms(written: str, expected: date) -> None:
    assert read(f"公告 {written} 研討會") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "十一月二十日",  # no year
        "一一五年十一月",  # no day
        "八十年十月十日",  # ROC 80 = 1991, before the programme: not read
        "第一二三年",
        "三年二班",
    ],
)
def test_chinese_numerals_that_are_not_dates(text: str) -> None:
    assert read(text) == []


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("一一五", 115),
        ("二〇二六", 2026),
        ("一百一十五", 115),
        ("一百零五", 105),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("三十一", 31),
        ("一二", 12),
    ],
)
def test_chinese_number(written: str, value: int) -> None:
    assert chinese_number(written) == value


@pytest.mark.parametrize(
    ("line", "day"),
    [
        # still running on TODAY (12-01): its last day not after today is today
        ("2026-11-25 ~ 2026-12-05 智慧製造研討會", date(2026, 12, 1)),
        ("2026/11/25(三) - 2026/12/05(六) 研討會", date(2026, 12, 1)),
        ("115年11月25日至115年12月5日 展覽", date(2026, 12, 1)),
        # over: its last day
        ("2026-11-25 09:00 ~ 2026-11-28 17:00 工作坊", date(2026, 11, 28)),
        ("活動期間：自2026年11月25日起至2026年11月28日止", date(2026, 11, 28)),
        ("Nov 25, 2026 to Nov 28, 2026 workshop", date(2026, 11, 28)),
        # the end written short, as real sites do
        ("2026.10.5-2026.10.7 國際研討會", date(2026, 10, 7)),
        ("2026/10/05~10/07 產業參訪", date(2026, 10, 7)),
        ("2026年10月5日至7日 工作坊", date(2026, 10, 7)),
        ("Dec 22–24, 2025 Winter School", date(2025, 12, 24)),
        # a project period still running is no event: its first day (not today)
        ("計畫執行期間：115年8月1日至116年7月31日", date(2026, 8, 1)),
    ],
)
def test_a_range_marks_content_on_its_last_day_not_after_today(line: str, day: date) -> None:
    """RULES.md: an event written as a range marks content on its last day not after today
    (no longer its first day: a three-day workshop last month was on the site until its end)."""
    scan = find_dates_in_text(line, today=TODAY)
    assert [f.date for f in scan.found] == [day]
    assert [s.reason for s in scan.skipped] in ([], ["range_end"], ["future"])


@pytest.mark.parametrize(
    ("html", "day", "other"),
    [
        # day.month ranges as European sites write a season: the end, 20.11, settles the order
        ("<ul><li>Saisonzeitraum 01.11.2026 - 20.11.2026</li></ul>", date(2026, 11, 20), None),
        # a short end after an ambiguous first date (here a case number read as the end)
        ("<ul><li>Urteil v. 4.5.2026 – 23 Sa 1135/21</li></ul>", date(2026, 5, 23), None),
        # both ends ambiguous: 5-7 October or 10 May - 10 July, which give different verdicts
        ("<ul><li>10/05/2026 - 10/07/2026 workshop</li></ul>", date(2026, 10, 7), "2026-07-10"),
    ],
)
def test_a_range_whose_first_date_is_ambiguous_is_judged_without_error(
    html: str, day: date, other: str | None
) -> None:
    """The range's end is the update, read in the order its first date was read; it has an
    "other reading" only if the end as written has one (found on real pages: the other reading
    of 20 November, 20.11, is no date, and asking for it stopped the judgement)."""
    page = Page("https://alliance.example.edu.tw/", f"<html><body>{html}</body></html>")
    check, _ = judge_updates([page], today=TODAY, previous_fingerprint=None)
    assert check.details["latest_date"] == day.isoformat()
    assert check.details.get("other_reading") == other


def test_a_range_that_has_not_started_does_not_count() -> None:
    scan = find_dates_in_text("2026-12-10 ~ 2026-12-12 年會", today=TODAY)
    assert scan.found == []
    assert [s.reason for s in scan.skipped] == ["future", "future"]


def test_two_dates_on_separate_lines_are_not_a_range() -> None:
    scan = find_dates_in_page("<p>2026-11-03 公告</p><p>- 2026-11-20 公告</p>", today=TODAY)
    assert [f.date for f in scan.found] == [date(2026, 11, 3), date(2026, 11, 20)]


def test_the_visible_date_of_a_time_wins_over_its_datetime() -> None:
    html = (
        '<article><time class="entry-date" datetime="2026-12-01T09:41:07+08:00">'
        "04 November 2026</time> 研討會</article>"
    )
    scan = find_dates_in_page(html, today=TODAY)
    assert [f.date for f in scan.found] == [date(2026, 11, 4)]


def test_a_time_without_a_visible_date_is_read_by_its_datetime() -> None:
    html = '<li><time datetime="2026-11-04">3 weeks ago</time> 研討會</li>'
    assert [f.date for f in find_dates_in_page(html, today=TODAY).found] == [date(2026, 11, 4)]


@pytest.mark.parametrize(
    "line",
    [
        "統計起始日：2026/11/20 瀏覽人次：123456",
        "本站自2026年11月20日起，您是第 123456 位訪客",
        "自 2026-11-20 起 累計瀏覽人次 9876",
        "地址：台北市大安區 電話：(02)2737-0000 瀏覽人次 12345（2026.11.20 起）",
        "Page views 12345 since Nov 20, 2026",
    ],
)
def test_every_date_on_a_visitor_counter_line_is_the_counters(line: str) -> None:
    scan = find_dates_in_text(line, today=TODAY)
    assert scan.found == []
    assert [s.reason for s in scan.skipped] == ["counter"]


def test_a_last_updated_label_on_a_counter_line_still_counts() -> None:
    scan = find_dates_in_text("最後更新：2026-11-20 ｜ 瀏覽人次：12345", today=TODAY)
    assert [f.date for f in scan.found] == [date(2026, 11, 20)]


def test_a_long_news_line_mentioning_visitors_is_news() -> None:
    line = (
        "2026-11-20 本中心網站改版完成，歡迎各界訪客與會員廠商多加利用，瀏覽人次統計功能亦同步上線，"
        + ("並提供產學合作成果查詢、技術移轉案例與人才培訓課程資訊。" * 3)
    )
    assert [f.date for f in find_dates_in_text(line, today=TODAY).found] == [date(2026, 11, 20)]


def test_document_last_modified_written_by_script_is_a_live_value() -> None:
    html = (
        "<p>本頁最後更新：<script>document.write(document.lastModified)</script>"
        "11/30/2026 08:00:00</p>"
        '<p>Last updated: <span id="lm">11/29/2026</span></p>'
        "<script>document.getElementById('lm').textContent = document.lastModified;</script>"
        "<ul><li>2026-06-01 舊公告</li></ul>"
    )
    scan = find_dates_in_page(html, today=TODAY)
    assert [f.date for f in scan.found] == [date(2026, 6, 1)]
    assert sorted(s.reason for s in scan.skipped) == ["live", "live"]


def test_a_script_clock_is_a_live_value() -> None:
    html = (
        '<div>現在：<span id="now">2026/11/30 23:59:58</span></div>'
        "<script>setInterval(function(){var d = new Date();"
        "document.getElementById('now').innerText = d.toLocaleString();}, 1000);</script>"
    )
    scan = find_dates_in_page(html, today=TODAY)
    assert scan.found == [] and [s.reason for s in scan.skipped] == ["live"]


def test_a_news_list_a_script_formats_is_news_not_a_live_value() -> None:
    html = (
        '<ul id="news"><li>2026-11-20 研討會</li></ul><script>fetch("/news.json").then(r =>'
        " r.json()).then(d => { var t = new Date(d[0].date); setTimeout(show, 10);"
        " document.getElementById('news').innerHTML = t.toLocaleDateString(); });</script>"
    )
    assert [f.date for f in find_dates_in_page(html, today=TODAY).found] == [date(2026, 11, 20)]


def test_a_calendar_widget_showing_the_current_month_is_a_live_value() -> None:
    html = (
        '<div class="widget_calendar"><table><caption>2026年12月</caption>'
        "<tr><td>今天 2026/12/01</td></tr></table></div>"
        '<div class="event-calendar"><ul><li>2026-11-20 研討會</li></ul></div>'
    )
    scan = find_dates_in_page(html, today=TODAY)
    assert [f.date for f in scan.found] == [date(2026, 11, 20)]
    assert [s.reason for s in scan.skipped] == ["live"]


def test_a_news_item_about_the_visitor_count_is_news() -> None:
    scan = find_dates_in_text("2026-11-20 本會網站瀏覽人次突破十萬，感謝支持", today=TODAY)
    assert [f.date for f in scan.found] == [date(2026, 11, 20)]
    scan = find_dates_in_text("2020-01-01 起累計瀏覽人次：12345", today=TODAY)
    assert scan.found == [] and [s.reason for s in scan.skipped] == ["counter"]


def test_a_news_box_drawn_by_a_script_that_reads_the_time_is_news() -> None:
    html = (
        '<div id="newsbox"><p>2026-11-20 智慧製造研討會報名開始，歡迎會員廠商踴躍參加，名額有限。</p>'
        "<p>2026-10-01 會員大會圓滿落幕，感謝各會員廠商與合作夥伴的支持與參與。</p></div>"
        "<script>var now = new Date(); setTimeout(function () {"
        " document.getElementById('newsbox').className = 'loaded'; }, 10);</script>"
    )
    assert date(2026, 11, 20) in [f.date for f in find_dates_in_page(html, today=TODAY).found]


def test_a_news_list_printing_each_items_views_keeps_its_dates() -> None:
    html = "<ul class='news'><li>研討會報名 2026-11-20 瀏覽人次：35</li></ul>"
    assert [f.date for f in find_dates_in_page(html, today=TODAY).found] == [date(2026, 11, 20)]
    footer = "<ul><li>本站自 2026-11-20 起，瀏覽人次：12345</li></ul>"
    assert find_dates_in_page(footer, today=TODAY).found == []


def test_a_time_stamped_today_but_showing_a_partial_date_is_not_an_update() -> None:
    stamped = '<li><time datetime="2026-12-01T08:00:00+08:00">Nov 20</time> 研討會</li>'
    scan = find_dates_in_page(stamped, today=TODAY)
    assert scan.found == [] and [s.reason for s in scan.skipped] == ["live"]
    today = '<li><time datetime="2026-12-01T08:00:00+08:00">2 hours ago</time> 研討會</li>'
    assert [f.date for f in find_dates_in_page(today, today=TODAY).found] == [TODAY]


# --- dates without their year (issue 19) -------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # a year heading above month-day items, not in date order
        (
            "<h4>2026</h4><ul><li>Oct. 3th Talk</li><li>Nov. 22th Award</li>"
            "<li>Sept. 5th Visit</li></ul>",
            [date(2026, 10, 3), date(2026, 11, 22), date(2026, 9, 5)],
        ),
        # the year earlier in the sentence
        ("<p>In 2018, our lab held a workshop on Dec. 22th.</p>", [date(2018, 12, 22)]),
        # day first, with and without the year
        ("<h3>2025 News</h3><p>22nd December: open house</p>", [date(2025, 12, 22)]),
        ("<p>22nd December 2018</p>", [date(2018, 12, 22)]),
        # a Chinese list under 「2026年」, and a leading 10/05 under 「115年度」
        ("<h3>2026年</h3><ul><li>10月5日 研討會</li></ul>", [date(2026, 10, 5)]),
        ("<h3>115年度</h3><ul><li>10/05 工作坊</li></ul>", [date(2026, 10, 5)]),
    ],
)
def test_month_day_dates_take_their_year_from_the_text_around_them(
    html: str, expected: list[date]
) -> None:
    assert [f.date for f in find_dates_in_page(html, today=TODAY).found] == expected


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li>Dec. 22th Workshop</li></ul>",  # no year anywhere: not guessed
        "<p>You may 5 times retry.</p>",
        "<h4>2026</h4><p>The ratio was 3/5 of the members.</p>",  # 3/5 not leading its line
        "<h4>2026</h4><p>得分 10/5</p>",
    ],
)
def test_a_month_day_without_a_certain_year_is_not_read(html: str) -> None:
    assert find_dates_in_page(html, today=TODAY).found == []


def test_a_news_row_ending_with_its_date_beats_an_older_last_updated_line() -> None:
    """RULES.md: the site's own "last updated" line is one date among others, never a cap."""
    html = (
        "<div class='col'><h3>最新消息</h3><p>‧<a href='/n/2'>年會報名</a> [2026/11/17]<br>"
        "‧<a href='/n/1'>說明會</a> [2026/09/01]</p><p>最近更新：2026-07-24</p></div>"
    )
    scan = find_dates_in_page(html, today=TODAY)
    assert pick_latest(scan.found).date == date(2026, 11, 17)  # type: ignore[union-attr]


# A news list dated by month (NCU SALLY Lab's news.html: a Date | News table, 「2026/03」 rows).
_MONTH_TABLE = (
    "<table class='table'><thead><tr><th>Date</th><th>News</th></tr></thead><tbody>"
    "<tr><td>2026/03</td><td>專題生參加「2026 ITSA生成式AI應用網頁設計競賽」，榮獲佳作</td></tr>"
    "<tr><td>2025/09</td><td>文章投上 ICCE-Asia 2025</td></tr>"
    "<tr><td>2025/07</td><td>於 ICCE-TW 2025 發表</td></tr></tbody></table>"
)


@pytest.mark.parametrize(
    "html",
    [
        _MONTH_TABLE,
        "<ul><li>2026年3月 榮獲創新獎</li><li>2025年9月 論文發表於 ICCE</li></ul>",
        "<ul><li>2026.03 Best paper award at ICCE-TW</li><li>2025.09 New members join</li></ul>",
    ],
)
def test_a_news_list_dated_by_month_counts_each_month_by_its_first_day(html: str) -> None:
    found = find_dates_in_page(f"<body><h2>News</h2>{html}</body>", today=TODAY).found
    assert max(f.date for f in found) == date(2026, 3, 1)
    assert "month" in max(found, key=lambda f: f.date).why


@pytest.mark.parametrize(
    "html",
    [
        # a calendar's caption: one month alone
        "<table class='calendar'><caption>2026年12月</caption><tr><td>1</td><td>2</td></tr></table>",
        "<ul><li>2026/12</li></ul><p>歡迎蒞臨</p>",
        # a CV's periods (Taipei Medical University's 賴鼎富: 「2019/06 – 2023/10」, 「2026/02 起」)
        "<ul><li><p>博士</p><p>2019/06 – 2023/10</p></li><li><p>助理教授</p><p>2026/02 起</p></li>"
        "<li><p>研究員</p><p>2025/02 - 2026/01</p></li></ul>",
        # a blog's archive of months: links that are only a month
        "<ul><li><a href='/2026/11'>2026年11月</a></li><li><a href='/2026/10'>2026年10月</a></li></ul>",
        # the footer's archive drop-down
        "<footer><select><option>2026年11月</option><option>2026年10月</option></select></footer>",
        # a full date is read as one (not as a month)
        "<ul><li>2025/03/15 研討會</li><li>2025/03/01 公告</li></ul>",
    ],
)
def test_a_month_that_is_not_a_news_rows_date_is_not_read(html: str) -> None:
    found = find_dates_in_page(f"<body>{html}</body>", today=TODAY).found
    assert not [f for f in found if "month" in f.why]


def test_a_future_month_row_is_skipped_and_a_full_date_beats_its_month() -> None:
    html = (
        "<table><tr><td>2027/01</td><td>研討會預告</td></tr>"
        "<tr><td>2026/03</td><td>榮獲佳作</td></tr>"
        "<tr><td>2026/03/20</td><td>成果發表</td></tr></table>"
    )
    scan = find_dates_in_page(html, today=TODAY)
    assert max(f.date for f in scan.found) == date(2026, 3, 20)
    assert [s.as_written for s in scan.skipped if s.reason == "future"] == ["2027/01"]

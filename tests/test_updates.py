"""The ``updates`` check (RULES.md "updates"), the fingerprint, and the news/feed link finders."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from monitor.model import Page
from monitor.rules import vocabulary
from monitor.rules.updates import find_feed_links, find_news_link, fingerprint, judge_updates

TODAY = date(2026, 12, 1)
HOME = "https://alliance.example.edu.tw/"


def home(body: str, url: str = HOME) -> Page:
    return Page(url, f"<html><body><h1>智慧製造產學小聯盟</h1>{body}</body></html>")


def news_item(day: date, title: str = "研討會報名開始") -> str:
    return f'<ul class="news"><li>{day:%Y/%m/%d} <a href="n1">{title}</a></li></ul>'


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (0, "pass"),
        (1, "pass"),
        (90, "pass"),
        (91, "warn"),
        (120, "warn"),
        (180, "warn"),
        (181, "fail"),
        (900, "fail"),
    ],
)
def test_windows_90_and_180_days(age: int, status: str) -> None:
    day = TODAY - timedelta(days=age)
    check, _ = judge_updates([home(news_item(day))], today=TODAY, previous_fingerprint=None)
    assert check.status == status
    assert check.details["latest_date"] == day.isoformat()
    assert check.details["age_days"] == age
    assert check.details["source"] == HOME
    assert check.details["as_written"] == f"{day:%Y/%m/%d}"
    assert f"{day:%Y/%m/%d}" in check.evidence


def test_the_newest_of_several_dates_wins() -> None:
    body = news_item(date(2026, 5, 1)) + news_item(date(2026, 11, 3)) + news_item(date(2026, 8, 1))
    check, _ = judge_updates([home(body)], today=TODAY, previous_fingerprint=None)
    assert check.details["latest_date"] == "2026-11-03"


def test_roc_dates_count() -> None:
    check, _ = judge_updates(
        [home("<table><tr><td>115/11/03</td><td>公告</td></tr></table>")],
        today=TODAY,
        previous_fingerprint=None,
    )
    assert (check.status, check.details["latest_date"], check.details["as_written"]) == (
        "pass",
        "2026-11-03",
        "115/11/03",
    )


def test_traps_and_future_dates_never_count() -> None:
    body = (
        "<p>現在時間：2026/12/01 10:00:00</p><p>今天是 2026年12月1日</p>"
        "<p>瀏覽人次 2026/11/30 起 1234</p><footer>Copyright © 2026/11/29</footer>"
        "<ul><li>2027/03/01 明年研討會</li></ul>" + news_item(date(2025, 1, 1))
    )
    check, _ = judge_updates([home(body)], today=TODAY, previous_fingerprint=None)
    assert check.status == "fail"
    assert check.details["latest_date"] == "2025-01-01"
    assert check.details["skipped"] == {"clock": 2, "counter": 1, "copyright": 1, "future": 1}


def test_only_traps_gives_fail_with_the_ignored_dates_as_evidence() -> None:
    body = "<p>現在時間：2026/12/01 10:00:00</p><ul><li>2027/03/01 明年研討會</li></ul>"
    check, _ = judge_updates([home(body)], today=TODAY, previous_fingerprint=None)
    assert check.status == "fail"
    assert check.details["latest_date"] is None
    assert "clock" in check.evidence and "future" in check.evidence
    # each skip reason named "中文 English" (Bilingual, joined with a space for the evidence)
    assert check.evidence.startswith("略過的日期 ignored dates: ")
    assert "時鐘/今天日期 clock ×" in check.evidence and "未來日期 future ×" in check.evidence
    assert "找不到更新日期" in check.reason and "No update date found" in check.reason


def test_no_date_at_all_on_first_crawl_fails() -> None:
    check, fp = judge_updates([home("<p>歡迎</p>")], today=TODAY, previous_fingerprint=None)
    assert check.status == "fail"
    assert check.details["latest_date"] is None and check.details["age_days"] is None
    assert check.details["content_changed"] is None
    assert fp.startswith(vocabulary.FINGERPRINT_VERSION + ":")


def test_no_date_but_content_changed_since_last_month_passes() -> None:
    _, last_month = judge_updates(
        [home("<p>徵才：研究助理一名</p>")], today=TODAY, previous_fingerprint=None
    )
    check, now = judge_updates(
        [home("<p>徵才：博士後研究員一名</p>")], today=TODAY, previous_fingerprint=last_month
    )
    assert now != last_month
    assert check.status == "pass"
    assert check.evidence == "content changed"
    assert check.details["content_changed"] is True
    assert check.details["latest_date"] is None


def test_no_date_and_unchanged_content_fails() -> None:
    page = home("<p>徵才：研究助理一名</p>")
    _, last_month = judge_updates([page], today=TODAY, previous_fingerprint=None)
    check, now = judge_updates([page], today=TODAY, previous_fingerprint=last_month)
    assert now == last_month
    assert check.status == "fail"
    assert check.details["content_changed"] is False
    assert "unchanged" in check.reason


def test_a_fingerprint_from_another_recipe_is_not_compared() -> None:
    check, _ = judge_updates([home("<p>x y z</p>")], today=TODAY, previous_fingerprint="fp0:abc")
    assert check.status == "fail"
    assert check.details["content_changed"] is None


def test_an_old_date_is_judged_by_its_age_even_when_content_changed() -> None:
    """RULES.md: "content changed" only rescues a site where no date is found."""
    _, last_month = judge_updates(
        [home(news_item(date(2025, 1, 1), "舊聞甲"))], today=TODAY, previous_fingerprint=None
    )
    check, _ = judge_updates(
        [home(news_item(date(2025, 1, 1), "舊聞乙"))], today=TODAY, previous_fingerprint=last_month
    )
    assert check.status == "fail"
    assert check.details["content_changed"] is True


# --- fingerprint ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "<p>現在時間：2026/11/30 10:22:01 星期一</p>",
            "<p>現在時間：2026/12/01 18:02:55 星期二</p>",
        ),
        ("<p>今天是 Monday, Nov 30, 2026 AM</p>", "<p>今天是 Tuesday, Dec 1, 2026 PM</p>"),
        ("<p>瀏覽人次：12345</p>", "<p>瀏覽人次：12399</p>"),
        ("<p>今天是十一月三十日</p>", "<p>今天是十二月一日</p>"),  # a clock in Chinese numerals
        ("<p>訪客人數：一萬二千</p>", "<p>訪客人數：一萬三千</p>"),
        (
            '<div class="counter">您是第 0012345 位訪客</div>',
            '<div class="counter">您是第 0012399 位訪客</div>',
        ),
        ("<footer>© 2025 NTU</footer>", "<footer>© 2026 NTU</footer>"),
        ("<nav><a>Home</a></nav>", "<nav><a>首頁</a></nav>"),
        ("<p>公告 115/11/03 研討會</p>", "<p>公告 115/11/30 研討會</p>"),
        ("<p>  科技部\n補助 </p>", "<p>科技部補助</p>"),
    ],
)
def test_fingerprint_ignores_clocks_counters_dates_and_chrome(before: str, after: str) -> None:
    body = "<main><p>本聯盟聚焦智慧製造與工業物聯網的產學合作。</p></main>"
    assert fingerprint(home(body + before).html) == fingerprint(home(body + after).html)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("<p>徵才：研究助理</p>", "<p>徵才：博士後研究員</p>"),
        ("<p>本月研討會</p>", "<p>本月研討會</p><p>新增：工作坊</p>"),
        ('<img alt="舊海報">', '<img alt="新海報">'),
    ],
)
def test_fingerprint_changes_when_the_words_change(before: str, after: str) -> None:
    assert fingerprint(home(before).html) != fingerprint(home(after).html)


def test_fingerprint_of_a_page_that_is_only_a_menu_still_sees_the_menu() -> None:
    a = fingerprint("<nav><a>首頁</a><a>關於我們</a></nav>")
    b = fingerprint("<nav><a>首頁</a><a>成員介紹</a></nav>")
    assert a != b


# --- news page and feeds ----------------------------------------------------------------------


def test_dates_on_the_news_page_count_with_their_source() -> None:
    news = Page(HOME + "news.php", "<body>" + news_item(date(2026, 11, 3)) + "</body>", "news")
    check, _ = judge_updates(
        [home('<a href="news.php">最新消息</a>'), news], today=TODAY, previous_fingerprint=None
    )
    assert check.status == "pass"
    assert check.details["source"] == news.url
    assert check.details["checked"] == [HOME, news.url]


def test_feed_dates_count() -> None:
    feed = Page(
        HOME + "feed/",
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<item><title>研討會</title><pubDate>Tue, 03 Nov 2026 10:00:00 +0800</pubDate></item>"
        "</channel></rss>",
        "feed",
    )
    check, _ = judge_updates([home("<p>歡迎</p>"), feed], today=TODAY, previous_fingerprint=None)
    assert (check.status, check.details["latest_date"], check.details["source"]) == (
        "pass",
        "2026-11-03",
        feed.url,
    )
    assert "研討會" in check.evidence


def test_a_feed_link_that_answers_with_html_is_read_as_a_page() -> None:
    feed = Page(
        HOME + "rss",
        "<!DOCTYPE html><html><body>" + news_item(date(2026, 11, 3)) + "</body></html>",
        "feed",
    )
    check, _ = judge_updates([home("<p>歡迎</p>"), feed], today=TODAY, previous_fingerprint=None)
    assert check.details["latest_date"] == "2026-11-03"


@pytest.mark.parametrize(
    "content",
    [
        # RSS 2.0's xhtml:body extension: the item's text as XHTML in a <body> element
        '<body xmlns="http://www.w3.org/1999/xhtml"><p>研討會報名</p></body>',
        "<description><![CDATA[<html><body><p>研討會報名</p></body></html>]]></description>",
    ],
)
def test_a_feed_whose_item_holds_an_html_body_is_still_read_as_a_feed(content: str) -> None:
    feed = Page(
        HOME + "feed/",
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>最新消息</title>'
        "<item><title>研討會</title><pubDate>Mon, 02 Nov 2026 18:00:00 GMT</pubDate>"
        f"{content}</item></channel></rss>",
        "feed",
    )
    check, _ = judge_updates([home("<p>歡迎</p>"), feed], today=TODAY, previous_fingerprint=None)
    # 18:00 GMT on 2 November is 3 November in Taiwan: read as a feed item, not as running text
    assert (check.details["latest_date"], check.details["found_in"]) == ("2026-11-03", "feed item")


def test_fingerprint_is_always_of_the_homepage() -> None:
    news_a = Page(HOME + "news", "<p>甲</p>", "news")
    news_b = Page(HOME + "news", "<p>乙</p>", "news")
    _, fp_a = judge_updates([home("<p>x</p>"), news_a], today=TODAY, previous_fingerprint=None)
    _, fp_b = judge_updates([home("<p>x</p>"), news_b], today=TODAY, previous_fingerprint=None)
    assert fp_a == fp_b


def test_structured_dates_are_preferred_over_a_newer_date_in_running_text() -> None:
    body = news_item(date(2026, 10, 1)) + "<p>本聯盟將於 2026/11/20 舉辦成果展，歡迎參加</p>"
    check, _ = judge_updates([home(body)], today=TODAY, previous_fingerprint=None)
    assert check.details["latest_date"] == "2026-10-01"


def test_running_text_is_the_fallback_and_the_reason_says_so() -> None:
    check, _ = judge_updates(
        [home("<p>本聯盟將於 2026/11/20 舉辦成果展，歡迎參加</p>")],
        today=TODAY,
        previous_fingerprint=None,
    )
    assert check.details["latest_date"] == "2026-11-20"
    assert "running text" in check.reason


def test_an_ambiguous_date_is_marked_in_the_evidence() -> None:
    check, _ = judge_updates(
        [home("<ul><li>11/03/2026 Workshop</li></ul>")], today=TODAY, previous_fingerprint=None
    )
    assert check.details["latest_date"] == "2026-11-03"
    assert check.details["ambiguous"] is True
    assert "ambiguous" in check.evidence and "month/day" in check.evidence
    assert "（日期格式不明確，以月/日解讀 / ambiguous, read as month/day）" in check.evidence


def test_malformed_pages_are_judged() -> None:
    html = "<ul class=news><li>2026/11/03 <b>研討會<li>2026/10/01 <i>公告</ul></td></div>"
    check, _ = judge_updates([Page(HOME, html)], today=TODAY, previous_fingerprint=None)
    assert check.details["latest_date"] == "2026-11-03"


def test_no_pages_at_all_is_a_fail_not_a_crash() -> None:
    check, fp = judge_updates([], today=TODAY, previous_fingerprint=None)
    assert check.status == "fail" and fp


def test_check_serialises_to_the_report_json_shape() -> None:
    check, _ = judge_updates(
        [home(news_item(date(2026, 11, 3)))], today=TODAY, previous_fingerprint=None
    )
    data = check.to_json()
    assert {"status", "latest_date", "evidence", "source"} <= data.keys()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


# --- link finders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        ('<a href="/event">活動</a><a href="/news">最新消息</a>', HOME + "news"),
        ('<a href="events.html">Events</a><a href="news.html">News</a>', HOME + "news.html"),
        ('<a href="a.php?t=2">活動花絮</a><a href="a.php?t=1">公告事項</a>', HOME + "a.php?t=1"),
        ('<a href="news/">最新消息 News</a>', HOME + "news/"),
        (
            '<a href="https://www.alliance.example.edu.tw/bulletin">最新公告</a>',
            "https://www.alliance.example.edu.tw/bulletin",
        ),
        ('<a href="/list#top">消息</a>', HOME + "list"),
        ('<a href="/n"><img src="n.png" alt="最新消息"></a>', HOME + "n"),
        ('<a href="/n" title="News">&raquo;</a>', HOME + "n"),
    ],
)
def test_find_news_link(links: str, expected: str) -> None:
    assert find_news_link(home(f"<nav>{links}</nav>")) == expected


@pytest.mark.parametrize(
    "links",
    [
        '<a href="https://www.ntu.edu.tw/news">最新消息</a>',
        '<a href="#news">最新消息</a>',
        '<a href="javascript:void(0)">最新消息</a>',
        '<a href="mailto:x@y.tw">News</a>',
        '<a href="/">最新消息</a>',
        '<a href="/p/1">2026產學活動成果發表會暨企業媒合交流會報名開始</a>',
        '<a href="/newsletter">Newsletter</a>',
        '<a href="/about">關於我們</a>',
        "",
    ],
)
def test_find_news_link_none(links: str) -> None:
    assert find_news_link(home(links)) is None


def test_find_news_link_respects_base_href() -> None:
    html = '<html><head><base href="https://alliance.example.edu.tw/site/"></head><body><a href="news.html">最新消息</a></body></html>'
    assert find_news_link(Page(HOME, html)) == HOME + "site/news.html"


def test_find_feed_links() -> None:
    html = """<html><head>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml" title="Comments Feed" href="/comments/feed/">
    <link rel="alternate" type="application/rss+xml" title="Feed" href="/feed/">
    <link rel="alternate" type="application/atom+xml" href="https://feeds.example.org/atom">
    <link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="alternate" hreflang="en" href="/en/">
    </head><body></body></html>"""
    assert find_feed_links(Page(HOME, html)) == [HOME + "feed/", "https://feeds.example.org/atom"]


@pytest.mark.parametrize(
    "html",
    [
        "<p>no head</p>",
        '<link rel="alternate" type="application/rss+xml">',
        '<link rel="alternate" type="application/rss+xml" href="javascript:x()">',
        '<link rel="alternate" type="text/html" href="/m/">',
    ],
)
def test_find_feed_links_none(html: str) -> None:
    assert find_feed_links(Page(HOME, html)) == []


def test_an_ambiguous_date_whose_readings_disagree_needs_a_person() -> None:
    # 11/04/2026: 4 November (28 days: pass) or 11 April (over 180 days: fail).
    today = date(2026, 12, 2)
    check, _ = judge_updates(
        [home("<ul><li>11/04/2026 Workshop</li></ul>")], today=today, previous_fingerprint=None
    )
    assert check.status == "warn"
    assert check.details["latest_date"] == "2026-11-04"
    assert check.details["other_reading"] == "2026-04-11"
    assert "ambiguous" in check.reason and "2026-04-11" in check.reason


def test_an_ambiguous_date_whose_readings_agree_keeps_its_verdict() -> None:
    # 11/10/2026 or 10/11/2026 read either way is within 90 days of 2026-12-02.
    check, _ = judge_updates(
        [home("<ul><li>11/10/2026 Workshop</li></ul>")],
        today=date(2026, 12, 2),
        previous_fingerprint=None,
    )
    assert check.status == "pass" and "other_reading" not in check.details


def test_the_pages_own_clear_dates_settle_the_day_month_order() -> None:
    today = date(2026, 12, 2)
    day_first = "<ul><li>03/11/2026 Workshop</li><li>25/10/2026 Visit</li></ul>"
    check, _ = judge_updates([home(day_first)], today=today, previous_fingerprint=None)
    assert (check.status, check.details["latest_date"]) == ("pass", "2026-11-03")
    assert check.details["ambiguous"] is False and "day/month" in check.details["found_in"]

    month_first = "<ul><li>03/11/2026 Workshop</li><li>10/25/2026 Visit</li></ul>"
    check, _ = judge_updates([home(month_first)], today=today, previous_fingerprint=None)
    assert (check.status, check.details["latest_date"]) == ("pass", "2026-10-25")


def test_an_ambiguous_date_in_the_future_one_way_is_read_the_past_way() -> None:
    # 12/05/2026 seen on 2026-06-01: December is ahead, so it is 12 May.
    check, _ = judge_updates(
        [home("<ul><li>12/05/2026 Workshop</li></ul>")],
        today=date(2026, 6, 1),
        previous_fingerprint=None,
    )
    assert check.details["latest_date"] == "2026-05-12"
    assert check.details["ambiguous"] is True


def test_a_last_updated_line_of_today_over_unchanged_content_is_a_live_value() -> None:
    """A server stamping 「更新日期」 with the date of every request: last month it said last
    month's crawl day, now today, and nothing else on the homepage changed (issue 19)."""
    body = news_item(TODAY - timedelta(days=200)) + "<p>更新日期：{day}</p>"
    last_month = home(body.format(day=(TODAY - timedelta(days=30)).isoformat()))
    now = home(body.format(day=TODAY.isoformat()))
    _, previous = judge_updates([last_month], today=TODAY, previous_fingerprint=None)
    check, _ = judge_updates([now], today=TODAY, previous_fingerprint=previous)
    assert check.status == "fail"
    assert check.details["latest_date"] == (TODAY - timedelta(days=200)).isoformat()
    assert check.details["skipped"] == {"live": 1}
    # new content beside the same stamp: the stamp is an update
    edited = home(body.format(day=TODAY.isoformat()) + "<p>新增會員廠商名單</p>")
    check, _ = judge_updates([edited], today=TODAY, previous_fingerprint=previous)
    assert (check.status, check.details["latest_date"]) == ("pass", TODAY.isoformat())

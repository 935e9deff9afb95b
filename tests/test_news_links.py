"""Where a homepage's news lives (monitor/rules/news_links.py): the news page by its link text or
a 「更多」 link under a news heading, with ``<base href>``; third-party news widgets."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.model import Page
from monitor.rules.news_links import find_news_link, find_news_widgets
from monitor.rules.updates import judge_updates

HOME = "https://alliance.example.edu.tw/"
FB = (
    '<iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com'
    '%2Falliance&tabs=timeline" width="340" height="500"></iframe>'
)


def page(body: str, url: str = HOME) -> Page:
    return Page(url, f"<html><body><h1>智慧製造產學小聯盟</h1>{body}</body></html>")


@pytest.mark.parametrize(
    "box",
    [
        '<h2>最新消息</h2><ul><li>研討會</li></ul><a href="news/list.php">更多...</a>',
        '<h3 class="title">News</h3><ul><li>Workshop</li></ul><p><a href="news/list.php">more+</a></p>',
        '<div class="module-title">最新消息</div><div class="mtitle"><a href="n/1">研討會</a></div>'
        '<div class="more"><a href="news/list.php">MORE »</a></div>',
        '<h2>最新消息 <a href="news/list.php">看更多</a></h2>',
        '<h2>公告</h2><a href="news/list.php"><img src="more.gif" alt="more"></a>',
    ],
    ids=["更多", "more+", "module-title", "inside-heading", "image"],
)
def test_more_under_a_news_heading_leads_to_the_news_page(box: str) -> None:
    assert find_news_link(page(box)) == HOME + "news/list.php"


def test_more_under_another_heading_is_not_the_news_page() -> None:
    box = '<h2>研究成果</h2><ul><li>論文</li></ul><a href="papers.php">更多...</a>'
    assert find_news_link(page(box)) is None


def test_a_news_link_by_its_text_beats_a_more_link_and_a_more_link_beats_events() -> None:
    more = '<h2>最新消息</h2><a href="box-more.php">更多</a>'
    assert find_news_link(page(f'<a href="news.php">最新消息</a>{more}')) == HOME + "news.php"
    assert (
        find_news_link(page(f'<a href="gallery.php">活動花絮</a>{more}')) == HOME + "box-more.php"
    )


def test_base_href_is_respected() -> None:
    html = (
        '<html><head><base href="/cms/"></head><body><h2>最新消息</h2>'
        '<a href="news/list.php">更多</a></body></html>'
    )
    assert find_news_link(Page(HOME, html)) == HOME + "cms/news/list.php"


@pytest.mark.parametrize(
    ("html", "service"),
    [
        (FB, "Facebook"),
        ('<div class="fb-page" data-href="https://www.facebook.com/alliance"></div>', "Facebook"),
        (
            '<a class="twitter-timeline" href="https://twitter.com/alliance">Tweets</a>',
            "Twitter",
        ),
        (
            '<iframe src="https://cdn.example.net/plugins/page.php?href=https%3A%2F%2Fwww.'
            'facebook.com%2Falliance"></iframe>',
            "Facebook",
        ),
    ],
)
def test_third_party_news_widgets_are_found(html: str, service: str) -> None:
    [widget] = find_news_widgets(page(html))
    assert service in widget.service.en and service in widget.describe()


@pytest.mark.parametrize(
    "html",
    [
        '<iframe src="https://www.youtube.com/embed/abc"></iframe>',  # a video, not news
        '<iframe src="/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fx"></iframe>',  # own
        '<iframe src="https://www.google.com/maps/embed?pb=1"></iframe>',
        '<a href="https://www.facebook.com/alliance">Facebook 粉絲專頁</a>',  # a plain link
    ],
)
def test_other_frames_and_plain_links_are_not_news_widgets(html: str) -> None:
    assert find_news_widgets(page(html)) == []


TODAY = date(2026, 12, 1)


def test_news_only_in_a_widget_warns_without_a_date() -> None:
    check, _ = judge_updates([page(FB)], today=TODAY, previous_fingerprint=None)
    assert (check.status, check.code.value) == ("warn", "news-in-widget")
    assert check.details["latest_date"] is None
    assert "facebook.com" in check.evidence and "Facebook" in check.message.zh


def test_stale_own_news_beside_a_widget_warns_with_the_own_date() -> None:
    body = FB + "<ul><li>2025-01-05 舊消息</li></ul>"
    check, _ = judge_updates([page(body)], today=TODAY, previous_fingerprint=None)
    assert (check.status, check.code.value) == ("warn", "news-in-widget")
    assert check.details["latest_date"] == "2025-01-05"


def test_fresh_own_news_beside_a_widget_passes() -> None:
    body = FB + "<ul><li>2026-11-20 研討會</li></ul>"
    check, _ = judge_updates([page(body)], today=TODAY, previous_fingerprint=None)
    assert (check.status, check.details["latest_date"]) == ("pass", "2026-11-20")

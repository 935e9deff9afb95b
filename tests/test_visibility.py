"""Text hidden from visitors is not visible text (RULES.md "credit"); SVG text is; a page opening
with a self-closing ``<html/>`` is read as browsers read it (monitor/rules/visibility.py)."""

from __future__ import annotations

import pytest

from monitor.model import Page
from monitor.rules.page_text import read_page, visible_text
from monitor.rules.updates import find_news_link

CREDIT = "本聯盟由國科會補助"


@pytest.mark.parametrize(
    "html",
    [
        f'<div class="d-none">{CREDIT}</div>',  # Bootstrap 4/5, stylesheet never fetched
        f'<div class="col hidden">{CREDIT}</div>',  # Bootstrap 3 / Tailwind
        f'<div class="d-block d-lg-none">{CREDIT}</div>',  # a phone-only footer
        f"<div hidden>{CREDIT}</div>",
        f'<div style="display: none">{CREDIT}</div>',
        f"<div data-monitor-hidden>{CREDIT}</div>",  # the browser's computed verdict
        f"<style>.sponsor{{display:none}}</style><p class='sponsor'>{CREDIT}</p>",
        f"<style>#foot .s {{ visibility: hidden; }}</style><div id='foot'><p class='s'>{CREDIT}</p></div>",
        f"<style>aside.credit, .x{{color:red;display:none!important}}</style><aside class='credit'>{CREDIT}</aside>",
        # Tailwind's collapsed panel (NTHU Astronomy Club's registration form until clicked)
        f'<div class="transition-max-height overflow-hidden max-h-0"><h3>{CREDIT}</h3></div>',
        # a child combinator, as WordPress themes write it (comment dates hidden)
        f"<style>.comment-metadata>a{{display:none}}</style><div class='comment-metadata'><a>{CREDIT}</a></div>",
        f"<style>ul.meta > li > span{{display:none}}</style><ul class='meta'><li><span>{CREDIT}</span></li></ul>",
        f"<style>#foot > .row .s{{display:none}}</style><div id='foot'><div class='row'><div><p class='s'>{CREDIT}</p></div></div></div>",
    ],
    ids=[
        "d-none",
        "phone-only",
        "hidden-class",
        "hidden-attr",
        "inline",
        "rendered",
        "class",
        "descendant",
        "tag.class",
        "collapsed-panel",
        "child",
        "child-chain",
        "child-then-descendant",
    ],
)
def test_hidden_text_is_not_visible(html: str) -> None:
    assert CREDIT not in visible_text(f"<body><p>聯盟首頁</p>{html}</body>")


@pytest.mark.parametrize(
    "html",
    [
        f'<div class="d-none d-md-block">{CREDIT}</div>',  # hidden on phones only
        f'<div class="hidden lg:block">{CREDIT}</div>',
        f'<div class="d-none" style="display:block">{CREDIT}</div>',
        f"<style>@media (max-width: 600px) {{ .credit {{ display: none }} }}</style><p class='credit'>{CREDIT}</p>",
        f"<style>.credit{{display:none}} .credit.show{{display:block}}</style><p class='credit show'>{CREDIT}</p>",
        f"<style>.menu:hover .credit{{display:none}}</style><div class='menu'><p class='credit'>{CREDIT}</p></div>",
        f'<div class="overflow-hidden">{CREDIT}</div>',
        f'<div class="max-h-96 overflow-hidden">{CREDIT}</div>',  # an open panel
        f'<div aria-hidden="true">{CREDIT}</div>',
        # a child rule does not reach a grandchild
        f"<style>.comment-metadata>a{{display:none}}</style><div class='comment-metadata'><p><a>{CREDIT}</a></p></div>",
        f"<style>.a > > b{{display:none}}</style><div class='a'><b>{CREDIT}</b></div>",  # not CSS
        f'<svg viewBox="0 0 300 40"><text x="0" y="20">{CREDIT}</text></svg>',
    ],
    ids=[
        "responsive",
        "tailwind-lg",
        "inline-wins",
        "media",
        "shown-again",
        "pseudo",
        "overflow",
        "open-panel",
        "aria",
        "child-not-grandchild",
        "unreadable-selector",
        "svg",
    ],
)
def test_text_a_desktop_visitor_sees_stays_visible(html: str) -> None:
    assert CREDIT in visible_text(f"<body><p>聯盟首頁</p>{html}</body>")


def test_svg_text_elements_are_lines_of_their_own() -> None:
    html = "<svg><text>國科會</text><text>補助</text></svg><p>x</p>"
    assert visible_text(html).split("\n")[:2] == ["國科會", "補助"]


def test_links_of_a_hidden_menu_still_lead_to_the_news_page() -> None:
    html = (
        "<style>.mobile-menu{display:none}</style><body><nav class='mobile-menu'>"
        "<a href='/news/list.php'>最新消息</a></nav><p>聯盟首頁</p></body>"
    )
    assert "最新消息" not in visible_text(html)
    assert find_news_link(Page("http://a.example/", html)) == "http://a.example/news/list.php"


@pytest.mark.parametrize(
    "opening",
    [
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-TW" />',
        "<!DOCTYPE html><HTML/>",
        "<html /><head/>",
    ],
)
def test_a_self_closing_html_tag_does_not_empty_the_page(opening: str) -> None:
    html = f"{opening}<head><title>聯盟</title></head><body/><p>{CREDIT}</p><p>2026-11-03 公告</p>"
    text = read_page(html).text()
    assert CREDIT in text and "2026-11-03" in text


def test_a_page_whose_script_reveals_its_hidden_content_is_not_empty() -> None:
    """<div class="d-none"> around the whole content, removed by the page's script: a browser
    shows it, so reading without one must not call the page empty."""
    body = "<p>本聯盟由國科會補助，協助廠商開發智慧製造技術，提供人才培育與技術諮詢服務。</p>" * 8
    html = (
        f'<body><div id="main" class="d-none">{body}</div><script>'
        "document.getElementById('main').classList.remove('d-none');</script></body>"
    )
    assert CREDIT in visible_text(html)


def test_on_a_rendered_page_the_browsers_marks_alone_decide() -> None:
    """site.css may show a .d-none again; only the browser knows, and it marks what it hides."""
    html = (
        f"<html data-monitor-rendered><body><p class='d-none'>{CREDIT}</p>"
        "<p data-monitor-hidden>舊的補助文字</p></body></html>"
    )
    text = visible_text(html)
    assert CREDIT in text and "舊的補助文字" not in text

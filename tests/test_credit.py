"""The ``credit`` check (RULES.md "credit"): every case the rules name, and the traps."""

from __future__ import annotations

import pytest

from monitor.model import Page
from monitor.rules.credit import judge_credit
from monitor.rules.page_text import decode_html

HOME = "https://alliance.example.edu.tw/"


def page(body: str, url: str = HOME) -> Page:
    return Page(
        url, f"<html><head><title>智慧製造產學小聯盟</title></head><body>{body}</body></html>"
    )


@pytest.mark.parametrize(
    ("body", "matched"),
    [
        ("<p>本聯盟由科技部計畫補助</p>", "科技部計畫補助"),
        ("<p>本網站由<span>科技</span><b>部</b>計畫補助</p>", "科技部計畫補助"),
        ("<p>科技部\n  計畫\r\n補助</p>", "科技部計畫補助"),
        ("<p>科\u200b技部計畫\u00a0補助</p>", "科技部計畫補助"),
        ("<p>本聯盟由國科會補助</p>", "國科會補助"),
        ("<p>指導單位：科技部</p>", "指導單位:科技部"),
        (
            "<table><tr><th>指導單位</th><td>國家科學及技術委員會</td></tr></table>",
            "指導單位國家科學及技術委員會",
        ),
        ("<p>補助單位：行政院國家科學委員會</p>", "補助單位:行政院國家科學委員會"),
        ("<p>國家科學委員會贊助</p>", "國家科學委員會贊助"),
        ("<p>感謝科技部經費支持</p>", "科技部經費"),
        ("<p>本計畫由國科會資助</p>", "國科會資助"),
        ("<p>Sponsored by MOST</p>", "Sponsored by MOST"),
        ("<p>sponsored by <b>MOST</b></p>", "sponsored by MOST"),
        ("<p>ＳＰＯＮＳＯＲＥＤ　ＢＹ　ＭＯＳＴ</p>", "SPONSORED BY MOST"),
        (
            "<p>Funded by the National Science and Technology Council</p>",
            "Funded by the National Science and Technology Council",
        ),
        (
            "<p>Supported by the Ministry of Science and Technology, Taiwan</p>",
            "Supported by the Ministry of Science and Technology",
        ),
        ("<p>NSTC grant 113-2622-E-002-001</p>", "NSTC grant"),
        ("<p>本聯盟由NSTC補助</p>", "NSTC補助"),
        ("<p>National Science Council (NSC) grant</p>", "National Science Council (NSC) grant"),
        ("<footer>© 2026 智慧製造產學小聯盟｜科技部補助</footer>", "科技部補助"),
        ('<p aria-hidden="true">科技部計畫補助</p>', "科技部計畫補助"),
        # A <br> (or a block edge) inside the names themselves: still one phrase to a reader.
        ("<p>本聯盟由國科<br>會補<br>助</p>", "國科會補助"),
        ("<p>科技部計畫補<br/>助</p>", "科技部計畫補助"),
        (
            "<p>Funded by the National Science<br>Council</p>",
            "Funded by the National Science Council",
        ),
    ],
)
def test_credit_in_visible_text_passes(body: str, matched: str) -> None:
    check = judge_credit(page(body))
    assert check.status == "pass", check.reason
    assert check.details == {"matched": matched, "where": "text"}
    assert matched in check.evidence


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('<img src="logo.png" alt="科技部計畫補助">', "alt"),
        ('<img src="logo.png" alt="Sponsored by NSTC">', "alt"),
        ('<img src="logo.png" title="國科會補助">', "title"),
        ('<input type="image" src="go.png" alt="國科會補助">', "alt"),
    ],
)
def test_credit_in_image_alt_or_title_passes(body: str, where: str) -> None:
    check = judge_credit(page(f"<p>歡迎光臨</p>{body}"))
    assert check.status == "pass"
    assert check.details["where"] == where


def test_text_credit_is_reported_before_an_alt_credit() -> None:
    check = judge_credit(page('<img src="a.png" alt="科技部補助"><p>國科會計畫補助</p>'))
    assert check.details == {"matched": "國科會計畫補助", "where": "text"}


def test_evidence_shows_the_phrase_with_short_context() -> None:
    before, after = "甲" * 50, "乙" * 50
    check = judge_credit(page(f"<p>{before}本聯盟由科技部計畫補助{after}</p>"))
    assert check.evidence == "…" + "甲" * 16 + "本聯盟由科技部計畫補助" + "乙" * 20 + "…"


@pytest.mark.parametrize(
    "body",
    [
        "<p>科技部產學小聯盟</p>",
        "<p>國科會產學小聯盟 — 智慧製造</p>",
        "<p>Member of the MOST industry-academia alliance programme</p>",
        "<p>國家科學及技術委員會</p>",
        # funder and funding word too far apart to be one phrase (> 30 characters)
        "<p>科技部產學小聯盟"
        + "，成員來自臺灣各大學的機械、電機與材料系所教師"
        + "，歡迎企業支持</p>",
    ],
)
def test_funder_named_without_a_funding_word_warns(body: str) -> None:
    check = judge_credit(page(body))
    assert check.status == "warn", check.reason
    assert check.details["where"] == "text"
    assert check.details["matched"] in {"科技部", "國科會", "MOST", "國家科學及技術委員會"}
    assert "補助" in check.reason and "funds" in check.reason


def test_a_funding_word_just_inside_the_window_passes() -> None:
    filler = "丙" * 30
    assert judge_credit(page(f"<p>科技部{filler}補助</p>")).status == "pass"
    assert judge_credit(page(f"<p>科技部{filler}丙補助</p>")).status == "warn"


def test_credit_only_on_another_page_warns_naming_that_page() -> None:
    about = Page(HOME + "about.html", "<p>本聯盟由國科會補助成立</p>")
    check = judge_credit(
        page("<p>智慧製造產學小聯盟</p>"), other_pages=[Page(HOME + "x", "<p>x</p>"), about]
    )
    assert check.status == "warn"
    assert check.details == {"matched": "國科會補助", "where": about.url}
    assert about.url in check.reason


def test_a_name_only_on_another_page_does_not_rescue_a_homepage_without_funder() -> None:
    other = Page(HOME + "about.html", "<p>科技部產學小聯盟</p>")
    assert judge_credit(page("<p>歡迎</p>"), other_pages=[other]).status == "fail"


def test_name_on_homepage_and_full_credit_elsewhere_says_both() -> None:
    other = Page(HOME + "about.html", "<p>科技部計畫補助</p>")
    check = judge_credit(page("<p>科技部產學小聯盟</p>"), other_pages=[other])
    assert check.status == "warn"
    assert check.details["where"] == "text"
    assert other.url in check.reason


@pytest.mark.parametrize(
    "image",
    [
        '<img src="/images/most-logo.png">',
        '<img src="img/NSTC_logo.jpg" alt="">',
        '<img src="img/logo_nsc.gif" alt="logo">',
        '<img src="/upload/MOSTlogo.png">',
        '<img src="/upload/%E7%A7%91%E6%8A%80%E9%83%A8.png">',
        '<img src="/upload/sponsor.png">',
        '<a href="https://www.nstc.gov.tw/"><img src="/images/banner01.png"></a>',
        '<a href="http://www.most.gov.tw"><img src="b.png" alt="logo"></a>',
    ],
)
def test_credit_only_inside_an_image_without_text_warns(image: str) -> None:
    check = judge_credit(page(f"<p>智慧製造產學小聯盟</p>{image}"))
    assert check.status == "warn", check.reason
    assert check.details["where"] == "image"
    assert "alt" in check.reason
    assert "<img src=" in check.evidence


@pytest.mark.parametrize(
    "image",
    [
        '<img src="/images/almost-there.png">',
        '<img src="/images/mostly.png">',
        '<img src="/images/logo.png">',
        '<a href="https://www.ntu.edu.tw/"><img src="ntu.png"></a>',
    ],
)
def test_ordinary_images_are_not_taken_for_a_funder_logo(image: str) -> None:
    assert judge_credit(page(f"<p>智慧製造產學小聯盟</p>{image}")).status == "fail"


def test_a_hidden_logo_is_not_a_credit() -> None:
    body = '<p>歡迎</p><div style="display:none"><img src="most-logo.png"></div>'
    assert judge_credit(page(body)).status == "fail"


@pytest.mark.parametrize(
    "body",
    [
        "<p>歡迎光臨智慧製造產學小聯盟</p>",
        "<p>Most of our projects are supported by industry partners.</p>",
        "<p>We are the most funded alliance, almost.</p>",
        "<p>most sponsored</p>",
        "<p>Nstc funded</p>",
        "<script>document.title='科技部計畫補助'</script><p>歡迎</p>",
        "<!-- 科技部計畫補助 --><p>歡迎</p>",
        "<noscript>科技部計畫補助</noscript><p>歡迎</p>",
        "<p hidden>科技部計畫補助</p><p>歡迎</p>",
        '<p style="display:none">科技部計畫補助</p><p>歡迎</p>',
        '<p style="visibility:hidden">科技部計畫補助</p><p>歡迎</p>',
        "<template>科技部計畫補助</template><p>歡迎</p>",
        "",
    ],
)
def test_no_visible_funder_fails(body: str) -> None:
    check = judge_credit(page(body))
    assert check.status == "fail", check.reason
    assert check.details == {"matched": None, "where": None}
    assert "科技部" in check.reason and "MOST" in check.reason


def test_title_tag_alone_is_not_homepage_text() -> None:
    html = "<html><head><title>科技部計畫補助</title></head><body><p>歡迎</p></body></html>"
    assert judge_credit(Page(HOME, html)).status == "fail"


@pytest.mark.parametrize(
    "html",
    [
        "<p>本聯盟由<b>科技部<i>計畫</b>補助</i></p></div></td>",
        "<<p>>本聯盟由科技部計畫補助<</p",
        "本聯盟由科技部計畫補助",
        "<table><tr><td>本聯盟由科技部<td>計畫補助</table>",
    ],
)
def test_malformed_html_still_passes(html: str) -> None:
    assert judge_credit(Page(HOME, html)).status == "pass"


def test_big5_homepage_without_declaration_end_to_end() -> None:
    """Bytes as an old IIS server sends them: Big5, no charset anywhere, a 碁 in the text."""
    html = "<html><body><h1>圍棋碁藝產學小聯盟</h1><p>本聯盟由科技部計畫補助</p></body></html>"
    text, _ = decode_html(html.encode("cp950"), "text/html")
    check = judge_credit(Page(HOME, text))
    assert check.status == "pass"
    assert "碁" in text


def test_check_serialises_to_the_report_json_shape() -> None:
    data = judge_credit(page("<p>科技部計畫補助</p>")).to_json()
    assert data["status"] == "pass"
    assert data["evidence"] and data["matched"] == "科技部計畫補助" and data["where"] == "text"


@pytest.mark.parametrize(
    "text",
    [
        "科技部 MOST NSTC most Most ALMOST MOSTLY xMOST NSTC2 國科會",
        "the Ministry of Science and Technology and the MINISTRY OF SCIENCE AND TECHNOLOGY",
        "National Science Council, national science and technology council; Nationalscience",
        "由MOST補助、NSTC贊助",
        "國科\n會、科技\n部\n補助、National Science\nCouncil",
        "",
    ],
)
def test_fast_funder_search_finds_what_the_reference_pattern_finds(text: str) -> None:
    from monitor.rules.credit import _FUNDER_RE, _funders

    assert [m.group(0) for m in _funders(text)] == [m.group(0) for m in _FUNDER_RE.finditer(text)]

"""A frameset homepage is judged on every frame a visitor sees, not only its main frame
(RULES.md "loads": a homepage made of frames "is judged on the pages those frames show").

Old university lab sites are often built this way: ``top.htm`` (the lab's banner), ``menu.htm``
(the links), ``main.htm`` (the news) and ``bottom.htm`` (address, copyright and, as often as not,
the funding credit). A visitor of such a site reads the credit in the bottom frame; reading only
the main frame made the monitor mail a professor a false "no credit".
"""

from __future__ import annotations

import pytest

from monitor.fetching.render import BrowserHost
from tests.support.farm import Site, raw
from tests.test_crawl_loads import check

FRAMESET = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5">
<title>精密量測實驗室</title></head>
<frameset rows="{rows}" frameborder="NO" border="0" framespacing="0">
  <frame src="top.htm" name="topFrame" scrolling="NO" noresize>
  <frameset cols="180,*" frameborder="NO" border="0" framespacing="0">
    <frame src="menu.htm" name="leftFrame" scrolling="NO" noresize>
    <frame src="main.htm" name="mainFrame">
  </frameset>
  <frame src="bottom.htm" name="bottomFrame" scrolling="NO" noresize>
</frameset>
<noframes><body>您的瀏覽器不支援框架。</body></noframes></html>"""

TOP = "<html><body bgcolor='#003366'><img src='logo.gif' alt='精密量測實驗室'></body></html>"
MENU = (
    "<html><body><a href='main.htm' target='mainFrame'>最新消息</a><br>"
    "<a href='member.htm' target='mainFrame'>成員</a><br>"
    "<a href='paper.htm' target='mainFrame'>論文</a></body></html>"
)
MAIN = (
    "<html><body><h2>最新消息</h2><table>"
    "<tr><td>2026/11/05</td><td>精密量測技術研討會開放報名</td></tr>"
    "<tr><td>2026/09/20</td><td>本實驗室榮獲產學合作績優獎</td></tr>"
    "</table><p>本實驗室致力於精密量測與校正技術之研究，提供廠商量測諮詢服務。</p></body></html>"
)
BOTTOM = (
    "<html><body><center><font size='2'>本網站由科技部計畫補助　"
    "地址：新竹市大學路1001號　電話：03-5712121</font></center></body></html>"
)


def _serve(site: Site, rows: str, bottom: str = BOTTOM) -> None:
    big5 = "text/html; charset=big5"
    site.routes["/"] = raw(FRAMESET.format(rows=rows).encode("big5"), content_type=big5)
    site.routes["/top.htm"] = raw(TOP.encode("big5"), content_type=big5)
    site.routes["/menu.htm"] = raw(MENU.encode("big5"), content_type=big5)
    site.routes["/main.htm"] = raw(MAIN.encode("big5"), content_type=big5)
    site.routes["/bottom.htm"] = raw(bottom.encode("big5"), content_type=big5)


def _credit_in_the_bottom_frame(site: Site, **ctx: object) -> None:
    _serve(site, "90,*,40")
    r = check(site.url("/"), **ctx)
    assert r.loads.status == "pass" and r.final_url == site.url("/main.htm")
    assert r.credit.status == "pass", r.credit.reason
    assert r.credit.details["frame"] == site.url("/bottom.htm")
    assert "科技部計畫補助" in r.credit.evidence
    assert site.url("/bottom.htm") in r.credit.reason  # the office sees where it was read
    assert r.updates.details["latest_date"] == "2026-11-05"  # the main frame's news


def test_credit_in_the_bottom_frame_counts_with_the_browser(
    site: Site, browser_host: BrowserHost
) -> None:
    _credit_in_the_bottom_frame(site, renderer_exe=None, host=browser_host)


def test_credit_in_the_bottom_frame_counts_without_a_browser(site: Site) -> None:
    _credit_in_the_bottom_frame(site, renderer_exe="")


@pytest.mark.parametrize("rows", ["90,*,0", "90,*,0%"])
def test_a_frame_of_no_height_shows_nothing(site: Site, rows: str) -> None:
    """A zero-height frame (old sites hid counters and music players so) is not seen."""
    _serve(site, rows)
    r = check(site.url("/"), renderer_exe="")
    assert r.credit.status == "fail"
    assert site.hits["/bottom.htm"] == 0


def test_a_frame_that_only_names_the_agency_warns_as_the_homepage_would(site: Site) -> None:
    _serve(site, "90,*,40", bottom="<html><body>科技部　版權所有</body></html>")
    r = check(site.url("/"), renderer_exe="")
    assert r.credit.status == "warn" and r.credit.code.value == "credit-name-only"
    assert r.credit.details["frame"] == site.url("/bottom.htm")


@pytest.mark.parametrize(
    ("frameset", "seen"),
    [
        # the main frame is left out; the others in document order
        (FRAMESET.format(rows="90,*,40"), ["top.htm", "menu.htm", "bottom.htm"]),
        # "*" and "2*" are shares of the room, not zero
        (FRAMESET.format(rows="*,2*,*"), ["top.htm", "menu.htm", "bottom.htm"]),
        # a nested frameset given no room hides every frame in it
        (FRAMESET.format(rows="90,0,40"), ["top.htm", "bottom.htm"]),
        (FRAMESET.format(rows="0px, *, 0.0%"), ["menu.htm"]),
        # not a frameset: nothing beside
        ("<html><body><iframe src='top.htm'></iframe></body></html>", []),
    ],
)
def test_side_frames_are_the_frames_given_room(frameset: str, seen: list[str]) -> None:
    from monitor.model import Page
    from monitor.rules.entry import side_frames

    base = "http://lab.example.edu.tw/"
    found = side_frames(Page(base, frameset), base + "main.htm")
    assert found == [base + name for name in seen]


def test_at_most_four_frames_are_read_beside_the_main_one() -> None:
    from monitor.model import Page
    from monitor.rules.entry import side_frames

    many = "".join(f"<frame src='f{i}.htm'>" for i in range(9))
    html = f"<html><frameset rows='{','.join(['*'] * 10)}'>{many}<frame src='m.htm'></frameset>"
    found = side_frames(Page("http://a.tw/", html), "http://a.tw/m.htm")
    assert found == [f"http://a.tw/f{i}.htm" for i in range(4)]


def test_a_side_frame_that_does_not_load_fails_naming_it(site: Site) -> None:
    """The visitor sees the error in the menu pane (RULES.md: when the page a frame leads to
    does not load, the homepage fails with that page's error, naming its address)."""
    from tests.support.farm import status

    _serve(site, "90,*,40")
    site.routes["/menu.htm"] = status(404)
    r = check(site.url("/"), renderer_exe="")
    assert r.loads.status == "fail" and r.loads.details["error_kind"] == "http-status"
    assert site.url("/menu.htm") in r.loads.reason and "404" in r.loads.reason
    assert "首頁框架（frame）中的頁面" in r.loads.message.zh
    assert "the page in the homepage's frame" in r.loads.message.en
    assert r.final_url == site.url("/main.htm")  # the homepage is still the main frame
    assert (r.credit.code.value, r.updates.code.value) == ("not-checked", "not-checked")


def test_a_side_frame_showing_a_picture_is_no_finding(site: Site) -> None:
    _serve(site, "90,*,40")
    site.routes["/top.htm"] = raw(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
    r = check(site.url("/"), renderer_exe="")
    assert (r.loads.status, r.credit.status) == ("pass", "pass")
    assert r.extra["side_frames"] == [site.url("/menu.htm"), site.url("/bottom.htm")]


#: An old lab site whose content frame comes first: the whole window for the news, then a
#: frame with no room that plays background music (or counts hits) while the visitor reads.
MUSIC_FRAMESET = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5">
<title>精密量測實驗室</title></head>
<frameset rows="{rows}" frameborder="0" border="0">
  <frame src="main.htm" name="page" scrolling="auto">
  <frame src="{last}" name="{last_name}" scrolling="no" noresize>
</frameset></html>"""


def _serve_first_frame_main(site: Site, rows: str, last: str, last_name: str) -> None:
    big5 = "text/html; charset=big5"
    html = MUSIC_FRAMESET.format(rows=rows, last=last, last_name=last_name)
    site.routes["/"] = raw(html.encode("big5"), content_type=big5)
    main = MAIN.replace("</table>", "</table><p>本實驗室為科技部計畫補助之產學小聯盟</p>")
    site.routes["/main.htm"] = raw(main.encode("big5"), content_type=big5)
    site.routes["/music.htm"] = raw(
        b"<html><body><embed src='bgm.mid' autostart='true' hidden='true'></body></html>",
        content_type=big5,
    )
    site.routes["/bottom.htm"] = raw(BOTTOM.encode("big5"), content_type=big5)


@pytest.mark.parametrize("rows", ["100%,*", "*,0"])
@pytest.mark.parametrize("renderer", ["chromium", "static"])
def test_a_hidden_last_frame_is_not_the_homepage(
    site: Site, browser_host: BrowserHost, rows: str, renderer: str
) -> None:
    """The music frame comes last but has no room: the visitor reads the first frame, which
    holds the news and the credit. Taking the last frame judged an empty page."""
    _serve_first_frame_main(site, rows, "music.htm", "bgm")
    if renderer == "chromium":
        r = check(site.url("/"), renderer_exe=None, host=browser_host)
    else:
        r = check(site.url("/"), renderer_exe="")
    assert r.final_url == site.url("/main.htm"), r.final_url
    assert (r.loads.status, r.credit.status) == ("pass", "pass"), (r.loads, r.credit)
    assert r.updates.details["latest_date"] == "2026-11-05"
    assert site.hits["/music.htm"] == 0


def test_a_content_frame_before_its_bottom_frame_is_the_main_one(site: Site) -> None:
    """``rows="*,60"``: the content takes the window, the bottom frame a strip under it."""
    _serve_first_frame_main(site, "*,60", "bottom.htm", "bottomFrame")
    r = check(site.url("/"), renderer_exe="")
    assert r.final_url == site.url("/main.htm")
    assert r.updates.details["latest_date"] == "2026-11-05"
    assert r.extra.get("side_frames") == [site.url("/bottom.htm")]


@pytest.mark.parametrize(
    ("html", "main", "areas"),
    [
        # classic: banner row, then menu and main side by side
        (
            FRAMESET.format(rows="90,*,40"),
            "main.htm",
            [1280 * 90, 180 * 670, 1100 * 670, 1280 * 40],
        ),
        # a grid: rows and cols together, filled row by row; the fifth frame has no cell
        (
            "<frameset rows='100,*' cols='200,*'><frame src='a'><frame src='b'><frame src='c'>"
            "<frame src='d'><frame src='e'></frameset>",
            "d",
            [200 * 100, 1080 * 100, 200 * 700, 1080 * 700, 0],
        ),
        # a frame named like content wins even when smaller; a menu named "mainmenu" does not
        (
            "<frameset cols='70%,*'><frame name='mainmenu' src='m'><frame name='mainFrame'"
            " src='c'></frameset>",
            "c",
            [896 * 800, 384 * 800],
        ),
        # pixel sizes that overflow the window shrink in proportion; equal shares: the later
        (
            "<frameset cols='1000,1000'><frame src='x'><frame src='y'></frameset>",
            "y",
            [640 * 800] * 2,
        ),
        # sizes the browser cannot read count as "*"
        (
            "<frameset rows='abc,50'><frame src='x'><frame src='y'></frameset>",
            "x",
            [1280 * 750, 1280 * 50],
        ),
    ],
)
def test_frames_are_laid_out_as_a_browser_does(html: str, main: str, areas: list[float]) -> None:
    from monitor.rules.framesets import frame_panes, main_pane
    from monitor.rules.page_text import read_page

    panes = frame_panes(read_page(html).root)
    assert [round(p.area) for p in panes] == areas
    chosen = main_pane(panes)
    assert chosen is not None and chosen.src == main

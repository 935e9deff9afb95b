"""The realistic sites of :mod:`tests.farm_visit` and what a correct monitor says about each."""

from __future__ import annotations

import http.server
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.farm import Handler, send

#: The crawl's reference date in the tests that use these sites.
TODAY = "2026-11-20"

_CREDIT = "本聯盟為國科會（國家科學及技術委員會）產學合作計畫補助"
_NEWS = [
    ("2026-11-12", "115年度第二次產學技術交流會 活動花絮"),
    ("2026-10-28", "【公告】會員廠商年度技術需求調查"),
    ("2026-09-30", "智慧製造實作工作坊 報名開始"),
]


def _menu() -> str:
    items = ["關於聯盟", "最新消息", "研發能量", "技術服務", "會員專區", "聯絡我們"]
    links = "".join(f'<li><a href="/p/{i}.html">{t}</a></li>' for i, t in enumerate(items))
    return f'<nav class="navbar"><ul class="nav">{links}</ul></nav>'


def _news_rows(rows: list[tuple[str, str]]) -> str:
    return "".join(
        f'<div class="mtitle"><a href="/news/{i}.html">{title}</a>'
        f'<span class="mdate">{day}</span></div>'
        for i, (day, title) in enumerate(rows)
    )


def _footer(credit: str = _CREDIT) -> str:
    return (
        '<div class="footer"><p>地址：70101 臺南市東區大學路1號 工學院大樓 5F　'
        "電話：(06)275-7575 分機 62000　傳真：(06)276-6000</p>"
        f"<p>{credit}</p>"
        "<p>瀏覽人次：128,734（統計起始日：2019-01-01）</p>"
        "<p>Copyright © 2026 智慧製造產學聯盟 All rights reserved.</p></div>"
    )


def cms_home(
    *,
    credit: str = _CREDIT,
    news: str | None = None,
    footer: str | None = None,
    extra_head: str = "",
    extra_body: str = "",
    title: str = "智慧製造產學聯盟",
) -> str:
    """An RPage-style CMS homepage: header, menu, intro, news box, events, footer."""
    news_html = _news_rows(_NEWS) if news is None else news
    return (
        "<!DOCTYPE html><html lang='zh-Hant-TW'><head><meta charset='utf-8'>"
        f"<title>{title}</title><meta name='viewport' content='width=device-width'>"
        f"<link rel='stylesheet' href='/css/site.css'>{extra_head}</head><body>"
        f"<div class='header'><div class='logo'><a href='/'>{title}</a></div>{_menu()}</div>"
        "<div class='container'><div class='row'><div class='col-md-8'>"
        "<div class='module module-intro'><h2>聯盟簡介</h2><p>本聯盟結合大學研發能量與在地產業，"
        "聚焦智慧製造、機器視覺與設備聯網，提供技術諮詢、人才培育與產學共同研發服務，"
        "協助會員廠商導入數位轉型並提升國際競爭力。</p></div>"
        "<div class='module module-news'><div class='mt'><h3>最新消息</h3>"
        "<a class='more' href='/p/1.html'>more</a></div>"
        f"<div class='mb' id='news'>{news_html}</div></div>"
        "<div class='module module-event'><h3>近期活動</h3><ul>"
        "<li>2026-12-15 年終成果發表會（預告）</li></ul></div>"
        "</div><div class='col-md-4'><div class='module'><h3>快速連結</h3><ul>"
        "<li><a href='/p/3.html'>技術服務申請</a></li><li><a href='/p/4.html'>會員入會</a></li>"
        "</ul></div></div></div></div>"
        f"{_footer(credit) if footer is None else footer}{extra_body}</body></html>"
    )


_CSS = (
    "body{font-family:sans-serif;margin:0}.header{background:#0a3d62;color:#fff;padding:8px}"
    ".nav li{display:inline-block;margin-right:12px}.nav a{color:#fff}"
    ".mtitle{padding:4px 0;border-bottom:1px dotted #ccc}.mdate{float:right;color:#666}"
    ".footer{background:#eee;padding:12px;font-size:13px}.d-none{display:none!important}"
    ".sr-hide{visibility:hidden}"
)


def _page(html: str, **kw: object) -> Handler:
    return lambda h: send(h, html, **kw)  # type: ignore[arg-type]


def _common(routes: dict[str, Handler]) -> dict[str, Handler]:
    """The CSS and the inner pages every CMS site has (the news page is /p/1.html)."""
    routes.setdefault("/css/site.css", _page(_CSS, content_type="text/css"))
    news_page = cms_home(news=_news_rows(_NEWS), title="最新消息 - 智慧製造產學聯盟")
    routes.setdefault("/p/1.html", _page(news_page))
    for i in (0, 2, 3, 4, 5):
        routes.setdefault(f"/p/{i}.html", _page(cms_home(title=f"頁面 {i}")))
    return routes


# --- the wrappers --------------------------------------------------------------------------


def splash_site() -> dict[str, Handler]:
    splash = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>智慧製造產學聯盟</title>"
        "<style>body{background:#000;text-align:center}</style></head><body>"
        "<div class='intro'><img src='/img/intro.jpg' alt='' width='960' height='540'>"
        "<p><a href='/index.php' class='enter'>進入網站 ENTER &gt;&gt;</a></p></div>"
        "</body></html>"
    )
    return _common({"/": _page(splash), "/index.php": _page(cms_home())})


def frameset_site() -> dict[str, Handler]:
    frames = (
        "<html><head><meta charset='big5'><title>聯盟</title></head>"
        "<frameset rows='120,*' border='0'><frame name='top' src='/top.htm' scrolling='no'>"
        "<frame name='main' src='/main.htm'></frameset></html>"
    )
    return _common(
        {
            "/": _page(frames.encode("cp950"), content_type="text/html"),
            "/top.htm": _page("<html><body><img src='/logo.gif' alt='聯盟標誌'></body></html>"),
            "/main.htm": _page(cms_home()),
        }
    )


def iframe_wrapper_site() -> dict[str, Handler]:
    wrapper = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>智慧製造產學聯盟</title>"
        "<style>html,body,iframe{margin:0;border:0;width:100%;height:100%}</style></head>"
        "<body><iframe src='/cms/home.html' title='智慧製造產學聯盟'></iframe></body></html>"
    )
    return _common({"/": _page(wrapper), "/cms/home.html": _page(cms_home())})


def _looks_like_a_browser(h: http.server.BaseHTTPRequestHandler) -> bool:
    ua = h.headers.get("User-Agent", "")
    return "Mozilla/" in ua and bool(h.headers.get("Accept-Language"))


REJECTED = (
    "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
    "Please consult with your administrator.<br><br>Your support ID is: 4721093385517732001"
    "<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>"
)


def firewall_site() -> dict[str, Handler]:
    """A web application firewall: 403 "Request Rejected" unless the client looks like a browser."""

    def guarded(inner: Handler) -> Handler:
        def handle(h: http.server.BaseHTTPRequestHandler) -> None:
            if _looks_like_a_browser(h):
                inner(h)
            else:
                send(h, REJECTED, status=403)

        return handle

    routes = _common({"/": _page(cms_home())})
    return {path: guarded(handler) for path, handler in routes.items()}


def cookie_redirect_site() -> dict[str, Handler]:
    """ASP.NET style: no session cookie -> set it and redirect to the same address."""

    def home(h: http.server.BaseHTTPRequestHandler) -> None:
        if "ASP.NET_SessionId=" in (h.headers.get("Cookie") or ""):
            send(h, cms_home())
            return
        h.send_response(302)
        h.send_header("Set-Cookie", "ASP.NET_SessionId=k2v1abc; path=/; HttpOnly")
        h.send_header("Location", "/")
        h.send_header("Content-Length", "0")
        h.end_headers()

    return _common({"/": home})


# --- what only the browser shows --------------------------------------------------------------

_FOOTER_SCRIPT = (
    "<div id='footer'></div><script src='/js/jquery-lite.js'></script>"
    "<script>loadInto('footer', '/inc/footer.html');"
    "getJSON('/api/news.json', function (rows) {"
    "  var box = document.getElementById('news'); box.innerHTML = '';"
    "  rows.forEach(function (r) { var d = document.createElement('div'); d.className = 'mtitle';"
    "    d.innerHTML = '<a href=\"' + r.url + '\">' + r.title + '</a><span class=\"mdate\">' +"
    "    r.date + '</span>'; box.appendChild(d); }); });</script>"
)
_LITE_JS = (
    "function loadInto(id, url){fetch(url).then(function(r){return r.text()})"
    ".then(function(t){document.getElementById(id).innerHTML=t})}"
    "function getJSON(url, cb){fetch(url).then(function(r){return r.json()}).then(cb)}"
)


def script_footer_site() -> dict[str, Handler]:
    """Footer (with the credit) and news list both filled in by script after loading."""
    rows = [{"date": d, "title": t, "url": f"/news/{i}.html"} for i, (d, t) in enumerate(_NEWS)]
    home = cms_home(news="<p>載入中...</p>", footer=_FOOTER_SCRIPT)
    news_page = cms_home(
        news="<p>載入中...</p>", footer=_FOOTER_SCRIPT, title="最新消息 - 智慧製造產學聯盟"
    )
    return _common(
        {
            "/": _page(home),
            "/p/1.html": _page(news_page),
            "/js/jquery-lite.js": _page(_LITE_JS, content_type="text/javascript"),
            "/inc/footer.html": _page(_footer()),
            "/api/news.json": _page(json.dumps(rows), content_type="application/json"),
        }
    )


def hidden_credit_site() -> dict[str, Handler]:
    """The only credit sits in a Bootstrap ``.d-none`` block (hidden by the stylesheet)."""
    footer = _footer(credit="聯盟辦公室")
    hidden = f"<div class='d-none'>{_CREDIT}</div>"
    svg = (
        "<svg width='300' height='40' role='img'><text x='0' y='20'>智慧製造 Smart Manufacturing"
        "</text></svg>"
    )
    return _common({"/": _page(cms_home(footer=footer, extra_body=hidden + svg))})


def hanging_script_site() -> dict[str, Handler]:
    """A static page with ample text and a script that never lets the browser finish loading."""
    hang = "<script>var t = Date.now(); while (true) { if (t < 0) break; }</script>"
    return _common({"/": _page(cms_home(extra_body=hang))})


@dataclass(frozen=True)
class VisitSite:
    """One realistic site and the verdicts (loads, credit, updates) a correct crawl gives it."""

    slug: str
    routes: Callable[[], dict[str, Handler]]
    with_browser: tuple[str, str, str]
    without_browser: tuple[str, str, str]
    notes: dict[str, str] = field(default_factory=dict)


SITES: tuple[VisitSite, ...] = (
    VisitSite("splash", splash_site, ("pass", "pass", "pass"), ("pass", "pass", "pass")),
    VisitSite("frameset", frameset_site, ("pass", "pass", "pass"), ("pass", "pass", "pass")),
    VisitSite("iframe-wrapper", iframe_wrapper_site, ("pass", "pass", "pass"), ("pass",) * 3),
    VisitSite("firewall", firewall_site, ("pass", "pass", "pass"), ("pass", "pass", "pass")),
    VisitSite("cookie-redirect", cookie_redirect_site, ("pass",) * 3, ("pass",) * 3),
    # without a browser the footer and the news list are empty: the static fallback finds the
    # credit only on the about page (a warning) and no news date
    VisitSite("script-footer", script_footer_site, ("pass",) * 3, ("pass", "warn", "fail")),
    # Bootstrap's .d-none hides the homepage's only credit: the browser computes it hidden (and
    # the static reader knows the class); the credit on the about page leaves a warning
    VisitSite(
        "hidden-credit", hidden_credit_site, ("pass", "warn", "pass"), ("pass", "warn", "pass")
    ),
    # the browser never finishes: judged on the static page, which is fine
    VisitSite("hanging-script", hanging_script_site, ("pass",) * 3, ("pass",) * 3),
)

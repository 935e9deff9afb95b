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


def _page(html: str | bytes, **kw: object) -> Handler:
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

FOOTER_SCRIPT = (
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
    home = cms_home(news="<p>載入中...</p>", footer=FOOTER_SCRIPT)
    news_page = cms_home(
        news="<p>載入中...</p>", footer=FOOTER_SCRIPT, title="最新消息 - 智慧製造產學聯盟"
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


# --- scroll-reveal templates (issue 19.1) -----------------------------------------------------
# Small, faithful stand-ins of the libraries, served as the site's own static files: WOW.js
# hides every ``.wow`` box with an inline ``visibility:hidden`` when it starts and shows a box
# (adding animate.css's ``animated`` class) once it is scrolled into view; AOS fades
# ``[data-aos]`` boxes in (opacity) when scrolled to and out again when scrolled back.

WOW_JS = """(function () {
  function WOW(options) {
    this.config = Object.assign({boxClass: 'wow', animateClass: 'animated', offset: 0,
                                 mobile: true, live: true}, options || {});
    this.scrolled = true;
  }
  WOW.prototype.init = function () {
    var self = this;
    if (document.readyState === 'interactive' || document.readyState === 'complete') {
      self.start();
    } else {
      document.addEventListener('DOMContentLoaded', function () { self.start(); });
    }
  };
  WOW.prototype.start = function () {
    var self = this;
    this.boxes = [].slice.call(document.querySelectorAll('.' + this.config.boxClass));
    this.animationNames = this.boxes.map(function (box) {
      return getComputedStyle(box).animationName;
    });
    this.boxes.forEach(function (box) { self.applyStyle(box, true); });
    window.addEventListener('scroll', function () { self.scrolled = true; });
    window.addEventListener('resize', function () { self.scrolled = true; });
    this.interval = setInterval(function () { self.scrollCallback(); }, 50);
  };
  WOW.prototype.applyStyle = function (box, hidden) {
    var duration = box.getAttribute('data-wow-duration');
    var delay = box.getAttribute('data-wow-delay');
    box.style.visibility = hidden ? 'hidden' : 'visible';
    if (duration) box.style.animationDuration = duration;
    if (delay) box.style.animationDelay = delay;
    box.style.animationName = hidden ? 'none' : '';
  };
  WOW.prototype.show = function (box) {
    this.applyStyle(box, false);
    box.className = box.className + ' ' + this.config.animateClass;
  };
  WOW.prototype.scrollCallback = function () {
    if (!this.scrolled) return;
    this.scrolled = false;
    var self = this;
    this.boxes = this.boxes.filter(function (box) {
      if (self.isVisible(box)) { self.show(box); return false; }
      return true;
    });
    if (!this.boxes.length && !this.config.live) clearInterval(this.interval);
  };
  WOW.prototype.offsetTop = function (element) {
    var top = element.offsetTop;
    while ((element = element.offsetParent)) top += element.offsetTop;
    return top;
  };
  WOW.prototype.isVisible = function (box) {
    var offset = box.getAttribute('data-wow-offset') || this.config.offset;
    var viewTop = window.pageYOffset;
    var viewBottom = viewTop + Math.min(document.documentElement.clientHeight,
                                        window.innerHeight) - offset;
    var top = this.offsetTop(box);
    var bottom = top + box.clientHeight;
    return top <= viewBottom && bottom >= viewTop;
  };
  window.WOW = WOW;
})();
"""

ANIMATE_CSS = (
    ".animated{animation-duration:1s;animation-fill-mode:both}"
    "@keyframes fadeIn{from{opacity:0}to{opacity:1}}.fadeIn{animation-name:fadeIn}"
    "@keyframes fadeInUp{from{opacity:0;transform:translate3d(0,100%,0)}"
    "to{opacity:1;transform:translate3d(0,0,0)}}.fadeInUp{animation-name:fadeInUp}"
    "@keyframes fadeInLeft{from{opacity:0;transform:translate3d(-100%,0,0)}"
    "to{opacity:1;transform:translate3d(0,0,0)}}.fadeInLeft{animation-name:fadeInLeft}"
)

AOS_JS = """var AOS = (function () {
  var elements = [], options = {offset: 120, once: false, throttleDelay: 99};
  function prepare() {
    elements.forEach(function (el) {
      var rect = el.node.getBoundingClientRect();
      el.position = rect.top + window.pageYOffset - window.innerHeight + options.offset;
    });
  }
  function apply() {
    var y = window.pageYOffset;
    elements.forEach(function (el) {
      if (y >= el.position) el.node.classList.add('aos-animate');
      else if (!options.once && !el.once) el.node.classList.remove('aos-animate');
    });
  }
  var timer = null;
  function onScroll() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; apply(); }, options.throttleDelay);
  }
  function start() {
    elements = [].map.call(document.querySelectorAll('[data-aos]'), function (node) {
      node.classList.add('aos-init');
      return {node: node, once: node.getAttribute('data-aos-once') === 'true'};
    });
    prepare(); apply();
    window.addEventListener('scroll', onScroll);
    window.addEventListener('resize', function () { prepare(); apply(); });
  }
  return {init: function (settings) {
    Object.assign(options, settings || {});
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  }};
})();
"""

AOS_CSS = (
    "[data-aos]{pointer-events:none}[data-aos].aos-animate{pointer-events:auto}"
    "[data-aos^=fade][data-aos^=fade]{opacity:0;transition-property:opacity,transform;"
    "transition-duration:.4s}[data-aos^=fade][data-aos^=fade].aos-animate{opacity:1;"
    "transform:translateZ(0)}[data-aos=fade-up]{transform:translate3d(0,100px,0)}"
)

_ONE_PAGE_CSS = (
    "body{margin:0;font-family:sans-serif}.hero{height:100vh;background:#123 url(/img/hero.jpg)"
    " center/cover;color:#fff;display:flex;align-items:center;justify-content:center}"
    "section{padding:80px 10%;min-height:60vh}.card{display:inline-block;width:30%;"
    "margin:1%;vertical-align:top;border:1px solid #ddd;padding:16px}"
    ".d-none{display:none!important}.collapse:not(.show){display:none}"
    "footer{background:#222;color:#eee;padding:40px 10%}"
)


def _one_page(*, head: str, body: str, scripts: str) -> str:
    """A one-page Bootstrap theme: a full-window hero, sections reached by anchors, a footer."""
    return (
        "<!DOCTYPE html><html lang='zh-Hant-TW'><head><meta charset='utf-8'>"
        "<title>智慧製造產學聯盟</title><meta name='viewport' content='width=device-width'>"
        f"<link rel='stylesheet' href='/css/style.css'>{head}</head><body>"
        "<nav class='navbar'><a class='brand' href='#top'>智慧製造產學聯盟</a>"
        "<button class='navbar-toggler' data-toggle='collapse' data-target='#menu'>選單</button>"
        "<div class='collapse navbar-collapse' id='menu'><ul><li><a href='#about'>關於聯盟</a>"
        "</li><li><a href='#news'>最新消息</a></li><li><a href='#contact'>聯絡我們</a></li>"
        "</ul></div></nav>"
        "<header class='hero' id='top'><h1>智慧製造產學聯盟<br>Smart Manufacturing Alliance</h1>"
        f"</header>{body}{scripts}</body></html>"
    )


def _cards(rows: list[tuple[str, str]], attrs: str) -> str:
    return "".join(
        f"<div class='card' {attrs}><span class='date'>{day}</span>"
        f"<h4><a href='#news-{i}'>{title}</a></h4></div>"
        for i, (day, title) in enumerate(rows)
    )


_ABOUT = (
    "<section id='about'><h2>關於聯盟</h2><p>本聯盟結合大學研發能量與在地產業，聚焦智慧製造、"
    "機器視覺與設備聯網，提供技術諮詢、人才培育與產學共同研發服務，協助會員廠商導入數位轉型。"
    "</p></section>"
)


def wow_reveal_site() -> dict[str, Handler]:
    """WOW.js + animate.css: the news cards and the footer credit show only when scrolled to.

    The theme's own stylesheet also hides ``.wow`` until WOW.js starts (``.wow{visibility:
    hidden}``, against a flash of content), so the static page hides them as well. A ``.d-none``
    card with a newer date is a template row nobody sees, and stays unseen.
    """
    cards = _cards(_NEWS, "class='card wow fadeInUp' data-wow-delay='0.2s'").replace(
        "class='card' class=", "class="
    )
    template = (
        "<div class='card wow fadeInUp d-none'><span class='date'>2026-11-19</span>"
        "<h4>（範本）活動標題</h4></div>"
    )
    body = (
        f"{_ABOUT}<section id='news'><h2 class='wow fadeInLeft'>最新消息</h2>{cards}{template}"
        "</section><section id='contact'><h2>聯絡我們</h2><p>電話：(06)275-7575 分機 62000"
        "</p></section>"
        f"<footer class='wow fadeIn'><p>{_CREDIT}</p><p>Copyright © 2026 智慧製造產學聯盟</p>"
        "</footer>"
    )
    home = _one_page(
        head="<link rel='stylesheet' href='/css/animate.css'><style>.wow{visibility:hidden}</style>",
        body=body,
        scripts="<script src='/js/wow.min.js'></script><script>new WOW().init();</script>",
    )
    return {
        "/": _page(home),
        "/css/style.css": _page(_ONE_PAGE_CSS, content_type="text/css"),
        "/css/animate.css": _page(ANIMATE_CSS, content_type="text/css"),
        "/js/wow.min.js": _page(WOW_JS, content_type="text/javascript"),
    }


def aos_reveal_site() -> dict[str, Handler]:
    """AOS: news cards fade in when scrolled to (and out again above them). What is really
    hidden stays hidden: a credit only in the collapsed phone menu, a ``hidden`` card with a
    newer date inside an AOS box. The credit a visitor reads is on the about page (a warning)."""
    cards = _cards(_NEWS, "data-aos='fade-up'")
    hidden_card = (
        "<div class='card' data-aos='fade-up'><p hidden>2026-11-19 內部測試公告</p>"
        "<span class='date'>2026-09-01</span><h4>暑期實習成果</h4></div>"
    )
    body = (
        f"{_ABOUT}<section id='news'><h2 data-aos='fade-up'>最新消息</h2>{cards}{hidden_card}"
        "</section><section id='contact'><h2>聯絡我們</h2><p>電話：(06)275-7575 分機 62000"
        "</p><p><a href='/about.html'>關於本聯盟</a></p></section>"
        "<footer><p>Copyright © 2026 智慧製造產學聯盟</p></footer>"
    )
    home = _one_page(
        head="<link rel='stylesheet' href='/css/aos.css'>",
        body=body,
        scripts="<script src='/js/aos.js'></script><script>AOS.init();</script>",
    ).replace(
        "<li><a href='#contact'>聯絡我們</a></li>",
        "<li><a href='#contact'>聯絡我們</a></li><li class='sponsor'>指導單位：國科會</li>",
    )
    return {
        "/": _page(home),
        "/about.html": _page(cms_home(title="關於本聯盟")),
        "/css/style.css": _page(_ONE_PAGE_CSS, content_type="text/css"),
        "/css/aos.css": _page(AOS_CSS, content_type="text/css"),
        "/js/aos.js": _page(AOS_JS, content_type="text/javascript"),
    }


# --- where scripts send the visitor (issue 19.6 and 19.7) ------------------------------------


def language_redirect_site() -> dict[str, Handler]:
    """An English index whose script sends a Chinese browser to ``index_ch.html``."""
    english = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Smart Manufacturing"
        " Alliance</title><script>var langs = navigator.languages || [navigator.language];"
        "for (var i = 0; i < langs.length; i++) { if (/^zh(-(tw|hant))?$/i.test(langs[i])) {"
        " if (langs[i].toLowerCase() !== 'zh' || i > 0) { window.location.href = 'index_ch.html';"
        " break; } } }</script></head><body><h1>Smart Manufacturing Alliance</h1>"
        "<p>Welcome. We connect university research with local industry in smart manufacturing,"
        " machine vision and connected equipment.</p><p><a href='index_ch.html'>中文版</a></p>"
        "<h3>News</h3><ul><li>2025-03-02 Alliance founded</li></ul></body></html>"
    )
    return _common({"/": _page(english), "/index_ch.html": _page(cms_home())})


def welcome_timed_site() -> dict[str, Handler]:
    """A welcome screen whose script moves to the real homepage after three seconds."""
    welcome = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>智慧製造產學聯盟</title>"
        "<style>body{background:#0a3d62;color:#fff;text-align:center;padding-top:20vh}</style>"
        "</head><body><img src='/img/logo.png' alt='智慧製造產學聯盟' width='320' height='120'>"
        "<h1>歡迎蒞臨</h1><p>網頁將於 3 秒後自動跳轉…</p>"
        "<script>setTimeout(function () { window.location.href = '/news/index.php'; }, 3000);"
        "</script></body></html>"
    )
    return _common({"/": _page(welcome), "/news/index.php": _page(cms_home())})


def js_challenge_site() -> dict[str, Handler]:
    """An anti-bot shield: without its cookie, a page whose script sets it and reloads."""
    challenge = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Checking your browser</title>"
        "<script>var a = 7 * 6; document.cookie = 'shield_js=' + a + 'ok; path=/';"
        "window.location.reload();</script></head><body><noscript>Please enable JavaScript"
        "</noscript></body></html>"
    )

    def shielded(inner: Handler) -> Handler:
        def handle(h: http.server.BaseHTTPRequestHandler) -> None:
            if "shield_js=42ok" in (h.headers.get("Cookie") or ""):
                inner(h)
            else:
                send(h, challenge)

        return handle

    routes = _common({"/": _page(cms_home())})
    return {path: shielded(handler) for path, handler in routes.items()}


def moved_by_script_site(other_url: str) -> dict[str, Handler]:
    """The alliance's old address: a notice whose script sends the visitor to a new host."""
    notice = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>網站已搬遷</title></head><body>"
        "<p>本聯盟網站已搬遷，將為您自動轉往新網址。</p>"
        f"<script>location.replace('{other_url}');</script></body></html>"
    )
    return {"/": _page(notice)}


def new_host_site() -> dict[str, Handler]:
    """The new host the script sends the visitor to: an ordinary CMS homepage."""
    return _common({"/": _page(cms_home())})


@dataclass(frozen=True)
class VisitSite:
    """One realistic site and the verdicts (loads, credit, updates) a correct crawl gives it."""

    slug: str
    routes: Callable[..., dict[str, Handler]]
    with_browser: tuple[str, str, str]
    without_browser: tuple[str, str, str]
    notes: dict[str, str] = field(default_factory=dict)
    #: a second host the site's script sends visitors to; ``routes`` is then called with its
    #: address (``other_url=``)
    other_host: Callable[[], dict[str, Handler]] | None = None


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
    # WOW.js hides the news cards and the footer credit until scrolled to; the static reader
    # knows the reveal box (the theme's own .wow{visibility:hidden} does not hide it)
    VisitSite("wow-reveal", wow_reveal_site, ("pass",) * 3, ("pass",) * 3),
    # AOS fades the news in; the credit in the collapsed menu is not visible (the browser);
    # without a browser the menu's external stylesheet is unknown and the credit counts
    VisitSite("aos-reveal", aos_reveal_site, ("pass", "warn", "pass"), ("pass",) * 3),
    # the browser speaks zh-TW: the English index sends it to index_ch.html. Without a
    # browser no script runs: the English page is judged (no credit, an old date), as
    # docs/monitor.md "Without a browser" says
    VisitSite("language-redirect", language_redirect_site, ("pass",) * 3, ("pass", "fail", "fail")),
    # a welcome screen that moves on after 3 s: judged where it lands (without a browser, its
    # plain script redirect is read like a meta refresh)
    VisitSite("welcome-timed", welcome_timed_site, ("pass",) * 3, ("pass",) * 3),
    # a JavaScript cookie challenge: passed in the browser; without one, an empty page built
    # by script: not judged (not-rendered, not-checked), never a finding
    VisitSite("js-challenge", js_challenge_site, ("pass",) * 3, ("warn",) * 3),
    # a script sends the visitor to another host: named, like an HTTP redirect (warn); without
    # a browser its plain script redirect is read like a meta refresh
    VisitSite(
        "moved-by-script",
        moved_by_script_site,
        ("warn", "pass", "pass"),
        ("warn", "pass", "pass"),
        other_host=new_host_site,
    ),
)

"""Page kinds (RULES.md "loads"): empty, server default, directory listing, parked; JS shells."""

from __future__ import annotations

import pytest

from monitor.model import Page
from monitor.rules.pagekind import classify_page, follow_target, looks_js_rendered

URL = "http://alliance.example.edu.tw/"

APACHE_UBUNTU = (
    """<!DOCTYPE html><html><head><title>Apache2 Ubuntu Default Page: It works</title></head>
<body><div class="main_page"><div class="page_header">Apache2 Ubuntu Default Page <span>It works!</span></div>
<div class="section_header">It works!</div><p>This is the default welcome page used to test the correct
operation of the Apache2 server after installation on Ubuntu systems. It is based on the equivalent
page on Debian, from which the Ubuntu Apache packaging is derived. If you can read this page, it
means that the Apache HTTP server installed at this site is working properly. You should replace
this file (located at /var/www/html/index.html) before continuing to operate your HTTP server.</p>
"""
    + "<p>Configuration Overview: Ubuntu's Apache2 default configuration is different from the upstream default configuration.</p>"
    * 30
    + "</div></body></html>"
)

NGINX = """<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>
<h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p><p><em>Thank you for using nginx.</em></p></body></html>"""

IIS = """<html><head><title>IIS Windows Server</title></head><body><div id="container">
<a href="http://go.microsoft.com/fwlink/?linkid=66138"><img src="iisstart.png" alt="IIS" width="960"></a>
</div></body></html>"""

IIS7 = """<html><head><title>IIS7</title></head><body><div id="container">
<img src="welcome.png" alt="IIS7" /></div><h1>Internet Information Services</h1></body></html>"""

APPSERV = """<html><head><title>AppServ Open Project 8.6.0 for Windows</title></head><body>
<h2>The AppServ Open Project - 8.6.0 for Windows</h2><p>phpMyAdmin Database Manager Version 4.6.6</p>
<p>PHP Information Version 7.1.1</p></body></html>"""

LISTING = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN"><html><head><title>Index of /</title>
</head><body><h1>Index of /</h1><table><tr><th>Name</th><th>Last modified</th><th>Size</th></tr>
<tr><td><a href="old/">old/</a></td><td>2019-03-01 10:22</td><td>-</td></tr></table>
<address>Apache/2.4.41 (Ubuntu) Server at alliance.example.edu.tw Port 80</address></body></html>"""

LISTING_SUBDIR = "<html><head><title>Index of /alliance</title></head><body><h1>Index of /alliance</h1><pre><a href='../'>Parent Directory</a></pre></body></html>"

PY_LISTING = (
    "<!DOCTYPE HTML><html><head><title>Directory listing for /</title></head><body>"
    "<h1>Directory listing for /</h1><hr><ul><li><a href='old_site/'>old_site/</a></li></ul>"
    "</body></html>"
)

IIS_LISTING = (
    "<html><head><title>alliance.example.edu.tw - /</title></head><body>"
    "<H1>alliance.example.edu.tw - /</H1><hr><pre><A HREF='/web/'>[To Parent Directory]</A>"
    "<br><br> 2023/3/1 10:00 &lt;dir&gt; <A HREF='/old/'>old</A><br></pre><hr></body></html>"
)

WP_INSTALL = (
    "<html><head><title>WordPress &rsaquo; Installation</title></head><body>"
    "<p>Welcome to the famous five-minute WordPress installation process!</p></body></html>"
)

APACHE_PLAIN = "<html><body><h1>It works!</h1></body></html>"

TOMCAT = "<html><head><title>Apache Tomcat/9.0.65</title></head><body><h2>If you're seeing this, you've successfully installed Tomcat. Congratulations!</h2></body></html>"


@pytest.mark.parametrize(
    ("html", "kind", "server", "evidence"),
    [
        (APACHE_PLAIN, "server_default", "Apache", "It works!"),
        (
            APACHE_UBUNTU,
            "server_default",
            "Apache (Ubuntu)",
            "Apache2 Ubuntu Default Page: It works",
        ),
        (NGINX, "server_default", "nginx", "Welcome to nginx!"),
        (IIS, "server_default", "IIS", "IIS Windows Server"),
        (IIS7, "server_default", "IIS", "Internet Information Services"),
        (APPSERV, "server_default", "AppServ", "AppServ Open Project 8.6.0 for Windows"),
        (TOMCAT, "server_default", "Tomcat", "Apache Tomcat/9.0.65"),
        (LISTING, "directory_listing", None, "Index of /"),
        (LISTING_SUBDIR, "directory_listing", None, "Index of /alliance"),
        (PY_LISTING, "directory_listing", None, "Directory listing for /"),
        (
            IIS_LISTING,
            "directory_listing",
            None,
            "alliance.example.edu.tw - / [To Parent Directory]",
        ),
        (WP_INSTALL, "server_default", "WordPress (not installed)", "WordPress › Installation"),
    ],
)
def test_server_default_pages_fail(html: str, kind: str, server: str | None, evidence: str) -> None:
    check = classify_page(Page(URL, html))
    assert check is not None
    assert check.status == "fail"
    assert check.details["page_kind"] == kind
    assert check.details.get("server") == server
    assert check.evidence == evidence
    assert check.reason.split(" / ")[0] and " / " in check.reason  # zh-TW first, then English


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>alliance.example.com is for sale</title></head><body><h1>This domain is for sale!</h1><p>Buy this domain</p></body></html>",
        "<body><p>The domain alliance.example.com may be for sale. This domain may be for sale.</p></body>",
        "<body><h1>alliance.example.com</h1><p>This domain is parked free, courtesy of GoDaddy.com.</p></body>",
        "<body><p>此網域出售中，歡迎洽詢</p></body>",
        "<body><p>本網域待售</p></body>",
        "<body><p>Related searches</p><script src='//www.sedoparking.com/frmpark/x.js'></script></body>",
        "<html><body><iframe src='https://www.parkingcrew.net/x'></iframe></body></html>",
        "<body><p>Hosted</p><script src='https://img1.wsimg.com/parking-lander/static/js/main.js'></script></body>",
        "<html><head><meta http-equiv='refresh' content='0;url=https://sedo.com/search/details/?domain=x'></head></html>",
    ],
)
def test_parked_and_for_sale_domains_fail(html: str) -> None:
    check = classify_page(Page(URL, html))
    assert check is not None and check.status == "fail"
    assert check.details["page_kind"] == "parked"
    assert check.evidence


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n  ",
        "<html><head><title>智慧製造產學小聯盟</title></head><body></body></html>",
        "<html><body><script>var x = 1;</script></body></html>",
        "<html><body><img src='banner.jpg'></body></html>",
        "<html><body><p>123 456 --- !!!</p></body></html>",
        "<html><body><p hidden>這裡其實有很多文字但是被藏起來了不會顯示</p></body></html>",
        "<html><body><!-- 這裡其實有很多文字但是只在註解裡 --></body></html>",
    ],
)
def test_empty_pages_fail(html: str) -> None:
    check = classify_page(Page(URL, html))
    assert check is not None and check.status == "fail"
    assert check.details["page_kind"] == "empty"
    assert "characters of visible text" in check.evidence


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><h1>智慧製造產學小聯盟</h1><p>本聯盟由科技部計畫補助</p></body></html>",
        "<html><body><img src='banner.jpg' alt='智慧製造產學小聯盟首頁橫幅'></body></html>",
        # a real site that talks about servers is not a default page
        "<html><head><title>雲端運算產學小聯盟</title></head><body><h1>雲端運算產學小聯盟</h1>"
        + "<p>課程：如何設定 nginx 與 Apache，看到 It works! 代表安裝成功。Welcome to nginx 之後請換掉預設頁。</p>"
        * 80
        + "</body></html>",
        "<html><body><h2>最新消息</h2><p>Index of / 的目錄清單是常見的設定錯誤，本課程會說明</p></body></html>",
        # a long real page whose tutorial section is headed like a default page
        "<html><head><title>網路系統產學小聯盟</title></head><body><h2>Welcome to nginx 教學</h2>"
        + "<p>本聯盟提供網站伺服器架設與資訊安全的產學合作服務，歡迎企業洽詢。</p>" * 120
        + "</body></html>",
        # a frameset and a meta refresh send the visitor on: not empty
        "<frameset cols='20%,80%'><frame src='menu.htm'><frame src='main.htm'></frameset>",
        "<html><head><meta http-equiv='refresh' content='0; url=/portal/'></head><body></body></html>",
    ],
)
def test_real_pages_are_not_flagged(html: str) -> None:
    assert classify_page(Page(URL, html)) is None


@pytest.mark.parametrize(
    "html",
    [
        "<p>unclosed <b>It works!",
        "<<html>>",
        "<title>Index of /</title",
        "\x00\x00",
        "<frameset><frame></frameset>",
    ],
)
def test_malformed_pages_never_raise(html: str) -> None:
    result = classify_page(Page(URL, html))
    assert result is None or result.status == "fail"


@pytest.mark.parametrize(
    ("html", "target"),
    [
        (
            "<frameset cols='20%,80%'><frame name='menu' src='menu.htm'><frame name='main' src='main.htm'></frameset>",
            URL + "main.htm",
        ),
        (
            "<frameset rows='100,*'><frame src='top.htm'><frame src='body/index.htm'></frameset>",
            URL + "body/index.htm",
        ),
        (
            "<frameset><frame name='contents' src='c.htm'><frame name='banner' src='b.htm'></frameset>",
            URL + "c.htm",
        ),
        ("<meta http-equiv='refresh' content='0; url=/portal/'>", URL + "portal/"),
        (
            "<meta http-equiv='Refresh' content=\"3;URL='https://other.example.org/'\">",
            "https://other.example.org/",
        ),
        ("<meta http-equiv='refresh' content='0;index.php'>", URL + "index.php"),
        ("<p>normal page</p><iframe src='video.html'></iframe>", None),
        ("<meta http-equiv='refresh' content='600'><p>auto reload</p>", None),
    ],
)
def test_follow_target(html: str, target: str | None) -> None:
    assert follow_target(Page(URL, html)) == target


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><div id='root'></div><script src='/static/js/main.8f3a2b1c.js'></script></body></html>",
        "<html><body><div id='app'></div><script src='/js/chunk-vendors.js'></script></body></html>",
        "<html><body><div id='__next'></div><script src='/_next/static/chunks/main.js'></script></body></html>",
        "<html><body><app-root ng-version='17.0.0'></app-root></body></html>",
        "<html><body><div data-v-app></div></body></html>",
        "<html><body><div class='x'></div><script type='module' src='/src/entry.js'></script></body></html>",
        "<html><body><noscript>請啟用 JavaScript 以瀏覽本網站</noscript><div class='shell'></div></body></html>",
        "<html><body><noscript>You need to enable JavaScript to run this app.</noscript></body></html>",
        "<html><body><script>"
        + "document.write('<p>最新消息</p>');" * 80
        + "</script></body></html>",
        # Nothing to read but a script: only the browser can tell an empty page from this.
        "<html><body><script src='/js/site.js'></script></body></html>",
        "<html><body><p>載入中</p><script>document.body.innerHTML = build();</script></body></html>",
    ],
)
def test_js_shells_are_sent_to_the_browser(html: str) -> None:
    assert looks_js_rendered(html) is True


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body></body></html>",
        "<html><body><h1>智慧製造產學小聯盟</h1>"
        + "<p>本聯盟由科技部計畫補助，歡迎產業界加入成為會員。</p>" * 20
        + "<div id='app'></div><script src='/js/app.3f2a9c.js'></script><script src='/js/jquery.min.js'></script></body></html>",
        "<html><body><p>智慧製造產學小聯盟網站首頁</p><script src='/js/jquery-3.7.1.min.js'></script></body></html>",
        "<frameset><frame src='main.htm'></frameset>",
    ],
)
def test_ordinary_or_empty_pages_are_not_js_shells(html: str) -> None:
    assert looks_js_rendered(html) is False


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ("<html><body><p>建置中</p></body></html>", "maintenance"),
        (
            "<title>系統維護中</title><h1>網站維護中</h1><p>預計下午五點恢復服務，敬請見諒。</p>",
            "maintenance",
        ),
        ("<title>Coming Soon</title><h1>Our new site is on its way</h1>", "maintenance"),
        ("<h1>Account Suspended</h1><p>This Account has been suspended.</p>", "suspended"),
        ("<h1>Error establishing a database connection</h1>", "error_page"),
        (
            "<b>Fatal error</b>: Uncaught Error: Call to undefined function mysql_connect()",
            "error_page",
        ),
        (
            "<title>404 Not Found</title><h1>Not Found</h1><p>The requested URL was not found.</p>",
            "error_page",
        ),
    ],
)
def test_error_maintenance_and_suspended_pages_fail_even_with_status_200(
    html: str, kind: str
) -> None:
    check = classify_page(Page(URL, html))
    assert check is not None and check.status == "fail"
    assert check.details["page_kind"] == kind
    assert check.evidence


def test_a_real_homepage_announcing_maintenance_or_printing_a_warning_is_not_an_error_page() -> (
    None
):
    html = (
        "<b>Warning</b>: Undefined array key in /var/www/header.php on line 7<br>"
        "<h1>智慧製造產學小聯盟</h1><h2>最新消息</h2><ul><li>2026-11-01 網站維護中，暫停會員登入</li>"
        "<li>2026-10-01 資料庫連線錯誤已排除</li></ul>"
        "<p>本聯盟協助中部工具機廠商導入感測器、控制器聯網與加工參數最佳化，提升設備附加價值。</p>"
    )
    assert classify_page(Page(URL, html)) is None


@pytest.mark.parametrize(
    "html",
    [
        # F5 BIG-IP ASM
        "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected."
        " Please consult with your administrator.<br><br>Your support ID is: 4721093385517732001"
        "</body></html>",
        # Cloudflare
        "<title>Attention Required! | Cloudflare</title><h1>Sorry, you have been blocked</h1>"
        "<p>You are unable to access alliance.example.edu.tw</p><p>Cloudflare Ray ID: 7d2f0c1e9a</p>",
        # FortiWeb / FortiGate
        "<title>Web Page Blocked</title><h2>Web Page Blocked!</h2><p>The page cannot be displayed."
        " Please contact your administrator for assistance.</p><p>Attack ID: 20000051</p>",
        # Imperva / Incapsula
        "<p>Request unsuccessful. Incapsula incident ID: 1239000410056263453-9876543</p>",
        # a campus firewall in Chinese, only a block word and an incident number
        "<h3>存取被拒絕</h3><p>您的連線已被資安設備封鎖，如有疑問請洽電算中心。事件編號：A20261207-0042</p>",
    ],
)
def test_firewall_block_pages_are_not_the_site(html: str) -> None:
    check = classify_page(Page(URL, html))
    assert check is not None and check.status == "fail"
    assert check.details["page_kind"] == "firewall"
    assert check.code.value == "firewall-rejected"


def test_a_short_security_lab_homepage_mentioning_firewalls_is_a_real_homepage() -> None:
    html = (
        "<title>網路安全實驗室</title><h1>網路安全實驗室</h1><p>研究主題：Web Application Firewall、"
        "入侵偵測與惡意流量封鎖。本聯盟由國科會補助。</p><ul><li>2026-11-02 研討會</li></ul>"
    )
    assert classify_page(Page(URL, html)) is None


@pytest.mark.parametrize(
    "html",
    [
        # the site's own words after PHP's warning, in no phrase list
        "<br /><b>Warning</b>:  mysqli_connect(): (HY000/2002): No such file or directory in"
        " <b>/var/www/html/inc/db.php</b> on line <b>3</b><br />系統忙碌中，請稍後再試",
        # ASP.NET's yellow screen under an application path, localised heading
        "<h1>'/Alliance' 應用程式中發生伺服器錯誤。</h1><h2><i>找不到資源。</i></h2>"
        "<b>Exception Details: </b>System.NullReferenceException: Object reference not set to an"
        " instance of an object.<pre>[NullReferenceException: Object reference not set.]\n"
        "   Alliance.Default.Page_Load(Object sender, EventArgs e) in C:\\inetpub\\Default.aspx.cs:31"
        "\n   System.Web.UI.Control.OnLoad(EventArgs e) +95</pre>",
        # a Flask app with its traceback shown
        '<pre>Traceback (most recent call last):\n  File "/srv/alliance/app.py", line 41, in index'
        "\n    rows = db.execute(SQL)\nsqlite3.OperationalError: unable to open database file</pre>",
        # JSP with the Tomcat stack trace and no title
        "<p>查詢失敗</p><pre>java.sql.SQLException: Access denied for user 'web'@'localhost'\n"
        "\tcom.mysql.cj.jdbc.ConnectionImpl.createNewIO(ConnectionImpl.java:836)\n"
        "\torg.apache.jsp.news_jsp._jspService(news_jsp.java:88)</pre>",
    ],
)
def test_a_page_that_is_only_a_runtime_error_is_an_error_page_whatever_its_words(
    html: str,
) -> None:
    check = classify_page(Page(URL, html))
    assert check is not None and check.status == "fail", check
    assert (check.details["page_kind"], check.code.value) == ("error_page", "error-page")

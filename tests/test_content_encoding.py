"""A server that compresses with a coding the monitor did not ask for (``br``, ``zstd``).

The fetcher sends ``Accept-Encoding: gzip, deflate`` (urllib3 has no brotli or zstandard module
here); misconfigured servers (pre-compressed static files, ``brotli_static always``, CDNs) answer
``Content-Encoding: br`` anyway. A visitor's browser accepts br and zstd and shows the page; the
monitor used to judge the undecoded bytes as text and fail a working site. Real servers on
loopback, a real Chromium for what a visitor sees, the crawl run the documented way.

No brotli or zstd library is installed, so the streams are built by hand from the formats'
uncompressed blocks (:func:`brotli_stored`, :func:`zstd_raw`): valid streams every decoder reads
(the visitor's Chromium shows the page below), cut into one-byte blocks so that no run of the
page's own bytes survives undecoded, as none does in a real compressed stream.
"""

from __future__ import annotations

import gzip
import http.server
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from alliance_portal.registry.settings import PathSettings
from monitor.crawl import run_crawl
from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import BrowserHost
from monitor.model import Code, SiteResult
from monitor.notices.compose import plan_notices
from monitor.reports.files import write_month_reports
from monitor.reports.month import build_month_report, load_alliances
from monitor.store import Store
from tests.support.farm import SPA_JS, Site, page, send, spa_routes

TODAY = date(2026, 11, 20)
CREDIT = "本聯盟為科技部計畫補助之產學小聯盟，協助廠商開發馬達驅動技術。"
HOMEPAGE = (
    "<!doctype html><html lang='zh-TW'><head><meta charset='utf-8'><title>智慧馬達驅動產學聯盟"
    "</title></head><body><h1>智慧馬達驅動產學聯盟</h1>"
    f"<p>{CREDIT}</p><h2>最新消息</h2><ul><li>2026-11-02 馬達實作課程開放報名</li>"
    "<li>2026-09-10 會員交流會</li></ul></body></html>"
)


# --- hand-built compressed streams -----------------------------------------------------------


class _Bits:
    """Bits packed least-significant first, as both formats store them."""

    def __init__(self) -> None:
        self.out = bytearray()
        self._bits: list[int] = []

    def put(self, value: int, width: int) -> None:
        self._bits.extend((value >> i) & 1 for i in range(width))

    def to_byte(self) -> None:
        """Pad with zero bits to the next byte boundary and move the whole bytes out."""
        self._bits.extend([0] * (-len(self._bits) % 8))
        for i in range(0, len(self._bits), 8):
            self.out.append(sum(bit << j for j, bit in enumerate(self._bits[i : i + 8])))
        self._bits.clear()


def brotli_stored(data: bytes, block: int = 1) -> bytes:
    """``data`` as a valid brotli stream (RFC 7932) of uncompressed meta-blocks of ``block`` bytes.

    RFC 7932 section 9.1: the stream header WBITS, here the single bit 0 (a 16-bit window).
    Section 9.2, for each meta-block: ISLAST = 0 (1 bit); MNIBBLES = 4, coded as 0 (2 bits);
    MLEN - 1 in 4 nibbles (16 bits, so at most 65536 bytes); ISUNCOMPRESSED = 1 (1 bit); then
    the stream skips to the next byte boundary (the padding bits must be zero) and holds MLEN
    raw bytes. The stream ends with a meta-block whose ISLAST = 1 and ISLASTEMPTY = 1, padded to
    a byte. One-byte blocks (the default) put three header bytes between every two bytes of the
    page, so the stream read undecoded is as unreadable as a compressed one.
    """
    if not 1 <= block <= 65536:
        raise ValueError("a 4-nibble MLEN holds 1 to 65536 bytes")
    bits = _Bits()
    bits.put(0, 1)  # WBITS: 16
    for start in range(0, len(data), block):
        chunk = data[start : start + block]
        bits.put(0, 1)  # ISLAST
        bits.put(0, 2)  # MNIBBLES: 4
        bits.put(len(chunk) - 1, 16)  # MLEN - 1
        bits.put(1, 1)  # ISUNCOMPRESSED
        bits.to_byte()
        bits.out += chunk
    bits.put(1, 1)  # ISLAST
    bits.put(1, 1)  # ISLASTEMPTY
    bits.to_byte()
    return bytes(bits.out)


def zstd_raw(data: bytes, block: int = 1) -> bytes:
    """``data`` as a valid zstd frame (RFC 8878) of Raw blocks of ``block`` bytes.

    RFC 8878 section 3.1.1: the magic number 0xFD2FB528 (little-endian); the frame header
    descriptor 0xA0 (section 3.1.1.1.1: Frame_Content_Size_Flag 2, a 4-byte content size;
    Single_Segment_Flag 1, so no Window_Descriptor; no checksum, no dictionary), then the
    content size. Section 3.1.1.2: each block has a 3-byte little-endian header, Last_Block
    (bit 0), Block_Type 0 = Raw_Block (bits 1-2) and Block_Size (bits 3-23), then its bytes.
    """
    if not 1 <= block <= 128 * 1024:
        raise ValueError("a block holds at most 128 KiB")
    out = bytearray(b"\x28\xb5\x2f\xfd\xa0") + len(data).to_bytes(4, "little")
    chunks = [data[i : i + block] for i in range(0, len(data), block)] or [b""]
    for n, chunk in enumerate(chunks):
        last = int(n == len(chunks) - 1)
        out += (last | 0 << 1 | len(chunk) << 3).to_bytes(3, "little") + chunk
    return bytes(out)


CODERS: dict[str, Callable[[bytes], bytes]] = {
    "br": brotli_stored,
    "zstd": zstd_raw,
    # gzip applied first, then br (RFC 9110 8.4: codings listed in the order applied)
    "gzip, br": lambda data: brotli_stored(gzip.compress(data), block=65536),
}
Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


def compressed(html: str, coding: str, *, asked: list[str] | None = None) -> Handler:
    """A route answering ``html`` encoded with ``coding``, whatever the request accepted;
    ``asked`` collects each request's ``Accept-Encoding``."""
    body = CODERS[coding](html.encode("utf-8"))

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if asked is not None:
            asked.append(h.headers.get("Accept-Encoding", ""))
        send(h, body, headers={"Content-Encoding": coding})

    return handle


# --- fixtures ----------------------------------------------------------------------------------


def options(**kw: Any) -> FetchOptions:
    base: dict[str, Any] = {
        "connect_timeout": 2,
        "read_timeout": 2,
        "deadline": 5,
        "retries": 2,
        "backoff_base": 0.05,
        "max_retry_after": 0.2,
        "policy": AddressPolicy(allow_private=True),
    }
    base.update(kw)
    return FetchOptions(**base)


@dataclass(frozen=True, slots=True)
class Crawled:
    result: SiteResult
    db: Path
    content: Path


def crawl(site: Site, folder: Path, *, browser_host: BrowserHost | None = None) -> Crawled:
    """One alliance whose website is ``site``, crawled as ``alliance crawl`` does (run_crawl):
    rendered in ``browser_host``'s Chromium, or on the static page without a browser."""
    content = folder / "content"
    (content / "alliances").mkdir(parents=True)
    (content / "alliances" / "smart-motor.toml").write_text(
        'name = "智慧馬達驅動產學聯盟"\nuniversity = "範例大學"\nindustry = "ict"\n'
        f'website = "{site.url("/")}"\ncontact_email = "pi@example.edu.tw"\nactive = true\n',
        encoding="utf-8",
    )
    db = folder / "m.sqlite3"
    browser: dict[str, Any] = (
        {"browser_host": browser_host} if browser_host else {"renderer_executable": ""}
    )
    run_id = run_crawl(
        paths=PathSettings(content=content, db=db),
        today=TODAY,
        fetch_options=options(),
        screenshots=False,
        **browser,
    )
    (result,) = Store(db).results(run_id)
    return Crawled(result, db, content)


def assert_left_to_a_person(r: SiteResult, coding: str, *, parts: bool = False) -> None:
    """The verdict for a homepage (or, with ``parts``, its own files) the monitor cannot
    decode: a warning that names the coding (both languages) and what was asked for, nothing
    judged of the garbage."""
    # no fail derived from the undecoded bytes (before: credit and updates failed)
    assert [c.status for c in (r.loads, r.credit, r.updates)] == ["warn"] * 3, r.to_json()
    assert r.loads.code == "unsupported-encoding", r.loads
    assert coding in r.loads.message.zh and coding in r.loads.message.en
    assert "gzip, deflate" in r.loads.message.en and "Accept-Encoding" in r.loads.message.en
    assert "人工" in r.loads.message.zh and "by hand" in r.loads.message.en
    assert r.loads.details["content_encoding"] == coding
    for check in (r.credit, r.updates):
        assert (check.status, check.code) == ("warn", Code.NOT_CHECKED), check
        assert "壓縮" in check.message.zh and "compressed" in check.message.en
        assert ("files" in check.message.en) == parts
    assert r.overall == "warn"


# --- the fetcher ---------------------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, br"])
def test_the_fetcher_hands_on_no_body_it_cannot_decode(site: Site, coding: str) -> None:
    asked: list[str] = []
    site.routes["/"] = compressed(HOMEPAGE, coding, asked=asked)
    got = Fetcher(options()).fetch(site.url("/"))
    assert got.error is not None and got.error.kind == "unsupported-encoding", got.error
    assert got.status == 200 and got.body == b"" and not got.ok
    assert got.unreadable is not None
    assert got.unreadable.codings == ("br",) if "br" in coding else ("zstd",)
    assert got.unreadable.content_encoding == coding
    # what the request really accepted, as the server saw it
    assert asked == [got.unreadable.accepted] and "br" not in asked[0]
    assert f"compressed as {got.unreadable.named}" in got.error.message
    # deterministic: asked once, never retried
    assert site.hits["/"] == 1 and got.attempts == 1 and not got.retry_reasons


def test_a_coding_no_browser_knows_is_read_as_the_browser_shows_it(site: Site, page: Any) -> None:
    """Scope guard, passing before the fix too: Chromium shows the body of an unknown coding
    as it is, so the monitor reads it as it is (it is not an unsupported coding)."""
    site.routes["/"] = lambda h: send(h, HOMEPAGE, headers={"Content-Encoding": "x-custom"})
    page.goto(site.url("/"))
    assert CREDIT in page.inner_text("body")
    got = Fetcher(options()).fetch(site.url("/"))
    assert got.ok and got.body == HOMEPAGE.encode("utf-8") and got.unreadable is None


# --- the crawl's verdict -------------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_a_compressed_homepage_is_left_to_a_person_without_a_browser(
    site: Site, coding: str, tmp_path: Path
) -> None:
    site.routes["/"] = compressed(HOMEPAGE, coding)
    r = crawl(site, tmp_path).result
    assert_left_to_a_person(r, coding)
    assert site.hits["/"] == 1


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_a_compressed_homepage_a_visitor_sees_is_left_to_a_person_with_chromium(
    site: Site, coding: str, tmp_path: Path, page: Any, browser_host: BrowserHost
) -> None:
    site.routes["/"] = compressed(HOMEPAGE, coding)
    # a visitor's Chromium shows the page, credit and news included
    page.goto(site.url("/"))
    assert CREDIT in page.inner_text("body") and "2026-11-02" in page.inner_text("body")
    r = crawl(site, tmp_path, browser_host=browser_host).result
    assert_left_to_a_person(r, coding)


def test_a_splash_page_leading_to_a_compressed_homepage(site: Site, tmp_path: Path) -> None:
    site.routes["/"] = page("<p><a href='/home.html'>進入網站 ENTER &gt;&gt;</a></p>")
    site.routes["/home.html"] = compressed(HOMEPAGE, "br")
    r = crawl(site, tmp_path).result
    assert_left_to_a_person(r, "br")
    assert r.final_url == site.url("/home.html")


def test_a_firewall_that_lets_a_browser_in_to_a_compressed_homepage(
    site: Site, tmp_path: Path
) -> None:
    home = compressed(HOMEPAGE, "br")

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if "Mozilla" in h.headers.get("User-Agent", ""):
            home(h)
        else:
            send(h, "<h1>403 Forbidden</h1>", status=403)

    site.routes["/"] = handle
    r = crawl(site, tmp_path).result
    assert_left_to_a_person(r, "br")
    assert r.loads.details.get("automation_blocked") is True


def test_a_news_page_the_monitor_cannot_decode_is_not_read(site: Site, tmp_path: Path) -> None:
    site.routes["/"] = page(
        f"<h1>智慧馬達驅動產學聯盟</h1><p>{CREDIT}</p>"
        "<ul><li>2026-10-01 會員交流會</li></ul><a href='/news/'>最新消息</a>"
    )
    site.routes["/news/"] = compressed(
        "<html><body><h1>最新消息</h1><ul><li>2026-11-12 技術講座</li></ul></body></html>", "br"
    )
    r = crawl(site, tmp_path).result
    assert r.loads.status == "pass" and r.credit.status == "pass"
    assert "compressed as br" in r.extra["news_error"]
    # judged on the homepage alone: the news page was not read, not read as garbage
    assert r.updates.details["latest_date"] == "2026-10-01"
    assert r.updates.details["source"] == site.url("/")


def test_a_script_the_monitor_cannot_decode_is_not_handed_to_the_browser(
    site: Site, tmp_path: Path, browser_host: BrowserHost
) -> None:
    script = "document.getElementById('news').textContent = '2026-11-12 技術講座';"
    body = brotli_stored(script.encode("utf-8"))
    site.routes["/"] = page(
        f"<p>{CREDIT}</p><p id='news'>2026-10-01 會員交流會</p><script src='/app.js'></script>"
    )
    site.routes["/app.js"] = lambda h: send(
        h, body, content_type="text/javascript", headers={"Content-Encoding": "br"}
    )
    r = crawl(site, tmp_path, browser_host=browser_host).result
    assert r.loads.details["view"] == "rendered"
    # the browser was not given garbage to run (a syntax error), and the report says why the
    # script is missing
    assert "script error" not in r.loads.evidence
    assert "1 request(s) compressed as br" in r.loads.evidence
    assert site.hits["/app.js"] == 1


def test_an_app_whose_script_the_monitor_cannot_decode_is_left_to_a_person(
    site: Site, tmp_path: Path, page: Any, browser_host: BrowserHost
) -> None:
    """A single-page app whose bundle is served as br (pre-compressed static files): the
    visitor's Chromium draws the credit and the news; without the script the monitor's
    browser shows an empty shell, which is not an "empty page" failure."""
    site.routes.update(spa_routes("智慧馬達驅動產學聯盟", "2026-11-12"))
    js = brotli_stored(SPA_JS.encode("utf-8"))
    site.routes["/spa.js"] = lambda h: send(
        h, js, content_type="text/javascript", headers={"Content-Encoding": "br"}
    )
    page.goto(site.url("/"))
    page.wait_for_selector("text=2026-11-12")  # the visitor sees the news the script draws
    r = crawl(site, tmp_path, browser_host=browser_host).result
    assert r.loads.details["view"] == "rendered"
    assert_left_to_a_person(r, "br", parts=True)
    assert "shown without those files" in r.loads.evidence  # what it looked like, for the office


def test_news_drawn_by_a_script_the_monitor_cannot_decode_is_not_judged_stale(
    site: Site, tmp_path: Path, browser_host: BrowserHost
) -> None:
    script = "document.getElementById('news').textContent = '2026-11-12 技術講座';"
    body = brotli_stored(script.encode("utf-8"))
    site.routes["/"] = page(
        f"<p>{CREDIT}</p><h2>最新消息</h2><p id='news'>2025-01-10 會員交流會</p>"
        "<script src='/news.js'></script>"
    )
    site.routes["/news.js"] = lambda h: send(
        h, body, content_type="text/javascript", headers={"Content-Encoding": "br"}
    )
    r = crawl(site, tmp_path, browser_host=browser_host).result
    # the credit is in the HTML itself: it stands; the news the script draws was not seen
    assert r.credit.status == "pass"
    assert (r.updates.status, r.updates.code) == ("warn", Code.NOT_CHECKED), r.updates
    assert "shown without those files" in r.updates.evidence
    assert (r.loads.status, r.loads.code) == ("warn", Code.UNSUPPORTED_ENCODING), r.loads
    assert "br" in r.loads.message.zh and "br" in r.loads.message.en
    assert r.overall == "warn"


# --- what a person reads -------------------------------------------------------------------------


def test_the_report_and_the_notice_name_the_coding(site: Site, tmp_path: Path) -> None:
    site.routes["/"] = compressed(HOMEPAGE, "br")
    crawled = crawl(site, tmp_path)
    store = Store(crawled.db)
    alliances = load_alliances(crawled.content)
    # the office's report: the homepage's finding names br, the other checks say why not checked
    folder = write_month_reports(store, "2026-11", tmp_path / "reports", alliances=alliances)
    html = (folder / "index.html").read_text("utf-8")
    assert "伺服器以 br 壓縮格式傳送首頁" in html and "compressed as br" in html
    assert "Content-Encoding" in html
    report = build_month_report(store, "2026-11", alliances=alliances)
    (row,) = report.rows
    assert row.checks["credit"].skipped is not None
    assert "compressed" in row.checks["credit"].skipped.en
    # the notice: what was found names br in each half, the advice says what to change
    (notice,) = plan_notices(report, alliances).notices
    assert notice.message is not None
    assert "please check" in str(notice.message["Subject"])
    text = notice.message.get_content()
    (loads,) = [p for p in notice.problems if p.code == "unsupported-encoding"]
    assert "br" in loads.found.zh and "br" in loads.found.en
    assert "Accept-Encoding" in loads.fix.zh and "Accept-Encoding" in loads.fix.en
    assert loads.found.zh in text and loads.found.en in text and loads.fix.en in text

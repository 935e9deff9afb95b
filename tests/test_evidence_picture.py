"""The picture of each homepage, with the evidence that decided the verdict outlined.

Real Chromium, a realistic homepage on loopback: a tall page whose funding credit sits in the
footer, far below the first screen, and a news list. The office needs to point at the credit
and the newest item in the picture; where the evidence is not on the homepage there is no
outline (the report then says in words what was looked for).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from test_crawl_loads import alliance, chromium, make_ctx

from monitor.fetching.page_boxes import STORED_WIDTH, Box
from monitor.fetching.render import BrowserHost
from monitor.homepage_picture import find_box
from monitor.visit import check_site
from tests.support.farm import Site
from tests.support.farm import page as page_of

TALL_HOMEPAGE = """<!doctype html><html lang="zh-Hant-TW"><head><meta charset="utf-8">
<title>智慧製造產學聯盟</title><style>
body {{ font-family: sans-serif; margin: 0; }} header {{ background: #123; color: #fff; padding: 2rem; }}
.hero {{ height: 1100px; background: #eef; padding: 2rem; }}
footer {{ background: #222; color: #eee; padding: 1.5rem; }}
</style></head><body>
<header><h1>智慧製造產學聯盟</h1><nav><a href="/about/">關於我們</a></nav></header>
<div class="hero"><p>推動智慧製造技術的產學合作，歡迎企業加入聯盟會員。</p></div>
<section><h2>最新消息</h2><ul class="news">
<li><span class="date">{recent}</span> <a href="/n/2">第三次技術研討會報名開始</a></li>
<li><span class="date">2026-09-01</span> <a href="/n/1">秋季會員大會圓滿完成</a></li>
</ul></section>
<footer><p>本聯盟由國家科學及技術委員會補助 ｜ 地址：範例大學工程館 ｜ 電話 (02) 1234-5678</p></footer>
</body></html>"""


def _ink(png: bytes, box: list[int]) -> int:
    """How many dark-on-light or light-on-dark pixels differ from the box's background."""
    from PIL import Image

    x, y, w, h = box
    with Image.open(io.BytesIO(png)) as im:
        crop = im.convert("L").crop((x, y, x + w, y + h))
        pixels = list(crop.tobytes())
    background = max(set(pixels), key=pixels.count)
    return sum(1 for p in pixels if abs(p - background) > 60)


def test_the_footer_credit_and_the_newest_item_are_outlined_in_the_picture(
    site: Site, browser_host: BrowserHost
) -> None:
    exe = chromium()
    site.routes["/"] = page_of(TALL_HOMEPAGE.format(recent="2026-11-20"))
    ctx = make_ctx(renderer_exe=exe, screenshots=True, host=browser_host)
    try:
        outcome = check_site(alliance(site.url("/")), ctx, previous_fingerprint=None)
    finally:
        ctx.close()
    result = outcome.result
    assert result.credit.status == "pass" and result.updates.status == "pass"
    shot = result.extra["screenshot"]
    width, height = (int(n) for n in shot["size"].split("x"))
    assert width == STORED_WIDTH and height > 400  # the whole tall page, at half size
    credit = result.extra["outline"]["credit"]
    assert credit is not None
    _x, y, _w, h = credit
    assert y > 400 and y + h <= height  # below the first screen, inside the picture
    assert _ink(outcome.screenshot or b"", credit) > 20  # the credit's text is drawn there
    newest = result.extra["outline"]["updates"]
    assert newest is not None
    assert newest[1] < y  # the news list is above the footer
    assert _ink(outcome.screenshot or b"", newest) > 20


def test_no_outline_where_the_evidence_is_not_on_the_homepage(
    site: Site, browser_host: BrowserHost
) -> None:
    exe = chromium()
    no_credit = TALL_HOMEPAGE.replace("本聯盟由國家科學及技術委員會補助", "歡迎聯絡我們")
    site.routes["/"] = page_of(no_credit.format(recent="2026-11-20"))
    ctx = make_ctx(renderer_exe=exe, screenshots=True, host=browser_host)
    try:
        outcome = check_site(alliance(site.url("/")), ctx, previous_fingerprint=None)
    finally:
        ctx.close()
    assert outcome.result.credit.status == "fail"
    assert outcome.result.extra["outline"]["credit"] is None
    assert outcome.result.extra["outline"]["updates"] is not None


def test_the_box_is_the_smallest_that_holds_the_evidence_and_a_date_keeps_its_item() -> None:
    boxes = [
        Box("首頁 本聯盟由科技部計畫補助 地址：某某路", 0, 900, 640, 60),
        Box("本聯盟由科技部計畫補助", 10, 910, 200, 20),
        Box("2026/11/20", 10, 300, 60, 16),
        Box("2026/11/20 第三次研討會報名開始", 10, 300, 400, 18),
        Box("最新消息 2026/11/20 第三次研討會報名開始 2026/09/01 大會", 0, 280, 640, 80),
    ]
    assert find_box(boxes, "科技部計畫補助") == boxes[1]
    assert find_box(boxes, "科技部 計畫補助") == boxes[1]  # spaces do not matter
    assert find_box(boxes, "2026/11/20", item=True) == boxes[3]  # the item, not the bare date
    assert find_box(boxes, "2026/11/20") == boxes[2]
    assert find_box(boxes, "國科會補助") is None
    assert find_box(boxes, "") is None


@pytest.mark.browser
def test_the_report_shows_the_picture_with_the_evidence_outlined(
    site: Site, tmp_path: Path, page: Any, browser_host: BrowserHost
) -> None:
    """The crawl's picture and outline reach the month's report: a red box around the credit,
    a blue one around the newest item, a legend in both languages, under the report's CSP."""
    from monitor.reports.files import write_month_reports
    from monitor.store import Store

    exe = chromium()
    site.routes["/"] = page_of(TALL_HOMEPAGE.format(recent="2026-11-20"))
    ctx = make_ctx(renderer_exe=exe, screenshots=True, host=browser_host)
    try:
        outcome = check_site(alliance(site.url("/")), ctx, previous_fingerprint=None)
    finally:
        ctx.close()
    store = Store(tmp_path / "monitor.sqlite3")
    run = store.start_run(month="2026-11", today="2026-11-25", planned=[outcome.result.slug])
    store.save_result(run.id, outcome.result, screenshot=outcome.screenshot)
    store.finish_run(run.id)
    folder = write_month_reports(store, "2026-11", tmp_path / "reports")
    page.goto((folder / "index.html").as_uri())
    row = page.locator(f"#a-{outcome.result.slug}")
    row.locator("details.evidence-full summary").click()
    full = row.locator("details.evidence-full svg")
    assert full.locator("rect.outline.credit").count() == 1
    assert full.locator("rect.outline.updates").count() == 1
    legend = row.locator(".evidence-legend").inner_text()
    assert "紅框：判定的補助標示" in legend and "blue box: the newest date" in legend
    # the picture itself loads under the report's Content-Security-Policy
    loaded = full.locator("image").evaluate("img => img.getBBox().width")
    assert loaded == 640
    page.screenshot(path=str(tmp_path / "report-evidence.png"), full_page=True)


def test_a_homepage_the_browser_could_not_show_is_not_rendered_again_for_its_picture(
    site: Site, browser_host: BrowserHost
) -> None:
    """A page that never finishes loading (a script that never ends) times out twice in the
    browser and is judged on its static HTML; the picture is then not asked for in a third
    rendering (it took the page's whole time budget again, and a hostile page's memory)."""
    exe = chromium()
    site.routes["/"] = page_of(
        "<p>本聯盟由國科會補助，協助廠商開發新技術。</p><script>for (;;) {}</script>"
    )
    ctx = make_ctx(renderer_exe=exe, screenshots=True, host=browser_host)
    ctx.renderer.timeout = 3
    rendered: list[str] = []
    render = ctx.renderer.render

    def counted(url: str, *args: Any, **kwargs: Any) -> Any:
        rendered.append(url)
        return render(url, *args, **kwargs)

    ctx.renderer.render = counted  # type: ignore[method-assign]
    try:
        outcome = check_site(alliance(site.url("/")), ctx, previous_fingerprint=None)
    finally:
        ctx.close()
    result = outcome.result
    assert rendered == [site.url("/")]
    assert result.credit.status == "pass" and result.credit.details.get("view") == "static"
    assert result.extra["screenshot"] is None
    assert result.extra["screenshot_note"] == outcome.unshown.joined()  # type: ignore[union-attr]
    assert "timed out" in result.extra["screenshot_note"]

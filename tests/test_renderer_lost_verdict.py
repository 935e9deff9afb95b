"""A homepage our browser failed to show is judged on its static HTML, but a failing verdict
read off it is "not checked", never a finding (RULES.md judges what a visitor sees; a failure of
the monitor's own machinery says nothing about that). End to end through ``check_site``, with a
real Chromium that dies and cannot be started again (tests/test_renderer_recovery.py's wrapper).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitor.fetching import limits as S
from monitor.fetching.render import BrowserHost, Renderer
from monitor.model import Code
from monitor.visit import CrawlContext, check_site
from tests.support.farm import Site, page
from tests.test_crawl_loads import alliance
from tests.test_render_pool import fetcher
from tests.test_renderer_recovery import HTML, Flaky, _kill_browser

TODAY = date(2026, 11, 20)
#: Dated news (updates pass), and no word of the NSTC's support (credit fails) in the static page.
NO_CREDIT = (
    "<h1>智慧馬達驅動產學聯盟</h1><p>協助廠商開發馬達驅動技術，歡迎加入會員。</p>"
    "<ul><li>2026-11-02 馬達實作課程開放報名</li><li>2026-09-10 會員交流會</li></ul>"
)


def test_a_static_fail_after_the_browser_was_lost_is_not_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the fix the credit FAIL read off the static page was stored as a finding, with
    nothing in it but the note that the page could not be rendered."""
    monkeypatch.setattr(S, "RENDER_RELAUNCH_BACKOFF", 0.05)
    flaky = Flaky(tmp_path)
    site = Site("127.0.0.95")
    site.routes["/"] = page(NO_CREDIT)
    site.start()
    host = BrowserHost(str(flaky.exe))
    ctx = CrawlContext(
        fetcher=fetcher(), renderer=Renderer(fetcher(), host=host, timeout=10), today=TODAY
    )
    try:
        warm = ctx.renderer.render("http://127.0.0.95/warm", HTML, "text/html")
        assert warm.html is not None, warm.note
        _kill_browser(host)
        flaky.flag.touch()
        outcome = check_site(alliance(site.url("/")), ctx, previous_fingerprint=None)
    finally:
        ctx.close()
        host.close()
        site.stop()
    result = outcome.result
    assert result.loads.details.get("view") == "static"
    credit, updates = result.credit, result.updates
    assert credit.status == "warn" and credit.code is Code.NOT_CHECKED, credit
    assert "re-check the site from the console" in credit.message.en
    assert "管理介面可立即重新檢查" in credit.message.zh
    assert "could not be started again" in credit.evidence, credit.evidence
    # the static verdict is kept for the office to read
    assert "static HTML" in credit.evidence
    # a pass on the static page stands: a visitor sees that news too
    assert updates.status == "pass" and updates.details.get("latest_date") == "2026-11-02"

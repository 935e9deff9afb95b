"""The office's month in headless Chromium: log in, open a month's report, re-check a site (a real
crawl of a website on loopback), preview notices, publish the portal; axe-core on every page.

Real waitress, real crawl, real Pelican build, loopback only. With ``ALLIANCE_DOC_SCREENSHOTS``
set to a folder (``make docs-screenshots`` sets docs/img), the pages the office guide shows
are saved there as PNG files.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_intake_browser import axe_violations
from test_intake_support import SECRET, app_for, make_registry, running_server, services_of

from alliance_portal.commands.console import ConsoleSetup, link_maker, office_hooks, recheck
from alliance_portal.intake import IntakeConfig
from alliance_portal.intake.admin_password import set_password
from alliance_portal.portal.publish import PublishSettings
from alliance_portal.registry.settings import settings_from

pytestmark = pytest.mark.browser

WAIT_MS = 120_000  # a crawl or a Pelican build on a busy 2-core machine; every wait is bounded
PASSWORD = "office password 2026"
SHOTS_ENV = "ALLIANCE_DOC_SCREENSHOTS"

#: The alliance's website: it opens and has fresh news, but no funding credit (so a notice).
HOMEPAGE = """<!doctype html><html lang="zh-Hant-TW"><head><meta charset="utf-8">
<title>智慧馬達產學聯盟</title></head><body><h1>智慧馬達產學聯盟</h1>
<p>馬達控制與驅動技術的產學合作平台，歡迎企業加入。</p>
<h2>最新消息</h2><ul><li>{today} 產學交流會報名開始</li></ul></body></html>"""


def shoot(page: Any, name: str, selector: str = "") -> None:
    """Save the page (or one element of it) for the office guide when asked to."""
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = str(Path(folder) / f"{name}.png")
        if selector:
            page.locator(selector).screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=False)


@pytest.fixture
def website(tmp_path: Path) -> Iterator[str]:
    import datetime as dt

    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(
        HOMEPAGE.format(today=dt.date.today().isoformat()), encoding="utf-8"
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_office_reads_rechecks_notifies_and_publishes(
    browser: Any, page: Any, tmp_path: Path, website: str
) -> None:
    from alliance_portal.registry.profiles import dump_profile

    content, banners, var = make_registry(
        tmp_path,
        {
            "smart-motor": {
                "name": "智慧馬達產學聯盟",
                "name_en": "Smart Motor Alliance",
                "university": "範例大學",
                "industry": "mechatronics",
                "website": website,
                "contact_email": "motor@example.edu.tw",
                "intro": "馬達控制與驅動。",
            }
        },
    )
    assert dump_profile  # the registry above is written with the real profile writer
    web_root = tmp_path / "www" / "alliances"
    web_root.parent.mkdir()
    setup = ConsoleSetup(
        content_dir=content,
        banners_dir=banners,
        output_dir=tmp_path / "output",
        var_dir=var,
        monitor=settings_from(
            {
                "paths": {"content": str(content), "db": str(var / "monitor.sqlite3"),
                          "reports": str(tmp_path / "reports")},
                "crawl": {"allow_private": True},  # the website is on loopback
                # the office's addresses, but no mail server: the console cannot send here
                "smtp": {"from": "產學小聯盟計畫辦公室 <office@example.org.tw>",
                         "reply_to": "alliances@example.org.tw"},
            },
            {},
        ),
        publish_target=PublishSettings("local", web_root=web_root),
        update_link=link_maker(var, SECRET, "http://127.0.0.1"),
        search=False,
    )  # fmt: skip
    # The month's crawl, as the scheduler would have run it: a real crawl of the website.
    steps: list[str] = []
    first = recheck(setup, "smart-motor", lambda step: steps.append(step.en))
    month = first.month
    assert first.statuses["loads"] == "pass" and first.statuses["credit"] == "fail"

    config = IntakeConfig(
        content_dir=content,
        banners_dir=banners,
        var_dir=var,
        secret=SECRET,
        office=office_hooks(setup),
    )
    set_password(config.paths.admin_password, PASSWORD)
    # The office recorded the PI at the contact address: the notice carries the PI's link.
    from alliance_portal.intake.people import People

    People(config.paths.people).set_pi("smart-motor", "motor@example.edu.tw", by="office")
    outside: list[str] = []
    with app_for(config) as app, running_server(app) as url:
        page.on(
            "request",
            lambda r: None if r.url.startswith((url, "data:")) else outside.append(r.url),
        )
        # Log in.
        page.goto(f"{url}/office/")
        page.get_by_label("密碼").fill(PASSWORD)
        page.get_by_role("button", name="登入").click()
        page.wait_for_url(f"{url}/office/", timeout=WAIT_MS)
        assert axe_violations(browser, page) == []

        # Open a month's report from the list.
        page.get_by_role("link", name=re.compile("月檢報告")).first.click()
        page.wait_for_url(f"{url}/office/reports/", timeout=WAIT_MS)
        assert month in page.locator(f"#month-{month}").inner_text()
        assert axe_violations(browser, page) == []
        shoot(page, "console-reports")
        page.locator(f"#month-{month} th a").click()
        page.wait_for_url(f"{url}/office/reports/{month}/", timeout=WAIT_MS)
        assert month in page.locator("h1").inner_text()
        assert page.locator("#a-smart-motor").count() == 1
        # The report's own script runs under the policy the console sends: it shows the filters.
        page.wait_for_selector("#filters:not([hidden])", timeout=WAIT_MS)
        # The alliance's row says what to do first and links its notice.
        fix = page.locator("#a-smart-motor .fix").inner_text()
        assert "改善" in fix and "科技部計畫補助" in fix
        assert page.locator("#a-smart-motor a.notice-link").get_attribute("href") == (
            "notices/smart-motor.eml"
        )
        shoot(page, "console-report-row", "#a-smart-motor")
        xlsx = page.request.get(f"{url}/office/reports/{month}/report.xlsx")
        assert xlsx.ok and xlsx.body()[:2] == b"PK"

        # Re-check the site from its page: progress, then the result and the updated report.
        page.goto(f"{url}/office/alliances/smart-motor")
        assert axe_violations(browser, page) == []
        shoot(page, "console-alliance")
        shoot(page, "console-alliance-evidence", "figure.evidence")
        page.get_by_role("button", name=re.compile("立即重新檢查")).click()
        page.wait_for_url(re.compile(r".*/office/jobs/\d+$"), timeout=WAIT_MS)
        page.wait_for_selector("#job-result", timeout=WAIT_MS)  # console.js reloads when done
        assert axe_violations(browser, page) == []  # once done: axe's copy is not reloaded
        assert "報告已更新" in page.locator("#job-steps").inner_text()
        shoot(page, "console-recheck-done")
        runs = [e for e in services_of(app).audit.entries() if e.action == "monitor.recheck"]
        assert len(runs) == 1

        # Preview the month's notices.
        page.goto(f"{url}/office/notices/")
        assert axe_violations(browser, page) == []
        page.get_by_role("link", name=month).click()
        page.wait_for_url(f"{url}/office/notices/{month}", timeout=WAIT_MS)
        notice = page.locator("#notice-smart-motor")
        assert "motor@example.edu.tw" in notice.inner_text()
        notice.locator("details:not(.evidence-picture) > summary").click()
        body = notice.locator("pre.mail").inner_text()
        assert "補助標示" in body and "Funding credit" in body
        assert "http://127.0.0.1/link/" in body  # the PI's own update link
        assert "聯絡窗口：alliances@example.org.tw" in body  # and the office's contact
        shoot(page, "console-notice-mail", "#notice-smart-motor pre.mail")
        assert "無法寄送" in page.locator("main").inner_text()  # no SMTP server here
        assert axe_violations(browser, page) == []
        shoot(page, "console-notices")

        # Publish the portal.
        page.goto(f"{url}/office/publish")
        assert "尚未發布" in page.locator("#last-published").inner_text()
        assert axe_violations(browser, page) == []
        page.get_by_role("button", name=re.compile("產生並發布入口網")).click()
        page.wait_for_selector("#job-result", timeout=WAIT_MS)
        assert "已發布到" in page.locator("#job-result").inner_text()
        page.goto(f"{url}/office/publish")
        last = page.locator("#last-published").inner_text()
        assert "計畫辦公室" in last and "成功" in last and "office" not in last
        shoot(page, "console-publish")
        assert (web_root / "index.html").is_file()
        assert outside == [], f"requests left loopback: {outside}"

"""The office runs the whole month's check from the console: a background job that runs
``alliance crawl`` in a process of its own (never inside the form's server), reports how far
it got, and leaves the month's report; one at a time, audited. Real crawl of real loopback
websites, the real console in Chromium."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from test_console_registry import PASSWORD
from test_intake_support import SECRET, app_for, make_registry, running_server

from alliance_portal.commands.console import ConsoleSetup, office_hooks
from alliance_portal.intake import IntakeConfig
from alliance_portal.intake.admin_password import set_password
from alliance_portal.registry.audit import AuditLog
from alliance_portal.registry.settings import settings_from
from monitor.store import Store
from tests.support.farm import Site
from tests.support.farm import page as page_of

pytestmark = pytest.mark.browser

HOME = """<!doctype html><html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>{name}</title>
</head><body><h1>{name}</h1><p>本聯盟由國科會補助。</p><h2>最新消息</h2>
<ul><li>{today} 研討會報名開始</li></ul></body></html>"""


def test_the_office_checks_every_website_now_from_the_console(tmp_path: Path, page: Any) -> None:
    today = dt.date.today().isoformat()
    farm = Site("127.0.0.2").start()
    try:
        farm.routes["/a/"] = page_of(HOME.format(name="甲聯盟", today=today))
        farm.routes["/b/"] = page_of(HOME.format(name="乙聯盟", today=today))
        profiles = {
            slug: {
                "name": name,
                "university": "範例大學",
                "industry": "mechatronics",
                "website": farm.url(path),
            }
            for slug, name, path in (("alpha", "甲聯盟", "/a/"), ("beta", "乙聯盟", "/b/"))
        }
        content, banners, var = make_registry(tmp_path, profiles)
        db, reports = var / "monitor.sqlite3", tmp_path / "reports"
        setup = ConsoleSetup(
            content_dir=content,
            banners_dir=banners,
            output_dir=tmp_path / "output",
            var_dir=var,
            monitor=settings_from(
                {
                    "paths": {"content": str(content), "db": str(db), "reports": str(reports)},
                    "crawl": {"allow_private": True, "concurrency": 2},
                },
                {},
            ),
        )
        config = IntakeConfig(
            content_dir=content, banners_dir=banners, var_dir=var, secret=SECRET,
            office=office_hooks(setup),
        )  # fmt: skip
        set_password(config.paths.admin_password, PASSWORD)
        with app_for(config) as app, running_server(app) as url:
            page.goto(f"{url}/office/")
            page.get_by_label("密碼").fill(PASSWORD)
            page.get_by_role("button", name="登入").click()
            page.get_by_role("link", name=re.compile("立即檢查網站")).click()
            page.locator("#start-crawl").click()
            page.wait_for_url(re.compile(r".*/office/jobs/\d+$"))
            result = page.locator("#job-result")
            result.wait_for(timeout=300_000)
            said = result.inner_text()
            assert "已檢查 2／2 個網站" in said and "通過 2" in said
            steps = page.locator("#job-steps").inner_text()
            assert "正在檢查每個啟用中聯盟的網站" in steps
            page.get_by_role("link", name=re.compile("開啟 .* 報告")).click()
            assert "甲聯盟" in page.content()
    finally:
        farm.stop()
    store = Store(db)
    run = store.latest_run_for_month(dt.date.today().strftime("%Y-%m"))
    assert run is not None and run.finished and len(store.results(run.id)) == 2
    actions = [e.action for e in AuditLog(var / "intake-audit.jsonl").entries()]
    assert "monitor.crawl" in actions
    assert (var / "console-crawl.log").is_file()  # the crawl's own messages, for the office

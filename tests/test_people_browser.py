"""Headless Chromium: the PI adds an assistant in the form, the assistant signs in with their own
link, the PI removes them; the office's access and deadline pages; axe-core on each page.

With ``ALLIANCE_DOC_SCREENSHOTS`` set to a folder (``make docs-screenshots`` sets docs/img), the
pictures the office guide shows are saved there.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from test_intake_browser import axe_violations
from test_intake_support import app_for, make_config, running_server, services_of

from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.deadlines import DeadlineSettings

pytestmark = pytest.mark.browser

PI_EMAIL = "wang@example.edu.tw"
ASSISTANT = "lin@example.edu.tw"


SHOTS_ENV = "ALLIANCE_DOC_SCREENSHOTS"


def shot(target: Any, name: str) -> None:
    """Save a page (or one element of it) for the office guide, when asked to."""
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_pi_adds_and_removes_an_assistant_in_the_browser(
    browser: Any, page: Any, tmp_path: Path
) -> None:
    with app_for(make_config(tmp_path)) as app, running_server(app) as url:
        svc = services_of(app)
        pi = svc.people.set_pi("smart-motor", PI_EMAIL, by="test")
        page.goto(f"{url}/link/{svc.signer.make_token('smart-motor', pi)}")
        page.get_by_label("新增助理的電子郵件").fill(ASSISTANT)
        page.get_by_label("我自己複製連結交給助理").check()
        page.get_by_role("button", name="新增助理").click()
        link_box = page.locator("#new-link")
        link_box.wait_for()
        link = link_box.input_value()
        assert link.startswith(f"{url}/link/")
        assert page.get_by_role("rowheader", name=ASSISTANT).is_visible()
        assert axe_violations(browser, page) == []
        shot(page.locator("#assistants"), "people-pi-assistants")

        helper_context = browser.new_context()
        helper = helper_context.new_page()
        try:
            helper.goto(link)
            assert helper.url.endswith("/alliance/")
            assert helper.get_by_text(f"您以計畫助理 {ASSISTANT}", exact=False).is_visible()
            assert helper.locator("#assistants").count() == 0

            questions: list[str] = []

            def answer(dialog: Any) -> None:
                questions.append(dialog.message)
                (dialog.dismiss if len(questions) == 1 else dialog.accept)()

            page.on("dialog", answer)
            page.get_by_role("button", name=f"移除 Remove {ASSISTANT}").click()  # "no"
            assert questions and ASSISTANT in questions[0]
            helper.reload()
            assert "連結已停用" not in helper.content()  # "no": the assistant keeps access
            page.get_by_role("button", name=f"移除 Remove {ASSISTANT}").click()  # "yes"
            page.locator("#people-notice").wait_for()
            assert "was removed" in page.locator("#people-notice").inner_text()
            helper.reload()
            assert "連結已停用" in helper.content()
        finally:
            helper_context.close()

        set_password(svc.config.paths.admin_password, "office password 2026")
        page.goto(f"{url}/office/people/")
        page.get_by_label("密碼").fill("office password 2026")
        page.get_by_role("button", name="登入").click()
        page.wait_for_url(f"{url}/office/people/")
        row = page.locator("#access-smart-motor")
        assert PI_EMAIL in row.inner_text() and ASSISTANT in row.inner_text()
        assert axe_violations(browser, page) == []
        shot(page, "people-office-access")
        # A deadline three days away: the 3-day reminder is due, listed and previewed.
        soon = dt.date.today() + dt.timedelta(days=3)
        svc.deadlines.write(DeadlineSettings().with_deadline(soon.year, soon))
        page.goto(f"{url}/office/deadlines/")
        assert "smart-motor" in page.locator("#reminders").inner_text()
        page.get_by_text("預覽提醒信").click()
        assert "還有 3 天" in page.locator("pre.letter").inner_text()
        assert axe_violations(browser, page) == []
        shot(page.locator("#reminders-due"), "people-office-reminders")

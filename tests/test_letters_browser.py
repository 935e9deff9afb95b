"""The office's mass sends in real Chromium (issue 16.3): "E-mail the link to every PI not yet
sent one" and the month's notices are reviewed (count, one letter as sent, every recipient)
before anything leaves, then confirmed; what arrives at the real SMTP server on loopback is read
as its recipient reads it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_hostile_mail import PI, SLUG, Office, office  # noqa: F401
from test_intake_browser import axe_violations
from test_intake_support import running_server, services_of

from tests.support.mail_support import Inbox

pytestmark = pytest.mark.browser

PASSWORD = "office-console-password"  # tests/test_console_app.py's
_LINK = re.compile(r"https://intake\.example\.org\.tw/link/[\w.-]+")


def sign_in(page: Any, url: str, path: str) -> None:
    page.goto(f"{url}{path}")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{url}{path}")


def test_every_pi_link_is_reviewed_then_sent_in_chromium(
    browser: Any,
    page: Any,
    office: Office,  # noqa: F811
) -> None:
    svc = services_of(office.app)
    svc.people.set_pi(SLUG, PI, by="office")
    svc.people.set_pi("comeback", "prof.lee@example.edu.tw", by="office")
    inbox: Inbox = office.inbox
    with running_server(office.app) as url:
        sign_in(page, url, "/office/people/")
        assert "https://intake.example.org.tw" in page.locator("#public-url").inner_text()
        page.locator("#review-send-new").click()
        review = page.locator("#confirm-send")
        review.wait_for()
        assert review.locator("#confirm-count").inner_text() == "2"
        listed = review.locator("#confirm-recipients").inner_text()
        assert PI in listed and "prof.lee@example.edu.tw" in listed
        letter = review.locator("#confirm-letter").inner_text()
        assert _LINK.search(letter) and "計畫主持人您好" in letter
        assert inbox.messages == []  # the review sent nothing
        assert axe_violations(browser, page) == []
        page.locator("#confirm-button").click()
        page.locator("#people-notice").wait_for()
        assert "已寄出 2 封" in page.locator("#people-notice").inner_text()
    assert sorted(inbox.recipients()) == sorted([PI, "prof.lee@example.edu.tw"])
    for address in (PI, "prof.lee@example.edu.tw"):
        body = inbox.bodies_to(address)[0]
        assert body.index("計畫主持人您好") < body.index("Dear principal investigator")
        link = _LINK.search(body)
        assert link and svc.signer.identify(link.group(0).rsplit("/", 1)[1]).pid == "pi"


def test_the_months_notices_are_reviewed_then_sent_in_chromium(
    browser: Any,
    page: Any,
    office: Office,  # noqa: F811
) -> None:
    inbox: Inbox = office.inbox
    with running_server(office.app) as url:
        sign_in(page, url, "/office/notices/2026-05")
        to_send = int(page.locator("#to-send-count").inner_text())
        page.locator("#review-notices").click()
        review = page.locator("#confirm-send")
        review.wait_for()
        assert int(review.locator("#confirm-count").inner_text()) == to_send
        letter = review.locator("#confirm-letter").inner_text()
        assert "改善方式" in letter and "How to fix" in letter
        assert inbox.messages == []
        page.locator("#confirm-button").click()
        page.locator("#send-result").wait_for()
    assert len(inbox.messages) == to_send
    for _, message in inbox.messages:  # none carries a PI link: no contact is a recorded PI's
        assert "/link/" not in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

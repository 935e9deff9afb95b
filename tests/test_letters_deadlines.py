"""The deadline page's letters and form (issue 16.1, 16.3, 16.9, 17.13): the preview is the
reminder that is sent, a PI's reminder without a possible link is held back with the reason, the
address the links use is shown, the form keeps what was saved and reads ROC dates, and each
language of an error is that language only. Flask's test client for the details, real Chromium
for the office's whole flow, a real SMTP server on loopback for what arrives."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest
from test_intake_support import app_for, make_config, running_server, services_of
from test_people import office_client

from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.deadlines import DeadlineSettings
from alliance_portal.intake.mailer import MailSettings
from tests.support.mail_support import Inbox, smtp_on_loopback

PUBLIC = "https://intake.example.tw"
PI = "wang@example.edu.tw"
_LINK = re.compile(r"https://intake\.example\.tw/link/[\w.-]+")
_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


def mail(port: int) -> MailSettings:
    return MailSettings(host="127.0.0.1", port=port, starttls=False, sender="Office <o@example.tw>")


def due_in_three_days(app: Any) -> None:
    soon = dt.date.today() + dt.timedelta(days=3)
    services_of(app).deadlines.write(DeadlineSettings().with_deadline(soon.year, soon))


def notice_text(page: str) -> str:
    """The deadline page's message, as the office reads it (the console shows one language)."""
    block = page.split('id="deadline-notice"', 1)[1].split("</div>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", block)).strip()


def test_the_preview_is_the_reminder_that_is_sent(tmp_path: Path) -> None:
    with (
        smtp_on_loopback() as (inbox, port),
        app_for(make_config(tmp_path, mail=mail(port), public_url=PUBLIC)) as app,
    ):
        svc = services_of(app)
        svc.people.set_pi("smart-motor", PI, by="office")
        due_in_three_days(app)
        office, csrf = office_client(app)
        page = office.get("/office/deadlines/").get_data(as_text=True)
        preview = html.unescape(page.split('id="letter-preview"', 1)[1].split("</details>", 1)[0])
        assert _LINK.search(preview)  # the preview shows the PI's link, as sent
        assert f"<code>{PUBLIC}</code>" in page  # the address the links use, where it is used
        review = office.post("/office/deadlines/send", data={"csrf_token": csrf})
        token = re.search(r'name="confirm" value="([0-9a-f]+)"', review.get_data(as_text=True))
        assert token is not None and inbox.messages == []
        office.post("/office/deadlines/send", data={"csrf_token": csrf, "confirm": token.group(1)})
        sent = inbox.to(PI)[0]
        shown = re.sub(r"/link/[\w.-]+", "/link/TOKEN", preview)
        body = re.sub(r"/link/[\w.-]+", "/link/TOKEN", inbox.bodies_to(PI)[0])
        assert html.escape(str(sent["Subject"]), quote=False) in page
        for line in body.strip().splitlines():
            assert line.strip() in shown, line  # every line of the letter was in the preview
        assert svc.people.pi("smart-motor").link_sent  # type: ignore[union-attr]


def test_a_pi_reminder_without_a_public_address_is_held_back_with_the_reason(
    tmp_path: Path,
) -> None:
    with (
        smtp_on_loopback() as (inbox, port),
        app_for(make_config(tmp_path, mail=mail(port))) as app,  # no --public-url
    ):
        services_of(app).people.set_pi("smart-motor", PI, by="office")
        due_in_three_days(app)
        office, csrf = office_client(app, lang="zh")
        page = html.unescape(office.get("/office/deadlines/").get_data(as_text=True))
        assert 'id="link-problem"' in page and "[form] public_url" in page
        assert "無法附連結，不寄出" in page
        review = office.post("/office/deadlines/send", data={"csrf_token": csrf})
        listed = review.get_data(as_text=True).split('id="confirm-recipients"', 1)[1]
        assert PI not in listed.split("</table>", 1)[0]  # not offered for sending
        # Even a forged confirmation cannot send it: it is not sendable at all.
        token = re.search(r'name="confirm" value="([0-9a-f]+)"', review.get_data(as_text=True))
        if token:
            office.post(
                "/office/deadlines/send", data={"csrf_token": csrf, "confirm": token.group(1)}
            )
        assert inbox.to(PI) == []
        # Sending a PI's link by hand says what to set: no link is ever built from a request.
        resp = office.post(
            "/office/people/smart-motor/send", data={"csrf_token": csrf, "how": "email"}
        )
        assert resp.status_code == 422 and "[form] public_url" in html.unescape(resp.get_data(True))
        assert not any("/link/" in b for b in inbox.bodies_to("motor@example.edu.tw"))
        assert inbox.to(PI) == []


def test_the_deadline_form_shows_what_was_saved_and_reads_roc_dates(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        office, csrf = office_client(app)
        year = dt.date.today().year
        roc = year - 1911
        resp = office.post(
            "/office/deadlines/year",
            data={"csrf_token": csrf, "year": str(roc), "date": f"民國{roc}年12月10日"},
        )
        assert resp.status_code == 200
        page = resp.get_data(as_text=True)
        assert f'id="year" name="year" type="text" value="{year}"' in page
        assert f'id="date" name="date" type="text" value="{year}-12-10"' in page
        assert services_of(app).deadlines.read().deadlines[year] == dt.date(year, 12, 10)
        again = office.get("/office/deadlines/").get_data(as_text=True)
        if dt.date.today() <= dt.date(year, 12, 10):  # in force: pressing again keeps it
            assert f'value="{year}-12-10"' in again
        resp = office.post(
            "/office/deadlines/year",
            data={"csrf_token": csrf, "year": str(year), "date": f"{roc}/12/11"},
        )
        assert services_of(app).deadlines.read().deadlines[year] == dt.date(year, 12, 11)


@pytest.mark.parametrize(
    ("year", "date", "echo"),
    [("abc", "2027-04-30", "abc"), ("2027", "soon", "soon"), ("2027", "2027-13-01", "2027-13-01")],
)
def test_each_language_of_an_error_is_that_language_only(
    tmp_path: Path, year: str, date: str, echo: str
) -> None:
    with app_for(make_config(tmp_path)) as app:
        office, csrf = office_client(app, lang="zh")
        form = {"csrf_token": csrf, "year": year, "date": date}
        resp = office.post("/office/deadlines/year", data=form)
        assert resp.status_code == 422
        office.set_cookie("console_lang", "en", path="/office")
        english = office.post("/office/deadlines/year", data=form)
        assert english.status_code == 422
        zh, en = (
            notice_text(resp.get_data(as_text=True)),
            notice_text(english.get_data(as_text=True)),
        )
        assert "未儲存" in zh and "Not saved" in en
        assert not re.search(r"[A-Za-z]", zh.replace(echo, "")), zh
        assert not _CJK.search(en), en
        page = resp.get_data(as_text=True)
        assert f'value="{date}"' in page  # what was typed stays, to be corrected


@pytest.mark.browser
def test_the_office_reviews_and_sends_reminders_in_chromium(
    browser: Any, page: Any, tmp_path: Path
) -> None:
    from test_intake_browser import axe_violations

    inbox: Inbox
    with (
        smtp_on_loopback() as (inbox, port),
        app_for(make_config(tmp_path, mail=mail(port), public_url=PUBLIC)) as app,
        running_server(app) as url,
    ):
        svc = services_of(app)
        svc.people.set_pi("smart-motor", PI, by="office")
        svc.people.set_pi("green-chem", "chen@example.edu.tw", by="office")
        due_in_three_days(app)
        set_password(svc.config.paths.admin_password, "office password 2026")
        page.goto(f"{url}/office/deadlines/")
        page.get_by_label("密碼").fill("office password 2026")
        page.get_by_role("button", name="登入").click()
        page.wait_for_url(f"{url}/office/deadlines/")
        assert PUBLIC in page.locator("#public-url").inner_text()
        page.locator("#review-send").click()
        confirm = page.locator("#confirm-send")
        confirm.wait_for()
        assert confirm.locator("#confirm-count").inner_text() == "2"
        recipients = confirm.locator("#confirm-recipients").inner_text()
        assert PI in recipients and "chen@example.edu.tw" in recipients
        assert _LINK.search(confirm.locator("#confirm-letter").inner_text())
        assert inbox.messages == []  # the review sent nothing
        assert axe_violations(browser, page) == []
        page.locator("#confirm-button").click()
        page.locator("#deadline-notice").wait_for()
        assert "已寄出 2 封提醒" in page.locator("#deadline-notice").inner_text()
        assert inbox.recipients() == ["chen@example.edu.tw", PI]
        for address, slug in ((PI, "smart-motor"), ("chen@example.edu.tw", "green-chem")):
            link = _LINK.search(inbox.bodies_to(address)[0])
            assert link is not None
            access = svc.signer.identify(link.group(0).rsplit("/", 1)[1])
            assert (access.slug, access.pid) == (slug, "pi")

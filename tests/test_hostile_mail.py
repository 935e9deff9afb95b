"""Hostile letters (issue 17.2, 17.4; issue 16 items 2 and 3): who receives a PI link, and
batches that one bad message cannot stop.

Everything is real: the office console and the alliance form under Flask's test client, the
monitor's month report and the composition root's notice hooks (tests/test_console_app.py),
a real aiosmtpd server on loopback that can refuse a mailbox, the SQLite sent-tables, and the
``alliance notify`` command. Each letter is read as its recipient reads it (decoded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_console_app import OFFICE_PASSWORD, build_console
from test_intake_support import csrf_of, services_of

from alliance_portal.cli import main
from alliance_portal.intake import create_app
from alliance_portal.intake.deadlines import DeadlineSettings
from alliance_portal.intake.mailer import MailSettings
from alliance_portal.intake.messages import PROFILE_FIELDS
from tests.support.mail_support import Inbox, smtp_config, smtp_on_loopback

PUBLIC = "https://intake.example.org.tw"
PI = "prof.chen@example.edu.tw"
HELPER = "helper.lin@example.edu.tw"
SLUG = "newly-bad"  # fails in 2026-05: gets a notice, and has no banner: gets reminders
_LINK = re.compile(r"https?://[^\s/]+/link/[\w.-]+")


@dataclasses.dataclass
class Office:
    app: Any
    inbox: Inbox
    root: Path
    reports: Path
    db: Path
    content: Path
    smtp_port: int


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with smtp_on_loopback() as (inbox, port):
        built = build_console(tmp_path, port)
        config = dataclasses.replace(
            services_of(built.app).config,
            mail=MailSettings(
                host="127.0.0.1",
                port=port,
                starttls=False,
                sender="產學小聯盟計畫辦公室 <office@example.org.tw>",
            ),
            public_url=PUBLIC,
        )
        app = create_app(config)
        services_of(built.app).rebuilder.close()
        try:
            yield Office(
                app,
                inbox,
                tmp_path,
                built.monitor.reports,
                built.monitor.db,
                built.monitor.content,
                port,
            )
        finally:
            services_of(app).jobs.close()
            services_of(app).rebuilder.close()


def signed_in_office(app: Any) -> tuple[Any, str]:
    client = app.test_client()
    csrf = csrf_of(client.get("/office/login").get_data(as_text=True))
    resp = client.post("/office/login", data={"csrf_token": csrf, "password": OFFICE_PASSWORD})
    assert resp.status_code == 303
    return client, csrf_of(client.get("/office/people/").get_data(as_text=True))


def confirm(client: Any, path: str, csrf: str) -> Any:
    """A mass send as the office does it: the review, then the confirmation with its token."""
    review = client.post(path, data={"csrf_token": csrf})
    assert review.status_code == 200, review.get_data(as_text=True)[-2000:]
    page = review.get_data(as_text=True)
    assert 'id="confirm-send"' in page
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', page)
    if 'id="confirm-count">0<' in page:
        assert token is None  # nobody to write to: nothing to confirm
        return review
    assert token is not None
    return client.post(path, data={"csrf_token": csrf, "confirm": token.group(1)})


def due_reminder_today(app: Any) -> None:
    """A deadline three days away: the 3-day reminder is due today."""
    today = dt.date.today()
    services_of(app).deadlines.write(
        DeadlineSettings().with_deadline(today.year, today + dt.timedelta(days=3))
    )


def test_an_assistant_who_sets_contact_email_never_receives_a_pi_link(office: Office) -> None:
    app, inbox = office.app, office.inbox
    svc = services_of(app)
    client, csrf = signed_in_office(app)
    # The office records the PI's address; the PI adds an assistant.
    resp = client.post(f"/office/people/{SLUG}/pi", data={"csrf_token": csrf, "email": PI})
    assert resp.status_code == 200
    pi = app.test_client()
    assert pi.get(f"/link/{svc.signer.make_token(SLUG, svc.people.pi(SLUG))}").status_code == 303
    pi_csrf = csrf_of(pi.get("/alliance/").get_data(as_text=True))
    added = pi.post(
        "/alliance/assistants/", data={"csrf_token": pi_csrf, "email": HELPER, "how": "copy"}
    )
    helper_link = re.search(r'id="new-link"[^>]*value="([^"]+)"', added.get_data(as_text=True))
    assert helper_link is not None
    # The assistant, signed in with their own link, makes the contact e-mail their own.
    helper = app.test_client()
    path = "/link/" + helper_link.group(1).rsplit("/link/", 1)[1]
    assert helper.get(path).status_code == 303
    page = helper.get("/alliance/").get_data(as_text=True)
    values = svc.store.read_profile(SLUG).values
    form = {f.key: str(values.get(f.key, "") or "") for f in PROFILE_FIELDS}
    form["contact_email"] = HELPER
    saved = helper.post("/alliance/profile", data={"csrf_token": csrf_of(page), **form})
    assert saved.status_code == 303, saved.get_data(as_text=True)[-1500:]
    assert svc.store.read_profile(SLUG).values["contact_email"] == HELPER

    # The office sends everything it can: the link, every PI's link, reminders, notices.
    assert (
        client.post(
            f"/office/people/{SLUG}/send", data={"csrf_token": csrf, "how": "email"}
        ).status_code
        == 200
    )
    assert confirm(client, "/office/people/send-new", csrf).status_code == 200
    due_reminder_today(app)
    assert confirm(client, "/office/deadlines/send", csrf).status_code == 200
    assert confirm(client, "/office/notices/2026-05/send", csrf).status_code == 200

    to_helper = inbox.bodies_to(HELPER)
    assert to_helper, "the notice to the contact address went out"
    for body in to_helper:
        assert not _LINK.search(body), body  # no link at all, so none with the PI's rights
    notice = next(b for b in to_helper if "網站檢查" in b or "website" in b)
    assert "計畫主持人可用自己的個人連結更新" in notice and "can update the website" in notice
    # The PI got the PI's link, in the link letter and in the reminder.
    pi_links = [m.group(0) for b in inbox.bodies_to(PI) for m in _LINK.finditer(b)]
    assert len(pi_links) >= 2
    for link in pi_links:
        access = svc.signer.identify(link.rsplit("/", 1)[1])
        assert (access.slug, access.pid) == (SLUG, "pi")


def test_a_name_with_a_line_break_on_disk_does_not_stop_any_batch(
    office: Office, capsys: pytest.CaptureFixture[str]
) -> None:
    """A profile written before validation refused control characters: every sender copes."""
    app, inbox = office.app, office.inbox
    svc = services_of(app)
    profile = office.content / "alliances" / f"{SLUG}.toml"
    text = profile.read_text(encoding="utf-8")
    bad = 'name = "精密光電\\nBcc: evil@example.com\\u2028聯盟"'
    text = re.sub(r'(?m)^name = ".*"$', lambda _: bad, text)
    profile.write_text(text, encoding="utf-8")
    assert "\n" in str(svc.store.read_profile(SLUG).values["name"])
    for slug, email in ((SLUG, PI), ("comeback", "comeback@example.edu.tw")):
        svc.people.set_pi(slug, email, by="office")
    client, csrf = signed_in_office(app)

    one = client.post(f"/office/people/{SLUG}/send", data={"csrf_token": csrf, "how": "email"})
    assert one.status_code == 200
    svc.people.set_pi(SLUG, PI, by="office")  # (link_sent stays: send-new then has comeback)
    assert confirm(client, "/office/people/send-new", csrf).status_code == 200
    due_reminder_today(app)
    assert confirm(client, "/office/deadlines/send", csrf).status_code == 200
    assert confirm(client, "/office/notices/2026-05/send", csrf).status_code == 200

    for _, message in inbox.messages:
        assert "evil@example.com" not in {str(a) for a in (message["Bcc"], message["Cc"])}
        assert "\n" not in str(message["Subject"]) and "\u2028" not in str(message["Subject"])
    subjects = [str(m["Subject"]) for m in inbox.to(PI)]
    assert any("精密光電 Bcc: evil@example.com 聯盟" in s for s in subjects)  # one line, inert
    assert inbox.to("comeback@example.edu.tw")  # the others still got theirs
    assert all(rcpt != ["evil@example.com"] for rcpt, _ in inbox.messages)

    # `alliance notify` writes the drafts without a traceback.
    (office.root / "none.toml").write_text("", encoding="utf-8")
    code = main(
        ["notify", "--month", "2026-05", "--db", str(office.db), "--reports",
         str(office.reports), "--content", str(office.content), "--config",
         str(office.root / "none.toml")]
    )  # fmt: skip
    assert code == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_refused_mailbox_is_reported_and_the_batch_goes_on(office: Office) -> None:
    app, inbox = office.app, office.inbox
    svc = services_of(app)
    svc.people.set_pi(SLUG, PI, by="office")
    svc.people.set_pi("comeback", "prof.lee@example.edu.tw", by="office")
    svc.people.set_pi("hostile", "prof.wu@example.edu.tw", by="office")
    inbox.refuse = {PI, "newly-bad@example.edu.tw"}
    client, csrf = signed_in_office(app)

    links = confirm(client, "/office/people/send-new", csrf)
    page = links.get_data(as_text=True)
    assert links.status_code == 502 and SLUG in page  # named, per recipient
    assert inbox.to("prof.lee@example.edu.tw") and inbox.to("prof.wu@example.edu.tw")
    assert not svc.people.pi(SLUG).link_sent  # type: ignore[union-attr]

    due_reminder_today(app)
    reminders = confirm(client, "/office/deadlines/send", csrf)
    assert reminders.status_code == 200
    body = reminders.get_data(as_text=True)
    assert "未寄出" in body and SLUG in body and "550" in body  # zh-TW by default, with why
    plan = svc.reminders.plan()
    states = {r.slug: r.state for r in plan.reminders}
    assert states[SLUG] is None  # released, not left half-claimed
    assert states["comeback"] == "sent"

    notices = confirm(client, "/office/notices/2026-05/send", csrf)
    assert notices.status_code == 200 and SLUG in notices.get_data(as_text=True)
    assert inbox.to("hostile@example.edu.tw")  # the notices after the refused one went out

    # The mailbox works again: the retry sends exactly what failed.
    inbox.refuse = set()
    before = len(inbox.messages)
    assert confirm(client, "/office/deadlines/send", csrf).status_code == 200
    assert [rcpt for rcpt, _ in inbox.messages[before:]] == [[PI]]
    assert {r.slug: r.state for r in svc.reminders.plan().reminders}[SLUG] == "sent"


def test_an_inactive_alliance_is_never_written_to(office: Office) -> None:
    app, inbox = office.app, office.inbox
    svc = services_of(app)
    svc.people.set_pi(SLUG, PI, by="office")
    svc.people.set_pi("comeback", "prof.lee@example.edu.tw", by="office")
    profile = office.content / "alliances" / f"{SLUG}.toml"
    profile.write_text(profile.read_text(encoding="utf-8") + "active = false\n", encoding="utf-8")
    client, csrf = signed_in_office(app)

    review = client.post("/office/people/send-new", data={"csrf_token": csrf})
    listed = review.get_data(as_text=True).split('id="confirm-recipients"', 1)[1]
    listed = listed.split("</table>", 1)[0]
    assert "prof.lee@example.edu.tw" in listed and PI not in listed
    assert confirm(client, "/office/people/send-new", csrf).status_code == 200
    due_reminder_today(app)
    confirm(client, "/office/deadlines/send", csrf)
    confirm(client, "/office/notices/2026-05/send", csrf)
    one = client.post(f"/office/people/{SLUG}/send", data={"csrf_token": csrf, "how": "email"})
    assert one.status_code == 422 and "inactive" in one.get_data(as_text=True)
    assert inbox.to(PI) == [] and inbox.to("newly-bad@example.edu.tw") == []
    assert inbox.to("prof.lee@example.edu.tw")


def test_cli_send_links_reports_a_refused_mailbox_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_intake_support import make_registry

    from alliance_portal.intake.people import People

    make_registry(tmp_path)
    people = People(tmp_path / "var" / "intake-people.json")
    people.set_pi("green-chem", "chen@example.edu.tw", by="t")
    people.set_pi("smart-motor", "motor@example.edu.tw", by="t")
    with smtp_on_loopback() as (inbox, port):
        inbox.refuse = {"chen@example.edu.tw"}  # green-chem comes first
        config = smtp_config(tmp_path / "monitor.toml", port)
        code = main(
            ["intake", "send-links", "--base-url", PUBLIC, "--config", str(config),
             "--content", str(tmp_path / "content"), "--banners", str(tmp_path / "banners"),
             "--var", str(tmp_path / "var")]
        )  # fmt: skip
        assert code == 1
        assert inbox.recipients() == ["motor@example.edu.tw"]
    captured = capsys.readouterr()
    assert "FAILED     green-chem" in captured.err and "550" in captured.err
    assert "1 links sent, 0 skipped, 1 failed" in captured.out


def test_an_unreachable_mail_server_sends_nothing_and_says_so_once(tmp_path: Path) -> None:
    from test_intake_support import app_for, make_config
    from test_people import office_client as people_office

    from tests.support.mail_support import free_port

    down = MailSettings(host="127.0.0.1", port=free_port(), starttls=False, sender="o@example.tw")
    with app_for(make_config(tmp_path, mail=down, public_url=PUBLIC)) as app:
        svc = services_of(app)
        svc.people.set_pi("smart-motor", PI, by="office")
        svc.people.set_pi("green-chem", "chen@example.edu.tw", by="office")
        client, csrf = people_office(app)
        resp = confirm(client, "/office/people/send-new", csrf)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 502 and "No link was sent" in page
        assert "cannot reach the SMTP server 127.0.0.1" in page
        assert not svc.people.pi("smart-motor").link_sent  # type: ignore[union-attr]


def test_without_a_public_address_an_assistants_link_is_shown_not_e_mailed(
    tmp_path: Path,
) -> None:
    """The PI's form e-mails an assistant's link only on the configured address; without it the
    PI gets the link to hand over and is told why, and nothing leaves with a guessed host."""
    from test_intake_support import app_for, make_config

    with (
        smtp_on_loopback() as (inbox, port),
        app_for(
            make_config(
                tmp_path,
                mail=MailSettings(host="127.0.0.1", port=port, starttls=False, sender="o@x.tw"),
            )
        ) as app,
    ):
        svc = services_of(app)
        pi = app.test_client()
        token = svc.signer.make_token("smart-motor", svc.people.set_pi("smart-motor", PI, by="t"))
        assert pi.get(f"/link/{token}", headers={"Host": "evil.example.com"}).status_code == 303
        csrf = csrf_of(pi.get("/alliance/", headers={"Host": "evil.example.com"}).get_data(True))
        resp = pi.post(
            "/alliance/assistants/",
            data={"csrf_token": csrf, "email": HELPER, "how": "email"},
            headers={"Host": "evil.example.com"},
        )
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'id="new-link"' in page
        assert "public address" in page and inbox.messages == []

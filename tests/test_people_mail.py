"""Personal links by e-mail: a real SMTP server on loopback receives each link exactly once."""

from __future__ import annotations

import dataclasses
import html
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_intake_support import app_for, make_config, make_registry, services_of
from test_people import enter, office_client

from alliance_portal.cli import main
from alliance_portal.intake.mailer import MailSettings
from alliance_portal.intake.people import People
from alliance_portal.registry.audit import AuditLog
from tests.support.mail_support import Inbox, body_of, smtp_config, smtp_on_loopback

BASE = "https://intake.example.tw"
_URL_RE = re.compile(r"https://intake\.example\.tw/link/\S+")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_on_loopback() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_smtp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ALLIANCE_SMTP_") or name == "ALLIANCE_MONITOR_CONFIG":
            monkeypatch.delenv(name)


def cli(root: Path, *args: str) -> int:
    return main(
        [
            "intake",
            args[0],
            "--content",
            str(root / "content"),
            "--banners",
            str(root / "banners"),
            "--var",
            str(root / "var"),
            *args[1:],
        ]
    )


def test_send_links_mails_each_pi_once_then_only_on_resend(
    tmp_path: Path, smtp: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, port = smtp
    make_registry(tmp_path)
    config = smtp_config(tmp_path / "monitor.toml", port)
    # A PI's link goes only to the address the office recorded.
    assert cli(tmp_path, "set-pi", "green-chem", "chen@example.edu.tw") == 0
    assert cli(tmp_path, "set-pi", "smart-motor", "motor@example.edu.tw") == 0
    args = ("send-links", "--base-url", BASE, "--config", str(config))
    assert cli(tmp_path, *args) == 0
    assert inbox.recipients() == ["chen@example.edu.tw", "motor@example.edu.tw"]
    message = inbox.to("motor@example.edu.tw")[0]
    assert "個人連結" in str(message["Subject"]) and "personal link" in str(message["Subject"])
    body = body_of(message)
    assert body.index("計畫主持人您好") < body.index("Dear principal investigator")
    url = _URL_RE.search(body)
    assert url

    assert cli(tmp_path, *args) == 0  # again: nobody is sent a second link
    assert len(inbox.messages) == 2
    assert "already" in capsys.readouterr().out
    assert cli(tmp_path, *args, "--resend", "smart-motor") == 0  # SLUG after the options
    assert len(inbox.to("motor@example.edu.tw")) == 2 and len(inbox.messages) == 3

    sends = [
        e
        for e in AuditLog(tmp_path / "var" / "intake-audit.jsonl").entries()
        if e.action == "link.send"
    ]
    assert [e.slug for e in sends] == ["green-chem", "smart-motor", "smart-motor"]
    assert sends[0].detail == "to pi:chen@example.edu.tw"

    # The e-mailed link opens the form as the PI.
    with app_for(
        dataclasses.replace(
            make_config(tmp_path / "app"),
            content_dir=tmp_path / "content",
            banners_dir=tmp_path / "banners",
            var_dir=tmp_path / "var",
            secret=(tmp_path / "var" / "intake-secret").read_bytes().strip(),
        )
    ) as app:
        client = app.test_client()
        enter(client, url.group(0).replace(BASE, ""))
        assert "Add assistant" in html.unescape(client.get("/alliance/").get_data(as_text=True))


def test_dry_run_writes_eml_files_and_sends_nothing(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    make_registry(tmp_path)
    config = smtp_config(tmp_path / "monitor.toml", port)
    assert cli(tmp_path, "set-pi", "smart-motor", "motor@example.edu.tw") == 0
    assert (
        cli(
            tmp_path,
            "send-links",
            "smart-motor",
            "--base-url",
            BASE,
            "--config",
            str(config),
            "--dry-run",
        )
        == 0
    )
    drafts = list((tmp_path / "var" / "intake-outbox").glob("*.eml"))
    assert len(drafts) == 1 and inbox.messages == []
    text = drafts[0].read_text(encoding="utf-8", errors="replace")
    assert "motor@example.edu.tw" in text
    assert (drafts[0].stat().st_mode & 0o777) == 0o600  # a draft holds a key
    assert not People(tmp_path / "var" / "intake-people.json").pi("smart-motor").link_sent
    # The dry run was a look: the real send still goes out, once.
    real = ("send-links", "smart-motor", "--base-url", BASE, "--config", str(config))
    assert cli(tmp_path, *real) == 0
    assert cli(tmp_path, *real) == 0
    assert inbox.recipients() == ["motor@example.edu.tw"]


def test_send_links_names_an_unreachable_mail_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.mail_support import free_port

    make_registry(tmp_path)
    assert cli(tmp_path, "set-pi", "smart-motor", "motor@example.edu.tw") == 0
    config = smtp_config(tmp_path / "monitor.toml", free_port())
    assert cli(tmp_path, "send-links", "--base-url", BASE, "--config", str(config)) == 1
    err = capsys.readouterr().err
    assert "cannot reach the SMTP server 127.0.0.1" in err and "[smtp]" in err
    assert not People(tmp_path / "var" / "intake-people.json").pi("smart-motor").link_sent


def test_browser_sends_go_out_once_over_smtp(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    mail = MailSettings(
        host="127.0.0.1", port=port, starttls=False, sender="Office <o@example.org.tw>"
    )
    with app_for(make_config(tmp_path, mail=mail, public_url=BASE)) as app:
        services_of(app).people.set_pi("smart-motor", "wang@example.edu.tw", by="test")
        office, csrf = office_client(app)
        resp = office.post(
            "/office/people/smart-motor/send", data={"csrf_token": csrf, "how": "email"}
        )
        assert resp.status_code == 200
        assert "e-mailed to wang@example.edu.tw" in html.unescape(resp.get_data(as_text=True))
        assert inbox.recipients() == ["wang@example.edu.tw"]
        url = _URL_RE.search(body_of(inbox.messages[0][1]))
        assert url

        pi = app.test_client()
        pi_csrf = enter(pi, url.group(0).replace(BASE, ""))
        resp = pi.post(
            "/alliance/assistants/",
            data={"csrf_token": pi_csrf, "email": "lin@example.edu.tw", "how": "email"},
        )
        assert resp.status_code == 200
        assert inbox.recipients() == ["lin@example.edu.tw", "wang@example.edu.tw"]
        letter = body_of(inbox.to("lin@example.edu.tw")[0])
        assert "wang@example.edu.tw" in letter and "assistant" in letter
        helper = app.test_client()
        enter(helper, _URL_RE.search(letter).group(0).replace(BASE, ""))  # type: ignore[union-attr]
        assert "lin@example.edu.tw" in helper.get("/alliance/").get_data(as_text=True)
        entry = list(services_of(app).audit.entries())[-1]
        assert (entry.action, entry.person) == ("link.send", "pi:wang@example.edu.tw")


def test_the_link_letter_reads_whole_in_each_language() -> None:
    """The letter's greeting and role paragraph in each language's half, the subject on one line
    (they are kept as Bilingual texts; each half must get only its own language)."""
    from alliance_portal.intake.invitations import link_letter
    from alliance_portal.intake.people import Person

    pi = Person("smart-motor", "p1", "pi", "motor@example.edu.tw")
    subject, body = link_letter(pi, alliance_name="智慧馬達產學聯盟", url="https://x/l/1", days=30)
    assert (
        subject
        == "智慧馬達產學聯盟：資料上傳個人連結 Your personal link to the alliance upload form"
    )
    zh, en = body.split("-" * 70)
    assert zh.startswith("計畫主持人您好：") and "新增計畫助理" in zh
    assert "Dear principal investigator," in en and "add your assistants" in en
    helper = Person("smart-motor", "a1", "assistant", "wang@example.edu.tw")
    _, body = link_letter(
        helper, alliance_name="智慧馬達產學聯盟", url="https://x/l/2", days=30, pi_email="m@x.tw"
    )
    zh, en = body.split("-" * 70)
    assert zh.startswith("您好：") and "計畫主持人（m@x.tw）已將您加為本聯盟的計畫助理。" in zh
    assert en.lstrip().startswith("Hello,")
    assert "The principal investigator (m@x.tw) added you as an assistant" in en
    assert not re.search(r"[\u4e00-\u9fff]", en.replace("智慧馬達產學聯盟", ""))

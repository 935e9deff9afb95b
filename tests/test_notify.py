"""Notices to alliances: .eml drafts, and real sending to an aiosmtpd server on loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from test_report_data import XSS, Monitor, add_month, check, make_monitor, site

from alliance_portal.cli import main
from alliance_portal.registry.settings import (
    ConfigError,
    ScheduleSettings,
    SmtpSettings,
    load_settings,
    settings_from,
)
from monitor.model import Code
from monitor.notices.advice import advice
from monitor.notices.compose import plan_notices
from monitor.notices.send import SENT_TABLE, SentLog, send_notices
from monitor.reports.month import build_month_report, load_alliances
from monitor.schedule.calendar import next_check_from

#: Alliances with a warn or fail in May and a contact address (no-contact has none).
NOTIFIED = ["hostile", "name-only", "newly-bad", "old-cert"]


# -- a real SMTP server on loopback ---------------------------------------------------------


@dataclass
class Inbox:
    """aiosmtpd handler that keeps every accepted message and can refuse recipients."""

    refuse: set[str] = field(default_factory=set)
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"office",
            b"s3cret",
        )
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    def by_recipient(self) -> dict[str, EmailMessage]:
        return {rcpt[0]: msg for rcpt, msg in self.messages}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "mail.pem", tmp_path / "mail.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=inbox.authenticate,
    )
    controller.start()
    try:
        yield inbox, controller.port, cert
    finally:
        controller.stop()


@pytest.fixture
def monitor(tmp_path: Path) -> Monitor:
    return make_monitor(tmp_path)


def cli(monitor: Monitor, *args: str) -> int:
    return main(
        ["notify", "--db", str(monitor.db), "--reports", str(monitor.reports),
         "--content", str(monitor.content), "--config", str(monitor.root / "none.toml"), *args]
    )  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "HOST",
        "PORT",
        "USER",
        "STARTTLS",
        "SSL",
        "FROM",
        "REPLY_TO",
        "TIMEOUT",
        "CA_FILE",
        "PASSWORD",
    ):
        monkeypatch.delenv(f"ALLIANCE_SMTP_{name}", raising=False)
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    (tmp_path / "none.toml").write_text("", encoding="utf-8")


def use_server(monkeypatch: pytest.MonkeyPatch, port: int, *, starttls: bool = False) -> None:
    monkeypatch.setenv("ALLIANCE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ALLIANCE_SMTP_PORT", str(port))
    monkeypatch.setenv("ALLIANCE_SMTP_STARTTLS", "true" if starttls else "false")
    monkeypatch.setenv("ALLIANCE_SMTP_FROM", "產學小聯盟計畫辦公室 <office@example.org.tw>")


def body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


# -- dry run --------------------------------------------------------------------------------


def test_the_subject_names_the_alliance_in_each_half_it_has_a_name_for(
    monitor: Monitor, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reader of either half sees which alliance the letter is about; a profile with no
    English name gives an English half without one (never an empty ", :")."""
    profile = monitor.content / "alliances" / "name-only.toml"
    text = profile.read_text("utf-8").replace('name_en = "Biomedical Testing Alliance"\n', "")
    profile.write_text(text, encoding="utf-8")
    assert cli(monitor, "--month", "2026-05") == 0
    capsys.readouterr()
    folder = monitor.reports / "2026-05" / "notices"
    subjects = {
        p.stem: str(message_from_bytes(p.read_bytes(), policy=default_policy)["Subject"])
        for p in folder.glob("*.eml")
    }
    assert subjects["name-only"] == (
        "【產學小聯盟網站檢查】生醫檢測產學聯盟 2026-05 結果：待確認"
        " / Alliance website check 2026-05: please check"
    )
    assert "精密光電產學聯盟" in subjects["newly-bad"]
    assert "Alliance website check 2026-05, Precision Optics Alliance: " in subjects["newly-bad"]


def test_dry_run_writes_eml_files_and_lists_missing_contacts(
    monitor: Monitor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(monitor, "--month", "2026-05") == 0
    out = capsys.readouterr().out
    folder = monitor.reports / "2026-05" / "notices"
    assert sorted(p.stem for p in folder.glob("*.eml")) == NOTIFIED
    assert "dry run: 4 notice(s)" in out and "nothing sent" in out
    assert "NO CONTACT E-MAIL (1)" in out and "no-contact  土木防災產學聯盟" in out
    readme = (folder / "README.txt").read_text("utf-8")
    assert "no-contact" in readme and "contact_email" in readme
    lines = readme.splitlines()
    assert lines[0] == "產學小聯盟網站檢查通知（草稿） Alliance website notices (drafts) 2026-05"
    assert "將寄出 To be sent: 4" in lines
    assert "缺少聯絡信箱，無法寄送 No contact e-mail, cannot be sent: 1" in lines
    assert (
        "  → 請在 content/alliances/<slug>.toml 加上 contact_email。 Add contact_email to" in readme
    )

    msg = message_from_bytes((folder / "name-only.eml").read_bytes(), policy=default_policy)
    assert msg["To"] == "name-only@example.edu.tw"
    assert msg["Subject"] == (
        "【產學小聯盟網站檢查】生醫檢測產學聯盟 2026-05 結果：待確認"
        " / Alliance website check 2026-05, Biomedical Testing Alliance: please check"
    )
    assert msg.get_content_type() == "text/plain"
    assert msg["Content-Language"] == "zh-TW, en"
    text = body(msg)  # type: ignore[arg-type]
    assert text.index("您好") < text.index("Dear Biomedical Testing Alliance team")  # zh-TW first
    assert "補助標示：待確認" in text and "Funding credit: warn" in text
    assert "發現：首頁只提到機關或計畫名稱" in text  # what was found, in plain words
    assert "歡迎來到科技部產學小聯盟" not in text  # the evidence stays in the office's report
    assert "「科技部計畫補助」" in text  # how to fix
    assert "網站開啟" not in text.split("已通過")[0]  # passing checks are not listed as problems
    assert "已通過：網站開啟、定期更新" in text
    assert "下次檢查日期：" in text and "Next check: " in text


def test_notice_content_per_problem(monitor: Monitor) -> None:
    report = build_month_report(monitor.store, "2026-05", alliances=load_alliances(monitor.content))
    plan = plan_notices(report, load_alliances(monitor.content), next_check=dt.date(2026, 6, 1))
    texts = {n.slug: body(n.message) for n in plan.notices if n.message}  # type: ignore[arg-type]
    assert "HTTPS 憑證" in texts["old-cert"] and "intermediate" in texts["old-cert"]
    assert "2026-01-10" in texts["old-cert"] and "附日期的消息" in texts["old-cert"]
    assert "網域未過期" in texts["newly-bad"] and "網站目前無法連線" in texts["newly-bad"]
    # the machine evidence stays in the office's report, not in the professor's letter
    assert "connection refused after 3 attempts" not in texts["newly-bad"]
    assert "下次檢查日期：2026-06-01" in texts["newly-bad"]
    # the site is down: no advice about a credit or news nobody could read
    assert "補助標示：" not in texts["newly-bad"] and "Funding credit:" not in texts["newly-bad"]
    assert "網站恢復開啟後，才能檢查補助標示與定期更新" in texts["newly-bad"]
    assert XSS not in texts["hostile"]  # a site's text stays in the report, not in the letter
    assert [n.slug for n in plan.missing_contact] == ["no-contact"]


@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        (check("fail", Code.CREDIT_NONE, "首頁沒有載明補助單位"), "頁尾"),
        (
            check(
                "warn",
                Code.CREDIT_IMAGE_ONLY,
                "補助標示似乎只在圖片裡",
                "only inside an image",
                "<img src=most.png>",
                where="image",
            ),
            "替代文字",
        ),
        (
            check(
                "warn",
                Code.CREDIT_OTHER_PAGE,
                "補助標示只出現在其他頁面",
                "The funding credit is only on another page, not the homepage: https://x/about",
            ),
            "放在首頁",
        ),
        (
            check(
                "warn",
                Code.CREDIT_NAME_ONLY,
                "首頁只提到「科技部」",
                "names 科技部 but does not say it funds",
            ),
            "加上補助字樣",
        ),
        (  # the advice follows the code, whatever the wording says
            check("warn", Code.CREDIT_IMAGE_ONLY, "另一頁 other page"),
            "替代文字",
        ),
    ],
)
def test_fix_hints_for_credit(tmp_path: Path, credit: Any, expected: str) -> None:
    from monitor.store import Store

    store = Store(tmp_path / "m.sqlite3")
    add_month(store, "2026-05", [site("name-only", credit=credit)])
    row = build_month_report(store, "2026-05").rows[0]
    assert expected in advice(row.checks["credit"]).zh


# -- sending --------------------------------------------------------------------------------


def test_send_delivers_once_per_alliance_and_month(
    monitor: Monitor, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    inbox, port = smtp_server
    use_server(monkeypatch, port)
    assert cli(monitor, "--month", "2026-05", "--send") == 0
    out = capsys.readouterr().out
    assert "sent 4 notice(s) for 2026-05" in out and "NO CONTACT E-MAIL (1)" in out
    received = inbox.by_recipient()
    assert sorted(received) == sorted(f"{s}@example.edu.tw" for s in NOTIFIED)
    msg = received["newly-bad@example.edu.tw"]
    assert "精密光電產學聯盟" in msg["Subject"]
    assert msg["From"].addresses[0].addr_spec == "office@example.org.tw"
    assert msg["Date"] and msg["Message-ID"].startswith("<notice.2026-05.newly-bad.")
    assert "網站開啟：未通過" in body(msg) and "Site opens: fail" in body(msg)
    rows = SentLog(monitor.store).rows("2026-05")
    assert [(r["slug"], r["state"]) for r in rows] == [(s, "sent") for s in NOTIFIED]

    # again: nothing is sent twice
    assert cli(monitor, "--month", "2026-05", "--send") == 0
    assert "sent 0 notice(s)" in capsys.readouterr().out
    assert len(inbox.messages) == 4
    # a new month is a new notice
    assert cli(monitor, "--month", "2026-04", "--send", "--only", "comeback") == 0
    assert len(inbox.messages) == 5


def test_starttls_and_login_with_the_password_from_the_environment(
    monitor: Monitor, tls_smtp_server: tuple[Inbox, int, Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    inbox, port, cert = tls_smtp_server
    use_server(monkeypatch, port, starttls=True)
    monkeypatch.setenv("ALLIANCE_SMTP_USER", "office")
    monkeypatch.setenv("ALLIANCE_SMTP_CA_FILE", str(cert))

    monkeypatch.setenv("ALLIANCE_SMTP_PASSWORD", "wrong")
    assert cli(monitor, "--month", "2026-05", "--send", "--only", "name-only") == 1
    assert "refused the login of user 'office' (535" in capsys.readouterr().err
    assert inbox.messages == [] and SentLog(monitor.store).rows("2026-05") == []

    monkeypatch.setenv("ALLIANCE_SMTP_PASSWORD", "s3cret")
    assert cli(monitor, "--month", "2026-05", "--send", "--only", "name-only") == 0
    assert inbox.logins == ["office"]
    assert list(inbox.by_recipient()) == ["name-only@example.edu.tw"]


def test_starttls_refuses_an_untrusted_certificate(
    monitor: Monitor, tls_smtp_server: tuple[Inbox, int, Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    inbox, port, _ = tls_smtp_server
    use_server(monkeypatch, port, starttls=True)
    monkeypatch.setenv("ALLIANCE_SMTP_USER", "office")
    monkeypatch.setenv("ALLIANCE_SMTP_PASSWORD", "s3cret")
    assert cli(monitor, "--month", "2026-05", "--send") == 1
    assert "CERTIFICATE_VERIFY_FAILED" in capsys.readouterr().err
    assert inbox.messages == []


def test_a_refused_recipient_is_reported_and_tried_again_later(
    monitor: Monitor, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    inbox, port = smtp_server
    use_server(monkeypatch, port)
    inbox.refuse.add("hostile@example.edu.tw")
    assert cli(monitor, "--month", "2026-05", "--send") == 1
    out = capsys.readouterr().out
    assert "FAILED          hostile: SMTPRecipientsRefused" in out
    assert len(inbox.messages) == 3
    assert SentLog(monitor.store).state("2026-05", "hostile") is None
    inbox.refuse.clear()
    assert cli(monitor, "--month", "2026-05", "--send") == 0
    assert [rcpt for rcpt, _ in inbox.messages][-1] == ["hostile@example.edu.tw"]
    assert len(inbox.messages) == 4


def test_an_interrupted_send_is_not_repeated_without_resend(
    monitor: Monitor, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    inbox, port = smtp_server
    use_server(monkeypatch, port)
    # a crash after SMTP accepted the message but before it was marked sent
    assert SentLog(monitor.store).claim(
        "2026-05", "old-cert", "old-cert@example.edu.tw", "<x>", force=False
    )
    assert cli(monitor, "--month", "2026-05", "--send") == 0
    out = capsys.readouterr().out
    assert "UNCERTAIN       old-cert" in out and "--resend old-cert" in out
    assert "old-cert@example.edu.tw" not in inbox.by_recipient()
    assert cli(monitor, "--month", "2026-05", "--send", "--resend", "old-cert") == 0
    assert "old-cert@example.edu.tw" in inbox.by_recipient()
    assert SentLog(monitor.store).state("2026-05", "old-cert") == "sent"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no SMTP server configured"),
        ({"ALLIANCE_SMTP_HOST": "127.0.0.1"}, "no sender address"),
        (
            {
                "ALLIANCE_SMTP_HOST": "127.0.0.1",
                "ALLIANCE_SMTP_FROM": "o@example.org",
                "ALLIANCE_SMTP_USER": "u",
            },
            "ALLIANCE_SMTP_PASSWORD is not set",
        ),
    ],
)
def test_send_needs_settings_and_says_which(
    monitor: Monitor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    env: dict[str, str], message: str,
) -> None:  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli(monitor, "--month", "2026-05", "--send") == 2
    assert message in capsys.readouterr().err


def test_settings_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        '[smtp]\nhost = "smtp.example.edu.tw"\nport = 2525\nuser = "office"\nstarttls = false\n'
        'from = "Office <office@example.org.tw>"\n',
        encoding="utf-8",
    )
    settings = load_settings(
        path, env={"ALLIANCE_SMTP_PASSWORD": "pw", "ALLIANCE_SMTP_PORT": "587"}
    ).smtp
    assert (settings.host, settings.port, settings.user, settings.starttls) == (
        "smtp.example.edu.tw", 587, "office", False)  # fmt: skip
    assert settings.password == "pw" and "pw" not in repr(settings)
    with pytest.raises(ConfigError, match="starttls must be true or false"):
        settings_from({"smtp": {"starttls": "maybe"}}, {})
    with pytest.raises(ConfigError, match="ALLIANCE_SMTP_PORT"):
        settings_from({}, {"ALLIANCE_SMTP_PORT": "many"})


def test_send_notices_api_records_each_message(
    monitor: Monitor, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    alliances = load_alliances(monitor.content)
    report = build_month_report(monitor.store, "2026-05", alliances=alliances)
    plan = plan_notices(
        report, alliances, sender="Office <office@example.org.tw>", only=["old-cert"]
    )
    settings = SmtpSettings(
        host="127.0.0.1", port=port, starttls=False, sender="Office <office@example.org.tw>"
    )
    result = send_notices(plan, monitor.store, settings)
    assert result.sent == ["old-cert"] and not result.failed
    with monitor.store.connect() as db:
        row = db.execute(f"SELECT recipient, message_id, state FROM {SENT_TABLE}").fetchone()
    assert tuple(row) == (
        "old-cert@example.edu.tw",
        str(plan.notices[0].message["Message-ID"]),
        "sent",
    )  # type: ignore[index]
    assert len(inbox.messages) == 1


# -- each language its own words ------------------------------------------------------------


def sections(text: str) -> tuple[str, str]:
    zh, _, en = text.partition("-" * 72)
    assert en, "the e-mail has a Chinese and an English section"
    return zh, en


def test_each_language_section_gets_its_own_reason(
    monitor: Monitor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(monitor, "--month", "2026-05") == 0
    msg = message_from_bytes(
        (monitor.reports / "2026-05" / "notices" / "name-only.eml").read_bytes(),
        policy=default_policy,
    )
    zh, en = sections(body(msg))  # type: ignore[arg-type]
    assert "發現：首頁只提到機關或計畫名稱，沒有說明受其補助。\n" in zh
    assert "The homepage names" not in zh
    assert (
        "Found: The homepage names the funder or the programme but does not say it funds you.\n"
        in en
    )
    assert "首頁只提到" not in en
    # the news window is part of the advice
    old_cert = message_from_bytes(
        (monitor.reports / "2026-05" / "notices" / "old-cert.eml").read_bytes(),
        policy=default_policy,
    )
    zh, en = sections(body(old_cert))  # type: ignore[arg-type]
    assert "90 天內即通過" in zh and "at most 90 days old passes" in en


def test_notices_give_the_configured_next_check(monitor: Monitor) -> None:
    config = monitor.root / "monitor.toml"
    config.write_text('[schedule]\ncron = "0 9 5 * *"\n', encoding="utf-8")
    code = main(
        ["notify", "--month", "2026-05", "--db", str(monitor.db), "--reports", str(monitor.reports),
         "--content", str(monitor.content), "--config", str(config)]
    )  # fmt: skip
    assert code == 0
    msg = message_from_bytes(
        (monitor.reports / "2026-05" / "notices" / "newly-bad.eml").read_bytes(),
        policy=default_policy,
    )
    zh, en = sections(body(msg))  # type: ignore[arg-type]
    # the 5th of a month, never before the schedule's next fire from now
    expected = next_check_from(ScheduleSettings(cron="0 9 5 * *"), dt.datetime.now(dt.UTC))
    assert f"下次檢查日期：{expected.isoformat()}" in zh and expected.day == 5
    assert f"Next check: {expected.isoformat()}" in en


def test_a_restore_is_refused_while_notices_are_being_sent(
    monitor: Monitor, tmp_path: Path
) -> None:
    """Sending records each notice in the database: ``alliance db restore`` must not replace
    the file in the middle (issue 17.7, every writer holds the writers' lock)."""
    import asyncio
    import sqlite3
    import subprocess
    import sys
    import threading

    from tests.support.browser import ROOT

    release = threading.Event()

    class SlowInbox(Inbox):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            for _ in range(300):  # at most 30 s: the test releases it long before
                if release.is_set():
                    break
                await asyncio.sleep(0.1)
            return await super().handle_DATA(server, session, envelope)

    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    backup = tmp_path / "copy.sqlite3"  # a whole copy (SQLite's backup API), a valid backup
    with sqlite3.connect(monitor.store.path) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    try:
        alliances = load_alliances(monitor.content)
        report = build_month_report(monitor.store, "2026-05", alliances=alliances)
        plan = plan_notices(
            report, alliances, sender="Office <office@example.org.tw>", only=["old-cert"]
        )
        settings = SmtpSettings(
            host="127.0.0.1",
            port=controller.port,
            starttls=False,
            sender="Office <office@example.org.tw>",
        )
        results: list[Any] = []
        sender = threading.Thread(
            target=lambda: results.append(send_notices(plan, monitor.store, settings))
        )
        sender.start()
        for _ in range(100):  # the batch is under way once the server holds its message
            if inbox.messages or release.is_set() or not sender.is_alive():
                break
            import time

            time.sleep(0.1)
        restore = subprocess.run(
            [sys.executable, "-m", "alliance_portal.cli", "db", "restore", str(backup),
             "--db", str(monitor.store.path)],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        release.set()
        sender.join(60)
    finally:
        release.set()
        controller.stop()
    assert restore.returncode != 0, restore.stdout + restore.stderr
    assert "in use" in restore.stderr and "Traceback" not in restore.stderr
    assert results and results[0].sent == ["old-cert"]

"""E-mail for the form: personal links and deadline reminders, sent over SMTP or kept as drafts.

The office configures one mail server for everything it sends: ``[smtp]`` in monitor.toml and
the ``ALLIANCE_SMTP_*`` environment variables, exactly as for the monthly notices (see
docs/operations.md). The form may not import the monitor, so this module reads the same table
itself; the composition root hands it in (``MailSettings.from_table(config["smtp"], env)``).

Two ways out, one interface (:meth:`Mailer.session`):

- SMTP, when a server is configured and this is not a dry run;
- drafts: each message written as an ``.eml`` file into a folder (``var/intake-outbox/``), for a
  dry run, or when no mail server is configured; any mail client opens them.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from alliance_portal.registry.files import atomic_write

#: The notices' environment variables (they override the file; the password is only read here).
ENV_PREFIX = "ALLIANCE_SMTP_"
PASSWORD_ENV = "ALLIANCE_SMTP_PASSWORD"
DEFAULT_SENDER = "產學小聯盟計畫辦公室 <alliance-intake@localhost>"
_KEYS = ("host", "port", "user", "starttls", "ssl", "from", "reply_to", "timeout", "ca_file")


class MailError(Exception):
    """Mail cannot be sent; the message names the setting to fix."""


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise MailError(f"{where} must be true or false, not {value!r}")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How to reach the office's mail server. ``password`` never comes from a file."""

    host: str = ""
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True
    use_ssl: bool = False
    sender: str = ""
    reply_to: str = ""
    timeout: float = 30.0
    ca_file: str = ""

    @classmethod
    def from_table(cls, table: Mapping[str, Any], env: Mapping[str, str]) -> MailSettings:
        """``[smtp]`` of the settings file, overridden by ``ALLIANCE_SMTP_*`` variables."""
        values = {k: table[k] for k in _KEYS if k in table}
        for key in _KEYS:
            if env.get(ENV_PREFIX + key.upper()):
                values[key] = env[ENV_PREFIX + key.upper()]
        try:
            port = int(values.get("port", 587))
            timeout = float(values.get("timeout", 30.0))
        except (TypeError, ValueError) as exc:
            raise MailError(f"[smtp] port and timeout must be numbers ({exc})") from exc
        return cls(
            host=str(values.get("host", "")),
            port=port,
            user=str(values.get("user", "")),
            password=env.get(PASSWORD_ENV, ""),
            starttls=_bool(values.get("starttls", True), "[smtp] starttls"),
            use_ssl=_bool(values.get("ssl", False), "[smtp] ssl"),
            sender=str(values.get("from", "")),
            reply_to=str(values.get("reply_to", "")),
            timeout=timeout,
            ca_file=str(values.get("ca_file", "")),
        )

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def problem(self) -> str | None:
        """What stops sending (None when SMTP can be tried)."""
        if not self.host:
            return "no mail server configured: set host in [smtp] of monitor.toml or ALLIANCE_SMTP_HOST"
        if self.user and not self.password:
            return (
                f"[smtp] user is {self.user!r} but {PASSWORD_ENV} is not set; export the password "
                "in the environment (it is never read from a file)"
            )
        if self.ca_file and not Path(self.ca_file).is_file():
            return f"[smtp] ca_file {self.ca_file!r} does not exist"
        return None

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(self.ca_file)
        return context


def compose(
    *,
    to: str,
    subject: str,
    body: str,
    settings: MailSettings,
    domain: str = "alliance-intake.localhost",
) -> EmailMessage:
    """A plain-text message (UTF-8) from the office, with its own Message-ID."""
    message = EmailMessage()
    message["From"] = settings.sender or DEFAULT_SENDER
    message["To"] = to
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    sender_domain = parseaddr(settings.sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=sender_domain or domain)
    message.set_content(body)
    return message


def _draft_name(message: EmailMessage) -> str:
    to = parseaddr(str(message["To"]))[1] or "unknown"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return re.sub(r"[^A-Za-z0-9@._-]", "_", f"{stamp}-{to}") + ".eml"


Send = Callable[[EmailMessage], str]


@dataclass(frozen=True, slots=True)
class Mailer:
    """Sends messages over SMTP, or writes them as drafts (dry run, or no server configured)."""

    settings: MailSettings
    drafts_dir: Path
    dry_run: bool = False

    @property
    def mode(self) -> str:
        """``smtp`` or ``draft``: what :meth:`session` will do."""
        return "draft" if self.dry_run or not self.settings.configured else "smtp"

    @contextmanager
    def session(self) -> Iterator[Send]:
        """Yields ``send(message) -> where`` ('smtp' or the draft's path); one SMTP connection.

        Raises :class:`MailError` when the server cannot be reached or refuses a message;
        messages sent before that stay sent.
        """
        if self.mode == "draft":
            yield self._write_draft
            return
        problem = self.settings.problem()
        if problem:
            raise MailError(problem)
        smtp = self._connect()
        try:

            def send(message: EmailMessage) -> str:
                recipients = [a for _, a in getaddresses([str(message["To"] or "")]) if a]
                recipients += [a for _, a in getaddresses([str(message["Cc"] or "")]) if a]
                try:
                    smtp.send_message(message, to_addrs=recipients)
                except (OSError, smtplib.SMTPException) as exc:
                    raise MailError(
                        f"the mail server {self.settings.host}:{self.settings.port} did not "
                        f"accept the e-mail to {', '.join(recipients)} ({exc})"
                    ) from exc
                return "smtp"

            yield send
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _write_draft(self, message: EmailMessage) -> str:
        path = self.drafts_dir / _draft_name(message)
        atomic_write(path, message.as_bytes(policy=SMTP_POLICY), mode=0o600)
        return str(path)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.use_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=s.tls_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                smtp.ehlo()
                if s.starttls:
                    smtp.starttls(context=s.tls_context())
                    smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"the mail server {s.host}:{s.port} refused the login of user {s.user!r} "
                f"({exc.smtp_code}); check [smtp] user / ALLIANCE_SMTP_USER and {PASSWORD_ENV}"
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                f"cannot reach the mail server {s.host}:{s.port} ({exc}); check [smtp] in "
                "monitor.toml and the ALLIANCE_SMTP_* variables"
            ) from exc
        return smtp

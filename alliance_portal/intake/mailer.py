"""E-mail for the form: personal links and deadline reminders, sent over SMTP or kept as drafts.

The office configures one mail server for everything it sends: ``[smtp]`` in monitor.toml and
the ``ALLIANCE_SMTP_*`` environment variables, exactly as for the monthly notices (see
docs/operations.md). The form may not import the monitor; the commands read
them with :mod:`monitor.config`; the composition root hands the form the typed settings
(:class:`alliance_portal.registry.smtp.SmtpSettings`, shared with the notices).

Two ways out, one interface (:meth:`Mailer.session`):

- SMTP, when a server is configured and this is not a dry run;
- drafts: each message written as an ``.eml`` file into a folder (``var/intake-outbox/``), for a
  dry run, or when no mail server is configured; any mail client opens them.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path

from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.smtp import SmtpError, SmtpSettings, connect

#: The sender when [smtp] names none (drafts only: sending needs a real address).
DEFAULT_SENDER = "產學小聯盟計畫辦公室 <alliance-intake@localhost>"


class MailError(Exception):
    """Mail cannot be sent; the message names the setting to fix."""


#: The form's mail settings are the office's one mail server (:mod:`alliance_portal.registry.smtp`).
MailSettings = SmtpSettings


def compose(
    *,
    to: str,
    subject: str,
    body: str,
    settings: SmtpSettings,
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

    settings: SmtpSettings
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
        try:
            return connect(self.settings)
        except SmtpError as exc:
            raise MailError(str(exc)) from exc

"""E-mail for the form: personal links and deadline reminders, sent over SMTP or kept as drafts.

The office configures one mail server for everything it sends: ``[smtp]`` in alliance.toml and
the ``ALLIANCE_SMTP_*`` environment variables, exactly as for the monthly notices (see
docs/operations.md). The form may not import the monitor; the commands read
them with :mod:`alliance_portal.registry.settings`; the composition root hands the form the typed settings
(:class:`alliance_portal.registry.smtp.SmtpSettings`, shared with the notices).

Two ways out, one interface (:meth:`Mailer.session`):

- SMTP, when a server is configured and this is not a dry run;
- drafts: each message written as an ``.eml`` file into a folder (``var/intake-outbox/``), for a
  dry run, or when no mail server is configured; any mail client opens them.

A batch (reminders, every PI's link) sends message after message in one session; a message the
server refuses (a bad address, a refused recipient) or that cannot even be written (a header
the e-mail library refuses) raises :class:`MailError` for that message only, and the next one is
tried: after a dropped connection the session connects again, and only after
:data:`MAX_CONNECT_FAILURES` failed connections in a row does it give up on the rest.
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

from alliance_portal.registry.errors import AllianceError
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.smtp import SmtpError, SmtpSettings, connect, header_text

#: The sender when [smtp] names none (drafts only: sending needs a real address).
DEFAULT_SENDER = "產學小聯盟計畫辦公室 <alliance-intake@localhost>"
#: A session stops trying after this many failed connections in a row (the server is gone).
MAX_CONNECT_FAILURES = 3
#: One plain address (no display name, no list, no line break) for the To header.
_ADDRESS_RE = re.compile(r"[^@\s<>\"',;:()\[\]\\]{1,64}@[A-Za-z0-9.-]{1,253}")


class MailError(AllianceError):
    """Mail cannot be sent; the message names the address or the setting to fix."""


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
    """A plain-text message (UTF-8) from the office, with its own Message-ID.

    The subject is made one line (:func:`header_text`: a name from an old profile may hold a
    line break); an address that is not one plain address raises :class:`MailError` naming it,
    so one bad address fails its own message and not the batch around it.
    """
    if not _ADDRESS_RE.fullmatch(to):
        raise MailError(f"{to!r} is not one e-mail address; correct it and send again")
    message = EmailMessage()
    try:
        message["From"] = settings.sender or DEFAULT_SENDER
        message["To"] = to
        if settings.reply_to:
            message["Reply-To"] = settings.reply_to
        message["Subject"] = header_text(subject, limit=300)
        message["Date"] = formatdate(localtime=True)
        sender_domain = parseaddr(settings.sender)[1].rpartition("@")[2]
        message["Message-ID"] = make_msgid(domain=sender_domain or domain)
        message.set_content(body)
    except (ValueError, TypeError, IndexError) as exc:  # a header the library refuses
        raise MailError(f"the e-mail to {to!r} cannot be written ({exc})") from exc
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
        """Yields ``send(message) -> where`` ('smtp' or the draft's path) over one connection.

        Raises :class:`MailError` at once when the server cannot be reached or the settings
        are incomplete. Inside, ``send`` raises :class:`MailError` for one message the server
        refuses; after a dropped connection the next ``send`` connects again (see the module
        docstring), so the caller reports that message and goes on with the next.
        """
        if self.mode == "draft":
            yield self._write_draft
            return
        problem = self.settings.problem()
        if problem:
            raise MailError(problem)
        smtp: smtplib.SMTP | None = self._connect()
        failures = 0

        def send(message: EmailMessage) -> str:
            nonlocal smtp, failures
            recipients = [a for _, a in getaddresses([str(message["To"] or "")]) if a]
            recipients += [a for _, a in getaddresses([str(message["Cc"] or "")]) if a]
            if smtp is None:
                if failures >= MAX_CONNECT_FAILURES:
                    raise MailError(
                        f"not tried: the mail server {self.settings.host}:{self.settings.port}"
                        f" could not be reached {failures} times in a row; send again later"
                    )
                try:
                    smtp = self._connect()
                except MailError:
                    failures += 1
                    raise
            try:
                smtp.send_message(message, to_addrs=recipients)
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError,
                smtplib.SMTPNotSupportedError,
                ValueError,
                UnicodeError,
            ) as exc:  # this message only: the connection is still good
                raise MailError(
                    f"the mail server {self.settings.host}:{self.settings.port} did not "
                    f"accept the e-mail to {', '.join(recipients)} ({exc})"
                ) from exc
            except (OSError, smtplib.SMTPException) as exc:  # the connection is gone
                _close(smtp)
                smtp = None
                failures += 1
                raise MailError(
                    f"the mail server {self.settings.host}:{self.settings.port} dropped the "
                    f"connection while sending to {', '.join(recipients)} ({exc})"
                ) from exc
            failures = 0
            return "smtp"

        try:
            yield send
        finally:
            if smtp is not None:
                _close(smtp)

    def _write_draft(self, message: EmailMessage) -> str:
        path = self.drafts_dir / _draft_name(message)
        atomic_write(path, message.as_bytes(policy=SMTP_POLICY), mode=0o600)
        return str(path)

    def _connect(self) -> smtplib.SMTP:
        try:
            return connect(self.settings)
        except SmtpError as exc:
            raise MailError(str(exc)) from exc


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()

"""The office's one mail server: its settings and how to open a connection to it.

Both flows send e-mail through the same server: the form (personal links, deadline reminders)
and the monitor (monthly notices). The settings come from ``[smtp]`` of alliance.toml and the
``ALLIANCE_SMTP_*`` environment variables (read by :mod:`alliance_portal.registry.settings`, and handed to the form
by the composition root); this module holds what both need once: the typed settings, what
stops sending, and the SMTP conversation up to a logged-in connection.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from alliance_portal.registry.errors import AllianceError

#: Environment variables that override ``[smtp]``; the password is only read from the environment.
SMTP_ENV_PREFIX = "ALLIANCE_SMTP_"
SMTP_PASSWORD_ENV = "ALLIANCE_SMTP_PASSWORD"


#: Characters that must never reach a header or a one-line place in a letter: C0 and C1
#: controls (CR, LF, NUL, ESC ...), DEL, and the Unicode line and paragraph separators.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(text: str, limit: int = 200) -> str:
    """``text`` safe for one line of a letter and its headers (a subject, a name in a greeting).

    A profile written before validation refused control characters may hold a name like
    ``聯盟\nBcc: x@y``; the e-mail library refuses such a header, and one refused message used
    to stop a whole batch. Every run of controls and line breaks becomes one space, the result
    is trimmed and cut to ``limit`` characters (the letter stays readable; nothing is injected).
    """
    flat = _NOT_ONE_LINE.sub(" ", unicodedata.normalize("NFC", text))
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class SmtpError(AllianceError):
    """The mail server cannot be used; the message names the setting to fix."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """``[smtp]``: how to reach the mail server. ``password`` never comes from a file."""

    host: str = ""
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True
    use_ssl: bool = False  # implicit TLS (port 465) instead of STARTTLS; key `ssl`
    sender: str = ""  # key `from`
    reply_to: str = ""
    timeout: float = 30.0
    ca_file: str = ""  # a private CA bundle for an on-premises mail server

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def problem(self, *, need_sender: bool = False) -> str | None:
        """What stops sending, in words that name the setting to fix (None when it can be tried)."""
        if not self.host:
            return "no SMTP server configured: set host in [smtp] of alliance.toml or ALLIANCE_SMTP_HOST"
        if need_sender and (not self.sender or "@" not in parseaddr(self.sender)[1]):
            return (
                'no sender address: set from = "Office <office@example.org.tw>" in [smtp]'
                " or ALLIANCE_SMTP_FROM"
            )
        if self.user and not self.password:
            return (
                f"[smtp] user is {self.user!r} but {SMTP_PASSWORD_ENV} is not set; export the"
                " password in the environment (it is never read from a file)"
            )
        if self.ca_file and not Path(self.ca_file).is_file():
            return (
                f"[smtp] ca_file {self.ca_file!r} does not exist; point it at the CA bundle (PEM)"
            )
        return None

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(self.ca_file)
        return context


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An SMTP connection, TLS as configured, logged in when a user is set.

    Raises :class:`SmtpError` naming the server and the settings to check.
    """
    s = settings
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
        why = exc.smtp_error
        text = why.decode(errors="replace") if isinstance(why, bytes) else str(why)
        raise SmtpError(
            f"the SMTP server {s.host}:{s.port} refused the login of user {s.user!r}"
            f" ({exc.smtp_code} {text}); check [smtp] user / ALLIANCE_SMTP_USER and"
            f" {SMTP_PASSWORD_ENV}"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpError(
            f"cannot reach the SMTP server {s.host}:{s.port} ({exc}); check [smtp] in"
            f" alliance.toml, the ALLIANCE_SMTP_* variables and {SMTP_PASSWORD_ENV}"
        ) from exc
    return smtp

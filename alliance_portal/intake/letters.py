"""What the office sees before a letter goes out: the letter as sent, and who it goes to.

Two rules from the office's guide live here:

- A preview is the letter that will be sent, not a second rendering of it: the sender composes
  the :class:`~email.message.EmailMessage` once, and :func:`as_read` turns that very message
  into what its recipient's mail program shows (the bytes on the wire, parsed back: decoded
  subject, addresses and body).
- An action that e-mails more than one person is confirmed: the review page shows the count,
  one letter and every recipient, and carries a token (:func:`confirmation_token`) bound to
  that exact list. The send is a second POST with the token; if the list changed in between
  (someone recorded an address, an alliance was deactivated), the token no longer matches and
  the office is shown the new list to confirm instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import default as default_policy

from alliance_portal.registry.bilingual import Bilingual


@dataclass(frozen=True, slots=True)
class LetterView:
    """One composed message as its recipient reads it."""

    sender: str
    to: str
    subject: str
    body: str


def as_read(message: EmailMessage) -> LetterView:
    """The message as it leaves (SMTP bytes), parsed back as a mail program shows it."""
    parsed = message_from_bytes(message.as_bytes(policy=SMTP_POLICY), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(("plain",))
    body = part.get_content() if isinstance(part, EmailMessage) else ""
    return LetterView(
        sender=str(parsed["From"] or ""),
        to=str(parsed["To"] or ""),
        subject=str(parsed["Subject"] or ""),
        body=str(body),
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    """One line of a review: who gets a letter and what the office should know about it."""

    slug: str
    name: str
    address: str
    #: What the office should know, e.g. "with the PI's link"; the console shows it with t().
    note: str | Bilingual = ""


#: The notes a review shows beside a recipient (one place, so every send says it alike).
PI_NOTE = Bilingual("計畫主持人", "PI")
PI_LINK_NOTE = Bilingual("計畫主持人，附個人連結", "PI, with the PI's link")
CONTACT_NOTE = Bilingual(
    "聯絡信箱（非主持人），不附連結", "profile contact (not the PI's), no link"
)


def confirmation_token(secret: bytes, action: str, recipients: Iterable[Recipient]) -> str:
    """A token for ``action`` bound to exactly these (alliance, address) pairs."""
    items = "\n".join(sorted(f"{r.slug}\t{r.address}" for r in recipients))
    return hmac.new(secret, f"confirm-send\n{action}\n{items}".encode(), hashlib.sha256).hexdigest()


def confirmed(secret: bytes, action: str, recipients: Iterable[Recipient], given: str) -> bool:
    """True when ``given`` is the token of this action and this very recipient list."""
    expected = confirmation_token(secret, action, recipients)
    return bool(given) and hmac.compare_digest(expected, given)


@dataclass(frozen=True, slots=True)
class Review:
    """A mass send waiting for the office's confirmation (rendered by office_confirm_send.html)."""

    action: str  # the endpoint that sends, e.g. 'deadlines.send'
    title: Bilingual  # what is sent, e.g. "3 deadline reminders"
    recipients: tuple[Recipient, ...]
    letter: LetterView | None  # one letter exactly as it will be sent
    token: str
    url_args: tuple[tuple[str, str], ...] = ()  # e.g. (('month', '2026-05'),)
    changed: bool = False  # the office confirmed a list that has changed since

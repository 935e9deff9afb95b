"""A notice draft (``reports/<month>/notices/<slug>.eml``) as the office reads a letter.

The monitor writes each notice as the exact MIME message it would send: headers encoded
(``=?utf-8?b?...?=``) and a base64 body. Opened as it is, that reads as noise; the console shows
the decoded subject, sender, recipients and every text part (the zh-TW and English text, in one
part or two) instead, and keeps the raw file one link away for anyone who needs the bytes.
Only text parts are shown, always as text (autoescaped): a draft is never rendered as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from alliance_portal.registry.bilingual import Bilingual

#: Headers shown above the letter, in this order, with their labels.
SHOWN_HEADERS: tuple[tuple[str, Bilingual], ...] = (
    ("Subject", Bilingual("主旨", "Subject")),
    ("From", Bilingual("寄件人", "From")),
    ("To", Bilingual("收件人", "To")),
    ("Cc", Bilingual("副本", "Cc")),
    ("Reply-To", Bilingual("回覆至", "Reply to")),
    ("Date", Bilingual("日期", "Date")),
)
#: Largest draft read (a notice is a few kB; anything bigger is not one of ours).
MAX_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class LetterPart:
    language: str  # the part's Content-Language, "" when it does not say
    text: str


@dataclass(frozen=True, slots=True)
class LetterHeader:
    """One header above the letter: its label, and its value decoded."""

    label: Bilingual
    value: str


@dataclass(frozen=True, slots=True)
class Letter:
    headers: tuple[LetterHeader, ...]
    parts: tuple[LetterPart, ...]
    subject: str


def _text_of(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    return content if isinstance(content, str) else ""


def read_letter(path: Path) -> Letter | None:
    """The draft at ``path`` decoded, or None when it is too big to be a notice."""
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        return None
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    headers = tuple(
        LetterHeader(label, str(msg[name]))
        for name, label in SHOWN_HEADERS
        if msg[name] is not None
    )
    parts = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        assert isinstance(part, EmailMessage)
        language = str(part["Content-Language"] or "") if part is not msg else ""
        parts.append(LetterPart(language, _text_of(part)))
    return Letter(headers, tuple(parts), str(msg["Subject"] or ""))

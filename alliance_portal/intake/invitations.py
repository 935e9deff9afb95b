"""Sending a person their personal link: the letter, the send, the audit line.

The office console, the PI's form and ``alliance intake send-links`` all send links through
:func:`send_link`, so every link that leaves the office is written the same way (zh-TW first,
then English) and every send is in the audit log, naming the recipient and whether it went
over SMTP or was written as a draft. :func:`link_message` composes the one message; the
office's review of a batch shows that message as it will be sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from alliance_portal.intake.links import LinkSigner
from alliance_portal.intake.mailer import Mailer, MailError, Send, compose
from alliance_portal.intake.people import People, Person
from alliance_portal.registry.audit import AuditLog
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.smtp import header_text


@dataclass(frozen=True, slots=True)
class SentLink:
    """A link that went out: its address (to show the sender) and where the e-mail went."""

    person: Person
    url: str
    where: str  # 'smtp' or the draft's path


#: The letter's subject after the alliance's name (one line, "中文 English").
_SUBJECT = Bilingual("資料上傳個人連結", "Your personal link to the alliance upload form")
_PI_ROLE = Bilingual(
    "您可以在表單中新增計畫助理（輸入助理的電子郵件），每位助理會收到自己的連結；"
    "助理離職時請在表單中移除。",
    "In the form you can add your assistants by e-mail address; each gets their own link. "
    "Remove an assistant in the form when they leave.",
)
_PI_GREETING = Bilingual("計畫主持人您好：", "Dear principal investigator,")
_GREETING = Bilingual("您好：", "Hello,")


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/link/{token}"


def link_letter(
    person: Person, *, alliance_name: str, url: str, days: int, pi_email: str = ""
) -> tuple[str, str]:
    """Subject and body of the e-mail that carries ``url`` to ``person``."""
    name = header_text(alliance_name) or person.slug
    subject = f"{name}：{_SUBJECT.joined(' ')}"
    if person.role == "pi":
        role, greet = _PI_ROLE, _PI_GREETING
    else:
        role = Bilingual(
            f"計畫主持人{f'（{pi_email}）' if pi_email else ''}已將您加為本聯盟的計畫助理。",
            f"The principal investigator{f' ({pi_email})' if pi_email else ''} added you as an "
            "assistant of this alliance.",
        )
        greet = _GREETING
    body = f"""{greet.zh}

這是您更新「{name}」基本資料、上傳入口網橫幅的個人連結（僅供您本人使用，請勿轉寄；{days} 天內有效）：

{url}

{role.zh}
連結失效或遺失時，請直接回覆本信，計畫辦公室會寄新的連結給您。

產學小聯盟計畫辦公室

----------------------------------------------------------------------

{greet.en}

This is your personal link to update the profile of "{name}" and upload its portal banner
(for you only, please do not forward it; it works for {days} days):

{url}

{role.en}
If the link stops working or is lost, reply to this e-mail and the office will send a new one.

The alliance programme office
"""
    return subject, body


def link_message(
    *,
    signer: LinkSigner,
    people: People,
    mailer: Mailer,
    person: Person,
    base_url: str,
    alliance_name: str,
) -> tuple[EmailMessage, str]:
    """The message carrying a fresh link for ``person`` to ``person.email``, and the link.

    Raises :class:`~alliance_portal.intake.mailer.MailError` when the address cannot be used."""
    if not person.email:
        raise MailError(f"{person.slug}: no e-mail address for the {person.role}")
    url = link_url(base_url, signer.make_token(person.slug, person))
    pi = people.pi(person.slug)
    subject, body = link_letter(
        person,
        alliance_name=alliance_name,
        url=url,
        days=signer.max_age.days,
        pi_email=pi.email if pi and person.role == "assistant" else "",
    )
    return compose(to=person.email, subject=subject, body=body, settings=mailer.settings), url


def send_link(
    *,
    signer: LinkSigner,
    people: People,
    audit: AuditLog,
    mailer: Mailer,
    person: Person,
    base_url: str,
    alliance_name: str,
    actor: str,
    remote_addr: str = "",
    acted_by: str = "",
    send: Send | None = None,
) -> SentLink:
    """Issue a fresh link for ``person``, e-mail it (or write the draft), record it.

    Raises :class:`~alliance_portal.intake.mailer.MailError` when the mail server refuses; then
    nothing is recorded as sent (the link itself is valid but has reached nobody). ``send`` is
    a batch's open :meth:`Mailer.session` (one connection for many links); without it the link
    is sent over a session of its own.
    """
    message, url = link_message(
        signer=signer,
        people=people,
        mailer=mailer,
        person=person,
        base_url=base_url,
        alliance_name=alliance_name,
    )
    if send is not None:  # a batch's open session
        where = send(message)
    else:
        with mailer.session() as one:
            where = one(message)
    if not mailer.dry_run:  # a dry run is a look, not a send: the real one still goes out
        people.mark_sent(person.slug, person.pid)
    draft = f"; {'dry run, ' if mailer.dry_run else ''}draft {where}" if where != "smtp" else ""
    audit.record(
        actor=actor,
        action="link.send" if where == "smtp" else "link.draft",
        slug=person.slug,
        remote_addr=remote_addr,
        detail=f"to {person.label}{draft}",
        person=acted_by,
    )
    return SentLink(person, url, where)

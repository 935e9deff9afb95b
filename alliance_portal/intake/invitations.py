"""Sending a person their personal link: the letter, the send, the audit line.

The office console, the PI's form and ``alliance intake send-links`` all send links through
:func:`send_link`, so every link that leaves the office is written the same way (zh-TW first,
then English) and every send is in the audit log, naming the recipient and whether it went
over SMTP or was written as a draft. :func:`link_message` composes the one message; the
office's review of a batch shows that message as it will be sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from alliance_portal.intake.deadlines import DeadlineStatus
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


def letter_names(values: Mapping[str, object]) -> tuple[str, str]:
    """A profile's zh-TW and English names for a letter ("" for a name the profile lacks)."""
    name, name_en = values.get("name"), values.get("name_en")
    return (name if isinstance(name, str) else "", name_en if isinstance(name_en, str) else "")


def letter_due(status: DeadlineStatus) -> dt.date | None:
    """The deadline a link letter names: the one to come, none once it has passed."""
    return status.deadline if status.phase == "open" else None


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/link/{token}"


def _what_to_do(due: dt.date | None) -> Bilingual:
    """What the link is for and by when: the PI learns the year's tasks from this letter, sent
    before the kick-off meeting, so it names them and the deadline in force (if any)."""
    tasks = Bilingual(
        "填寫聯盟基本資料（聯盟簡介、產業別、聯盟網址等）並上傳入口網橫幅（PNG 檔，寬 222、高 112 像素）",
        "fill in the alliance's profile (introduction, industry, website and the rest) and upload "
        "its portal banner (a PNG of 222 × 112 pixels)",
    )
    if due is None:
        return Bilingual(f"請用這個連結{tasks.zh}。", f"Please use it to {tasks.en}.")
    return Bilingual(
        f"請於 {due.year} 年 {due.month} 月 {due.day} 日前{tasks.zh}。",
        f"Please {tasks.en} by {due.isoformat()}.",
    )


def link_letter(
    person: Person,
    *,
    alliance_name: str,
    url: str,
    days: int,
    pi_email: str = "",
    alliance_name_en: str = "",
    due: dt.date | None = None,
) -> tuple[str, str]:
    """Subject and body of the e-mail that carries ``url`` to ``person``: in each language the
    alliance's name in that language (when the profile has one) and what to do by ``due``, the
    submission deadline in force (None when none is)."""
    name = header_text(alliance_name) or person.slug
    name_en = header_text(alliance_name_en) or name
    todo = _what_to_do(due)
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

{todo.zh}
{role.zh}
連結失效或遺失時，請直接回覆本信，計畫辦公室會寄新的連結給您。

產學小聯盟計畫辦公室

----------------------------------------------------------------------

{greet.en}

This is your personal link to update the profile of "{name_en}" and upload its portal banner
(for you only, please do not forward it; it works for {days} days):

{url}

{todo.en}
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
    alliance_name_en: str = "",
    due: dt.date | None = None,
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
        alliance_name_en=alliance_name_en,
        due=due,
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
    alliance_name_en: str = "",
    due: dt.date | None = None,
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
        alliance_name_en=alliance_name_en,
        due=due,
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

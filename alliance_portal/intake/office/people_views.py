"""The office's 帳號與權限 page: per alliance, who has access and when each last used it.

From here the office records each PI's e-mail address, sends (or resends) the PI's personal
link, revokes every link of an alliance, and removes an assistant. It is a blueprint of its
own (``/office/people/``) that the office console links to. Every action is in the audit log.

A PI's link goes only to the PI's address as the office recorded it here (or with ``intake
set-pi``): never to the profile's ``contact_email``, which the alliance itself edits and which
is often an assistant's. Links are e-mailed only on the form's configured public address.
Sending to every PI not yet sent a link is reviewed first (who, how many, one letter exactly
as sent) and confirmed with a token bound to that list (:mod:`alliance_portal.intake.letters`);
inactive alliances are never written to, and one failing message never stops the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.invitations import link_message, link_url, send_link
from alliance_portal.intake.letters import (
    PI_NOTE,
    Recipient,
    Review,
    as_read,
    confirmation_token,
    confirmed,
)
from alliance_portal.intake.links import LinkRecord
from alliance_portal.intake.mailer import MailError, Send
from alliance_portal.intake.messages import Text
from alliance_portal.intake.office.filters import FILTERS, filter_rows
from alliance_portal.intake.people import PeopleError, Person
from alliance_portal.intake.people_notice import (
    NO_PUBLIC_URL,
    PEOPLE_ERRORS,
    PeopleNotice,
    copy_base_url,
    letter_facts,
    public_url,
)
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError, check_slug, known_slugs
from alliance_portal.registry.bilingual import Bilingual

bp = Blueprint("people", __name__, template_folder="templates", url_prefix="/office/people")

OFFICE = "office"
SEND_NEW_ACTION = "people.send-new"


@dataclass(slots=True)
class AccessRow:
    """One alliance on the page: its PI, its assistants (removed ones too) and its links."""

    slug: str
    name: str
    contact_email: str
    pi: Person | None
    assistants: list[Person] = field(default_factory=list)
    removed: list[Person] = field(default_factory=list)
    link: LinkRecord | None = None
    active: bool = True  # False: the office took it off the portal (never written to)
    name_en: str = ""  # the English name, shown on the English console page when set

    @property
    def pi_email(self) -> str:
        return self.pi.email if self.pi and self.pi.email else ""


def _slugs() -> list[str]:
    svc = services()
    return known_slugs(svc.store.content_dir, svc.versions.all(), svc.people.all())


def access_rows() -> list[AccessRow]:
    svc = services()
    links = svc.versions.all()
    everyone = svc.people.all()
    rows = []
    for slug in _slugs():
        values = svc.store.read_profile(slug).values
        name, email = values.get("name"), values.get("contact_email")
        name_en = values.get("name_en")
        active = values.get("active") is not False
        people = everyone.get(slug, [])
        rows.append(
            AccessRow(
                slug=slug,
                name=name if isinstance(name, str) else "",
                contact_email=email if isinstance(email, str) else "",
                pi=next((p for p in people if p.role == "pi"), None),
                assistants=[p for p in people if p.role == "assistant" and p.active],
                removed=[p for p in people if p.role == "assistant" and not p.active],
                link=links.get(slug),
                active=active,
                name_en=name_en if isinstance(name_en, str) else "",
            )
        )
    return rows


def _page(
    notice: PeopleNotice | None = None,
    *,
    focus: str = "",
    status: int = 200,
    review: Review | None = None,
) -> tuple[str, int]:
    svc = services()
    listing = filter_rows(access_rows(), lambda r: f"{r.name} {r.name_en} {r.contact_email}")
    body = render_template(
        "office_people.html",
        rows=listing.rows,
        listing=listing,
        filters=FILTERS,
        notice=notice,
        focus=focus,
        mail_mode=svc.mailer.mode,
        link_days=svc.config.link_max_age.days,
        public_url=public_url(),
        review=review,
    )
    return body, status


def _slug_or_404(slug: str) -> str | None:
    try:
        check_slug(slug)
    except StorageError:
        return None
    return slug if slug in _slugs() else None


def _not_found() -> tuple[str, int]:
    return _page(
        PeopleNotice(Text("找不到這個聯盟。", "No such alliance."), error=True), status=404
    )


@bp.get("/")
@office_required
def page() -> tuple[str, int]:
    return _page()


@bp.post("/<slug>/pi")
@office_required
def set_pi(slug: str) -> tuple[str, int]:
    if _slug_or_404(slug) is None:
        return _not_found()
    svc = services()
    try:
        pi = svc.people.set_pi(slug, request.form.get("email", ""), by=OFFICE)
    except PeopleError as exc:
        notice = PeopleNotice(PEOPLE_ERRORS.get(exc.code, Text(str(exc), str(exc))), error=True)
        return _page(notice, focus=slug, status=422)
    svc.audit.record(
        actor=OFFICE, action="people.pi", slug=slug, remote_addr=client_address(), detail=pi.label
    )
    text = Text(
        f"{slug}：計畫主持人信箱已設為 {pi.email}。", f"{slug}: the PI's e-mail is now {pi.email}."
    )
    return _page(PeopleNotice(text), focus=slug)


def _recorded_pi(slug: str) -> Person | None:
    """The PI's record with the address the office recorded; None when there is none.

    Never the profile's contact_email: the alliance edits that (often an assistant's), and a
    PI link sent there would give whoever set it the PI's rights."""
    pi = services().people.pi(slug)
    return pi if pi is not None and pi.email else None


def _no_pi_address(slug: str) -> PeopleNotice:
    return PeopleNotice(
        Text(
            f"{slug}：尚未記錄計畫主持人的電子郵件，請先在下方「主持人信箱」填寫並儲存"
            "（個人連結只寄給辦公室記錄的主持人信箱，不寄給基本資料中的聯絡信箱）。",
            f"{slug}: the PI's e-mail address is not recorded; enter it under “PI's e-mail” "
            "below and save it first (the PI's link goes only to the address the office "
            "recorded, never to the profile's contact e-mail).",
        ),
        error=True,
    )


def _send_pi_link(slug: str, how: str, send: Send | None = None) -> PeopleNotice:
    svc = services()
    pi = _recorded_pi(slug)
    if pi is None:
        return _no_pi_address(slug)
    if how != "email":
        url = link_url(copy_base_url(), svc.signer.make_token(slug, pi))
        svc.audit.record(
            actor=OFFICE,
            action="link.issue",
            slug=slug,
            remote_addr=client_address(),
            detail=f"for {pi.label}; shown to the office to copy",
        )
        return PeopleNotice(
            Text(f"{slug}：計畫主持人的新連結如下。", f"{slug}: the PI's new link is below."), url
        )
    if not public_url():
        return PeopleNotice(NO_PUBLIC_URL, error=True)
    if svc.store.read_profile(slug).values.get("active") is False:
        return PeopleNotice(
            Text(
                f"{slug}：此聯盟已停用，不寄信；請先在聯盟資料中重新啟用。",
                f"{slug}: this alliance is inactive and is never written to; activate it first.",
            ),
            error=True,
        )
    try:
        sent = send_link(
            signer=svc.signer,
            people=svc.people,
            audit=svc.audit,
            mailer=svc.mailer,
            person=pi,
            base_url=public_url(),
            **letter_facts(slug),
            actor=OFFICE,
            remote_addr=client_address(),
            send=send,
        )
    except MailError as exc:
        return PeopleNotice(
            Text(
                f"{slug}：信件未寄出（郵件伺服器未接受或地址無法使用）。",
                f"{slug}: the e-mail was not sent: {exc}",
            ),
            error=True,
        )
    if sent.where == "smtp":
        return PeopleNotice(
            Text(
                f"{slug}：已寄出個人連結給 {pi.email}。",
                f"{slug}: the link was e-mailed to {pi.email}.",
            )
        )
    return PeopleNotice(
        Text(
            f"{slug}：未設定郵件伺服器，信件存為草稿 {sent.where}。",
            f"{slug}: no mail server is set up; the e-mail was saved as the draft {sent.where}.",
        ),
        sent.url,
    )


@bp.post("/<slug>/send")
@office_required
def send(slug: str) -> tuple[str, int]:
    if _slug_or_404(slug) is None:
        return _not_found()
    notice = _send_pi_link(slug, request.form.get("how", "email"))
    return _page(notice, focus=slug, status=422 if notice.error else 200)


def _new_link_review(*, changed: bool = False) -> tuple[Review, list[AccessRow]]:
    """Every active alliance whose recorded PI has not been sent a link: the review, and the
    active alliances left out because no PI address is recorded."""
    svc = services()
    rows = [r for r in access_rows() if r.active]
    todo = [r for r in rows if r.pi is not None and r.pi.email and not r.pi.link_sent]
    unknown = [r for r in rows if not r.pi_email]
    recipients = tuple(Recipient(r.slug, r.name, r.pi_email, PI_NOTE) for r in todo)
    letter = None
    if todo and public_url():
        first = todo[0]
        assert first.pi is not None
        try:
            letter = as_read(
                link_message(
                    signer=svc.signer,
                    people=svc.people,
                    mailer=svc.mailer,
                    person=first.pi,
                    base_url=public_url(),
                    **letter_facts(first.slug),
                )[0]
            )
        except MailError:
            letter = None
    review = Review(
        action="people.send_new",
        title=Bilingual(
            f"個人連結給 {len(recipients)} 位計畫主持人", f"personal links to {len(recipients)} PIs"
        ),
        recipients=recipients,
        letter=letter,
        token=confirmation_token(svc.config.secret, SEND_NEW_ACTION, recipients),
        changed=changed,
    )
    return review, unknown


@bp.post("/send-new")
@office_required
def send_new() -> tuple[str, int]:
    """E-mail the PI's link to every active alliance whose recorded PI has not had one yet.

    First POST: the review; second, with the token bound to that list: the send, each
    message on its own (a refused one is reported and the rest still go)."""
    if not public_url():
        return _page(PeopleNotice(NO_PUBLIC_URL, error=True), status=409)
    review, unknown = _new_link_review()
    given = request.form.get("confirm", "")
    if not confirmed(services().config.secret, SEND_NEW_ACTION, review.recipients, given):
        if given:
            return _page(review=replace(review, changed=True), status=409)
        return _page(review=review)
    sent: list[str] = []
    failed: list[str] = []
    try:
        with services().mailer.session() as send:  # one connection; reconnects if dropped
            for recipient in review.recipients:
                notice = _send_pi_link(recipient.slug, "email", send)
                (failed if notice.error else sent).append(recipient.slug)
    except MailError as exc:  # the server could not be reached at all: nothing was sent
        text = Text(
            "沒有寄出任何連結：無法連上郵件伺服器，請稍後再試或請系統管理員檢查郵件設定。",
            f"No link was sent: {exc}",
        )
        return _page(PeopleNotice(text, error=True), status=502)
    text = Text(
        f"已寄出 {len(sent)} 封；未記錄主持人信箱而略過 {len(unknown)} 個聯盟"
        + (f"；未寄出（郵件伺服器未接受或地址無法使用）：{'、'.join(failed)}" if failed else "")
        + "。",
        f"Sent {len(sent)}; skipped {len(unknown)} alliances whose PI address is not recorded"
        + (f"; not sent (refused by the mail server or a bad address): {', '.join(failed)}"
           if failed else "")
        + ".",
    )  # fmt: skip
    return _page(PeopleNotice(text, error=bool(failed)), status=502 if failed else 200)


@bp.post("/<slug>/revoke")
@office_required
def revoke(slug: str) -> tuple[str, int]:
    if _slug_or_404(slug) is None:
        return _not_found()
    svc = services()
    version = svc.versions.revoke(slug)
    svc.audit.record(
        actor=OFFICE,
        action="link.revoke",
        slug=slug,
        remote_addr=client_address(),
        detail=f"now v{version}",
    )
    text = Text(
        f"{slug}：主持人與助理的舊連結與登入都已停用；請寄送新連結給計畫主持人，主持人再於表單中寄新連結給助理。",
        f"{slug}: every earlier link and session (PI and assistants) is revoked; send the PI a new "
        "link, and the PI sends the assistants new ones from the form.",
    )
    return _page(PeopleNotice(text), focus=slug)


@bp.post("/<slug>/<pid>/remove")
@office_required
def remove(slug: str, pid: str) -> tuple[str, int] | Response:
    if _slug_or_404(slug) is None:
        return _not_found()
    svc = services()
    try:
        person = svc.people.remove(slug, pid, by=OFFICE)
    except PeopleError as exc:
        notice = PeopleNotice(PEOPLE_ERRORS.get(exc.code, Text(str(exc), str(exc))), error=True)
        return _page(notice, focus=slug, status=404)
    svc.audit.record(
        actor=OFFICE,
        action="people.remove",
        slug=slug,
        remote_addr=client_address(),
        detail=person.label,
    )
    text = Text(
        f"{slug}：已移除 {person.email}，對方的連結與登入即刻失效。",
        f"{slug}: {person.email} was removed; their link and sessions stop working now.",
    )
    return _page(PeopleNotice(text), focus=slug)

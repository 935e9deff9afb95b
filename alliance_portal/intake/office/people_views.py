"""The office's 帳號與權限 page: per alliance, who has access and when each last used it.

From here the office records each PI's e-mail address, sends (or resends) the PI's personal
link, revokes every link of an alliance, and removes an assistant. It is a blueprint of its
own (``/office/people/``) that the office console links to. Every action is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.invitations import link_url, send_link
from alliance_portal.intake.links import LinkRecord
from alliance_portal.intake.mailer import MailError
from alliance_portal.intake.messages import Text
from alliance_portal.intake.people import PeopleError, Person
from alliance_portal.intake.people_notice import PEOPLE_ERRORS, PeopleNotice, base_url
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError, check_slug, known_slugs

bp = Blueprint("people", __name__, template_folder="templates", url_prefix="/office/people")

OFFICE = "office"


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
            )
        )
    return rows


def _page(
    notice: PeopleNotice | None = None, *, focus: str = "", status: int = 200
) -> tuple[str, int]:
    svc = services()
    body = render_template(
        "office_people.html",
        rows=access_rows(),
        notice=notice,
        focus=focus,
        mail_mode=svc.mailer.mode,
        link_days=svc.config.link_max_age.days,
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


def _pi_for_sending(slug: str) -> Person | None:
    """The PI's record; started from the profile's contact e-mail when the office set none."""
    svc = services()
    pi = svc.people.pi(slug)
    if pi is not None and pi.email:
        return pi
    email = svc.store.read_profile(slug).values.get("contact_email")
    if not isinstance(email, str) or not email:
        return None
    try:
        return svc.people.set_pi(slug, email, by=OFFICE)
    except PeopleError:
        return None


def _send_pi_link(slug: str, how: str) -> PeopleNotice:
    svc = services()
    pi = _pi_for_sending(slug)
    if pi is None:
        return PeopleNotice(
            Text(
                f"{slug}：沒有計畫主持人的電子郵件，請先在下方填寫。",
                f"{slug}: no e-mail address for the PI; enter it below first.",
            ),
            error=True,
        )
    if how != "email":
        url = link_url(base_url(), svc.signer.make_token(slug, pi))
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
    name = svc.store.read_profile(slug).values.get("name")
    try:
        sent = send_link(
            signer=svc.signer,
            people=svc.people,
            audit=svc.audit,
            mailer=svc.mailer,
            person=pi,
            base_url=base_url(),
            alliance_name=name if isinstance(name, str) else "",
            actor=OFFICE,
            remote_addr=client_address(),
        )
    except MailError as exc:
        return PeopleNotice(
            Text(f"{slug}：信件未寄出：{exc}", f"{slug}: the e-mail was not sent: {exc}"),
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


@bp.post("/send-new")
@office_required
def send_new() -> tuple[str, int]:
    """E-mail the PI's link to every alliance whose PI has not been sent one yet."""
    sent: list[str] = []
    failed: list[str] = []
    skipped: list[str] = []
    for row in access_rows():
        if row.pi is not None and row.pi.link_sent:
            continue
        if not (row.pi_email or row.contact_email):
            skipped.append(row.slug)
            continue
        notice = _send_pi_link(row.slug, "email")
        (failed if notice.error else sent).append(row.slug)
        if notice.error:
            break  # the mail server is down: the rest would fail the same way
    text = Text(
        f"已寄出 {len(sent)} 封；沒有信箱而略過 {len(skipped)} 個聯盟"
        + (f"；失敗：{', '.join(failed)}" if failed else "")
        + "。",
        f"Sent {len(sent)}; skipped {len(skipped)} alliances without an e-mail address"
        + (f"; failed: {', '.join(failed)}" if failed else "")
        + ".",
    )
    return _page(PeopleNotice(text, error=bool(failed)))


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

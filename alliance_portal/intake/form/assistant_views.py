"""The PI's 設定助理: add assistants by e-mail, send them a new link, remove them.

Only the PI, signed in with the PI's own link, may change who has access; an assistant sees
the form but not these controls, and gets 403 from these routes. Every change is in the
audit log naming the PI who made it. A link for an assistant is e-mailed to them, and also
shown once to the PI so that it can be copied when e-mail does not arrive.
"""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import alliance_required, current_access
from alliance_portal.intake.errors import error_page
from alliance_portal.intake.form.profile_views import acting_person, render_home
from alliance_portal.intake.invitations import link_url, send_link
from alliance_portal.intake.mailer import MailError
from alliance_portal.intake.messages import Text
from alliance_portal.intake.people import PeopleError, Person
from alliance_portal.intake.people_notice import (
    PEOPLE_ERRORS,
    PeopleNotice,
    copy_base_url,
    letter_facts,
    public_url,
)
from alliance_portal.intake.security import client_address, enforce
from alliance_portal.intake.services import services

bp = Blueprint(
    "assistants", __name__, template_folder="templates", url_prefix="/alliance/assistants"
)


def _pi_only() -> tuple[str, int] | None:
    access = current_access()
    if access is None or not access.is_pi:
        return error_page("pi-only", 403)
    return None


def _deliver(person: Person, how: str) -> PeopleNotice:
    """E-mail a new link to ``person`` (``how`` == 'email') or only show it to the PI to copy."""
    svc = services()
    who = acting_person()
    if how != "email":
        url = link_url(copy_base_url(), svc.signer.make_token(person.slug, person))
        svc.audit.record(
            actor=f"alliance:{person.slug}",
            action="link.issue",
            slug=person.slug,
            remote_addr=client_address(),
            detail=f"for {person.label}; shown to the PI to copy",
            person=who,
        )
        return PeopleNotice(
            Text(
                f"已產生 {person.email} 的個人連結，請複製下方連結交給助理。",
                f"A personal link for {person.email} is ready; copy it below and give it to them.",
            ),
            url,
        )
    if not public_url():  # links are e-mailed only on the configured address
        url = link_url(copy_base_url(), svc.signer.make_token(person.slug, person))
        return PeopleNotice(
            Text(
                f"計畫辦公室尚未設定表單的公開網址，所以沒有寄信給 {person.email}。請複製下方連結，自行交給助理。",
                f"The office has not set the form's public address, so no e-mail went to "
                f"{person.email}. Copy the link below and give it to them yourself.",
            ),
            url,
            error=True,
        )
    try:
        sent = send_link(
            signer=svc.signer,
            people=svc.people,
            audit=svc.audit,
            mailer=svc.mailer,
            person=person,
            base_url=public_url(),
            **letter_facts(person.slug),
            actor=f"alliance:{person.slug}",
            remote_addr=client_address(),
            acted_by=who,
        )
    except MailError:
        url = link_url(copy_base_url(), svc.signer.make_token(person.slug, person))
        return PeopleNotice(
            Text(
                f"無法寄信給 {person.email}（郵件伺服器未回應）。請複製下方連結，自行交給助理。",
                f"The e-mail to {person.email} could not be sent (the mail server did not "
                "answer). Copy the link below and give it to them yourself.",
            ),
            url,
            error=True,
        )
    if sent.where == "smtp":
        text = Text(
            f"已寄出個人連結給 {person.email}。下方是同一位助理的連結，如對方沒收到信可複製給對方。",
            f"The personal link was e-mailed to {person.email}. If it does not arrive, copy the "
            "link below and give it to them.",
        )
    else:
        text = Text(
            f"尚未設定郵件伺服器，信件已存為草稿交由計畫辦公室處理；請複製下方連結交給 {person.email}。",
            f"No mail server is set up, so the e-mail was kept as a draft for the office; copy "
            f"the link below and give it to {person.email}.",
        )
    return PeopleNotice(text, sent.url)


@bp.post("/")
@alliance_required
def add() -> Response | tuple[str, int]:
    svc = services()
    if (refused := _pi_only()) is not None:
        return refused
    access = current_access()
    assert access is not None
    enforce(f"alliance:{access.slug}", svc.config.alliance_post_limit)
    try:
        person = svc.people.add_assistant(
            access.slug, request.form.get("email", ""), by=acting_person()
        )
    except PeopleError as exc:
        notice = PeopleNotice(PEOPLE_ERRORS.get(exc.code, Text(str(exc), str(exc))), error=True)
        return render_home(people_notice=notice, status=422)
    svc.audit.record(
        actor=f"alliance:{access.slug}",
        action="people.add",
        slug=access.slug,
        remote_addr=client_address(),
        detail=f"{person.label} (link v{person.version})",
        person=acting_person(),
    )
    return render_home(people_notice=_deliver(person, request.form.get("how", "email")))


@bp.post("/<pid>/link")
@alliance_required
def new_link(pid: str) -> Response | tuple[str, int]:
    svc = services()
    if (refused := _pi_only()) is not None:
        return refused
    access = current_access()
    assert access is not None
    enforce(f"alliance:{access.slug}", svc.config.alliance_post_limit)
    person = svc.people.get(access.slug, pid)
    if person is None or person.role != "assistant" or not person.active:
        notice = PeopleNotice(PEOPLE_ERRORS["unknown"], error=True)
        return render_home(people_notice=notice, status=404)
    return render_home(people_notice=_deliver(person, request.form.get("how", "email")))


@bp.post("/<pid>/remove")
@alliance_required
def remove(pid: str) -> Response | tuple[str, int]:
    svc = services()
    if (refused := _pi_only()) is not None:
        return refused
    access = current_access()
    assert access is not None
    enforce(f"alliance:{access.slug}", svc.config.alliance_post_limit)
    try:
        person = svc.people.remove(access.slug, pid, by=acting_person())
    except PeopleError as exc:
        notice = PeopleNotice(PEOPLE_ERRORS.get(exc.code, Text(str(exc), str(exc))), error=True)
        return render_home(people_notice=notice, status=404)
    svc.audit.record(
        actor=f"alliance:{access.slug}",
        action="people.remove",
        slug=access.slug,
        remote_addr=client_address(),
        detail=person.label,
        person=acting_person(),
    )
    notice = PeopleNotice(
        Text(
            f"已移除 {person.email}：對方的連結與登入即刻失效。",
            f"{person.email} was removed: their link and open sessions stop working now.",
        )
    )
    return render_home(people_notice=notice)

"""The office's 截止日與提醒 page: the deadline of each programme year and the reminders.

The office sets a programme year's deadline (default 30 April; western or ROC dates) and the
reminder days, sees which reminder is due and to whom, reads one reminder exactly as it will
be sent (the message :meth:`ReminderService.message` composes, shown by :func:`as_read`), and
sends them after confirming the list (:mod:`alliance_portal.intake.letters`). The address the
links in reminders are built on is the form's one public address, shown here read-only. The
scheduler sends the same reminders by itself each day; each alliance gets each one once
whichever sends first (see :mod:`.reminders`). Every change and send is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from flask import Blueprint, render_template, request

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.deadlines import (
    DEFAULT_MONTH_DAY,
    DeadlineError,
    DeadlineStatus,
    parse_date,
    parse_days,
    parse_programme_year,
    year_deadlines,
)
from alliance_portal.intake.letters import (
    CONTACT_NOTE,
    PI_LINK_NOTE,
    LetterView,
    Recipient,
    Review,
    as_read,
    confirmed,
)
from alliance_portal.intake.letters import confirmation_token as token_for
from alliance_portal.intake.mailer import MailError
from alliance_portal.intake.messages import Text
from alliance_portal.intake.people_notice import PeopleNotice, public_url
from alliance_portal.intake.reminder_letter import MISSING_TEXT
from alliance_portal.intake.reminders import Reminder, ReminderPlan, Stage, stages_of
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services
from alliance_portal.registry.bilingual import Bilingual

bp = Blueprint("deadlines", __name__, template_folder="templates", url_prefix="/office/deadlines")

SEND_ACTION = "reminders.send"


@bp.app_context_processor
def _deadline_in_templates() -> dict[str, Callable[[], DeadlineStatus]]:
    """``deadline_status()`` in every template (the office overview shows it too)."""
    return {"deadline_status": lambda: services().deadline_status()}


def _form_values(state: DeadlineStatus, today: dt.date) -> tuple[str, str]:
    """What the deadline form shows: the deadline in force and its programme year (so saving
    again keeps it), or next year's when none is in force."""
    svc = services()
    known = year_deadlines(svc.deadlines.read(), today, svc.config.deadline)
    if state.deadline is not None:
        year = next((y for y, d in known.items() if d == state.deadline), state.deadline.year)
        return str(year), state.deadline.isoformat()
    year = today.year + 1
    month, day = DEFAULT_MONTH_DAY
    return str(year), known.get(year, dt.date(year, month, day)).isoformat()


def _recipient(r: Reminder, link_ok: bool) -> Recipient:
    note = (PI_LINK_NOTE if link_ok else "") if r.to_pi else CONTACT_NOTE
    return Recipient(r.slug, r.name, r.recipient, note)


def _preview(plan: ReminderPlan, stage: Stage | None) -> tuple[LetterView | None, str]:
    """The first reminder exactly as it will be sent, or why it cannot be written."""
    svc = services()
    if stage is None:
        return None, ""
    candidates = svc.reminders.sendable(plan) or [r for r in plan.reminders if r.recipient]
    if not candidates:
        return None, ""
    try:
        return as_read(svc.reminders.message(candidates[0], stage)), candidates[0].slug
    except MailError as exc:
        return None, f"{candidates[0].slug}: {exc}"


def _review(plan: ReminderPlan, *, changed: bool = False) -> Review:
    svc = services()
    todo = svc.reminders.sendable(plan)
    link_ok = svc.reminders.link_problem() is None
    recipients = tuple(_recipient(r, link_ok) for r in todo)
    letter, _ = _preview(ReminderPlan(plan.stage, todo), plan.stage)
    return Review(
        action="deadlines.send",
        title=Bilingual(f"{len(todo)} 封截止日提醒", f"{len(todo)} deadline reminders"),
        recipients=recipients,
        letter=letter,
        token=token_for(svc.config.secret, SEND_ACTION, recipients),
        changed=changed,
    )


def _page(
    notice: PeopleNotice | None = None,
    status: int = 200,
    *,
    review: Review | None = None,
    form: tuple[str, str] | None = None,
) -> tuple[str, int]:
    svc = services()
    settings = svc.deadlines.read()
    today = dt.date.today()
    state = svc.deadline_status(today)
    plan = svc.reminders.plan(today)
    stage = plan.stage
    upcoming = None
    if stage is None and state.deadline is not None:
        upcoming = next((s for s in stages_of(state.deadline, settings) if s.day > today), None)
    preview_stage = stage or upcoming
    preview_plan = plan if stage else (svc.reminders.plan(today, upcoming) if upcoming else plan)
    letter, letter_of = _preview(preview_plan, preview_stage)
    link_problem = svc.reminders.link_problem()
    if not any(r.to_pi for r in preview_plan.reminders):
        link_problem = None  # no reminder here would carry a link: nothing is held back
    form_year, form_date = form or _form_values(state, today)
    body = render_template(
        "office_deadlines.html",
        settings=settings,
        state=state,
        plan=plan,
        sendable=svc.reminders.sendable(plan) if stage else [],
        upcoming=upcoming,
        preview_plan=preview_plan,
        letter=letter,
        letter_of=letter_of,
        link_problem=link_problem,
        public_url=public_url(),
        missing_text=MISSING_TEXT,
        mail_mode=svc.mailer.mode,
        notice=notice,
        review=review,
        form_year=form_year,
        form_date=form_date,
    )
    return body, status


@bp.get("/")
@office_required
def page() -> tuple[str, int]:
    return _page()


def _error(exc: DeadlineError, form: tuple[str, str] | None = None) -> tuple[str, int]:
    text = Text(f"未儲存：{exc.zh}", f"Not saved: {exc}")
    return _page(PeopleNotice(text, error=True), 422, form=form)


@bp.post("/year")
@office_required
def set_year() -> tuple[str, int]:
    svc = services()
    written = (request.form.get("year", "").strip(), request.form.get("date", "").strip())
    try:
        year = parse_programme_year(written[0])
        day = parse_date(written[1])
        svc.deadlines.write(svc.deadlines.read().with_deadline(year, day))
    except DeadlineError as exc:
        return _error(exc, written)
    svc.audit.record(
        actor="office",
        action="deadline.set",
        slug="",
        remote_addr=client_address(),
        detail=f"{year}: {day.isoformat()}",
    )
    text = Text(
        f"{year} 年度的截止日已設為 {day.year} 年 {day.month} 月 {day.day} 日。",
        f"The {year} deadline is now {day.isoformat()}.",
    )
    return _page(PeopleNotice(text), form=(str(year), day.isoformat()))


@bp.post("/reminders")
@office_required
def set_reminders() -> tuple[str, int]:
    svc = services()
    try:
        before = parse_days(request.form.get("before", ""))
        after_text = request.form.get("after", "0").strip() or "0"
        if not after_text.isdigit():
            raise DeadlineError(
                f"{after_text!r} is not a number of days; write e.g. 7, or 0",
                f"「{after_text}」不是天數，請寫成例如 7，或 0",
            )
        settings = replace(svc.deadlines.read(), before=before, after=int(after_text))
        svc.deadlines.write(settings)
    except DeadlineError as exc:
        return _error(exc)
    svc.audit.record(
        actor="office",
        action="reminders.set",
        slug="",
        remote_addr=client_address(),
        detail=f"before {list(before)} after {settings.after}",
    )
    return _page(PeopleNotice(Text("提醒設定已儲存。", "The reminder settings are saved.")))


@bp.post("/send")
@office_required
def send() -> tuple[str, int]:
    """First POST: the review (count, one letter, every recipient); second, with the token
    bound to that list: the send. A list that changed in between is shown again, unsent."""
    svc = services()
    plan = svc.reminders.plan()
    if plan.stage is None:
        text = Text("今天沒有要寄的提醒。", "No reminder is due today.")
        return _page(PeopleNotice(text, error=True), 409)
    review = _review(plan)
    given = request.form.get("confirm", "")
    if not confirmed(svc.config.secret, SEND_ACTION, review.recipients, given):
        if given:
            return _page(review=replace(review, changed=True), status=409)
        return _page(review=review)
    try:
        result = svc.reminders.send(
            plan,
            actor="office",
            remote_addr=client_address(),
            only=[r.slug for r in review.recipients],
        )
    except MailError as exc:
        return _page(
            PeopleNotice(Text(f"提醒未寄出：{exc}", f"No reminder was sent: {exc}"), error=True),
            502,
        )
    return _page(_result_notice(result.sent, result.drafts, result.failed))


def _result_notice(sent: list[str], drafts: list[str], failed: dict[str, str]) -> PeopleNotice:
    """What a send did, each failure named per alliance (the rest of the batch went on)."""
    zh = f"已寄出 {len(sent)} 封提醒、存成草稿 {len(drafts)} 封。"
    en = f"Sent {len(sent)} reminders, {len(drafts)} saved as drafts."
    if failed:
        zh += (
            f"{len(failed)} 封未寄出（郵件伺服器未接受或地址無法使用，下次寄送時會再試）："
            + "；".join(f"{slug}：{why}" for slug, why in failed.items())
            + "。"
        )
        en += f" {len(failed)} not sent (tried again at the next send): " + "; ".join(
            f"{slug}: {why}" for slug, why in failed.items()
        )
    return PeopleNotice(Text(zh, en), error=bool(failed))

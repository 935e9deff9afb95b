"""The office's 截止日與提醒 page: the deadline of each programme year and the reminders.

The office sets a programme year's deadline (default 30 April) and the reminder days, sees
which reminder is due and to whom, reads the e-mail before it goes, and sends it. The
scheduler sends the same reminders by itself each day; each alliance gets each one once
whichever sends first (see :mod:`.reminders`). A blueprint of its own (``/office/deadlines/``)
that the office console links to; every change and send is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Blueprint, render_template, request

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.deadlines import DeadlineError, DeadlineStatus, parse_days
from alliance_portal.intake.mailer import MailError
from alliance_portal.intake.messages import Text
from alliance_portal.intake.people_notice import PeopleNotice, base_url
from alliance_portal.intake.reminders import MISSING_TEXT, stages_of
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services

bp = Blueprint("deadlines", __name__, template_folder="templates", url_prefix="/office/deadlines")


@bp.app_context_processor
def _deadline_in_templates() -> dict[str, Callable[[], DeadlineStatus]]:
    """``deadline_status()`` in every template (the office overview shows it too)."""
    return {"deadline_status": lambda: services().deadline_status()}


def _page(notice: PeopleNotice | None = None, status: int = 200) -> tuple[str, int]:
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
    preview = None
    if preview_stage is not None and preview_plan.reminders:
        first = preview_plan.reminders[0]
        preview = svc.reminders.letter(first, preview_stage, with_link=False)
    body = render_template(
        "office_deadlines.html",
        settings=settings,
        state=state,
        plan=plan,
        upcoming=upcoming,
        preview_plan=preview_plan,
        preview=preview,
        missing_text=MISSING_TEXT,
        mail_mode=svc.mailer.mode,
        notice=notice,
        this_year=today.year,
        form_url=settings.form_url or base_url(),
    )
    return body, status


@bp.get("/")
@office_required
def page() -> tuple[str, int]:
    return _page()


def _error(exc: Exception) -> tuple[str, int]:
    return _page(PeopleNotice(Text(f"未儲存：{exc}", f"Not saved: {exc}"), error=True), 422)


@bp.post("/year")
@office_required
def set_year() -> tuple[str, int]:
    svc = services()
    try:
        year = int(request.form.get("year", ""))
        day = dt.date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        return _error(ValueError("write the year as 2027 and the date as 2027-04-30"))
    try:
        svc.deadlines.write(svc.deadlines.read().with_deadline(year, day))
    except DeadlineError as exc:
        return _error(exc)
    svc.audit.record(
        actor="office",
        action="deadline.set",
        slug="",
        remote_addr=client_address(),
        detail=f"{year}: {day.isoformat()}",
    )
    text = Text(
        f"{year} 年度的截止日已設為 {day.isoformat()}。",
        f"The {year} deadline is now {day.isoformat()}.",
    )
    return _page(PeopleNotice(text))


@bp.post("/reminders")
@office_required
def set_reminders() -> tuple[str, int]:
    svc = services()
    from dataclasses import replace

    try:
        before = parse_days(request.form.get("before", ""))
        after_text = request.form.get("after", "0").strip() or "0"
        if not after_text.isdigit():
            raise DeadlineError(f"{after_text!r} is not a number of days; write e.g. 7, or 0")
        form_url = request.form.get("form_url", "").strip()
        if form_url and not form_url.startswith(("https://", "http://")):
            raise DeadlineError(f"{form_url!r} must start with https:// or http://")
        settings = replace(
            svc.deadlines.read(), before=before, after=int(after_text), form_url=form_url
        )
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
    svc = services()
    plan = svc.reminders.plan()
    if plan.stage is None:
        text = Text("今天沒有要寄的提醒。", "No reminder is due today.")
        return _page(PeopleNotice(text, error=True), 409)
    try:
        result = svc.reminders.send(plan, actor="office", remote_addr=client_address())
    except MailError as exc:
        return _page(
            PeopleNotice(Text(f"提醒未寄出：{exc}", f"No reminder was sent: {exc}"), error=True),
            502,
        )
    failed = "; ".join(f"{slug}: {why}" for slug, why in result.failed.items())
    text = Text(
        f"已寄出 {len(result.sent)} 封提醒、存成草稿 {len(result.drafts)} 封"
        + (f"；失敗：{failed}" if failed else "")
        + "。",
        f"Sent {len(result.sent)} reminders, {len(result.drafts)} saved as drafts"
        + (f"; failed: {failed}" if failed else "")
        + ".",
    )
    return _page(PeopleNotice(text, error=bool(failed)), 502 if failed else 200)

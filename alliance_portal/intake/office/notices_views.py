"""The console's notices: preview a month's notices to alliances, then send them.

The notices themselves are the monitor's (planned, rendered and sent by the composition
root's ``notices`` hook); each alliance gets a month's notice once, so a second send only
lists them as already sent. Sending is confirmed like every mass send
(:mod:`alliance_portal.intake.letters`): the first POST shows the review (how many, one letter
as sent, every recipient) with a token bound to that list; the second POST, with the token,
sends; a list that changed in between is shown again, and nothing is sent.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from alliance_portal.intake import report_files
from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.letters import (
    PI_LINK_NOTE,
    LetterView,
    Recipient,
    Review,
    confirmation_token,
    confirmed,
)
from alliance_portal.intake.office_hooks import NoticeBatch
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services
from alliance_portal.registry.bilingual import Bilingual

bp = Blueprint("notices", __name__, template_folder="templates", url_prefix="/office")

OFFICE_ACTOR = "office"


def _review(batch: NoticeBatch) -> Review:
    """The month's notices still to send: who, how many, and the first one as it is sent."""
    todo = [n for n in batch.notices if n.state == "to-send"]
    recipients = tuple(
        Recipient(
            n.slug,
            n.name,
            n.recipient,
            PI_LINK_NOTE if n.update_link else "",
        )
        for n in todo
    )
    letter = (
        LetterView(todo[0].sender, todo[0].recipient, todo[0].subject, todo[0].body)
        if todo
        else None
    )
    return Review(
        action="notices.send",
        title=Bilingual(
            f"{batch.month} 網站檢查通知 {len(todo)} 封",
            f"{len(todo)} website check notices of {batch.month}",
        ),
        recipients=recipients,
        letter=letter,
        token=confirmation_token(services().config.secret, f"notices {batch.month}", recipients),
        url_args=(("month", batch.month),),
    )


def _month_or_404(month: str) -> str:
    if not report_files.MONTH_RE.fullmatch(month):
        abort(404)
    return month


@bp.get("/notices/")
@office_required
def months() -> str:
    hooks = services().config.office
    return render_template(
        "office_notices_months.html",
        months=report_files.months(hooks.reports_dir),
        enabled=hooks.notices is not None,
    )


def _pictures(month: str) -> dict[str, report_files.MonthResult]:
    """Each alliance's homepage picture with the outlined evidence, shown beside its notice so
    the office sees what the professor will be told about (issue 16, evidence)."""
    reports_dir = services().config.office.reports_dir
    if reports_dir is None:
        return {}
    return {
        r.slug: r
        for r in report_files.month_rows(reports_dir, month)
        if r.screenshot and r.shot_size
    }


@bp.get("/notices/<month>")
@office_required
def preview(month: str) -> str | tuple[str, int]:
    hook = services().config.office.notices
    if hook is None:
        abort(404)
    batch = hook(_month_or_404(month), False, OFFICE_ACTOR)
    body = render_template(
        "office_notices.html",
        batch=batch,
        result=None,
        pictures=_pictures(batch.month),
    )
    return (body, 404) if batch.unavailable else body


@bp.post("/notices/<month>/send")
@office_required
def send(month: str) -> Response | str | tuple[str, int]:
    svc = services()
    hook = svc.config.office.notices
    if hook is None:
        abort(404)
    month = _month_or_404(month)
    preview_batch = hook(month, False, OFFICE_ACTOR)
    review = _review(preview_batch)
    given = request.form.get("confirm", "")
    if not confirmed(svc.config.secret, f"notices {month}", review.recipients, given):
        if given:
            review = replace(review, changed=True)
        body = render_template(
            "office_notices.html",
            batch=preview_batch,
            result=None,
            review=review,
            pictures=_pictures(month),
        )
        return body, 409 if given else 200
    batch = hook(month, True, OFFICE_ACTOR)
    svc.audit.record(
        actor=OFFICE_ACTOR,
        action="notices.send",
        slug="",
        remote_addr=client_address(),
        detail=(
            f"{month}: sent {len(batch.sent)}, already sent {len(batch.already_sent)},"
            f" failed {len(batch.failed)}"
            + (f"; cannot send: {batch.cannot_send.en}" if batch.cannot_send else "")
        )[:500],
    )
    for slug in batch.sent:
        svc.audit.record(
            actor=OFFICE_ACTOR,
            action="notice.sent",
            slug=slug,
            remote_addr=client_address(),
            detail=month,
        )
    return render_template(
        "office_notices.html",
        batch=batch,
        result=batch,
        pictures=_pictures(month),
    )

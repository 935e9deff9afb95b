"""The console's long jobs: re-check one site now, publish the portal, and their progress pages.

Both run in the app's :class:`~alliance_portal.intake.jobs.JobRunner`, one at a time. The job
page shows the steps so far and polls ``/office/jobs/<id>.json`` (console.js); without
JavaScript a reload shows the same.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.jobs import Job, JobFailed
from alliance_portal.intake.office.changes import change_line
from alliance_portal.intake.office.language import alliance_name
from alliance_portal.intake.office_hooks import Progress, PublishRecord
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError, check_slug
from alliance_portal.intake.unpublished import waiting_for_publication
from alliance_portal.registry.bilingual import Bilingual

bp = Blueprint("jobs", __name__, template_folder="templates", url_prefix="/office")

OFFICE_ACTOR = "office"


@bp.post("/alliances/<slug>/recheck")
@office_required
def recheck(slug: str) -> Response | tuple[str, int]:
    try:
        check_slug(slug)
    except StorageError:
        abort(404)
    svc = services()
    if svc.store.read_profile(slug).values.get("active") is False:
        # an inactive alliance is not checked monthly, so not re-checked either (issue 16.13)
        return render_template(
            "error.html",
            title=Bilingual("無法重新檢查", "Cannot re-check"),
            text=Bilingual(
                f"聯盟 {slug} 已停用，不列在入口網上，也不做網站檢查。若要恢復，請先在基本資料中啟用。",
                f"The alliance {slug} is inactive: it is not on the portal and its website is not"
                " checked. To check it again, make it active in its profile first.",
            ),
            status=409,
        ), 409
    hook = svc.config.office.recheck
    if hook is None:
        abort(404)
    if not svc.store.profile_path(slug).exists():
        abort(404)
    job, created = svc.jobs.submit(
        "recheck", slug, OFFICE_ACTOR, lambda progress: hook(slug, progress)
    )
    if created:
        svc.audit.record(
            actor=OFFICE_ACTOR,
            action="monitor.recheck",
            slug=slug,
            remote_addr=client_address(),
            detail=f"job {job.id}",
        )
    return redirect(url_for("jobs.job_page", job_id=job.id), code=303)


@bp.get("/publish")
@office_required
def publish_page() -> str:
    svc = services()
    hooks = svc.config.office
    last = hooks.last_published() if hooks.last_published else None
    # Only a hand-published portal has changes waiting; an automatic one publishes every build.
    waiting = None
    names: dict[str, str] = {}
    changes = waiting_for_publication(hooks, svc.audit)
    if changes is not None:
        pi_names: dict[str, str] = {}
        for slug in {e.slug for e in changes}:
            values = svc.store.read_profile(slug).values
            names[slug] = alliance_name(values.get("name"), values.get("name_en"), slug)
            pi_names[slug] = str(values.get("pi") or "")
        waiting = [change_line(e, pi_names) for e in changes]
    return render_template(
        "office_publish.html",
        last=last,
        waiting=waiting,
        names=names,
        auto_publish=hooks.auto_publish,
        target=hooks.publish_target,
        enabled=hooks.publish is not None,
        job=svc.jobs.latest("publish", "portal"),
    )


@bp.post("/publish")
@office_required
def publish() -> Response:
    svc = services()
    hook = svc.config.office.publish
    if hook is None:
        abort(404)
    audit = svc.audit

    def work(progress: Progress) -> PublishRecord:
        record = hook(OFFICE_ACTOR, progress)
        audit.record(
            actor=OFFICE_ACTOR,
            action="portal.published" if record.ok else "portal.publish-failed",
            slug="",
            detail=f"{record.target}: {record.message}"[:500],
        )
        if not record.ok:  # a failed publish is a failed job, never "done"
            raise JobFailed(
                Bilingual(f"發布失敗：{record.message}", f"publish failed: {record.message}")
            )
        return record

    job, created = svc.jobs.submit("publish", "portal", OFFICE_ACTOR, work)
    if created:
        svc.audit.record(
            actor=OFFICE_ACTOR,
            action="portal.publish",
            slug="",
            remote_addr=client_address(),
            detail=f"job {job.id} to {svc.config.office.publish_target}",
        )
    return redirect(url_for("jobs.job_page", job_id=job.id), code=303)


@bp.get("/crawl")
@office_required
def crawl_page() -> str:
    svc = services()
    return render_template(
        "office_crawl.html",
        enabled=svc.config.office.crawl_month is not None,
        job=svc.jobs.latest("crawl", "month"),
    )


@bp.post("/crawl")
@office_required
def crawl() -> Response:
    """Start the whole month's crawl (one at a time; a second click joins the running job)."""
    svc = services()
    hook = svc.config.office.crawl_month
    if hook is None:
        abort(404)
    job, created = svc.jobs.submit("crawl", "month", OFFICE_ACTOR, hook)
    if created:
        svc.audit.record(
            actor=OFFICE_ACTOR,
            action="monitor.crawl",
            slug="",
            remote_addr=client_address(),
            detail=f"job {job.id}",
        )
    return redirect(url_for("jobs.job_page", job_id=job.id), code=303)


def job_view(job: Job) -> dict[str, Any]:
    """What the job page and its JSON show."""
    svc = services()
    ahead = svc.jobs.ahead_of(job)
    return {
        "id": job.id,
        "kind": job.kind,
        "subject": job.subject,
        "state": job.state,
        "steps": [step.to_json() for step in job.steps],
        "waiting_for": [{"kind": j.kind, "subject": j.subject} for j in ahead],
        "error": job.error.en if job.error else "",
        "created": job.created,
        "finished": job.finished,
    }


@bp.get("/jobs/<int:job_id>")
@office_required
def job_page(job_id: int) -> str:
    job = services().jobs.get(job_id)
    if job is None:
        abort(404)
    return render_template("office_job.html", job=job, view=job_view(job))


@bp.get("/jobs/<int:job_id>.json")
@office_required
def job_json(job_id: int) -> Response:
    job = services().jobs.get(job_id)
    if job is None:
        abort(404)
    return jsonify(job_view(job))

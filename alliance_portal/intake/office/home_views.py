"""The office's pages: every alliance's submission status and banner thumbnails.

At 200 alliances the list is searched and filtered on the server (:mod:`.filters`); the counts
at the top are always of the whole registry, never of the filtered rows, and the headline count
of alliances is the registry's active ones (the portal's number).
"""

from __future__ import annotations

from flask import Blueprint, render_template, send_file
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.office.changes import CONTENT_ACTIONS, change_line
from alliance_portal.intake.office.filters import (
    FILTERS,
    Facts,
    failing_this_month,
    keep,
    search_text,
    signed_in_slugs,
    wanted_from_request,
)
from alliance_portal.intake.office.language import alliance_name
from alliance_portal.intake.overview import build_overview
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError
from alliance_portal.intake.unpublished import waiting_for_publication

bp = Blueprint("office", __name__, template_folder="templates", url_prefix="/office")

#: How many recent changes the overview lists under the table.
RECENT_CHANGES = 30


@bp.get("/")
@office_required
def overview() -> str:
    svc = services()
    data = build_overview(svc.store, svc.versions, svc.audit, deadline=svc.config.deadline_date())
    everyone = svc.people.all()
    signed_in = signed_in_slugs(everyone)
    month = failing_this_month(svc.config.office.reports_dir)
    wanted = wanted_from_request()
    emails = {slug: " ".join(p.email for p in people) for slug, people in everyone.items()}
    shown = [
        r
        for r in data.rows
        if keep(
            wanted,
            Facts(
                text=search_text(r.slug, r.name, r.name_en, r.pi, r.university, emails.get(r.slug)),
                banner_missing=r.banner != "ok",
                signed_in=r.slug in signed_in,
                failing=r.slug in month.failing,
                active=r.active,
            ),
        )
    ]
    pi_names = {r.slug: r.pi for r in data.rows}
    names = {r.slug: alliance_name(r.name, r.name_en, r.slug) for r in data.rows}
    recent = [
        change_line(e, pi_names)
        for e in svc.audit.entries()
        if e.action.startswith(CONTENT_ACTIONS)
    ][-RECENT_CHANGES:][::-1]
    return render_template(
        "office.html",
        overview=data,
        shown=shown,
        wanted=wanted,
        filters=FILTERS,
        signed_in=signed_in,
        month=month,
        recent=recent,
        names=names,
        describe=lambda entry: change_line(entry, pi_names),
        rebuilder=svc.rebuilder,
        waiting=waiting_for_publication(svc.config.office, svc.audit),
    )


@bp.get("/banners/<slug>.png")
@office_required
def banner(slug: str) -> Response:
    try:
        path = services().store.banner_path(slug)
    except StorageError:
        return Response(status=404)
    if not path.exists():
        return Response(status=404)
    return send_file(path, mimetype="image/png", max_age=0)

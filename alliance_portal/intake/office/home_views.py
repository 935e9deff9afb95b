"""The office's pages: every alliance's submission status and banner thumbnails."""

from __future__ import annotations

from flask import Blueprint, render_template, send_file
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.overview import build_overview
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError

bp = Blueprint("office", __name__, template_folder="templates", url_prefix="/office")

#: How many recent changes the overview lists under the table.
RECENT_CHANGES = 30


@bp.get("/")
@office_required
def overview() -> str:
    svc = services()
    data = build_overview(svc.store, svc.versions, svc.audit, deadline=svc.config.deadline_date())
    recent = [e for e in svc.audit.entries() if e.action.startswith(("profile.", "banner."))][
        -RECENT_CHANGES:
    ][::-1]
    return render_template(
        "office.html",
        overview=data,
        recent=recent,
        rebuilder=svc.rebuilder,
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

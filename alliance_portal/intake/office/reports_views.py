"""The office console's report pages: every month's report over HTTP, and one page per alliance.

The report files are the monitor's own (``reports/<YYYY-MM>/``), served as they are. A month's
``index.html`` carries its own Content-Security-Policy (hashes of its inline style and script);
the console sends that same policy as the header, so the page works and stays as locked down
as when it is opened from disk.
"""

from __future__ import annotations

import html
import re

from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from werkzeug.wrappers import Response

from alliance_portal.intake import report_files
from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.office.registry_views import done_message
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError, check_slug
from alliance_portal.registry.report_contract import INDEX_FILE

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/office")

_META_CSP = re.compile(
    rb'<meta http-equiv="Content-Security-Policy" content="([^"<>]+)">', re.IGNORECASE
)
#: Used for a report page without its own policy: nothing runs, nothing loads from elsewhere.
_FALLBACK_CSP = "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'"


def _reports_dir():  # type: ignore[no-untyped-def]
    return services().config.office.reports_dir


@bp.get("/reports/")
@office_required
def months() -> str:
    folder = _reports_dir()
    return render_template(
        "office_reports.html",
        months=report_files.months(folder),
        folder=folder,
        checks=report_files.CHECKS,
    )


@bp.get(f"/reports/{INDEX_FILE}")
@office_required
def months_index() -> Response:
    """The reports' own "all months" link (``../index.html``) leads to the console's list."""
    return redirect(url_for("reports.months"))


@bp.get("/reports/<month>/")
@office_required
def month_index(month: str) -> Response:
    return report_file(month, INDEX_FILE)


@bp.get("/reports/<month>/<path:name>")
@office_required
def report_file(month: str, name: str) -> Response:
    folder = _reports_dir()
    found = report_files.report_file(folder, month, name) if folder else None
    if found is None:
        abort(404)
    path, mimetype = found
    response = send_file(path, mimetype=mimetype, max_age=0)
    if name == INDEX_FILE:
        with path.open("rb") as fh:
            head = fh.read(4096)
        match = _META_CSP.search(head)
        policy = (
            html.unescape(match.group(1).decode("ascii", "replace")) if match else _FALLBACK_CSP
        )
        response.headers["Content-Security-Policy"] = policy + "; frame-ancestors 'none'"
    elif name.endswith((".csv", ".xlsx")):
        response.headers["Content-Disposition"] = f'attachment; filename="{month}-{name}"'
    return response


@bp.get("/alliances/<slug>")
@office_required
def alliance(slug: str) -> str:
    try:
        check_slug(slug)
    except StorageError:
        abort(404)
    svc = services()
    state = svc.store.read_profile(slug)
    history = report_files.alliance_history(svc.config.office.reports_dir, slug)
    known = state.exists or history or svc.store.banner_path(slug).exists()
    if not known and svc.versions.current(slug) is None:
        abort(404)
    hooks = svc.config.office
    sent = list(hooks.notices_sent(slug)) if hooks.notices_sent else []
    changes = [e for e in svc.audit.entries() if e.slug == slug][::-1]
    return render_template(
        "office_alliance.html",
        slug=slug,
        profile=state,
        banners=[v for v in svc.store.versions(slug) if v.kind == "banner"],
        has_banner=svc.store.banner_path(slug).exists(),
        history=history,
        sent=sent,
        changes=changes[:30],
        recheck=svc.jobs.latest("recheck", slug),
        done=done_message(slug),
        can_recheck=hooks.recheck is not None,
    )


@bp.get("/alliances/<slug>/banners/<name>")
@office_required
def banner_version(slug: str, name: str) -> Response:
    """One banner of the alliance's history (only names its history lists are served)."""
    try:
        versions = services().store.versions(slug)
    except StorageError:
        abort(404)
    for version in versions:
        if version.kind == "banner" and version.name == name and version.path.is_file():
            return send_file(version.path, mimetype="image/png", max_age=0)
    abort(404)

"""The office console's report pages: every month's report over HTTP, and one page per alliance.

The report files are the monitor's own (``reports/<YYYY-MM>/``), served as they are, with two
exceptions. A month's ``index.html`` gets the console's menu and, in each row, a link to the
alliance's console page (plain markup where the monitor left a marker, no style or script
added); it carries its own Content-Security-Policy (hashes of its inline style and script) and
the console sends that same policy as the header, so the page works and stays as locked down as
when it is opened from disk. A notice draft (``notices/<slug>.eml``) is shown as the decoded
letter (:mod:`.notice_letter`); ``?raw=1`` serves the file itself as text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from alliance_portal.intake import report_files
from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.office.changes import change_line
from alliance_portal.intake.office.language import HTML_LANG, alliance_name, console_lang
from alliance_portal.intake.office.notice_letter import read_letter
from alliance_portal.intake.office.registry_views import done_message
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError, check_slug
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import INDEX_FILE, NOTICES_DIR

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/office")

_META_CSP = re.compile(
    rb'<meta http-equiv="Content-Security-Policy" content="([^"<>]+)">', re.IGNORECASE
)
_BODY = re.compile(rb"<body[^>]*>", re.IGNORECASE)
#: Where the report page lets the console link a row to the alliance's console page.
_ROW_MARK = re.compile(rb"<!--console:alliance=([a-z0-9-]{1,64})-->")
#: Used for a report page without its own policy: nothing runs, nothing loads from elsewhere.
_FALLBACK_CSP = "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'"


def _reports_dir():  # type: ignore[no-untyped-def]
    return services().config.office.reports_dir


@bp.get("/reports/")
@office_required
def months() -> str:
    folder = _reports_dir()
    found = report_files.months(folder)
    names: dict[str, str] = {}
    for summary in found:
        for slug in (*summary.newly_failing, *summary.recovered):
            if slug not in names:
                names[slug] = _name_of(slug)
    return render_template(
        "office_reports.html",
        months=found,
        folder=folder,
        checks=report_files.CHECKS,
        names=names,
    )


def _name_of(slug: str) -> str:
    """The alliance's name as its profile gives it, in the page's language (the slug when it
    has none, or a bad slug)."""
    try:
        values = services().store.read_profile(check_slug(slug)).values
    except StorageError:
        return slug
    return alliance_name(values.get("name"), values.get("name_en"), slug)


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
    if name.startswith(f"{NOTICES_DIR}/") and request.args.get("raw") != "1":
        return _letter_page(month, name, path)
    if name == INDEX_FILE:
        return _report_page(path)
    response = send_file(path, mimetype=mimetype, max_age=0)
    if name.endswith((".csv", ".xlsx")):
        response.headers["Content-Disposition"] = f'attachment; filename="{month}-{name}"'
    return response


def _report_page(path: Path) -> Response:
    """The month's report page with the console's menu on top and, in each row, a link to the
    alliance's console page (re-check, history).

    Both are plain markup put where the monitor left a marker (or right after ``<body>`` for
    the menu), styled by the report's own stylesheet: the page's policy stays its own, no
    style or script is added.
    """
    page = path.read_bytes()
    match = _META_CSP.search(page[:4096])
    policy = html.unescape(match.group(1).decode("ascii", "replace")) if match else _FALLBACK_CSP
    nav = render_template("office_report_nav.html").encode("utf-8")
    page = _BODY.sub(lambda m: m.group(0) + nav, page, count=1)
    label = render_template("office_report_row_link.html")

    def row_link(m: re.Match[bytes]) -> bytes:
        slug = m.group(1).decode("ascii")
        href = url_for("reports.alliance", slug=slug)
        lang = HTML_LANG[console_lang()]
        return f'<a class="console-link" href="{href}" lang="{lang}">{label.strip()}</a>'.encode()

    page = _ROW_MARK.sub(row_link, page)
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = policy + "; frame-ancestors 'none'"
    return response


def _letter_page(month: str, name: str, path: Path) -> Response:
    """A notice draft shown as the letter it is (decoded), not as raw MIME."""
    letter = read_letter(path)
    if letter is None:
        abort(404)
    slug = name.removeprefix(f"{NOTICES_DIR}/").removesuffix(".eml")
    body = render_template("office_letter.html", letter=letter, month=month, name=name, slug=slug)
    return Response(body, mimetype="text/html")


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
    pi = state.values.get("pi")
    pi_names = {slug: pi if isinstance(pi, str) else ""}
    changes = [change_line(e, pi_names) for e in svc.audit.entries() if e.slug == slug][::-1]
    industry = state.values.get("industry")
    industry_names = {i.key: Bilingual(i.name_zh, i.name_en) for i in svc.store.industries}
    return render_template(
        "office_alliance.html",
        slug=slug,
        profile=state,
        active=state.values.get("active") is not False,
        industry=industry_names.get(industry) if isinstance(industry, str) else None,
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

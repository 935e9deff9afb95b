"""The office edits the registry in the console: add, edit, activate or deactivate an
alliance, and restore an earlier profile or banner version.

The same validation and the same write path as the form and ``alliance import`` (the registry's
:class:`~alliance_portal.registry.writer.RegistryWriter` through the store): the previous version
is kept, the write is atomic under the alliance's lock, and the audit log says the office did it.
Deactivating or restoring asks for a confirmation first, because it changes what the public
portal shows and who the office writes to.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.messages import PROFILE_FIELDS, Text
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError, Version, check_slug
from alliance_portal.registry.profile_file import ProfileFileError, read_profile_data

bp = Blueprint("registry", __name__, template_folder="templates", url_prefix="/office/alliances")

#: Who the audit log names for a change made in the console.
OFFICE_ACTOR = "office"

#: What the office is told after an action, shown on the alliance's page (kept one request).
DONE: dict[str, Text] = {
    "created": Text("已新增聯盟。", "The alliance was added."),
    "saved": Text("已儲存基本資料。", "The profile was saved."),
    "unchanged": Text("沒有變更，未儲存。", "Nothing changed; nothing was saved."),
    "activated": Text(
        "已啟用：入口網與每月檢查會包含這個聯盟。",
        "Activated: the portal and the monthly check include this alliance.",
    ),
    "deactivated": Text(
        "已停用：入口網與每月檢查不再包含這個聯盟，也不會再寄信給它。",
        "Deactivated: the portal and the monthly check leave it out, and no e-mail goes to it.",
    ),
    "restored": Text(
        "已還原所選的版本；被取代的版本也已保留。", "Restored; the replaced version is kept too."
    ),
}


def _known_slug(slug: str) -> str:
    try:
        check_slug(slug)
        exists = services().store.profile_path(slug).exists()
    except (StorageError, OSError):  # not a short name, or one no file system could hold
        abort(404)
    if not exists:
        abort(404)
    return slug


def _submitted() -> dict[str, Any]:
    fields: dict[str, Any] = {
        spec.key: request.form.get(spec.key, "").replace("\r\n", "\n") for spec in PROFILE_FIELDS
    }
    fields["active"] = request.form.get("active") == "on"
    return fields


def _errors(problems: list[Any]) -> dict[str, list[Text]]:
    errors: dict[str, list[Text]] = {}
    for problem in problems:
        errors.setdefault(problem.field or "", []).append(problem.message)
    return errors


def _form(
    *, slug: str, values: dict[str, Any], errors: dict[str, list[Text]], new: bool, status: int
) -> tuple[str, int]:
    shown = {k: "" if v is None else v for k, v in values.items()}
    body = render_template(
        "office_alliance_edit.html",
        slug=slug,
        new=new,
        values=shown,
        active=values.get("active", True) is not False,
        fields=PROFILE_FIELDS,
        industries=services().config.industries,
        field_errors=errors,
    )
    return body, status


def _done(slug: str, what: str) -> Response:
    session["office_done"] = [slug, what]
    return redirect(url_for("reports.alliance", slug=slug) + "#h-profile", code=303)


def done_message(slug: str) -> Text | None:
    """The message of the office's last action on ``slug`` (shown once, then forgotten)."""
    saved = session.get("office_done")
    if isinstance(saved, list) and len(saved) == 2 and saved[0] == slug and saved[1] in DONE:
        session.pop("office_done", None)
        return DONE[saved[1]]
    return None


@bp.route("/new", methods=["GET", "POST"])
@office_required
def new() -> Response | tuple[str, int]:
    svc = services()
    if request.method == "GET":
        return _form(slug="", values={"active": True}, errors={}, new=True, status=200)
    slug = request.form.get("slug", "").strip()
    fields = _submitted()
    try:
        check_slug(slug)
    except StorageError:
        error = Text(
            "代號只能用小寫英文字母、數字與連字號（-），例如 smart-motor。",
            "The short name may hold lower-case letters, digits and hyphens only, e.g. smart-motor.",
        )
        return _form(slug=slug, values=fields, errors={"slug": [error]}, new=True, status=422)
    if svc.store.profile_path(slug).exists():
        error = Text(
            f"已有代號為 {slug} 的聯盟；請改用其他代號，或到該聯盟頁面修改。",
            f"An alliance named {slug} exists already; choose another or edit that one.",
        )
        return _form(slug=slug, values=fields, errors={"slug": [error]}, new=True, status=422)
    outcome = svc.store.save_profile(
        slug, fields, actor=OFFICE_ACTOR, remote_addr=client_address(), person=OFFICE_ACTOR
    )
    if outcome.problems:
        return _form(
            slug=slug, values=fields, errors=_errors(outcome.problems), new=True, status=422
        )
    svc.rebuilder.request()
    return _done(slug, "created")


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@office_required
def edit(slug: str) -> Response | tuple[str, int]:
    svc = services()
    _known_slug(slug)
    if request.method == "GET":
        state = svc.store.read_profile(slug)
        return _form(slug=slug, values=dict(state.values), errors={}, new=False, status=200)
    fields = _submitted()
    outcome = svc.store.save_profile(
        slug, fields, actor=OFFICE_ACTOR, remote_addr=client_address(), person=OFFICE_ACTOR
    )
    if outcome.problems:
        return _form(
            slug=slug, values=fields, errors=_errors(outcome.problems), new=False, status=422
        )
    if not outcome.changed:
        return _done(slug, "unchanged")
    svc.rebuilder.request()
    return _done(slug, "saved")


@bp.route("/<slug>/active", methods=["GET", "POST"])
@office_required
def active(slug: str) -> Response | str:
    """Activate or deactivate: the GET shows what it means and asks; the POST does it."""
    svc = services()
    _known_slug(slug)
    state = svc.store.read_profile(slug)
    now_active = state.values.get("active", True) is not False
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template(
            "office_alliance_active.html", slug=slug, profile=state, now_active=now_active
        )
    outcome = svc.store.save_profile(
        slug,
        {"active": not now_active},
        actor=OFFICE_ACTOR,
        remote_addr=client_address(),
        person=OFFICE_ACTOR,
    )
    if outcome.problems:
        # the stored profile itself is broken: the edit page shows each problem by its field
        return redirect(url_for("registry.edit", slug=slug), code=303)
    svc.rebuilder.request()
    return _done(slug, "deactivated" if now_active else "activated")


def _version(slug: str, name: str) -> Version:
    try:
        versions = services().store.versions(slug)
    except (StorageError, OSError):
        abort(404)
    for version in versions:
        if version.name == name and not version.current:
            return version
    abort(404)


@bp.get("/<slug>/versions")
@office_required
def versions(slug: str) -> str:
    svc = services()
    try:
        check_slug(slug)
        found = svc.store.versions(slug)
    except (StorageError, OSError):
        abort(404)
    if not found:
        abort(404)
    return render_template(
        "office_versions.html",
        slug=slug,
        profile=svc.store.read_profile(slug),
        versions=found[::-1],
    )


#: A yes/no flag as the office reads it (templates show it with ``t()``, in one language).
YES, NO = Text("是", "yes"), Text("否", "no")


def shown_value(value: Any) -> str | Text:
    """A profile value as the office reads it: an industry by its name, a flag as yes/no.

    Words the console translates come back as :class:`Text` (the template's ``t()`` picks the
    office's language); what the alliance wrote comes back as it is, in whatever language."""
    if isinstance(value, str):
        for industry in services().config.industries:
            if industry.key == value:
                return Text(industry.name_zh, industry.name_en)
    if isinstance(value, bool):
        return YES if value else NO
    return "" if value is None else str(value)


#: The active flag as the office reads it, beside the profile's own fields.
ACTIVE_LABEL = Text("啟用", "Active")


def _compare(
    version: Version, current: dict[str, Any]
) -> list[tuple[Text, str | Text, str | Text]]:
    """The earlier profile beside the current one, field by field, as the office reads them
    (labels, not TOML keys): (label, that version's value, the current value)."""
    try:
        earlier = read_profile_data(version.path)  # bounded, like every profile read
    except (FileNotFoundError, ProfileFileError):
        earlier = {}

    shown = shown_value

    rows = [
        (spec.label, shown(earlier.get(spec.key)), shown(current.get(spec.key)))
        for spec in PROFILE_FIELDS
    ]
    rows.append(
        (ACTIVE_LABEL, shown(earlier.get("active", True)), shown(current.get("active", True)))
    )
    return rows


@bp.route("/<slug>/restore/<name>", methods=["GET", "POST"])
@office_required
def restore(slug: str, name: str) -> Response | tuple[str, int] | str:
    svc = services()
    version = _version(slug, name)
    profile = svc.store.read_profile(slug).values
    shown = _compare(version, profile) if version.kind == "profile" else []
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template("office_restore.html", slug=slug, version=version, shown=shown)
    try:
        svc.store.restore(slug, version.name, actor=OFFICE_ACTOR, remote_addr=client_address())
    except StorageError as exc:
        body = render_template(
            "office_restore.html", slug=slug, version=version, shown=shown, error=exc.text
        )
        return body, 422
    svc.rebuilder.request()
    return _done(slug, "restored")

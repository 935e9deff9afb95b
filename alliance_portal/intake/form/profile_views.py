"""The alliance's own form: profile fields, banner upload with preview, publish status.

No route takes a slug from the client: the alliance is always the one in the session, so an
alliance can only ever see and change its own profile and banner.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from flask import (
    Blueprint,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import alliance_required, current_access, current_alliance
from alliance_portal.intake.messages import PROFILE_FIELDS, PUBLISH, Text
from alliance_portal.intake.security import client_address, enforce
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError
from alliance_portal.registry.banner_rules import DEFAULT_MAX_BYTES, BannerError, check_banner_file
from alliance_portal.registry.bilingual import Bilingual

bp = Blueprint("alliance", __name__, template_folder="templates", url_prefix="/alliance")

NOTICES: dict[str, Text] = {
    "profile-unchanged": Text("資料沒有變更。", "Nothing changed."),
    "banner-cancelled": Text("已取消，橫幅未更換。", "Cancelled; the banner was not changed."),
    "preview-expired": Text(
        "預覽已過期，請重新上傳橫幅。", "The preview has expired; upload the banner again."
    ),
}
#: Why the portal does not show this alliance yet, so "live" is not misread.
NOT_LISTED: dict[str, Text] = {
    "missing": Text(
        "入口網尚未列出貴聯盟：請填寫並儲存下方的基本資料（標示 * 者為必填），橫幅才會一併顯示。",
        "Your alliance is not on the portal yet: fill in and save the profile below (fields "
        "marked * are required); the banner is shown together with it.",
    ),
    "invalid": Text(
        "入口網目前未列出貴聯盟，因為存檔的基本資料有誤：請修正下方的基本資料並儲存。",
        "Your alliance is not on the portal now because the stored profile has errors: correct "
        "the profile below and save it.",
    ),
    "inactive": Text(
        "計畫辦公室已將貴聯盟設為不公開，入口網不會顯示；如有疑問請聯絡計畫辦公室。",
        "The programme office has set your alliance to not shown, so the portal does not list "
        "it; contact the office with any questions.",
    ),
}
NO_FILE = BannerError(
    "no-file", Bilingual("請選擇要上傳的 PNG 檔。", "Choose a PNG file to upload.")
)


def _slug() -> str:
    slug = current_alliance()
    assert slug is not None  # alliance_required ran first
    return slug


def _actor(slug: str) -> str:
    return f"alliance:{slug}"


def acting_person() -> str:
    """Who of the alliance is acting, for the audit log: ``pi:<e-mail>`` or ``assistant:<e-mail>``."""
    access = current_access()
    assert access is not None  # alliance_required ran first
    person = services().people.get(access.slug, access.pid)
    if person is not None:
        return person.label
    return "pi" if access.is_pi else f"assistant:{access.pid}"


def _form_values(values: dict[str, Any]) -> dict[str, str]:
    return {
        spec.key: "" if values.get(spec.key) is None else str(values[spec.key])
        for spec in PROFILE_FIELDS
    }


def _publish_state() -> tuple[str, Text] | None:
    """What the form tells the alliance about its last save reaching the public portal."""
    rebuilder = services().rebuilder
    saved = session.get("publish")
    if not (isinstance(saved, list) and len(saved) == 2 and saved[0] == rebuilder.epoch):
        return None  # nothing saved, or saved before the server restarted
    generation = saved[1]
    if not isinstance(generation, int):
        return None
    status = rebuilder.status(generation)
    if status == "building" and not rebuilder.public:
        # The office publishes by hand: the build running now is only its preview, so the
        # PI's change waits for the office either way; "the portal is being updated" would
        # promise the public site something only the office's 發布入口網 does. The status
        # stays "building" (the page keeps asking until the preview is built or failed).
        return status, PUBLISH["built"]
    return status, PUBLISH[status]


def render_home(
    *,
    values: dict[str, str] | None = None,
    field_errors: dict[str, list[Text]] | None = None,
    banner_errors: list[BannerError] | None = None,
    banner_file: str = "",
    status: int = 200,
    people_notice: Any = None,
) -> tuple[str, int]:
    svc = services()
    slug = _slug()
    access = current_access()
    assert access is not None
    state = svc.store.read_profile(slug)
    banner = svc.store.banner_path(slug)
    banner_report = check_banner_file(banner) if banner.exists() else None
    notice = NOTICES.get(session.pop("notice", ""))
    if not state.exists or state.unreadable:
        not_listed: Text | None = NOT_LISTED["missing"]
    elif any(p.severity == "error" for p in state.problems):
        not_listed = NOT_LISTED["invalid"]
    elif state.values.get("active") is False:
        not_listed = NOT_LISTED["inactive"]
    else:
        not_listed = None
    deadline = svc.deadline_status()
    complete = (
        state.exists
        and not state.unreadable
        and not any(p.severity == "error" for p in state.problems)
        and banner_report is not None
        and banner_report.ok
    )
    body = render_template(
        "form.html",
        slug=slug,
        state=state,
        values=values if values is not None else _form_values(state.values),
        fields=PROFILE_FIELDS,
        industries=svc.config.industries,
        field_errors=field_errors or {},
        banner_errors=banner_errors or [],
        banner_file=banner_file,
        banner_exists=banner_report is not None,
        banner_report=banner_report,
        banner_version=int(banner.stat().st_mtime_ns) if banner_report else 0,
        # A refused save or upload shows only its own outcome, never an earlier save's status.
        publish=None if field_errors or banner_errors else _publish_state(),
        notice=notice,
        not_listed=not_listed,
        deadline=deadline,
        complete=complete,
        banner_max_bytes=DEFAULT_MAX_BYTES,
        portal_url=svc.config.portal_url,
        access=access,
        me=svc.people.get(slug, access.pid),
        pi=svc.people.pi(slug),
        assistants=svc.people.assistants(slug) if access.is_pi else [],
        people_notice=people_notice,
    )
    return body, status


def _after_save() -> Response:
    rebuilder = services().rebuilder
    session["publish"] = [rebuilder.epoch, rebuilder.request()]
    return redirect(url_for("alliance.home") + "#publish-status", code=303)


@bp.get("/")
@alliance_required
def home() -> tuple[str, int]:
    return render_home()


@bp.post("/profile")
@alliance_required
def save_profile() -> Response | tuple[str, int]:
    svc = services()
    slug = _slug()
    enforce(f"alliance:{slug}", svc.config.alliance_post_limit)
    submitted = {
        spec.key: request.form.get(spec.key, "").replace("\r\n", "\n") for spec in PROFILE_FIELDS
    }
    outcome = svc.store.save_profile(
        slug, submitted, actor=_actor(slug), remote_addr=client_address(), person=acting_person()
    )
    if outcome.problems:
        errors: dict[str, list[Text]] = {}
        for problem in outcome.problems:
            errors.setdefault(problem.field or "", []).append(problem.message)
        return render_home(values=submitted, field_errors=errors, status=422)
    if not outcome.changed:
        session["notice"] = "profile-unchanged"
        return redirect(url_for("alliance.home"), code=303)
    return _after_save()


@bp.post("/banner")
@alliance_required
def upload_banner() -> Response | tuple[str, int]:
    svc = services()
    slug = _slug()
    enforce(f"alliance:{slug}", svc.config.alliance_post_limit)
    upload = request.files.get("banner")
    data = upload.read() if upload is not None else b""
    if not data:
        return render_home(banner_errors=[NO_FILE], status=422)
    named_png = bool(upload and (upload.filename or "").lower().endswith(".png"))
    pending, report = svc.store.stage_banner(slug, data, named_png=named_png)
    if pending is None:  # the error names the file: people try several exports in a row
        name = PurePath((upload.filename or "").replace("\\", "/")).name[:120] if upload else ""
        return render_home(banner_errors=report.errors, banner_file=name, status=422)
    old = session.get("pending")
    if isinstance(old, str):
        svc.store.discard_pending(slug, old)
    session["pending"] = pending.key
    return redirect(url_for("alliance.preview"), code=303)


@bp.get("/banner/preview")
@alliance_required
def preview() -> Response | str:
    slug = _slug()
    key = session.get("pending")
    path = services().store.pending_banner(slug, key) if isinstance(key, str) else None
    if path is None:
        session["notice"] = "preview-expired"
        return redirect(url_for("alliance.home"))
    report = check_banner_file(path)
    return render_template(
        "preview.html",
        slug=slug,
        report=report,
        size=path.stat().st_size,
        image_url=url_for("alliance.pending_image", v=str(key)[:8]),
    )


@bp.get("/banner/pending.png")
@alliance_required
def pending_image() -> Response:
    key = session.get("pending")
    path = services().store.pending_banner(_slug(), key) if isinstance(key, str) else None
    if path is None:
        return Response(status=404)
    return send_file(path, mimetype="image/png", max_age=0)


@bp.get("/banner/current.png")
@alliance_required
def current_image() -> Response:
    path = services().store.banner_path(_slug())
    if not path.exists():
        return Response(status=404)
    return send_file(path, mimetype="image/png", max_age=0)


@bp.post("/banner/confirm")
@alliance_required
def confirm_banner() -> Response | tuple[str, int]:
    svc = services()
    slug = _slug()
    enforce(f"alliance:{slug}", svc.config.alliance_post_limit)
    key = session.pop("pending", None)
    try:
        if not isinstance(key, str):
            raise StorageError("no banner is waiting for confirmation")
        svc.store.confirm_banner(
            slug, key, actor=_actor(slug), remote_addr=client_address(), person=acting_person()
        )
    except StorageError:
        session["notice"] = "preview-expired"
        return redirect(url_for("alliance.home"), code=303)
    return _after_save()


@bp.post("/banner/cancel")
@alliance_required
def cancel_banner() -> Response:
    key = session.pop("pending", None)
    if isinstance(key, str):
        services().store.discard_pending(_slug(), key)
    session["notice"] = "banner-cancelled"
    return redirect(url_for("alliance.home"), code=303)


@bp.get("/publish-status")
@alliance_required
def publish_status() -> Response:
    state = _publish_state()
    if state is None:
        return jsonify(status="none")
    status, text = state
    return jsonify(status=status, zh=text.zh, en=text.en)

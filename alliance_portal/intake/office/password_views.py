"""The office changes its password in the console (``alliance intake set-admin-password`` does
the same on the server).

The current password is asked again, so a console left open on a shared desk cannot lock the
office out. Changing it ends every other office session (the session carries a fingerprint of
the stored hash); this browser stays signed in with the new one. Failed attempts count toward
the same sign-in limit as the login page.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, session
from werkzeug.wrappers import Response

from alliance_portal.intake.admin_password import (
    MIN_PASSWORD_LENGTH,
    PasswordError,
    check_password,
    password_fingerprint,
    set_password,
)
from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.messages import Text
from alliance_portal.intake.security import blocked, client_address
from alliance_portal.intake.services import services
from alliance_portal.intake.sessions import new_session_id

bp = Blueprint("password", __name__, template_folder="templates", url_prefix="/office/password")

PROBLEMS: dict[str, Text] = {
    "wrong": Text("目前的密碼不正確。", "The current password is not correct."),
    "short": Text(
        f"新密碼至少要 {MIN_PASSWORD_LENGTH} 個字元。",
        f"The new password needs at least {MIN_PASSWORD_LENGTH} characters.",
    ),
    "spaces": Text(
        "新密碼的開頭或結尾不能是空白。", "The new password cannot start or end with a space."
    ),
    "mismatch": Text("兩次輸入的新密碼不一樣。", "The two new passwords differ."),
    "same": Text("新密碼與目前的密碼相同。", "The new password is the same as the current one."),
}
CHANGED = Text(
    "密碼已更新。其他已登入的辦公室瀏覽器都已登出，需用新密碼重新登入。",
    "The password is changed. Every other signed-in office browser is signed out and needs the "
    "new password.",
)


def _problem(current: str, new: str, repeat: str) -> str | None:
    path = services().config.paths.admin_password
    if not check_password(path, current):
        return "wrong"
    if len(new) < MIN_PASSWORD_LENGTH:
        return "short"
    if new.strip() != new:
        return "spaces"
    if new != repeat:
        return "mismatch"
    if new == current:
        return "same"
    return None


@bp.route("", methods=["GET", "POST"])
@office_required
def page() -> Response | tuple[str, int] | str:
    svc = services()
    if request.method == "GET":
        return render_template("office_password.html", problem=None, done=False)
    bucket = f"login:{client_address()}"
    blocked(bucket, svc.config.login_limit)
    problem = _problem(
        request.form.get("current", ""), request.form.get("new", ""), request.form.get("repeat", "")
    )
    if problem == "wrong":
        svc.limiter.hit(bucket, svc.config.login_limit)
    if problem is None:
        path = svc.config.paths.admin_password
        try:
            set_password(path, request.form["new"])
        except PasswordError:  # the checks above mirror set_password's; never reached
            problem = "short"
        else:
            svc.audit.record(
                actor="office", action="office.password", slug="", remote_addr=client_address()
            )
            # this browser stays signed in; every other office session ends
            session.clear()
            session.permanent = True
            session["sid"] = new_session_id()
            session["office"] = password_fingerprint(path)
            return render_template("office_password.html", problem=None, done=CHANGED)
    body = render_template("office_password.html", problem=PROBLEMS[problem], done=False)
    return body, 422

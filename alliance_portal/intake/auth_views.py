"""Signing in: personal links for alliances, a password for the office, and signing out.

A personal link is used once per browser: the token is traded for a session cookie and the
visitor is sent on to a clean URL, so the token does not stay in the address bar, the history
or a bookmark. The session keeps the link version and the person (the PI or which assistant),
so ``alliance intake revoke`` also ends sessions that were opened with an older link, and
removing an assistant ends that assistant's sessions. Each sign-in gets a session id, and signing out records
it as ended (:mod:`.sessions`), so a copy of the cookie stops working too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import TypeVar, cast

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from alliance_portal.intake.admin_password import check_password, password_fingerprint
from alliance_portal.intake.errors import error_page
from alliance_portal.intake.links import Access, LinkError
from alliance_portal.intake.people import PI_ID
from alliance_portal.intake.security import blocked, client_address
from alliance_portal.intake.services import services
from alliance_portal.intake.sessions import new_session_id

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., object])


#: Where this request's signed-in person is kept once read (``flask.g``): the views, the
#: decorators and the templates ask several times per request, and each answer would otherwise
#: read the session store (SQLite), the link versions and the people file (JSON) again.
_ACCESS = "alliance_access"
_OFFICE = "office_signed_in"


def _forget_signed_in() -> None:
    """This request's sign-in changed (signed in, out or revoked): read it again when asked."""
    g.pop(_ACCESS, None)
    g.pop(_OFFICE, None)


def _session_ended() -> bool:
    """True (and the session cleared) when this cookie's sign-in was ended by a sign-out."""
    sid = session.get("sid")
    if isinstance(sid, str) and not services().ended_sessions.is_ended(sid):
        return False
    session.clear()
    return True


def _start_session(**values: object) -> None:
    _forget_signed_in()
    session.clear()
    session.permanent = True
    session["sid"] = new_session_id()
    session.update(values)


def current_access() -> Access | None:
    """Who is signed in for an alliance, if their link version (and person) still stand.

    Read once per request and kept in ``flask.g``.
    """
    if _ACCESS not in g:
        g.setdefault(_ACCESS, _read_access())
    return cast(Access | None, g.get(_ACCESS))


def _read_access() -> Access | None:
    slug = session.get("slug")
    if not isinstance(slug, str) or _session_ended():
        return None
    version, pid, pv = session.get("lv"), session.get("pid", PI_ID), session.get("pv", 0)
    svc = services()
    if not isinstance(version, int) or not isinstance(pid, str) or not isinstance(pv, int):
        access = None
    else:
        access = Access(slug, version, pid, pv)
    if (
        access is None
        or svc.versions.current(slug) != version
        or not svc.signer.person_valid(access)
    ):
        session.clear()
        session["revoked"] = True  # so the page can say why, not just "please sign in"
        return None
    return access


def current_alliance() -> str | None:
    """The signed-in alliance's slug, if its link version is still the valid one."""
    access = current_access()
    return access.slug if access else None


def office_signed_in() -> bool:
    """Whether the office is signed in (its password unchanged); read once per request."""
    if _OFFICE not in g:
        g.setdefault(_OFFICE, _read_office())
    return bool(g.get(_OFFICE))


def _read_office() -> bool:
    mark = session.get("office")
    if not isinstance(mark, str) or _session_ended():
        return False
    return mark == password_fingerprint(services().config.paths.admin_password)


def alliance_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: object, **kwargs: object) -> object:
        access = current_access()
        if access is None:
            kind = "revoked" if session.get("revoked") else "login"
            return error_page(kind, 403)
        services().people.touch(access.slug, access.pid)  # "last used" on the office's page
        return view(*args, **kwargs)

    return cast(F, wrapper)


def office_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: object, **kwargs: object) -> object:
        if not office_signed_in():
            return redirect(url_for("auth.office_login", next=request.path))
        return view(*args, **kwargs)

    return cast(F, wrapper)


@bp.get("/")
def index() -> Response | str:
    if current_alliance():
        return redirect(url_for("alliance.home"))
    if office_signed_in():
        return redirect(url_for("office.overview"))
    return render_template("index.html")


@bp.get("/link/<token>")
def use_link(token: str) -> Response | tuple[str, int]:

    svc = services()
    bucket = f"login:{client_address()}"
    blocked(bucket, svc.config.login_limit)
    try:
        access = svc.signer.identify(token)
    except LinkError as exc:
        # Only a forged token counts toward the address's limit: a genuine link that expired
        # or was revoked (last year's e-mail, clicked again and again behind a university's
        # one NAT address) must not lock everyone behind that address out.
        if exc.kind == "bad":
            svc.limiter.hit(bucket, svc.config.login_limit)
        return error_page(exc.kind, 403 if exc.kind == "bad" else 410, link_slug=exc.slug)
    _start_session(slug=access.slug, lv=access.version, pid=access.pid, pv=access.person_version)
    svc.people.touch(access.slug, access.pid)
    return redirect(url_for("alliance.home"), code=303)


@bp.post("/logout")
def logout() -> Response:
    sid = session.get("sid")
    if isinstance(sid, str):
        services().ended_sessions.end(sid)  # every copy of this cookie stops working
    _forget_signed_in()
    session.clear()
    return redirect(url_for("auth.index"), code=303)


#: A local office path of printable ASCII only: no scheme, no host, no control characters
#: (CR/LF would split the Location header), no spaces, no backslashes.
_SAFE_NEXT_RE = re.compile(r"^/office(?:[/?][!#-\[\]-~]*)?$")


def _safe_next(target: str | None) -> str:
    """Only a local office path may be the target after login (no open redirect)."""
    if target and _SAFE_NEXT_RE.fullmatch(target) and "//" not in target:
        return target
    return url_for("office.overview")


@bp.route("/office/login", methods=["GET", "POST"])
def office_login() -> Response | tuple[str, int] | str:
    svc = services()
    failed = False
    if request.method == "POST":
        bucket = f"login:{client_address()}"
        blocked(bucket, svc.config.login_limit)
        password = request.form.get("password", "")
        if check_password(svc.config.paths.admin_password, password):
            _start_session(office=password_fingerprint(svc.config.paths.admin_password))
            svc.audit.record(
                actor="office", action="office.login", slug="", remote_addr=client_address()
            )
            return redirect(_safe_next(request.args.get("next")), code=303)
        svc.limiter.hit(bucket, svc.config.login_limit)
        failed = True
    configured = svc.config.paths.admin_password.exists()
    body = render_template("office_login.html", failed=failed, configured=configured)
    return (body, 401) if failed else body

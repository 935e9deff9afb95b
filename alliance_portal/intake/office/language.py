"""One language at a time in the office console: zh-TW by default, English on request.

Why a cookie, not the session: the choice is a reading preference, not a right; it must hold on
the sign-in page (before any session) and after signing out, and it is harmless to forge. The
switch is a plain link (``/office/language/en?next=/office/...``) like the portal's language
link; ``next`` is only ever a path inside the console, so the link cannot send anyone elsewhere.

The alliances' form keeps both languages on every page (its readers are professors and their
assistants, some of whom read only one of them); only pages under ``/office`` follow the choice.
Templates write ``{{ t("中文", "English") }}`` or ``{{ t(bilingual) }}`` and read ``lang`` for
the rare block that differs by more than words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from flask import Blueprint, current_app, redirect, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from alliance_portal.registry.bilingual import Bilingual

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
#: The cookie that remembers the office's choice (one year; path /office only).
LANG_COOKIE = "console_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
#: The ``lang`` attribute of a page in each language.
HTML_LANG: dict[Lang, str] = {"zh": "zh-Hant-TW", "en": "en"}
#: How the switch link names the other language (in that language, as the portal does).
OTHER_LANGUAGE: dict[Lang, tuple[Lang, str]] = {"zh": ("en", "English"), "en": ("zh", "中文")}

bp = Blueprint("language", __name__, url_prefix="/office")


def in_console() -> bool:
    """Whether this request shows a console page (which reads one language at a time)."""
    return request.path == "/office" or request.path.startswith("/office/")


def console_lang() -> Lang:
    """The office's chosen language (zh-TW unless the cookie says English)."""
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def page_lang() -> Lang | None:
    """The one language this page is shown in, or None for a page in both (the form)."""
    return console_lang() if in_console() else None


def t(text: str | Bilingual, en: str | None = None) -> str | Markup:
    """``text`` in the page's language: ``t(bilingual)`` or ``t("中文", "English")``.

    Outside the console (the alliances' form) both are shown, zh-TW first, the English marked
    ``lang="en"`` so screen readers read it as English.
    """
    if isinstance(text, Bilingual):
        zh, english = text.zh, text.en
    else:
        zh, english = text, text if en is None else en
    lang = page_lang()
    if lang == "zh":
        return zh or english
    if lang == "en":
        return english or zh
    if not english or english == zh:
        return zh
    return Markup('{} <span lang="en">{}</span>').format(zh, english)


def alliance_name(name: object, name_en: object = "", slug: str = "") -> str:
    """An alliance's name in the page's language: its English name (``name_en``) on an English
    console page when the alliance gave one, else its Chinese name, else its slug. A name is a
    proper name, so the English page shows the Chinese one rather than nothing."""
    zh = name if isinstance(name, str) else ""
    en = name_en if isinstance(name_en, str) else ""
    if page_lang() == "en" and en.strip():
        return en
    return zh or en or slug


def _safe_next(target: str | None) -> str:
    """A path inside the console to return to; the console's home for anything else."""
    if target and target.startswith("/office") and "//" not in target and "\\" not in target:
        return target
    return url_for("office.overview")


@bp.get("/language/<lang>")
def switch(lang: str) -> Response:
    """Remember ``lang`` and go back to the page the switch was pressed on."""
    response = redirect(_safe_next(request.args.get("next")), code=303)
    if lang in LANGS:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_SECONDS,
            path="/office",
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def _page_to_return_to() -> str:
    """This page's address, one a link can open again: a page a form's POST answered (an
    import's preview, a refused form) has none, so the nearest page above it (the import, the
    deadline page), never an address that answers a link with 405."""
    if request.method == "GET":
        return request.full_path.rstrip("?") if request.query_string else request.path
    adapter = current_app.url_map.bind_to_environ(request.environ)
    path = request.path.rstrip("/")
    for _ in range(MAX_PATH_STEPS):
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:
            return path  # the page is there, with a slash
        except HTTPException:
            path = path.rsplit("/", 1)[0]
            if not path.startswith("/office"):
                break
            continue
        return path
    return url_for("office.overview")


#: How many path segments the switch climbs from a POST's address to find a page.
MAX_PATH_STEPS = 4


def switch_link() -> tuple[str, str, str]:
    """(href, lang code, label) of the link to the other language, back to this page."""
    other, label = OTHER_LANGUAGE[console_lang()]
    return url_for("language.switch", lang=other, next=_page_to_return_to()), other, label


def language_template_helpers() -> dict[str, Callable[..., object]]:
    return {
        "t": t,
        "console_lang": console_lang,
        "page_lang": page_lang,
        "html_lang": lambda: HTML_LANG[page_lang() or "zh"],
        "language_switch": switch_link,
        "alliance_name": alliance_name,
    }

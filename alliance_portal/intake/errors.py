"""The form's error pages: one bilingual page per kind of failure (see ``messages.ERRORS``)."""

from __future__ import annotations

from flask import render_template

from alliance_portal.intake.messages import ERRORS


def error_page(kind: str, status: int, **extra: object) -> tuple[str, int]:
    title, text = ERRORS[kind]
    return render_template("error.html", title=title, text=text, status=status, **extra), status

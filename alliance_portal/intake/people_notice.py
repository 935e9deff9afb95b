"""What a person is told after a change to who has access, on the form and in the console.

Shared by the PI's 設定助理 (``form/assistant_views.py``) and the office's 帳號與權限
(``office/people_views.py``): the messages for each people error code, the notice shown after a
change (with a new link to copy, if any), the one address links are built on, and what a link
letter says of the alliance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request

from alliance_portal.intake.invitations import letter_due, letter_names
from alliance_portal.intake.messages import Text
from alliance_portal.intake.services import services

PEOPLE_ERRORS: dict[str, Text] = {
    "bad-email": Text(
        "這不是有效的電子郵件地址，請填寫一個地址，例如 name@example.edu.tw。",
        "That is not an e-mail address; write one address such as name@example.edu.tw.",
    ),
    "exists": Text(
        "這位助理已有權限；如需新連結，請按該助理旁的「寄送新連結」。",
        "This assistant already has access; use “Send a new link” next to them for a new link.",
    ),
    "is-pi": Text(
        "這是計畫主持人本人的地址，不需加為助理。",
        "That is the principal investigator's own address; it need not be added.",
    ),
    "too-many": Text(
        "助理人數已達上限，請先移除不再參與的助理。",
        "There are as many assistants as allowed; remove one who has left first.",
    ),
    "unknown": Text("找不到這位助理。", "No such assistant."),
    "not-assistant": Text("只能移除助理。", "Only assistants can be removed."),
}


@dataclass(frozen=True, slots=True)
class PeopleNotice:
    """What the PI is told after a change: a message, and a new link to copy (if any)."""

    text: Text
    url: str = ""
    error: bool = False


#: What the office is told where a letter should carry a personal link but cannot.
NO_PUBLIC_URL = Text(
    "尚未設定表單的公開網址，所以信中無法附上個人連結。請系統管理員在設定檔 alliance.toml 的"
    " [form] public_url 填入表單的網址（https://…），再重新啟動表單伺服器（docs/operations.md）。",
    "The form's public address is not set, so no letter can carry a personal link. Ask the"
    " administrator to set [form] public_url in alliance.toml to the form's address (https://…)"
    " and restart the form server (docs/operations.md).",
)


def public_url() -> str:
    """The form's public address for links in e-mails ('' when not configured).

    Only the configured address (``intake serve --public-url``, :attr:`IntakeConfig.public_url`)
    is ever e-mailed: a link built from the request would take its host from the request's
    Host header, which whoever sends the request chooses.
    """
    return services().config.public_url.rstrip("/")


def copy_base_url() -> str:
    """The address of a link shown on screen for the signed-in person to copy (never e-mailed):
    the public address, else the address this very person is using."""
    return public_url() or request.url_root


def letter_facts(slug: str) -> dict[str, Any]:
    """What a link letter says of the alliance (``send_link``'s keywords): its names in each
    language and the submission deadline to come, as the form shows it."""
    svc = services()
    name, name_en = letter_names(svc.store.read_profile(slug).values)
    return {
        "alliance_name": name,
        "alliance_name_en": name_en,
        "due": letter_due(svc.deadline_status()),
    }

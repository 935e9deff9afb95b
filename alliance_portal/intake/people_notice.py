"""What a person is told after a change to who has access, on the form and in the console.

Shared by the PI's 設定助理 (``form/assistant_views.py``) and the office's 帳號與權限
(``office/people_views.py``): the messages for each people error code, the notice shown after a
change (with a new link to copy, if any), and the address the links are built on.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

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


def base_url() -> str:
    """The address people reach the form at: configured, or the address of this request."""
    return services().config.public_url or request.url_root

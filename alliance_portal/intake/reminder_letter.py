"""The text of a deadline reminder, zh-TW first, then English (sent by :mod:`.reminders`).

Kept apart from the planning and sending so the wording can be read (and reviewed by the
office) in one place: what each missing item is called, the greeting, and where to update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal, Protocol

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.smtp import header_text

Missing = Literal["banner", "profile", "website"]


class Stage(Protocol):
    """Which reminder of which deadline (:class:`alliance_portal.intake.reminders.Stage`)."""

    @property
    def deadline(self) -> dt.date: ...
    @property
    def kind(self) -> str: ...
    @property
    def days(self) -> int: ...


class Reminder(Protocol):
    """One alliance's reminder (:class:`alliance_portal.intake.reminders.Reminder`)."""

    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def missing(self) -> Sequence[str]: ...
    @property
    def to_pi(self) -> bool: ...


#: What each missing item is called in a reminder, and how to fix it.
MISSING_TEXT: dict[str, Bilingual] = {
    "banner": Bilingual(
        "入口網橫幅（222 × 112 像素的 PNG 檔）",
        "the portal banner (a PNG of 222 × 112 pixels)",
    ),
    "profile": Bilingual(
        "完整的聯盟基本資料（名稱、學校、產業分類、網站等必填欄位）",
        "a complete profile (name, university, industry, website and the other required fields)",
    ),
    "website": Bilingual("聯盟網站網址", "the alliance website's address"),
}


def reminder_letter(reminder: Reminder, stage: Stage, link: str = "") -> tuple[str, str]:
    """Subject and body of one reminder, zh-TW first, then English.

    ``link`` is the PI's personal link, given only when the reminder goes to the PI's own
    address; a reminder to anyone else says the PI can update with their own link."""
    name = header_text(reminder.name or reminder.slug)
    d = stage.deadline
    zh_date = f"{d.year} 年 {d.month} 月 {d.day} 日"
    if stage.kind == "before":
        subject = Bilingual(
            f"{name}：請於 {zh_date}前補齊資料",
            f"Reminder: please complete your data by {d.isoformat()}",
        )
        lead = Bilingual(
            f"提醒您，產學小聯盟的繳交期限是 {zh_date}（還有 {stage.days} 天），貴聯盟尚缺：",
            f"A reminder: the alliances' submission deadline is {d.isoformat()} (in {stage.days} "
            "days), and your alliance has not yet delivered:",
        )
    else:
        subject = Bilingual(
            f"{name}：繳交期限已過，請盡快補齊資料",
            "The deadline has passed: please complete your data",
        )
        lead = Bilingual(
            f"產學小聯盟的繳交期限 {zh_date}已過 {stage.days} 天，貴聯盟仍缺：",
            f"The alliances' submission deadline, {d.isoformat()}, passed {stage.days} days ago, "
            "and your alliance still has not delivered:",
        )
    items = Bilingual(
        "\n".join(f"  - {MISSING_TEXT[m].zh}" for m in reminder.missing),
        "\n".join(f"  - {MISSING_TEXT[m].en}" for m in reminder.missing),
    )
    if link:
        where = Bilingual(
            f"請用計畫主持人的個人連結更新（僅供本人使用，請勿轉寄）：\n\n{link}\n",
            f"Update it with the principal investigator's personal link (do not forward it):"
            f"\n\n{link}\n",
        )
    elif reminder.to_pi:
        where = Bilingual(
            "請用計畫辦公室寄給您的個人連結更新；找不到連結請直接回覆本信。\n",
            "Update it with the personal link the office sent you; if you cannot find it, reply "
            "to this e-mail.\n",
        )
    else:
        where = Bilingual(
            "計畫主持人可用自己的個人連結更新，或在表單中將您加為助理；找不到連結請直接回覆本信。\n",
            "The principal investigator can update it with their personal link, or add you as"
            " an assistant in the form; if the link is lost, reply to this e-mail.\n",
        )
    greet = (
        Bilingual("計畫主持人您好：", "Dear principal investigator,")
        if reminder.to_pi
        else Bilingual(f"{name} 您好：", f"Dear {name} team,")
    )
    body = f"""{greet.zh}

{lead.zh}

{items.zh}

{where.zh}
已補齊的項目會在下次提醒前自動從清單中移除；如有問題請直接回覆本信。

產學小聯盟計畫辦公室

----------------------------------------------------------------------

{greet.en}

{lead.en}

{items.en}

{where.en}
Delivered items leave the list before the next reminder; reply to this e-mail with any question.

The alliance programme office
"""
    return subject.joined(" "), body

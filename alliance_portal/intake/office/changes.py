"""Changes as the office reads them: who made each one and what it was, in plain words.

The audit log keeps machine keys (``profile.save``, ``alliance:smart-motor``,
``pi:wang@...``, SHA-256 digests) because other tools read it; a person reading the console
sees "計畫主持人 李國維 更新基本資料" instead. Who: the PI by the name in the profile (their
e-mail when the profile names nobody), an assistant by their e-mail, the office, the office's
command line, or the monitor. What: one phrase per action; an action added later and not yet
named here shows as "其他變更 Other change" rather than as its key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alliance_portal.registry.audit import AuditEntry
from alliance_portal.registry.bilingual import Bilingual

#: What each audit action did, in both languages.
ACTIONS: dict[str, Bilingual] = {
    "profile.save": Bilingual("更新基本資料", "Updated the profile"),
    "profile.import": Bilingual("由試算表匯入基本資料", "Imported the profile from a spreadsheet"),
    "profile.restore": Bilingual("還原先前的基本資料", "Restored an earlier profile"),
    "profile.office": Bilingual("辦公室修改基本資料", "The office edited the profile"),
    "banner.save": Bilingual("上傳橫幅", "Uploaded a banner"),
    "banner.restore": Bilingual("還原先前的橫幅", "Restored an earlier banner"),
    "link.issue": Bilingual("發出更新連結", "Issued an update link"),
    "link.revoke": Bilingual("撤銷舊的更新連結", "Revoked the older update links"),
    "link.send": Bilingual("寄出更新連結", "E-mailed an update link"),
    "link.draft": Bilingual("將連結信存成草稿", "Saved the link e-mail as a draft"),
    "people.add": Bilingual("新增助理", "Added an assistant"),
    "people.remove": Bilingual("移除助理", "Removed an assistant"),
    "people.pi": Bilingual("設定計畫主持人信箱", "Set the PI's e-mail"),
    "monitor.recheck": Bilingual("重新檢查網站", "Re-checked the website"),
    "notice.sent": Bilingual("寄出月檢通知", "Sent the monthly check notice"),
    "notices.send": Bilingual("寄出月檢通知", "Sent the monthly check notices"),
    "reminder.send": Bilingual("寄出截止日提醒", "Sent a deadline reminder"),
    "reminders.set": Bilingual("設定提醒", "Set the reminders"),
    "deadline.set": Bilingual("設定截止日", "Set the deadline"),
    "portal.publish": Bilingual("發布入口網", "Published the portal"),
    "portal.published": Bilingual("發布入口網", "Published the portal"),
    "portal.publish-failed": Bilingual("發布入口網失敗", "Publishing the portal failed"),
    "office.login": Bilingual("辦公室登入", "The office signed in"),
    "office.password": Bilingual("變更辦公室密碼", "Changed the office password"),
}
OTHER_ACTION = Bilingual("其他變更", "Other change")
#: The actions the overview's "recent changes" lists: what the alliances (or the office for
#: them) changed in their profile and banner.
CONTENT_ACTIONS = ("profile.", "banner.")


@dataclass(frozen=True, slots=True)
class ChangeLine:
    """One audit entry as a person reads it."""

    time: str  # ISO, UTC
    slug: str
    who: Bilingual
    what: Bilingual


def who_made(entry: AuditEntry, pi_names: Mapping[str, str]) -> Bilingual:
    """Who made the change, in plain words (``pi_names``: slug -> the PI's name in the profile)."""
    role, _, email = entry.person.partition(":")
    if role == "pi":
        name = pi_names.get(entry.slug, "") or email
        return Bilingual(f"計畫主持人 {name}".strip(), f"PI {name}".strip())
    if role == "assistant":
        return Bilingual(f"助理 {email}".strip(), f"assistant {email}".strip())
    actor = entry.actor
    if actor == "office":
        return Bilingual("計畫辦公室", "the office")
    if actor == "cli" or actor.startswith("cli:"):
        user = actor.removeprefix("cli").removeprefix(":")
        if not user:
            return Bilingual("計畫辦公室（命令列）", "the office (command line)")
        return Bilingual(f"計畫辦公室（命令列，{user}）", f"the office (command line, {user})")
    if actor.startswith("alliance:"):
        return Bilingual("聯盟（以更新連結）", "the alliance (with its update link)")
    if actor.startswith("monitor") or actor.startswith("schedule"):
        return Bilingual("網站月檢", "the monthly check")
    return Bilingual("其他", "someone else")


def change_line(entry: AuditEntry, pi_names: Mapping[str, str]) -> ChangeLine:
    return ChangeLine(
        time=entry.time,
        slug=entry.slug,
        who=who_made(entry, pi_names),
        what=ACTIONS.get(entry.action, OTHER_ACTION),
    )

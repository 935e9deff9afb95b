"""The office console's navigation bar: one list of pages, shown on every console page.

An entry appears only when its page is registered on this app, so a page another part of the
console adds later (for example who has access) joins the bar by being listed here.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from alliance_portal.intake.jobs import JOB_KINDS
from alliance_portal.intake.office.names import name_of
from alliance_portal.intake.office_hooks import NOTICE_STATE_WORDS
from alliance_portal.intake.overview import PART_WORDS
from alliance_portal.intake.services import services
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import CHECK_WORDS, SHOWN_STATUS_WORDS

#: (endpoint, its title), in the order of the office's year.
CONSOLE_PAGES: tuple[tuple[str, Bilingual], ...] = (
    ("office.overview", Bilingual("繳交狀況", "Submissions")),
    ("imports.page", Bilingual("匯入聯盟資料", "Import")),
    ("people.page", Bilingual("帳號與權限", "Who has access")),
    ("deadlines.page", Bilingual("截止日與提醒", "Deadline and reminders")),
    ("reports.months", Bilingual("月檢報告", "Monthly reports")),
    ("jobs.crawl_page", Bilingual("立即檢查網站", "Check all websites now")),
    ("notices.months", Bilingual("通知", "Notices")),
    ("jobs.publish_page", Bilingual("發布入口網", "Publish the portal")),
    ("password.page", Bilingual("變更密碼", "Password")),
)


def console_nav() -> list[tuple[str, Bilingual]]:
    endpoints = current_app.view_functions
    return [page for page in CONSOLE_PAGES if page[0] in endpoints]


def notices_enabled() -> bool:
    return services().config.office.notices is not None


def console_template_helpers() -> dict[str, Callable[..., object]]:
    """What every console template may call; the words come from Python, never a template's
    own table of pairs (one place per word: the report and the console say the same)."""
    return {
        "console_nav": console_nav,
        "notices_enabled": notices_enabled,
        "name_of": name_of,
        "status_word": SHOWN_STATUS_WORDS.get,
        "part_word": PART_WORDS.__getitem__,
        "job_kind": JOB_KINDS.__getitem__,
        "check_word": CHECK_WORDS.__getitem__,
        "notice_state": NOTICE_STATE_WORDS.__getitem__,
    }

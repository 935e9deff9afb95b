"""The office console's navigation bar: one list of pages, shown on every console page.

An entry appears only when its page is registered on this app, so a page another part of the
console adds later (for example who has access) joins the bar by being listed here.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from alliance_portal.intake.services import services

#: (endpoint, zh-TW, English), in the order of the office's year.
CONSOLE_PAGES: tuple[tuple[str, str, str], ...] = (
    ("office.overview", "繳交狀況", "Submissions"),
    ("imports.page", "匯入聯盟資料", "Import"),
    ("people.page", "帳號與權限", "Who has access"),
    ("deadlines.page", "截止日與提醒", "Deadline and reminders"),
    ("reports.months", "月檢報告", "Monthly reports"),
    ("jobs.crawl_page", "立即檢查網站", "Check all websites now"),
    ("notices.months", "通知", "Notices"),
    ("jobs.publish_page", "發布入口網", "Publish the portal"),
    ("password.page", "變更密碼", "Password"),
)


def console_nav() -> list[tuple[str, str, str]]:
    endpoints = current_app.view_functions
    return [page for page in CONSOLE_PAGES if page[0] in endpoints]


def notices_enabled() -> bool:
    return services().config.office.notices is not None


def console_template_helpers() -> dict[str, Callable[[], object]]:
    return {"console_nav": console_nav, "notices_enabled": notices_enabled}

"""The office console's pages in headless Chromium at 1280 and 360 px (issue 16, "The report and
the console"): one language at a time with a switch, counts of active alliances that agree
with the portal, inactive alliances marked and not offered a re-check, changes said in plain
words, checks that could not run shown grey, the month report with the console's menu and a
link from each row, a notice shown as the letter, and the long lists searched and filtered.

Real waitress on loopback, the monitor's real report files from a real SQLite database, real
notice drafts. With ``ALLIANCE_DOC_SCREENSHOTS`` set, the pages the office guide shows are
saved there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_console_app import OFFICE_PASSWORD, build_console, csrf_from, office_client
from test_console_browser import shoot
from test_intake_browser import axe_violations
from test_intake_support import running_server, services_of
from test_notify import free_port

from alliance_portal.registry.active import active_alliances
from alliance_portal.registry.profiles import load_registry
from monitor.notices.compose import plan_notices, write_drafts
from monitor.reports.month import build_month_report, load_alliances

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Office:
    url: str
    app: Any
    content: Path
    reports: Path


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    root = tmp_path_factory.mktemp("console-pages")
    console = build_console(root, free_port())
    content = console.monitor.content
    profiles = content / "alliances"
    # The PI's name in a profile, and one alliance the office made inactive.
    with (profiles / "good-motor.toml").open("a", encoding="utf-8") as fh:
        fh.write('pi = "李國維"\n')
    with (profiles / "no-contact.toml").open("a", encoding="utf-8") as fh:
        fh.write("active = false\n")
    svc = services_of(console.app)
    svc.audit.record(
        actor="alliance:good-motor",
        action="profile.save",
        slug="good-motor",
        file="content/alliances/good-motor.toml",
        sha256="ab12cd34ef56" * 5,
        person="pi:li.kw@example.edu.tw",
    )
    svc.audit.record(
        actor="alliance:good-motor",
        action="banner.save",
        slug="good-motor",
        sha256="ff00ee11dd22" * 5,
        person="assistant:helper.lin@example.edu.tw",
    )
    svc.audit.record(actor="office", action="profile.import", slug="comeback", detail="x")
    # Someone of good-motor has signed in; nobody of the others has.
    pi = svc.people.set_pi("good-motor", "li.kw@example.edu.tw", by="office")
    _mark_used(svc, "good-motor", pi.pid)
    # The month's notice drafts, as `alliance notify` writes them.
    report = build_month_report(console.monitor.store, "2026-05")
    plan = plan_notices(
        report,
        load_alliances(content),
        sender="產學小聯盟計畫辦公室 <office@example.org.tw>",
    )
    write_drafts(plan, console.monitor.reports / "2026-05")
    try:
        with running_server(console.app) as url:
            yield Office(url, console.app, content, console.monitor.reports)
    finally:
        svc.jobs.close()
        svc.rebuilder.close()


def _mark_used(svc: Any, slug: str, pid: str) -> None:
    """Record that the person used their link (what signing in with it records)."""
    from alliance_portal.intake.people import now_iso

    svc.people._change(slug, pid, last_used=now_iso())


def signed_in(browser: Any, office: Office, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{office.url}/office/login")
    page.locator("#password").fill(OFFICE_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{office.url}/office/", timeout=WAIT_MS)
    return page


def no_page_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture(params=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return DESKTOP if request.param == "desktop" else PHONE


def test_one_language_at_a_time_with_a_switch_that_is_remembered(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, office, viewport)
    try:
        assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
        main = page.locator("main").inner_text()
        assert "繳交狀況" in main and "Submission status" not in main
        nav = page.locator("nav.console").inner_text()
        assert "月檢報告" in nav and "Monthly reports" not in nav
        if viewport is DESKTOP:
            shoot(page, "console-home")
        page.locator("#lang-switch").click()
        page.wait_for_load_state()
        assert page.url.rstrip("/").endswith("/office")
        assert page.locator("html").get_attribute("lang") == "en"
        main = page.locator("main").inner_text()
        assert "Submission status" in main and "繳交狀況" not in main
        assert "Active alliances" in main
        # Remembered on the next page, the report list, and on the alliance page.
        page.goto(f"{office.url}/office/reports/")
        assert page.locator("h1").inner_text() == "Monthly website check reports"
        page.goto(f"{office.url}/office/alliances/good-motor")
        assert page.locator("h1").inner_text() == "Smart Motor Alliance"
        assert "Every month's results" in page.locator("main").inner_text()
        assert no_page_overflow(page)
        assert axe_violations(browser, page) == []
        page.locator("#lang-switch").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
        assert "每月檢查結果" in page.locator("main").inner_text()
    finally:
        page.context.close()


def test_counts_agree_with_the_portal_and_inactive_alliances_are_marked(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    portal_count = len(active_alliances(load_registry(office.content).alliances))
    assert portal_count == 6  # seven profiles, one inactive
    page = signed_in(browser, office, viewport)
    try:
        count = page.locator("#count-active").inner_text()
        assert re.search(rf"：?\s*{portal_count}\b", count), count
        assert "另有 1 個已停用" in count
        row = page.locator("#row-no-contact")
        assert "已停用" in row.inner_text()
        assert no_page_overflow(page)
        assert axe_violations(browser, page) == []
        # The inactive alliance's page says so and offers no re-check.
        page.goto(f"{office.url}/office/alliances/no-contact")
        assert page.locator("#inactive").is_visible()
        assert page.locator("#no-recheck").is_visible()
        assert page.get_by_role("button", name=re.compile("重新檢查")).count() == 0
        assert "已停用" in page.locator("#profile-active").inner_text()
        # An active alliance is offered one.
        page.goto(f"{office.url}/office/alliances/good-motor")
        assert page.get_by_role("button", name=re.compile("立即重新檢查")).count() == 1
    finally:
        page.context.close()
    # The server refuses a re-check of an inactive alliance too (not only the button is gone).
    client = office_client(office.app)
    token = csrf_from(client, "/office/alliances/good-motor")
    refused = client.post("/office/alliances/no-contact/recheck", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "已停用" in refused.get_data(as_text=True)


def test_changes_say_who_and_what_in_plain_words(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, office, viewport)
    try:
        recent = page.locator("#recent").inner_text()
        assert "計畫主持人 李國維 更新基本資料" in recent
        assert "助理 helper.lin@example.edu.tw 上傳橫幅" in recent
        assert "計畫辦公室 由試算表匯入基本資料" in recent
        main = page.locator("main").inner_text()
        for raw in ("profile.save", "banner.save", "alliance:", "pi:", "ab12cd34", "UTC"):
            assert raw not in main, raw
        page.goto(f"{office.url}/office/alliances/good-motor")
        changes = page.locator("#changes").inner_text()
        assert "計畫主持人 李國維 · 更新基本資料" in changes
        assert "助理 helper.lin@example.edu.tw · 上傳橫幅" in changes
        main = page.locator("main").inner_text()
        for raw in ("profile.save", "ab12cd34", "ff00ee11", "True", "False", "ict\n"):
            assert raw not in main, raw
        assert "資通訊" in page.locator("dl.profile").inner_text()  # the industry by its name
        assert no_page_overflow(page)
        if viewport is DESKTOP:
            shoot(page, "console-alliance-changes", "section[aria-labelledby=h-changes]")
    finally:
        page.context.close()


def test_checks_that_could_not_run_are_grey_not_failed(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, office, viewport)
    try:
        page.goto(f"{office.url}/office/alliances/newly-bad")
        may = page.locator("#result-2026-05")
        loads = may.locator("tr.check-loads .status-badge")
        assert "fail" in (loads.get_attribute("class") or "")
        for name in ("credit", "updates"):
            row = may.locator(f"tr.check-{name}")
            badge = row.locator(".status-badge")
            assert "not-checked" in (badge.get_attribute("class") or "")
            assert badge.inner_text() == "未檢查"
            assert "未檢查：無法連線" in row.inner_text()  # what the homepage check found
            colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
            r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
            assert max(r, g, b) - min(r, g, b) < 20, colour  # grey, not red
        assert no_page_overflow(page)
    finally:
        page.context.close()


def test_the_report_has_the_console_menu_row_links_and_shows_a_notice_as_a_letter(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, office, viewport)
    try:
        page.goto(f"{office.url}/office/reports/")
        may = page.locator("#month-2026-05").inner_text()
        assert "精密光電產學聯盟" in may and "newly-bad" not in may  # names, not slugs
        page.goto(f"{office.url}/office/reports/2026-05/")
        nav = page.locator("nav.console-nav")
        assert nav.is_visible()
        assert "繳交狀況" in nav.inner_text() and "帳號與權限" in nav.inner_text()
        page.wait_for_selector("#filters:not([hidden])", timeout=WAIT_MS)  # its script still runs
        row = page.locator("#a-newly-bad")
        link = row.locator("a.console-link")
        assert link.get_attribute("href") == "/office/alliances/newly-bad"
        credit = row.locator("td.check").nth(1)
        assert "s-not-checked" in (credit.locator(".badge").get_attribute("class") or "")
        if viewport is DESKTOP:
            shoot(page, "console-report-menu")
            shoot(page, "console-report-row-not-checked", "#a-newly-bad")
        # The notice opens as a letter: decoded subject and recipient, readable text.
        row.locator("a.notice-link").click()
        page.wait_for_url(re.compile(r".*/notices/newly-bad\.eml$"), timeout=WAIT_MS)
        letter = page.locator("#letter").inner_text()
        assert "newly-bad@example.edu.tw" in letter
        assert "=?utf-8?" not in letter and "Content-Transfer-Encoding" not in letter
        assert "精密光電產學聯盟" in letter  # the subject and body, decoded
        assert "網站開啟" in letter and "Site opens" in letter  # both languages of the letter
        assert no_page_overflow(page)
        assert axe_violations(browser, page) == []
        if viewport is DESKTOP:
            shoot(page, "console-notice-letter")
        page.goto(f"{office.url}/office/reports/2026-05/")
        page.locator("#a-newly-bad a.console-link").click()
        page.wait_for_url(f"{office.url}/office/alliances/newly-bad", timeout=WAIT_MS)
    finally:
        page.context.close()


def test_submissions_are_searched_and_filtered(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, office, viewport)
    try:
        rows = page.locator("#submissions tbody tr")
        assert rows.count() == 7
        page.locator("#f-q").fill("光電")
        page.locator("#filters button[type=submit]").click()
        page.wait_for_url(re.compile(r".*q=.*"), timeout=WAIT_MS)
        assert [r.get_attribute("id") for r in rows.all()] == ["row-newly-bad"]
        page.goto(f"{office.url}/office/")
        page.locator("#f-show").select_option("failing")
        page.locator("#filters button[type=submit]").click()
        page.wait_for_url(re.compile(r".*show=failing.*"), timeout=WAIT_MS)
        failing = {r.get_attribute("id") for r in rows.all()}
        assert "row-newly-bad" in failing and "row-good-motor" not in failing
        assert "row-no-contact" not in failing  # inactive: never "failing" work for the office
        page.locator("#f-show").select_option("never-signed-in")
        page.locator("#filters button[type=submit]").click()
        page.wait_for_url(re.compile(r".*show=never-signed-in.*"), timeout=WAIT_MS)
        never = {r.get_attribute("id") for r in rows.all()}
        assert "row-good-motor" not in never and "row-comeback" in never
        page.locator("#f-show").select_option("no-banner")
        page.locator("#filters button[type=submit]").click()
        page.wait_for_url(re.compile(r".*show=no-banner.*"), timeout=WAIT_MS)
        assert rows.count() == 6  # no banners in this registry; the inactive one is left out
        assert "顯示 6 / 7" in page.locator("#f-count").inner_text()
        assert no_page_overflow(page)
        assert axe_violations(browser, page) == []
        if viewport is PHONE:
            shoot(page, "console-home-phone")
    finally:
        page.context.close()


def test_people_page_is_searched_fits_a_phone_and_answers_in_the_row(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, office, viewport)
    try:
        page.goto(f"{office.url}/office/people/")
        assert page.locator("#access tbody tr").count() == 7
        assert no_page_overflow(page), page.evaluate("document.documentElement.scrollWidth")
        if viewport is PHONE:
            shoot(page, "console-people-phone")
        page.locator("#f-q").fill("光電")
        page.locator("#filters button[type=submit]").click()
        page.wait_for_url(re.compile(r".*q=.*"), timeout=WAIT_MS)
        assert [r.get_attribute("id") for r in page.locator("#access tbody tr").all()] == [
            "access-newly-bad"
        ]
        # An action's message shows in the row acted on, and the list stays filtered.
        address = f"pi.{viewport['width']}@example.edu.tw"
        page.locator("#pi-newly-bad").fill(address)
        page.locator("#access-newly-bad form.inline button[type=submit]").first.click()
        page.wait_for_selector("#access-newly-bad #people-notice", timeout=WAIT_MS)
        assert address in page.locator("#access-newly-bad #people-notice").inner_text()
        assert "q=" in page.url and page.url.endswith("#access-newly-bad")
        assert page.locator("#access tbody tr").count() == 1
        assert no_page_overflow(page)
        assert axe_violations(browser, page) == []
        if viewport is DESKTOP:
            shoot(page, "console-people")
        page.goto(f"{office.url}/office/people/?show=never-signed-in")
        ids = {r.get_attribute("id") for r in page.locator("#access tbody tr").all()}
        assert "access-good-motor" not in ids and "access-comeback" in ids
    finally:
        page.context.close()


#: Pages the office reads in one language (issue 16.11), with a heading in each.
ONE_LANGUAGE_PAGES = {
    "/office/people/": ("帳號與權限", "Who has access"),
    "/office/deadlines/": ("截止日與提醒", "Deadline and reminders"),
    "/office/notices/2026-05": ("2026-05 網站檢查通知", "Website check notices, 2026-05"),
    "/office/publish": ("發布入口網", "Publish the portal"),
    "/office/import": ("匯入聯盟資料", "Import alliances from a spreadsheet"),
    "/office/password": ("變更辦公室密碼", "Change the office password"),
    "/office/alliances/good-motor/edit": ("編輯基本資料", "Edit the profile"),
}
_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")
#: Read as written: the alliances' names and university, what a homepage or a letter says.
_AS_WRITTEN = "main code, main pre, main q.evidence, main .as-sent, main dl.letter-headers"


def _labels(page: Any) -> str:
    """The main content's text without what is quoted as written."""
    return str(
        page.evaluate(
            """(skip) => {
                const main = document.querySelector("main").cloneNode(true);
                main.querySelectorAll(skip.replaceAll("main ", "")).forEach((e) => e.remove());
                return main.textContent;
            }""",
            _AS_WRITTEN,
        )
    )


def _chinese_labels(page: Any, content: Path) -> list[str]:
    """Chinese words the main content shows that are not proper names or quoted text."""
    text = _labels(page)
    names = {"範例大學", "李國維"}
    for profile in (content / "alliances").glob("*.toml"):
        found = re.search(r'^name = "(.+)"$', profile.read_text("utf-8"), re.M)
        if found:
            names.add(found.group(1))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return _CJK.findall(text)


def test_the_office_reads_each_page_in_the_language_it_chose(
    browser: Any, office: Office, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, office, viewport)
    try:
        page.goto(f"{office.url}/office/people/")
        page.locator("#lang-switch").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        for path, (_zh, en) in ONE_LANGUAGE_PAGES.items():
            page.goto(f"{office.url}{path}")
            assert page.locator("h1").inner_text() == en, path
            assert _chinese_labels(page, office.content) == [], path
            assert page.locator("main [lang=en]").count() == 0, path
            assert no_page_overflow(page), path
        assert axe_violations(browser, page) == []
        page.locator("#lang-switch").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
        for path, (zh, en) in ONE_LANGUAGE_PAGES.items():
            page.goto(f"{office.url}{path}")
            assert page.locator("h1").inner_text() == zh, path
            main = _labels(page)
            assert en not in main, path
            assert page.locator("main [lang=en]").count() == 0, path  # no English half
            for label in ("Save", "Search", "Alliance", "Subject", "State", "Sign out"):
                assert not re.search(rf"\b{label}\b", main), (path, label)
    finally:
        page.context.close()


def test_every_console_page_fits_a_phone(browser: Any, office: Office) -> None:
    """Every page the menu and the home page's rows lead to is read on a phone without sideways
    scrolling: long evidence (a site's own markup, a spreadsheet formula) wraps in its cell."""
    page = signed_in(browser, office, PHONE)
    try:
        links = page.evaluate(
            "() => [...document.querySelectorAll('nav.console a, main a')].map((a) => a.href)"
        )
        pages = sorted({h for h in links if h.startswith(office.url) and "logout" not in h})
        assert any("/office/alliances/hostile" in h for h in pages), pages
        wide: dict[str, int] = {}
        for language in ("zh", "en"):  # English words are longer: both must fit
            if language == "en":
                page.locator("#lang-switch").click()
                page.wait_for_load_state()
            for href in pages:
                page.goto(href)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    wide[f"{language} {href[len(office.url) :]}"] = width
        assert wide == {}, wide
    finally:
        page.context.close()

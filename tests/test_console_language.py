"""One language at a time in the office console (issue 16.11): every console page, loaded for
real through the app (Flask's test client, the monitor's real report files, a real SMTP server
on loopback for the notices), reads in zh-TW by default and in English once the office switches,
instead of every label doubled.

In English, nothing Chinese is left in the page's main content except proper names (the
alliances' names and universities as they wrote them) and what is quoted as it is sent (a letter
shown exactly as it goes out, in both languages). In zh-TW, no English half is left (no element
marked ``lang="en"``). Messages the console's views produce (a refused form, a confirmation) follow
the language too.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from test_console_app import (
    Console,
    build_console,
    csrf_from,
    job_id,
    office_client,
    text,
    wait_state,
)
from test_intake_support import services_of
from test_notify import Inbox, free_port
from test_report_data import PROFILES

from alliance_portal.intake.deadlines import DeadlineSettings
from alliance_portal.intake.office_hooks import Progress, RecheckOutcome
from alliance_portal.registry.bilingual import Bilingual

_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")
#: Proper names the pages show as the alliances wrote them (no translation exists).
PROPER_NAMES = sorted(
    {name for name, _, _ in PROFILES.values()} | {"範例大學"}, key=len, reverse=True
)
#: Parts of a page quoted as they are, not labels: a letter exactly as it is sent (both
#: languages), what the homepage says (the evidence), code, scripts.
_QUOTED = re.compile(
    r"<pre\b.*?</pre>|<dl class=\"letter-headers\">.*?</dl>|<code>.*?</code>"
    r"|<q class=\"evidence\">.*?</q>|<span class=\"as-sent\">.*?</span>|<script\b.*?</script>",
    re.S,
)

PAGES = [
    "/office/",
    "/office/people/",
    "/office/deadlines/",
    "/office/reports/",
    "/office/alliances/good-motor",
    "/office/notices/",
    "/office/notices/2026-05",
    "/office/publish",
    "/office/crawl",
    "/office/import",
    "/office/password",
    "/office/alliances/new",
    "/office/alliances/good-motor/edit",
    "/office/alliances/good-motor/active",
    "/office/alliances/good-motor/versions",
    "/office/no-such-page",
]


def main_of(page: str) -> str:
    found = re.search(r"<main\b.*?</main>", page, re.S)
    assert found, "the page has no <main>"
    return found.group(0)


def words_of(block: str) -> str:
    """The text a person reads in ``block``, without what is quoted as it is sent."""
    shown = re.sub(r"<[^>]+>", " ", _QUOTED.sub(" ", block))
    return " ".join(html.unescape(shown).split())


def chinese_left(page: str) -> list[str]:
    """Chinese words in the main content that are not proper names."""
    words = words_of(main_of(page))
    for name in PROPER_NAMES:
        words = words.replace(name, " ")
    return _CJK.findall(words)


def english_halves(page: str) -> list[str]:
    """Elements of the main content marked as English (a doubled label's second half)."""
    return re.findall(r'<[a-z]+[^>]*\blang="en"[^>]*>.{0,60}', main_of(page))


def done_recheck(slug: str, progress: Progress) -> RecheckOutcome:
    """A re-check that reports a step and finishes (the job page's words are under test)."""
    progress(Bilingual(f"正在檢查 {slug}", f"checking {slug}"))
    return RecheckOutcome(slug, "2026-05", "pass", {"loads": "pass"})


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    built = build_console(tmp_path, controller.port, recheck=done_recheck)
    svc = services_of(built.app)
    svc.people.set_pi("good-motor", "li.kw@example.edu.tw", by="office")
    soon = dt.date.today() + dt.timedelta(days=3)  # the 3-day reminder is due today
    svc.deadlines.write(DeadlineSettings().with_deadline(soon.year, soon))
    try:
        yield built
    finally:
        svc.jobs.close()
        controller.stop()


def _extra_pages(office: Any, app: Any) -> list[str]:
    """Pages that need something done first: a version to restore, a finished job."""
    csrf = csrf_from(office, "/office/alliances/good-motor/edit")
    form = {
        "csrf_token": csrf,
        "name": "智慧馬達產學聯盟",
        "name_en": "Smart Motor Alliance",
        "university": "範例大學",
        "industry": "ict",
        "website": "https://good-motor.example.edu.tw/",
        "contact_email": "good-motor@example.edu.tw",
        "since": "2019",
        "active": "on",
    }
    assert office.post("/office/alliances/good-motor/edit", data=form).status_code == 303
    versions = text(office.get("/office/alliances/good-motor/versions"))
    restore = re.search(r'href="(/office/alliances/good-motor/restore/[^"]+)"', versions)
    assert restore, "the edit kept no earlier version"
    number = job_id(office.post("/office/alliances/good-motor/recheck", data={"csrf_token": csrf}))
    wait_state(app, number, "done")
    return [restore.group(1), f"/office/jobs/{number}"]


def _posted(office: Any) -> dict[str, str]:
    """Pages a POST answers with: the reviews before a mass send, and refused forms."""
    csrf = csrf_from(office, "/office/people/")
    return {
        "people review": text(office.post("/office/people/send-new", data={"csrf_token": csrf})),
        "reminders review": text(office.post("/office/deadlines/send", data={"csrf_token": csrf})),
        "notices review": text(
            office.post("/office/notices/2026-05/send", data={"csrf_token": csrf})
        ),
        "deadline refused": text(
            office.post(
                "/office/deadlines/year", data={"csrf_token": csrf, "year": "x", "date": "soon"}
            )
        ),
        "password refused": text(
            office.post(
                "/office/password",
                data={"csrf_token": csrf, "current": "wrong", "new": "a", "repeat": "b"},
            )
        ),
        "new alliance refused": text(
            office.post(
                "/office/alliances/new", data={"csrf_token": csrf, "slug": "Bad Slug", "name": ""}
            )
        ),
        "pi address refused": text(
            office.post(
                "/office/people/good-motor/pi", data={"csrf_token": csrf, "email": "not-an-address"}
            )
        ),
    }


def test_every_console_page_reads_in_one_language(console: Console) -> None:
    office = office_client(console.app)
    paths = PAGES + _extra_pages(office, console.app)
    zh_pages = {path: text(office.get(path)) for path in paths} | _posted(office)
    office.set_cookie("console_lang", "en", path="/office")
    en_pages = {path: text(office.get(path)) for path in paths} | _posted(office)
    anonymous = console.app.test_client()
    zh_pages["login"] = text(anonymous.get("/office/login"))
    anonymous.set_cookie("console_lang", "en", path="/office")
    en_pages["login"] = text(anonymous.get("/office/login"))
    assert set(zh_pages) == set(en_pages)

    for name, page in zh_pages.items():
        assert 'lang="zh-Hant-TW"' in page, name
        assert english_halves(page) == [], name
        h1 = words_of(re.search(r"<h1\b.*?</h1>", page, re.S).group(0))  # type: ignore[union-attr]
        assert _CJK.search(h1), (name, h1)  # the heading is in Chinese
    for name, page in en_pages.items():
        assert '<html lang="en"' in page, name
        assert chinese_left(page) == [], name
        assert english_halves(page) == [], name


def test_messages_from_the_views_follow_the_language(console: Console) -> None:
    office = office_client(console.app)
    zh = _posted(office)
    office.set_cookie("console_lang", "en", path="/office")
    en = _posted(office)
    assert "未儲存" in zh["deadline refused"] and "Not saved" not in zh["deadline refused"]
    assert "Not saved" in en["deadline refused"]
    assert "目前的密碼不正確" in zh["password refused"]
    assert "The current password is not correct" in en["password refused"]
    assert "The current password" not in zh["password refused"]
    assert "代號只能用小寫英文字母" in zh["new alliance refused"]
    assert "lower-case letters, digits and hyphens only" in en["new alliance refused"]
    # a mass send refused (no public address for the links), then a review before one
    assert "尚未設定表單的公開網址" in zh["people review"]
    assert "public address" in en["people review"] and "尚未設定表單" not in en["people review"]
    assert "確認寄出：2026-05 網站檢查通知" in zh["notices review"]
    assert (
        "Confirm: " in en["notices review"]
        and "website check notices of 2026-05" in en["notices review"]
    )
    assert "確認寄出" not in en["notices review"] and "Confirm: " not in zh["notices review"]


def test_alliances_go_by_their_english_name_on_english_pages(console: Console) -> None:
    """The submissions table, the people page and the report list name an alliance by its
    English name on an English page (its Chinese name when it has none), by the Chinese one
    in zh-TW."""
    path = console.monitor.content / "alliances" / "old-cert.toml"
    path.write_text(path.read_text("utf-8").replace('name_en = "Smart Farming Alliance"\n', ""))
    office = office_client(console.app)
    zh = {p: text(office.get(p)) for p in ("/office/", "/office/people/")}
    office.set_cookie("console_lang", "en", path="/office")
    en = {p: text(office.get(p)) for p in ("/office/", "/office/people/")}

    def row(page: str, row_id: str) -> str:
        return words_of(page.split(f'id="{row_id}"', 1)[1].split("</tr>", 1)[0])

    for page, prefix in (("/office/", "row-"), ("/office/people/", "access-")):
        assert "Smart Motor Alliance" in row(en[page], f"{prefix}good-motor"), page
        assert "智慧馬達產學聯盟" not in row(en[page], f"{prefix}good-motor"), page
        assert "智慧馬達產學聯盟" in row(zh[page], f"{prefix}good-motor"), page
        assert "Smart Motor Alliance" not in row(zh[page], f"{prefix}good-motor"), page
        # no English name: the Chinese one, never an empty cell
        assert "智慧農業產學聯盟" in row(en[page], f"{prefix}old-cert"), page
    notices = text(office.get("/office/notices/2026-05"))  # still English
    heading = words_of(notices.split('id="notice-hostile"', 1)[1].split("</h2>", 1)[0])
    assert "Security Alliance" in heading and "資安防護產學聯盟" not in heading
    # the reminders due and a review's recipients: records with the Chinese name only
    reminders = text(office.get("/office/deadlines/"))
    assert "Smart Motor Alliance" in row(reminders, "reminder-good-motor")
    csrf = csrf_from(office, "/office/notices/2026-05")
    review = text(office.post("/office/notices/2026-05/send", data={"csrf_token": csrf}))
    listed = words_of(review.split('id="confirm-recipients"', 1)[1].split("</table>", 1)[0])
    assert "Security Alliance" in listed and "資安防護產學聯盟" not in listed
    office.set_cookie("console_lang", "zh", path="/office")
    assert "智慧馬達產學聯盟" in row(text(office.get("/office/deadlines/")), "reminder-good-motor")


def test_the_switch_on_a_page_a_form_answered_leads_to_a_page_that_opens(
    console: Console,
) -> None:
    """A refused form or a review is the answer to a POST: its address cannot be opened by a
    link, so the language switch returns to the nearest page that can (it led to a 405)."""
    office = office_client(console.app)
    for name, page in _posted(office).items():
        found = re.search(r'href="([^"]+)"[^>]*id="lang-switch"', page)
        assert found, name
        switched = office.get(html.unescape(found.group(1)), follow_redirects=True)
        assert switched.status_code == 200, (name, found.group(1))
        assert '<html lang="en"' in text(switched), name
        office.set_cookie("console_lang", "zh", path="/office")


def test_an_import_preview_names_each_problem_in_the_office_language(console: Console) -> None:
    sheet = "slug,聯盟名稱,學校,產業別,網址\nbad-one,壞聯盟,範例大學,ict,not a website\n"

    def preview(office: Any) -> str:
        csrf = csrf_from(office, "/office/import")
        upload = (io.BytesIO(sheet.encode("utf-8")), "名單.csv")
        page = text(office.post("/office/import", data={"csrf_token": csrf, "file": upload}))
        return words_of(page.split('id="row-2"', 1)[1].split("</tr>", 1)[0])

    office = office_client(console.app)
    zh = preview(office)
    office.set_cookie("console_lang", "en", path="/office")
    en = preview(office)
    assert "有問題，不匯入" in zh and "網址格式不正確" in zh and "not a website" not in zh
    assert "problem, not imported" in en and "is not a website address" in en
    assert "有問題" not in en and "網址格式" not in en  # (the column keeps its own name: 網址)

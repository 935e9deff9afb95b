"""The office console with Flask's test client: reports over HTTP, alliance pages, re-check jobs,
notices (sent to a real aiosmtpd on loopback) and publishing, for office, alliance and anonymous.

The reports are the monitor's real files (written from a fixture database); the hooks are the
composition root's real ones except where a test needs to hold a job still.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from test_intake_support import SECRET, csrf_of, png_bytes, services_of
from test_notify import Inbox, free_port
from test_report_data import MONTHS, Monitor, add_screenshots_run_b, make_monitor

from alliance_portal.commands.console import ConsoleSetup, link_maker, office_hooks
from alliance_portal.intake import IntakeConfig, create_app
from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.jobs import Job
from alliance_portal.intake.office_hooks import Progress, RecheckOutcome
from alliance_portal.portal.publish import PublishSettings
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.settings import settings_from
from monitor.reports.files import write_month_reports
from monitor.reports.month import load_alliances

OFFICE_PASSWORD = "office-console-password"
WAIT = 60.0  # seconds; every wait is bounded


@dataclasses.dataclass
class Console:
    app: Any
    monitor: Monitor
    inbox: Inbox
    web_root: Path
    var: Path


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def build_console(tmp_path: Path, smtp_port: int, **hook_changes: Any) -> Console:
    monitor = make_monitor(tmp_path)
    alliances = load_alliances(monitor.content)
    for month in MONTHS:
        write_month_reports(monitor.store, month, monitor.reports, alliances=alliances)
    add_screenshots_run_b(monitor.store)
    write_month_reports(monitor.store, "2026-05", monitor.reports, alliances=alliances)
    banners, var = tmp_path / "banners", tmp_path / "var"
    banners.mkdir()
    var.mkdir(exist_ok=True)
    web_root = tmp_path / "www" / "portal"
    web_root.parent.mkdir()
    setup = ConsoleSetup(
        content_dir=monitor.content,
        banners_dir=banners,
        output_dir=tmp_path / "output",
        var_dir=var,
        monitor=settings_from(
            {
                "paths": {"content": str(monitor.content), "db": str(monitor.db),
                          "reports": str(monitor.reports)},
                "smtp": {
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "starttls": False,
                    "from": "產學小聯盟計畫辦公室 <office@example.org.tw>",
                },
            },
            {},
        ),
        publish_target=PublishSettings("local", web_root=web_root),
        update_link=link_maker(var, SECRET, "https://intake.example.org.tw"),
        search=False,
    )  # fmt: skip
    hooks = dataclasses.replace(office_hooks(setup), **hook_changes)
    config = IntakeConfig(
        content_dir=monitor.content,
        banners_dir=banners,
        var_dir=var,
        secret=SECRET,
        office=hooks,
        flask_overrides={"TESTING": True},
    )
    app = create_app(config)
    set_password(config.paths.admin_password, OFFICE_PASSWORD)
    return Console(app, monitor, Inbox(), web_root, var)


@pytest.fixture
def console(tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[Console]:
    built = build_console(tmp_path, smtp[1])
    built.inbox = smtp[0]
    try:
        yield built
    finally:
        services_of(built.app).jobs.close()


def office_client(app: Any) -> Any:
    client = app.test_client()
    csrf = csrf_of(client.get("/office/login").get_data(as_text=True))
    resp = client.post("/office/login", data={"csrf_token": csrf, "password": OFFICE_PASSWORD})
    assert resp.status_code == 303
    return client


def csrf_from(client: Any, path: str) -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def text(resp: Any) -> str:
    return str(resp.get_data(as_text=True))


GET_ROUTES = [
    "/office/",
    "/office/reports/",
    "/office/reports/2026-05/",
    "/office/reports/2026-05/report.csv",
    "/office/reports/2026-05/report.xlsx",
    "/office/reports/2026-05/report.json",
    "/office/reports/2026-05/snapshots/good-motor.txt",
    "/office/reports/2026-05/screenshots/good-motor.png",
    "/office/alliances/good-motor",
    "/office/notices/",
    "/office/notices/2026-05",
    "/office/publish",
]
POST_ROUTES = [
    "/office/alliances/good-motor/recheck",
    "/office/notices/2026-05/send",
    "/office/publish",
]


# -- permissions ------------------------------------------------------------------------------


def test_every_console_page_opens_for_the_office(console: Console) -> None:
    office = office_client(console.app)
    for path in GET_ROUTES:
        resp = office.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["X-Frame-Options"] == "DENY", path
        assert resp.headers["Cache-Control"] == "no-store", path


def test_anonymous_visitors_are_sent_to_the_login_and_change_nothing(console: Console) -> None:
    anonymous = console.app.test_client()
    for path in GET_ROUTES:
        resp = anonymous.get(path)
        assert resp.status_code == 302, path
        assert resp.headers["Location"].startswith("/office/login?next="), path
    csrf = csrf_from(anonymous, "/office/login")
    for path in POST_ROUTES:
        resp = anonymous.post(path, data={"csrf_token": csrf, "confirm": "2026-05"})
        assert resp.status_code == 302, path
    svc = services_of(console.app)
    assert svc.jobs.recent() == []
    assert console.inbox.messages == []
    assert not console.web_root.exists()


def test_an_alliance_session_cannot_open_the_console(console: Console) -> None:
    alliance = console.app.test_client()
    token = services_of(console.app).signer.make_token("good-motor")
    assert alliance.get(f"/link/{token}").status_code == 303
    csrf = csrf_from(alliance, "/alliance/")
    for path in GET_ROUTES:
        resp = alliance.get(path)
        assert resp.status_code == 302 and "/office/login" in resp.headers["Location"], path
    for path in POST_ROUTES:
        resp = alliance.post(path, data={"csrf_token": csrf, "confirm": "2026-05"})
        assert resp.status_code == 302, path
    assert services_of(console.app).jobs.recent() == []
    assert console.inbox.messages == []


def test_posts_without_a_csrf_token_are_refused(console: Console) -> None:
    office = office_client(console.app)
    for path in POST_ROUTES:
        assert office.post(path, data={"confirm": "2026-05"}).status_code == 400, path
    assert services_of(console.app).jobs.recent() == []
    assert console.inbox.messages == []


# -- reports ----------------------------------------------------------------------------------


def test_months_are_listed_newest_first_with_their_changes(console: Console) -> None:
    body = text(office_client(console.app).get("/office/reports/"))
    assert body.index('id="month-2026-05"') < body.index('id="month-2026-04"')
    assert body.index('id="month-2026-04"') < body.index('id="month-2026-03"')
    may = body.split('id="month-2026-05"', 1)[1].split("</tr>", 1)[0]
    # Alliances by name (zh-TW, the console's default language), each linking to its page.
    newly = may.split("新增未通過", 1)[1].split("<br>", 1)[0]
    assert '<a href="/office/alliances/newly-bad">精密光電產學聯盟</a>' in newly
    assert '<a href="/office/alliances/comeback">綠能材料產學聯盟</a>' in may.split("已改善", 1)[1]
    assert "newly-bad<" not in may and "Newly failing" not in may
    assert 'href="/office/reports/2026-05/"' in may
    assert 'href="/office/reports/2026-05/report.xlsx"' in may


def test_a_months_report_is_served_with_its_own_policy(console: Console) -> None:
    office = office_client(console.app)
    resp = office.get("/office/reports/2026-05/")
    page = text(resp)
    assert "產學小聯盟網站月檢報告" in page
    meta = page.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    policy = resp.headers["Content-Security-Policy"]
    assert policy.startswith(meta.replace("&#39;", "'")) and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" not in policy  # the console's own policy would block the report
    # The report's own relative links resolve inside the console.
    assert 'href="report.xlsx"' in page and 'href="../index.html"' in page
    assert office.get("/office/reports/index.html").headers["Location"] == "/office/reports/"
    xlsx = office.get("/office/reports/2026-05/report.xlsx")
    assert xlsx.data[:2] == b"PK" and "attachment" in xlsx.headers["Content-Disposition"]
    csv = office.get("/office/reports/2026-05/report.csv")
    assert csv.mimetype == "text/csv" and csv.data.startswith(b"\xef\xbb\xbf")
    shot = office.get("/office/reports/2026-05/screenshots/good-motor.png")
    assert shot.mimetype == "image/png" and shot.data[:4] == b"\x89PNG"
    snap = office.get("/office/reports/2026-05/snapshots/good-motor.txt")
    assert snap.mimetype == "text/plain" and snap.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/office/reports/2026-05/../../var/intake-admin-password",
        "/office/reports/2026-05/..%2F..%2Fvar%2Fintake-admin-password",
        "/office/reports/2026-05/snapshots/../../../var/monitor.sqlite3",
        "/office/reports/2026-05/snapshots/%2e%2e/report.json",
        "/office/reports/..%2Fvar/report.json",
        "/office/reports/2026-13/report.json",
        "/office/reports/2026-05//etc/passwd",
        "/office/reports/2026-05/notices/README.txt",
        "/office/reports/2026-05/snapshots/Good-Motor.txt",
        "/office/reports/2026-05/report.json.bak",
        "/office/reports/2026-06/",
    ],
)
def test_nothing_outside_the_report_files_is_served(console: Console, path: str) -> None:
    (console.monitor.reports / "2026-05" / "notices").mkdir(exist_ok=True)
    (console.monitor.reports / "2026-05" / "notices" / "README.txt").write_text("draft")
    resp = office_client(console.app).get(path, follow_redirects=True)  # "//" redirects first
    assert resp.status_code == 404, path


def test_a_symlink_out_of_the_reports_folder_is_not_followed(console: Console) -> None:
    secret = console.var / "intake-admin-password"
    (console.monitor.reports / "2026-05" / "snapshots" / "leak.txt").symlink_to(secret)
    resp = office_client(console.app).get("/office/reports/2026-05/snapshots/leak.txt")
    assert resp.status_code == 404


def test_alliance_page_shows_profile_banners_results_and_history(console: Console) -> None:
    svc = services_of(console.app)
    for colour in ((200, 30, 30), (30, 200, 30)):
        pending, report = svc.store.stage_banner("good-motor", png_bytes(colour))
        assert pending is not None, report
        svc.store.confirm_banner("good-motor", pending.key, actor="alliance:good-motor")
    office = office_client(console.app)
    body = text(office.get("/office/alliances/good-motor"))
    assert "智慧馬達產學聯盟" in body and "good-motor@example.edu.tw" in body
    for month in MONTHS:
        assert f'id="result-{month}"' in body
        assert f'href="/office/reports/{month}/#a-good-motor"' in body
    assert body.index('id="result-2026-05"') < body.index('id="result-2026-03"')
    assert 'href="/office/reports/2026-05/snapshots/good-motor.txt"' in body
    assert 'href="/office/reports/2026-05/screenshots/good-motor.png"' in body
    # Both banners: the current one and the one it replaced, each served.
    srcs = [
        part.split('"', 1)[0]
        for part in body.split('src="/office/alliances/good-motor/banners/')[1:]
    ]
    assert len(srcs) == 2 and "current" in srcs
    for name in srcs:
        resp = office.get(f"/office/alliances/good-motor/banners/{name}")
        assert resp.status_code == 200 and resp.data[:4] == b"\x89PNG"
    assert office.get("/office/alliances/good-motor/banners/..%2F..%2Fx").status_code == 404
    assert office.get("/office/alliances/no-such-alliance").status_code == 404
    assert office.get("/office/alliances/Bad_Slug").status_code == 404


def test_console_pages_link_each_other(console: Console) -> None:
    body = text(office_client(console.app).get("/office/"))
    nav = body.split('<nav class="console"', 1)[1].split("</nav>", 1)[0]
    for href in ("/office/", "/office/reports/", "/office/notices/", "/office/publish"):
        assert f'href="{href}"' in nav
    assert 'href="/office/alliances/good-motor"' in body


# -- re-check ---------------------------------------------------------------------------------


class HeldRecheck:
    """A re-check hook that reports progress and waits until released (a crawl takes time)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[str] = []

    def __call__(self, slug: str, progress: Progress) -> RecheckOutcome:
        self.started.append(slug)
        progress(Bilingual(f"正在檢查 {slug}", f"checking {slug}"))
        assert self.release.wait(WAIT), "re-check held too long"
        return RecheckOutcome(slug=slug, month="2026-05", overall="pass")


def job_id(resp: Any) -> int:
    assert resp.status_code == 303, resp.status_code
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def wait_state(app: Any, number: int, state: str) -> Job:
    jobs = services_of(app).jobs
    for _ in range(600):  # bounded: 600 x 0.05 s
        job = jobs.get(number)
        if job is not None and job.state == state:
            return job
        threading.Event().wait(0.05)
    raise AssertionError(f"job {number} never reached {state}")


def test_one_recheck_at_a_time_and_a_second_click_waits_and_says_so(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    held = HeldRecheck()
    built = build_console(tmp_path, smtp[1], recheck=held)
    app = built.app
    try:
        office = office_client(app)
        csrf = csrf_from(office, "/office/alliances/good-motor")
        first = job_id(
            office.post("/office/alliances/good-motor/recheck", data={"csrf_token": csrf})
        )
        wait_state(app, first, "running")
        again = job_id(
            office.post("/office/alliances/good-motor/recheck", data={"csrf_token": csrf})
        )
        assert again == first  # the same site twice: one job
        second = job_id(office.post("/office/alliances/hostile/recheck", data={"csrf_token": csrf}))
        assert second != first
        page = text(office.get(f"/office/jobs/{second}"))
        assert 'data-state="waiting"' in page and 'id="job-waiting"' in page
        assert "recheck good-motor" in page.split('id="job-waiting"', 1)[1]
        running = office.get(f"/office/jobs/{first}.json").get_json()
        assert running["state"] == "running" and running["steps"][0]["en"] == "checking good-motor"
        assert held.started == ["good-motor"]  # the second waits
        held.release.set()
        wait_state(app, second, "done")
        assert held.started == ["good-motor", "hostile"]
        done = text(office.get(f"/office/jobs/{first}"))
        assert 'id="job-result"' in done and 'href="/office/reports/2026-05/#a-good-motor"' in done
        actions = [
            (e.action, e.slug)
            for e in services_of(app).audit.entries()
            if e.action.startswith("monitor.")
        ]
        assert actions == [("monitor.recheck", "good-motor"), ("monitor.recheck", "hostile")]
        assert (
            office.post("/office/alliances/nobody/recheck", data={"csrf_token": csrf}).status_code
            == 404
        )
    finally:
        held.release.set()
        services_of(app).jobs.close()


def test_a_failed_recheck_says_why(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    def broken(slug: str, progress: Progress) -> RecheckOutcome:
        raise RuntimeError(f"the check of {slug} stored no result")

    built = build_console(tmp_path, smtp[1], recheck=broken)
    try:
        office = office_client(built.app)
        csrf = csrf_from(office, "/office/alliances/good-motor")
        number = job_id(
            office.post("/office/alliances/good-motor/recheck", data={"csrf_token": csrf})
        )
        wait_state(built.app, number, "failed")
        page = text(office.get(f"/office/jobs/{number}"))
        assert "the check of good-motor stored no result" in page and "失敗" in page
    finally:
        services_of(built.app).jobs.close()


# -- notices ----------------------------------------------------------------------------------


def confirm_token(page: str) -> str:
    found = re.search(r'name="confirm" value="([0-9a-f]+)"', page)
    assert found, "the page asks for no confirmation"
    return found.group(1)


def test_notices_preview_then_send_each_alliance_once(console: Console) -> None:
    # The office recorded newly-bad's PI at the profile's contact address: its notice carries
    # the PI's link (and the people page then says a link was sent).
    services_of(console.app).people.set_pi("newly-bad", "newly-bad@example.edu.tw", by="office")
    office = office_client(console.app)
    preview = text(office.get("/office/notices/2026-05"))
    assert 'id="notice-newly-bad"' in preview and 'id="notice-good-motor"' not in preview
    assert "newly-bad@example.edu.tw" in preview
    # Each notice carries the alliance's own (the PI's) link and the office's contact.
    mail = preview.split('id="notice-newly-bad"', 1)[1].split("</article>", 1)[0]
    assert "https://intake.example.org.tw/link/" in mail
    assert "聯絡窗口" in mail and "Contact: " in mail and "office@example.org.tw" in mail
    token = re.search(r"https://intake\.example\.org\.tw/link/([\w.-]+)", mail)
    assert token is not None
    pi = console.app.test_client()
    assert pi.get(f"/link/{token.group(1)}").headers["Location"] == "/alliance/"
    assert "缺少聯絡信箱" in preview.split('id="notice-no-contact"', 1)[1]
    to_send = int(preview.split('id="to-send-count">', 1)[1].split("<", 1)[0])
    assert to_send >= 3
    assert console.inbox.messages == []  # a preview sends nothing
    draft = office.get("/office/reports/2026-05/notices/newly-bad.eml")  # written as a draft
    assert draft.status_code == 200 and draft.mimetype == "text/html"  # shown as the letter
    assert "newly-bad@example.edu.tw" in text(draft) and "=?utf-8?" not in text(draft)
    headers = text(draft).split('class="meta letter-headers"', 1)[1].split("</dl>", 1)[0]
    assert "主旨" in headers and "收件人" in headers and "結果：" in headers  # labelled, decoded
    raw = office.get("/office/reports/2026-05/notices/newly-bad.eml?raw=1")
    assert raw.mimetype == "text/plain" and b"newly-bad@example.edu.tw" in raw.data

    csrf = csrf_of(preview)
    review = office.post("/office/notices/2026-05/send", data={"csrf_token": csrf})
    assert review.status_code == 200 and console.inbox.messages == []  # a review sends nothing
    assert f'id="confirm-count">{to_send}<' in text(review)
    title = text(review).split('id="confirm-title">', 1)[1].split("</h2>", 1)[0]
    assert f"確認寄出：2026-05 網站檢查通知 {to_send} 封" in title and "Confirm" not in title
    office.set_cookie("console_lang", "en", path="/office")  # the office's English view
    english = text(office.post("/office/notices/2026-05/send", data={"csrf_token": csrf}))
    title = english.split('id="confirm-title">', 1)[1].split("</h2>", 1)[0]
    assert f"Confirm: {to_send} website check notices of 2026-05" in title and "確認" not in title
    office.set_cookie("console_lang", "zh", path="/office")
    forged = office.post(
        "/office/notices/2026-05/send", data={"csrf_token": csrf, "confirm": "2026-05"}
    )
    assert forged.status_code == 409 and console.inbox.messages == []  # the old confirmation
    token = confirm_token(text(review))

    sent = office.post("/office/notices/2026-05/send", data={"csrf_token": csrf, "confirm": token})
    assert sent.status_code == 200
    assert len(console.inbox.messages) == to_send
    recipients = sorted(r[0] for r, _ in console.inbox.messages)
    assert len(set(recipients)) == to_send and "newly-bad@example.edu.tw" in recipients
    assert services_of(console.app).people.pi("newly-bad").link_sent  # type: ignore[union-attr]

    again = office.post("/office/notices/2026-05/send", data={"csrf_token": csrf, "confirm": token})
    assert again.status_code == 409  # the list changed: every notice went out
    assert len(console.inbox.messages) == to_send  # each alliance once a month
    after = text(office.get("/office/notices/2026-05"))
    assert after.count("— 已寄出</h2>") == to_send  # each notice's heading says it was sent

    page = text(office.get("/office/alliances/newly-bad"))
    assert "2026-05 → newly-bad@example.edu.tw" in page.split('id="h-sent"', 1)[1]
    actions = [e.action for e in services_of(console.app).audit.entries()]
    assert actions.count("notices.send") == 1 and actions.count("notice.sent") == to_send


def test_without_an_smtp_server_the_console_says_so_and_sends_nothing(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    built = build_console(tmp_path, smtp[1])
    hooks = services_of(built.app).config.office
    assert hooks.notices is not None
    from alliance_portal.commands import console as console_module

    setup = ConsoleSetup(
        content_dir=built.monitor.content,
        banners_dir=tmp_path / "banners",
        output_dir=tmp_path / "output",
        var_dir=built.var,
        monitor=settings_from(
            {"paths": {"content": str(built.monitor.content), "db": str(built.monitor.db),
                       "reports": str(built.monitor.reports)}},
            {},
        ),
    )  # fmt: skip
    batch = console_module.notices(setup, "2026-05", send=True)
    assert batch.cannot_send is not None
    assert batch.cannot_send.zh.startswith("無法寄送") and "[smtp]" in batch.cannot_send.zh
    assert "Cannot send" not in batch.cannot_send.zh  # each half in its own language
    assert batch.cannot_send.en.startswith("Cannot send: no SMTP server configured")
    assert batch.sent == () and smtp[0].messages == []
    assert (built.monitor.reports / "2026-05" / "notices" / "newly-bad.eml").is_file()


# -- publish ----------------------------------------------------------------------------------


def test_publish_builds_swaps_the_web_root_and_shows_who_and_when(console: Console) -> None:
    office = office_client(console.app)
    page = text(office.get("/office/publish"))
    assert str(console.web_root) in page and "尚未發布" in page
    number = job_id(office.post("/office/publish", data={"csrf_token": csrf_of(page)}))
    job = services_of(console.app).jobs.wait(number, 180)
    assert job is not None and job.state == "done", job
    assert console.web_root.is_symlink() and (console.web_root / "index.html").is_file()
    done = text(office.get(f"/office/jobs/{number}"))
    assert "已發布到" in done and str(console.web_root) in done
    page = text(office.get("/office/publish"))
    last = page.split('id="last-published"', 1)[1].split("</dd>", 1)[0]
    assert "計畫辦公室" in last and "成功" in last
    actions = [e.action for e in services_of(console.app).audit.entries()]
    assert "portal.publish" in actions and "portal.published" in actions


def test_a_failed_publish_is_a_failed_job_not_a_done_one(console: Console) -> None:
    """Issue 17.5: a publish that could not put the site out shows as failed, with the reason."""
    console.web_root.mkdir()
    (console.web_root / "department.html").write_text("a folder publish did not create")
    office = office_client(console.app)
    page = text(office.get("/office/publish"))
    number = job_id(office.post("/office/publish", data={"csrf_token": csrf_of(page)}))
    job = services_of(console.app).jobs.wait(number, 180)
    assert job is not None and job.state == "failed", job
    assert job.error is not None
    assert "--adopt" in job.error.en and "Error:" not in job.error.en
    assert job.error.zh.startswith("發布失敗：") and "publish failed" not in job.error.zh
    assert (console.web_root / "department.html").is_file() and not console.web_root.is_symlink()
    actions = [e.action for e in services_of(console.app).audit.entries()]
    assert "portal.publish-failed" in actions and "portal.published" not in actions


def test_parts_not_set_up_say_so_and_refuse_posts(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    built = build_console(tmp_path, smtp[1], recheck=None, notices=None, publish=None)
    try:
        office = office_client(built.app)
        csrf = csrf_from(office, "/office/publish")
        assert "未設定" in text(office.get("/office/publish"))
        assert "未設定" in text(office.get("/office/notices/"))
        assert "未設定網站檢查" in text(office.get("/office/alliances/good-motor"))
        for path in POST_ROUTES:
            data = {"csrf_token": csrf, "confirm": "2026-05"}
            assert office.post(path, data=data).status_code == 404, path
        assert office.get("/office/notices/2026-05").status_code == 404
    finally:
        services_of(built.app).jobs.close()


def test_the_readme_counts_the_bundled_alliances_as_the_portal_and_console_do() -> None:
    """One count everywhere (issue 16.13): the README said 24 while the portal listed 26."""
    from alliance_portal.registry.active import active_alliances
    from alliance_portal.registry.profiles import load_registry

    root = Path(__file__).resolve().parent.parent
    registry = load_registry(root / "content", root / "banners")
    active = len(active_alliances(registry.alliances))
    inactive = len(registry.alliances) - active
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"({active} active alliances and {inactive} inactive one" in readme


def test_a_recheck_keeps_the_months_earlier_result_on_the_alliance_page(console: Console) -> None:
    """Issue 16.8: report.json says a row came from a re-check, when, and what the month's crawl
    found before it (the monitor writes these keys); the alliance page shows both, with times."""
    import json

    path = console.monitor.reports / "2026-05" / "report.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for row in data["alliances"]:
        if row["slug"] == "newly-bad":
            row["recheck"] = True
            row["checked_at"] = "2026-05-20T03:15:00+00:00"
            row["earlier"] = [
                {
                    "checked_at": "2026-05-01T01:00:00+00:00",
                    "recheck": False,
                    "loads": "pass",
                    "credit": "fail",
                    "updates": "pass",
                    "overall": "fail",
                }
            ]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    body = text(office_client(console.app).get("/office/alliances/newly-bad"))
    may = body.split('id="result-2026-05"', 1)[1].split("</article>", 1)[0]
    assert "重新檢查" in may and "2026-05-20 11:15" in may  # Taipei time of the re-check
    earlier = may.split('class="earlier"', 1)[1]
    assert "2026-05-01 09:00" in earlier and "每月檢查" in earlier
    assert "status-badge fail" in earlier
    # an older month without these keys shows no re-check
    april = body.split('id="result-2026-04"', 1)[1].split("</article>", 1)[0]
    assert "重新檢查" not in april and 'class="earlier"' not in april


def test_a_recheck_written_by_the_monitor_shows_both_results_on_the_alliance_page(
    console: Console,
) -> None:
    """The same, end to end: a re-check run in the real database, the month rewritten by the
    monitor, read by the console (the report.json keys are the contract between them)."""
    from test_report_data import site

    store = console.monitor.store
    again = store.start_run(
        month="2026-05", today="2026-05-20", planned=["newly-bad"], kind="recheck"
    )
    store.save_result(again.id, site("newly-bad"))
    store.finish_run(again.id)
    write_month_reports(
        store, "2026-05", console.monitor.reports, alliances=load_alliances(console.monitor.content)
    )
    body = text(office_client(console.app).get("/office/alliances/newly-bad"))
    may = body.split('id="result-2026-05"', 1)[1].split("</article>", 1)[0]
    assert 'class="tag recheck"' in may and "status-badge pass" in may.split('class="earlier"')[0]
    earlier = may.split('class="earlier"', 1)[1]
    assert "每月檢查" in earlier and "status-badge fail" in earlier

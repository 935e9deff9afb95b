"""What the office and the alliances met walking through a programme year as the office guide
describes it (docs/guide-office.md), each fixed and kept fixed here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect
from test_console_app import OFFICE_PASSWORD as CONSOLE_PASSWORD
from test_console_app import build_console
from test_intake_support import (
    SECRET,
    CountingBuild,
    app_for,
    make_config,
    make_registry,
    png_bytes,
    running_server,
    services_of,
)

from alliance_portal import demo
from alliance_portal.cli import main as cli_main
from alliance_portal.intake import IntakeConfig
from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.jobs import Tally
from alliance_portal.intake.mailer import MailSettings
from alliance_portal.intake.people import People
from alliance_portal.registry.audit import AuditLog
from alliance_portal.registry.bilingual import Bilingual
from tests.support.mail_support import free_port, smtp_on_loopback


@pytest.mark.browser
def test_a_save_never_says_the_portal_is_updating_when_the_office_publishes_by_hand(
    tmp_path: Path, page: Any
) -> None:
    """With hand publishing (the demo, ``[publish]`` without ``auto``), the build after a save
    is only the office's preview: while it runs, the PI must read that the change waits for
    the office's publication, never "the portal is being updated, about a minute"."""
    build = CountingBuild()
    build.hold.clear()
    config = dataclasses.replace(make_config(tmp_path, rebuild=build), rebuild_is_public=False)
    with app_for(config) as app, running_server(app) as url:
        token = services_of(app).signer.make_token("smart-motor")
        page.goto(f"{url}/link/{token}")
        page.locator("#f-pi").fill("李國維")
        page.get_by_role("button", name="儲存基本資料 Save profile").click()
        assert build.started.wait(10)
        told = page.locator("#publish-status").inner_text()
        build.hold.set()
        assert services_of(app).rebuilder.wait(1, 30) == "built"
    assert "入口網正在更新" not in told and "being updated" not in told
    assert "計畫辦公室下次發布入口網後" in told and "next publishes" in told


OFFICE_PASSWORD = "office password 2026"


def _office_config(tmp_path: Path) -> IntakeConfig:
    content, banners, var = make_registry(tmp_path)
    set_password(var / "intake-admin-password", OFFICE_PASSWORD)
    return IntakeConfig(content_dir=content, banners_dir=banners, var_dir=var, secret=SECRET)


def _sign_in_office(
    page: Any, url: str, path: str = "/office/", password: str = OFFICE_PASSWORD
) -> None:
    page.goto(url + path)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()


@pytest.mark.browser
def test_a_website_typed_without_https_is_answered_with_the_address_to_write(
    tmp_path: Path, page: Any
) -> None:
    """The office's list, and a PI, wrote a website as the address bar shows it
    ("h2.north.example.edu.tw"). The answer said "目前為 no scheme" (English inside the
    Chinese) and gave its example twice; it now names the address to write, once, in each
    language, in the import preview and in the form."""
    sheet = tmp_path / "名單.csv"
    sheet.write_text(
        "代號,聯盟名稱,學校,產業別,聯盟網址\n"
        "drone-inspect,無人機巡檢產學小聯盟,北方大學,ict,h2.north.example.edu.tw\n",
        encoding="utf-8",
    )
    meant = "https://h2.north.example.edu.tw/"
    with app_for(_office_config(tmp_path)) as app, running_server(app) as url:
        _sign_in_office(page, url, "/office/import")
        page.locator("input[type=file]").set_input_files(sheet)
        page.get_by_role("button", name="預覽變更").click()
        zh = page.locator("#row-2").inner_text()
        page.get_by_role("link", name="English").click()
        page.locator("input[type=file]").set_input_files(sheet)
        page.get_by_role("button", name="Preview the changes").click()
        en = page.locator("#row-2").inner_text()

        page.goto(f"{url}/link/{services_of(app).signer.make_token('smart-motor')}")
        page.locator("#f-website").fill("motor.example.edu.tw")
        page.get_by_role("button", name="儲存基本資料 Save profile").click()
        form = page.locator("#e-website").inner_text()
    assert "「聯盟網址」欄" in zh and zh.count(meant) == 1, zh
    assert "scheme" not in zh and "https://example.edu.tw/" not in zh, zh
    assert f"write {meant}" in en and en.count(meant) == 1 and "no scheme" not in en, en
    assert "請改為 https://motor.example.edu.tw/" in form, form
    assert "write https://motor.example.edu.tw/" in form and "scheme" not in form, form


@pytest.mark.browser
def test_the_pis_addresses_in_the_offices_list_are_imported_and_their_links_go_there(
    tmp_path: Path, page: Any
) -> None:
    """The office's list has a 主持人Email column; the import listed it as "not used" and
    the office had to type every PI's address on 帳號與權限 before sending the links. The
    preview now shows each PI address to record, the apply records it (not the profile's
    contact e-mail), and the links of 寄連結給所有尚未收到的計畫主持人 reach those PIs."""
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["115年度產學小聯盟名單"])
    sheet.append(
        ["代號", "聯盟名稱", "學校", "產業別", "聯盟網址", "聯絡信箱", "計畫主持人 E-mail"]
    )
    sheet.append(
        ["smart-motor", None, None, None, None, "motor-team@example.edu.tw", "kwlee@example.edu.tw"]
    )
    sheet.append(
        [
            "hydrogen",
            "氫能產學小聯盟",
            "南方大學",
            "civil-energy",
            "https://h2.example.edu.tw/",
            "h2@example.edu.tw",
            "mlchen@South.Example.edu.tw",
        ]
    )
    sheet.append(["green-chem", None, None, None, None, None, "not an address"])
    xlsx = tmp_path / "115年度名單.xlsx"
    wb.save(xlsx)
    config = _office_config(tmp_path)
    with smtp_on_loopback() as (inbox, port):
        config = dataclasses.replace(
            config,
            public_url="https://intake.example.tw",
            mail=MailSettings(
                host="127.0.0.1", port=port, starttls=False, sender="office@example.org.tw"
            ),
        )
        with app_for(config) as app, running_server(app) as url:
            _sign_in_office(page, url, "/office/import")
            page.locator("input[type=file]").set_input_files(xlsx)
            page.get_by_role("button", name="預覽變更").click()
            result = page.locator("#import-result").inner_text()
            motor = page.locator("#row-3").inner_text()
            hydrogen = page.locator("#row-4").inner_text()
            green = page.locator("#row-5").inner_text()
            assert services_of(app).people.pi("smart-motor") is None  # a preview writes nothing
            page.get_by_role("button", name=re.compile("套用這")).click()
            assert "已匯入" in page.locator("#h-result").inner_text()
            people = services_of(app).people
            recorded = {
                s: (people.pi(s).email if people.pi(s) else "")
                for s in ("smart-motor", "hydrogen", "green-chem")
            }

            page.goto(f"{url}/office/people/")
            page.get_by_role("button", name=re.compile("檢查並寄連結給所有")).click()
            page.get_by_role("button", name=re.compile("確認寄出")).click()
            sent = page.locator("main").inner_text()
    assert "未使用的欄位" not in result and "計畫主持人 E-mail" not in result.split("列", 1)[0]
    assert "計畫主持人信箱" in motor and "kwlee@example.edu.tw" in motor
    assert "mlchen@south.example.edu.tw" in hydrogen and "新增" in hydrogen
    assert "'not an address' 不是電子郵件地址" in green and "「計畫主持人 E-mail」欄" in green
    assert recorded == {
        "smart-motor": "kwlee@example.edu.tw",
        "hydrogen": "mlchen@south.example.edu.tw",
        "green-chem": "",
    }
    assert "已寄出 2 封" in sent
    assert inbox.recipients() == ["kwlee@example.edu.tw", "mlchen@south.example.edu.tw"]
    letter = inbox.bodies_to("mlchen@south.example.edu.tw")[0]
    assert "「氫能產學小聯盟」" in letter and "https://intake.example.tw/link/" in letter


@pytest.mark.browser
def test_a_pis_link_letter_says_what_to_do_by_the_deadline_in_each_language(
    tmp_path: Path, page: Any
) -> None:
    """The link letter goes to each PI before the kick-off meeting, and was all they were told:
    it named neither the tasks nor the deadline the office had just set, and its English half
    called the alliance by its Chinese name although the profile has an English one. Sent from
    帳號與權限 after setting the deadline on 截止日與提醒, through a real SMTP server."""
    due = dt.date(dt.date.today().year + 1, 4, 30)
    with smtp_on_loopback() as (inbox, port):
        config = dataclasses.replace(
            _office_config(tmp_path),
            public_url="https://intake.example.tw",
            mail=MailSettings(
                host="127.0.0.1", port=port, starttls=False, sender="office@example.org.tw"
            ),
        )
        with app_for(config) as app, running_server(app) as url:
            _sign_in_office(page, url, "/office/deadlines/")
            page.locator("input[name=year]").fill(str(due.year - 1911))  # the ROC year
            page.locator("input[name=date]").fill(f"{due.year - 1911}/4/30")
            page.get_by_role("button", name="設定截止日").click()
            page.goto(f"{url}/office/people/?q=smart-motor")
            page.locator("#access-smart-motor input[name=email]").fill("kwlee@example.edu.tw")
            page.locator("#access-smart-motor").get_by_role("button", name="儲存").click()
            page.locator("#access-smart-motor").get_by_role("button", name="寄送連結").click()
            assert "已寄出個人連結" in page.locator("main").inner_text()
    [letter] = inbox.bodies_to("kwlee@example.edu.tw")
    zh, en = letter.split("-" * 70)
    assert f"請於 {due.year} 年 4 月 30 日前填寫聯盟基本資料" in zh and "222、高 112 像素" in zh
    assert f"by {due.isoformat()}" in en and "portal banner (a PNG of 222 × 112 pixels)" in en
    assert '"Smart Motor Alliance"' in en and "智慧馬達" not in en
    assert "https://intake.example.tw/link/" in zh and "https://intake.example.tw/link/" in en
    assert "{" not in letter and "}" not in letter


@pytest.mark.browser
def test_the_submissions_page_says_what_waits_for_publication_not_a_rebuild_counter(
    tmp_path: Path, page: Any
) -> None:
    """The first page showed "入口網更新: 3", a count of the office's preview builds since the
    server started, which tells the office nothing; what it needs there is whether saved
    changes wait for 發布入口網 (the guide's 7.). Now the page counts them, links the publish
    page, and says the public portal has everything once published."""
    console = build_console(tmp_path, free_port())
    try:
        with running_server(console.app) as url:
            _sign_in_office(page, url, "/office/", CONSOLE_PASSWORD)
            before = page.locator("main").inner_text()
            page.goto(f"{url}/office/alliances/good-motor/edit")
            page.locator("#f-name_en").fill("Good Motor Alliance, renamed")
            page.get_by_role("button", name=re.compile("儲存基本資料")).click()
            page.goto(f"{url}/office/")
            waiting = page.locator("#home-unpublished").inner_text()
            page.locator("#home-unpublished").get_by_role("link", name="發布入口網").click()
            page.get_by_role("button", name=re.compile("產生並發布入口網")).click()
            page.get_by_text(re.compile("已發布到")).wait_for(timeout=120_000)
            page.goto(f"{url}/office/")
            after = page.locator("#home-unpublished").inner_text()
    finally:
        services_of(console.app).jobs.close()
        services_of(console.app).rebuilder.close()
    assert "入口網更新" not in before and "Portal rebuilds" not in before
    assert "尚未發布到公開入口網的變更：1 筆" in waiting, waiting
    assert "公開入口網已包含所有變更" in after, after


@pytest.mark.browser
def test_a_banner_of_the_wrong_size_is_named_and_told_how_to_fix(tmp_path: Path, page: Any) -> None:
    """A PI tries exports in a row; the answer to a 300x100 file said only "圖片為 300x100
    像素；須剛好為 222x112": which file, and what to do, it did not say."""
    wrong = tmp_path / "氫能聯盟橫幅-v2.png"
    wrong.write_bytes(png_bytes(size=(300, 100)))
    with app_for(make_config(tmp_path / "site")) as app, running_server(app) as url:
        page.goto(f"{url}/link/{services_of(app).signer.make_token('smart-motor')}")
        page.locator("#banner-file").set_input_files(wrong)
        page.get_by_role("button", name="上傳並預覽 Upload and preview").click()
        said = page.locator("#banner-file-error").inner_text()
    assert said.startswith("「氫能聯盟橫幅-v2.png」"), said
    assert "調整（縮放或裁切）為寬 222、高 112 像素後另存為 PNG" in said, said
    assert "resize or crop it to 222 × 112 pixels" in said, said


def test_make_demo_on_a_busy_port_says_so_at_once_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Running `make demo` while another demo still serves: the new one built and crawled for
    a minute, then died with a Python traceback ("OSError: [Errno 98] Address already in
    use"). It now stops before any work and says what to do."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = demo.main(["--port", str(port), "--work", str(tmp_path / "demo")])
    said = capsys.readouterr()
    assert status == demo.EXIT_CANNOT_START
    assert f"port {port} on 127.0.0.1 is already in use" in said.err
    assert f"make demo PORT={port + 10}" in said.err and "Traceback" not in said.err
    assert not (tmp_path / "demo").exists()  # nothing was built or crawled


@pytest.mark.browser
def test_a_months_check_shows_one_moving_count_not_a_line_per_poll(
    tmp_path: Path, page: Any
) -> None:
    """立即檢查所有網站 listed "已檢查 1／27", "已檢查 2／27", ... as a numbered line each (17 lines
    for 27 sample sites; a hundred for the office's 200). A count now replaces the one before
    it, on the page while it runs (console.js) and once it is done."""
    go, more, release = threading.Event(), threading.Event(), threading.Event()

    def crawl(progress: Any) -> None:
        progress(
            Bilingual("正在檢查每個啟用中聯盟的網站", "checking every active alliance's website")
        )
        for done in range(1, 4):
            progress(Tally(f"已檢查 {done}／200 個網站", f"checked {done} of 200 websites"))
        go.set()
        assert more.wait(60)
        for done in range(4, 41):
            progress(Tally(f"已檢查 {done}／200 個網站", f"checked {done} of 200 websites"))
        assert release.wait(60)
        progress(Bilingual("報告已更新", "the month's report is written"))

    with app_for(_office_config(tmp_path)) as app, running_server(app) as url:
        jobs = services_of(app).jobs
        job, _ = jobs.submit("crawl", "month", "office", crawl)
        assert go.wait(30)
        _sign_in_office(page, url, f"/office/jobs/{job.id}")
        steps = page.locator("#job-steps li")
        first = steps.all_inner_texts()
        more.set()
        expect(steps.last).to_have_text("已檢查 40／200 個網站", timeout=30_000)
        running = steps.all_inner_texts()
        release.set()
        assert jobs.wait(job.id, 30) is not None
        page.reload()
        finished = steps.all_inner_texts()
    assert first == ["正在檢查每個啟用中聯盟的網站", "已檢查 3／200 個網站"]
    assert running == ["正在檢查每個啟用中聯盟的網站", "已檢查 40／200 個網站"]
    assert finished == ["正在檢查每個啟用中聯盟的網站", "已檢查 40／200 個網站", "報告已更新"]


def test_alliance_import_records_the_pis_e_mail_column_as_the_console_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line's import listed the office's 主持人Email column as ignored, as the
    console did; it now records the addresses the same way (a dry run only says it would)."""
    content, _banners, var = make_registry(tmp_path)
    sheet = tmp_path / "名單.csv"
    sheet.write_text(
        "代號,聯絡信箱,主持人Email\n"
        "smart-motor,motor-team@example.edu.tw,kwlee@example.edu.tw\n"
        "green-chem,,not an address\n",
        encoding="utf-8",
    )
    common = [str(sheet), "--content", str(content), "--var", str(var)]
    assert cli_main(["import", *common, "--dry-run"]) == 1  # row 3's address is not one
    dry = capsys.readouterr().out
    assert People(var / "intake-people.json").pi("smart-motor") is None
    assert cli_main(["import", *common]) == 1
    done = capsys.readouterr().out
    people = People(var / "intake-people.json")
    assert "PI e-mail column: '主持人Email'" in dry and "ignored columns" not in dry
    assert "row 2 smart-motor: PI e-mail (none) -> 'kwlee@example.edu.tw' (would record)" in dry
    assert "row 3 green-chem: column '主持人Email': 'not an address' is not an e-mail" in dry
    assert "(recorded)" in done
    pi = people.pi("smart-motor")
    assert pi is not None and pi.email == "kwlee@example.edu.tw"
    assert people.pi("green-chem") is None
    recorded = [
        e for e in AuditLog(var / "intake-audit.jsonl").entries() if e.action == "people.pi"
    ]
    assert [e.slug for e in recorded] == ["smart-motor"]

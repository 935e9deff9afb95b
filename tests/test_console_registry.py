"""The office keeps the registry in the console: add, edit, deactivate and restore, with the
same rules as the form and the import, audited as the office, confirmed before anything that
changes who is listed or written to. Real waitress and real Chromium for the office's flow;
the Flask test client for the refusals."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from test_console_browser import shoot
from test_intake_support import SECRET, app_for, csrf_of, make_registry, running_server

from alliance_portal.intake import IntakeConfig
from alliance_portal.intake.admin_password import set_password
from alliance_portal.registry.audit import AuditLog

PASSWORD = "office password 2026"
MOTOR = {
    "name": "智慧馬達產學聯盟",
    "name_en": "Smart Motor Alliance",
    "university": "範例大學",
    "industry": "mechatronics",
    "website": "https://motor.example.edu.tw/",
    "contact_email": "motor@example.edu.tw",
}


def _config(tmp_path: Path, **changes: Any) -> IntakeConfig:
    content, banners, var = make_registry(tmp_path, {"smart-motor": MOTOR})
    set_password(var / "intake-admin-password", PASSWORD)
    config = IntakeConfig(content_dir=content, banners_dir=banners, var_dir=var, secret=SECRET)
    return dataclasses.replace(config, **changes)


def _profile(config: IntakeConfig, slug: str = "smart-motor") -> dict[str, Any]:
    return tomllib.loads((config.content_dir / "alliances" / f"{slug}.toml").read_text("utf-8"))


def _office(app: Any) -> Any:
    client = app.test_client()
    csrf = csrf_of(client.get("/office/login").get_data(as_text=True))
    resp = client.post("/office/login", data={"csrf_token": csrf, "password": PASSWORD})
    assert resp.status_code == 303
    return client


def _fields(**changes: str) -> dict[str, str]:
    data = {k: str(v) for k, v in MOTOR.items()}
    data.update(changes)
    return data


@pytest.mark.browser
def test_the_office_edits_deactivates_and_restores_in_the_browser(
    tmp_path: Path, page: Any
) -> None:
    config = _config(tmp_path, flask_overrides={"TESTING": False})
    with app_for(config) as app, running_server(app) as url:
        page.goto(f"{url}/office/alliances/smart-motor")
        page.get_by_label("密碼").fill(PASSWORD)
        page.get_by_role("button", name="登入").click()

        # edit: a new English name, saved as the office
        page.get_by_role("link", name=re.compile("編輯基本資料")).click()
        page.locator("#f-name_en").fill("Smart Motor Drive Alliance")
        shoot(page, "console-edit-alliance")
        page.get_by_role("button", name=re.compile("儲存基本資料")).click()
        assert "已儲存基本資料" in page.locator("#office-done").inner_text()
        assert _profile(config)["name_en"] == "Smart Motor Drive Alliance"

        # deactivate: the page says what it means, and only the confirmation does it
        page.get_by_role("link", name=re.compile("停用")).click()
        explained = page.locator("main").inner_text()
        shoot(page, "console-deactivate")
        assert "入口網不再列出" in explained and "no reminder or notice" not in explained
        page.locator("#lang-switch").click()  # the office's English view says the same
        page.wait_for_load_state()
        english = page.locator("main").inner_text()
        assert "no reminder or notice is sent" in english and "入口網不再列出" not in english
        page.locator("#lang-switch").click()
        page.wait_for_load_state()
        assert _profile(config).get("active", True) is True
        page.get_by_role("button", name=re.compile("確定停用")).click()
        assert "已停用" in page.locator("#office-done").inner_text()
        assert _profile(config)["active"] is False

        # restore the profile as it was before the edit (the history keeps every version)
        page.get_by_role("link", name=re.compile("歷史版本與還原")).click()
        page.get_by_role("link", name=re.compile("檢視並還原")).last.click()
        changed = page.locator("table.compare tr.changed").all_inner_texts()
        assert any("Smart Motor Alliance" in row and "Drive" in row for row in changed), changed
        shoot(page, "console-restore-version")
        page.get_by_role("button", name=re.compile("確定還原")).click()
        assert "已還原" in page.locator("#office-done").inner_text()
        restored = _profile(config)
        assert restored["name_en"] == "Smart Motor Alliance"
        assert restored.get("active", True) is True

    entries = [e for e in AuditLog(config.var_dir / "intake-audit.jsonl").entries() if e.slug]
    assert [e.action for e in entries] == ["profile.save", "profile.save", "profile.restore"]
    assert all(e.actor == "office" for e in entries)


def test_adding_an_alliance_checks_the_short_name_and_every_field(tmp_path: Path) -> None:
    config = _config(tmp_path, flask_overrides={"TESTING": True})
    with app_for(config) as app:
        office = _office(app)
        csrf = csrf_of(office.get("/office/alliances/new").get_data(as_text=True))
        bad_slug = office.post(
            "/office/alliances/new", data={"csrf_token": csrf, "slug": "Smart Motor!", **_fields()}
        )
        assert bad_slug.status_code == 422
        assert "代號只能用小寫英文字母" in bad_slug.get_data(as_text=True)

        taken = office.post(
            "/office/alliances/new", data={"csrf_token": csrf, "slug": "smart-motor", **_fields()}
        )
        assert taken.status_code == 422 and "已有代號為 smart-motor" in taken.get_data(as_text=True)

        bad_site = office.post(
            "/office/alliances/new",
            data={"csrf_token": csrf, "slug": "new-one", **_fields(website="not a url")},
        )
        assert bad_site.status_code == 422
        assert 'id="e-website"' in bad_site.get_data(as_text=True)
        assert not (config.content_dir / "alliances" / "new-one.toml").exists()

        made = office.post(
            "/office/alliances/new",
            data={"csrf_token": csrf, "slug": "new-one", "active": "on", **_fields(name="新聯盟")},
        )
        assert made.status_code == 303 and made.headers["Location"].endswith(
            "/office/alliances/new-one#h-profile"
        )
        assert _profile(config, "new-one")["name"] == "新聯盟"


def test_the_registry_pages_refuse_what_they_should(tmp_path: Path) -> None:
    config = _config(tmp_path, flask_overrides={"TESTING": True})
    with app_for(config) as app:
        anonymous = app.test_client()
        for path in (
            "/office/alliances/new",
            "/office/alliances/smart-motor/edit",
            "/office/alliances/smart-motor/versions",
        ):
            resp = anonymous.get(path)
            assert resp.status_code == 302 and "/office/login" in resp.headers["Location"]
        office = _office(app)
        assert office.get("/office/alliances/nobody/edit").status_code == 404
        assert office.get("/office/alliances/" + "a" * 300 + "/edit").status_code == 404
        assert office.get("/office/alliances/smart-motor/restore/nothing.toml").status_code == 404
        # a POST without the CSRF token changes nothing
        refused = office.post("/office/alliances/smart-motor/active", data={"confirm": "yes"})
        assert refused.status_code == 400
        assert _profile(config).get("active", True) is True
        # without the confirmation, deactivating only asks
        csrf = csrf_of(office.get("/office/alliances/smart-motor/active").get_data(as_text=True))
        asked = office.post("/office/alliances/smart-motor/active", data={"csrf_token": csrf})
        assert asked.status_code == 200 and "確定停用" in asked.get_data(as_text=True)
        assert _profile(config).get("active", True) is True


def test_the_office_changes_its_password_and_other_browsers_are_signed_out(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, flask_overrides={"TESTING": True})
    with app_for(config) as app:
        desk, laptop = _office(app), _office(app)
        csrf = csrf_of(desk.get("/office/password").get_data(as_text=True))
        wrong = desk.post(
            "/office/password",
            data={"csrf_token": csrf, "current": "guess", "new": "x" * 14, "repeat": "x" * 14},
        )
        assert wrong.status_code == 422 and "目前的密碼不正確" in wrong.get_data(as_text=True)
        differ = desk.post(
            "/office/password",
            data={"csrf_token": csrf, "current": PASSWORD, "new": "a" * 14, "repeat": "b" * 14},
        )
        assert differ.status_code == 422 and "兩次輸入的新密碼不一樣" in differ.get_data(
            as_text=True
        )
        short = desk.post(
            "/office/password",
            data={"csrf_token": csrf, "current": PASSWORD, "new": "short", "repeat": "short"},
        )
        assert short.status_code == 422 and "至少要 12 個字元" in short.get_data(as_text=True)

        new = "a new office sentence 2027"
        changed = desk.post(
            "/office/password",
            data={"csrf_token": csrf, "current": PASSWORD, "new": new, "repeat": new},
        )
        assert changed.status_code == 200 and "密碼已更新" in changed.get_data(as_text=True)
        assert desk.get("/office/").status_code == 200  # this browser stays signed in
        assert laptop.get("/office/").status_code == 302  # the other one is signed out
        fresh = app.test_client()
        csrf = csrf_of(fresh.get("/office/login").get_data(as_text=True))
        old = fresh.post("/office/login", data={"csrf_token": csrf, "password": PASSWORD})
        assert old.status_code == 401  # the old password no longer opens the console
        ok = fresh.post("/office/login", data={"csrf_token": csrf, "password": new})
        assert ok.status_code == 303
    actions = [e.action for e in AuditLog(config.var_dir / "intake-audit.jsonl").entries()]
    assert actions.count("office.password") == 1


@pytest.mark.browser
def test_the_office_signs_in_and_changes_its_password_in_the_browser(
    tmp_path: Path, page: Any
) -> None:
    config = _config(tmp_path, flask_overrides={"TESTING": False})
    new = "a new office sentence 2027"
    with app_for(config) as app, running_server(app) as url:
        page.goto(f"{url}/office/password")
        shoot(page, "console-login")
        page.get_by_label("密碼").fill(PASSWORD)
        page.get_by_role("button", name="登入").click()
        page.locator("#current").fill(PASSWORD)
        page.locator("#new").fill(new)
        page.locator("#repeat").fill(new)
        shoot(page, "console-password")
        page.get_by_role("button", name=re.compile("變更密碼")).click()
        assert "密碼已更新" in page.locator("#password-done").inner_text()
    actions = [e.action for e in AuditLog(config.var_dir / "intake-audit.jsonl").entries()]
    assert actions.count("office.password") == 1


IMPORT_CSV = """slug,聯盟名稱,學校,產業別,網址,計畫主持人
smart-motor,智慧馬達產學聯盟,範例大學,mechatronics,https://motor.example.edu.tw/,林小華
green-chem,綠色化工產學聯盟,範例科大,資通訊,https://green.example.edu.tw/,
bad-one,壞聯盟,範例大學,mechatronics,not a website,
"""


@pytest.mark.browser
def test_the_office_imports_a_spreadsheet_after_seeing_every_change(
    tmp_path: Path, page: Any
) -> None:
    config = _config(tmp_path, flask_overrides={"TESTING": False})
    sheet = tmp_path / "名單.csv"
    sheet.write_text(IMPORT_CSV, encoding="utf-8")
    with app_for(config) as app, running_server(app) as url:
        page.goto(f"{url}/office/import")
        page.get_by_label("密碼").fill(PASSWORD)
        page.get_by_role("button", name="登入").click()
        page.locator("#import-file").set_input_files(str(sheet))
        page.get_by_role("button", name=re.compile("預覽變更")).click()
        counts = page.locator("#import-counts").inner_text()
        assert "新增 1、更新 1、不變 0、有問題 1" in counts
        assert "林小華" in page.locator("#row-2").inner_text()  # the PI, old → new
        bad = page.locator("#row-4").inner_text()
        assert "有問題" in bad and "網址" in bad  # zh-TW (one language at a time)
        assert "not a website" not in bad  # (English: tests/test_console_language.py)
        shoot(page, "console-import-preview")
        # the preview wrote nothing
        assert "pi" not in _profile(config)
        assert not (config.content_dir / "alliances" / "green-chem.toml").exists()
        page.locator("#apply-import").click()
        assert "已匯入" in page.locator("#import-result h2").inner_text()
    assert _profile(config)["pi"] == "林小華"
    assert _profile(config, "green-chem")["industry"] == "ict"
    assert not (config.content_dir / "alliances" / "bad-one.toml").exists()
    imported = [
        e
        for e in AuditLog(config.var_dir / "intake-audit.jsonl").entries()
        if e.action == "profile.import"
    ]
    assert {e.slug for e in imported} == {"smart-motor", "green-chem"}
    assert all(e.actor == "office" for e in imported)
    assert not list((config.var_dir / "office-imports").iterdir())  # the upload is gone


def test_an_import_applies_only_what_was_previewed(tmp_path: Path) -> None:
    config = _config(tmp_path, flask_overrides={"TESTING": True})
    with app_for(config) as app:
        office = _office(app)
        csrf = csrf_of(office.get("/office/import").get_data(as_text=True))
        wrong_kind = office.post(
            "/office/import",
            data={"csrf_token": csrf, "file": (io.BytesIO(b"MZ\x90"), "list.exe")},
            content_type="multipart/form-data",
        )
        assert wrong_kind.status_code == 422
        assert "不是 .xlsx 或 .csv 檔" in wrong_kind.get_data(as_text=True)

        shown = office.post(
            "/office/import",
            data={"csrf_token": csrf, "file": (io.BytesIO(IMPORT_CSV.encode()), "list.csv")},
            content_type="multipart/form-data",
        )
        html = shown.get_data(as_text=True)
        form = {
            k: re.search(rf'name="{k}" value="([^"]*)"', html).group(1)  # type: ignore[union-attr]
            for k in ("token", "suffix", "name", "plan")
        }
        # the PI saves a change in between: the previewed plan no longer holds
        (config.content_dir / "alliances" / "smart-motor.toml").write_text(
            (config.content_dir / "alliances" / "smart-motor.toml").read_text("utf-8")
            + 'pi = "王大明"\n',
            encoding="utf-8",
        )
        again = office.post("/office/import/apply", data={"csrf_token": csrf, **form})
        assert again.status_code == 409
        assert "預覽之後資料已有變動" in again.get_data(as_text=True)
        assert _profile(config)["pi"] == "王大明"  # nothing applied
        assert not (config.content_dir / "alliances" / "green-chem.toml").exists()
        # a forged token finds nothing
        forged = office.post(
            "/office/import/apply",
            data={"csrf_token": csrf, **form, "token": "../../etc/passwd"},
        )
        assert forged.status_code == 422


def test_a_version_that_breaks_todays_rules_is_refused_in_the_offices_language(
    tmp_path: Path,
) -> None:
    """A refused restore says why in the language the office reads the console in: the
    Chinese page carried the English problem text before."""
    config = _config(tmp_path, flask_overrides={"TESTING": True})
    history = config.content_dir / ".history" / "smart-motor"
    history.mkdir(parents=True, exist_ok=True)
    old = {**MOTOR, "industry": "petroleum"}
    lines = [f"{k} = {v!r}".replace("'", '"') for k, v in old.items() if isinstance(v, str)]
    (history / "20240101T000000Z.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _profile(config)
    with app_for(config) as app:
        office = _office(app)
        path = "/office/alliances/smart-motor/restore/20240101T000000Z.toml"
        csrf = csrf_of(office.get(path).get_data(as_text=True))
        zh = office.post(path, data={"csrf_token": csrf, "confirm": "yes"})
        assert zh.status_code == 422
        page = zh.get_data(as_text=True)
        assert "這個版本不符合現行的基本資料規則，未還原" in page and "petroleum" in page
        assert "does not pass" not in page
        office.set_cookie("console_lang", "en", path="/office")
        en = office.post(path, data={"csrf_token": csrf, "confirm": "yes"})
        assert en.status_code == 422
        page = html.unescape(en.get_data(as_text=True))
        assert "does not pass today's profile rules" in page and "未還原" not in page
    assert _profile(config) == before

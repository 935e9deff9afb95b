"""The upload form through Flask's test client: sign-in, the form, banners, security."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from test_intake_support import (
    CountingBuild,
    app_for,
    csrf_of,
    make_config,
    png_bytes,
    profile_form,
    services_of,
    sign_in,
)

from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.config import RateLimit
from alliance_portal.registry.banner_rules import check_banner_bytes, check_banner_file

OFFICE_PASSWORD = "office password 2026"


@pytest.fixture
def build() -> CountingBuild:
    return CountingBuild()


@pytest.fixture
def app(tmp_path: Path, build: CountingBuild) -> Any:
    with app_for(make_config(tmp_path, rebuild=build)) as flask_app:
        yield flask_app


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


def text_of(resp: Any) -> str:
    return html.unescape(resp.get_data(as_text=True))


def upload(client: Any, csrf: str, data: bytes, filename: str = "banner.png") -> Any:
    return client.post(
        "/alliance/banner",
        data={"csrf_token": csrf, "banner": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


# -- signing in ----------------------------------------------------------------------------
def test_link_becomes_a_session_and_a_clean_url(app: Flask, client: Any) -> None:
    token = services_of(app).signer.make_token("smart-motor")
    resp = client.get(f"/link/{token}")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/alliance/"
    assert token not in resp.headers["Location"]
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/alliance/")
    assert page.status_code == 200
    assert "智慧馬達產學聯盟" in text_of(page)
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_cookie_is_secure_over_https(app: Flask, client: Any) -> None:
    token = services_of(app).signer.make_token("smart-motor")
    resp = client.get(f"/link/{token}", base_url="https://intake.example.tw")
    assert "Secure" in resp.headers["Set-Cookie"]
    assert "max-age" in resp.headers["Strict-Transport-Security"]


def test_bad_link_is_refused_with_a_bilingual_page(client: Any) -> None:
    resp = client.get("/link/not-a-real-token")
    assert resp.status_code == 403
    body = text_of(resp)
    assert "連結無效" in body and "This link is not valid" in body
    assert client.get("/alliance/").status_code == 403  # no session was created


def test_expired_link(tmp_path: Path) -> None:
    import datetime as dt

    config = make_config(tmp_path, link_max_age=dt.timedelta(seconds=-1))
    with app_for(config) as app:
        token = services_of(app).signer.make_token("smart-motor")
        resp = app.test_client().get(f"/link/{token}")
    assert resp.status_code == 410
    body = text_of(resp)
    assert "連結已過期" in body and "has expired" in body and "smart-motor" in body


def test_revoked_link_and_session_stop_working(app: Flask, client: Any) -> None:
    token = services_of(app).signer.make_token("smart-motor")
    assert client.get(f"/link/{token}").status_code == 303
    assert client.get("/alliance/").status_code == 200
    services_of(app).versions.revoke("smart-motor")  # as `alliance intake revoke` does
    page = client.get("/alliance/")
    assert page.status_code == 403
    assert "連結已停用" in text_of(page)
    fresh = app.test_client()
    resp = fresh.get(f"/link/{token}")
    assert resp.status_code == 410 and "was revoked" in text_of(resp)


def test_repeated_bad_links_are_rate_limited(tmp_path: Path) -> None:
    config = make_config(tmp_path, login_limit=RateLimit(3, 900))
    with app_for(config) as app:
        client = app.test_client()
        codes = [client.get(f"/link/guess{i}").status_code for i in range(5)]
        assert codes == [403, 403, 403, 429, 429]
        resp = client.get("/link/guess9")
        assert int(resp.headers["Retry-After"]) > 0
        assert "操作太頻繁" in text_of(resp)
        # Another address is not affected.
        other = client.get("/link/guess", environ_base={"REMOTE_ADDR": "127.0.0.77"})
        assert other.status_code == 403


# -- only one's own data ---------------------------------------------------------------------
def test_alliance_sees_and_changes_only_its_own_profile(
    app: Flask, client: Any, tmp_path: Path
) -> None:
    csrf = sign_in(client, app, "smart-motor")
    page = text_of(client.get("/alliance/"))
    assert "智慧馬達產學聯盟" in page and "綠色化學產學聯盟" not in page
    # A slug smuggled into the form is ignored: the session decides whose profile changes.
    form = profile_form("smart-motor", pi="馬達教授") | {"slug": "green-chem"}
    assert client.post("/alliance/profile", data={"csrf_token": csrf, **form}).status_code == 303
    chem = tomllib.loads((tmp_path / "content/alliances/green-chem.toml").read_text())
    motor = tomllib.loads((tmp_path / "content/alliances/smart-motor.toml").read_text())
    assert "pi" not in chem and motor["pi"] == "馬達教授"
    # Office pages and other alliances' banners are out of reach.
    (tmp_path / "banners" / "green-chem.png").write_bytes(png_bytes())
    assert client.get("/office/banners/green-chem.png").status_code == 302
    assert client.get("/office/").status_code == 302


def test_pages_need_a_session(client: Any) -> None:
    for url in (
        "/alliance/",
        "/alliance/banner/preview",
        "/alliance/banner/current.png",
        "/alliance/publish-status",
    ):
        resp = client.get(url)
        assert resp.status_code == 403, url
        assert "請先登入" in text_of(resp)


# -- CSRF and size limits --------------------------------------------------------------------
def test_post_without_csrf_token_is_refused(app: Flask, client: Any, tmp_path: Path) -> None:
    sign_in(client, app, "smart-motor")
    before = (tmp_path / "content/alliances/smart-motor.toml").read_bytes()
    resp = client.post("/alliance/profile", data=profile_form("smart-motor", pi="x"))
    assert resp.status_code == 400
    assert "表單已過期" in text_of(resp) and "reload the page" in text_of(resp).lower()
    resp = client.post(
        "/alliance/profile", data={"csrf_token": "forged", **profile_form("smart-motor")}
    )
    assert resp.status_code == 400
    resp = upload(client, "", png_bytes())
    assert resp.status_code == 400
    assert (tmp_path / "content/alliances/smart-motor.toml").read_bytes() == before
    assert not (tmp_path / "banners/smart-motor.png").exists()


def test_csrf_token_of_another_session_is_refused(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    csrf_first = sign_in(first, app, "smart-motor")
    sign_in(second, app, "green-chem")
    resp = second.post(
        "/alliance/profile", data={"csrf_token": csrf_first, **profile_form("green-chem")}
    )
    assert resp.status_code == 400


def test_oversize_upload_gets_a_friendly_413(tmp_path: Path) -> None:
    config = make_config(tmp_path, max_request_bytes=64 * 1024)
    with app_for(config) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        resp = upload(client, csrf, b"\x89PNG\r\n\x1a\n" + b"\0" * 100_000)
    assert resp.status_code == 413
    body = text_of(resp)
    assert "檔案太大" in body and "too large" in body and "222x112" in body


# -- banners --------------------------------------------------------------------------------
def test_upload_preview_confirm(
    app: Flask, client: Any, build: CountingBuild, tmp_path: Path
) -> None:
    csrf = sign_in(client, app, "smart-motor")
    resp = upload(client, csrf, png_bytes((10, 120, 200)), filename="../../evil.png")
    assert resp.status_code == 303 and resp.headers["Location"] == "/alliance/banner/preview"
    assert not (tmp_path / "banners/smart-motor.png").exists()  # not before confirming
    preview = client.get("/alliance/banner/preview")
    body = text_of(preview)
    assert "222 × 112" in body and "evil" not in body
    image = client.get("/alliance/banner/pending.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert check_banner_bytes(image.data).ok
    assert not list(tmp_path.rglob("evil*"))  # the client's file name is never used
    resp = client.post("/alliance/banner/confirm", data={"csrf_token": csrf_of(body)})
    assert resp.status_code == 303
    stored = tmp_path / "banners/smart-motor.png"
    assert stored.read_bytes() == image.data
    assert services_of(app).rebuilder.wait(1, 30) == "live"
    assert build.calls == 1
    home = text_of(client.get("/alliance/"))
    assert "變更已在入口網上線" in home and "live on the portal" in home
    assert client.get("/alliance/publish-status").get_json()["status"] == "live"
    entry = list(services_of(app).audit.entries())[-1]
    assert (entry.action, entry.actor, entry.file) == (
        "banner.save",
        "alliance:smart-motor",
        "banners/smart-motor.png",
    )
    # The preview cannot be confirmed twice.
    again = client.post("/alliance/banner/confirm", data={"csrf_token": csrf})
    assert again.status_code == 303 and "預覽已過期" in text_of(client.get("/alliance/"))


def test_cancel_keeps_the_old_banner(app: Flask, client: Any, tmp_path: Path) -> None:
    stored = tmp_path / "banners/smart-motor.png"
    stored.write_bytes(png_bytes((0, 0, 0)))
    csrf = sign_in(client, app, "smart-motor")
    upload(client, csrf, png_bytes((255, 255, 0)))
    assert client.post("/alliance/banner/cancel", data={"csrf_token": csrf}).status_code == 303
    assert stored.read_bytes() == png_bytes((0, 0, 0))
    assert client.get("/alliance/banner/pending.png").status_code == 404
    assert not list((tmp_path / "var/intake-pending").rglob("*.png"))


def _apng() -> bytes:
    from PIL import Image

    frames = [Image.new("RGB", (222, 112), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:])
    return out.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (222, 112), (1, 2, 3)).save(out, format="JPEG")
    return out.getvalue()


def _bad_crc() -> bytes:
    data = bytearray(png_bytes())
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # flip a byte of compressed data, keep the old CRC
    return bytes(data)


BAD_BANNERS = {
    "wrong size": lambda: png_bytes(size=(444, 224)),
    "rotated": lambda: png_bytes(size=(112, 222)),
    "jpeg renamed to png": _jpeg,
    "svg": lambda: (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="222" height="112"><script>alert(1)</script></svg>'
    ),
    "html": lambda: b"<html><script>alert(1)</script></html>",
    "truncated png": lambda: png_bytes()[:120],
    "bad crc": _bad_crc,
    "animated png": _apng,
    "too many bytes": lambda: png_bytes() + b"\0" * (1024 * 1024),
}


@pytest.mark.parametrize("name", sorted(BAD_BANNERS))
def test_each_bad_banner_is_refused_next_to_the_field(
    app: Flask, client: Any, tmp_path: Path, name: str
) -> None:
    data = BAD_BANNERS[name]()
    report = check_banner_bytes(data, filename="upload.png")  # the form says it was named .png
    assert not report.ok
    csrf = sign_in(client, app, "smart-motor")
    resp = upload(client, csrf, data)
    assert resp.status_code == 422
    body = text_of(resp)
    for error in report.errors:
        assert error.text.zh in body and error.text.en in body
    assert 'aria-describedby="banner-file-error"' in body
    assert not (tmp_path / "banners/smart-motor.png").exists()
    assert not list((tmp_path / "var").rglob("*.png"))
    assert client.get("/alliance/banner/preview").status_code == 302


def test_no_pngsuite_file_crashes_the_form(pngsuite: Path, tmp_path: Path) -> None:
    """Every file of the PNG test suite (all 32x32, many deliberately broken) gets a 422 page
    naming what is wrong, and nothing reaches the banners folder."""
    config = make_config(tmp_path, alliance_post_limit=RateLimit(1000, 3600))
    with app_for(config) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        for path in sorted(pngsuite.glob("*.png")):
            resp = upload(client, csrf, path.read_bytes(), filename=path.name)
            assert resp.status_code == 422, path.name
            assert 'id="banner-file-error"' in resp.get_data(as_text=True), path.name
    assert not (tmp_path / "banners/smart-motor.png").exists()


def test_missing_file_is_explained(app: Flask, client: Any) -> None:
    csrf = sign_in(client, app, "smart-motor")
    resp = client.post(
        "/alliance/banner", data={"csrf_token": csrf}, content_type="multipart/form-data"
    )
    assert resp.status_code == 422
    assert "請選擇要上傳的 PNG 檔" in text_of(resp)


# -- profile ---------------------------------------------------------------------------------
def test_profile_errors_are_shown_next_to_each_field(
    app: Flask, client: Any, tmp_path: Path
) -> None:
    csrf = sign_in(client, app, "smart-motor")
    before = (tmp_path / "content/alliances/smart-motor.toml").read_bytes()
    form = profile_form(
        "smart-motor",
        name="",
        website="motor.example.edu.tw",
        contact_email="not an address",
        industry="rockets",
        since="12",
        intro="長" * 3001,
    )
    resp = client.post("/alliance/profile", data={"csrf_token": csrf, **form})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    for key, zh in (
        ("name", "此欄為必填"),
        ("website", "網址格式不正確"),
        ("contact_email", "電子郵件地址格式不正確"),
        ("industry", "請從清單中選擇產業分類"),
        ("since", "年份 12 不合理"),
        ("intro", "目前 3001 字，上限為 3000 字"),
    ):
        block = body.split(f'id="e-{key}"', 1)
        assert len(block) == 2, f"no error block for {key}"
        assert zh in block[1].split("</div>", 1)[0], key
        assert 'aria-describedby="' in body.split(f'id="f-{key}"', 1)[1].split(">", 1)[0]
    assert "required key is missing or empty" in body  # the registry's own English
    # What the user typed stays in the form; nothing was written.
    assert "motor.example.edu.tw" in body
    assert (tmp_path / "content/alliances/smart-motor.toml").read_bytes() == before


def test_profile_save_rebuilds_and_reports_live(
    app: Flask, client: Any, build: CountingBuild, tmp_path: Path
) -> None:
    build.hold.clear()
    csrf = sign_in(client, app, "smart-motor")
    form = profile_form("smart-motor", intro="新簡介\r\n第二行", industry="機電材料")
    resp = client.post("/alliance/profile", data={"csrf_token": csrf, **form})
    assert resp.status_code == 303
    saved = tomllib.loads((tmp_path / "content/alliances/smart-motor.toml").read_text())
    assert saved["intro"] == "新簡介\n第二行" and saved["industry"] == "mechatronics"
    assert build.started.wait(10)
    page = text_of(client.get("/alliance/"))
    assert "入口網正在更新" in page and 'data-status="building"' in page
    assert client.get("/alliance/publish-status").get_json()["status"] == "building"
    build.hold.set()
    assert services_of(app).rebuilder.wait(1, 30) == "live"
    assert client.get("/alliance/publish-status").get_json()["status"] == "live"
    # Unchanged resubmission: no new version and no rebuild.
    client.post("/alliance/profile", data={"csrf_token": csrf, **form})
    assert "資料沒有變更" in text_of(client.get("/alliance/"))
    assert build.calls == 1


def test_failed_rebuild_is_told_to_the_user(tmp_path: Path) -> None:
    def broken() -> None:
        raise RuntimeError("theme missing")

    with app_for(make_config(tmp_path, rebuild=broken)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "green-chem")
        client.post(
            "/alliance/profile", data={"csrf_token": csrf, **profile_form("green-chem", pi="李")}
        )
        assert services_of(app).rebuilder.wait(1, 30) == "failed"
        page = text_of(client.get("/alliance/"))
    assert "入口網更新失敗" in page and "you do not need to submit again" in page.lower()


XSS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '"><svg onload=alert(1)>',
    "</textarea><script>alert(2)</script>",
    '""" \n[x]\nkey = "injected"',
]


def test_xss_attempts_are_stored_as_text_and_never_rendered_as_markup(
    app: Flask, client: Any, tmp_path: Path
) -> None:
    csrf = sign_in(client, app, "smart-motor")
    payload = "\n\n".join(XSS)
    form = profile_form(
        "smart-motor", intro=payload, pi='<b onmouseover="x">王</b>', name_en='"><script>1</script>'
    )
    assert client.post("/alliance/profile", data={"csrf_token": csrf, **form}).status_code == 303
    saved = tomllib.loads((tmp_path / "content/alliances/smart-motor.toml").read_text())
    assert saved["intro"] == payload and set(saved) >= {"intro", "pi"} and "key" not in saved
    page = client.get("/alliance/").get_data(as_text=True)
    assert "<script>" not in page and "<img src=x" not in page and "<svg" not in page
    assert "&lt;script&gt;" in page
    # The rebuilt portal shows the text, never as markup.
    from alliance_portal.portal.build import build_site

    output = tmp_path / "output"
    build_site(tmp_path / "content", tmp_path / "banners", output, search=False)
    for page_path in ("alliances/smart-motor/index.html", "en/alliances/smart-motor/index.html"):
        built = (output / page_path).read_text(encoding="utf-8")
        assert "<script>" not in built and "<script>1" not in built, page_path
        for markup in ("<img src=x", "<svg onload", "<b onmouseover", "</textarea><script"):
            assert markup not in built, (page_path, markup)
        assert 'href="javascript:' not in built.lower()
    zh_page = (output / "alliances/smart-motor/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in zh_page  # shown as text, as the alliance typed it


# -- headers ----------------------------------------------------------------------------------
def test_security_headers_on_every_page(app: Flask, client: Any) -> None:
    for resp in (client.get("/"), client.get("/link/bad"), client.get("/office/login")):
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_so_the_csp_holds(app: Flask, client: Any) -> None:
    sign_in(client, app, "smart-motor")
    body = client.get("/alliance/").get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    assert '<html lang="zh-Hant-TW">' in body


def test_per_alliance_post_limit(tmp_path: Path) -> None:
    config = make_config(tmp_path, alliance_post_limit=RateLimit(2, 3600))
    with app_for(config) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        codes = [
            client.post(
                "/alliance/profile",
                data={"csrf_token": csrf, **profile_form("smart-motor", pi=str(i))},
            ).status_code
            for i in range(3)
        ]
        assert codes == [303, 303, 429]
        # Another alliance on the same address still works.
        other = app.test_client()
        csrf2 = sign_in(other, app, "green-chem")
        assert (
            other.post(
                "/alliance/profile", data={"csrf_token": csrf2, **profile_form("green-chem")}
            ).status_code
            == 303
        )


def test_per_address_post_limit(tmp_path: Path) -> None:
    config = make_config(tmp_path, address_post_limit=RateLimit(1, 3600))
    with app_for(config) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        assert client.post("/alliance/banner/cancel", data={"csrf_token": csrf}).status_code == 303
        assert client.post("/alliance/banner/cancel", data={"csrf_token": csrf}).status_code == 429


# -- office -----------------------------------------------------------------------------------
def test_office_login_and_overview(app: Flask, tmp_path: Path) -> None:
    config = services_of(app).config
    set_password(config.paths.admin_password, OFFICE_PASSWORD)
    (tmp_path / "banners/smart-motor.png").write_bytes(png_bytes())
    (tmp_path / "banners/green-chem.png").write_bytes(png_bytes(size=(100, 100)))
    services_of(app).signer.make_token("new-alliance")  # link issued, nothing sent yet
    office = app.test_client()
    login = office.get("/office/login")
    csrf = csrf_of(login.get_data(as_text=True))
    wrong = office.post("/office/login", data={"csrf_token": csrf, "password": "guess"})
    assert wrong.status_code == 401 and "密碼不正確" in text_of(wrong)
    ok = office.post("/office/login", data={"csrf_token": csrf, "password": OFFICE_PASSWORD})
    assert ok.status_code == 303 and ok.headers["Location"] == "/office/"
    page = office.get("/office/")
    body = text_of(page)
    assert page.status_code == 200
    rows = {
        slug: body.split(f'id="row-{slug}"', 1)[1].split("</tr>", 1)[0]
        for slug in ("smart-motor", "green-chem", "new-alliance")
    }
    assert 'class="part ok"' in rows["smart-motor"] and rows["smart-motor"].count("已完成") == 2
    assert 'class="part invalid"' in rows["green-chem"] and "100x100" in rows["green-chem"]
    assert rows["new-alliance"].count("缺少") == 2
    assert 'class="incomplete"' in body.split('id="row-green-chem"')[0].rsplit("<tr", 1)[1]
    assert "截止日" in body and "Deadline" not in body  # one language at a time (zh-TW first)
    assert body.index('id="row-green-chem"') < body.index(
        'id="row-smart-motor"'
    )  # incomplete first
    assert office.get("/office/banners/smart-motor.png").status_code == 200
    assert office.get("/office/banners/..%2Fx.png").status_code == 404


def test_office_deadline_countdown(tmp_path: Path) -> None:
    import datetime as dt

    past = dt.date.today() - dt.timedelta(days=3)
    with app_for(make_config(tmp_path, deadline=past)) as app:
        set_password(services_of(app).config.paths.admin_password, OFFICE_PASSWORD)
        office = app.test_client()
        csrf = csrf_of(office.get("/office/login").get_data(as_text=True))
        office.post("/office/login", data={"csrf_token": csrf, "password": OFFICE_PASSWORD})
        body = text_of(office.get("/office/"))
        office.set_cookie("console_lang", "en", path="/office")
        english = text_of(office.get("/office/"))
    assert "已逾期 3 天" in body and "3 days overdue" not in body
    assert "3 days overdue" in english and "已逾期" not in english


def test_alliance_form_shows_the_deadline_and_says_when_it_has_passed(tmp_path: Path) -> None:
    import datetime as dt

    today = dt.date.today()
    future, past = today + dt.timedelta(days=30), today - dt.timedelta(days=1)
    with app_for(make_config(tmp_path / "a", deadline=future)) as app:
        client = app.test_client()
        sign_in(client, app, "smart-motor")
        body = re.sub(r"<[^>]+>", "", text_of(client.get("/alliance/")))
    assert f"by {future.isoformat()}" in body and f"{future.year} 年" in body
    with app_for(make_config(tmp_path / "b", deadline=past)) as app:
        client = app.test_client()
        sign_in(client, app, "smart-motor")
        body = re.sub(r"<[^>]+>", "", text_of(client.get("/alliance/")))
    assert f"{past.isoformat()}, has passed" in body and "已過" in body
    assert "Please complete" not in body


def test_form_says_why_the_portal_does_not_list_the_alliance(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "new-alliance")  # a link issued before any profile exists
        assert "not on the portal yet: fill in and save the profile" in text_of(
            client.get("/alliance/")
        )
        form = profile_form("green-chem", name="新聯盟")
        resp = client.post("/alliance/profile", data={"csrf_token": csrf, **form})
        assert resp.status_code == 303
        assert 'id="not-listed"' not in text_of(client.get("/alliance/"))

        path = tmp_path / "content" / "alliances" / "smart-motor.toml"
        path.write_text(path.read_text("utf-8") + "active = false\n", "utf-8")
        sign_in(client, app, "smart-motor")
        assert "set your alliance to not shown" in text_of(client.get("/alliance/"))
        path.write_text(path.read_text("utf-8").replace("https://", "ftp://"), "utf-8")
        assert "the stored profile has errors" in text_of(client.get("/alliance/"))


def test_changing_the_office_password_signs_office_out(app: Flask) -> None:
    path = services_of(app).config.paths.admin_password
    set_password(path, OFFICE_PASSWORD)
    office = app.test_client()
    csrf = csrf_of(office.get("/office/login").get_data(as_text=True))
    office.post("/office/login", data={"csrf_token": csrf, "password": OFFICE_PASSWORD})
    assert office.get("/office/").status_code == 200
    set_password(path, "a brand new password")
    assert office.get("/office/").status_code == 302


def test_office_login_next_is_never_an_outside_site(app: Flask) -> None:
    set_password(services_of(app).config.paths.admin_password, OFFICE_PASSWORD)
    office = app.test_client()
    csrf = csrf_of(office.get("/office/login").get_data(as_text=True))
    resp = office.post(
        "/office/login?next=//evil.example/office",
        data={"csrf_token": csrf, "password": OFFICE_PASSWORD},
    )
    assert resp.headers["Location"] == "/office/"


def test_current_banner_served_to_its_alliance(app: Flask, client: Any, tmp_path: Path) -> None:
    data = png_bytes((9, 9, 9))
    (tmp_path / "banners/smart-motor.png").write_bytes(data)
    sign_in(client, app, "smart-motor")
    resp = client.get("/alliance/banner/current.png")
    assert resp.data == data and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert check_banner_file(tmp_path / "banners/smart-motor.png").ok
    assert dataclasses.is_dataclass(services_of(app).config)


def test_saving_over_https_works_with_the_referrer_browsers_send(app: Flask) -> None:
    """Over https Flask-WTF also checks the Referer; the Referrer-Policy must allow it."""
    base = "https://intake.example.tw"
    client = app.test_client()
    token = services_of(app).signer.make_token("green-chem")
    client.get(f"/link/{token}", base_url=base)
    page = client.get("/alliance/", base_url=base)
    assert page.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    form = {
        "csrf_token": csrf_of(page.get_data(as_text=True)),
        **profile_form("green-chem", pi="陳"),
    }
    ok = client.post(
        "/alliance/profile", data=form, base_url=base, headers={"Referer": f"{base}/alliance/"}
    )
    assert ok.status_code == 303
    other_site = client.post(
        "/alliance/profile", data=form, base_url=base, headers={"Referer": "https://evil.example/"}
    )
    assert other_site.status_code == 400


def test_publish_status_from_before_a_restart_is_not_shown(tmp_path: Path) -> None:
    config = make_config(tmp_path, rebuild=CountingBuild())
    with app_for(config) as first:
        client = first.test_client()
        csrf = sign_in(client, first, "smart-motor")
        client.post(
            "/alliance/profile", data={"csrf_token": csrf, **profile_form("smart-motor", pi="甲")}
        )
        assert services_of(first).rebuilder.wait(1, 30) == "live"
        cookie = client.get_cookie("intake_session")
        assert cookie is not None
    with app_for(config) as restarted:
        again = restarted.test_client()
        again.set_cookie("intake_session", cookie.value)
        assert again.get("/alliance/publish-status").get_json()["status"] == "none"
        assert 'data-status="none"' in again.get("/alliance/").get_data(as_text=True)

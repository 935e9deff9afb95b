"""End to end in headless Chromium: personal link -> upload -> preview -> confirm -> the
rebuilt portal homepage shows the new banner. Real waitress, real Pelican build, loopback only."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_intake_support import app_for, make_config, png_bytes, running_server, services_of

from alliance_portal.commands.portal import make_server
from alliance_portal.commands.portal_wiring import portal_rebuilder
from alliance_portal.portal.build import build_site
from tests.support.browser import run_axe

pytestmark = pytest.mark.browser

WAIT_MS = 60_000  # a Pelican rebuild on a busy 2-core machine; every wait is bounded


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Any, str, str]]:
    config = make_config(tmp_path)
    output = tmp_path / "output"
    build_site(config.content_dir, config.banners_dir, output, search=False)
    rebuild = portal_rebuilder(
        config.content_dir, config.banners_dir, output, settings_file=None, search=False
    )
    config = dataclasses.replace(config, rebuild=rebuild, flask_overrides={})
    static = make_server(output, "127.0.0.1", 0)
    thread = threading.Thread(target=static.serve_forever, daemon=True)
    thread.start()
    try:
        with app_for(config) as app, running_server(app) as intake_url:
            yield app, intake_url, f"http://127.0.0.1:{static.server_address[1]}/"
    finally:
        static.shutdown()
        static.server_close()


def axe_violations(browser: Any, page: Any) -> list[dict[str, Any]]:
    """axe-core on the page's current URL, in a second context with the same cookies.

    The form's Content-Security-Policy rightly blocks injected scripts, so axe runs where CSP
    is bypassed, while the test's own page keeps enforcing it (intake.js must work under it).
    """
    context = browser.new_context(bypass_csp=True)
    try:
        context.add_cookies(page.context.cookies())
        other = context.new_page()
        other.goto(page.url)
        return run_axe(other)
    finally:
        context.close()


def homepage_banner(page: Any, portal_url: str) -> dict[str, Any] | None:
    """The smart-motor banner image on the portal homepage once decoded, or None if absent."""
    page.goto(portal_url)
    found = "[...document.querySelectorAll('.banner-grid img')].find(i => i.alt.includes('智慧馬達產學聯盟'))"
    if not page.evaluate(f"() => Boolean({found})"):
        return None
    # The homepage lazy-loads banners: wait (bounded) until this one is decoded.
    page.wait_for_function(
        f"() => {{ const i = {found}; i.scrollIntoView(); return i.complete && i.naturalWidth > 0; }}",
        timeout=WAIT_MS,
    )
    return page.evaluate(
        f"() => {{ const i = {found}; return {{src: i.currentSrc, w: i.naturalWidth, h: i.naturalHeight}}; }}"
    )


def test_upload_through_the_browser_reaches_the_portal(
    browser: Any, page: Any, portal: Any, tmp_path: Path
) -> None:
    app, intake_url, portal_url = portal
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((intake_url, portal_url, "data:")) else outside.append(r.url)
        ),
    )
    assert homepage_banner(page, portal_url) is None  # placeholder before the upload

    token = services_of(app).signer.make_token("smart-motor")
    page.goto(f"{intake_url}/link/{token}")
    assert page.url == f"{intake_url}/alliance/"
    assert "智慧馬達產學聯盟" in page.locator("h1").inner_text()
    assert axe_violations(browser, page) == []

    # A file over the limit is refused in the page, before anything is sent.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    huge = tmp_path / "photo.png"
    huge.write_bytes(png_bytes() + b"\0" * (1024 * 1024))
    page.get_by_label("選擇新的橫幅檔案").set_input_files(str(huge))
    page.get_by_role("button", name="上傳並預覽").click()
    error = page.locator("#banner-file-size-error")
    error.wait_for(timeout=WAIT_MS)
    assert "超過上限 1,048,576 位元組" in error.inner_text()
    assert "the limit is 1,048,576 bytes" in error.inner_text()
    assert page.url == f"{intake_url}/alliance/" and posts == []

    upload = tmp_path / "my banner (final).png"
    upload.write_bytes(png_bytes((30, 140, 60)))
    page.get_by_label("選擇新的橫幅檔案").set_input_files(str(upload))
    assert page.locator("#banner-file-size-error").count() == 0
    page.get_by_role("button", name="上傳並預覽").click()
    page.wait_for_url("**/alliance/banner/preview", timeout=WAIT_MS)
    assert page.locator("#measured-size").inner_text() == "222 × 112"
    page.wait_for_function("document.getElementById('pending-banner').complete", timeout=WAIT_MS)
    natural = page.eval_on_selector("#pending-banner", "i => [i.naturalWidth, i.naturalHeight]")
    assert natural == [222, 112]
    assert axe_violations(browser, page) == []

    page.get_by_role("button", name="確認使用此橫幅").click()
    page.wait_for_url(re.compile(r".*/alliance/#publish-status$"), timeout=WAIT_MS)
    # intake.js polls until the background rebuild has published the change.
    page.wait_for_selector('#publish-status[data-status="live"]', timeout=WAIT_MS)
    assert "變更已在入口網上線" in page.locator("#publish-status").inner_text()

    shown = homepage_banner(page, portal_url)
    assert shown is not None and (shown["w"], shown["h"]) == (222, 112)
    served = page.request.get(shown["src"]).body()
    assert served == (tmp_path / "banners" / "smart-motor.png").read_bytes()
    assert outside == [], f"requests left loopback: {outside}"


def test_office_overview_and_profile_errors_are_accessible(
    browser: Any, page: Any, tmp_path: Path
) -> None:
    from alliance_portal.intake.admin_password import set_password

    config = make_config(tmp_path, flask_overrides={})
    set_password(config.paths.admin_password, "office password 2026")
    (tmp_path / "banners" / "green-chem.png").write_bytes(png_bytes(size=(444, 224)))
    with app_for(config) as app, running_server(app) as intake_url:
        page.goto(f"{intake_url}/office/")
        page.get_by_label("密碼").fill("office password 2026")
        page.get_by_role("button", name="登入").click()
        page.wait_for_url(f"{intake_url}/office/", timeout=WAIT_MS)
        row = page.locator("#row-green-chem")
        assert "有誤" in row.inner_text() and "444x224" in row.inner_text()
        assert axe_violations(browser, page) == []

        # An alliance's form with errors: messages next to the fields, focusable summary.
        alliance = browser.new_page()
        try:
            token = services_of(app).signer.make_token("smart-motor")
            alliance.goto(f"{intake_url}/link/{token}")
            alliance.get_by_label("聯盟網站").fill("motor dot example")
            alliance.get_by_role("button", name="儲存基本資料").click()
            alliance.wait_for_selector("#error-summary", timeout=WAIT_MS)
            assert "網址格式不正確" in alliance.locator("#e-website").inner_text()
            assert alliance.get_by_label("聯盟網站").get_attribute("aria-invalid") == "true"
            assert axe_violations(browser, alliance) == []
        finally:
            alliance.close()

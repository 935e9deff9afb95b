"""Hostile inputs on the office's letter routes (issue 17.8, 17.11, 17.12): a trailing line feed
in an anchored check, a month without a finished crawl, and genuine old links clicked from one
address. Each drives the real app with Flask's test client and a real SQLite rate-limit file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_console_app import Console, build_console, office_client, text
from test_intake_support import app_for, make_config, services_of

from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.config import RateLimit
from tests.support.mail_support import smtp_on_loopback

PASSWORD = "office-console-password"


@pytest.fixture
def console(tmp_path: Path) -> Any:
    with smtp_on_loopback() as (inbox, port):
        built: Console = build_console(tmp_path, port)
        built.inbox = inbox
        try:
            yield built
        finally:
            services_of(built.app).jobs.close()


def test_a_trailing_line_feed_in_next_is_not_a_local_office_path(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        set_password(services_of(app).config.paths.admin_password, PASSWORD)
        client = app.test_client()
        page = client.get("/office/login").get_data(as_text=True)
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        resp = client.post(
            "/office/login?next=/office/%0A", data={"csrf_token": csrf, "password": PASSWORD}
        )
        assert resp.status_code == 303
        assert resp.headers["Location"] == "/office/"  # the overview, not the line feed


def test_a_trailing_line_feed_in_a_month_is_not_found(console: Console) -> None:
    office = office_client(console.app)
    assert office.get("/office/notices/2026-05%0A").status_code == 404
    assert office.get("/office/reports/2026-05%0A/").status_code == 404


def test_notices_of_a_month_without_a_finished_crawl_say_so(console: Console) -> None:
    office = office_client(console.app)
    resp = office.get("/office/notices/2025-11")
    assert resp.status_code == 404
    page = text(resp)
    assert 'id="notices-unavailable"' in page
    assert "沒有完成的網站檢查" in page and "alliance crawl" in page  # zh-TW by default
    office.set_cookie("console_lang", "en", path="/office")
    english = text(office.get("/office/notices/2025-11"))
    assert "has no finished website check" in english and "alliance crawl" in english
    assert "沒有完成的網站檢查" not in english and "has no finished" not in page
    assert console.inbox.messages == []


def test_old_genuine_links_do_not_lock_an_address_out(tmp_path: Path) -> None:
    """Ten clicks on last year's (revoked) e-mail from one university NAT
    address: the next person behind it still signs in with a valid link."""
    config = make_config(tmp_path, login_limit=RateLimit(3, 900))
    with app_for(config) as app:
        svc = services_of(app)
        old = svc.signer.make_token("smart-motor")
        svc.versions.revoke("smart-motor")
        client = app.test_client()
        for _ in range(10):
            assert client.get(f"/link/{old}").status_code == 410
        fresh = svc.signer.make_token("green-chem")
        assert app.test_client().get(f"/link/{fresh}").status_code == 303
        # Forged tokens still count, so guessing stays limited.
        codes = [client.get(f"/link/forged{i}").status_code for i in range(5)]
        assert codes[-1] == 429


def test_expired_genuine_links_do_not_count_toward_the_limit(tmp_path: Path) -> None:
    import datetime as dt

    # Links that expire at once: every genuine link here is an expired one.
    config = make_config(
        tmp_path, login_limit=RateLimit(3, 900), link_max_age=dt.timedelta(seconds=-1)
    )
    with app_for(config) as app:
        old = services_of(app).signer.make_token("smart-motor")
        client = app.test_client()
        for _ in range(10):
            assert client.get(f"/link/{old}").status_code == 410
        assert client.get("/link/forged").status_code == 403  # counted from here, not 429

"""Hostile cases against the upload form that once got through (issue 11, items 9-16).

Each test plays the attacker or the faulty world: the real ``alliance intake serve`` started
the way the office guide says, forged ``next`` targets, copied session cookies, raw malformed
HTTP against waitress, files left behind by SIGKILL, and input the importer accepts.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from test_intake_support import (
    app_for,
    csrf_of,
    make_config,
    make_registry,
    png_bytes,
    profile_form,
    running_server,
    services_of,
    sign_in,
)

from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.security import SECURITY_HEADERS
from alliance_portal.registry.banner_rules import check_banner_bytes, clean_png
from alliance_portal.registry.sheet_cells import convert_cell

OFFICE_PASSWORD = "office password 2026"
TIMEOUT = 20
ALLIANCE = [str(Path(sys.executable).with_name("alliance"))]


# -- item 9: the server started exactly as the office guide says --------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _served_from(project: Path) -> Iterator[str]:
    """``alliance intake serve`` with its relative defaults, run from the project folder."""
    port = _free_port()
    proc = subprocess.Popen(
        [*ALLIANCE, "intake", "serve", "--port", str(port), "--no-rebuild"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # bounded: 30 s at most
            try:
                requests.get(base + "/", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                time.sleep(0.1)
        else:
            pytest.fail("the upload form did not start within 30 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_banner_images_answer_when_served_from_the_project_folder(tmp_path: Path) -> None:
    make_registry(tmp_path)
    (tmp_path / "banners" / "smart-motor.png").write_bytes(clean_png(png_bytes()))
    links = subprocess.run(
        [*ALLIANCE, "intake", "links", "smart-motor", "--base-url", "http://127.0.0.1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token = links.stdout.strip().rsplit("/link/", 1)[1]
    subprocess.run(
        [*ALLIANCE, "intake", "set-admin-password", "--stdin"],
        cwd=tmp_path,
        input=OFFICE_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    with _served_from(tmp_path) as base:
        alliance = requests.Session()
        assert alliance.get(f"{base}/link/{token}", timeout=TIMEOUT).status_code == 200
        current = alliance.get(f"{base}/alliance/banner/current.png", timeout=TIMEOUT)
        assert current.status_code == 200
        assert current.content == (tmp_path / "banners" / "smart-motor.png").read_bytes()

        csrf = csrf_of(alliance.get(f"{base}/alliance/", timeout=TIMEOUT).text)
        new = png_bytes((10, 120, 200))
        upload = alliance.post(
            f"{base}/alliance/banner",
            data={"csrf_token": csrf},
            files={"banner": ("new.png", new, "image/png")},
            timeout=TIMEOUT,
        )
        assert upload.status_code == 200 and "/alliance/banner/preview" in upload.url
        pending = alliance.get(f"{base}/alliance/banner/pending.png", timeout=TIMEOUT)
        assert pending.status_code == 200
        assert Image.open(io.BytesIO(pending.content)).getpixel((5, 5)) == (10, 120, 200)

        office = requests.Session()
        login = office.get(f"{base}/office/login", timeout=TIMEOUT)
        office.post(
            f"{base}/office/login",
            data={"csrf_token": csrf_of(login.text), "password": OFFICE_PASSWORD},
            timeout=TIMEOUT,
        )
        thumb = office.get(f"{base}/office/banners/smart-motor.png", timeout=TIMEOUT)
        assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG")


def test_relative_paths_in_the_config_are_made_absolute(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        relative = type(config)(
            content_dir=Path("content"),
            banners_dir=Path("banners"),
            var_dir=Path("var"),
            secret=config.secret,
        )
    finally:
        os.chdir(cwd)
    assert relative.content_dir == tmp_path / "content"
    assert relative.banners_dir.is_absolute() and relative.var_dir.is_absolute()


# -- item 10: a `next` with control characters ---------------------------------------------------


@pytest.fixture
def office_app(tmp_path: Path) -> Iterator[Any]:
    config = make_config(tmp_path)
    set_password(config.paths.admin_password, OFFICE_PASSWORD)
    with app_for(config) as app:
        yield app


def _office_login(client: Any, query: str = "") -> Any:
    csrf = csrf_of(client.get("/office/login").get_data(as_text=True))
    return client.post(
        f"/office/login{query}", data={"csrf_token": csrf, "password": OFFICE_PASSWORD}
    )


@pytest.mark.parametrize(
    "target",
    [
        "/office%0D%0ASet-Cookie:%20x=1",
        "/office/%0Aevil",
        "/office/%09tab",
        "/office/%7Fdel",
        "/office/%E2%80%A8",
    ],
)
def test_next_with_control_characters_falls_back_to_the_overview(
    office_app: Any, target: str
) -> None:
    client = office_app.test_client()
    resp = _office_login(client, f"?next={target}")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/office/"
    assert "x=1" not in resp.headers.get("Set-Cookie", "")


# -- item 11: logout, revoke and a password change end every copy of the session ------------------


def _copy_of(client: Any, app: Any) -> Any:
    copy = app.test_client()
    cookie = client.get_cookie("intake_session")
    assert cookie is not None
    copy.set_cookie("intake_session", cookie.value)
    return copy


def test_logout_ends_a_copied_alliance_session(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        copy = _copy_of(client, app)
        assert copy.get("/alliance/").status_code == 200
        assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
        assert copy.get("/alliance/").status_code == 403
        assert copy.get("/alliance/banner/current.png").status_code == 403
        # Signing in again with a new link still works.
        sign_in(client, app, "smart-motor")


def test_logout_ends_a_copied_office_session(office_app: Any) -> None:
    client = office_app.test_client()
    _office_login(client)
    copy = _copy_of(client, office_app)
    assert copy.get("/office/").status_code == 200
    csrf = csrf_of(client.get("/office/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf})
    resp = copy.get("/office/")
    assert resp.status_code == 302 and "/office/login" in resp.headers["Location"]


def test_revoke_and_password_change_end_copied_sessions(office_app: Any) -> None:
    svc = services_of(office_app)
    alliance = office_app.test_client()
    sign_in(alliance, office_app, "smart-motor")
    alliance_copy = _copy_of(alliance, office_app)
    svc.versions.revoke("smart-motor")
    assert alliance_copy.get("/alliance/").status_code == 403

    office = office_app.test_client()
    _office_login(office)
    office_copy = _copy_of(office, office_app)
    set_password(svc.config.paths.admin_password, "a brand new office password")
    assert office_copy.get("/office/").status_code == 302


# -- item 12: waitress's own answers carry the security headers ----------------------------------


def _raw(base: str, request: bytes) -> tuple[int, dict[str, str]]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:])}
    return status, headers


def test_waitress_413_and_400_carry_the_security_headers(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app, running_server(app) as base:
        huge = 10**12
        too_large = (
            f"POST /alliance/banner HTTP/1.1\r\nHost: x\r\nContent-Length: {huge}\r\n\r\n"
        ).encode()
        bad = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nonsense\r\n\r\n"
        for request, expected in ((too_large, 413), (bad, 400)):
            status, headers = _raw(base, request)
            assert status == expected
            for name, value in SECURITY_HEADERS.items():
                assert headers.get(name.lower()) == value, (expected, name)
            assert headers.get("cache-control") == "no-store"


# -- item 13: temporary files left by SIGKILL are cleaned at start -------------------------------


def test_leftover_temporary_files_are_removed_at_start(tmp_path: Path) -> None:
    content, banners, var = make_registry(tmp_path)
    leftovers = [
        banners / ".history" / "smart-motor" / ".keep.abc123.tmp",
        content / ".history" / "smart-motor" / ".keep.def456.tmp",
        var / "intake-pending" / "smart-motor" / ".Zm9vYmFyYmF6cXV4MTIz.png.x1y2.tmp",
        content / "alliances" / ".smart-motor.toml.k3j4.tmp",
        banners / ".smart-motor.png.q9w8.tmp",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    kept = banners / ".history" / "smart-motor" / "20260101T000000Z.png"
    kept.write_bytes(png_bytes())
    config = make_config(tmp_path / "unused")
    config = type(config)(content_dir=content, banners_dir=banners, var_dir=var, secret=b"s" * 40)
    with app_for(config):
        pass
    assert [p for p in leftovers if p.exists()] == []
    assert kept.exists()
    assert (content / "alliances" / "smart-motor.toml").exists()


# -- item 14: only the current outcome is shown --------------------------------------------------


def test_failed_save_does_not_show_an_earlier_success(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        ok = client.post(
            "/alliance/profile",
            data={"csrf_token": csrf, **profile_form("smart-motor", pi="王教授")},
            follow_redirects=True,
        )
        assert 'data-status="none"' not in ok.get_data(as_text=True)
        failed = client.post(
            "/alliance/profile",
            data={"csrf_token": csrf, **profile_form("smart-motor", website="nope")},
        )
        body = failed.get_data(as_text=True)
        assert failed.status_code == 422
        assert 'data-status="none"' in body
        assert not re.search(r'class="publish (queued|building|live)', body)
        assert "資料未儲存" in body


# -- item 15: one rule for the founding year ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "year"),
    [("民國107年", 2018), ("107", 2018), ("2018", 2018), ("１０７年度", 2018), ("2018年", 2018)],
)
def test_form_and_importer_read_the_founding_year_alike(
    tmp_path: Path, typed: str, year: int
) -> None:
    assert convert_cell("since", typed) == year
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        resp = client.post(
            "/alliance/profile",
            data={"csrf_token": csrf, **profile_form("smart-motor", since=typed)},
        )
        assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
        saved = (tmp_path / "content/alliances/smart-motor.toml").read_text(encoding="utf-8")
        assert f"since = {year}" in saved


def test_form_offers_a_text_field_for_the_founding_year(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        sign_in(client, app, "smart-motor")
        body = client.get("/alliance/").get_data(as_text=True)
        tag = body.split('id="f-since"', 1)[1].split(">", 1)[0]
        assert 'type="number"' not in body.split('id="f-since"', 1)[0].rsplit("<", 1)[1] + tag
        assert "民國" in body


# -- item 16: a 1-bit greyscale PNG whose tRNS value needs masking -------------------------------


def test_one_bit_grey_with_transparency_255_is_accepted() -> None:
    image = Image.new("1", (222, 112), 1)
    for x in range(50, 100):
        image.putpixel((x, 40), 0)
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=255)
    data = out.getvalue()
    assert b"tRNS\x00\xff" in data  # what Pillow writes: the key at 8-bit scale
    report = check_banner_bytes(data)
    assert report.ok, [e.code for e in report.errors]
    cleaned = Image.open(io.BytesIO(clean_png(data))).convert("RGBA")
    assert cleaned.getpixel((0, 0))[3] == 0  # white is transparent, as libpng reads it
    assert cleaned.getpixel((60, 40)) == (0, 0, 0, 255)

"""``make demo`` works on a fresh copy of the sample, and shows published versus live honestly.

The demo serves the *published* portal (what the public sees). A PI's save rebuilds the office's
build; the form says the change waits for the office's publication; the console lists it as not
yet published; once the office presses 發布入口網, the public portal shows it and nothing waits.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from alliance_portal.commands.publish import publish_portal
from alliance_portal.demo import DEMO_MARK, DemoError, DemoPaths, fresh_copy, serve_console
from alliance_portal.portal.build import build_site
from alliance_portal.portal.publish import PublishSettings
from tests.support.browser import ROOT

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_NAME = "Renamed Before Publication Alliance"


def _csrf(text: str) -> str:
    match = CSRF.search(text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _public_pages_say(root: Path, text: str) -> bool:
    return any(text in page.read_text(encoding="utf-8") for page in root.rglob("*.html"))


def test_the_demo_copy_starts_afresh_and_never_touches_the_bundled_sample(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    paths = fresh_copy(ROOT, work, sites_url="http://127.0.0.1:45678/")
    profiles = sorted((paths.content / "alliances").glob("*.toml"))
    assert len(profiles) == len(list((ROOT / "content" / "alliances").glob("*.toml")))
    websites = [re.search(r'website = "([^"]+)"', p.read_text()) for p in profiles]
    loopback = [m.group(1) for m in websites if m and m.group(1).startswith("http://127.0.0.1")]
    assert loopback and all(url.startswith("http://127.0.0.1:45678/") for url in loopback)
    assert "8181" not in "".join(p.read_text() for p in profiles)

    # what a demo user changed is gone at the next start: every demo begins with the sample
    profiles[0].write_text('name = "edited in the demo"\n', encoding="utf-8")
    (paths.banners / "scribble.png").write_bytes(b"not a banner")
    again = fresh_copy(ROOT, work, sites_url="http://127.0.0.1:45679/")
    assert "edited in the demo" not in (again.content / "alliances" / profiles[0].name).read_text()
    assert not (again.banners / "scribble.png").exists()

    # the bundled sample itself is never written by the demo
    tracked = subprocess.run(
        ["git", "status", "--porcelain", "--", "content", "banners"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode == 0:  # a checkout with git (a tarball has none)
        assert tracked.stdout == ""


def test_the_demo_refuses_to_empty_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    with pytest.raises(DemoError, match="was not made by `make demo`"):
        fresh_copy(ROOT, precious, sites_url="http://127.0.0.1:45678/")
    assert (precious / "thesis.docx").read_text() == "years of work"
    assert not (precious / DEMO_MARK).exists()


def test_make_demo_runs_beside_whatever_holds_port_8181(tmp_path: Path) -> None:
    """The sample websites take a free port: an earlier demo (or anything) on 8181 is no
    obstacle, and the demo prints where the sites are."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8181))
        holder.listen()
    except OSError:
        pass  # something already holds it: just as good
    try:
        run = subprocess.run(
            [sys.executable, "-m", "alliance_portal.demo", "--no-serve", "--work", "work"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        holder.close()
    assert run.returncode == 0, run.stderr[-3000:]
    found = re.search(r"sample alliance websites served on http://127\.0\.0\.1:(\d+)/", run.stdout)
    assert found and found.group(1) != "8181", run.stdout
    paths = DemoPaths(tmp_path / "work")
    assert (paths.web_root / "index.html").is_file()  # the published portal
    assert list(paths.reports.glob("*/index.html"))  # the month's report
    assert "Traceback" not in run.stderr


@pytest.mark.browser
def test_a_pi_save_waits_for_the_office_to_publish(tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    paths = fresh_copy(ROOT, tmp_path / "demo", sites_url="http://127.0.0.1:9/")
    build_site(paths.content, paths.banners, paths.output, settings_file=ROOT / "pelicanconf.py")
    first = publish_portal(
        content_dir=paths.content,
        banners_dir=paths.banners,
        output_dir=paths.output,
        var_dir=paths.var,
        target=PublishSettings("local", web_root=paths.web_root),
        actor="demo",
        build=False,
    )
    assert first.ok
    demo = serve_console("127.0.0.1", 0, demo=paths)
    try:
        # the PI saves a new English name through the real form
        page.goto(demo.link)
        page.fill("#f-name_en", NEW_NAME)
        page.get_by_role("button", name=re.compile("儲存基本資料")).click()
        box = page.locator("#publish-status")
        # the form polls the build's state (intake.js); the page's CSP allows no eval, so wait
        # on the element itself
        expect(box).to_have_attribute("data-status", "built", timeout=180_000)
        said = box.inner_text()
        assert (
            "計畫辦公室下次發布入口網後" in said
            and "once the programme office next publishes" in said
        )
        assert "上線" not in said and "live" not in said
        assert _public_pages_say(paths.output, NEW_NAME)  # the office's build has it
        assert not _public_pages_say(paths.web_root, NEW_NAME)  # the public portal not yet

        office = requests.Session()
        login = office.get(f"{demo.url}/office/login", timeout=30)
        signed_in = office.post(
            f"{demo.url}/office/login",
            data={"csrf_token": _csrf(login.text), "password": demo.password},
            timeout=30,
        )
        assert signed_in.url == f"{demo.url}/office/"
        waiting = office.get(f"{demo.url}/office/publish", timeout=30)
        section = waiting.text.split('id="unpublished"', 1)[1].split("</section>", 1)[0]
        assert "尚未發布的變更（1）" in section
        assert f"/office/alliances/{demo.slug}" in section and "更新基本資料" in section

        started = office.post(
            f"{demo.url}/office/publish", data={"csrf_token": _csrf(waiting.text)}, timeout=30
        )
        assert started.status_code == 200
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            after = office.get(f"{demo.url}/office/publish", timeout=30)
            if "公開入口網已包含所有變更" in after.text:
                break
            time.sleep(1)
        else:
            pytest.fail("the publication did not finish within 180 s")
        assert _public_pages_say(paths.web_root, NEW_NAME)
        assert "尚未發布的變更（0）" in after.text
    finally:
        demo.stop()


def test_auto_publish_publishes_every_build_and_says_so(tmp_path: Path) -> None:
    from alliance_portal.commands.portal_wiring import portal_rebuilder
    from alliance_portal.portal.publish import PublishLog, load_publish_settings

    config = tmp_path / "publish.toml"
    web_root = tmp_path / "www"
    config.write_text(f'[publish]\nweb_root = "{web_root}"\nauto = true\n', encoding="utf-8")
    target = load_publish_settings(config)
    assert target.auto
    paths = fresh_copy(ROOT, tmp_path / "demo", sites_url="http://127.0.0.1:9/")
    rebuild = portal_rebuilder(
        paths.content,
        paths.banners,
        paths.output,
        settings_file=ROOT / "pelicanconf.py",
        search=False,
        publish_to=target,
        var_dir=paths.var,
    )
    rebuild()
    assert (web_root / "index.html").is_file()
    last = PublishLog(paths.var).last()
    assert last is not None and last.ok and last.actor == "auto-publish"


def test_a_wrong_auto_value_names_the_file_and_the_choices(tmp_path: Path) -> None:
    from alliance_portal.portal.publish import PublishError, load_publish_settings

    config = tmp_path / "publish.toml"
    config.write_text('[publish]\nweb_root = "/srv/www"\nauto = "yes"\n', encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        load_publish_settings(config)
    assert str(config) in str(caught.value) and "auto must be true" in str(caught.value)

"""The portal commands as the office runs them: `alliance check`, `build`, `serve`."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from alliance_portal.cli import main
from alliance_portal.commands.portal import make_server
from alliance_portal.registry.profiles import load_registry
from tests.support.browser import ROOT
from tests.support.portal_fixtures import make_registry


def test_check_passes_on_good_registry(tmp_path, capsys):
    content, banners = make_registry(tmp_path)
    assert main(["check", "--content", str(content), "--banners", str(banners)]) == 0
    assert "4 profile(s) valid, 0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_check_lists_every_problem_and_exits_1(tmp_path, capsys):
    content, banners = make_registry(tmp_path)
    (content / "alliances" / "typo.toml").write_text(
        'name = "x"\nuniversity = "y"\nindustry = "biomedd"\nwebsite = "www.x.tw"\nemial = "a@b.tw"\n',
        encoding="utf-8",
    )
    (banners / "bio-sensor.png").write_bytes(b"GIF89a" + b"\0" * 20)
    assert main(["check", "--content", str(content), "--banners", str(banners)]) == 1
    out = capsys.readouterr().out
    assert "ERROR: " in out
    assert "typo.toml: emial: unknown key (did you mean 'contact_email'?)" in out
    assert (
        "typo.toml: industry: 'biomedd' is not in the industries list (did you mean 'biomed'?"
        in out
    )
    assert "typo.toml: website: 'www.x.tw' is not a website address" in out
    assert (
        "WARNING: " in out
        and "bio-sensor.png: this is a GIF file named .png: export it as PNG" in out
    )
    assert "3 error(s), 1 warning(s)" in out


def test_build_strict_fails_and_plain_build_leaves_broken_profile_out(tmp_path, capsys):
    content, banners = make_registry(tmp_path)
    (content / "alliances" / "broken.toml").write_text('name = "x"\n', encoding="utf-8")
    args = ["build", "--content", str(content), "--banners", str(banners), "--no-search"]
    assert main([*args, "--output", str(tmp_path / "strict"), "--strict"]) == 1
    assert "--strict" in capsys.readouterr().err
    assert not (tmp_path / "strict").exists()
    assert main([*args, "--output", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "broken.toml: university: required key is missing" in captured.err
    assert "for 3 active alliance(s)" in captured.out and "(no search)" in captured.out
    assert (tmp_path / "out" / "alliances" / "smart-motor" / "index.html").exists()
    assert not (tmp_path / "out" / "pagefind").exists()


def test_serve_returns_pages_and_the_404_page(tmp_path):
    content, banners = make_registry(tmp_path)
    assert (
        main(
            [
                "build",
                "--content",
                str(content),
                "--banners",
                str(banners),
                "--output",
                str(tmp_path / "o"),
                "--no-search",
            ]
        )
        == 0
    )
    server = make_server(tmp_path / "o", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with urllib.request.urlopen(base + "en/alliances/smart-motor/", timeout=5) as resp:
            assert "Smart Motor Drive Alliance" in resp.read().decode()
        try:
            urllib.request.urlopen(base + "no/such/page/", timeout=5)
        except urllib.error.HTTPError as err:
            assert err.code == 404 and "找不到頁面" in err.read().decode()
        else:
            raise AssertionError("expected 404")
    finally:
        server.shutdown()
        server.server_close()


def test_serve_without_build_says_what_to_do(tmp_path, capsys):
    assert main(["serve", "--output", str(tmp_path / "none")]) == 1
    assert "run `alliance build` first" in capsys.readouterr().err


def test_console_script_help_lists_commands():
    out = subprocess.run(
        [str(Path(sys.executable).parent / "alliance"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("check", "build", "serve", "banner"):
        assert command in out


def test_bundled_sample_registry_is_valid():
    result = load_registry(ROOT / "content", ROOT / "banners")
    assert result.problems == []
    assert len(result.alliances) >= 20
    motor = [a.slug for a in result.alliances if "馬達" in a.name + a.intro]
    assert motor == ["smart-motor"]
    assert sum(1 for a in result.alliances if a.banner is None) >= 1  # the placeholder is exercised


def test_bad_contact_email_keeps_alliance_on_portal_and_is_printed_once(tmp_path):
    """The e-mail is not shown on the portal: a bad one is a warning, not a missing alliance."""
    content, banners = make_registry(tmp_path)
    profile = content / "alliances" / "smart-motor.toml"
    profile.write_text(
        profile.read_text(encoding="utf-8").replace("motor@example.edu.tw", "motor at example"),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "alliance_portal.cli", "build", "--no-search",
         "--content", str(content), "--banners", str(banners), "--output", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    printed = (proc.stdout + proc.stderr).splitlines()
    mentions = [line for line in printed if "'motor at example'" in line]
    assert len(mentions) == 1 and mentions[0].startswith("WARNING: "), printed
    assert "stays on the portal" in mentions[0]
    page = (tmp_path / "out" / "alliances" / "smart-motor" / "index.html").read_text()
    assert "智慧馬達驅動產學聯盟" in page and "motor at example" not in page
    result = load_registry(content, banners)
    [motor] = [a for a in result.alliances if a.slug == "smart-motor"]
    assert motor.contact_email == "" and [p.severity for p in result.problems] == ["warning"]

"""The portal's name and tagline are the office's setting (``[portal] name`` and ``tagline`` of
``alliance.toml``): every way the office builds the portal (``alliance build``, ``alliance
publish``, the console's 發布入口網 button) shows them on every page, in both languages.

Why it matters: the funding agency has been renamed before (科技部 became 國科會); the office
follows such a change in its settings file, without a programmer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alliance_portal.cli import main

NAME = '{zh = "國科會產學小聯盟平台", en = "NSTC Alliance Platform"}'
TAGLINE = '{zh = "國科會補助的大學產學小聯盟", en = "University alliances funded by NSTC"}'


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An office folder with the sample registry and its static pages, run from that folder."""
    from tests.support.portal_fixtures import make_registry

    monkeypatch.chdir(tmp_path)
    for name in ("ALLIANCE_MONITOR_CONFIG", "ALLIANCE_PUBLISH_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    make_registry(tmp_path)
    return tmp_path


def _heading(html: str) -> tuple[str, str, str]:
    """(the browser tab's title, the header's name, the header's tagline) as a visitor reads."""
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    name = re.search(r'<span class="brand-name">(.*?)</span>', html, re.S)
    tagline = re.search(r'<span class="brand-tagline">(.*?)</span>', html, re.S)
    assert title and name and tagline, "the page has no title or header"
    return title.group(1).strip(), name.group(1).strip(), tagline.group(1).strip()


def _pages(site: Path) -> dict[str, str]:
    """A page of each kind in each language: home, an alliance, an industry, a static page."""
    found = {
        "home": site / "index.html",
        "home-en": site / "en" / "index.html",
        "alliance": next((site / "alliances").glob("*/index.html")),
        "alliance-en": next((site / "en" / "alliances").glob("*/index.html")),
        "industry": next((site / "industries").glob("*/index.html")),
        "page": next((site / "pages").glob("*/index.html")),
    }
    return {kind: path.read_text(encoding="utf-8") for kind, path in found.items()}


def test_alliance_build_shows_the_offices_name_and_tagline_on_every_page(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--no-search"]) == 0, capsys.readouterr().err
    home = _pages(office / "output")["home"]
    assert _heading(home)[1:] == (
        "產學小聯盟入口網",
        "國家科學及技術委員會（原科技部）補助之大學產學小聯盟",
    )  # the built-in name without a setting

    (office / "alliance.toml").write_text(
        f"[portal]\nname = {NAME}\ntagline = {TAGLINE}\n", encoding="utf-8"
    )
    assert main(["build", "--no-search"]) == 0, capsys.readouterr().err
    pages = _pages(office / "output")
    for kind, html in pages.items():
        title, name, tagline = _heading(html)
        if kind.endswith("-en"):
            assert title.endswith("NSTC Alliance Platform"), kind
            assert (name, tagline) == (
                "NSTC Alliance Platform",
                "University alliances funded by NSTC",
            )
        else:
            assert title.endswith("國科會產學小聯盟平台"), kind
            assert (name, tagline) == ("國科會產學小聯盟平台", "國科會補助的大學產學小聯盟"), kind
        assert "產學小聯盟入口網" not in html and "Industry-Academia Alliances Portal" not in html
    assert '<meta name="description" content="國科會補助的大學產學小聯盟">' in pages["home"]


def test_a_name_with_html_is_shown_as_text(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The settings file is the office's, but what it says is still text, not markup."""
    (office / "alliance.toml").write_text(
        '[portal]\nname = {zh = "產學<b>聯盟</b>", en = "A & B"}\n', encoding="utf-8"
    )
    assert main(["build", "--no-search"]) == 0, capsys.readouterr().err
    home = (office / "output" / "index.html").read_text(encoding="utf-8")
    assert _heading(home)[1] == "產學&lt;b&gt;聯盟&lt;/b&gt;"
    assert _heading((office / "output" / "en" / "index.html").read_text("utf-8"))[1] == "A &amp; B"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ('name = "新名稱"', "[portal] name must have exactly zh and en, not '新名稱'"),
        ('name = {zh = "新名稱"}', "[portal] name must have exactly zh and en"),
        ('tagline = {zh = "", en = "x"}', "[portal] tagline zh must be text, not ''"),
        ('name = {zh = "一\\n二", en = "x"}', "[portal] name zh must be one line"),
        (
            f'name = {{zh = "{"長" * 61}", en = "x"}}',
            "[portal] name zh is 61 characters, more than 60",
        ),
    ],
)
def test_a_bad_name_or_tagline_names_the_file_the_key_and_the_fix(
    office: Path, capsys: pytest.CaptureFixture[str], written: str, said: str
) -> None:
    (office / "alliance.toml").write_text(f"[portal]\n{written}\n", encoding="utf-8")
    assert main(["build", "--no-search"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: alliance.toml: "), err
    assert said in err
    assert "write e.g." in err or "shorten it to 60 characters or fewer" in err
    assert not (office / "output").exists()  # nothing built with a name the office did not mean


def test_alliance_publish_and_the_consoles_publish_button_use_the_name(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_intake_support import SECRET

    from alliance_portal.cli import build_parser
    from alliance_portal.commands.console import serve_hooks

    web_root = office / "www"
    (office / "alliance.toml").write_text(
        f'[portal]\nname = {NAME}\n\n[publish]\nweb_root = "{web_root}"\n', encoding="utf-8"
    )
    assert main(["publish", "--no-search"]) == 0, capsys.readouterr().err
    published = (web_root / "en" / "index.html").read_text(encoding="utf-8")
    assert _heading(published)[1] == "NSTC Alliance Platform"

    # the office renames it again and publishes from the console
    (office / "alliance.toml").write_text(
        f'[portal]\nname = {{zh = "新入口網", en = "New Portal"}}\n\n[publish]\nweb_root = "{web_root}"\n',
        encoding="utf-8",
    )
    args = build_parser().parse_args(
        ["intake", "serve", "--no-search", "--var", str(office / "var")]
    )
    hooks = serve_hooks(args, secret=SECRET, listen_url="http://127.0.0.1:8080")
    assert hooks.publish is not None
    record = hooks.publish("office", lambda _said: None)
    assert record.ok, record
    assert _heading((web_root / "index.html").read_text(encoding="utf-8"))[1] == "新入口網"

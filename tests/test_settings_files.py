"""The office's old settings files (issue 18.1): ``monitor.toml`` and ``publish.toml`` keep
working, and each command says once, on stderr, how to move them into ``alliance.toml``."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_portal.cli import main


def _notes(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("note: ")]


def test_an_old_monitor_toml_is_read_and_says_how_to_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    (tmp_path / "monitor.toml").write_text('[paths]\ndb = "old/m.sqlite3"\n', encoding="utf-8")
    assert main(["db", "check"]) == 0
    printed = capsys.readouterr()
    assert "old/m.sqlite3: missing" in printed.out  # the old file is still read
    (note,) = _notes(printed.err)
    assert "monitor.toml" in note and "rename it to alliance.toml" in note
    assert "[paths]" in note and "[publish]" in note

    # once alliance.toml is there it is the one read, and nothing is said
    (tmp_path / "monitor.toml").rename(tmp_path / "alliance.toml")
    assert main(["db", "check"]) == 0
    printed = capsys.readouterr()
    assert "old/m.sqlite3: missing" in printed.out and _notes(printed.err) == []


def test_the_note_is_printed_once_per_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``intake serve`` reads the settings file twice (the console's setup, the mail settings):
    one note; the next command says it again."""
    from alliance_portal.commands.options import office_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    (tmp_path / "monitor.toml").write_text("[form]\n", encoding="utf-8")
    assert main(["db", "check"]) == 0
    office_settings(None)
    office_settings(Path("monitor.toml"))
    assert len(_notes(capsys.readouterr().err)) == 1
    assert main(["db", "check"]) == 0
    assert len(_notes(capsys.readouterr().err)) == 1


def test_an_old_publish_toml_is_read_and_says_how_to_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALLIANCE_PUBLISH_CONFIG", raising=False)
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    web_root = tmp_path / "www"
    (tmp_path / "publish.toml").write_text(
        f'[publish]\nweb_root = "{web_root}"\n', encoding="utf-8"
    )
    output = tmp_path / "output"
    output.mkdir()
    (output / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    assert main(["publish", "--no-build"]) == 0
    printed = capsys.readouterr()
    assert (web_root / "index.html").is_file()  # published as the old file says
    (note,) = _notes(printed.err)
    assert "publish.toml" in note and "[publish] table into alliance.toml" in note


# -- the industry groups are the office's setting: [portal] industries of alliance.toml -------

SPACE = '{key = "space", zh = "太空", en = "Space"}'
BIOMED = '{key = "biomed", zh = "生醫", en = "Biomedicine"}'
OLD_PELICANCONF = """from alliance_portal.portal.pelicanconf import *  # noqa: F403

INDUSTRIES = [("biomed", "生醫", "Biomedicine"), ("space", "太空", "Space")]
"""


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An office folder with the sample registry and one alliance in an industry of its own."""
    from tests.support.portal_fixtures import make_registry

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    content, _banners = make_registry(tmp_path)
    (content / "alliances" / "moon-lab.toml").write_text(
        'name = "月球實驗室"\nuniversity = "太空大學"\nindustry = "space"\n'
        'website = "https://moon.example.edu.tw/"\n',
        encoding="utf-8",
    )
    return tmp_path


def _check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check"])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def test_industries_come_from_alliance_toml(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = _check(capsys)  # the defaults have no "space"
    assert code == 1 and "moon-lab.toml: industry: 'space' is not in the industries list" in out
    (office / "alliance.toml").write_text(
        f"[portal]\nindustries = [{BIOMED}, {SPACE}]\n", encoding="utf-8"
    )
    code, out, err = _check(capsys)
    assert code == 1 and "'space' is not in the industries list" not in out
    assert "'ict' is not in the industries list" in out  # only the office's groups count now
    assert _notes(err) == []


def test_a_bad_industries_list_names_the_file_the_key_and_the_fix(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (office / "alliance.toml").write_text(
        f"[portal]\nindustries = [{SPACE}, {SPACE}]\n", encoding="utf-8"
    )
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "alliance.toml" in err and "[portal] industries (industry 2)" in err
    assert "'space' appears twice" in err
    (office / "alliance.toml").write_text(
        '[portal]\nindustries = [{key = "space", zh = "太空"}]\n', encoding="utf-8"
    )
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "must have exactly key, zh and en" in err and 'industries = [{key = "biomed"' in err


def test_an_old_pelicanconf_with_industries_keeps_working_and_says_how_to_move(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (office / "pelicanconf.py").write_text(OLD_PELICANCONF, encoding="utf-8")
    code, out, err = _check(capsys)
    assert code == 1 and "'space' is not in the industries list" not in out  # still read
    (note,) = _notes(err)
    assert "pelicanconf.py sets INDUSTRIES" in note and "alliance.toml" in note
    assert (
        'under [portal] as industries = [{key = "biomed", zh = "生醫", en = "Biomedicine"}' in note
    )

    # both: alliance.toml wins, and the note says the old list is ignored
    (office / "alliance.toml").write_text(f"[portal]\nindustries = [{BIOMED}]\n", encoding="utf-8")
    code, out, err = _check(capsys)
    assert code == 1 and "moon-lab.toml: industry: 'space' is not in the industries list" in out
    (note,) = _notes(err)
    assert "ignored" in note and "delete INDUSTRIES" in note


def test_the_portal_is_built_with_the_offices_industries(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (office / "alliance.toml").write_text(
        f"[portal]\nindustries = [{BIOMED}, {SPACE}]\n", encoding="utf-8"
    )
    assert main(["build", "--no-search"]) == 0, capsys.readouterr().err
    space = office / "output" / "industries" / "space" / "index.html"
    assert space.is_file()
    assert "月球實驗室" in space.read_text(encoding="utf-8")
    assert not (office / "output" / "industries" / "ict").exists()

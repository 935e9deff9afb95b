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

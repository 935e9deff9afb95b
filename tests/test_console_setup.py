"""``alliance intake serve``'s console options: the settings files it reads, and what it says
when one is wrong (one line naming the file, never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_intake_support import SECRET, make_registry

from alliance_portal.cli import build_parser
from alliance_portal.commands.console import serve_hooks
from alliance_portal.portal.publish import PublishError


def serve_args(root: Path, *extra: str):  # type: ignore[no-untyped-def]
    content, banners, var = make_registry(root)
    return build_parser().parse_args(
        ["intake", "serve", "--content", str(content), "--banners", str(banners),
         "--var", str(var), "--reports", str(root / "reports"), *extra]
    )  # fmt: skip


def test_publish_settings_turn_the_publish_button_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./publish.toml, no ./monitor.toml
    monkeypatch.delenv("ALLIANCE_PUBLISH_CONFIG", raising=False)
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    off = serve_hooks(serve_args(tmp_path / "a"), secret=SECRET, listen_url="http://x")
    assert off.publish is None and off.publish_target == ""
    assert off.reports_dir == tmp_path / "a" / "reports"

    config = tmp_path / "publish.toml"
    config.write_text('[publish]\nweb_root = "/srv/www/alliances"\n', encoding="utf-8")
    on = serve_hooks(
        serve_args(tmp_path / "b", "--publish-config", str(config)),
        secret=SECRET,
        listen_url="http://x",
    )
    assert on.publish is not None and on.publish_target == "/srv/www/alliances"


def test_a_wrong_publish_file_stops_the_server_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "publish.toml"
    config.write_text('[publish]\nmethod = "ftp"\n', encoding="utf-8")
    with pytest.raises(PublishError) as stopped:  # cli.main prints it as one line, exit 1
        serve_hooks(
            serve_args(tmp_path / "a", "--publish-config", str(config)),
            secret=SECRET,
            listen_url="http://x",
        )
    assert str(config) in str(stopped.value) and "ftp" in str(stopped.value)


def test_notices_link_to_the_public_address(tmp_path: Path) -> None:
    hooks_args = serve_args(tmp_path / "a", "--public-url", "https://intake.example.tw/")
    from alliance_portal.commands.console import setup_from_args

    setup = setup_from_args(hooks_args, secret=SECRET, listen_url="http://127.0.0.1:8080")
    assert setup.update_link is not None
    assert setup.update_link.link("smart-motor").startswith("https://intake.example.tw/link/")
    # Without --public-url no notice carries a link: never one built on the listen address.
    bare = setup_from_args(serve_args(tmp_path / "b"), secret=SECRET, listen_url="http://x:1")
    assert bare.update_link is None


def test_the_settings_file_named_by_config_says_where_the_console_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``intake serve --config FILE`` reads [publish] of that file: the office's one settings
    file, not a ./publish.toml that happens to lie in the folder the server starts from."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALLIANCE_PUBLISH_CONFIG", raising=False)
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    (tmp_path / "publish.toml").write_text(
        '[publish]\nweb_root = "/srv/www/stray"\n', encoding="utf-8"
    )
    etc = tmp_path / "etc"
    etc.mkdir()
    settings = etc / "alliance.toml"
    settings.write_text('[publish]\nweb_root = "/srv/www/alliances"\n', encoding="utf-8")
    hooks = serve_hooks(
        serve_args(tmp_path / "a", "--config", str(settings)),
        secret=SECRET,
        listen_url="http://x",
    )
    assert hooks.publish is not None and hooks.publish_target == "/srv/www/alliances"
    # Without --config the folder's own files apply, as before.
    plain = serve_hooks(serve_args(tmp_path / "b"), secret=SECRET, listen_url="http://x")
    assert plain.publish_target == "/srv/www/stray"

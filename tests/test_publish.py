"""``alliance publish``: to a local web root (atomic symlink swap) and with rsync over SSH to a
real sshd on loopback that the test starts (skipped, saying why, where sshd cannot run)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_intake_support import make_registry

from alliance_portal.cli import main
from alliance_portal.commands.publish import publish_portal
from alliance_portal.portal.build import build_site
from alliance_portal.portal.publish import (
    KNOWN_HOSTS_ENV,
    SSH_KEY_ENV,
    PublishError,
    PublishLog,
    PublishSettings,
    load_publish_settings,
    publish_local,
)
from alliance_portal.registry.audit import AuditLog

SSHD = Path("/usr/sbin/sshd")
START_WAIT = 20.0  # seconds for sshd to listen; bounded


@pytest.fixture(scope="module")
def built_portal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small registry and its built portal (built once: a build takes seconds)."""
    root = tmp_path_factory.mktemp("publish")
    content, banners, _var = make_registry(root)
    output = root / "output"
    build_site(content, banners, output, search=False)
    return root, output


def run(args: list[str], root: Path) -> int:
    return main(
        [
            "publish",
            "--content",
            str(root / "content"),
            "--banners",
            str(root / "banners"),
            "--var",
            str(root / "var"),
            "--output",
            str(root / "output"),
            *args,
        ]
    )


# -- local web root ---------------------------------------------------------------------------


def test_publish_to_a_local_folder_swaps_it_in_whole(
    built_portal: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, output = built_portal
    web_root = tmp_path / "www" / "alliances"
    web_root.mkdir(parents=True)
    (web_root / "old-page.html").write_text("the site before the portal")  # a plain folder

    # A folder publish did not create is refused, untouched, unless the office adopts it.
    assert run(["--no-build", "--to", str(web_root)], root) == 1
    assert "--adopt" in capsys.readouterr().err
    assert not web_root.is_symlink() and (web_root / "old-page.html").is_file()
    assert run(["--no-build", "--adopt", "--to", str(web_root)], root) == 0
    out = capsys.readouterr().out
    assert f"to {web_root}" in out
    assert web_root.is_symlink()
    assert (web_root / "index.html").read_bytes() == (output / "index.html").read_bytes()
    assert not (web_root / "old-page.html").exists()
    releases = tmp_path / "www" / ".alliances.releases"
    kept = sorted(p.name for p in releases.iterdir())
    assert any(name.endswith("-before") for name in kept)  # the plain folder was kept
    assert any((releases / n / "old-page.html").exists() for n in kept)

    first_target = os.readlink(web_root)
    for _ in range(5):
        assert run(["--no-build", "--to", str(web_root)], root) == 0
    assert os.readlink(web_root) != first_target
    # the current release, three before it, and the adopted folder (never pruned)
    assert len(list(releases.iterdir())) == 1 + 3 + 1
    assert (web_root / "index.html").is_file()

    entries = PublishLog(root / "var").entries()
    assert len(entries) >= 6 and all(e.ok for e in entries[-6:])
    assert entries[-1].target == str(web_root) and entries[-1].actor.startswith("cli:")
    audit = [e.action for e in AuditLog(root / "var" / "intake-audit.jsonl").entries()]
    assert audit.count("portal.published") >= 6


def test_publish_builds_first(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh-root"
    content, banners, _var = make_registry(fresh)
    web_root = tmp_path / "served"
    code = main(
        ["publish", "--content", str(content), "--banners", str(banners), "--var",
         str(fresh / "var"), "--output", str(fresh / "output"), "--no-search",
         "--to", str(web_root)]
    )  # fmt: skip
    assert code == 0
    assert "智慧馬達產學聯盟" in (web_root / "index.html").read_text(encoding="utf-8")


def test_a_web_root_being_replaced_is_never_missing(
    built_portal: tuple[Path, Path], tmp_path: Path
) -> None:
    """While publishes run, a reader always finds index.html (the swap is one rename)."""
    _root, output = built_portal
    web_root = tmp_path / "alliances"
    publish_local(output, web_root)
    stop = threading.Event()
    misses: list[int] = []
    reads = [0]

    def reader() -> None:
        while not stop.is_set() and reads[0] < 200_000:  # bounded
            reads[0] += 1
            if not (web_root / "index.html").is_file():
                misses.append(reads[0])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(10):
            publish_local(output, web_root)
    finally:
        stop.set()
        thread.join(10)
    assert reads[0] > 0 and misses == []


def test_nothing_to_publish_says_build_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, banners, var = make_registry(tmp_path)
    code = main(
        ["publish", "--content", str(content), "--banners", str(banners), "--var", str(var),
         "--output", str(tmp_path / "empty"), "--no-build", "--to", str(tmp_path / "www")]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "holds no built portal" in err and "alliance build" in err
    last = PublishLog(var).last()
    assert last is not None and not last.ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[publish]\nmethod = "ftp"\n', 'method must be "local" or "rsync"'),
        ('[publish]\nmethod = "rsync"\nssh_host = "web"\n', "needs ssh_target_dir"),
        ('[publish]\nmethod = "local"\n', "needs web_root"),
        ('[publish]\nweb_root = "/srv/www"\nwebroot = "x"\n', "unknown key(s) webroot"),
        (
            '[publish]\nmethod = "rsync"\nssh_host = "w"\nssh_target_dir = "/d"\nssh_port = "22"\n',
            "ssh_port must be a port number",
        ),
        ("[other]\n", "no [publish] table"),
        (
            '[publish]\nssh_host = "127.0.0.1"\nssh_target_dir = "/d"\n'
            'ssh_user = "--rsh=touch /tmp/pwned"\n',
            "ssh_user = '--rsh=touch /tmp/pwned' starts with '-'",
        ),
        (
            '[publish]\nssh_host = "-oProxyCommand=x"\nssh_target_dir = "/d"\n',
            "ssh_host = '-oProxyCommand=x' starts with '-'",
        ),
        ('[publish]\nssh_host = "web host"\nssh_target_dir = "/d"\n', "contains whitespace"),
        (
            '[publish]\nssh_host = "web\\u001b"\nssh_target_dir = "/d"\n',
            "contains a control character",
        ),
        ("[publish\n", "cannot be read as TOML"),
    ],
)
def test_settings_errors_name_the_file_and_the_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "publish.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        load_publish_settings(path)
    assert expected in str(caught.value) and str(path) in str(caught.value)


def test_missing_settings_file_is_exit_2(
    built_portal: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = built_portal
    assert run(["--config", str(tmp_path / "nope.toml")], root) == 2
    assert "nope.toml not found" in capsys.readouterr().err


# -- rsync over SSH to a loopback sshd ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30
    )
    return path.with_suffix(".pub").read_text().strip()


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[dict[str, object]]:
    """sshd on 127.0.0.1 accepting one generated key for the current user."""
    for tool in ("rsync", "ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install openssh-client rsync)")
    if not SSHD.exists():
        pytest.skip(f"{SSHD} is not installed (apt-get install openssh-server)")
    folder = tmp_path / "sshd"
    folder.mkdir()
    os.chmod(folder, 0o700)
    host_pub = _keygen(folder / "host_key")
    user_pub = _keygen(folder / "client_key")
    (folder / "authorized_keys").write_text(user_pub + "\n")
    os.chmod(folder / "authorized_keys", 0o600)
    port = free_port()
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation folder
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {folder / 'host_key'}",
                f"AuthorizedKeysFile {folder / 'authorized_keys'}",
                f"PidFile {folder / 'sshd.pid'}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "Subsystem sftp internal-sftp",
                "",
            ]
        )
    )
    log = folder / "sshd.log"
    proc = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        deadline = threading.Event()
        for _ in range(int(START_WAIT / 0.1)):
            if proc.poll() is not None:
                pytest.skip(f"sshd cannot run here: {log.read_text().strip()[-300:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                deadline.wait(0.1)
        else:
            pytest.skip(f"sshd did not listen on 127.0.0.1:{port} within {START_WAIT} s")
        known = folder / "known_hosts"
        known.write_text(f"[127.0.0.1]:{port} {' '.join(host_pub.split()[:2])}\n")
        user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout
        yield {
            "port": port,
            "key": folder / "client_key",
            "known_hosts": known,
            "user": user.strip(),
            "log": log,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_rsync_to_a_loopback_sshd(
    built_portal: tuple[Path, Path],
    tmp_path: Path,
    sshd: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, output = built_portal
    target = tmp_path / "remote" / "alliances"
    target.mkdir(parents=True)
    (target / "stale.html").write_text("removed by --delete")
    settings = tmp_path / "publish.toml"
    settings.write_text(
        f'[publish]\nmethod = "rsync"\nssh_host = "127.0.0.1"\nssh_port = {sshd["port"]}\n'
        f'ssh_user = "{sshd["user"]}"\nssh_target_dir = "{target}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(SSH_KEY_ENV, str(sshd["key"]))
    monkeypatch.setenv(KNOWN_HOSTS_ENV, str(sshd["known_hosts"]))
    code = run(["--no-build", "--config", str(settings)], root)
    captured = capsys.readouterr()
    assert code == 0, captured.err + Path(str(sshd["log"])).read_text()
    assert (target / "index.html").read_bytes() == (output / "index.html").read_bytes()
    assert not (target / "stale.html").exists()
    last = PublishLog(root / "var").last()
    assert last is not None and last.ok and last.target.endswith(f"127.0.0.1:{target}")

    # An unknown host key is refused, never accepted silently.
    (Path(str(sshd["known_hosts"]))).write_text(
        f"[127.0.0.1]:{sshd['port']} ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIEbX3tm4cwQ1HcKR0yBUgKZQ3dp4LkV1K1Cz9NYy6Bf0\n"
    )
    assert run(["--no-build", "--config", str(settings)], root) == 1
    err = capsys.readouterr().err
    assert "rsync to" in err and "known-hosts" in err


def test_rsync_command_follows_pelicans_rsync_upload(tmp_path: Path) -> None:
    from alliance_portal.portal.publish import rsync_command

    key = tmp_path / "id"
    key.write_text("key")
    settings = PublishSettings(
        "rsync", ssh_host="web.example.edu.tw", ssh_port=2222, ssh_user="deploy",
        ssh_target_dir="/var/www/alliances",
    )  # fmt: skip
    command = rsync_command(Path("output"), settings, {SSH_KEY_ENV: str(key)})
    assert command[0] == "rsync" and "-rvzc" in command and "--delete" in command
    assert "--cvs-exclude" in command
    assert command[command.index("-e") + 1].startswith("ssh -p 2222 ")
    assert f"-i {key}" in command[command.index("-e") + 1]
    assert command[-2:] == ["output/", "deploy@web.example.edu.tw:/var/www/alliances"]
    with pytest.raises(PublishError, match="no such key file"):
        rsync_command(Path("output"), settings, {SSH_KEY_ENV: str(tmp_path / "missing")})
    assert json.dumps(command)  # plain strings only


# -- hostile: builds and publishes at once, web roots that are not publish's (issue 17.5, 17.6) --


def test_a_leftover_swap_folder_of_the_same_pid_does_not_break_a_build(tmp_path: Path) -> None:
    """A restarted container reuses low pids: an old swap folder of "this" pid is no obstacle."""
    content, banners, _var = make_registry(tmp_path)
    output = tmp_path / "output"
    build_site(content, banners, output, search=False)
    leftover = tmp_path / f".output.old-{os.getpid()}"
    leftover.mkdir()
    (leftover / "index.html").write_text("an older build's page")
    build_site(content, banners, output, search=False)
    assert "智慧馬達產學聯盟" in (output / "index.html").read_text(encoding="utf-8")


def test_a_publish_during_a_saves_rebuild_succeeds_every_time(tmp_path: Path) -> None:
    """The form's rebuild (a thread), the console's publish (another thread) and the office's
    `alliance publish` (another process) all at once, over the same output/: every one ends
    well, and the published site is whole."""
    import sys

    content, banners, var = make_registry(tmp_path / "project")
    output = tmp_path / "project" / "output"
    web_root = tmp_path / "www" / "alliances"
    web_root.parent.mkdir()
    errors: list[BaseException] = []
    entries = []

    def rebuilds() -> None:
        try:
            for _ in range(2):
                build_site(content, banners, output, search=False)
        except BaseException as exc:
            errors.append(exc)

    def publishes() -> None:
        for _ in range(2):
            entries.append(
                publish_portal(
                    content_dir=content, banners_dir=banners, output_dir=output, var_dir=var,
                    target=PublishSettings("local", web_root=web_root), actor="office",
                    search=False,
                )
            )  # fmt: skip

    cli = subprocess.Popen(
        [sys.executable, "-m", "alliance_portal.cli", "publish", "--content", str(content),
         "--banners", str(banners), "--var", str(var), "--output", str(output), "--no-search",
         "--to", str(web_root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    threads = [threading.Thread(target=rebuilds), threading.Thread(target=publishes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    _out, err = cli.communicate(timeout=600)
    assert errors == []
    assert [e.message for e in entries if not e.ok] == []
    assert cli.returncode == 0, err
    assert "智慧馬達產學聯盟" in (web_root / "index.html").read_text(encoding="utf-8")
    assert not [p.name for p in output.parent.iterdir() if p.name.startswith(".output.")
                and p.is_dir()]  # fmt: skip


def test_never_prunes_an_adopted_folder_even_keeping_no_releases(
    built_portal: tuple[Path, Path], tmp_path: Path
) -> None:
    _root, output = built_portal
    web_root = tmp_path / "www"
    web_root.mkdir()
    (web_root / "department.html").write_text("the department's own page")
    with pytest.raises(PublishError, match="--adopt"):
        publish_local(output, web_root, keep=0)
    assert (web_root / "department.html").is_file()
    for _ in range(3):
        publish_local(output, web_root, keep=0, adopt=True)
    kept = [p for p in (tmp_path / ".www.releases").iterdir() if p.name.endswith("-before")]
    assert len(kept) == 1 and (kept[0] / "department.html").is_file()


def test_a_link_publish_did_not_make_is_not_replaced_without_adopt(
    built_portal: tuple[Path, Path], tmp_path: Path
) -> None:
    _root, output = built_portal
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    web_root = tmp_path / "www"
    web_root.symlink_to(elsewhere)
    with pytest.raises(PublishError, match="did not make"):
        publish_local(output, web_root)
    assert os.readlink(web_root) == str(elsewhere)
    publish_local(output, tmp_path / "empty-www")  # an empty or missing web root is fine


@pytest.mark.parametrize("where", ["content", "content/alliances", "banners", "output", "var",
                                   ".", ".."])  # fmt: skip
def test_a_web_root_in_or_around_the_project_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    project = tmp_path / "project"
    content, banners, var = make_registry(project)
    output = project / "output"
    build_site(content, banners, output, search=False)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code = main(
        ["publish", "--content", str(content), "--banners", str(banners), "--var", str(var),
         "--output", str(output), "--no-build", "--adopt", "--to", str(project / where)]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "never replace" in err and "Traceback" not in err
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert [p for p in after if p not in before and "publish-log" not in str(p)
            and "intake-audit" not in str(p) and not p.name.endswith(".lock")] == []  # fmt: skip
    assert not (project / where).is_symlink() and (content / "alliances").is_dir()


def test_a_failed_copy_leaves_no_half_release(
    built_portal: tuple[Path, Path], tmp_path: Path
) -> None:
    _root, output = built_portal
    broken = tmp_path / "broken-output"
    shutil.copytree(output, broken)
    (broken / "zz-dangling.html").symlink_to(tmp_path / "nowhere")  # cannot be copied
    web_root = tmp_path / "www"
    publish_local(output, web_root)
    good = os.readlink(web_root)
    with pytest.raises(OSError):
        publish_local(broken, web_root)
    releases = tmp_path / ".www.releases"
    assert [p.name for p in releases.iterdir()] == [Path(good).name]
    assert os.readlink(web_root) == good and (web_root / "index.html").is_file()


def test_concurrent_publishes_never_prune_the_live_release(
    built_portal: tuple[Path, Path], tmp_path: Path
) -> None:
    _root, output = built_portal
    web_root = tmp_path / "www"
    errors: list[BaseException] = []

    def publishes() -> None:
        try:
            for _ in range(4):
                publish_local(output, web_root, keep=0)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publishes) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    assert (web_root / "index.html").is_file()
    assert len(list((tmp_path / ".www.releases").iterdir())) == 1

"""Put a built portal where the office's web server serves it, and remember who did it when.

Two ways, chosen in the settings file (``publish.toml``, see docs/operations.md)::

    [publish]
    method = "local"                 # the web server runs on this machine
    web_root = "/var/www/alliances"  # what the web server serves: becomes a symlink

    [publish]
    method = "rsync"                 # Pelican's `rsync_upload` convention
    ssh_host = "web.example.edu.tw"
    ssh_port = 22
    ssh_user = "deploy"
    ssh_target_dir = "/var/www/alliances"

**local**: the build is copied into a new release folder beside the web root
(``.<name>.releases/<time>``), and the web root, a symbolic link, is switched to it with one
``rename`` (atomic on POSIX): a visitor gets either the old site or the new one, never a mix.
The previous :data:`KEEP_RELEASES` releases stay for a quick roll-back. Publishing never
destroys what it did not make: a web root that is a non-empty folder (or a link elsewhere) is
refused unless the office asks to adopt it (``alliance publish --adopt``); an adopted folder is
kept as ``<time>-before`` and never pruned. A web root equal to or around the project or its
``var/``, or equal to, around or inside ``content/``, ``banners/`` or ``output/``, is refused
(``--to content`` once moved the registry aside). Publishes of one web root take turns (a lock beside it), and pruning never
removes the release the link points to. A failed copy leaves no half release behind.

**rsync**: ``rsync -e "ssh -p PORT" -P -rvzc --cvs-exclude --delete output/ USER@HOST:DIR``,
as Pelican's ``rsync_upload`` does (less ``-P``: nobody watches the progress), plus ``--delay-updates`` so changed files appear together
at the end. The key comes from the environment (:data:`SSH_KEY_ENV`, a private key file;
otherwise ssh's own agent and defaults), the remote host must be in a known-hosts file
(:data:`KNOWN_HOSTS_ENV`, else ssh's), and ssh never asks anything (BatchMode).

Every publish, good or failed, is appended to ``var/publish-log.jsonl`` (:mod:`.publish_log`).
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import subprocess
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alliance_portal.portal.publish_checks import PublishError, check_ssh_word, check_web_root
from alliance_portal.portal.publish_log import LOG_NAME, PublishEntry, PublishLog
from alliance_portal.registry.locking import file_lock

__all__ = ["LOG_NAME", "PublishEntry", "PublishError", "PublishLog", "PublishSettings", "publish"]

SSH_KEY_ENV = "ALLIANCE_PUBLISH_SSH_KEY"
KNOWN_HOSTS_ENV = "ALLIANCE_PUBLISH_KNOWN_HOSTS"
#: Older releases kept beside a local web root (the current one is always kept).
KEEP_RELEASES = 3
#: A publish over rsync that takes longer than this is stopped (seconds).
RSYNC_TIMEOUT = 900

Method = Literal["local", "rsync"]
#: The suffix of an adopted folder's release: the site that was there before, never pruned.
BEFORE = "-before"


@dataclass(frozen=True, slots=True)
class PublishSettings:
    method: Method
    web_root: Path | None = None
    ssh_host: str = ""
    ssh_port: int = 22
    ssh_user: str = ""
    ssh_target_dir: str = ""
    keep_releases: int = KEEP_RELEASES
    #: Publish every build the form's saves trigger, so a saved change goes public by itself
    #: (``auto = true``); otherwise the office publishes by hand and the form says so.
    auto: bool = False

    @property
    def target(self) -> str:
        """Where the portal goes, in words the office page shows."""
        if self.method == "local":
            return str(self.web_root)
        user = f"{self.ssh_user}@" if self.ssh_user else ""
        return f"{user}{self.ssh_host}:{self.ssh_target_dir}"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str) -> PublishSettings:
        """Settings from the ``[publish]`` table of ``where`` (named in every error)."""
        known = {
            "method",
            "web_root",
            "ssh_host",
            "ssh_port",
            "ssh_user",
            "ssh_target_dir",
            "keep_releases",
            "auto",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise PublishError(
                f"{where}: [publish] has unknown key(s) {', '.join(unknown)}; "
                f"the keys are {', '.join(sorted(known))}"
            )
        method = data.get("method", "local" if "web_root" in data else "rsync")
        if method not in ("local", "rsync"):
            raise PublishError(
                f'{where}: [publish] method must be "local" or "rsync", not {method!r}'
            )
        auto = data.get("auto", False)
        if not isinstance(auto, bool):
            raise PublishError(
                f"{where}: [publish] auto must be true (publish after every save) or false "
                f"(the office publishes), not {auto!r}"
            )
        keep = data.get("keep_releases", KEEP_RELEASES)
        if not isinstance(keep, int) or keep < 0:
            raise PublishError(f"{where}: [publish] keep_releases must be a whole number >= 0")
        if method == "local":
            root = data.get("web_root")
            if not isinstance(root, str) or not root:
                raise PublishError(
                    f'{where}: [publish] method "local" needs web_root, the folder the web server '
                    'serves, e.g. web_root = "/var/www/alliances"'
                )
            return cls("local", web_root=Path(root), keep_releases=keep, auto=auto)
        missing = [k for k in ("ssh_host", "ssh_target_dir") if not data.get(k)]
        if missing:
            raise PublishError(
                f'{where}: [publish] method "rsync" needs {" and ".join(missing)} '
                '(e.g. ssh_host = "web.example.edu.tw", ssh_target_dir = "/var/www/alliances")'
            )
        port = data.get("ssh_port", 22)
        if not isinstance(port, int) or not 0 < port < 65536:
            raise PublishError(f"{where}: [publish] ssh_port must be a port number, not {port!r}")
        target_dir = str(data["ssh_target_dir"])
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in target_dir):
            raise PublishError(
                f"{where}: [publish] ssh_target_dir {target_dir!r} contains a control character"
            )
        return cls(
            "rsync",
            ssh_host=check_ssh_word(str(data["ssh_host"]), "ssh_host", where=where),
            ssh_port=port,
            ssh_user=check_ssh_word(str(data.get("ssh_user", "")), "ssh_user", where=where),
            ssh_target_dir=target_dir,
            keep_releases=keep,
            auto=auto,
        )


def load_publish_settings(path: Path) -> PublishSettings:
    """Read ``[publish]`` from the TOML file ``path``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishError(
            f"publish settings {path} not found; create it (see docs/operations.md) or pass "
            "--to FOLDER"
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PublishError(f"{path}: cannot be read as TOML ({exc})") from None
    table = data.get("publish")
    if not isinstance(table, dict):
        raise PublishError(f"{path}: no [publish] table; see docs/operations.md")
    return PublishSettings.from_mapping(table, where=str(path))


@dataclass(frozen=True, slots=True)
class Published:
    target: str
    files: int
    detail: str = ""


def count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def _check_output(output_dir: Path) -> None:
    if not (output_dir / "index.html").is_file():
        raise PublishError(
            f"{output_dir} holds no built portal (no index.html); run `alliance build` first"
        )


def _ours(web_root: Path, releases: Path) -> bool:
    """Whether ``web_root`` is a link publish made (to one of its releases)."""
    if not web_root.is_symlink():
        return False
    target = Path(os.path.realpath(web_root))
    return target.parent == Path(os.path.realpath(releases))


def publish_local(
    output_dir: Path,
    web_root: Path,
    *,
    keep: int = KEEP_RELEASES,
    adopt: bool = False,
    protected: Sequence[Path] = (),
    sealed: Sequence[Path] = (),
) -> Published:
    """Copy ``output_dir`` into a new release and switch the symlink ``web_root`` to it.

    ``adopt``: the office asked to take over a web root publish did not create (a non-empty
    folder, kept as the ``-before`` release; a link elsewhere, replaced). ``protected`` and
    ``sealed``: the project's folders (see :func:`check_web_root`).
    """
    _check_output(output_dir)
    web_root = Path(os.path.abspath(web_root))
    check_web_root(web_root, protected, [*sealed, output_dir])
    parent = web_root.parent
    if not parent.is_dir():
        raise PublishError(
            f"the folder {parent} (where the web root {web_root.name} lives) does not exist; "
            "create it or fix web_root"
        )
    releases = parent / f".{web_root.name}.releases"
    with file_lock(parent / f".{web_root.name}.publish.lock"):  # one publish of it at a time
        return _publish_locked(output_dir, web_root, releases, keep=keep, adopt=adopt)


def _publish_locked(
    output_dir: Path, web_root: Path, releases: Path, *, keep: int, adopt: bool
) -> Published:
    parent = web_root.parent
    if web_root.is_symlink() and not _ours(web_root, releases) and not adopt:
        raise PublishError(
            f"web root {web_root} is a link to {os.readlink(web_root)} that publish did not make;"
            " remove it, or pass --adopt to replace the link (its target is left as it is)"
        )
    plain = web_root.exists() and not web_root.is_symlink()
    if plain and not web_root.is_dir():
        raise PublishError(f"web root {web_root} is a file, not a folder; move it away")
    if plain and any(web_root.iterdir()) and not adopt:
        raise PublishError(
            f"web root {web_root} is a folder with files that publish did not create; move them"
            " away, or pass --adopt to keep them as the first release (never deleted)"
        )
    releases.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    release = releases / stamp
    link = parent / f".{web_root.name}.new-{os.getpid()}-{stamp}"
    try:
        shutil.copytree(output_dir, release, symlinks=False)
        os.chmod(release, 0o755)
        if plain:
            if any(web_root.iterdir()):  # adopted: kept as the oldest release, never pruned
                os.replace(web_root, releases / f"{stamp}{BEFORE}")
            else:
                web_root.rmdir()
        os.symlink(os.path.relpath(release, parent), link)
        os.replace(link, web_root)  # the one atomic step
    except BaseException:
        shutil.rmtree(release, ignore_errors=True)  # no half-copied release left behind
        if link.is_symlink():
            link.unlink()
        raise
    _prune(releases, keep=keep, current=release, web_root=web_root)
    return Published(str(web_root), count_files(release), f"release {release.name}")


def _prune(releases: Path, *, keep: int, current: Path, web_root: Path) -> None:
    """Remove releases beyond the newest ``keep`` old ones; never the current one, the one the
    link points to now, or an adopted ``-before`` folder."""
    live = {current.name}
    if web_root.is_symlink():
        live.add(Path(os.readlink(web_root)).name)
    old = sorted(
        (
            p
            for p in releases.iterdir()
            if p.is_dir() and p.name not in live and not p.name.endswith(BEFORE)
        ),
        reverse=True,
    )
    for folder in old[keep:]:
        shutil.rmtree(folder, ignore_errors=True)


def rsync_command(output_dir: Path, settings: PublishSettings, env: Mapping[str, str]) -> list[str]:
    """The rsync command line (Pelican's ``rsync_upload``, non-interactive, with our key)."""
    ssh = ["ssh", "-p", str(settings.ssh_port), "-o", "BatchMode=yes"]
    key = env.get(SSH_KEY_ENV)
    if key:
        if not Path(key).is_file():
            raise PublishError(f"{SSH_KEY_ENV}={key}: no such key file")
        ssh += ["-i", key, "-o", "IdentitiesOnly=yes"]
    known = env.get(KNOWN_HOSTS_ENV)
    if known:
        if not Path(known).is_file():
            raise PublishError(f"{KNOWN_HOSTS_ENV}={known}: no such known-hosts file")
        ssh += ["-o", f"UserKnownHostsFile={known}"]
    ssh += ["-o", "StrictHostKeyChecking=yes"]
    user = f"{settings.ssh_user}@" if settings.ssh_user else ""
    return [
        "rsync",
        "-e",
        shlex.join(ssh),
        "-rvzc",
        "--cvs-exclude",
        "--delete",
        "--delay-updates",
        "--",  # nothing after this is an option, whatever the settings say
        f"{output_dir}/",
        f"{user}{settings.ssh_host}:{settings.ssh_target_dir}",
    ]


def publish_rsync(
    output_dir: Path, settings: PublishSettings, env: Mapping[str, str] | None = None
) -> Published:
    _check_output(output_dir)
    if shutil.which("rsync") is None:
        raise PublishError("rsync is not installed on this machine (apt-get install rsync)")
    command = rsync_command(output_dir, settings, os.environ if env is None else env)
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=RSYNC_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise PublishError(
            f"rsync to {settings.target} took over {RSYNC_TIMEOUT} s and was stopped; "
            "check the network to the web server"
        ) from None
    if done.returncode != 0:
        tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise PublishError(
            f"rsync to {settings.target} failed (exit {done.returncode}): {tail}. Check ssh_host,"
            f" ssh_user and ssh_port, that the key in {SSH_KEY_ENV} is authorised there and that"
            f" the host is in the known-hosts file ({KNOWN_HOSTS_ENV})"
        )
    return Published(settings.target, count_files(output_dir), "rsync")


def publish(
    output_dir: Path,
    settings: PublishSettings,
    env: Mapping[str, str] | None = None,
    *,
    adopt: bool = False,
    protected: Sequence[Path] = (),
    sealed: Sequence[Path] = (),
) -> Published:
    """Publish ``output_dir`` as ``settings`` say (``adopt``, ``protected``, ``sealed``: see
    :func:`publish_local`)."""
    if settings.method == "local":
        assert settings.web_root is not None
        return publish_local(
            output_dir,
            settings.web_root,
            keep=settings.keep_releases,
            adopt=adopt,
            protected=protected,
            sealed=sealed,
        )
    return publish_rsync(output_dir, settings, env)

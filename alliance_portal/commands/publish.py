"""``alliance publish``: build the portal and put it where the office's web server serves it.

    alliance publish                         # settings from ./publish.toml
    alliance publish --config /etc/alliance/publish.toml
    alliance publish --to /var/www/alliances # a local web root, no settings file needed

The office console's "publish" button calls :func:`publish_portal` too, so both leave the same
record (``var/publish-log.jsonl``, shown as "last published") and the same audit-log line.
See docs/operations.md for the settings and the SSH key.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from alliance_portal.commands.options import (
    add_registry,
    add_var,
    cli_actor,
    office_identity,
    office_industries,
    settings_file,
)
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import AllianceError, UsageError

if TYPE_CHECKING:
    from alliance_portal.portal.publish import PublishEntry, PublishSettings
    from alliance_portal.registry.site_settings import Industry, PortalIdentity

log = logging.getLogger(__name__)

CONFIG_ENV = "ALLIANCE_PUBLISH_CONFIG"
DEFAULT_CONFIG = Path("publish.toml")

#: (zh-TW, English) progress messages; the console shows them, the CLI prints the English.
Step = Callable[[Bilingual], None]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "publish",
        help="build the portal and publish it to the web server (local web root or rsync)",
        description="Build the portal into --output, then publish it as publish.toml says: "
        "swap a local web root in atomically, or rsync it over SSH.",
    )
    add_registry(parser)
    add_var(parser, "publish log, audit log")
    parser.add_argument(
        "--output", type=Path, default=Path("output"), metavar="DIR", help="build folder"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"publish settings (default: ${CONFIG_ENV} or ./{DEFAULT_CONFIG})",
    )
    parser.add_argument(
        "--to", type=Path, default=None, metavar="DIR", help="publish to this local web root"
    )
    parser.add_argument("--no-search", action="store_true", help="build without search index")
    parser.add_argument(
        "--no-build", action="store_true", help="publish --output as it is, without building"
    )
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="take over a web root that publish did not create (a non-empty folder is kept as"
        " the first release and never deleted); without it such a web root is refused",
    )
    parser.set_defaults(func=run_publish)


def target_settings(config: Path | None, to: Path | None) -> PublishSettings:
    """The :class:`PublishSettings` from ``--to`` or the settings file."""
    import os

    from alliance_portal.commands.options import note_once
    from alliance_portal.portal.publish import PublishSettings, load_publish_settings
    from alliance_portal.registry.settings import legacy_notice

    if to is not None:
        return PublishSettings("local", web_root=to)
    if config is None:
        env = os.environ.get(CONFIG_ENV)
        config = Path(env) if env else (default_publish_config() or DEFAULT_CONFIG)
    settings = load_publish_settings(config)
    if (notice := legacy_notice(config)) is not None:
        note_once(notice)
    return settings


def default_publish_config(settings: Path | None = None) -> Path | None:
    """Where ``[publish]`` is when no publish file is named: the office's settings file in use
    (``settings``: serve's ``--config`` or $ALLIANCE_MONITOR_CONFIG; else ./alliance.toml) when
    it has a [publish] table, else ./publish.toml (its own, older file) when it exists.

    The settings file comes first so that ``intake serve --config /etc/alliance.toml`` publishes
    where that file says, not where a stray ./publish.toml of the folder says.
    """
    import tomllib

    from alliance_portal.registry.settings import config_path

    settings = settings if settings is not None else config_path(None)
    if settings is not None and settings.exists():
        try:
            text = settings.read_text(encoding="utf-8-sig")
            if "publish" in tomllib.loads(text):
                return settings
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            pass  # the settings reader names what is wrong with the file
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def publish_portal(
    *,
    content_dir: Path,
    banners_dir: Path,
    output_dir: Path,
    var_dir: Path,
    target: PublishSettings,
    actor: str,
    settings_file: Path | None = None,
    industries: tuple[Industry, ...] | None = None,
    identity: PortalIdentity | None = None,
    search: bool = True,
    build: bool = True,
    step: Step | None = None,
    adopt: bool = False,
) -> PublishEntry:
    """Build (unless ``build`` is False), publish, and record the outcome. Never raises for an
    expected failure: the returned :class:`PublishEntry` says what went wrong.

    The web root may never be (or hold) the project, ``var/``, ``content/``, ``banners/`` or
    ``output/`` (nor lie inside the last three); ``adopt`` takes over a non-empty web root
    that publish did not create."""
    import datetime as dt

    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.portal.build import BuildError, build_lock, build_site
    from alliance_portal.portal.publish import PublishError, PublishLog, publish
    from alliance_portal.registry.audit import AuditLog

    say = step or (lambda _said: None)
    publish_log = PublishLog(var_dir)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    try:
        # One lock around the build and the copy: a save's rebuild cannot swap output/ while
        # this publish builds or copies it (portal.build.build_lock, re-entrant here).
        with build_lock(output_dir):
            # taken once the lock is ours: a save made while waiting is in this build
            started = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
            if build:
                say(Bilingual("正在產生入口網", "building the portal"))
                result = build_site(
                    content_dir,
                    banners_dir,
                    output_dir,
                    settings_file=settings_file,
                    industries=industries,
                    identity=identity,
                    search=search,
                )
                say(Bilingual(f"已產生 {result.pages} 頁", f"built {result.pages} pages"))
            say(Bilingual(f"正在發布到 {target.target}", f"publishing to {target.target}"))
            done = publish(
                output_dir,
                target,
                adopt=adopt,
                protected=[Path(content_dir).absolute().parent, var_dir],
                sealed=[content_dir, banners_dir],
            )
    except (BuildError, PublishError, OSError) as exc:
        message = str(exc)
        say(Bilingual("發布失敗", f"failed: {message}"))
        entry = publish_log.record(
            actor=actor, target=target.target, ok=False, message=message, started=started
        )
    else:
        say(Bilingual(f"已發布 {done.files} 個檔案", f"published {done.files} files"))
        entry = publish_log.record(
            actor=actor,
            target=done.target,
            ok=True,
            message=done.detail,
            files=done.files,
            started=started,
        )
    if not actor.startswith("office"):  # the console records its own line with the address
        AuditLog(IntakePaths(var_dir).audit_log).record(
            actor=actor,
            action="portal.published" if entry.ok else "portal.publish-failed",
            slug="",
            detail=f"{entry.target}: {entry.message}"[:500],
        )
    return entry


def run_publish(args: argparse.Namespace) -> int:
    from alliance_portal.portal.publish import PublishError

    try:
        target = target_settings(args.config, args.to)
    except PublishError as exc:  # the settings cannot be used: exit 2, fix them and run again
        raise UsageError(str(exc)) from exc
    entry = publish_portal(
        content_dir=args.content,
        banners_dir=args.banners,
        output_dir=args.output,
        var_dir=args.var,
        target=target,
        actor=cli_actor(),
        settings_file=settings_file(args),
        industries=office_industries(args),
        identity=office_identity(args),
        search=not args.no_search,
        build=not args.no_build,
        step=lambda said: print(said.en),
        adopt=args.adopt,
    )
    if not entry.ok:  # recorded in the publish log above; the CLI prints it and exits 1
        raise AllianceError(entry.message)
    print(f"published {entry.files} files to {entry.target} at {entry.time} by {entry.actor}")
    return 0

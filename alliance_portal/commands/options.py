"""What several ``alliance`` subcommands share: options spelled the same everywhere, and the
name the audit log records for a change made from the command line.

Why one place: ``check``, ``build``, ``intake`` and ``import`` all read the same registry, so
their ``--content``/``--banners``/``--settings``/``--var`` options must have the same defaults
and help, or the office learns four dialects of one flag.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance_portal.registry.settings import MonitorSettings
    from alliance_portal.registry.site_settings import Industry, PortalIdentity

#: The notes printed during this command (:func:`note_once`); ``cli.main`` empties it.
_NOTED: set[str] = set()


def add_content(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help="folder with alliances/<slug>.toml and pages/ (default: content/)",
    )


def add_banners(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--banners",
        type=Path,
        default=Path("banners"),
        metavar="DIR",
        help="folder with <slug>.png banners (default: banners/)",
    )


def add_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--settings",
        type=Path,
        default=None,
        metavar="FILE",
        help="Pelican's settings (default: ./pelicanconf.py if present, else the built-in one);"
        " the industry groups are [portal] industries of alliance.toml",
    )


def add_var(parser: argparse.ArgumentParser, purpose: str) -> None:
    parser.add_argument(
        "--var",
        type=Path,
        default=Path("var"),
        metavar="DIR",
        help=f"state folder: {purpose} (default: var/)",
    )


def add_registry(parser: argparse.ArgumentParser) -> None:
    """``--content``, ``--banners`` and ``--settings``: where the registry and its settings are."""
    add_content(parser)
    add_banners(parser)
    add_settings(parser)


def report_problem(message: object) -> None:
    """One per-item problem on stderr, as ``error: ...``, while the command goes on.

    Why here and only here: a command that stops raises an
    :class:`~alliance_portal.registry.errors.AllianceError` and :func:`alliance_portal.cli.main`
    prints it; a command that reports several items (a reminder not sent to one alliance, one
    publish check that failed) prints each through this, so every ``error:`` line has one shape.
    """
    from alliance_portal.registry.errors import error_line

    print(error_line(message), file=sys.stderr)


def note_once(text: str) -> None:
    """``note: TEXT`` on stderr, once per command however often the command meets it.

    Why: a command reads the settings file in several places (the console's setup, the mail
    settings), and an office that sees the same advice three times stops reading it.
    """
    if text not in _NOTED:
        _NOTED.add(text)
        print(f"note: {text}", file=sys.stderr)


def office_settings(config: Path | None) -> MonitorSettings:
    """The office's settings (``--config``, else $ALLIANCE_MONITOR_CONFIG, else ./alliance.toml
    or its old name) through the one reader, with a note when the file has an old name."""
    from alliance_portal.registry.settings import legacy_notice, load_settings

    settings = load_settings(config)
    if (notice := legacy_notice(settings.source)) is not None:
        note_once(notice)
    return settings


def office_industries(
    args: argparse.Namespace, settings: MonitorSettings | None = None
) -> tuple[Industry, ...]:
    """The industry groups in force for this command: ``[portal] industries`` of the office's
    settings (``settings``, else the file ``--config`` names), else INDUSTRIES of an older
    pelicanconf.py (``--settings``, else ``[paths] site_settings``) with a note saying how to
    move them, else the defaults."""
    from alliance_portal.registry.site_settings import office_industries as decide

    if settings is None:
        settings = office_settings(getattr(args, "config", None))
    # the registry commands' --settings, else the settings file's [paths] site_settings
    has_option = hasattr(args, "settings")
    pelicanconf = settings_file(args) if has_option else settings.paths.site_settings
    industries, notice = decide(settings.portal.industries, pelicanconf)
    if notice is not None:
        note_once(notice)
    return industries


def office_identity(
    args: argparse.Namespace, settings: MonitorSettings | None = None
) -> PortalIdentity:
    """The portal's name and tagline for this command: ``[portal] name`` and ``tagline`` of the
    office's settings (``settings``, else the file ``--config`` names), else the built-in ones."""
    if settings is None:
        settings = office_settings(getattr(args, "config", None))
    return settings.portal.identity


def settings_file(args: argparse.Namespace) -> Path | None:
    """The settings file named by ``--settings`` (which must exist), else ./pelicanconf.py if
    there is one, else None (the built-in settings)."""
    from alliance_portal.registry.errors import UsageError

    if args.settings is not None:
        if not args.settings.exists():
            raise UsageError(
                f"settings file {args.settings} not found; check the path or leave out --settings"
            )
        return Path(args.settings)
    local = Path("pelicanconf.py")
    return local if local.exists() else None


def cli_actor() -> str:
    """Who the audit log names for a change made from the command line: ``cli:<user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def link_base_and_secret(args: argparse.Namespace) -> tuple[str, bytes, bool]:
    """``--base-url`` checked and the form's secret (created on first use, ``created`` says so).

    Raises :class:`~alliance_portal.registry.errors.UsageError` (exit 2) naming what is wrong:
    no personal link is made with a bad address or without a secret.
    """
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.secret_key import SecretError, ensure_secret
    from alliance_portal.registry.errors import UsageError

    base = args.base_url.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise UsageError(f"--base-url {args.base_url!r} must start with https:// or http://")
    try:
        secret, created = ensure_secret(IntakePaths(args.var).secret_file)
    except SecretError as exc:
        raise UsageError(str(exc)) from exc
    return base, secret, created

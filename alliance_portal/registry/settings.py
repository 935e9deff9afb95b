"""The office's settings file (``alliance.toml``) and the environment, read once into typed
objects: paths, crawl, schedule, mail, the form's public address and the office's contact,
the portal's industry groups, name and tagline (``[portal]``).

Why one module: the crawl, the schedule, the report, the notices, the form's reminders and the
demo all need the same paths and options; read in one place, a key cannot be honoured by one
command and ignored by another, nothing guesses one path from another (the form's state folder
is ``[paths] var``, not "beside the database"), and every default is written once, here.
Why in the registry: the commands, the form's reminders, the monitor and the demo all read it,
and the registry is the layer every flow may import; it imports no flow (the ``[crawl]``
defaults come from :mod:`alliance_portal.registry.crawl_defaults`).
Priority, lowest first: the defaults below, the file, the environment
(``ALLIANCE_MONITOR_ALLOW_PRIVATE``, ``ALLIANCE_SMTP_*``), the command line
(:meth:`MonitorSettings.override`). ``[publish]`` is the portal's (read by
:func:`alliance_portal.portal.publish.load_publish_settings` from the same file); Pelican's own
settings stay in ``pelicanconf.py`` (``[paths] site_settings``). An old file name
(``monitor.toml``, ``publish.toml``) is still read; :func:`legacy_notice` says how to move it.

Which file: ``--config PATH``, else ``$ALLIANCE_MONITOR_CONFIG``, else ``./alliance.toml`` when it
exists, else ``./monitor.toml`` (its old name, read the same way), else none (every default
applies). Errors name the file, the key, what is wrong and what to write instead; unknown
sections and keys are errors because they are usually typos.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alliance_portal.registry import crawl_defaults as limits
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.clock import TAIPEI_ZONE
from alliance_portal.registry.settings_values import ConfigError as ConfigError
from alliance_portal.registry.settings_values import (
    Source,
    boolean,
    industries,
    number,
    portal_name,
    portal_tagline,
    text,
)
from alliance_portal.registry.settings_values import path as path_value
from alliance_portal.registry.site_settings import (
    DEFAULT_PORTAL_NAME,
    DEFAULT_PORTAL_TAGLINE,
    Industry,
    PortalIdentity,
)
from alliance_portal.registry.smtp import SMTP_ENV_PREFIX, SMTP_PASSWORD_ENV, SmtpSettings

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

#: The settings file's environment variable and default name.
CONFIG_ENV = "ALLIANCE_MONITOR_CONFIG"
DEFAULT_CONFIG = Path("alliance.toml")
#: The file's old name, still read when there is no alliance.toml (rename it to move).
LEGACY_CONFIG = Path("monitor.toml")
#: Old settings files still read, and how to move each into alliance.toml (:func:`legacy_notice`).
LEGACY_FILES: dict[str, str] = {
    LEGACY_CONFIG.name: "rename it to alliance.toml (its sections [paths], [crawl], [schedule],"
    " [smtp], [form] stay as they are; paste a publish.toml's [publish] table into it too)",
    "publish.toml": "move its [publish] table into alliance.toml (where [paths], [crawl],"
    " [schedule], [smtp], [form] are) and delete publish.toml",
}
#: Environment variable that lifts the SSRF guard (for intranets): "1", "true" or "yes".
ALLOW_PRIVATE_ENV = "ALLIANCE_MONITOR_ALLOW_PRIVATE"

NOTIFY_MODES = ("off", "draft", "send")


# -- the settings -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathSettings:
    """``[paths]``: where the registry, the database and the reports are (relative to the
    folder the command runs in)."""

    content: Path = Path("content")
    banners: Path = Path("banners")
    db: Path = Path("var/monitor.sqlite3")
    reports: Path = Path("reports")
    #: the form's state: its link secret, people, deadlines, reminders, outbox, audit log
    var: Path = Path("var")
    #: the built portal
    output: Path = Path("output")
    #: Pelican's own settings file (an older one may still set INDUSTRIES: read, with a note)
    site_settings: Path = Path("pelicanconf.py")


@dataclass(frozen=True, slots=True)
class FormSettings:
    """``[form]``: the upload form as the notices and reminders name it."""

    #: the form's public address: each notice then carries the PI's personal link ("" none)
    public_url: str = ""
    #: the office's contact line printed in every notice ("" for ``[smtp] reply_to``)
    office_contact: str = ""


@dataclass(frozen=True, slots=True)
class PortalSettings:
    """``[portal]``: the office's settings of the portal and the registry (Pelican's own stay in
    ``pelicanconf.py``)."""

    #: the industry groups profiles are validated against; empty: not set here, so an older
    #: pelicanconf.py's INDUSTRIES, else ``site_settings.DEFAULT_INDUSTRIES``
    #: (:func:`alliance_portal.registry.site_settings.office_industries` decides)
    industries: tuple[Industry, ...] = ()
    #: what the portal calls itself, in both languages
    name: Bilingual = DEFAULT_PORTAL_NAME
    tagline: Bilingual = DEFAULT_PORTAL_TAGLINE

    @property
    def identity(self) -> PortalIdentity:
        return PortalIdentity(self.name, self.tagline)


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """``[crawl]``: how a crawl fetches (the fetcher's finer limits, which the office does not
    set, are in ``monitor/fetching/limits.py``)."""

    allow_private: bool = False
    timeout: float = limits.READ_TIMEOUT  # seconds per page
    retries: int = limits.RETRIES
    concurrency: int = limits.CONCURRENCY
    render_pool: int = limits.RENDER_POOL_SIZE
    #: the browser's own budget for loading one page, apart from ``timeout`` (a cold Chromium on
    #: two busy cores needs more than a server's answer); a timed-out page is tried once more
    render_timeout: float = limits.RENDER_TIMEOUT


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """``[schedule]``: when the monthly crawl runs and what follows it."""

    cron: str = "0 9 1 * *"  # minute hour day-of-month month day-of-week: the 1st at 09:00
    timezone: str = TAIPEI_ZONE
    #: A fire missed by less than this (machine asleep, process busy) still runs, once.
    misfire_grace_hours: int = 72
    notify: Literal["off", "draft", "send"] = "draft"
    #: After a crawl that raised, try again this much later, at most ``max_retries`` per start.
    retry_minutes: int = 60
    max_retries: int = 3

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> CronTrigger:
        """The cron trigger. Note APScheduler 3 counts day-of-week from Monday=0: use mon..sun."""
        from apscheduler.triggers.cron import CronTrigger  # only when a schedule is read

        return CronTrigger.from_crontab(self.cron, timezone=self.tz)

    def validate(self, where: str = "[schedule]") -> None:
        """Raise :class:`ConfigError` naming the key that cannot be used."""
        src = Source(where)
        try:
            self.tz  # noqa: B018 - raises on an unknown zone
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise src.error(
                "timezone", f"{self.timezone!r} is not a known time zone", "use e.g. Asia/Taipei"
            ) from exc
        try:
            self.trigger()
        except ValueError as exc:
            raise src.error(
                "cron",
                f"{self.cron!r} is not a cron expression ({exc})",
                'write five fields "minute hour day month day-of-week", e.g. "0 9 1 * *"',
            ) from exc
        if self.notify not in NOTIFY_MODES:
            raise src.error(
                "notify", f"must be one of {', '.join(NOTIFY_MODES)}, not {self.notify!r}",
                'write e.g. notify = "draft"',
            )  # fmt: skip
        for key, minimum in (("misfire_grace_hours", 1), ("retry_minutes", 1), ("max_retries", 0)):
            if getattr(self, key) < minimum:
                raise src.error(
                    key, f"must be {minimum} or more, not {getattr(self, key)}",
                    f"write e.g. {key} = {getattr(ScheduleSettings(), key)}",
                )  # fmt: skip


def check_for_sending(smtp: SmtpSettings) -> None:
    """Raise :class:`ConfigError` naming what is missing before any mail is sent."""
    problem = smtp.problem(need_sender=True)
    if problem:
        raise ConfigError(problem)


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    """Every setting of the monitor; ``source`` is the file read, or None."""

    paths: PathSettings = field(default_factory=PathSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    source: Path | None = None
    form: FormSettings = field(default_factory=FormSettings)
    portal: PortalSettings = field(default_factory=PortalSettings)

    def override(self, **sections: Mapping[str, Any]) -> MonitorSettings:
        """These settings with command-line values on top: ``override(paths={"db": p})``.

        ``None`` values mean "not given" and change nothing; the result is validated again,
        so a bad option is named like a bad key.
        """
        changed: dict[str, Any] = {}
        for name, values in sections.items():
            given = {k: v for k, v in values.items() if v is not None}
            if given:
                changed[name] = replace(getattr(self, name), **given)
        result = replace(self, **changed)
        if "schedule" in changed:
            result.schedule.validate("command line:")
        return result


# -- reading ----------------------------------------------------------------------------------

#: Each file key: (field of the section's dataclass, reader).
_Reader = Callable[[Source, str, Any], Any]
_KEYS: dict[str, dict[str, tuple[str, _Reader]]] = {
    "paths": {
        key: (key, path_value)
        for key in ("content", "banners", "db", "reports", "var", "output", "site_settings")
    },
    "crawl": {
        "allow_private": ("allow_private", boolean),
        "timeout": ("timeout", number(float, 0.1, "20")),
        "retries": ("retries", number(int, 0, "2")),
        "concurrency": ("concurrency", number(int, 1, "16")),
        "render_pool": ("render_pool", number(int, 1, "2")),
        "render_timeout": ("render_timeout", number(float, 1, "20")),
    },
    "schedule": {
        "cron": ("cron", text),
        "timezone": ("timezone", text),
        "misfire_grace_hours": ("misfire_grace_hours", number(int, 1, "72")),
        "notify": ("notify", text),
        "retry_minutes": ("retry_minutes", number(int, 1, "60")),
        "max_retries": ("max_retries", number(int, 0, "3")),
    },
    "smtp": {
        "host": ("host", text),
        "port": ("port", number(int, 1, "587")),
        "user": ("user", text),
        "starttls": ("starttls", boolean),
        "ssl": ("use_ssl", boolean),
        "from": ("sender", text),
        "reply_to": ("reply_to", text),
        "timeout": ("timeout", number(float, 1, "30")),
        "ca_file": ("ca_file", text),
    },
    "form": {"public_url": ("public_url", text), "office_contact": ("office_contact", text)},
    "portal": {
        "industries": ("industries", industries),
        "name": ("name", portal_name),
        "tagline": ("tagline", portal_tagline),
    },
}
_SECTIONS: dict[str, type] = {
    "paths": PathSettings,
    "crawl": CrawlSettings,
    "schedule": ScheduleSettings,
    "smtp": SmtpSettings,
    "form": FormSettings,
    "portal": PortalSettings,
}
#: Sections of the same file read by another part (checked there): the portal's publishing.
FOREIGN_SECTIONS = ("publish",)
#: Settings file sections and their keys (for docs and error messages).
CONFIG_KEYS: dict[str, tuple[str, ...]] = {s: tuple(keys) for s, keys in _KEYS.items()}


def read_config(path: Path | None) -> dict[str, dict[str, Any]]:
    """The raw tables of ``path``; a missing file gives none. Unknown sections and keys are errors."""
    if path is None or not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); save it as UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: is not valid TOML: {exc}; fix the line it names") from exc
    for section, table in data.items():
        if section in FOREIGN_SECTIONS:
            continue
        if section not in CONFIG_KEYS:
            raise ConfigError(
                f"{path}: unknown section [{section}]; known sections: "
                + ", ".join(f"[{s}]" for s in (*CONFIG_KEYS, *FOREIGN_SECTIONS))
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section} must be a [{section}] table")
        for key in table:
            if key not in CONFIG_KEYS[section]:
                if section == "smtp" and key == "password":
                    raise ConfigError(
                        f"{path}: [smtp] password must not be in a file; remove it and set the"
                        f" environment variable {SMTP_PASSWORD_ENV} instead"
                    )
                raise ConfigError(
                    f"{path}: [{section}] unknown key {key!r}; known keys: "
                    + ", ".join(CONFIG_KEYS[section])
                )
    return data


def _section(name: str, table: Mapping[str, Any], src: Source) -> Any:
    values = {}
    for key, value in table.items():
        attr, reader = _KEYS[name][key]
        values[attr] = reader(src, key, value)
    return _SECTIONS[name](**values)


def settings_from(
    config: Mapping[str, Mapping[str, Any]],
    env: Mapping[str, str] | None = None,
    *,
    source: Path | None = None,
) -> MonitorSettings:
    """Typed, validated settings from the raw tables of :func:`read_config` and ``env``."""
    env = {} if env is None else env
    label = f"{source}:" if source else "settings:"
    sections = {
        name: _section(name, config.get(name, {}), Source(f"{label} [{name}]"))
        for name in _SECTIONS
    }
    crawl: CrawlSettings = sections["crawl"]
    if env.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        crawl = replace(crawl, allow_private=True)
    smtp_env: dict[str, Any] = {"password": env.get(SMTP_PASSWORD_ENV, "")}
    for key, (attr, reader) in _KEYS["smtp"].items():
        name = SMTP_ENV_PREFIX + key.upper()
        if env.get(name):
            smtp_env[attr] = reader(Source("environment variable"), name, env[name])
    smtp = replace(sections["smtp"], **smtp_env)
    schedule: ScheduleSettings = sections["schedule"]
    schedule.validate(f"{label} [schedule]")
    return MonitorSettings(
        sections["paths"], crawl, schedule, smtp, source, sections["form"], sections["portal"]
    )


def config_path(path: Path | None, *, default: Path = DEFAULT_CONFIG) -> Path | None:
    """The settings file to read: ``path``, else ``$ALLIANCE_MONITOR_CONFIG``, else ``default``
    when it exists, else ``monitor.toml`` beside it (the old name), else None. A named file that
    does not exist is an error."""
    if path is None:
        env = os.environ.get(CONFIG_ENV)
        if env:
            path = Path(env)
        else:
            if default.exists():
                return default
            # the old name, beside the standard one (a caller's own default has no old name)
            legacy = default.with_name(LEGACY_CONFIG.name)
            standard = default.name == DEFAULT_CONFIG.name
            return legacy if standard and legacy.exists() else None
    if not path.exists():
        raise ConfigError(
            f"settings file {path} not found; create it, or leave out --config (and ${CONFIG_ENV})"
        )
    return path


def load_settings(
    path: Path | None = None,
    *,
    default: Path = DEFAULT_CONFIG,
    env: Mapping[str, str] | None = None,
) -> MonitorSettings:
    """Find, read and validate the settings file, with the environment on top."""
    found = config_path(path, default=default)
    return settings_from(read_config(found), os.environ if env is None else env, source=found)


def legacy_notice(path: Path | None) -> str | None:
    """The one line that says how to move an old settings file (``monitor.toml``,
    ``publish.toml``) into ``alliance.toml``, or None for any other file.

    Why a notice, not an error: an office's running setup keeps working; the command line
    prints it once per command (:func:`alliance_portal.commands.options.note_once`).
    """
    how = LEGACY_FILES.get(path.name) if path is not None else None
    return f"{path} is an old settings file, still read; to move: {how}" if how else None

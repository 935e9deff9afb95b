"""Settings of the intake web app, in one frozen record that flows into every component.

Like Pelican's settings dict, one :class:`IntakeConfig` is built by the caller (the CLI or a
test) and handed to :func:`alliance_portal.intake.create_app`; nothing is read from the
environment at import time. Every limit the form enforces is named here so the office can
see it in one place.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alliance_portal.intake.mailer import MailSettings
from alliance_portal.intake.office_hooks import OfficeHooks
from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES, Industry

#: Environment variable that holds the signing secret (wins over the secret file).
SECRET_ENV = "ALLIANCE_INTAKE_SECRET"
#: Secret file, relative to the state folder, created with mode 0600 by ``intake links``.
SECRET_FILE_NAME = "intake-secret"
#: A shorter secret can be guessed; 32 random bytes are what ``intake links`` writes.
MIN_SECRET_LENGTH = 32

#: Largest request body accepted (a banner may be 1 MiB; the rest is form overhead).
MAX_REQUEST_BYTES = 2 * 1024 * 1024
#: Personal links stop working after this long; the office issues new ones each year.
LINK_MAX_AGE = dt.timedelta(days=180)
#: A form left open this long before saving needs a reload (CSRF token lifetime).
CSRF_TIME_LIMIT = dt.timedelta(hours=8)
#: How long an alliance or office session lasts without a new link or login.
SESSION_LIFETIME = dt.timedelta(days=7)
#: Submissions are due on this day of each year (the operating manual's 30 April).
DEADLINE_MONTH_DAY = (4, 30)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` events per ``seconds`` for one key (an alliance or an address)."""

    count: int
    seconds: int


#: Saves and uploads per alliance: generous for real editing, stops a runaway script.
ALLIANCE_POST_LIMIT = RateLimit(60, 3600)
#: Any POST or link visit per client address (a whole university may share one NAT address).
ADDRESS_POST_LIMIT = RateLimit(300, 3600)
#: Failed link tokens and office password attempts per address: guessing is pointless.
LOGIN_LIMIT = RateLimit(10, 900)


def default_deadline(today: dt.date | None = None) -> dt.date:
    """30 April of the current year (the programme year starts in January)."""
    today = today or dt.date.today()
    month, day = DEADLINE_MONTH_DAY
    return dt.date(today.year, month, day)


@dataclass(frozen=True, slots=True)
class IntakePaths:
    """Where the intake app keeps its state under ``var/``. All of it is git-ignored."""

    var_dir: Path

    @property
    def secret_file(self) -> Path:
        return self.var_dir / SECRET_FILE_NAME

    @property
    def link_versions(self) -> Path:
        return self.var_dir / "intake-links.json"

    @property
    def people(self) -> Path:
        return self.var_dir / "intake-people.json"

    @property
    def outbox(self) -> Path:
        """Where e-mails are written as ``.eml`` drafts when they are not sent (dry run)."""
        return self.var_dir / "intake-outbox"

    @property
    def deadlines(self) -> Path:
        return self.var_dir / "intake-deadlines.json"

    @property
    def reminders_db(self) -> Path:
        return self.var_dir / "intake-reminders.sqlite3"

    @property
    def admin_password(self) -> Path:
        return self.var_dir / "intake-admin-password"

    @property
    def audit_log(self) -> Path:
        return self.var_dir / "intake-audit.jsonl"

    @property
    def rate_limits(self) -> Path:
        return self.var_dir / "intake-ratelimit.sqlite3"

    @property
    def ended_sessions(self) -> Path:
        return self.var_dir / "intake-sessions.sqlite3"

    @property
    def pending_dir(self) -> Path:
        return self.var_dir / "intake-pending"

    @property
    def locks_dir(self) -> Path:
        return self.var_dir / "intake-locks"


@dataclass(frozen=True, slots=True)
class IntakeConfig:
    """Everything the intake app needs. ``secret`` comes from :mod:`.secret_key`.

    ``rebuild`` is called (in a background thread, one call at a time) after every save;
    the CLI passes a function that runs the portal build, tests pass any callable.
    """

    content_dir: Path
    banners_dir: Path
    var_dir: Path
    secret: bytes
    industries: tuple[Industry, ...] = DEFAULT_INDUSTRIES
    rebuild: Callable[[], object] | None = None
    #: Whether a finished ``rebuild`` is what the public sees (the web server serves the build
    #: folder, or every build is published); False when the office publishes by hand, so the
    #: form says a saved change waits for the office's publication.
    rebuild_is_public: bool = True
    #: Public address of the live portal, linked from the form once a change is live.
    portal_url: str = ""
    link_max_age: dt.timedelta = LINK_MAX_AGE
    session_lifetime: dt.timedelta = SESSION_LIFETIME
    max_request_bytes: int = MAX_REQUEST_BYTES
    deadline: dt.date | None = None
    alliance_post_limit: RateLimit = ALLIANCE_POST_LIMIT
    address_post_limit: RateLimit = ADDRESS_POST_LIMIT
    login_limit: RateLimit = LOGIN_LIMIT
    #: Always mark cookies Secure (otherwise only when the request came over https).
    secure_cookies: bool = False
    #: Trust one reverse proxy's X-Forwarded-For/-Proto (only when one really is in front).
    behind_proxy: bool = False
    #: How to send e-mail (links, reminders): the same ``[smtp]`` settings as the notices. With
    #: no mail server configured, e-mails are written as drafts into ``var/intake-outbox/``.
    mail: MailSettings = field(default_factory=MailSettings)
    #: The form's public address for links in e-mails (default: the address of the request).
    public_url: str = ""
    #: The monitor's and the portal's functions for the office console (see .console).
    office: OfficeHooks = field(default_factory=OfficeHooks)
    #: Extra Flask settings, e.g. {"TESTING": True}.
    flask_overrides: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Resolved once, here: Flask's send_file resolves a relative path against the package
        # folder, not the working directory, so a relative banners/ answered every image 500.
        for name in ("content_dir", "banners_dir", "var_dir"):
            object.__setattr__(self, name, Path(os.path.abspath(getattr(self, name))))

    @property
    def paths(self) -> IntakePaths:
        return IntakePaths(self.var_dir)

    def deadline_date(self, today: dt.date | None = None) -> dt.date:
        return self.deadline or default_deadline(today)

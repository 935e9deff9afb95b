"""What the office console is handed by the composition root: typed records and callables.

The console (``/office/...``) shows the monitor's results, re-checks a site, sends notices and
publishes the portal, but the intake must never import the monitor or the portal
(docs/architecture.md). So the composition root (``alliance intake serve``, ``make demo``)
wires the monitor's and the portal's functions into an :class:`OfficeHooks` and hands it to
``create_app`` through :class:`~alliance_portal.intake.config.IntakeConfig`. Every record that
crosses the boundary is defined here, as plain data the console renders; nothing is parsed
from prose.

A hook left as ``None`` means that part is not set up on this server: the console says so and
names the setting to add, instead of offering a button that cannot work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from alliance_portal.registry.bilingual import Bilingual

#: A function a long job calls to report what it is doing, one step in both languages.
Progress = Callable[[Bilingual], None]

NoticeState = Literal["to-send", "sent", "sending", "no-contact"]
#: A notice's state as the office reads it on the notices page.
NOTICE_STATE_WORDS: dict[str, Bilingual] = {
    "to-send": Bilingual("待寄出", "to send"),
    "sent": Bilingual("已寄出", "sent"),
    "sending": Bilingual("寄送中斷，請確認", "stopped while sending: check the outbox"),
    "no-contact": Bilingual("缺少聯絡信箱", "no contact e-mail"),
}


@dataclass(frozen=True, slots=True)
class RecheckOutcome:
    """What a re-check of one alliance found, for the console's job page."""

    slug: str
    month: str  # the month whose report now holds the new result
    overall: str  # pass, warn or fail
    statuses: dict[str, str] = field(default_factory=dict)  # check -> status


@dataclass(frozen=True, slots=True)
class NoticePreview:
    """One alliance's notice of a month, as it would be (or was) sent."""

    slug: str
    name: str
    recipient: str  # "" when the profile has no contact_email
    subject: str
    body: str  # the plain-text e-mail, both languages
    state: NoticeState
    update_link: str = ""  # the PI's link in the body ("" unless it goes to the PI's address)
    sender: str = ""  # the From line, as the recipient reads it


_NOTHING_UNAVAILABLE = Bilingual("", "")


@dataclass(frozen=True, slots=True)
class NoticeBatch:
    """A month's notices: what is planned, and what a send did."""

    month: str
    notices: Sequence[NoticePreview]
    sent: Sequence[str] = ()
    already_sent: Sequence[str] = ()
    failed: dict[str, str] = field(default_factory=dict)  # slug -> why
    #: Why sending is not possible here (the mail settings are incomplete), or None.
    cannot_send: Bilingual | None = None
    #: Why there are no notices to show at all: the month has no finished crawl (none yet, or
    #: a restored database without it). Empty when the batch is real.
    unavailable: Bilingual = _NOTHING_UNAVAILABLE


@dataclass(frozen=True, slots=True)
class SentNotice:
    """A notice recorded as sent (or being sent) to one alliance."""

    month: str
    recipient: str
    state: str  # sent, or sending (a send that stopped half-way)
    updated_at: str  # ISO time, UTC


@dataclass(frozen=True, slots=True)
class MonthCrawl:
    """The outcome of the whole month's crawl run from the console."""

    month: str
    checked: int  # alliances with a stored result in the run
    planned: int  # alliances the run set out to check
    finished: bool  # the run completed (an interrupted one is resumed by the scheduler)
    counts: dict[str, int] = field(default_factory=dict)  # overall status -> alliances


@dataclass(frozen=True, slots=True)
class PublishRecord:
    """One publish of the portal: when, by whom, where to, and whether it worked."""

    time: str  # ISO time, UTC
    actor: str
    target: str  # the web root folder or user@host:dir
    ok: bool
    message: str = ""
    files: int = 0
    #: When the publish began (ISO, UTC): changes saved after it are not published yet.
    started: str = ""


@dataclass(frozen=True, slots=True)
class OfficeHooks:
    """The monitor's and the portal's functions the console may call (None: not set up here).

    - ``recheck(slug, progress)``: crawl one alliance now, update the month's report files.
    - ``notices(month, send, actor)``: the month's notices; with ``send`` really send them
      (each alliance once a month).
    - ``notices_sent(slug)``: every notice sent to one alliance.
    - ``publish(actor, progress)``: build the portal and put it where the web server serves it.
    - ``last_published()``: the newest publish record.
    """

    reports_dir: Path | None = None
    recheck: Callable[[str, Progress], RecheckOutcome] | None = None
    notices: Callable[[str, bool, str], NoticeBatch] | None = None
    notices_sent: Callable[[str], Sequence[SentNotice]] | None = None
    publish: Callable[[str, Progress], PublishRecord] | None = None
    #: Crawl every active alliance now, in a process of its own (``alliance crawl``).
    crawl_month: Callable[[Progress], MonthCrawl] | None = None
    last_published: Callable[[], PublishRecord | None] | None = None
    #: The newest publish that succeeded (what the public sees), for the unpublished changes.
    last_good_publish: Callable[[], PublishRecord | None] | None = None
    #: Every build is published by itself (``[publish] auto = true``): nothing waits for the office.
    auto_publish: bool = False
    #: Where the portal is published, shown beside the button (e.g. /var/www/alliances).
    publish_target: str = ""

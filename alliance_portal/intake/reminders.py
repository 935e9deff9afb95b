"""Deadline reminders: e-mail the alliances still missing a banner, a profile or a website.

Stages of one deadline D (the days are the office's, default 14 and 3 before, 7 after)::

    D-14 ── before-14 ──> D-3 ── before-3 ──> D ..... D+7 ── after-7 ──> D+31 (late window ends)

On any day the *current* stage is the latest one whose day has come and that still applies
(a "before" stage until D, the "after" stage while D is still in force). Each alliance missing
something is sent the current stage's reminder once: the table ``reminders_sent`` in
``var/intake-reminders.sqlite3`` records each (deadline, stage, alliance) before the send and
marks it sent after, the same way as the monthly notices::

    row 'sending' committed ─> mail accepted ─> row 'sent'
                           └─> mail refused  ─> row deleted (a later run tries again)

A stage missed while the scheduler was down is not sent late once the next stage has come, so
an alliance never gets two reminders in a row for one gap. The scheduler runs
:meth:`ReminderService.run_due` every day; the office's page previews and sends the same plan.

Who gets it: the PI, at the address the office recorded (:mod:`.people`), with the PI's own
link built on the form's public address. Where no PI address is recorded the reminder goes to
the profile's ``contact_email``, which the alliance itself edits (often an assistant's), and so
carries no link with the PI's rights: it says the PI can update with their own link. A reminder
for the PI that cannot carry the link (no public address, no link secret) is not sent: it is
reported with the reason (:meth:`ReminderService.link_problem`), on the office's page and in
the scheduler's log. Each message is composed once (:meth:`ReminderService.message`); the
office's preview shows that message, and a message that fails is reported and released so a
later run sends it, while the rest of the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

from alliance_portal.intake.deadlines import DeadlineBook, DeadlineSettings, deadline_status
from alliance_portal.intake.invitations import link_url
from alliance_portal.intake.links import LinkSigner
from alliance_portal.intake.mailer import Mailer, MailError, compose
from alliance_portal.intake.people import PI_ID, People
from alliance_portal.intake.reminder_letter import Missing, reminder_letter
from alliance_portal.intake.storage import AllianceStore, known_slugs
from alliance_portal.registry.audit import AuditLog
from alliance_portal.registry.banner_rules import check_banner_file
from alliance_portal.registry.bilingual import Bilingual

SENT_TABLE = "reminders_sent"


@dataclass(frozen=True, slots=True)
class Stage:
    """One reminder of one deadline: ``key`` is what the sent-table records."""

    deadline: dt.date
    kind: Literal["before", "after"]
    days: int

    @property
    def day(self) -> dt.date:
        sign = -1 if self.kind == "before" else 1
        return self.deadline + dt.timedelta(days=sign * self.days)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.days}"


def stages_of(deadline: dt.date, settings: DeadlineSettings) -> list[Stage]:
    stages = [Stage(deadline, "before", d) for d in settings.before]
    if settings.after:
        stages.append(Stage(deadline, "after", settings.after))
    return sorted(stages, key=lambda s: s.day)


def current_stage(
    settings: DeadlineSettings, today: dt.date, *, override: dt.date | None = None
) -> Stage | None:
    """The reminder due on ``today``, if any (see the module docstring)."""
    status = deadline_status(settings, today, override=override)
    if status.deadline is None:
        return None
    due = [s for s in stages_of(status.deadline, settings) if s.day <= today]
    if not due:
        return None
    stage = due[-1]
    if stage.kind == "before" and today > status.deadline:
        return None  # between the deadline and the reminder after it
    return stage


def missing_items(store: AllianceStore, slug: str) -> tuple[Missing, ...]:
    """What of the 30 April list this alliance has not delivered (empty: nothing)."""
    state = store.read_profile(slug)
    missing: list[Missing] = []
    banner = store.banner_path(slug)
    if not banner.exists() or not check_banner_file(banner).ok:
        missing.append("banner")
    if not state.exists or state.unreadable or any(p.severity == "error" for p in state.problems):
        missing.append("profile")
    website = state.values.get("website")
    if not (isinstance(website, str) and website.strip()):
        missing.append("website")
    return tuple(missing)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One alliance's reminder in a plan: what is missing, to whom, and whether it went out."""

    slug: str
    name: str
    missing: tuple[Missing, ...]
    recipient: str  # '' = no address known
    state: str | None = None  # None (not sent), 'sending' (uncertain) or 'sent'
    to_pi: bool = False  # the recipient is the PI's address as the office recorded it


@dataclass(slots=True)
class ReminderPlan:
    stage: Stage | None
    reminders: list[Reminder] = field(default_factory=list)

    @property
    def to_send(self) -> list[Reminder]:
        return [r for r in self.reminders if r.recipient and r.state is None]


@dataclass(slots=True)
class ReminderResult:
    sent: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class SentReminders:
    """The table of reminders sent: one row per (deadline, stage, alliance)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {SENT_TABLE} (deadline TEXT, stage TEXT, slug TEXT,"
                " recipient TEXT, state TEXT, time TEXT, PRIMARY KEY (deadline, stage, slug))"
            )
            with db:
                yield db

    def states(self, stage: Stage) -> dict[str, str]:
        with self._db() as db:
            rows = db.execute(
                f"SELECT slug, state FROM {SENT_TABLE} WHERE deadline = ? AND stage = ?",
                (stage.deadline.isoformat(), stage.key),
            ).fetchall()
        return {slug: state for slug, state in rows}

    def claim(self, stage: Stage, slug: str, recipient: str) -> bool:
        """Record 'sending' first; False when another run already has this reminder."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db() as db:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO {SENT_TABLE} VALUES (?, ?, ?, ?, 'sending', ?)",
                (stage.deadline.isoformat(), stage.key, slug, recipient, now),
            )
            return cursor.rowcount == 1

    def mark_sent(self, stage: Stage, slug: str, state: str = "sent") -> None:
        """``state`` is 'sent', or 'draft' when written for the office (no mail server)."""
        with self._db() as db:
            db.execute(
                f"UPDATE {SENT_TABLE} SET state = ? WHERE deadline = ? AND stage = ? AND slug = ?",
                (state, stage.deadline.isoformat(), stage.key, slug),
            )

    def release(self, stage: Stage, slug: str) -> None:
        with self._db() as db:
            db.execute(
                f"DELETE FROM {SENT_TABLE} WHERE deadline = ? AND stage = ? AND slug = ?",
                (stage.deadline.isoformat(), stage.key, slug),
            )


#: Why a reminder for the PI cannot carry the PI's link, by what is missing.
NO_LINK_ADDRESS = Bilingual(
    "尚未設定表單的公開網址，提醒信無法附上計畫主持人的個人連結；請系統管理員在設定檔"
    " alliance.toml 的 [form] public_url 填入表單的網址（https://…），表單與排程都會使用它。",
    "The form's public address is not set, so reminders cannot carry the PI's link; ask the"
    " administrator to set [form] public_url in alliance.toml to the form's address (https://…);"
    " the form and the scheduler both use it.",
)
NO_LINK_SECRET = Bilingual(
    "表單尚未建立連結金鑰（var/intake-secret），提醒信無法附上個人連結；請先執行 alliance"
    " intake links 或 send-links 發出連結。",
    "The form has no link secret yet (var/intake-secret), so reminders cannot carry a personal"
    " link; issue links first with alliance intake links or send-links.",
)


@dataclass(frozen=True, slots=True)
class ReminderService:
    """Plans and sends the reminders of the deadline in force (the scheduler's daily job)."""

    store: AllianceStore
    people: People
    book: DeadlineBook
    sent: SentReminders
    mailer: Mailer
    audit: AuditLog
    signer: LinkSigner | None = None  # with it, each reminder to the PI carries a fresh PI link
    #: The form's public address the links are built on ('' = not configured: no link).
    public_url: str = ""
    override: dt.date | None = None  # ``intake serve --deadline``
    clock: Callable[[], dt.date] = dt.date.today

    def _slugs(self) -> list[str]:
        return known_slugs(self.store.content_dir, self.people.all())

    def _recipient(self, slug: str, values: dict[str, object]) -> tuple[str, bool]:
        """(address, is the PI's): the PI's recorded address, else the profile's contact."""
        pi = self.people.pi(slug)
        if pi is not None and pi.email:
            return pi.email, True
        email = values.get("contact_email")
        return (email.strip() if isinstance(email, str) else ""), False

    def link_problem(self) -> Bilingual | None:
        """Why a reminder for the PI cannot carry the PI's link (None: it can)."""
        if not self.public_url:
            return NO_LINK_ADDRESS
        if self.signer is None:
            return NO_LINK_SECRET
        return None

    def plan(self, today: dt.date | None = None, stage: Stage | None = None) -> ReminderPlan:
        """Who the current stage's reminder is for (or ``stage``'s, for a preview)."""
        day = today or self.clock()
        stage = stage or current_stage(self.book.read(), day, override=self.override)
        if stage is None:
            return ReminderPlan(None)
        states = self.sent.states(stage)
        reminders = []
        for slug in self._slugs():
            values = self.store.read_profile(slug).values
            if values.get("active") is False:
                continue  # the office took it off the portal: never written to
            missing = missing_items(self.store, slug)
            if not missing:
                continue
            name = values.get("name")
            recipient, to_pi = self._recipient(slug, values)
            reminders.append(
                Reminder(
                    slug,
                    name if isinstance(name, str) else "",
                    missing,
                    recipient,
                    states.get(slug),
                    to_pi,
                )
            )
        return ReminderPlan(stage, reminders)

    def sendable(self, plan: ReminderPlan) -> list[Reminder]:
        """The reminders of ``plan`` that would go out now (a PI's only with the PI's link)."""
        blocked = self.link_problem() is not None
        return [r for r in plan.to_send if not (r.to_pi and blocked)]

    def message(self, reminder: Reminder, stage: Stage) -> EmailMessage:
        """The one message of ``reminder``, composed once: the office's preview shows it and
        :meth:`send` sends it. Raises :class:`MailError` for an address that cannot be used."""
        link = ""
        if reminder.to_pi and self.link_problem() is None:
            assert self.signer is not None
            pi = self.people.pi(reminder.slug)
            link = link_url(self.public_url, self.signer.make_token(reminder.slug, pi))
        subject, body = reminder_letter(reminder, stage, link)
        return compose(
            to=reminder.recipient, subject=subject, body=body, settings=self.mailer.settings
        )

    def send(
        self,
        plan: ReminderPlan,
        *,
        actor: str,
        remote_addr: str = "",
        only: Sequence[str] | None = None,
    ) -> ReminderResult:
        """Send each reminder of ``plan`` not yet sent, once (``only``: just these alliances).

        A message that fails (a refused or malformed address, a dropped connection) is
        reported in ``failed`` and its claim released, so a later run sends it; the next
        reminder is tried all the same. A PI's reminder that cannot carry the link is not sent
        and is reported with the reason. A dry run (``Mailer(dry_run=True)``) writes the
        drafts and records nothing, so the real send still goes out; without a mail server
        the drafts are recorded as 'draft' so that the daily job does not write them again.
        """
        result = ReminderResult()
        record = not self.mailer.dry_run
        stage = plan.stage
        todo = [r for r in plan.to_send if only is None or r.slug in only]
        if stage is None or not todo:
            return result
        problem = self.link_problem()
        with self.mailer.session() as send:
            for reminder in todo:
                if reminder.to_pi and problem is not None:
                    result.failed[reminder.slug] = problem.en
                    continue
                if record and not self.sent.claim(stage, reminder.slug, reminder.recipient):
                    continue  # another run sent it meanwhile
                try:
                    where = send(self.message(reminder, stage))
                except MailError as exc:
                    if record:
                        self.sent.release(stage, reminder.slug)
                    result.failed[reminder.slug] = str(exc)
                    continue
                if record:
                    self.sent.mark_sent(
                        stage, reminder.slug, "sent" if where == "smtp" else "draft"
                    )
                    if reminder.to_pi:  # it carried the PI's link: the people page says so
                        self.people.mark_sent(reminder.slug, PI_ID)
                (result.sent if where == "smtp" else result.drafts).append(reminder.slug)
                self.audit.record(
                    actor=actor,
                    action="reminder.send" if where == "smtp" else "reminder.draft",
                    slug=reminder.slug,
                    remote_addr=remote_addr,
                    detail=f"{stage.deadline.isoformat()} {stage.key} to {reminder.recipient}"
                    f"{' (PI, with link)' if reminder.to_pi else ' (contact, no link)'}; "
                    f"missing {', '.join(reminder.missing)}",
                )
        return result

    def run_due(self, *, actor: str = "scheduler") -> ReminderResult:
        """The daily job: send the current stage's reminders that have not gone out."""
        try:
            return self.send(self.plan(), actor=actor)
        except MailError as exc:
            return ReminderResult(failed={"*": str(exc)})

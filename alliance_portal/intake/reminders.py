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
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from alliance_portal.intake.deadlines import DeadlineBook, DeadlineSettings, deadline_status
from alliance_portal.intake.invitations import link_url
from alliance_portal.intake.links import LinkSigner
from alliance_portal.intake.mailer import Mailer, MailError, compose
from alliance_portal.intake.people import People
from alliance_portal.intake.storage import AllianceStore, known_slugs
from alliance_portal.registry.audit import AuditLog
from alliance_portal.registry.banner_rules import check_banner_file

Missing = Literal["banner", "profile", "website"]
SENT_TABLE = "reminders_sent"

#: What each missing item is called in a reminder (zh-TW, English) and how to fix it.
MISSING_TEXT: dict[str, tuple[str, str]] = {
    "banner": (
        "入口網橫幅（222 × 112 像素的 PNG 檔）",
        "the portal banner (a PNG of 222 × 112 pixels)",
    ),
    "profile": (
        "完整的聯盟基本資料（名稱、學校、產業分類、網站等必填欄位）",
        "a complete profile (name, university, industry, website and the other required fields)",
    ),
    "website": ("聯盟網站網址", "the alliance website's address"),
}


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


def reminder_letter(reminder: Reminder, stage: Stage, link: str = "") -> tuple[str, str]:
    """Subject and body of one reminder, zh-TW first, then English."""
    name = reminder.name or reminder.slug
    d = stage.deadline
    zh_date = f"{d.year} 年 {d.month} 月 {d.day} 日"
    if stage.kind == "before":
        subject = f"{name}：請於 {zh_date}前補齊資料 Reminder: please complete your data by {d.isoformat()}"
        lead_zh = f"提醒您，產學小聯盟的繳交期限是 {zh_date}（還有 {stage.days} 天），貴聯盟尚缺："
        lead_en = (
            f"A reminder: the alliances' submission deadline is {d.isoformat()} (in {stage.days} "
            "days), and your alliance has not yet delivered:"
        )
    else:
        subject = f"{name}：繳交期限已過，請盡快補齊資料 The deadline has passed: please complete your data"
        lead_zh = f"產學小聯盟的繳交期限 {zh_date}已過 {stage.days} 天，貴聯盟仍缺："
        lead_en = (
            f"The alliances' submission deadline, {d.isoformat()}, passed {stage.days} days ago, "
            "and your alliance still has not delivered:"
        )
    items_zh = "\n".join(f"  - {MISSING_TEXT[m][0]}" for m in reminder.missing)
    items_en = "\n".join(f"  - {MISSING_TEXT[m][1]}" for m in reminder.missing)
    if link:
        where_zh = f"請用計畫主持人的個人連結更新（僅供本人使用，請勿轉寄）：\n\n{link}\n"
        where_en = f"Update it with the principal investigator's personal link (do not forward it):\n\n{link}\n"
    else:
        where_zh = "請用計畫辦公室寄給您的個人連結更新；找不到連結請直接回覆本信。\n"
        where_en = (
            "Update it with the personal link the office sent you; if you cannot find it, reply "
            "to this e-mail.\n"
        )
    body = f"""計畫主持人您好：

{lead_zh}

{items_zh}

{where_zh}
已補齊的項目會在下次提醒前自動從清單中移除；如有問題請直接回覆本信。

產學小聯盟計畫辦公室

----------------------------------------------------------------------

Dear principal investigator,

{lead_en}

{items_en}

{where_en}
Delivered items leave the list before the next reminder; reply to this e-mail with any question.

The alliance programme office
"""
    return subject, body


@dataclass(frozen=True, slots=True)
class ReminderService:
    """Plans and sends the reminders of the deadline in force (the scheduler's daily job)."""

    store: AllianceStore
    people: People
    book: DeadlineBook
    sent: SentReminders
    mailer: Mailer
    audit: AuditLog
    signer: LinkSigner | None = None  # with it, each reminder carries a fresh PI link
    override: dt.date | None = None  # ``intake serve --deadline``
    clock: Callable[[], dt.date] = dt.date.today

    def _slugs(self) -> list[str]:
        return known_slugs(self.store.content_dir, self.people.all())

    def _recipient(self, slug: str, values: dict[str, object]) -> str:
        pi = self.people.pi(slug)
        if pi is not None and pi.email:
            return pi.email
        email = values.get("contact_email")
        return email if isinstance(email, str) else ""

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
                continue  # the office took it off the portal
            missing = missing_items(self.store, slug)
            if not missing:
                continue
            name = values.get("name")
            reminders.append(
                Reminder(
                    slug,
                    name if isinstance(name, str) else "",
                    missing,
                    self._recipient(slug, values),
                    states.get(slug),
                )
            )
        return ReminderPlan(stage, reminders)

    def letter(self, reminder: Reminder, stage: Stage, *, with_link: bool) -> tuple[str, str]:
        link = ""
        base = self.book.read().form_url
        if with_link and self.signer is not None and base:
            link = link_url(base, self.signer.make_token(reminder.slug))
        return reminder_letter(reminder, stage, link)

    def send(self, plan: ReminderPlan, *, actor: str, remote_addr: str = "") -> ReminderResult:
        """Send each reminder of ``plan`` not yet sent, once; stop when the server is gone.

        A dry run (``Mailer(dry_run=True)``) writes the drafts and records nothing, so the real
        send still goes out; without a mail server the drafts are recorded as 'draft' so that
        the daily job does not write them again.
        """
        result = ReminderResult()
        record = not self.mailer.dry_run
        stage = plan.stage
        todo = plan.to_send
        if stage is None or not todo:
            return result
        with self.mailer.session() as send:
            for reminder in todo:
                if record and not self.sent.claim(stage, reminder.slug, reminder.recipient):
                    continue  # another run sent it meanwhile
                subject, body = self.letter(reminder, stage, with_link=True)
                message = compose(
                    to=reminder.recipient, subject=subject, body=body, settings=self.mailer.settings
                )
                try:
                    where = send(message)
                except MailError as exc:
                    if record:
                        self.sent.release(stage, reminder.slug)
                    result.failed[reminder.slug] = str(exc)
                    break
                if record:
                    self.sent.mark_sent(
                        stage, reminder.slug, "sent" if where == "smtp" else "draft"
                    )
                (result.sent if where == "smtp" else result.drafts).append(reminder.slug)
                self.audit.record(
                    actor=actor,
                    action="reminder.send" if where == "smtp" else "reminder.draft",
                    slug=reminder.slug,
                    remote_addr=remote_addr,
                    detail=f"{stage.deadline.isoformat()} {stage.key} to {reminder.recipient}; "
                    f"missing {', '.join(reminder.missing)}",
                )
        return result

    def run_due(self, *, actor: str = "scheduler") -> ReminderResult:
        """The daily job: send the current stage's reminders that have not gone out."""
        try:
            return self.send(self.plan(), actor=actor)
        except MailError as exc:
            return ReminderResult(failed={"*": str(exc)})

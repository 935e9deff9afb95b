"""Sending a month's notices over SMTP, each alliance once: table ``notices_sent`` records a
'sending' row before the SMTP conversation and 'sent' after it (see :mod:`monitor.notices`)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate, getaddresses

from alliance_portal.registry.settings import check_for_sending
from alliance_portal.registry.smtp import SmtpError, SmtpSettings, connect
from monitor.db_locks import writing
from monitor.notices.compose import NoticePlan
from monitor.store import Store

log = logging.getLogger(__name__)

SENT_TABLE = "notices_sent"
#: After this many failed connections in a row the rest of a month's notices are not tried.
MAX_CONNECT_FAILURES = 3


class SentLog:
    """Table ``notices_sent``: one row per alliance and month that was (being) sent."""

    def __init__(self, store: Store) -> None:
        self.store = store  # the table is created with the others, in monitor.store.SCHEMA

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).replace(microsecond=0).isoformat()

    def state(self, month: str, slug: str) -> str | None:
        with self.store.connect() as db:
            row = db.execute(
                f"SELECT state FROM {SENT_TABLE} WHERE month = ? AND slug = ?", (month, slug)
            ).fetchone()
        return row["state"] if row else None

    def claim(self, month: str, slug: str, recipient: str, message_id: str, *, force: bool) -> bool:
        """Record 'sending' unless a row exists (or ``force``). True if we may send now."""
        with self.store.connect() as db:
            if force:
                db.execute(f"DELETE FROM {SENT_TABLE} WHERE month = ? AND slug = ?", (month, slug))
            cur = db.execute(
                f"INSERT OR IGNORE INTO {SENT_TABLE} (month, slug, recipient, message_id, state, updated_at)"
                " VALUES (?, ?, ?, ?, 'sending', ?)",
                (month, slug, recipient, message_id, self._now()),
            )
        return cur.rowcount == 1

    def mark_sent(self, month: str, slug: str) -> None:
        with self.store.connect() as db:
            db.execute(
                f"UPDATE {SENT_TABLE} SET state = 'sent', updated_at = ? WHERE month = ? AND slug = ?",
                (self._now(), month, slug),
            )

    def release(self, month: str, slug: str) -> None:
        with self.store.connect() as db:
            db.execute(f"DELETE FROM {SENT_TABLE} WHERE month = ? AND slug = ?", (month, slug))

    def rows(self, month: str) -> list[dict[str, str]]:
        with self.store.connect() as db:
            rows = db.execute(
                f"SELECT * FROM {SENT_TABLE} WHERE month = ? ORDER BY slug", (month,)
            ).fetchall()
        return [dict(r) for r in rows]


@dataclass(slots=True)
class SendResult:
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)  # 'sending' left by a crash
    failed: dict[str, str] = field(default_factory=dict)  # slug -> why


def send_notices(
    plan: NoticePlan,
    store: Store,
    settings: SmtpSettings,
    *,
    resend: Iterable[str] = (),
) -> SendResult:
    """Send every sendable notice once, recording each in the database, as one of the
    database's writers (:func:`monitor.db_locks.writing`): ``alliance db restore`` refuses to
    replace the file under a batch that is recording what it sent."""
    with writing(store.path):
        return _send_notices(plan, store, settings, resend=resend)


def _send_notices(
    plan: NoticePlan,
    store: Store,
    settings: SmtpSettings,
    *,
    resend: Iterable[str] = (),
) -> SendResult:
    """Send every sendable notice once; record each in the database.

    One notice that fails (a refused recipient, a message the server or the library refuses)
    is released (a later run sends it) and reported in ``failed``; the batch goes on. After a
    dropped connection the next notice connects again, up to :data:`MAX_CONNECT_FAILURES`
    failures in a row."""
    check_for_sending(settings)
    sent_log = SentLog(store)
    force = set(resend)
    result = SendResult()
    todo = []
    for notice in plan.sendable:
        state = sent_log.state(plan.month, notice.slug)
        if state is not None and notice.slug not in force:
            (result.already_sent if state == "sent" else result.uncertain).append(notice.slug)
        else:
            todo.append(notice)
    if not todo:
        return result
    try:
        smtp: smtplib.SMTP | None = connect(settings)
    except SmtpError as exc:
        raise ConnectionError(str(exc)) from exc
    connect_failures = 0
    try:
        for notice in todo:
            message = notice.message
            assert message is not None
            if smtp is None:  # the connection dropped on an earlier notice: connect again
                if connect_failures >= MAX_CONNECT_FAILURES:
                    result.failed[notice.slug] = (
                        f"not tried: the mail server could not be reached {connect_failures}"
                        " times in a row; send again later"
                    )
                    continue
                try:
                    smtp = connect(settings)
                except SmtpError as exc:
                    connect_failures += 1
                    result.failed[notice.slug] = str(exc)
                    continue
            if not sent_log.claim(
                plan.month,
                notice.slug,
                notice.recipient,
                str(message["Message-ID"]),
                force=notice.slug in force,
            ):
                result.already_sent.append(notice.slug)  # another process got there first
                continue
            try:
                del message["Date"]
                message["Date"] = formatdate(localtime=True)
                recipients = [addr for _, addr in getaddresses([notice.recipient]) if addr]
                refused = smtp.send_message(message, to_addrs=recipients)
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPDataError,
                smtplib.SMTPSenderRefused,
                smtplib.SMTPNotSupportedError,
                ValueError,
                UnicodeError,
            ) as exc:  # this notice only: the connection is still good
                sent_log.release(plan.month, notice.slug)
                result.failed[notice.slug] = f"{type(exc).__name__}: {exc}"
                continue
            except (OSError, smtplib.SMTPException) as exc:  # the connection is gone
                sent_log.release(plan.month, notice.slug)
                result.failed[notice.slug] = f"{type(exc).__name__}: {exc}"
                _close(smtp)
                smtp = None
                connect_failures += 1
                continue
            connect_failures = 0
            if refused:
                log.warning("%s: server refused %s", notice.slug, refused)
            sent_log.mark_sent(plan.month, notice.slug)
            result.sent.append(notice.slug)
    finally:
        if smtp is not None:
            _close(smtp)
    return result


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()

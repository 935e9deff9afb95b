"""The reminder service over one registry, and the scheduler's daily job around it.

Shared by ``alliance intake remind`` and ``alliance schedule`` (which runs :func:`reminder_job`
with the monthly crawl's scheduler), kept apart from both commands so neither imports the other.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alliance_portal.registry.site_settings import Industry

log = logging.getLogger(__name__)

#: When ``alliance schedule`` looks for due reminders: every day at 09:30 (its time zone).
REMINDER_CRON = "30 9 * * *"


def reminder_service(
    *,
    content: Path,
    banners: Path,
    var: Path,
    settings_file: Path | None,
    mail: Any,
    industries: tuple[Industry, ...] | None = None,
    dry_run: bool = False,
    clock: Callable[[], dt.date] | None = None,
    public_url: str = "",
) -> Any:
    """The :class:`~alliance_portal.intake.reminders.ReminderService` over one registry.

    ``public_url`` is the form's public address (``--public-url``): reminders to a PI carry
    the PI's link built on it, and without it they are reported, not sent (the scheduler logs
    each with the reason)."""
    from alliance_portal.intake.config import LINK_MAX_AGE, IntakePaths
    from alliance_portal.intake.deadlines import DeadlineBook
    from alliance_portal.intake.links import LinkSigner, LinkVersions
    from alliance_portal.intake.mailer import Mailer
    from alliance_portal.intake.people import People
    from alliance_portal.intake.reminders import ReminderService, SentReminders
    from alliance_portal.intake.secret_key import SecretError, load_secret
    from alliance_portal.intake.storage import AllianceStore
    from alliance_portal.registry.audit import AuditLog
    from alliance_portal.registry.site_settings import load_site_settings

    paths = IntakePaths(var)
    audit = AuditLog(paths.audit_log)
    people = People(paths.people)
    try:
        signer = LinkSigner(
            load_secret(paths.secret_file), LinkVersions(paths.link_versions), LINK_MAX_AGE, people
        )
    except SecretError:
        signer = None  # no links issued yet: reminders say "use the link the office sent"
    store = AllianceStore(
        content,
        banners,
        var_dir=var,
        audit=audit,
        industries=industries or tuple(load_site_settings(settings_file)["INDUSTRIES"]),
    )
    extra: dict[str, Any] = {"clock": clock} if clock else {}
    return ReminderService(
        store=store,
        people=people,
        book=DeadlineBook(paths.deadlines),
        sent=SentReminders(paths.reminders_db),
        mailer=Mailer(mail, paths.outbox, dry_run=dry_run),
        audit=audit,
        signer=signer,
        public_url=public_url.rstrip("/"),
        **extra,
    )


def reminder_job(service: Any) -> Callable[[], object]:
    """The scheduler's daily reminder job: send what is due; a failure is logged, not raised."""

    def job() -> object:
        result = service.run_due(actor="scheduler")
        if result.sent or result.drafts:
            log.info("reminders: %d sent, %d drafts", len(result.sent), len(result.drafts))
        for slug, why in result.failed.items():
            log.error("reminder for %s not sent: %s", slug, why)
        return result

    return job

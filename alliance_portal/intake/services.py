"""The parts one intake app uses, built once by the app factory and kept on the app.

Kept in ``app.extensions`` rather than in module globals, so two apps (two tests, two
registries) never share state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app

from alliance_portal.intake.config import IntakeConfig
from alliance_portal.intake.deadlines import DeadlineBook, DeadlineStatus, deadline_status
from alliance_portal.intake.jobs import JobRunner
from alliance_portal.intake.links import LinkSigner, LinkVersions
from alliance_portal.intake.mailer import Mailer
from alliance_portal.intake.people import People
from alliance_portal.intake.ratelimit import RateLimiter
from alliance_portal.intake.rebuild import RebuildCoordinator
from alliance_portal.intake.reminders import ReminderService, SentReminders
from alliance_portal.intake.sessions import EndedSessions
from alliance_portal.intake.storage import AllianceStore
from alliance_portal.registry.audit import AuditLog

EXTENSION_KEY = "alliance_intake"


@dataclass(frozen=True, slots=True)
class IntakeServices:
    config: IntakeConfig
    store: AllianceStore
    audit: AuditLog
    versions: LinkVersions
    people: People
    signer: LinkSigner
    mailer: Mailer
    limiter: RateLimiter
    rebuilder: RebuildCoordinator
    deadlines: DeadlineBook
    reminders: ReminderService
    jobs: JobRunner
    ended_sessions: EndedSessions

    def deadline_status(self, today: dt.date | None = None) -> DeadlineStatus:
        """The deadline in force today (the office's settings, ``--deadline``, the default)."""
        return deadline_status(
            self.deadlines.read(), today or dt.date.today(), override=self.config.deadline
        )


def build_services(config: IntakeConfig) -> IntakeServices:
    paths = config.paths
    audit = AuditLog(paths.audit_log)
    versions = LinkVersions(paths.link_versions)
    people = People(paths.people)
    store = AllianceStore(
        config.content_dir,
        config.banners_dir,
        var_dir=config.var_dir,
        audit=audit,
        industries=config.industries,
    )
    signer = LinkSigner(config.secret, versions, config.link_max_age, people)
    mailer = Mailer(config.mail, paths.outbox)
    deadlines = DeadlineBook(paths.deadlines)
    store.clean_leftovers()  # what a server killed mid-save left behind
    return IntakeServices(
        config=config,
        store=store,
        audit=audit,
        versions=versions,
        people=people,
        signer=signer,
        mailer=mailer,
        limiter=RateLimiter(paths.rate_limits),
        rebuilder=RebuildCoordinator(config.rebuild, public=config.rebuild_is_public),
        deadlines=deadlines,
        reminders=ReminderService(
            store=store,
            people=people,
            book=deadlines,
            sent=SentReminders(paths.reminders_db),
            mailer=mailer,
            audit=audit,
            signer=signer,
            public_url=config.public_url.rstrip("/"),
            override=config.deadline,
        ),
        jobs=JobRunner(),
        ended_sessions=EndedSessions(paths.ended_sessions, config.session_lifetime.total_seconds()),
    )


def services() -> IntakeServices:
    """The services of the app handling the current request."""
    found: IntakeServices = current_app.extensions[EXTENSION_KEY]
    return found

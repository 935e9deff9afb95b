"""The parts one intake app uses, built once by the app factory and kept on the app.

Kept in ``app.extensions`` rather than in module globals, so two apps (two tests, two
registries) never share state.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from alliance_portal.intake.config import IntakeConfig
from alliance_portal.intake.links import LinkSigner, LinkVersions
from alliance_portal.intake.mailer import Mailer
from alliance_portal.intake.people import People
from alliance_portal.intake.ratelimit import RateLimiter
from alliance_portal.intake.rebuild import RebuildCoordinator
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


def build_services(config: IntakeConfig) -> IntakeServices:
    paths = config.paths
    audit = AuditLog(paths.audit_log)
    versions = LinkVersions(paths.link_versions)
    people = People(paths.people)
    return IntakeServices(
        config=config,
        store=AllianceStore(
            config.content_dir,
            config.banners_dir,
            var_dir=config.var_dir,
            audit=audit,
            industries=config.industries,
        ),
        audit=audit,
        versions=versions,
        people=people,
        signer=LinkSigner(config.secret, versions, config.link_max_age, people),
        mailer=Mailer(config.mail, paths.outbox),
        limiter=RateLimiter(paths.rate_limits),
        rebuilder=RebuildCoordinator(config.rebuild),
    )


def services() -> IntakeServices:
    """The services of the app handling the current request."""
    found: IntakeServices = current_app.extensions[EXTENSION_KEY]
    return found

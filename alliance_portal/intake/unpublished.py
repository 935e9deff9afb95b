"""Changes the public portal does not show yet: every save since the last good publication.

When the office publishes by hand (a publish target without ``auto = true``), a PI's save
updates the office's build but not the public portal. The console lists what is waiting, so the
office knows when to press 發布入口網 and the form can honestly say "waits for the office".
"""

from __future__ import annotations

from alliance_portal.intake.office_hooks import OfficeHooks
from alliance_portal.registry.audit import AuditEntry, AuditLog

#: Audit actions that change what the portal shows (profiles and banners, by any path).
PORTAL_CHANGES = ("profile.", "banner.")


def unpublished_changes(audit: AuditLog, *, since: str | None) -> list[AuditEntry]:
    """Profile and banner changes after ``since`` (the ISO UTC start of the last good
    publication; None: never published, so every change waits), newest first."""
    waiting = [
        entry
        for entry in audit.entries()
        if entry.action.startswith(PORTAL_CHANGES) and (since is None or entry.time > since)
    ]
    return waiting[::-1]


def waiting_for_publication(hooks: OfficeHooks, audit: AuditLog) -> list[AuditEntry] | None:
    """The changes waiting for the office's 發布入口網, newest first; None when nothing can wait
    (no publish target here, or every build publishes itself)."""
    if hooks.publish is None or hooks.auto_publish:
        return None
    good = hooks.last_good_publish() if hooks.last_good_publish else None
    return unpublished_changes(audit, since=(good.started or good.time) if good else None)

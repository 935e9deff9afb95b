"""An alliance's name in the console page's language, for any list that carries only a slug
and the Chinese name (a review's recipients, the reminders due, the month's notices).

Why a template helper: those records come from the letters' and the monitor's code, which
know the Chinese name the letters use; the console page names the alliance as the office reads
it (its English name on an English page, :func:`.language.alliance_name`), read from its profile.
"""

from __future__ import annotations

from alliance_portal.intake.office.language import alliance_name
from alliance_portal.intake.services import services
from alliance_portal.intake.storage import StorageError


def name_of(slug: str, name: str = "") -> str:
    """``slug``'s name in the page's language; ``name`` (as the record has it) when its
    profile cannot be read."""
    try:
        values = services().store.read_profile(slug).values
    except (StorageError, OSError):
        values = {}
    return alliance_name(values.get("name") or name, values.get("name_en"), slug)

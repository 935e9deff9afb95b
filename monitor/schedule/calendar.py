"""Calendar maths of the monthly schedule: which month a moment is in, when a cron trigger last
fired, and the next check date that reports and notices print.

Why apart from the scheduler: the report and the notices need the next check date; they import
this small module, never the long-running scheduler.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from alliance_portal.registry.settings import ScheduleSettings

if TYPE_CHECKING:  # APScheduler is imported when a trigger is built, not by every command
    from apscheduler.triggers.base import BaseTrigger

#: How far back to look for the latest scheduled slot (a monthly cron needs up to 31 days).
_LOOKBACK = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=32),
    timedelta(days=367),
)
_MAX_STEPS = 5000


def last_fire_time(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The latest time <= ``now`` at which ``trigger`` fires (None if none within a year)."""
    for window in _LOOKBACK:
        fire: datetime | None = trigger.get_next_fire_time(None, now - window)
        last: datetime | None = None
        for _ in range(_MAX_STEPS):
            if fire is None or fire > now:
                break
            last = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if last is not None:
            return last
    return None


def month_of(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def next_check_after_month(settings: ScheduleSettings, month: str) -> date | None:
    """The date of the first scheduled check after ``month`` (for reports and e-mails)."""
    year, mon = (int(p) for p in month.split("-"))
    start = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=settings.tz)
    fire = settings.trigger().get_next_fire_time(None, start)
    return fire.date() if fire else None


def next_check_from(settings: ScheduleSettings, now: datetime) -> date | None:
    """The date of the next scheduled check after ``now``."""
    fire = settings.trigger().get_next_fire_time(None, now.astimezone(settings.tz))
    return fire.date() if fire else None

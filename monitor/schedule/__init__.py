"""The monthly schedule (``alliance schedule``), one module per concern:

- :mod:`monitor.schedule.calendar`  which month is due, next check dates (reports use this);
- :mod:`monitor.schedule.job`       the idempotent monthly job and its table ``schedule_months``;
- :mod:`monitor.schedule.jobstore`  APScheduler's job store in the monitor's SQLite file;
- :mod:`monitor.schedule.lock`      one scheduler per database (an OS file lock);
- :mod:`monitor.schedule.runner`    the long-running scheduler and ``--once``.

This package module imports none of them, so reading a next check date never loads the scheduler.
"""

from __future__ import annotations


def scheduled_tick(token: str) -> None:
    """What APScheduler's stored job calls at each scheduled time (a stable, importable name)."""
    from monitor.schedule.runner import scheduled_tick as tick

    tick(token)

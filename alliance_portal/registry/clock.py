"""The office's clock: Asia/Taipei (UTC+8, no daylight saving).

Why one module: times are stored in UTC (the database, the people file, the audit log) and shown
to the office in Taipei time by the console, the reports and the command line; one zone and one
format, so two pages never show the same moment two ways.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TAIPEI_ZONE = "Asia/Taipei"
TAIPEI = ZoneInfo(TAIPEI_ZONE)


def taipei_time(iso: str, *, suffix: str = "") -> str:
    """A stored ISO time as the office reads it: ``2026-04-02 09:15`` in Taipei time.

    A time without a zone is UTC (how every store writes it); ``""`` stays ``""`` and text that
    is not a time is returned as it is. ``suffix`` (e.g. ``" (UTC+8)"``) follows a real time.
    """
    if not iso:
        return ""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M") + suffix

"""The submission deadline of each programme year, and which deadline is in force today.

The manual's deadline is 30 April: basic data, website and banner are due then, and the monthly
website checks start in May. The office may set another day for any programme year (an
extension, or next year's date announced in the autumn); the settings live in
``var/intake-deadlines.json`` together with the reminder days::

    {"deadlines": {"2026": "2026-04-30", "2027": "2027-04-30"},
     "before": [14, 3], "after": 7, "late_window": 31}

(The form's public address, which the links in reminders are built on, is not kept here: it is
the one setting ``intake serve --public-url``; a ``form_url`` left in an older file is ignored.)

The office writes a date as on any form in Taiwan: ``2026-12-10``, ``2026/12/10``, ROC years
``115/12/10`` or ``民國115年12月10日`` (:func:`parse_date`; the year by the registry's one ROC rule,
:func:`alliance_portal.registry.years.parse_year`).

Which deadline is in force (:func:`deadline_status`):

- ``open``: the next deadline still to come: this year's (30 April unless set otherwise), or a
  later one the office has set. The form and the office page count the days left.
- ``late``: the last deadline passed less than ``late_window`` days ago (default 31): alliances
  still missing something are late, and the one reminder after the deadline goes out.
- ``none``: after that, until the office sets the next cycle's deadline, no deadline is in
  force and nobody is called late (the form still accepts changes at any time).

So the form no longer tells every alliance from May to December that the deadline has passed,
and the office page no longer counts "216 days overdue".
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.locking import file_lock
from alliance_portal.registry.years import parse_year

#: The manual's deadline: 30 April of each programme year.
DEFAULT_MONTH_DAY = (4, 30)
#: Reminders this many days before the deadline, and once this many days after it.
DEFAULT_BEFORE: tuple[int, ...] = (14, 3)
DEFAULT_AFTER = 7
#: How long after the deadline alliances still missing something are called late.
DEFAULT_LATE_WINDOW = 31
#: Reminder days further out than this are surely typos (a programme year is one year).
MAX_DAYS = 180

Phase = Literal["open", "late", "none"]


class DeadlineError(UsageError, ValueError):
    """A deadline or reminder setting that cannot be used; the message says how to fix it.

    ``str(error)`` is English (the command line); ``zh`` the same in zh-TW for the console, so
    each language of a page is in that language only."""

    def __init__(self, message: str, zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh or message


@dataclass(frozen=True, slots=True)
class DeadlineSettings:
    """The office's deadlines per programme year and its reminder days."""

    deadlines: dict[int, dt.date] = field(default_factory=dict)
    before: tuple[int, ...] = DEFAULT_BEFORE
    after: int = DEFAULT_AFTER  # 0: no reminder after the deadline
    late_window: int = DEFAULT_LATE_WINDOW

    def with_deadline(self, year: int, day: dt.date) -> DeadlineSettings:
        return replace(self, deadlines={**self.deadlines, year: day})


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    """The deadline in force on ``today`` (or none), as the form and the office page show it."""

    phase: Phase
    today: dt.date
    deadline: dt.date | None  # in force: the one to come (open) or just passed (late)
    previous: dt.date | None = None  # phase none: the last deadline, long passed

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days if self.deadline else 0

    @property
    def days_late(self) -> int:
        return (self.today - self.deadline).days if self.deadline and self.phase == "late" else 0

    @property
    def in_force(self) -> bool:
        return self.phase != "none"


def parse_days(text: str) -> tuple[int, ...]:
    """``"14, 3"`` -> (14, 3): the reminder days before the deadline, largest first."""
    days = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_DAYS:
            raise DeadlineError(
                f"{part!r} is not a number of days from 1 to {MAX_DAYS}; write e.g. 14, 3",
                f"「{part}」不是 1 到 {MAX_DAYS} 之間的天數，請寫成例如 14, 3",
            )
        days.append(int(part))
    return tuple(sorted(set(days), reverse=True))


_DATE_RE = re.compile(
    r"(?:(?:中華)?民國|西元)?\s*(\d{1,4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
)


def parse_programme_year(text: str) -> int:
    """A programme year as the office writes it (``2027``, ``116``, ``民國116年``)."""
    year = parse_year(text.strip())
    if year is None:
        raise DeadlineError(
            f"{text.strip()!r} is not a year; write e.g. 2027 or 116",
            f"「{text.strip()}」不是年度，請寫成例如 2027 或 116（民國年）",
        )
    return year


def parse_date(text: str) -> dt.date:
    """A deadline as the office writes it: western or ROC year, ``-``, ``/``, ``.`` or 年月日.

    ``2026-12-10``, ``2026/12/10``, ``115/12/10``, ``民國115年12月10日`` and full-width digits are
    the same day; the year follows :func:`alliance_portal.registry.years.parse_year`.
    """
    written = unicodedata.normalize("NFKC", text).strip()
    match = _DATE_RE.fullmatch(written)
    year = None
    if match is not None:
        prefix = written[: match.start(1)]
        year = parse_year(f"{prefix}{match.group(1)}")
    if match is None or year is None:
        raise DeadlineError(
            f"{text.strip()!r} is not a date; write it as 2027-04-30 or 116/4/30",
            f"「{text.strip()}」不是日期，請寫成 2027-04-30 或 116/4/30（民國年）",
        )
    try:
        return dt.date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise DeadlineError(
            f"{text.strip()!r} is not a day of the calendar; check the month and the day",
            f"「{text.strip()}」不是存在的日期，請檢查月份與日期",
        ) from None


def check_settings(settings: DeadlineSettings) -> DeadlineSettings:
    for year, day in settings.deadlines.items():
        if not 2000 <= year <= 2200:
            raise DeadlineError(
                f"programme year {year} is out of range; write e.g. 2027",
                f"年度 {year} 超出範圍，請寫成例如 2027 或 116",
            )
        if abs(day.year - year) > 1:
            raise DeadlineError(
                f"the deadline {day} is far from programme year {year}; check the year",
                f"截止日 {day} 與 {year} 年度相差太遠，請檢查年度",
            )
    if any(not 1 <= d <= MAX_DAYS for d in settings.before):
        raise DeadlineError(
            f"reminder days before must be from 1 to {MAX_DAYS}",
            f"截止日前的提醒天數須在 1 到 {MAX_DAYS} 之間",
        )
    if not 0 <= settings.after <= MAX_DAYS:
        raise DeadlineError(
            f"the reminder after the deadline must be 0 to {MAX_DAYS} days",
            f"截止日後的提醒天數須在 0 到 {MAX_DAYS} 之間",
        )
    if not 1 <= settings.late_window <= 366:
        raise DeadlineError(
            "late_window must be from 1 to 366 days", "逾期期間須在 1 到 366 天之間"
        )
    if settings.after and settings.after > settings.late_window:
        raise DeadlineError(
            f"the reminder after the deadline ({settings.after} days) must fall within the "
            f"{settings.late_window} days the deadline stays in force",
            f"截止日後的提醒（{settings.after} 天）須在截止日有效的 {settings.late_window} 天內",
        )
    return settings


class DeadlineBook:
    """The deadline settings in ``var/intake-deadlines.json`` (read fresh on every call)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = path.with_name(path.name + ".lock")

    def read(self) -> DeadlineSettings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return DeadlineSettings()
        except (OSError, ValueError) as exc:
            raise DeadlineError(
                f"{self.path}: cannot be read ({exc}); fix it or delete it and set the "
                "deadlines again on the office's deadline page"
            ) from exc
        try:
            return DeadlineSettings(
                deadlines={
                    int(y): dt.date.fromisoformat(str(d))
                    for y, d in dict(raw.get("deadlines", {})).items()
                },
                before=tuple(int(d) for d in raw.get("before", DEFAULT_BEFORE)),
                after=int(raw.get("after", DEFAULT_AFTER)),
                late_window=int(raw.get("late_window", DEFAULT_LATE_WINDOW)),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise DeadlineError(
                f"{self.path}: has a value that is not a date or a number ({exc}); fix it or "
                "delete it and set the deadlines again"
            ) from exc

    def write(self, settings: DeadlineSettings) -> DeadlineSettings:
        check_settings(settings)
        data = {
            "deadlines": {str(y): d.isoformat() for y, d in sorted(settings.deadlines.items())},
            "before": list(settings.before),
            "after": settings.after,
            "late_window": settings.late_window,
        }
        with file_lock(self._lock):
            atomic_write(
                self.path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()
            )
        return settings


def year_deadlines(
    settings: DeadlineSettings, today: dt.date, override: dt.date | None = None
) -> dict[int, dt.date]:
    """Every known deadline: the office's and this year's default, or the command line's.

    ``override`` (``intake serve --deadline``) is the deadline of its year and stands in for
    the default of the current year.
    """
    found = dict(settings.deadlines)
    if override is not None:
        found[override.year] = override
    else:
        month, day = DEFAULT_MONTH_DAY
        found.setdefault(today.year, dt.date(today.year, month, day))
    return found


def deadline_status(
    settings: DeadlineSettings, today: dt.date, *, override: dt.date | None = None
) -> DeadlineStatus:
    """Which deadline is in force on ``today`` (see the module docstring)."""
    days = sorted(year_deadlines(settings, today, override).values())
    upcoming = [d for d in days if d >= today]
    if upcoming:
        return DeadlineStatus("open", today, upcoming[0])
    passed = days[-1]
    if (today - passed).days <= settings.late_window:
        return DeadlineStatus("late", today, passed)
    return DeadlineStatus("none", today, None, previous=passed)

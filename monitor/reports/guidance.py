"""What the report tells the office to do: one line of advice per alliance, a link to the
alliance's notice, and times in Taiwan's time zone.

The advice is the notices' own (:mod:`monitor.notices.advice`, chosen by the finding's code),
so the report and the e-mail never disagree about how to fix a site.
"""

from __future__ import annotations

from alliance_portal.registry import clock
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import notice_name
from monitor.notices.advice import advice
from monitor.reports.labels import CHECKS
from monitor.reports.view import ReportRow

_RANK = {"fail": 0, "warn": 1}


def fix_line(row: ReportRow) -> Bilingual | None:
    """The one thing to do first for this alliance, or None when everything passes.

    When the site does not open only that is advised (nothing else could be read); otherwise
    the first failing check, else the first one to look at.
    """
    if row.overall == "pass":
        return None
    names = ("loads",) if row.checks["loads"].status == "fail" else CHECKS
    problems = [row.checks[n] for n in names if row.checks[n].status != "pass"]
    if not problems:
        return None
    worst = min(problems, key=lambda view: _RANK[view.status])
    return advice(worst)


def notice_file(row: ReportRow) -> str | None:
    """The alliance's notice draft, relative to the month folder (None: no notice is due)."""
    return None if row.overall == "pass" else notice_name(row.slug)


def taipei_time(iso: str | None) -> str:
    """An ISO time (UTC from the database) as "2026-05-01 17:03 (UTC+8)"; "" for none."""
    return clock.taipei_time(iso or "", suffix=" (UTC+8)")

"""``alliance intake deadline`` and ``alliance intake remind``: deadlines and their reminders.

    alliance intake deadline                                  # what is in force, the settings
    alliance intake deadline --year 2027 --date 2027-04-30    # set a programme year's deadline
    alliance intake deadline --before 14,3 --after 7          # the reminder days
    alliance intake remind --public-url https://intake.example.tw [--dry-run] [--today DATE]

``alliance schedule`` sends the same reminders each day through :func:`reminder_job`, which the
composition root hands to the monthly scheduler.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import replace

from alliance_portal.commands.intake_people import _paths, mail_options, mail_settings
from alliance_portal.commands.options import cli_actor, report_problem
from alliance_portal.commands.reminder_wiring import reminder_service
from alliance_portal.registry.errors import UsageError


def _date(text: str) -> dt.date:
    """A date as the office writes it (2027-04-30, 116/4/30, 民國116年4月30日)."""
    from alliance_portal.intake.deadlines import DeadlineError, parse_date

    try:
        return parse_date(text)
    except DeadlineError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register_deadlines(isub: argparse._SubParsersAction) -> None:
    deadline = isub.add_parser(
        "deadline", help="show or set the submission deadline of a programme year and reminders"
    )
    _paths(deadline)
    deadline.add_argument("--year", type=int, help="programme year to set, e.g. 2027")
    deadline.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="its deadline")
    deadline.add_argument("--before", metavar="DAYS", help='reminder days before, e.g. "14,3"')
    deadline.add_argument("--after", type=int, metavar="DAYS", help="reminder after (0: none)")
    deadline.set_defaults(func=run_deadline)

    remind = isub.add_parser(
        "remind",
        help="e-mail the reminders due today to alliances still missing something (each once)",
    )
    _paths(remind)
    remind.add_argument(
        "--dry-run", action="store_true", help="write .eml files into var/intake-outbox/ only"
    )
    remind.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="act as if on this day")
    remind.add_argument(
        "--public-url",
        default="",
        metavar="URL",
        help="the form's public address: reminders to PIs carry the PI's link built on it"
        " (without it they are not sent)",
    )
    mail_options(remind)
    remind.set_defaults(func=run_remind)


def run_deadline(args: argparse.Namespace) -> int:
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.deadlines import (
        DeadlineBook,
        deadline_status,
        parse_days,
    )
    from alliance_portal.registry.audit import AuditLog

    paths = IntakePaths(args.var)
    book = DeadlineBook(paths.deadlines)
    if (args.year is None) != (args.date is None):
        raise UsageError("give --year and --date together, e.g. --year 2027 --date 2027-04-30")
    # a DeadlineError (a UsageError) names the setting; the CLI prints it and exits 2
    settings = book.read()
    changed = []
    if args.year is not None:
        settings = settings.with_deadline(args.year, args.date)
        changed.append(f"{args.year}: {args.date.isoformat()}")
    if args.before is not None:
        settings = replace(settings, before=parse_days(args.before))
        changed.append(f"before {list(settings.before)}")
    if args.after is not None:
        settings = replace(settings, after=args.after)
        changed.append(f"after {args.after}")
    if changed:
        book.write(settings)
        AuditLog(paths.audit_log).record(
            actor=cli_actor(), action="deadline.set", slug="", detail="; ".join(changed)
        )
    status = deadline_status(settings, dt.date.today())
    for year, day in sorted(settings.deadlines.items()):
        print(f"programme year {year}: deadline {day.isoformat()}")
    if status.phase == "open":
        print(f"in force: {status.deadline} ({status.days_left} days left)")
    elif status.phase == "late":
        print(f"in force: {status.deadline} (passed {status.days_late} days ago)")
    else:
        print(
            f"no deadline in force (the last was {status.previous}); set the next one with "
            "--year and --date"
        )
    after = f", once {settings.after} days after" if settings.after else ""
    print(f"reminders: {', '.join(map(str, settings.before)) or 'none'} days before{after}")
    return 0


def run_remind(args: argparse.Namespace) -> int:
    from alliance_portal.commands.options import office_industries, settings_file

    service = reminder_service(
        content=args.content,
        banners=args.banners,
        var=args.var,
        settings_file=settings_file(args),
        industries=office_industries(args),
        mail=mail_settings(args),
        dry_run=args.dry_run,
        clock=(lambda: args.today) if args.today else None,
        public_url=args.public_url,
    )
    if (problem := service.link_problem()) is not None:
        print(f"note: reminders to PIs are not sent: {problem.en}", file=sys.stderr)
    plan = service.plan()
    if plan.stage is None:
        print("no reminder is due today")
        return 0
    stage = plan.stage
    print(
        f"reminder {stage.key} of the deadline {stage.deadline}: {len(plan.reminders)} "
        f"alliances missing something, {len(plan.to_send)} to send"
    )
    for r in plan.reminders:
        state = r.state or ("no address" if not r.recipient else "to send")
        print(f"  {r.slug:24} {', '.join(r.missing):24} {r.recipient or '-':32} {state}")
    result = service.send(plan, actor=cli_actor())  # a MailError (no server at all) exits 1
    for slug, why in result.failed.items():  # one alliance's reminder; the others still went
        report_problem(f"{slug}: not sent: {why}")
    print(f"{len(result.sent)} sent, {len(result.drafts)} written as drafts")
    return 1 if result.failed else 0

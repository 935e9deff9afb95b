"""``alliance schedule``: the monthly crawl on schedule (or ``--once`` from cron), followed by the
month's reports and notices, plus the form's daily deadline reminders in the same process."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from alliance_portal.commands.options import note_once
from alliance_portal.commands.reports import (
    common_options,
    publish_notices,
    settings_for,
    update_links,
    write_month_with_registry,
)
from alliance_portal.registry.errors import EXIT_FAILED
from alliance_portal.registry.report_contract import INDEX_FILE

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schedule = sub.add_parser(
        "schedule",
        help="run the monthly crawl on schedule (long-running; or --once from cron)",
        description="Crawl every month (default the 1st at 09:00 Asia/Taipei), catch up a missed"
        " month at start-up, resume an interrupted crawl, write reports and notice drafts.",
    )
    schedule.add_argument(
        "--once", action="store_true", help="run a due crawl (if any) and exit: for cron"
    )
    schedule.add_argument("--cron", help='when to crawl, crontab syntax (default "0 9 1 * *")')
    schedule.add_argument("--timezone", help="time zone of --cron (default Asia/Taipei)")
    schedule.add_argument(
        "--no-catch-up", action="store_true", help="do not run a missed month at start-up"
    )
    schedule.add_argument(
        "--allow-private",
        action="store_true",
        default=None,
        help="let the crawl reach private/loopback addresses (tests, intranets)",
    )
    schedule.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the upload form's public address: each notice then carries the PI's personal link"
        " (default: [form] public_url)",
    )
    schedule.add_argument(
        "--var",
        type=Path,
        default=None,
        metavar="DIR",
        help="the form's state folder, for its reminders and links (default: [paths] var)",
    )
    schedule.add_argument(
        "--banners",
        type=Path,
        default=None,
        metavar="DIR",
        help="the banners folder, for the form's reminders (default: [paths] banners)",
    )
    common_options(schedule)
    schedule.set_defaults(func=run_schedule)


def build_job(args: argparse.Namespace, crawl: Any = None) -> Any:
    """The :class:`~monitor.schedule.MonthlyJob` the command runs, from settings and options."""
    from alliance_portal.registry.settings import check_for_sending
    from monitor.backups import prepare_database
    from monitor.schedule.job import MonthlyJob
    from monitor.store import Store

    settings = settings_for(args).override(
        schedule={"cron": args.cron or None, "timezone": args.timezone or None}
    )
    if settings.schedule.notify == "send":
        check_for_sending(settings.smtp)  # fail at start-up, not a month later
    # A damaged or lost database stops the scheduler at start; each run backs it up first.
    prepare_database(settings.paths.db, reports_dir=settings.paths.reports, backup=False)
    store = Store(settings.paths.db)
    # the form's state (its link secret) is in [paths] var (or --var): never guessed
    links = update_links(settings.paths.var, settings.form.public_url)

    def after_crawl(month: str) -> None:
        written = write_month_with_registry(store, month, settings)
        log.info("report written to %s", written.folder / INDEX_FILE)
        if settings.schedule.notify != "off":
            plan, result = publish_notices(
                store,
                month,
                settings,
                send=settings.schedule.notify == "send",
                alliances=written.alliances,
                update_link=links,
            )
            log.info(
                "notices: %d to send, %d without contact e-mail%s",
                len(plan.sendable),
                len(plan.missing_contact),
                f", sent {len(result.sent)}" if result else " (drafts)",
            )

    return MonthlyJob(store=store, settings=settings, crawl=crawl, after_crawl=after_crawl)


def reminder_jobs(args: argparse.Namespace, job: Any) -> list[tuple[str, Any, Any]]:
    """The form's daily deadline reminders, run by the same scheduler as the crawl.

    Only where the form is in use (its state is in ``[paths] var``); they follow ``[schedule]
    notify``: ``send`` e-mails them, ``draft`` writes drafts, ``off`` sends none.
    """
    from apscheduler.triggers.cron import CronTrigger

    from alliance_portal.commands.reminder_wiring import (
        REMINDER_CRON,
        reminder_job,
        reminder_service,
    )
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.mailer import MailSettings
    from alliance_portal.registry.site_settings import office_industries as site_industries

    settings = job.settings
    var = settings.paths.var
    paths = IntakePaths(var)
    used = any(p.exists() for p in (paths.people, paths.link_versions, paths.deadlines))
    if settings.schedule.notify == "off" or not used:
        return []
    mail = (
        settings.smtp
        if settings.schedule.notify == "send"
        else MailSettings()  # no server: drafts, recorded once
    )
    # Every path from the settings ([paths] banners, site_settings), none guessed from another.
    pelicanconf = settings.paths.site_settings
    industries, notice = site_industries(settings.portal.industries, pelicanconf)
    if notice is not None:
        note_once(notice)
    service = reminder_service(
        content=settings.paths.content,
        banners=settings.paths.banners,
        var=var,
        settings_file=pelicanconf if pelicanconf.exists() else None,
        industries=industries,
        mail=mail,
        public_url=settings.form.public_url,  # --public-url, else [form] public_url
    )
    trigger = CronTrigger.from_crontab(REMINDER_CRON, timezone=settings.schedule.tz)
    return [("deadline-reminders", trigger, reminder_job(service))]


def run_schedule(args: argparse.Namespace) -> int:
    from monitor.schedule.runner import MonthlyScheduler, run_once

    job = build_job(args)
    extra = reminder_jobs(args, job)
    if args.once:
        outcome = run_once(job)
        for _name, _trigger, remind in extra:
            remind()
        detail = f" (run {outcome.run_id})" if outcome.run_id else ""
        print(
            f"{outcome.action}: {outcome.month or '-'}{detail}{' ' + outcome.error if outcome.error else ''}"
        )
        return EXIT_FAILED if outcome.action == "failed" else 0
    MonthlyScheduler(job, catch_up=not args.no_catch_up, extra_jobs=extra).run(install_signals=True)
    return 0

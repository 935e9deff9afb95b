"""``alliance crawl``: check every active alliance's website now and store the results.

Exit status: 0 when the crawl ran (whatever the sites' results), 1 when the monitor database
is damaged, or missing where the project has crawled before (nothing is crawled or written),
2 for bad input (an unknown ``--only`` slug, a bad date, no registry, a bad settings file),
130 when interrupted (the run stays resumable).
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from alliance_portal.commands.options import office_industries
from alliance_portal.registry.settings import ALLOW_PRIVATE_ENV, CrawlSettings, PathSettings

if TYPE_CHECKING:
    from alliance_portal.registry.settings import MonitorSettings
    from monitor.store import Store

#: What the help texts say when an option is not given (the settings module's defaults).
_PATHS, _CRAWL = PathSettings(), CrawlSettings()

log = logging.getLogger(__name__)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write YYYY-MM-DD") from None


def _positive(kind: type) -> object:
    def parse(value: str) -> object:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{value!r} must be greater than 0")
        return number

    return parse


def _non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return number


def register(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser(
        "crawl",
        help="check every active alliance's website (loads, credit, updates) and store results",
        description=(
            "Fetch each active alliance's homepage, judge it against the office's rules "
            "(RULES.md) and store one result per alliance in the monitor database as soon as "
            "it is judged. After a finished run the month's reports are written."
        ),
    )
    crawl.add_argument(
        "--content",
        type=Path,
        default=None,
        help=f"registry folder (default: [paths] content of alliance.toml, else {_PATHS.content}/)",
    )
    crawl.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"monitor database (default: [paths] db, else {_PATHS.db})",
    )
    crawl.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the results as JSON here",
    )
    crawl.add_argument(
        "--reports",
        type=Path,
        default=None,
        help=f"reports folder (default: [paths] reports, else {_PATHS.reports}/)",
    )
    crawl.add_argument(
        "--today",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="reference date (default: today)",
    )
    crawl.add_argument(
        "--timeout",
        type=_positive(float),
        default=None,
        metavar="S",
        help=f"seconds per page (default: [crawl] timeout, else {_CRAWL.timeout:g})",
    )
    crawl.add_argument(
        "--retries",
        type=_non_negative_int,
        default=None,
        metavar="N",
        help=f"retries of transient errors (default: [crawl] retries, else {_CRAWL.retries})",
    )
    crawl.add_argument(
        "--concurrency",
        type=_positive(int),
        default=None,
        metavar="N",
        help=f"sites checked in parallel (default: [crawl] concurrency, else {_CRAWL.concurrency})",
    )
    crawl.add_argument(
        "--render-pool",
        type=_positive(int),
        default=None,
        metavar="N",
        help="pages the one headless Chromium renders at once"
        f" (default: [crawl] render_pool, else {_CRAWL.render_pool}; each open page costs"
        " about 35-50 MB)",
    )
    crawl.add_argument(
        "--render-timeout",
        type=_positive(float),
        default=None,
        metavar="SECONDS",
        help="the browser's budget for loading one page, apart from --timeout (default:"
        f" [crawl] render_timeout, else {_CRAWL.render_timeout:g}; a timed-out page is tried"
        " once more, then judged on its static HTML)",
    )
    crawl.add_argument("--only", nargs="+", metavar="SLUG", help="check only these alliances")
    crawl.add_argument(
        "--allow-private",
        action="store_true",
        default=None,
        help="allow private/loopback addresses (tests, intranets; or [crawl] allow_private ="
        f" true, or {ALLOW_PRIVATE_ENV}=1)",
    )
    crawl.add_argument(
        "--resume",
        action="store_true",
        help="finish this month's interrupted crawl instead of starting anew",
    )
    crawl.add_argument(
        "--config",
        type=Path,
        default=None,
        help="settings file: [paths], [crawl] and [schedule] (the reports' next check date);"
        " default $ALLIANCE_MONITOR_CONFIG, or ./alliance.toml when it exists",
    )
    crawl.add_argument(
        "--screenshots",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="store a picture of every homepage with the deciding evidence outlined (needs"
        " Chromium; on by default, failing sites too; --no-screenshots to skip)",
    )
    crawl.add_argument(
        "--fresh-db",
        action="store_true",
        help="start a new monitor database although earlier reports or backups exist "
        "(the stored history starts over; normally restore a backup instead)",
    )
    crawl.set_defaults(func=run)


def settings_for(args: argparse.Namespace) -> MonitorSettings:
    """The settings file's [paths] and [crawl] (and the environment), the command line on top."""
    from alliance_portal.commands.options import office_settings

    return office_settings(args.config).override(
        paths={"content": args.content, "db": args.db, "reports": args.reports},
        crawl={
            "allow_private": args.allow_private,
            "timeout": args.timeout,
            "retries": args.retries,
            "concurrency": args.concurrency,
            "render_pool": args.render_pool,
            "render_timeout": args.render_timeout,
        },
    )


def run(args: argparse.Namespace) -> int:
    from monitor.backups import prepare_database
    from monitor.crawl import run_crawl
    from monitor.store import Store

    # Errors (bad settings exit 2, a damaged database 1, a crawl that cannot start 2) are
    # turned into one line and an exit code by alliance_portal.cli.main.
    # Read before crawling: a typo in the settings must not cost a whole crawl.
    settings = settings_for(args)
    today = args.today or date.today()
    # Before any work: refuse a damaged or lost database, then keep a backup.
    backup = prepare_database(
        settings.paths.db, reports_dir=settings.paths.reports, fresh=args.fresh_db
    )
    if backup is not None:
        log.info("monitor database backed up to %s", backup)
    run_id = run_crawl(
        paths=settings.paths,
        settings=settings.crawl,
        today=today,
        resume=args.resume,
        only=args.only,
        json_path=args.json,
        progress=sys.stderr.isatty(),
        screenshots=args.screenshots,
        industries=office_industries(args, settings),
    )
    store = Store(settings.paths.db)
    run_record = store.run(run_id)
    assert run_record is not None
    results = store.results(run_id)
    print_summary(results, run_id=run_id, month=run_record.month)
    if args.json:
        print(f"JSON report: {args.json}")
    if run_record.finished:
        write_reports(store, run_record.month, settings)
    store.close()
    return 0


def print_summary(results: list, *, run_id: int, month: str) -> None:  # type: ignore[type-arg]
    """A table of every site's statuses and the totals (plain text when not on a terminal)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=f"Crawl run {run_id} ({month})")
    for column in ("alliance", "loads", "credit", "updates", "overall", "note"):
        table.add_column(column)
    colour = {"pass": "green", "warn": "yellow", "fail": "red"}
    for r in results:
        worst_check = next(
            (
                c
                for c in (r.loads, r.credit, r.updates)
                if c.status == r.overall and c.status != "pass"
            ),
            None,
        )
        note = worst_check.message.en if worst_check is not None else ""
        table.add_row(
            r.slug,
            *(
                f"[{colour[s]}]{s}[/]"
                for s in (r.loads.status, r.credit.status, r.updates.status, r.overall)
            ),
            note[:60],
        )
    console.print(table)
    totals = {s: sum(1 for r in results if r.overall == s) for s in ("pass", "warn", "fail")}
    console.print(
        f"{len(results)} sites: {totals['pass']} pass, {totals['warn']} warn, {totals['fail']} fail"
    )


def write_reports(store: Store, month: str, settings: MonitorSettings) -> None:
    """The month's report files, with the registry's names and the configured next check."""
    from alliance_portal.commands.reports import write_month_with_registry

    written = write_month_with_registry(store, month, settings)
    print(f"reports: {written.folder}")

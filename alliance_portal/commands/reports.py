"""``alliance report`` and ``alliance notify`` (``alliance schedule`` is in :mod:`.schedule`).

Settings come from :func:`alliance_portal.commands.options.office_settings` (defaults, ``alliance.toml``, the
environment) with the command line on top (:func:`settings_for`). See docs/operations.md.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alliance_portal.commands.options import office_settings
from alliance_portal.commands.update_links import PiLinks
from alliance_portal.registry.errors import EXIT_FAILED
from alliance_portal.registry.report_contract import INDEX_FILE, NOTICES_DIR
from alliance_portal.registry.settings import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    ConfigError,
    MonitorSettings,
    check_for_sending,
)
from monitor.schedule.calendar import next_check_after_month

log = logging.getLogger(__name__)

#: Exit codes: 0 done, 1 something failed (a send, a crawl), 2 bad settings or input; errors
#: are turned into their exit code once, in :func:`alliance_portal.cli.main`.


def common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"settings file (default: ${CONFIG_ENV} or ./{DEFAULT_CONFIG} when it exists)",
    )
    parser.add_argument(
        "--db", type=Path, default=None, help="monitor database (default var/monitor.sqlite3)"
    )
    parser.add_argument(
        "--content", type=Path, default=None, help="registry folder (default content/)"
    )
    parser.add_argument(
        "--reports", type=Path, default=None, help="reports folder (default reports/)"
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report",
        help="rebuild a month's report files (index.html, CSV, XLSX, JSON, snapshots)",
        description="Rebuild reports/<YYYY-MM>/ from the monitor database.",
    )
    report.add_argument("--month", help="YYYY-MM (default: the newest month with a finished crawl)")
    common_options(report)
    report.set_defaults(func=run_report)

    notify = sub.add_parser(
        "notify",
        help="e-mail alliances whose website has a warn or fail (dry run unless --send)",
        description="Without --send, writes the e-mails as .eml files into reports/<YYYY-MM>/notices/.",
    )
    notify.add_argument("--month", help="YYYY-MM (default: the newest month with a finished crawl)")
    notify.add_argument(
        "--send", action="store_true", help="really send over SMTP (each alliance once a month)"
    )
    notify.add_argument("--only", nargs="+", metavar="SLUG", help="only these alliances")
    notify.add_argument(
        "--resend",
        nargs="+",
        metavar="SLUG",
        default=[],
        help="send these again although already recorded as sent (use after checking the outbox)",
    )
    common_options(notify)
    notify.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the upload form's public address: each notice then carries the PI's personal link"
        " (needs the form's secret in --var; default: [form] public_url)",
    )
    notify.add_argument(
        "--var",
        type=Path,
        default=None,
        metavar="DIR",
        help="the form's state folder (default: [paths] var, else var/)",
    )
    notify.set_defaults(func=run_notify)


# -- shared helpers ---------------------------------------------------------------------------


def settings_for(args: argparse.Namespace) -> MonitorSettings:
    """The settings file and the environment (:mod:`alliance_portal.registry.settings`), the command line on top.

    Only options the command has and the office gave count (``None`` is "not given").
    """
    return office_settings(args.config).override(
        paths={
            "db": args.db,
            "content": args.content,
            "reports": args.reports,
            "var": getattr(args, "var", None),
            "banners": getattr(args, "banners", None),
        },
        crawl={"allow_private": True if getattr(args, "allow_private", None) else None},
        form={"public_url": getattr(args, "public_url", None) or None},
    )


def _open_store(paths: Any) -> Any:
    """The monitor database of ``paths`` (PathSettings), checked: damaged or lost is an error."""
    from monitor.backups import prepare_database
    from monitor.store import Store

    prepare_database(paths.db, reports_dir=paths.reports, backup=False)
    if not paths.db.exists() or paths.db.stat().st_size == 0:
        raise ConfigError(
            f"monitor database {paths.db} not found; run `alliance crawl` first, or pass --db"
        )
    return Store(paths.db)


def _month(args: argparse.Namespace, store: Any) -> str:
    from monitor.reports.month import check_month

    if args.month:
        return check_month(args.month)
    months = store.months()
    if not months:
        raise ConfigError(f"{store.path} has no finished crawl yet; run `alliance crawl` first")
    return str(months[-1])


def _alliances(settings: MonitorSettings) -> dict[str, Any]:
    from alliance_portal.registry.site_settings import office_industries
    from monitor.reports.month import load_alliances

    paths = settings.paths
    content_dir = paths.content
    if not (content_dir / "alliances").is_dir():
        log.warning("no registry at %s: names and contact addresses are not available", content_dir)
        return {}
    industries, _notice = office_industries(settings.portal.industries, paths.site_settings)
    return load_alliances(content_dir, industries)


@dataclass(frozen=True, slots=True)
class WrittenReports:
    """What :func:`write_month_with_registry` wrote, for the caller's summary and notices."""

    folder: Path  # reports/<YYYY-MM>/
    report: Any  # the MonthReport the files were rendered from
    alliances: Mapping[str, Any]  # the registry's profiles by slug (empty without a registry)


def write_month_with_registry(store: Any, month: str, settings: MonitorSettings) -> WrittenReports:
    """Write ``month``'s report files the way every command should: into ``[paths] reports``,
    with the registry's names, English names and contacts (``[paths] content``), and the next
    check date of the configured schedule.

    ``alliance crawl``, ``alliance report``, the scheduler's job and the demo all call this, so a
    report never depends on which of them wrote it last.
    """
    from monitor.reports.files import write_report_files
    from monitor.reports.month import build_month_report

    alliances = _alliances(settings)
    report = build_month_report(
        store,
        month,
        alliances=alliances,
        next_check=next_check_after_month(settings.schedule, month),
    )
    folder = write_report_files(store, report, settings.paths.reports)
    return WrittenReports(folder, report, alliances)


def _summary_line(report: Any) -> str:
    c = report.summary.counts["overall"]
    text = (
        f"{report.month}: {report.summary.total} alliances, pass {c['pass']}, warn {c['warn']},"
        f" fail {c['fail']}"
    )
    if report.newly_failing:
        text += "; newly failing: " + ", ".join(r.slug for r in report.newly_failing)
    if report.recovered:
        text += "; recovered: " + ", ".join(r.slug for r in report.recovered)
    return text


# -- report -----------------------------------------------------------------------------------


def run_report(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    store = _open_store(settings.paths)
    month = _month(args, store)
    written = write_month_with_registry(store, month, settings)
    print(_summary_line(written.report))
    print(f"report written to {written.folder / INDEX_FILE}")
    return 0


# -- notify -----------------------------------------------------------------------------------


def _print_plan(plan: Any) -> None:
    if plan.missing_contact:
        print(
            f"NO CONTACT E-MAIL ({len(plan.missing_contact)}): these alliances need a notice but"
            " have no contact_email in their profile:"
        )
        for notice in plan.missing_contact:
            checks = ", ".join(f"{p.label.en} {p.status.en}" for p in notice.problems)
            print(f"  {notice.slug}  {notice.name}  ({checks})")


def publish_notices(
    store: Any,
    month: str,
    settings: MonitorSettings,
    *,
    send: bool,
    only: list[str] | None = None,
    resend: list[str] | None = None,
    alliances: Mapping[str, Any] | None = None,
    update_link: PiLinks | None = None,
) -> tuple[Any, Any]:
    """Plan the month's notices, then write drafts or send. Returns (plan, send result or None).

    ``update_link`` gives the PI's link for a notice to the PI's own address (see
    :class:`~alliance_portal.commands.update_links.PiLinks`); a sent notice that carried it is
    recorded as a link sent to the PI."""
    from monitor.notices.compose import plan_notices, write_drafts
    from monitor.notices.send import send_notices
    from monitor.reports.month import build_month_report
    from monitor.schedule.calendar import next_check_from

    schedule, smtp = settings.schedule, settings.smtp
    if alliances is None:
        alliances = _alliances(settings)
    report = build_month_report(
        store, month, alliances=alliances, next_check=next_check_after_month(schedule, month)
    )
    now = datetime.now(schedule.tz)
    after_month = report.next_check
    upcoming = next_check_from(schedule, now)
    next_check = max(d for d in (after_month, upcoming) if d) if (after_month or upcoming) else None
    plan = plan_notices(
        report,
        alliances,
        sender=smtp.sender,
        reply_to=smtp.reply_to,
        next_check=next_check,
        only=only,
        update_link=update_link,
        contact=settings.form.office_contact,
    )
    if not send:
        write_drafts(plan, settings.paths.reports / month)
        return plan, None
    result = send_notices(plan, store, smtp, resend=resend or [])
    if update_link is not None:
        carried = {n.slug for n in plan.notices if n.update_link}
        update_link.mark_sent(s for s in result.sent if s in carried)
    return plan, result


def update_links(var: Path, public_url: str) -> PiLinks | None:
    """The PI's personal link for a notice to the PI, when ``public_url`` names the form
    (whose secret is in ``var``); None without an address (never a guessed one)."""
    if not public_url:
        return None
    from alliance_portal.commands.update_links import link_maker
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.secret_key import SecretError, load_secret

    try:
        secret = load_secret(IntakePaths(var).secret_file)
    except SecretError as exc:
        raise ConfigError(f"--public-url needs the upload form's secret: {exc}") from None
    return link_maker(var, secret, public_url)


def run_notify(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if args.send:
        check_for_sending(settings.smtp)
    store = _open_store(settings.paths)
    month = _month(args, store)
    plan, result = publish_notices(
        store,
        month,
        settings,
        send=args.send,
        only=args.only,
        resend=args.resend,
        update_link=update_links(settings.paths.var, settings.form.public_url),
    )
    if result is None:
        folder = settings.paths.reports / month / NOTICES_DIR
        print(
            f"dry run: {len(plan.sendable)} notice(s) written to {folder}/ (nothing sent; add --send)"
        )
        for notice in plan.sendable:
            print(f"  {notice.slug}.eml  to {notice.recipient}")
        _print_plan(plan)
        return 0
    print(f"sent {len(result.sent)} notice(s) for {month}")
    for slug in result.sent:
        print(f"  sent            {slug}")
    for slug in result.already_sent:
        print(f"  already sent    {slug} (not sent again)")
    for slug in result.uncertain:
        print(
            f"  UNCERTAIN       {slug}: a previous run stopped while sending; check the outbox,"
            f" then `alliance notify --month {month} --send --resend {slug}` if it did not arrive"
        )
    for slug, why in result.failed.items():
        print(f"  FAILED          {slug}: {why}")
    _print_plan(plan)
    return EXIT_FAILED if result.failed else 0

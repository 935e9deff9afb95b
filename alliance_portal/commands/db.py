"""``alliance db ...``: check, back up and restore the monitor's database.

    alliance db check                 is the database whole? lists the backups
    alliance db backup                take a consistent backup now (the crawl takes one too)
    alliance db restore FILE          make a backup the database (the old file is kept aside)

The database is the only record of every month's results; docs/operations.md says step by
step what to do when it is damaged. Exit status: 0 fine, 1 damaged or failed, 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alliance_portal.commands.options import report_problem
from alliance_portal.registry.errors import EXIT_FAILED, AllianceError, UsageError

#: A damaged database, or one that could not be backed up or restored (other errors are
#: turned into their exit code by alliance_portal.cli.main).
EXIT_DAMAGED = EXIT_FAILED


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="settings file whose [paths] db names the database (default: ./alliance.toml, else ./monitor.toml)",
    )
    parser.add_argument(
        "--db", type=Path, default=None, help="monitor database (default var/monitor.sqlite3)"
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="check, back up and restore the monitor's database")
    dsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    check = dsub.add_parser("check", help="check the database is whole and list its backups")
    _paths(check)
    check.set_defaults(func=run_check)
    backup = dsub.add_parser("backup", help="take a consistent backup of the database now")
    _paths(backup)
    backup.set_defaults(func=run_backup)
    restore = dsub.add_parser(
        "restore", help="replace the database with a backup (the replaced file is kept aside)"
    )
    _paths(restore)
    restore.add_argument(
        "file", type=Path, metavar="FILE", help="a backup from `alliance db check`"
    )
    restore.set_defaults(func=run_restore)


def db_path(args: argparse.Namespace) -> Path:
    """``--db``, else ``[paths] db`` of the settings file, else var/monitor.sqlite3."""
    from alliance_portal.commands.options import office_settings

    return Path(office_settings(args.config).override(paths={"db": args.db}).paths.db)


def run_check(args: argparse.Namespace) -> int:
    from monitor.backups import list_backups
    from monitor.db_health import check_database, damaged_message, read_only

    path = db_path(args)
    health = check_database(path)
    backups = list_backups(path)
    if health.state == "damaged":
        # reported, not raised: the backups listed below are how to fix it
        report_problem(damaged_message(health, backups[-1] if backups else None))
    elif health.state in ("missing", "empty"):
        print(f"{path}: {health.state} (no crawl stored yet, or the file was lost)")
    else:
        db = read_only(path)
        try:
            runs, months = db.execute("SELECT COUNT(*), COUNT(DISTINCT month) FROM runs").fetchone()
            latest = db.execute("SELECT MAX(month) FROM runs").fetchone()[0]
        finally:
            db.close()
        print(f"{path}: ok ({runs} runs over {months} months, latest {latest or '-'})")
    if backups:
        print(f"{len(backups)} backup(s), newest last:")
        for backup in backups:
            print(f"  {backup}  ({backup.stat().st_size:,} bytes)")
    else:
        print("no backups yet (every crawl takes one; or run `alliance db backup`)")
    return EXIT_DAMAGED if health.state == "damaged" else 0


def run_backup(args: argparse.Namespace) -> int:
    from monitor.backups import KEEP_BACKUPS, backup_database

    path = db_path(args)
    made = backup_database(path)  # a DatabaseProblem exits 1 (cli.main)
    if made is None:
        print(f"{path}: nothing to back up (missing or empty)")
        return 0
    print(f"backup written: {made} (the newest {KEEP_BACKUPS} are kept)")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from monitor.db_locks import no_writers
    from monitor.restore import restore_database
    from monitor.schedule.lock import AlreadyRunning, instance_lock

    path = db_path(args)
    if not args.file.is_file():
        raise UsageError(f"{args.file} not found; `alliance db check` lists the backups")
    try:
        # never swap the file under a running scheduler, a crawl or a re-check
        with instance_lock(path), no_writers(path):
            kept = restore_database(args.file, path)
    except AlreadyRunning as exc:  # exit 1 (EXIT_DAMAGED): nothing was restored
        raise AllianceError(f"{exc}; stop the scheduler, then restore") from exc
    print(f"{path}: restored from {args.file}")
    if kept is not None:
        print(f"the replaced file is kept as {kept}")
    print("check it with `alliance db check`; rebuild a month's report with `alliance report`")
    return 0

"""Backups of the monitor database, and the check every command runs before touching it.

Before each crawl and each scheduled run a consistent copy is taken with SQLite's online
backup API (a plain file copy of a WAL database can miss committed pages or catch a half
written one) into ``<db folder>/backups/<db name>-<UTC time>.sqlite3``; the newest
:data:`KEEP_BACKUPS` are kept (a year of monthly crawls). ``alliance db restore FILE`` puts one
back (:mod:`monitor.restore`), keeping the file it replaces aside.

:func:`prepare_database` is the one call the crawl, schedule and report commands make at start:
it refuses a damaged database, and a missing or empty one where the project has crawled
before (unless the office asks for a fresh start), and takes the backup.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from monitor.db_health import (
    DatabaseDamaged,
    DatabaseMissing,
    Health,
    check_database,
    damaged_message,
    read_only,
)

#: Backups kept; older ones are removed after each new backup.
KEEP_BACKUPS = 12
BACKUP_FOLDER = "backups"
_STAMP = "%Y%m%dT%H%M%SZ"
_MONTH_DIR_RE = re.compile(r"^\d{4}-\d{2}$")
#: Upper bound on same-second suffixes (a loop must end).
MAX_SAME_SECOND = 100


def backups_dir(db_path: Path) -> Path:
    """``var/backups`` for ``var/monitor.sqlite3`` (absolute, so messages name it fully)."""
    return Path(os.path.abspath(db_path)).parent / BACKUP_FOLDER


def list_backups(db_path: Path) -> list[Path]:
    """Backups of ``db_path``, oldest first (the names sort by time)."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"^{re.escape(db_path.stem)}-\d{{8}}T\d{{6}}Z(?:-\d+)?\.sqlite3$")
    return sorted(p for p in folder.iterdir() if pattern.match(p.name))


def newest_backup(db_path: Path) -> Path | None:
    found = list_backups(db_path)
    return found[-1] if found else None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_consistently(source: Path, target: Path) -> None:
    """``source`` into a new ``target`` with the online backup API, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        src = read_only(source)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def backup_database(
    db_path: Path, *, keep: int = KEEP_BACKUPS, now: datetime | None = None
) -> Path | None:
    """Take a consistent backup of ``db_path``; returns it (None when there is nothing yet).

    A damaged database is never backed up: rotating it in would push out a good copy.
    """
    health = check_database(db_path)
    if health.state in ("missing", "empty"):
        return None
    if health.state == "damaged":
        raise DatabaseDamaged(damaged_message(health, newest_backup(db_path)))
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(_STAMP)
    folder = backups_dir(db_path)
    for n in range(MAX_SAME_SECOND):
        target = folder / f"{db_path.stem}-{stamp}{f'-{n}' if n else ''}.sqlite3"
        if not target.exists():
            break
    else:
        raise FileExistsError(f"{folder}: {MAX_SAME_SECOND} backups already taken at {stamp}")
    _copy_consistently(db_path, target)
    for old in list_backups(db_path)[: max(0, len(list_backups(db_path)) - keep)]:
        old.unlink(missing_ok=True)
    return target


def crawled_before(db_path: Path, reports_dir: Path) -> list[str]:
    """Signs that this project has crawled before: report months and backups."""
    signs: list[str] = []
    if reports_dir.is_dir():
        months = sorted(p.name for p in reports_dir.iterdir() if _MONTH_DIR_RE.match(p.name))
        if months:
            signs.append(f"reports for {months[0]}..{months[-1]} in {reports_dir}")
    backups = list_backups(db_path)
    if backups:
        signs.append(f"{len(backups)} backup(s) in {backups_dir(db_path)}")
    return signs


def prepare_database(
    db_path: Path, *, reports_dir: Path, fresh: bool = False, backup: bool = True
) -> Path | None:
    """What the crawl, schedule and report commands call before they open the database.

    Raises :class:`DatabaseDamaged` for a damaged file, :class:`DatabaseMissing` for a missing
    or empty one where the project has crawled before (unless ``fresh``: the office asked
    to start a new history). With ``backup``, takes a backup and returns it.
    """
    health: Health = check_database(db_path)
    if health.state == "damaged":
        raise DatabaseDamaged(damaged_message(health, newest_backup(db_path)))
    if health.state in ("missing", "empty") and not fresh:
        signs = crawled_before(db_path, reports_dir)
        if signs:
            what = "missing" if health.state == "missing" else "empty (0 bytes)"
            newest = newest_backup(db_path)
            way_back = (
                f"restore the newest backup with `alliance db restore {newest}`"
                if newest
                else "put the database back from your own copy"
            )
            raise DatabaseMissing(
                f"the monitor database {health.path} is {what}, but this project has crawled "
                f"before ({'; '.join(signs)}); a new database would lose that history and "
                f"overwrite the month's reports. {way_back[0].upper()}{way_back[1:]}, or pass "
                "--fresh-db to start a new history on purpose"
            )
    return backup_database(db_path) if backup else None

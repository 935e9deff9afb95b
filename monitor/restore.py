"""``alliance db restore``: put a backup back as the monitor database, after checking it fits.

Apart from :mod:`monitor.backups` because checking a backup's schema needs the schema
(:mod:`monitor.store`), and the store itself uses the backups module to name the newest backup.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from monitor.backups import _STAMP, _copy_consistently, _fsync_dir
from monitor.db_health import DatabaseDamaged, DatabaseProblem, check_database, read_only
from monitor.store import schema_problem


class DatabaseUnfit(DatabaseProblem):
    """A whole SQLite file that is not a monitor database this version can use."""


def restore_database(backup: Path, db_path: Path, *, now: datetime | None = None) -> Path | None:
    """Make ``backup`` the monitor database; returns where the replaced file was kept.

    The backup is checked first: a damaged file, or one that is not a monitor database this
    version can open (another SQLite file such as the form's sessions, a newer schema, a table
    without its columns), is refused before anything is touched. The replaced database and its
    ``-wal``/``-shm`` files are renamed to ``<name>.replaced-<UTC time>`` rather than deleted:
    the office may still want to hand a damaged file to someone who can recover more from it.
    Call it holding the writers' lock (:func:`monitor.db_locks.no_writers`): the command does,
    so a crawl is never split between two files; stop the scheduler first (its lock too).
    """
    health = check_database(backup)
    if not health.ok:
        detail = f" ({health.detail})" if health.detail else ""
        raise DatabaseDamaged(
            f"the backup {backup} is {health.state}{detail}; choose another one "
            f"(`alliance db check` lists them)"
        )
    reader = read_only(backup)
    try:
        problem = schema_problem(reader)
    finally:
        reader.close()
    if problem is not None:
        raise DatabaseUnfit(
            f"{backup} cannot be restored as the monitor database: {problem}; nothing was"
            " replaced. Choose a backup of the monitor database (`alliance db check` lists them)"
        )
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(_STAMP)
    kept: Path | None = None
    staged = db_path.with_name(f".{db_path.name}.restore.tmp")
    _copy_consistently(backup, staged)
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
        os.replace(db_path, kept)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            # A WAL left beside the restored file would be replayed into it: keep it aside.
            # Beside the kept file under its matching name, it still belongs to that file.
            aside = Path(f"{kept}{suffix}") if kept else Path(f"{side}.replaced-{stamp}")
            os.replace(side, aside)
    os.replace(staged, db_path)
    _fsync_dir(db_path.parent)
    return kept

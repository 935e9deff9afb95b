"""Is the monitor's database whole? A quick integrity check before any work touches it.

The database is the only record of every month's results, so a damaged file must stop every
command at once, with one line that names the file and the way back (a backup), and nothing
may be written into it: SQLite happily appends to a file whose old pages are garbage, and a
crawl that commits first and crashes later buries the damage under new rows.

``PRAGMA quick_check`` reads every page of every b-tree (it skips only the slow index/table
cross-checks of ``integrity_check``), on a read-only connection, so checking never writes.

Exceptions::

    DatabaseProblem        the database cannot be used as it is (one line for the user)
     ├── DatabaseDamaged   the file is not a whole SQLite database
     └── DatabaseMissing   missing or empty although the project has crawled before
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alliance_portal.registry.errors import AllianceError

#: How many of quick_check's complaints the message quotes.
SHOWN_FINDINGS = 2

State = Literal["ok", "missing", "empty", "damaged"]


class DatabaseProblem(AllianceError):
    """The monitor database cannot be used as it is; the message is one line for the office."""


class DatabaseDamaged(DatabaseProblem):
    """The file is not a whole SQLite database."""


class DatabaseMissing(DatabaseProblem):
    """The file is missing or empty where the project has crawled before."""


@dataclass(frozen=True, slots=True)
class Health:
    """What :func:`check_database` found. ``detail`` is SQLite's own words when damaged."""

    path: Path
    state: State
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write to ``path`` (and never creates it)."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)


def check_database(path: Path) -> Health:
    """Check ``path`` without writing to it: missing, empty (0 bytes), damaged or ok.

    The path is made absolute so every message names the file unmistakably.
    """
    path = Path(os.path.abspath(path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return Health(path, "missing")
    if size == 0:
        return Health(path, "empty")
    try:
        db = read_only(path)
        try:
            rows = [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed", ...
        return Health(path, "damaged", str(exc))
    if rows != ["ok"]:
        shown = "; ".join(" ".join(r.split()) for r in rows[:SHOWN_FINDINGS])
        more = f" (+{len(rows) - SHOWN_FINDINGS} more)" if len(rows) > SHOWN_FINDINGS else ""
        return Health(path, "damaged", shown + more)
    return Health(path, "ok")


def damaged_message(health: Health, newest_backup: Path | None) -> str:
    """One line: which file is damaged, that nothing was written, and how to get back."""
    if newest_backup is not None:
        way_back = (
            f"restore the newest backup with `alliance db restore {newest_backup}` "
            "(the damaged file is kept aside)"
        )
    else:
        way_back = (
            "no backup was found; see 'When the monitor database is damaged' in docs/operations.md"
        )
    return (
        f"the monitor database {health.path} is damaged ({health.detail}); nothing was written "
        f"to it. {way_back[0].upper()}{way_back[1:]}"
    )


class _WholeFiles:
    """Database files found whole, each with its identity and last change when checked.

    Why: the office console opens the database on many requests, and ``quick_check`` reads
    every page; a file unchanged since it was found whole (same device, inode, size and
    modification time) need not be read again. Any write, truncation or replacement changes
    the stamp, so the next open checks again. Bounded, and guarded by a lock for waitress's
    threads.
    """

    LIMIT = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, int, int, int]] = {}

    @staticmethod
    def stamp(path: Path) -> tuple[int, int, int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def known(self, path: Path, stamp: tuple[int, int, int, int] | None) -> bool:
        with self._lock:
            return stamp is not None and self._seen.get(str(path)) == stamp

    def add(self, path: Path, stamp: tuple[int, int, int, int] | None) -> None:
        if stamp is None:
            return
        with self._lock:
            if len(self._seen) >= self.LIMIT:
                self._seen.clear()
            self._seen[str(path)] = stamp


_WHOLE = _WholeFiles()


def ensure_whole(path: Path, newest_backup: Path | None = None) -> Health:
    """Raise :class:`DatabaseDamaged` unless ``path`` is missing, empty or whole.

    A file found whole and unchanged since is not read again (see :class:`_WholeFiles`).
    """
    absolute = Path(os.path.abspath(path))
    before = _WHOLE.stamp(absolute)
    if _WHOLE.known(absolute, before):
        return Health(absolute, "ok")
    health = check_database(absolute)
    if health.state == "damaged":
        raise DatabaseDamaged(damaged_message(health, newest_backup))
    if health.ok and _WHOLE.stamp(absolute) == before:
        _WHOLE.add(absolute, before)
    return health

"""One scheduler per database: an OS file lock beside it (``<db>.schedule.lock``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alliance_portal.registry.errors import AllianceError


class AlreadyRunning(AllianceError, RuntimeError):
    """Another scheduler (or ``--once``) holds the lock for this database."""


@contextmanager
def instance_lock(db_path: Path) -> Iterator[Path]:
    """Hold an exclusive lock next to the database for as long as the scheduler runs.

    An OS file lock (flock) is released by the kernel when the process dies, so a crash never
    leaves a stale lock behind.
    """
    import fcntl

    lock_path = Path(f"{db_path}.schedule.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise AlreadyRunning(
                f"another scheduler is already running for {db_path} (pid {holder}, lock {lock_path});"
                " stop it first, or use a different --db"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield lock_path
    finally:
        os.close(fd)

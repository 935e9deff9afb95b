"""OS file locks beside the monitor database: who is writing, and which runs are still alive.

Two questions need an answer that survives a SIGKILL, and ``flock`` gives one (the kernel
releases the lock when the holder dies, so nothing stale is ever left behind):

* **Is anyone writing?** Every crawl holds :func:`writing` (a shared lock on
  ``<db>.writers.lock``) from start to end; ``alliance db restore`` takes the same lock
  exclusively (:func:`no_writers`) and refuses while a crawl runs, so a restore never splits a
  crawl's results between two files.
* **Is this unfinished run still running?** A run's process holds :class:`RunOwner` on
  ``<db>.runs/<token>.lock`` (the token is stored in the run's row) while it crawls. A run whose
  lock can be taken has no living process: an interrupted re-check is then closed, and a month's
  crawl may be resumed; a run whose lock is held is left alone.

Why per-file ``flock`` and not ``fcntl`` record locks: record locks belong to the process, so a
process could not see its own other threads' runs as alive; ``flock`` locks belong to the open
file, so two threads of one process exclude each other like two processes do.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alliance_portal.registry.errors import AllianceError
from monitor.db_health import DatabaseProblem

#: A run's owner token (uuid4 hex): the only thing put in a lock file's name.
TOKEN_RE = re.compile(r"[0-9a-f]{32}")


class DatabaseBusy(DatabaseProblem):
    """Another process is writing to the database (a crawl, a re-check); try again later."""


def writers_lock_path(db_path: Path) -> Path:
    return Path(f"{os.path.abspath(db_path)}.writers.lock")


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


@contextmanager
def writing(db_path: Path) -> Iterator[None]:
    """Hold the writers' shared lock for the ``with`` block (many writers, no restore)."""
    fd = _open(writers_lock_path(db_path))
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


@contextmanager
def no_writers(db_path: Path) -> Iterator[None]:
    """Hold the writers' lock exclusively, or raise :class:`DatabaseBusy` at once."""
    path = writers_lock_path(db_path)
    fd = _open(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseBusy(
                f"the monitor database {os.path.abspath(db_path)} is in use by a crawl or a"
                " re-check (it holds "
                f"{path}); wait until it has finished, or stop it, then try again"
            ) from None
        yield
    finally:
        os.close(fd)


def _run_lock_path(db_path: Path, token: str) -> Path:
    if not TOKEN_RE.fullmatch(token):
        raise ValueError(f"not a run owner token: {token!r}")
    return Path(f"{os.path.abspath(db_path)}.runs") / f"{token}.lock"


class RunOwner:
    """The lock a running crawl holds on its run; released by :meth:`release` or by death."""

    def __init__(self, db_path: Path, token: str) -> None:
        self.path = _run_lock_path(db_path, token)
        self.token = token
        self._fd: int | None = _open(self.path)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise RunAlive(token) from None

    def release(self, *, remove: bool = False) -> None:
        """Let go of the run (``remove``: it is over for good, forget its lock file)."""
        if self._fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


class RunAlive(AllianceError):
    """The run's process is still running (its lock is held)."""


def run_is_alive(db_path: Path, token: str | None) -> bool:
    """Whether a process still holds the run's lock (False for runs without a token)."""
    if not token or not TOKEN_RE.fullmatch(token):
        return False
    path = _run_lock_path(db_path, token)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def forget_run_lock(db_path: Path, token: str | None) -> None:
    """Remove the lock file of a run that is over (closed or finished by someone else)."""
    if token and TOKEN_RE.fullmatch(token):
        _run_lock_path(db_path, token).unlink(missing_ok=True)

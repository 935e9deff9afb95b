"""Atomic file writes: readers see the old or the new file, never a partial one.

Every write into the registry (profiles, banners, their history), the monitor's reports and the
form's secrets goes through :func:`atomic_write`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never a partial one.

    The file gets ``mode``; without it, the mode of the file it replaces, or 0644 for a new
    file (a temporary file is created 0600, and a profile or banner saved by the upload form
    must stay readable by whoever builds the portal). Secrets pass ``mode=0o600``, which is set
    before the file appears under its name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_temp_files(folder: Path, pattern: str = ".*.tmp") -> list[Path]:
    """Delete the temporary files an interrupted :func:`atomic_write` left in ``folder``.

    A save killed between writing its temporary file and renaming it (SIGKILL, power loss)
    leaves a hidden ``.<name>.<random>.tmp`` behind. Call this only while holding the lock
    that every writer of ``folder`` holds, or a live write could lose its file.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(pattern):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed

"""Keep the previous version of a profile or banner before it is replaced.

The office must be able to see and restore what an alliance (or a spreadsheet import) changed,
so every writer of the registry copies the current file aside first. One layout, shared by the
upload form and ``alliance import``::

    content/.history/<slug>/<UTC timestamp>.toml     previous profiles
    banners/.history/<slug>/<UTC timestamp>.png      previous banners

The timestamp is ``YYYYMMDDTHHMMSSZ`` (UTC, no colons, so it is a valid file name everywhere
and sorts by time); a second copy within the same second gets ``-1``, ``-2``... appended.
Copies are written to a temporary file and linked into place, so a copy is complete or absent
and an existing copy is never overwritten.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HISTORY_DIR_NAME = ".history"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: Upper bound on ``-N`` suffixes tried within one second (a loop must end).
MAX_SAME_SECOND = 1000

_VERSION_RE = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d+))?$")


def profile_history_dir(content_dir: Path, slug: str) -> Path:
    """``content/.history/<slug>``: where old versions of ``alliances/<slug>.toml`` go."""
    return content_dir / HISTORY_DIR_NAME / slug


def banner_history_dir(banners_dir: Path, slug: str) -> Path:
    """``banners/.history/<slug>``: where old versions of ``<slug>.png`` go."""
    return banners_dir / HISTORY_DIR_NAME / slug


def keep_previous_version(
    path: Path, history_dir: Path, *, now: datetime | None = None
) -> Path | None:
    """Copy ``path`` (if it exists) to ``history_dir/<UTC timestamp><suffix>``.

    Returns the copy's path, or None when there was no previous version. Call it right before
    replacing ``path``.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    history_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keep.", suffix=".tmp", dir=history_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        for n in range(MAX_SAME_SECOND):
            target = history_dir / f"{stamp}{f'-{n}' if n else ''}{path.suffix}"
            try:
                os.link(tmp, target)  # fails if target exists: never overwrite a kept copy
            except FileExistsError:
                continue
            return target
        raise FileExistsError(
            f"{history_dir}: {MAX_SAME_SECOND} copies of {path.name} already kept at {stamp}"
        )
    finally:
        Path(tmp).unlink(missing_ok=True)


def _version_order(path: Path) -> tuple[str, int, str]:
    """Sort key: timestamp, then the same-second counter; odd names keep a stable order."""
    match = _VERSION_RE.match(path.stem)
    if match is None:
        return ("", 0, path.name)
    return (match.group(1), int(match.group(2) or 0), path.name)


def list_versions(history_dir: Path, suffix: str) -> list[Path]:
    """Kept copies, oldest first."""
    if not history_dir.is_dir():
        return []
    return sorted(
        (p for p in history_dir.iterdir() if p.suffix == suffix and not p.name.startswith(".")),
        key=_version_order,
    )

"""The append-only audit log: who changed what, when, from where, with the file's hash.

One JSON object per line in ``var/intake-audit.jsonl``. Lines are only ever appended
(``O_APPEND`` under a lock, then fsync), so the log survives a crash mid-write with at most one
incomplete last line, which :func:`read_audit` skips.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change. ``actor`` is ``alliance:<slug>``, ``office`` or ``cli:<user>``.

    ``person`` names who of an alliance acted, ``pi:<e-mail>`` or ``assistant:<e-mail>``
    (empty for the office, the command line and entries written before people were recorded).
    """

    time: str
    actor: str
    action: str
    slug: str
    remote_addr: str = ""
    file: str = ""
    sha256: str = ""
    detail: str = ""
    person: str = ""


_FIELDS = frozenset(AuditEntry.__dataclass_fields__)


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(
        self,
        *,
        actor: str,
        action: str,
        slug: str,
        remote_addr: str = "",
        file: str = "",
        sha256: str = "",
        detail: str = "",
        person: str = "",
    ) -> AuditEntry:
        entry = AuditEntry(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            actor=actor,
            action=action,
            slug=slug,
            remote_addr=remote_addr,
            file=file,
            sha256=sha256,
            detail=detail,
            person=person,
        )
        line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        return entry

    def entries(self) -> Iterator[AuditEntry]:
        """Every complete entry, oldest first."""
        try:
            fh = self.path.open(encoding="utf-8")
        except FileNotFoundError:
            return
        with fh:
            for line in fh:
                try:
                    raw = json.loads(line)
                    yield AuditEntry(**{k: v for k, v in raw.items() if k in _FIELDS})
                except (ValueError, TypeError):
                    continue  # a torn last line after a crash

    def last_change_by_slug(self) -> dict[str, AuditEntry]:
        """The newest profile/banner change of each alliance (for the office overview)."""
        latest: dict[str, AuditEntry] = {}
        for entry in self.entries():
            if entry.action.startswith(("profile.", "banner.")):
                latest[entry.slug] = entry
        return latest

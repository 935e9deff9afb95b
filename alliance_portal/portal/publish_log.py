"""``var/publish-log.jsonl``: every publish, good or failed, one JSON line each.

The console shows the newest one ("last published ... by ...") and the newest good one (what
the public sees); the CLI and the console's button both append here
(:mod:`alliance_portal.portal.publish`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from alliance_portal.registry.locking import file_lock

LOG_NAME = "publish-log.jsonl"


@dataclass(frozen=True, slots=True)
class PublishEntry:
    """One line of the publish log."""

    time: str
    actor: str
    target: str
    ok: bool
    message: str = ""
    files: int = 0
    #: When this publish began building (ISO time, UTC; "" in entries written before it was
    #: kept): a change saved after it is not in this publication.
    started: str = ""


class PublishLog:
    """``var/publish-log.jsonl``: one line per publish, appended under a lock."""

    def __init__(self, var_dir: Path) -> None:
        self.path = Path(var_dir) / LOG_NAME
        self._lock = Path(var_dir) / f".{LOG_NAME}.lock"

    def record(
        self,
        *,
        actor: str,
        target: str,
        ok: bool,
        message: str = "",
        files: int = 0,
        started: str = "",
    ) -> PublishEntry:
        entry = PublishEntry(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            actor=actor,
            target=target,
            ok=ok,
            message=message,
            files=files,
            started=started,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self._lock), self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        return entry

    def entries(self) -> list[PublishEntry]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(PublishEntry(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a torn last line after a crash
        return out

    def last(self) -> PublishEntry | None:
        entries = self.entries()
        return entries[-1] if entries else None

    def last_good(self) -> PublishEntry | None:
        """The newest publish that succeeded: what the public sees now."""
        good = [entry for entry in self.entries() if entry.ok]
        return good[-1] if good else None

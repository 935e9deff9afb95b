"""Who may edit an alliance: its principal investigator (PI) and the assistants the PI adds.

The office's manual gives each alliance's PI (計畫主持人) an account; the PI then grants access
to assistants (設定助理). Here that is one record per person in ``var/intake-people.json``::

    {"smart-motor": [
        {"pid": "pi", "role": "pi", "email": "wang@example.edu.tw", ...},
        {"pid": "k3v9x2m4qa", "role": "assistant", "email": "lin@example.edu.tw", "version": 1,
         "added": "...", "added_by": "pi:wang@example.edu.tw", "removed": "", ...}]}

Each person signs in with their own personal link (see :mod:`.links`), so every change names
who made it. The PI's record has the fixed id ``pi``; the PI's link is the alliance's link of
earlier versions (its version is the alliance's link version), so links already sent keep
working and become the PI's. An assistant's link carries the assistant's id and version:
removing the assistant refuses their link and their open sessions at the next request.

The file is read fresh on every check (like the link versions) so that a removal from the
office's console or the command line takes effect in every server process at once. Writes
happen under a file lock and replace the file atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from alliance_portal.registry import clock
from alliance_portal.registry.errors import AllianceError
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.locking import file_lock

Role = Literal["pi", "assistant"]

#: The PI's fixed person id (assistants get a random one).
PI_ID = "pi"
#: How often "last used" is written for one person at most (it is read on every request).
LAST_USED_EVERY = dt.timedelta(minutes=10)
#: More assistants than this for one alliance is surely a mistake (or a script).
MAX_ASSISTANTS = 20

_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_PID_RE = re.compile(r"^[a-z0-9]{6,32}$")


class PeopleError(AllianceError):
    """A change to who has access that cannot be made; the message says why and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalise_email(text: str) -> str:
    """One spelling per address (trimmed, domain lower-cased), or :class:`PeopleError`."""
    email = text.strip()
    if not _EMAIL_RE.fullmatch(email):
        raise PeopleError(
            "bad-email",
            f"{text!r} is not an e-mail address; write it like name@example.edu.tw",
        )
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Person:
    """One person with access to one alliance. Times are UTC ISO strings ('' = never)."""

    slug: str
    pid: str
    role: Role
    email: str
    version: int = 1  # assistants only: raised to refuse earlier links of this person
    added: str = ""
    added_by: str = ""
    removed: str = ""
    removed_by: str = ""
    last_used: str = ""
    link_sent: str = ""  # when a link was last e-mailed (or written as a draft)

    @property
    def active(self) -> bool:
        return not self.removed

    @property
    def label(self) -> str:
        """How the audit log and the pages name this person: ``pi:wang@...`` or ``assistant:lin@...``."""
        return f"{self.role}:{self.email}" if self.email else self.role


def _from_raw(slug: str, raw: dict[str, object]) -> Person:
    role = raw.get("role")
    return Person(
        slug=slug,
        pid=str(raw.get("pid", "")),
        role="pi" if role == "pi" else "assistant",
        email=str(raw.get("email", "")),
        version=int(str(raw.get("version", 1))),
        added=str(raw.get("added", "")),
        added_by=str(raw.get("added_by", "")),
        removed=str(raw.get("removed", "")),
        removed_by=str(raw.get("removed_by", "")),
        last_used=str(raw.get("last_used", "")),
        link_sent=str(raw.get("link_sent", "")),
    )


class People:
    """Every alliance's people in one small JSON file (read fresh on every call)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = path.with_name(path.name + ".lock")

    # -- reading ---------------------------------------------------------------------------

    def _read(self) -> dict[str, list[Person]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RuntimeError(
                f"{self.path}: cannot read who has access ({exc}); restore it from a backup "
                "(without it, only the PIs' links work and assistants must be added again)"
            ) from exc
        try:
            return {slug: [_from_raw(slug, p) for p in people] for slug, people in raw.items()}
        except (TypeError, ValueError, AttributeError) as exc:
            raise RuntimeError(
                f"{self.path}: is not a people file ({exc}); restore it from a backup"
            ) from exc

    def _write(self, data: dict[str, list[Person]]) -> None:
        out = {
            slug: [{k: v for k, v in asdict(p).items() if k != "slug"} for p in people]
            for slug, people in sorted(data.items())
        }
        atomic_write(
            self.path, (json.dumps(out, indent=1, ensure_ascii=False) + "\n").encode(), mode=0o600
        )

    def all(self) -> dict[str, list[Person]]:
        return self._read()

    def of(self, slug: str) -> list[Person]:
        """Everyone ever given access to ``slug`` (removed assistants too), PI first."""
        people = self._read().get(slug, [])
        return sorted(people, key=lambda p: (p.role != "pi", p.added, p.email))

    def get(self, slug: str, pid: str) -> Person | None:
        return next((p for p in self._read().get(slug, []) if p.pid == pid), None)

    def pi(self, slug: str) -> Person | None:
        return self.get(slug, PI_ID)

    def assistants(self, slug: str, *, include_removed: bool = False) -> list[Person]:
        return [p for p in self.of(slug) if p.role == "assistant" and (include_removed or p.active)]

    # -- changing --------------------------------------------------------------------------

    def _change(self, slug: str, pid: str, **changes: object) -> Person:
        with file_lock(self._lock):
            data = self._read()
            people = data.get(slug, [])
            for i, person in enumerate(people):
                if person.pid == pid:
                    people[i] = replace(person, **changes)  # type: ignore[arg-type]
                    self._write(data)
                    return people[i]
        raise PeopleError("unknown", f"{slug}: nobody with id {pid!r} has access")

    def set_pi(self, slug: str, email: str, *, by: str) -> Person:
        """Record (or change) the PI's e-mail address. The PI's links stay valid."""
        address = normalise_email(email)
        with file_lock(self._lock):
            data = self._read()
            people = data.setdefault(slug, [])
            for i, person in enumerate(people):
                if person.pid == PI_ID:
                    people[i] = replace(person, email=address)
                    self._write(data)
                    return people[i]
            pi = Person(slug, PI_ID, "pi", address, added=now_iso(), added_by=by)
            people.append(pi)
            self._write(data)
            return pi

    def add_assistant(self, slug: str, email: str, *, by: str) -> Person:
        """Give an assistant access; adding a removed assistant again gives a fresh link version."""
        address = normalise_email(email)
        with file_lock(self._lock):
            data = self._read()
            people = data.setdefault(slug, [])
            if any(p.role == "pi" and p.email.lower() == address.lower() for p in people):
                raise PeopleError(
                    "is-pi", f"{address} is the PI's address; the PI already has access"
                )
            for i, person in enumerate(people):
                if person.role == "assistant" and person.email.lower() == address.lower():
                    if person.active:
                        raise PeopleError(
                            "exists",
                            f"{address} already has access; send them a new link instead",
                        )
                    people[i] = replace(
                        person,
                        version=person.version + 1,
                        removed="",
                        removed_by="",
                        added=now_iso(),
                        added_by=by,
                    )
                    self._write(data)
                    return people[i]
            if sum(1 for p in people if p.role == "assistant" and p.active) >= MAX_ASSISTANTS:
                raise PeopleError(
                    "too-many",
                    f"{slug} already has {MAX_ASSISTANTS} assistants; remove one first",
                )
            pid = secrets.token_hex(5)
            while any(p.pid == pid for p in people):  # pragma: no cover - 2**40 ids
                pid = secrets.token_hex(5)
            assistant = Person(slug, pid, "assistant", address, added=now_iso(), added_by=by)
            people.append(assistant)
            self._write(data)
            return assistant

    def remove(self, slug: str, pid: str, *, by: str) -> Person:
        """Take an assistant's access away: their links and open sessions stop working."""
        if not _PID_RE.fullmatch(pid) or pid == PI_ID:
            raise PeopleError(
                "not-assistant",
                "only assistants can be removed; to stop the PI's link, revoke the alliance's links",
            )
        person = self.get(slug, pid)
        if person is None or person.role != "assistant":
            raise PeopleError("unknown", f"{slug}: no assistant with id {pid!r}")
        if not person.active:
            return person
        return self._change(slug, pid, removed=now_iso(), removed_by=by)

    def mark_sent(self, slug: str, pid: str) -> None:
        """Note that a link was just e-mailed to this person (shown on the office's page)."""
        self._change(slug, pid, link_sent=now_iso())

    def touch(self, slug: str, pid: str, *, now: dt.datetime | None = None) -> None:
        """Record that this person used their access (at most every :data:`LAST_USED_EVERY`)."""
        moment = now or dt.datetime.now(dt.UTC)
        person = self.get(slug, pid)
        if person is None:
            if pid != PI_ID:
                return
            # An older PI link (before people were recorded): start the PI's record.
            with file_lock(self._lock):
                data = self._read()
                people = data.setdefault(slug, [])
                if not any(p.pid == PI_ID for p in people):
                    people.append(
                        Person(
                            slug, PI_ID, "pi", "", last_used=moment.isoformat(timespec="seconds")
                        )
                    )
                    self._write(data)
            return
        if person.last_used:
            try:
                last = dt.datetime.fromisoformat(person.last_used)
            except ValueError:
                last = None
            if last is not None and moment - last < LAST_USED_EVERY:
                return
        self._change(slug, pid, last_used=moment.isoformat(timespec="seconds"))


def taipei_time(iso: str) -> str:
    """A stored UTC time as the office reads it: ``2026-04-02 09:15`` in Asia/Taipei ('' stays '')."""
    return clock.taipei_time(iso)

"""Personal upload links: signed tokens that carry an alliance's slug and its link version.

A token is ``itsdangerous``-signed and time-stamped, so it cannot be forged and stops working
after :data:`~alliance_portal.intake.config.LINK_MAX_AGE`. The version lets the office revoke
every earlier link of one alliance (``alliance intake revoke SLUG``) without touching the
others: revoking bumps the version, and a token or a session with an old version is refused.
Versions live in ``var/intake-links.json``.

Each link belongs to one person (see :mod:`.people`): the PI's link carries only the slug and
the alliance's version (the shape of links issued before people were recorded, so those links
are now the PI's); an assistant's link also carries the assistant's id and version. Revoking
the alliance's links stops the PI's *and* every assistant's links; removing one assistant
stops only theirs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from alliance_portal.intake.people import PI_ID, People, Person
from alliance_portal.registry.errors import AllianceError
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.locking import file_lock

LINK_SALT = "alliance-intake-link"

LinkFailure = Literal["bad", "expired", "revoked"]


class LinkError(AllianceError):
    """A link that cannot be used. ``kind`` picks the page the visitor sees."""

    def __init__(self, kind: LinkFailure, slug: str | None = None) -> None:
        super().__init__(kind)
        self.kind: LinkFailure = kind
        self.slug = slug


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """The current link version of one alliance and when links were last issued/revoked."""

    slug: str
    version: int
    issued: str = ""
    revoked: str = ""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class LinkVersions:
    """The per-alliance link versions in a small JSON file (read fresh on every check).

    Read fresh so that a revoke from the CLI takes effect in a running server at once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = path.with_name(path.name + ".lock")

    def _read(self) -> dict[str, LinkRecord]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RuntimeError(
                f"{self.path}: cannot read link versions ({exc}); restore it from a backup or "
                "delete it and issue new links to every alliance"
            ) from exc
        return {
            slug: LinkRecord(slug, int(r["version"]), r.get("issued", ""), r.get("revoked", ""))
            for slug, r in raw.items()
        }

    def _write(self, records: dict[str, LinkRecord]) -> None:
        data = {
            s: {"version": r.version, "issued": r.issued, "revoked": r.revoked}
            for s, r in sorted(records.items())
        }
        atomic_write(
            self.path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode(), mode=0o600
        )

    def all(self) -> dict[str, LinkRecord]:
        return self._read()

    def current(self, slug: str) -> int | None:
        """The valid version for ``slug``, or None when no link was ever issued."""
        record = self._read().get(slug)
        return record.version if record else None

    def issue(self, slug: str) -> int:
        """Record that a link is issued now; returns the version to put in it."""
        with file_lock(self._lock):
            records = self._read()
            old = records.get(slug)
            version = old.version if old else 1
            records[slug] = LinkRecord(slug, version, _now(), old.revoked if old else "")
            self._write(records)
        return version

    def revoke(self, slug: str) -> int:
        """Invalidate every link and session of ``slug``; returns the new version."""
        with file_lock(self._lock):
            records = self._read()
            old = records.get(slug)
            version = (old.version if old else 0) + 1
            records[slug] = LinkRecord(slug, version, old.issued if old else "", _now())
            self._write(records)
        return version


@dataclass(frozen=True, slots=True)
class Access:
    """Who a valid link (or session) belongs to: the alliance, its version, and the person."""

    slug: str
    version: int
    pid: str = PI_ID
    person_version: int = 0

    @property
    def is_pi(self) -> bool:
        return self.pid == PI_ID


class LinkSigner:
    """Makes and checks link tokens with the intake secret."""

    def __init__(
        self,
        secret: bytes,
        versions: LinkVersions,
        max_age: dt.timedelta,
        people: People | None = None,
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=LINK_SALT)
        self.versions = versions
        self.max_age = max_age
        self.people = people

    def make_token(self, slug: str, person: Person | None = None) -> str:
        """A new link for the PI of ``slug`` (``person`` None or the PI) or for an assistant."""
        version = self.versions.issue(slug)
        payload: dict[str, object] = {"s": slug, "v": version}
        if person is not None and person.role == "assistant":
            if not person.active:
                raise ValueError(f"{person.email} was removed from {slug}; add them again first")
            payload.update(p=person.pid, pv=person.version)
        return str(self._serializer.dumps(payload))

    def person_valid(self, access: Access) -> bool:
        """Whether an assistant's link or session still stands (not removed, same version)."""
        if access.is_pi:
            return True
        if self.people is None:
            return False
        person = self.people.get(access.slug, access.pid)
        return (
            person is not None
            and person.role == "assistant"
            and person.active
            and person.version == access.person_version
        )

    def _expired_slug(self, exc: SignatureExpired) -> str | None:
        """The slug inside a correctly signed but expired token (to name it on the page)."""
        try:
            payload = self._serializer.load_payload(exc.payload or b"")
        except BadSignature:
            return None
        slug = payload.get("s") if isinstance(payload, dict) else None
        return slug if isinstance(slug, str) else None

    def verify(self, token: str) -> tuple[str, int]:
        """Return (slug, version) for a valid token; raise :class:`LinkError` otherwise."""
        access = self.identify(token)
        return access.slug, access.version

    def identify(self, token: str) -> Access:
        """Whose valid link this is; raise :class:`LinkError` otherwise."""
        try:
            payload = self._serializer.loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired as exc:
            raise LinkError("expired", self._expired_slug(exc)) from None
        except BadSignature:
            raise LinkError("bad") from None
        if not isinstance(payload, dict):
            raise LinkError("bad")
        slug, version = payload.get("s"), payload.get("v")
        if not isinstance(slug, str) or not isinstance(version, int):
            raise LinkError("bad")
        if self.versions.current(slug) != version:
            raise LinkError("revoked", slug)
        pid, person_version = payload.get("p", PI_ID), payload.get("pv", 0)
        if not isinstance(pid, str) or not isinstance(person_version, int):
            raise LinkError("bad")
        access = Access(slug, version, pid, person_version)
        if not self.person_valid(access):
            raise LinkError("revoked", slug)
        return access

"""The registry's one write path, used by the upload form (save, confirm, restore) and by
``alliance import``.

Every change to a profile or banner takes the same steps, under the alliance's lock (so two
browser tabs, two assistants, the office's CLI and an import never interleave):

1. read what is stored and build the new value from it (the caller's merge);
2. validate it with the registry's own rules (nothing is written when any problem is found);
3. keep the previous version in the history folder (:mod:`.history`);
4. write the new file atomically (:func:`.files.atomic_write`);
5. append an audit entry naming the actor, the file and its SHA-256 (:mod:`.audit`).

Readers therefore see the old or the new file, never a partial one, no earlier version is
ever lost, and the audit log accounts for every write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_portal.registry import banner_rules
from alliance_portal.registry.audit import AuditLog, sha256_hex
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.history import (
    banner_history_dir,
    keep_previous_version,
    profile_history_dir,
)
from alliance_portal.registry.locking import file_lock
from alliance_portal.registry.profile_file import ProfileFileError, read_profile_data
from alliance_portal.registry.profiles import Problem, dump_profile, validate_profile
from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES, Industry


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, as the audit log records it.

    ``name`` is ``alliance:<slug>``, ``office`` or ``cli:<user>``; ``person`` says who of an
    alliance acted (``pi:<e-mail>``, ``assistant:<e-mail>``).
    """

    name: str
    remote_addr: str = ""
    person: str = ""


@dataclass(frozen=True, slots=True)
class Stored:
    """The stored profile as the merge sees it: raw values, or why it cannot be read."""

    path: Path
    values: dict[str, Any]
    exists: bool
    unreadable: str = ""


@dataclass(frozen=True, slots=True)
class ProfileWrite:
    """What :meth:`RegistryWriter.save_profile` did. Non-empty ``problems``: nothing written."""

    stored: Stored
    clean: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    changed: bool = False
    sha256: str = ""
    kept: Path | None = None


def read_stored(path: Path) -> Stored:
    """The profile at ``path`` as raw TOML values (empty when missing or unreadable).

    Read with the registry's bounds (:mod:`.profile_file`): a profile linked to a device or
    grown to megabytes is "unreadable", never read whole.
    """
    try:
        return Stored(path, read_profile_data(path), exists=True)
    except FileNotFoundError:
        return Stored(path, {}, exists=False)
    except ProfileFileError as exc:
        return Stored(path, {}, exists=True, unreadable=exc.message.en)


class RegistryWriter:
    """Writes profiles under ``content/alliances`` and banners under ``banners``."""

    def __init__(
        self,
        content_dir: Path,
        banners_dir: Path,
        *,
        locks_dir: Path,
        audit: AuditLog,
        industries: tuple[Industry, ...] = DEFAULT_INDUSTRIES,
    ) -> None:
        self.content_dir = content_dir
        self.banners_dir = banners_dir
        self.locks_dir = locks_dir
        self.audit = audit
        self.industries = industries

    def profile_path(self, slug: str) -> Path:
        return self.content_dir / "alliances" / f"{slug}.toml"

    def banner_path(self, slug: str) -> Path:
        return self.banners_dir / f"{slug}.png"

    @contextmanager
    def lock(self, slug: str) -> Iterator[None]:
        """The alliance's lock, shared by every writer of its files (all processes)."""
        with file_lock(self.locks_dir / f"{slug}.lock"):
            yield

    def shown(self, path: Path) -> str:
        """A path as the audit log records it: relative to the registry's parent folder."""
        for root in (self.content_dir.parent, self.banners_dir.parent):
            try:
                return str(path.relative_to(root))
            except ValueError:
                continue
        return str(path)

    def save_profile(
        self,
        slug: str,
        build: Callable[[Stored], dict[str, Any]],
        *,
        actor: Actor,
        action: str = "profile.save",
        detail: str | Callable[[Stored], str] = "",
        write_if: Callable[[Stored, dict[str, Any]], bool] | None = None,
        dry_run: bool = False,
        now: dt.datetime | None = None,
    ) -> ProfileWrite:
        """Build the new profile from the stored one, validate it and, if it differs, write it.

        ``build`` may raise to refuse (the lock is released). ``write_if`` can veto a write
        that validation passed (the importer writes only real changes); ``dry_run`` stops
        after validation (and takes no lock). ``detail`` for the audit entry may depend on
        what was stored (the importer says "create" or "update").
        """
        path = self.profile_path(slug)
        with nullcontext() if dry_run else self.lock(slug):
            stored = read_stored(path)
            values = build(stored)
            clean, problems = validate_profile(
                slug, values, path=self.shown(path), industries=self.industries
            )
            if problems:
                return ProfileWrite(stored, clean, problems)
            data = dump_profile(clean).encode("utf-8")
            digest = sha256_hex(data)
            unchanged = stored.exists and not stored.unreadable and _same(path, data)
            vetoed = write_if is not None and not write_if(stored, clean)
            if unchanged or vetoed or dry_run:
                return ProfileWrite(stored, clean, sha256=digest)
            kept = keep_previous_version(path, profile_history_dir(self.content_dir, slug), now=now)
            atomic_write(path, data)
            self.audit.record(
                actor=actor.name,
                action=action,
                slug=slug,
                remote_addr=actor.remote_addr,
                file=self.shown(path),
                sha256=digest,
                detail=detail(stored) if callable(detail) else detail,
                person=actor.person,
            )
        return ProfileWrite(stored, clean, changed=True, sha256=digest, kept=kept)

    def save_banner(
        self, slug: str, data: bytes, *, actor: Actor, action: str = "banner.save", detail: str = ""
    ) -> str:
        """Check ``data`` against the banner rules and make it the banner; returns its SHA-256.

        Raises :class:`~alliance_portal.registry.banner_rules.BannerRejected` (nothing written).
        """
        clean = banner_rules.clean_png(data)  # refused before anything is kept or written
        with self.lock(slug):
            keep_previous_version(
                self.banner_path(slug), banner_history_dir(self.banners_dir, slug)
            )
            written = banner_rules.store_banner(clean, self.banners_dir, slug)
            digest = sha256_hex(written.read_bytes())
            self.audit.record(
                actor=actor.name,
                action=action,
                slug=slug,
                remote_addr=actor.remote_addr,
                file=self.shown(written),
                sha256=digest,
                detail=detail,
                person=actor.person,
            )
        return digest


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except FileNotFoundError:
        return False

"""Reading and saving one alliance's profile and banner, with history and audit.

Every save and restore goes through the registry's one write path
(:class:`alliance_portal.registry.writer.RegistryWriter`): under the alliance's lock, validate,
keep the current file in the history folder, write the new one atomically, then append an
audit entry with the new file's SHA-256. This module adds what only the form needs: the
form's merge, pending banner previews, and the version list for restore.

History layout (shared with ``alliance_portal.registry.history``)::

    content/.history/<slug>/<UTC timestamp>.toml
    banners/.history/<slug>/<UTC timestamp>.png
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from alliance_portal.registry import banner_rules
from alliance_portal.registry.audit import AuditLog, sha256_hex
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import AllianceError
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.history import (
    HISTORY_DIR_NAME,
    banner_history_dir,
    list_versions,
    profile_history_dir,
)
from alliance_portal.registry.leftovers import remove_leftovers
from alliance_portal.registry.profile_file import ProfileFileError, read_profile_data
from alliance_portal.registry.profiles import Problem, validate_profile
from alliance_portal.registry.site_settings import (
    DEFAULT_INDUSTRIES,
    KNOWN_KEYS,
    SLUG_PATTERN,
    Industry,
)
from alliance_portal.registry.writer import Actor, RegistryWriter, Stored

_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")
_PENDING_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: A preview nobody confirmed within a day is abandoned; its file is removed.
PENDING_MAX_AGE_SECONDS = 24 * 3600

Kind = Literal["profile", "banner"]


class StorageError(AllianceError):
    """A save or restore that cannot be done; the message says why and what to do.

    ``text`` is the message in each language where it was written so (a refused restore, which
    the office reads in its own language); otherwise both halves are the English message.
    """

    def __init__(self, message: str | Bilingual) -> None:
        self.text = message if isinstance(message, Bilingual) else Bilingual(message, message)
        super().__init__(self.text.en)


def check_slug(slug: str) -> str:
    """Refuse anything but a registry slug before it becomes part of a path."""
    if not _SLUG_RE.fullmatch(slug):
        raise StorageError(
            f"{slug!r} is not a valid alliance slug (lowercase letters, digits and hyphens)"
        )
    return slug


def known_slugs(content_dir: Path, *also: Iterable[str]) -> list[str]:
    """Every alliance the form knows: a profile in ``content_dir/alliances``, or one of ``also``
    (people, links); sorted, names that are not valid slugs left out."""
    found: set[str] = set().union(*also)
    folder = content_dir / "alliances"
    if folder.is_dir():
        found.update(p.stem for p in folder.glob("*.toml") if not p.name.startswith("."))
    return sorted(slug for slug in found if _SLUG_RE.fullmatch(slug))


@dataclass(slots=True)
class ProfileState:
    """The profile as stored: raw values (for the form), whether it exists, and its problems."""

    slug: str
    exists: bool
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unreadable: str = ""  # why the file could not be parsed (then ``values`` is empty)


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """What a profile save did. ``problems`` non-empty means nothing was written."""

    changed: bool
    problems: list[Problem] = field(default_factory=list)
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class PendingBanner:
    """A checked and cleaned upload waiting for the alliance to confirm it."""

    key: str
    path: Path
    width: int
    height: int
    size: int


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a profile or banner; ``name`` is what ``restore`` accepts."""

    kind: Kind
    name: str
    path: Path
    size: int
    sha256: str
    current: bool = False

    @property
    def saved_at(self) -> str:
        """When this version was replaced (history) or last written (current), in UTC."""
        stamp = dt.datetime.fromtimestamp(self.path.stat().st_mtime, dt.UTC)
        return stamp.isoformat(timespec="seconds")


class AllianceStore:
    """Profiles under ``content/alliances``, banners under ``banners``, both with history."""

    def __init__(
        self,
        content_dir: Path,
        banners_dir: Path,
        *,
        var_dir: Path,
        audit: AuditLog,
        industries: tuple[Industry, ...] = DEFAULT_INDUSTRIES,
    ) -> None:
        self.content_dir = content_dir
        self.banners_dir = banners_dir
        self.pending_dir = var_dir / "intake-pending"
        self.locks_dir = var_dir / "intake-locks"
        self.audit = audit
        self.industries = industries
        self.writer = RegistryWriter(
            content_dir, banners_dir, locks_dir=self.locks_dir, audit=audit, industries=industries
        )

    # -- paths ---------------------------------------------------------------------------
    def profile_path(self, slug: str) -> Path:
        return self.content_dir / "alliances" / f"{check_slug(slug)}.toml"

    def banner_path(self, slug: str) -> Path:
        return self.banners_dir / f"{check_slug(slug)}.png"

    def history_dir(self, kind: Kind, slug: str) -> Path:
        if kind == "profile":
            return profile_history_dir(self.content_dir, check_slug(slug))
        return banner_history_dir(self.banners_dir, check_slug(slug))

    def _lock(self, slug: str):  # type: ignore[no-untyped-def]
        return self.writer.lock(check_slug(slug))

    def clean_leftovers(self) -> list[Path]:
        """Remove temporary files that saves killed mid-write left behind; call at start."""
        return remove_leftovers(
            (self.content_dir / "alliances", self.banners_dir),
            (self.content_dir / HISTORY_DIR_NAME, self.banners_dir / HISTORY_DIR_NAME),
            self.pending_dir,
            self._lock,
        )

    def _shown(self, path: Path) -> str:
        return self.writer.shown(path)

    # -- profiles ------------------------------------------------------------------------
    def read_profile(self, slug: str) -> ProfileState:
        path = self.profile_path(slug)
        state = ProfileState(slug=slug, exists=path.exists())
        if not state.exists:
            return state
        try:
            data = read_profile_data(path)  # bounded: a link to /dev/zero is one problem
        except FileNotFoundError:
            state.exists = False
            return state
        except ProfileFileError as exc:
            state.unreadable = exc.message.en
            return state
        state.values = dict(data)
        _, state.problems = validate_profile(slug, data, path=str(path), industries=self.industries)
        return state

    def save_profile(
        self,
        slug: str,
        fields: Mapping[str, Any],
        *,
        actor: str,
        remote_addr: str = "",
        person: str = "",
    ) -> SaveOutcome:
        """Validate ``fields`` merged over the stored profile and save them.

        Keys the form does not edit (``active``) keep their stored values; an empty value
        removes an optional key. Nothing is written when any problem is found.
        """
        check_slug(slug)

        def merge(stored: Stored) -> dict[str, Any]:
            merged = {k: v for k, v in stored.values.items() if k in KNOWN_KEYS and k not in fields}
            for key, value in fields.items():
                if not (isinstance(value, str) and not value.strip()):
                    merged[key] = value
            return merged

        who = Actor(actor, remote_addr, person)
        done = self.writer.save_profile(slug, merge, actor=who)
        return SaveOutcome(changed=done.changed, problems=done.problems, sha256=done.sha256)

    # -- banners -------------------------------------------------------------------------
    def stage_banner(
        self, slug: str, data: bytes, *, named_png: bool = False
    ) -> tuple[PendingBanner | None, banner_rules.BannerReport]:
        """Check an upload; if it passes, keep a cleaned copy in the pending area for preview.

        The pending file is named by a fresh random key (never the client's file name); the
        caller keeps the key in the session, so only that session can preview or confirm it.
        """
        # Only whether the sender called it .png is passed on (for a clearer "renamed JPEG"
        # message); the client's file name itself is never used or shown.
        report = banner_rules.check_banner_bytes(data, filename="upload.png" if named_png else None)
        if not report.ok:
            return None, report
        cleaned = banner_rules.clean_png(data)
        self._drop_stale_pending(slug)
        key = secrets.token_urlsafe(24)
        path = self._pending_path(slug, key)
        with self._lock(slug):  # so clean_leftovers never removes a preview being written
            atomic_write(path, cleaned)
        assert report.width is not None and report.height is not None
        return PendingBanner(key, path, report.width, report.height, len(cleaned)), report

    def _pending_path(self, slug: str, key: str) -> Path:
        if not _PENDING_KEY_RE.fullmatch(key):
            raise StorageError("the banner preview has expired; upload the banner again")
        return self.pending_dir / check_slug(slug) / f"{key}.png"

    def pending_banner(self, slug: str, key: str) -> Path | None:
        """The pending file for this session's key, or None if it is gone or too old."""
        try:
            path = self._pending_path(slug, key)
            age = time.time() - path.stat().st_mtime
        except (StorageError, FileNotFoundError):
            return None
        return path if age <= PENDING_MAX_AGE_SECONDS else None

    def discard_pending(self, slug: str, key: str) -> None:
        path = self.pending_banner(slug, key)
        if path is not None:
            path.unlink(missing_ok=True)

    def _drop_stale_pending(self, slug: str) -> None:
        folder = self.pending_dir / check_slug(slug)
        if not folder.is_dir():
            return
        cutoff = time.time() - PENDING_MAX_AGE_SECONDS
        for old in folder.glob("*.png"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except FileNotFoundError:
                continue

    def confirm_banner(
        self, slug: str, key: str, *, actor: str, remote_addr: str = "", person: str = ""
    ) -> str:
        """Publish this session's pending banner; returns its SHA-256."""
        pending = self.pending_banner(slug, key)
        if pending is None:
            raise StorageError("the banner preview has expired; upload the banner again")
        data = pending.read_bytes()
        digest = self._store_banner(
            slug, data, actor=actor, action="banner.save", addr=remote_addr, person=person
        )
        pending.unlink(missing_ok=True)
        return digest

    def _store_banner(
        self,
        slug: str,
        data: bytes,
        *,
        actor: str,
        action: str,
        addr: str,
        detail: str = "",
        person: str = "",
    ) -> str:
        check_slug(slug)
        who = Actor(actor, addr, person)
        return self.writer.save_banner(slug, data, actor=who, action=action, detail=detail)

    # -- history -------------------------------------------------------------------------
    def versions(self, slug: str) -> list[Version]:
        """Every stored version, oldest first, ending with the current file of each kind."""
        result: list[Version] = []
        for kind, current, suffix in (
            ("profile", self.profile_path(slug), ".toml"),
            ("banner", self.banner_path(slug), ".png"),
        ):
            # Regular files only: each is read whole to hash it, and a profile linked to
            # /dev/zero must not be (issue 17.19).
            for path in list_versions(self.history_dir(kind, slug), suffix):  # type: ignore[arg-type]
                if path.is_file():
                    result.append(_version(kind, path.name, path))  # type: ignore[arg-type]
            if current.is_file():
                result.append(_version(kind, "current", current, current=True))  # type: ignore[arg-type]
        return result

    def restore(self, slug: str, name: str, *, actor: str, remote_addr: str = "") -> Version:
        """Make an earlier version current again (the replaced file goes to history too)."""
        candidates = [v for v in self.versions(slug) if not v.current]
        matches = [v for v in candidates if name in (v.name, v.path.stem)]
        if not matches:
            known = ", ".join(v.name for v in candidates) or "none"
            raise StorageError(
                f"{slug}: no stored version {name!r}; versions: {known} "
                f"(see `alliance intake history {slug}`)"
            )
        if len(matches) > 1:
            raise StorageError(
                f"{slug}: {name!r} names both a profile and a banner version; "
                f"add .toml or .png: {', '.join(v.name for v in matches)}"
            )
        version = matches[0]
        if version.kind == "banner":
            data = version.path.read_bytes()
            report = banner_rules.check_banner_bytes(data)
            if not report.ok:
                raise StorageError(
                    Bilingual(
                        f"{version.path}：這個版本的橫幅不符合現行的橫幅規則，未還原："
                        + "；".join(e.text.zh for e in report.errors),
                        f"{version.path}: this banner breaks today's banner rules and is not "
                        f"restored: {'; '.join(e.text.en for e in report.errors)}",
                    )
                )
            self._store_banner(
                slug,
                data,
                actor=actor,
                action="banner.restore",
                addr=remote_addr,
                detail=f"restored {version.name}",
            )
            return version
        try:
            parsed = read_profile_data(version.path)
        except (FileNotFoundError, ProfileFileError) as exc:
            raise StorageError(
                Bilingual(
                    f"{version.path}：無法讀取這個版本的基本資料，未還原",
                    f"{version.path}: not a readable profile ({exc})",
                )
            ) from None
        _, problems = validate_profile(
            slug, parsed, path=str(version.path), industries=self.industries
        )
        if problems:
            raise StorageError(
                Bilingual(
                    f"{version.path}：這個版本不符合現行的基本資料規則，未還原："
                    + "；".join(f"{p.field or ''}：{p.message.zh}" for p in problems),
                    f"{version.path}: this version does not pass today's profile rules and is "
                    f"not restored: {'; '.join(str(p) for p in problems)}",
                )
            )
        self.writer.save_profile(
            slug,
            lambda _stored: parsed,
            actor=Actor(actor, remote_addr),
            action="profile.restore",
            detail=f"restored {version.name}",
        )
        return version


def _version(kind: Kind, name: str, path: Path, *, current: bool = False) -> Version:
    data = path.read_bytes()
    return Version(kind, name, path, len(data), sha256_hex(data), current)

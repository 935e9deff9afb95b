"""The office's submission overview: who has sent a valid profile and banner by the deadline.

The list of alliances is the union of profiles on disk, banners on disk and alliances that
were issued a link, so an alliance that has sent nothing yet still shows up, highlighted.
Inactive alliances stay in the list, marked, but are not counted: the headline count is
:func:`~alliance_portal.registry.active.active_alliances` of the registry, the same number the
portal lists and the monthly crawl checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from alliance_portal.intake.links import LinkRecord, LinkVersions
from alliance_portal.intake.storage import AllianceStore, StorageError, check_slug
from alliance_portal.registry.active import active_alliances
from alliance_portal.registry.audit import AuditEntry, AuditLog
from alliance_portal.registry.banner_rules import check_banner_file
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.problems import Problem
from alliance_portal.registry.profiles import load_registry

PartStatus = Literal["ok", "missing", "invalid"]
#: A profile's or banner's state as the office reads it on the submissions page.
PART_WORDS: dict[str, Bilingual] = {
    "ok": Bilingual("已完成", "OK"),
    "missing": Bilingual("缺少", "Missing"),
    "invalid": Bilingual("有誤", "Invalid"),
}


@dataclass(slots=True)
class SubmissionRow:
    slug: str
    name: str
    profile: PartStatus
    banner: PartStatus
    #: What is wrong, in both languages (the console shows the office's one with ``t()``).
    profile_problems: list[str | Bilingual] = field(default_factory=list)
    banner_problems: list[str | Bilingual] = field(default_factory=list)
    link: LinkRecord | None = None
    last_change: AuditEntry | None = None
    #: False when the profile says ``active = false`` (not on the portal, not checked)
    active: bool = True
    pi: str = ""
    university: str = ""
    #: The English name (the console's English page shows it when set).
    name_en: str = ""

    @property
    def complete(self) -> bool:
        return self.profile == "ok" and self.banner == "ok"


@dataclass(slots=True)
class Overview:
    rows: list[SubmissionRow]
    deadline: dt.date
    today: dt.date
    #: the registry's active alliances (valid profile, not ``active = false``): the portal's count
    active: int = 0

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def inactive(self) -> int:
        return sum(1 for r in self.rows if not r.active)

    @property
    def complete(self) -> int:
        return sum(1 for r in self.rows if r.active and r.complete)

    @property
    def missing_profile(self) -> int:
        return sum(1 for r in self.rows if r.active and r.profile != "ok")

    @property
    def missing_banner(self) -> int:
        return sum(1 for r in self.rows if r.active and r.banner != "ok")


def _said(problem: Problem) -> Bilingual:
    """A profile problem as the office reads it: the field, what is wrong, how to fix it."""
    zh, en = problem.message.zh, problem.message.en
    if problem.hint.zh not in zh or problem.hint.en not in en:  # not said twice
        zh, en = f"{zh}（{problem.hint.zh}）", f"{en} ({problem.hint.en})"
    if problem.field:
        zh, en = f"{problem.field}：{zh}", f"{problem.field}: {en}"
    return Bilingual(zh, en)


def _slugs(store: AllianceStore, versions: dict[str, LinkRecord]) -> list[str]:
    found: set[str] = set(versions)
    folder = store.content_dir / "alliances"
    if folder.is_dir():
        found.update(p.stem for p in folder.glob("*.toml") if not p.name.startswith("."))
    if store.banners_dir.is_dir():
        found.update(p.stem for p in store.banners_dir.glob("*.png") if not p.name.startswith("."))
    valid = []
    for slug in sorted(found):
        try:
            valid.append(check_slug(slug))
        except StorageError:
            continue  # a stray file such as "Old Banner.png"; `alliance check` reports it
    return valid


def build_overview(
    store: AllianceStore,
    versions: LinkVersions,
    audit: AuditLog,
    *,
    deadline: dt.date,
    today: dt.date | None = None,
) -> Overview:
    records = versions.all()
    changes = audit.last_change_by_slug()
    rows: list[SubmissionRow] = []
    for slug in _slugs(store, records):
        state = store.read_profile(slug)
        if not state.exists:
            profile: PartStatus = "missing"
            problems: list[str | Bilingual] = []
        elif state.unreadable or state.problems:
            profile = "invalid"
            problems = (
                [state.unreadable] if state.unreadable else [_said(p) for p in state.problems]
            )
        else:
            profile, problems = "ok", []
        banner_path = store.banner_path(slug)
        banner: PartStatus = "missing"
        banner_problems: list[str | Bilingual] = []
        if banner_path.exists():
            report = check_banner_file(banner_path)
            banner = "ok" if report.ok else "invalid"
            banner_problems = [e.text for e in report.errors]
        name, name_en = state.values.get("name"), state.values.get("name_en")
        pi, university = state.values.get("pi"), state.values.get("university")
        rows.append(
            SubmissionRow(
                slug=slug,
                name=name if isinstance(name, str) else "",
                name_en=name_en if isinstance(name_en, str) else "",
                profile=profile,
                banner=banner,
                profile_problems=problems,
                banner_problems=banner_problems,
                link=records.get(slug),
                last_change=changes.get(slug),
                active=state.values.get("active") is not False,
                pi=pi if isinstance(pi, str) else "",
                university=university if isinstance(university, str) else "",
            )
        )
    rows.sort(key=lambda r: (not r.active, r.complete, r.slug))
    registry = load_registry(
        store.content_dir, None, industries=store.industries, check_banners=False
    )
    return Overview(
        rows=rows,
        deadline=deadline,
        today=today or dt.date.today(),
        active=len(active_alliances(registry.alliances)),
    )

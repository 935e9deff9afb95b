"""Search and filters of the console's long lists (submissions, people) at 200 alliances.

Why on the server, from the query string (``?q=馬達&show=no-banner``): the lists work without
JavaScript, a filtered list can be bookmarked or sent to a colleague, and after an action the
page comes back filtered the same way. One vocabulary of filters for both pages, so "never
signed in" means the same thing on each: nobody of the alliance (PI or assistant) has ever
opened the form with their link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from flask import request

from alliance_portal.intake import report_files
from alliance_portal.intake.people import Person
from alliance_portal.intake.services import services
from alliance_portal.registry.bilingual import Bilingual

#: The filters, in the order the select lists them.
FILTERS: dict[str, Bilingual] = {
    "all": Bilingual("全部聯盟", "All alliances"),
    "no-banner": Bilingual("缺少橫幅", "Missing banner"),
    "never-signed-in": Bilingual("從未登入", "Never signed in"),
    "failing": Bilingual("本月網站檢查未通過", "Failing this month's website check"),
    "inactive": Bilingual("已停用", "Inactive"),
}
#: Longest search text read (a longer one is cut: nobody types more to find an alliance).
MAX_QUERY = 100


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the office asked the list to show."""

    q: str = ""
    show: str = "all"

    @property
    def filtered(self) -> bool:
        return bool(self.q) or self.show != "all"

    def args(self) -> dict[str, str]:
        """The query string that shows the list the same way again (after an action)."""
        out = {}
        if self.q:
            out["q"] = self.q
        if self.show != "all":
            out["show"] = self.show
        return out


@dataclass(frozen=True, slots=True)
class Facts:
    """What the filters know about one alliance."""

    text: str  # everything the search looks in: slug, names, PI, e-mails
    banner_missing: bool
    signed_in: bool
    failing: bool
    active: bool


def wanted_from_request() -> Wanted:
    """The search and filter of this request, from its query string (an action's form posts
    to a URL carrying the list's query, so the page comes back filtered the same way)."""
    q = " ".join(str(request.args.get("q", "")).split())[:MAX_QUERY]
    show = str(request.args.get("show", "all"))
    return Wanted(q=q, show=show if show in FILTERS else "all")


def keep(wanted: Wanted, facts: Facts) -> bool:
    """Whether a row with ``facts`` is shown."""
    if wanted.q and wanted.q.lower() not in facts.text.lower():
        return False
    match wanted.show:
        case "no-banner":
            return facts.banner_missing and facts.active
        case "never-signed-in":
            return not facts.signed_in and facts.active
        case "failing":
            return facts.failing and facts.active
        case "inactive":
            return not facts.active
    return True


def search_text(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def signed_in_slugs(everyone: Mapping[str, Iterable[Person]]) -> set[str]:
    """Alliances of which someone (PI or assistant) has used their link at least once."""
    return {slug for slug, people in everyone.items() if any(p.last_used for p in people)}


@dataclass(frozen=True, slots=True)
class MonthFailures:
    """Who failed the newest month's website check ("" and empty when no report yet)."""

    month: str = ""
    failing: frozenset[str] = frozenset()


def failing_this_month(reports_dir: Path | None) -> MonthFailures:
    """The newest report's failing alliances (overall fail), read from its report.json."""
    found = report_files.months(reports_dir)
    if reports_dir is None or not found:
        return MonthFailures()
    month = found[0].month
    rows = report_files.month_rows(reports_dir, month)
    return MonthFailures(month, frozenset(r.slug for r in rows if r.overall == "fail"))


class _Row(Protocol):
    @property
    def slug(self) -> str: ...


R = TypeVar("R", bound=_Row)


@dataclass(frozen=True, slots=True)
class Listing(Generic[R]):
    """A list as the page shows it: the rows kept, how many there were, and what was asked."""

    rows: list[R]
    total: int
    wanted: Wanted
    month: MonthFailures


def filter_rows(rows: list[R], text: Callable[[R], str]) -> Listing[R]:
    """``rows`` (anything with a ``slug``, and ``active`` when it knows it) kept by this
    request's search and filter; ``text(row)`` is what the search looks in besides e-mails."""
    svc = services()
    everyone = svc.people.all()
    signed_in = signed_in_slugs(everyone)
    month = failing_this_month(svc.config.office.reports_dir)
    wanted = wanted_from_request()
    emails = {slug: " ".join(p.email for p in people) for slug, people in everyone.items()}
    kept = []
    for row in rows:
        active = getattr(row, "active", None)
        if active is None:
            active = svc.store.read_profile(row.slug).values.get("active") is not False
        facts = Facts(
            text=search_text(row.slug, text(row), emails.get(row.slug)),
            banner_missing=not svc.store.banner_path(row.slug).exists(),
            signed_in=row.slug in signed_in,
            failing=row.slug in month.failing,
            active=bool(active),
        )
        if keep(wanted, facts):
            kept.append(row)
    return Listing(kept, len(rows), wanted, month)

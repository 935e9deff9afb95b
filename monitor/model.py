"""Result records of the monitor and their JSON shape (stable: other tools read it).

JSON shape (DESIGN.md)::

    {"today": "YYYY-MM-DD",
     "alliances": [{"slug", "url", "final_url",
                    "loads": {"status", "reason", ...},
                    "credit": {"status", "evidence", ...},
                    "updates": {"status", "latest_date", "evidence", "source", ...},
                    "overall"}]}

Every status is ``pass``, ``warn`` or ``fail``; ``latest_date`` is ``YYYY-MM-DD`` or null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail")
_RANK = {"pass": 0, "warn": 1, "fail": 2}


def worst(*statuses: Status) -> Status:
    """The most serious of several statuses: the overall result of a site."""
    return max(statuses, key=_RANK.__getitem__) if statuses else "pass"


@dataclass(slots=True)
class Check:
    """One check's judgement. ``details`` holds extra evidence keys, flattened into the JSON."""

    status: Status
    reason: str = ""
    evidence: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "evidence": self.evidence,
        } | self.details

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        data = dict(data)
        return cls(
            status=data.pop("status"),
            reason=data.pop("reason", ""),
            evidence=data.pop("evidence", ""),
            details=data,
        )


@dataclass(slots=True)
class SiteResult:
    """Everything judged about one alliance's website in one crawl."""

    slug: str
    url: str
    final_url: str | None
    loads: Check
    credit: Check
    updates: Check
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def overall(self) -> Status:
        return worst(self.loads.status, self.credit.status, self.updates.status)

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "url": self.url,
            "final_url": self.final_url,
            "loads": self.loads.to_json(),
            "credit": self.credit.to_json(),
            "updates": self.updates.to_json(),
            "overall": self.overall,
        } | self.extra

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteResult:
        data = dict(data)
        data.pop("overall", None)
        return cls(
            slug=data.pop("slug"),
            url=data.pop("url"),
            final_url=data.pop("final_url", None),
            loads=Check.from_json(data.pop("loads")),
            credit=Check.from_json(data.pop("credit")),
            updates=Check.from_json(data.pop("updates")),
            name=data.pop("name", ""),
            extra=data,
        )


@dataclass(slots=True)
class Page:
    """A fetched document handed to the judges: already decoded to text.

    ``kind`` says where it came from: the homepage, the news page the homepage links to, or a
    feed (RSS/Atom) the homepage links to.
    """

    url: str
    html: str
    kind: Literal["homepage", "news", "feed"] = "homepage"

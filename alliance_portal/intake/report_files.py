"""The monitor's report folder as the console reads it: plain files, never the monitor's code.

``reports/<YYYY-MM>/`` holds what ``alliance report`` wrote: ``index.html``, ``report.csv``,
``report.xlsx``, ``report.json`` (the crawl's shape of ``monitor/model.py`` plus ``summary`` and ``changes``),
``snapshots/<slug>.txt``, ``screenshots/<slug>.png`` and the notice drafts
``notices/<slug>.eml``. The console lists the months, shows
the month-over-month changes and each alliance's results from ``report.json``, and serves the
files themselves, so the office opens every report over HTTP.

Only names of the shapes above are ever served (:func:`report_file`): a request for any other
path, ``..`` included, is simply not found.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import (
    CHECKS,
    CSV_FILE,
    INDEX_FILE,
    JSON_FILE,
    MONTH_RE,
    NOT_CHECKED,
    STATUSES,
    SUMMARY_KEYS,
    XLSX_FILE,
    notice_name,
    outline_boxes,
    screenshot_name,
    snapshot_name,
)

#: The files of a month folder the console serves, and their media types (Flask adds the
#: charset, UTF-8, to text types). Names come from the contract the monitor writes by.
_SLUG = r"[a-z0-9-]+"
_SERVED = (
    (re.compile(rf"^{re.escape(INDEX_FILE)}$"), "text/html"),
    (re.compile(rf"^{re.escape(CSV_FILE)}$"), "text/csv"),
    (
        re.compile(rf"^{re.escape(XLSX_FILE)}$"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (re.compile(rf"^{re.escape(JSON_FILE)}$"), "application/json"),
    (re.compile(rf"^{re.escape(snapshot_name('@'))}$".replace("@", _SLUG)), "text/plain"),
    (re.compile(rf"^{re.escape(screenshot_name('@'))}$".replace("@", _SLUG)), "image/png"),
    # A notice as drafted for the alliance: shown as text, never as mail to open or run.
    (re.compile(rf"^{re.escape(notice_name('@'))}$".replace("@", _SLUG)), "text/plain"),
)


@dataclass(frozen=True, slots=True)
class MonthSummary:
    """One month as the month list shows it (from its report.json)."""

    month: str
    total: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # check -> status -> n
    previous_month: str | None = None
    newly_failing: tuple[str, ...] = ()
    recovered: tuple[str, ...] = ()
    finished_at: str = ""
    problem: str = ""  # why report.json could not be read ("" when it could)

    def count(self, check: str, status: str) -> int:
        return self.counts.get(check, {}).get(status, 0)


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    status: str
    reason: str
    evidence: str
    code: str = ""
    #: the finding in each language (empty in reports from before messages were stored)
    message: Bilingual = field(default_factory=lambda: Bilingual("", ""))

    @property
    def finding(self) -> Bilingual:
        """The finding in each language (the joined ``reason`` for reports without ``message``)."""
        return self.message if self.message else Bilingual.same(self.reason)


@dataclass(frozen=True, slots=True)
class EarlierResult:
    """A result of the month that a later check (a re-check) replaced, with its time."""

    checked_at: str  # UTC ISO
    recheck: bool
    statuses: dict[str, str]  # check (and "overall") -> status


@dataclass(frozen=True, slots=True)
class MonthResult:
    """One alliance in one month's report."""

    slug: str
    month: str
    overall: str
    url: str
    final_url: str
    checks: tuple[CheckResult, ...]
    snapshot: str = ""  # path inside the month folder, "" when none
    screenshot: str = ""
    #: the shown result came from a re-check, not the month's crawl (reports since runs had kinds)
    recheck: bool = False
    checked_at: str = ""  # UTC ISO time the shown result was judged ("" in older reports)
    earlier: tuple[EarlierResult, ...] = ()  # the month's results it replaced, oldest first
    #: The picture's size in pixels and the evidence boxes on it (monitor/homepage_picture.py):
    #: ``(("credit", (x, y, w, h)), ...)``, only boxes that fit the picture.
    shot_size: tuple[int, int] | None = None
    outline: tuple[tuple[str, tuple[int, int, int, int]], ...] = ()

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def not_checked(self, check: CheckResult) -> bool:
        """Whether ``check`` could not judge the site: the crawl says so by its code, or (a
        report from before codes) the homepage did not load. Shown as "not checked", never as
        a failure of that check."""
        if check.name == "loads":
            return False
        if check.code == NOT_CHECKED:
            return True
        loads = self.check("loads")
        return not check.code and loads is not None and loads.status == "fail"

    def why_not_checked(self) -> Bilingual:
        """Why the other checks could not run: what the homepage check found, in its words."""
        loads = self.check("loads")
        found = loads.finding if loads else Bilingual("", "")
        return Bilingual(f"未檢查：{found.zh}", f"Not checked: {found.en}")


def report_file(reports_dir: Path, month: str, name: str) -> tuple[Path, str] | None:
    """The file ``name`` of ``month`` and its media type, or None when it is not one we serve."""
    if not MONTH_RE.fullmatch(month):
        return None
    mimetype = next((kind for pattern, kind in _SERVED if pattern.fullmatch(name)), None)
    if mimetype is None:
        return None
    root = reports_dir.resolve()
    path = (root / month / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path, mimetype


def _read_json(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return (
            None,
            f"{path} is missing; rebuild it with `alliance report --month {path.parent.name}`",
        )
    except (OSError, ValueError) as exc:
        return None, (
            f"{path} cannot be read ({exc}); rebuild it with "
            f"`alliance report --month {path.parent.name}`"
        )
    if not isinstance(data, dict):
        return None, f"{path} is not a report; rebuild it with `alliance report`"
    return data, ""


def months(reports_dir: Path | None) -> list[MonthSummary]:
    """Every month with a report, newest first."""
    if reports_dir is None or not reports_dir.is_dir():
        return []
    found = sorted(
        (p for p in reports_dir.iterdir() if MONTH_RE.fullmatch(p.name) and p.is_dir()),
        key=lambda p: p.name,
        reverse=True,
    )
    out = []
    for folder in found:
        if not (folder / INDEX_FILE).is_file():
            continue
        data, problem = _read_json(folder / JSON_FILE)
        if data is None:
            out.append(MonthSummary(folder.name, problem=problem))
            continue
        summary = data.get("summary") or {}
        changes = data.get("changes") or {}
        counts: dict[str, dict[str, int]] = {
            key: {s: int(summary.get(key, {}).get(s, 0)) for s in STATUSES}
            for key in SUMMARY_KEYS
            if isinstance(summary.get(key), dict)
        }
        out.append(
            MonthSummary(
                month=folder.name,
                total=int(summary.get("total", 0)),
                counts=counts,
                previous_month=changes.get("previous_month"),
                newly_failing=tuple(changes.get("newly_failing") or ()),
                recovered=tuple(changes.get("recovered") or ()),
                finished_at=str(data.get("finished_at") or ""),
            )
        )
    return out


def _check(name: str, raw: Any) -> CheckResult:
    raw = raw if isinstance(raw, dict) else {}
    message = raw.get("message")
    return CheckResult(
        name=name,
        status=str(raw.get("status", "")),
        reason=str(raw.get("reason", "")),
        evidence=str(raw.get("evidence", "")),
        code=str(raw.get("code", "")),
        message=Bilingual.from_json(message) if isinstance(message, dict) else Bilingual("", ""),
    )


def _earlier(raw: Any) -> tuple[EarlierResult, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        statuses = {k: str(item[k]) for k in SUMMARY_KEYS if isinstance(item.get(k), str)}
        out.append(
            EarlierResult(str(item.get("checked_at") or ""), item.get("recheck") is True, statuses)
        )
    return tuple(out)


def _picture(raw: dict[str, Any]) -> dict[str, Any]:
    """The picture's size and evidence boxes from a result's JSON (a file on disk: checked)."""
    shot = raw.get("screenshot")
    size = shot.get("size") if isinstance(shot, dict) else None
    match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", size) if isinstance(size, str) else None
    if match is None:
        return {}
    width, height = int(match.group(1)), int(match.group(2))
    boxes = outline_boxes(raw.get("outline"), width, height)
    return {"shot_size": (width, height), "outline": tuple(boxes.items())}


def month_rows(reports_dir: Path, month: str) -> list[MonthResult]:
    """Every alliance's result in ``month`` (empty when the month has no readable report)."""
    if not MONTH_RE.fullmatch(month):
        return []
    data, _problem = _read_json(reports_dir / month / JSON_FILE)
    if data is None:
        return []
    rows = []
    for raw in data.get("alliances") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("slug"), str):
            continue
        slug = raw["slug"]
        snapshot = snapshot_name(slug)
        rows.append(
            MonthResult(
                slug=slug,
                month=month,
                overall=str(raw.get("overall", "")),
                url=str(raw.get("url", "")),
                final_url=str(raw.get("final_url") or ""),
                checks=tuple(_check(name, raw.get(name)) for name in CHECKS),
                snapshot=snapshot if report_file(reports_dir, month, snapshot) else "",
                screenshot=str(raw.get("screenshot_file") or ""),
                recheck=raw.get("recheck") is True,
                checked_at=str(raw.get("checked_at") or ""),
                earlier=_earlier(raw.get("earlier")),
                **_picture(raw),
            )
        )
    return rows


def alliance_history(reports_dir: Path | None, slug: str) -> list[MonthResult]:
    """One alliance's result in every month with a report, newest first."""
    if reports_dir is None:
        return []
    out = []
    for summary in months(reports_dir):
        for row in month_rows(reports_dir, summary.month):
            if row.slug == slug:
                out.append(row)
    return out

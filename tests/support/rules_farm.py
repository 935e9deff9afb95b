"""Serve the realistic sample sites of ``tests/farm_rules/`` on loopback, dated relative to today.

Each folder is a static site as an alliance would publish it (CMS markup, menus, footers with
address and phone, counters, copyright lines). Its files hold date placeholders so that the same
site is "fresh" or "stale" whatever day the tests run: ``{{-120:roc-cn}}`` is the date 120 days
before today written as 「一一五年十一月二十日」. The tests judge these sites with today's date,
because a rendered page's clock and ``document.lastModified`` show the real today.

Formats: iso 2026-11-03, slash 2026/11/03, dot 2026.11.03, cjk 2026年11月3日, hao 2026年11月3號,
roc 115/11/03, roc-cn 一一五年十一月三日, cn 二〇二六年十一月三日, cjk-month 2026年11月,
dmy-en 03 November 2026, iso-time 2026-11-03T09:30:00+08:00, rfc822 (RSS). ``{{year}}`` is this
year; ``{{NAME}}`` is replaced by ``extra[NAME]`` (another loopback host's address).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path

from monitor.rules import vocabulary
from tests.support.farm import Handler, send

FARM = Path(__file__).resolve().parent.parent / "farm_rules"

_PLACEHOLDER_RE = re.compile(r"\{\{([+-]?\d+):([a-z0-9-]+)\}\}|\{\{(\w+)\}\}")
_CN_DIGITS = "〇一二三四五六七八九"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".php": "text/html; charset=utf-8",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".xml": "application/rss+xml; charset=utf-8",
}


def _cn_small(n: int) -> str:
    """1..31 in Chinese numerals: 三, 十, 十一, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    text = ("" if tens < 2 else _CN_DIGITS[tens]) + ("十" if tens else "")
    return text + (_CN_DIGITS[ones] if ones else "")


def format_date(day: date, form: str) -> str:
    roc = day.year - vocabulary.ROC_YEAR_OFFSET
    forms = {
        "iso": f"{day:%Y-%m-%d}",
        "slash": f"{day:%Y/%m/%d}",
        "dot": f"{day:%Y.%m.%d}",
        "cjk": f"{day.year}年{day.month}月{day.day}日",
        "hao": f"{day.year}年{day.month}月{day.day}號",
        "roc": f"{roc}/{day:%m/%d}",
        "roc-cn": "".join(_CN_DIGITS[int(c)] for c in str(roc))
        + f"年{_cn_small(day.month)}月{_cn_small(day.day)}日",
        "cn": "".join(_CN_DIGITS[int(c)] for c in str(day.year))
        + f"年{_cn_small(day.month)}月{_cn_small(day.day)}日",
        "cjk-month": f"{day.year}年{day.month}月",
        "dmy-en": f"{day:%d %B %Y}",
        "iso-time": f"{day:%Y-%m-%d}T09:30:00+08:00",
        "rfc822": format_datetime(datetime.combine(day, time(9, 30), vocabulary.LOCAL_TZ)),
    }
    return forms[form]


def dated(text: str, today: date, extra: dict[str, str] | None = None) -> str:
    """``text`` with its placeholders filled in for ``today``."""

    def fill(m: re.Match[str]) -> str:
        if m.group(3):
            name = m.group(3)
            return str(today.year) if name == "year" else (extra or {})[name]
        return format_date(today + timedelta(days=int(m.group(1))), m.group(2))

    return _PLACEHOLDER_RE.sub(fill, text)


def file_handler(
    path: Path,
    today: date,
    *,
    extra: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Handler:
    """Serve one farm file, dated; a page declaring Big5 is sent in Big5, as old servers do."""
    text = dated(path.read_text(encoding="utf-8"), today, extra)
    ctype = _TYPES.get(path.suffix, "application/octet-stream")
    body = text.encode("utf-8")
    if "charset=big5" in text.lower():
        body, ctype = text.encode("cp950"), "text/html"
    return lambda h: send(h, body, content_type=ctype, headers=headers)


def folder_routes(
    folder: Path,
    today: date,
    *,
    extra: dict[str, str] | None = None,
    aliases: dict[str, str] | None = None,
    headers: dict[str, dict[str, str]] | None = None,
) -> dict[str, Handler]:
    """Routes of a site folder: every file at its path, ``index.html`` also at its folder.

    ``aliases`` maps more paths to files of the folder (``{"/": "maintenance.html"}``);
    ``headers`` adds response headers by path (``Last-Modified``).
    """
    routes: dict[str, Handler] = {}
    headers = headers or {}
    files = {"/" + p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    for name, target in (aliases or {}).items():
        files[name] = folder / target
    for route, path in list(files.items()):
        if path.name == "index.html":
            files.setdefault(route[: -len("index.html")], path)
    for route, path in files.items():
        routes[route] = file_handler(path, today, extra=extra, headers=headers.get(route))
    return routes


def http_date(day: date) -> str:
    """``day`` at 09:30 Taiwan time as an HTTP date (for ``Last-Modified``)."""
    moment = datetime.combine(day, time(9, 30), vocabulary.LOCAL_TZ)
    return format_datetime(moment.astimezone(UTC), usegmt=True)

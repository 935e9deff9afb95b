"""The homepage's picture, and which part of it decided each check: the box to outline.

Every rendered homepage keeps a picture by default (docs/monitor.md "Evidence"): the office
shows a professor what the monitor saw. :func:`record_picture` stores it with the outline boxes
in ``result.extra``:
``"screenshot": {"format", "bytes", "size": "WxH"}`` and ``"outline": {"credit": [x, y, w, h]
| None, "updates": ...}`` in the picture's pixels.

RULES.md's evidence is text: the funding credit phrase (``matched``), the newest date as the
page wrote it (``as_written``). The browser recorded each text-holding element with its box
(:mod:`monitor.fetching.page_boxes`); the box to outline is the smallest one whose text holds
the evidence, preferring, for a date, the item around it (a news row, not the bare date). When
no box holds it (the credit was on another page, the date in a feed), there is no outline and
the report says in words what was looked for.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from monitor.fetching.page_boxes import Box
from monitor.model import Code
from monitor.rules.loads import is_html
from monitor.visit_context import CrawlContext, SiteOutcome, Stopped

_NOTHING_TO_PHOTOGRAPH = Bilingual("沒有可拍攝的網頁", "no web page to photograph")
#: The credit codes whose evidence is text on the homepage (not another page, not an image).
CREDIT_ON_HOMEPAGE = (Code.CREDIT_OK, Code.CREDIT_NAME_ONLY)

#: A date's box should show the item it dates: at least this many characters beyond the date.
ITEM_CONTEXT_CHARS = 6


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def find_box(boxes: Iterable[Box], evidence: str, *, item: bool = False) -> Box | None:
    """The smallest box whose text holds ``evidence``; with ``item``, one that also holds
    some text around it when there is such a box."""
    target = _norm(evidence)
    if not target:
        return None
    holding = [b for b in boxes if target in _norm(b.text)]
    if not holding:
        return None
    if item:
        with_context = [
            b for b in holding if len(_norm(b.text)) >= len(target) + ITEM_CONTEXT_CHARS
        ]
        holding = with_context or holding
    return min(holding, key=lambda b: b.width * b.height)


def outline(
    boxes: Iterable[Box], checks: dict[str, Any], *, homepage_url: str | None
) -> dict[str, list[int] | None]:
    """``{"credit": [x, y, w, h] | None, "updates": ...}`` in the picture's pixels: the box of
    the evidence each check found on the homepage (None when it found none there)."""
    boxes = tuple(boxes)
    found: dict[str, list[int] | None] = {}
    credit = checks.get("credit")
    if credit is not None:
        phrase = credit.details.get("matched") or ""
        on_home = credit.code in CREDIT_ON_HOMEPAGE
        found["credit"] = _rect(find_box(boxes, phrase)) if on_home else None
    updates = checks.get("updates")
    if updates is not None:
        written = updates.details.get("as_written") or ""
        source = updates.details.get("source")
        on_home = source is None or source == homepage_url
        found["updates"] = _rect(find_box(boxes, written, item=True)) if on_home else None
    return found


def record_picture(ctx: CrawlContext, outcome: SiteOutcome) -> None:
    """Photograph the homepage of ``outcome`` unless the rendering already did, and record the
    picture's facts and the evidence outline in ``outcome.result.extra``."""
    extra = outcome.result.extra
    if outcome.screenshot is None and outcome.unshown is not None:
        extra["screenshot"] = None
        extra["screenshot_note"] = outcome.unshown.joined()
        return
    if outcome.screenshot is None:
        body, url = outcome.homepage, outcome.page_url
        if not body or not url or not is_html(outcome.content_type, body):
            extra["screenshot"] = None
            extra["screenshot_note"] = _NOTHING_TO_PHOTOGRAPH.joined()
            return
        shot = ctx.renderer.render(url, body, outcome.content_type, screenshot=True)
        if shot.interrupted:
            raise Stopped
        outcome.screenshot, outcome.boxes = shot.png, shot.boxes
        if shot.png is None:
            extra["screenshot"] = None
            extra["screenshot_note"] = shot.note.joined()
            return
    png = outcome.screenshot or b""
    width, height = png_size(png)
    extra["screenshot"] = {"format": "png", "bytes": len(png), "size": f"{width}x{height}"}
    result = outcome.result
    checks = {"credit": result.credit, "updates": result.updates}
    extra["outline"] = outline(outcome.boxes, checks, homepage_url=result.final_url)


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header (0, 0 when it is not one)."""
    if len(png) >= 24 and png[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return 0, 0


def _rect(box: Box | None) -> list[int] | None:
    if box is None:
        return None
    return [round(box.x), round(box.y), max(1, round(box.width)), max(1, round(box.height))]

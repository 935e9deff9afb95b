"""Where each piece of text sits on the rendered homepage, and a picture of the page.

The office must be able to show a professor what the monitor saw: the screenshot, with the
element that decided the verdict outlined (the funding credit, the newest dated item). The
verdict is only known after judging, in another process, so the browser records *every*
candidate: for each element that holds text of its own, or is an item (a list row, a paragraph,
a cell), or an image's alt/title, its text and its box on the page. The crawl then outlines the box whose text holds the evidence
(:mod:`monitor.evidence_outline`).

Bounded like everything the browser reads back: at most :data:`MAX_BOXES` boxes, text cut at
:data:`MAX_BOX_TEXT` characters, only boxes inside the photographed height.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: How far down the page the picture goes, in CSS pixels (a footer credit is usually within).
MAX_SHOT_HEIGHT = 3200
#: Width of the stored picture, in pixels: half the window, readable, a tenth of the bytes.
STORED_WIDTH = 640
MAX_BOXES = 3000
MAX_BOX_TEXT = 300

#: Runs in the page: text-holding elements with their boxes in page coordinates.
BOXES_JS = """([maxBoxes, maxText, maxY]) => {
  const out = [];
  // items that hold their text in children (a news row: <li><span>date</span><a>title</a>)
  const items = new Set(['LI', 'TR', 'TD', 'P', 'DT', 'DD', 'ARTICLE', 'FOOTER', 'ADDRESS',
    'H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
  const all = document.body ? document.body.getElementsByTagName('*') : [];
  for (const el of all) {
    if (out.length >= maxBoxes) break;
    let own = '';
    for (const node of el.childNodes) {
      if (node.nodeType === 3) own += node.nodeValue;
    }
    let text = own.trim() || items.has(el.tagName) ? (el.innerText || el.textContent || '') : '';
    if (!text && (el.tagName === 'IMG' || el.tagName === 'AREA')) {
      text = (el.getAttribute('alt') || '') + ' ' + (el.getAttribute('title') || '');
    }
    text = text.replace(/\\s+/g, ' ').trim();
    if (!text) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const top = r.top + window.scrollY;
    if (top > maxY) continue;
    out.push([text.slice(0, maxText), r.left + window.scrollX, top, r.width, r.height]);
  }
  return out;
}"""


@dataclass(frozen=True, slots=True)
class Box:
    """One element's own text and where it sits (CSS pixels of the page)."""

    text: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Picture:
    """The stored screenshot (a palette PNG, ``width`` x ``height``) and the text boxes,
    scaled to the picture's pixels."""

    png: bytes
    width: int
    height: int
    boxes: tuple[Box, ...]


async def photograph(page: Any, *, timeout: float) -> Picture | None:
    """The top of the page (down to :data:`MAX_SHOT_HEIGHT`) and its text boxes, or None when
    the browser could not take the picture (the judged DOM stays good without one)."""
    try:
        height = await page.evaluate(
            "() => Math.max(document.documentElement.scrollHeight,"
            " document.body ? document.body.scrollHeight : 0)"
        )
        viewport = page.viewport_size or {"width": 1280, "height": 800}
        shot_height = max(1, min(int(height or 0) or viewport["height"], MAX_SHOT_HEIGHT))
        raw = await page.screenshot(
            type="png",
            full_page=True,
            clip={"x": 0, "y": 0, "width": viewport["width"], "height": shot_height},
            timeout=timeout * 1000,
        )
        found = await page.evaluate(BOXES_JS, [MAX_BOXES, MAX_BOX_TEXT, shot_height])
    except Exception as exc:
        log.warning("screenshot failed: %s", exc)
        return None
    return shrink(raw, found, page_width=viewport["width"])


def shrink(raw: bytes, found: list[Any], *, page_width: int) -> Picture | None:
    """Scale the browser's PNG to :data:`STORED_WIDTH` as a palette PNG, and the boxes with it."""
    from PIL import Image

    with contextlib.suppress(Exception), Image.open(io.BytesIO(raw)) as image:
        scale = min(1.0, STORED_WIDTH / max(1, image.width))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.quantize(colors=256).save(out, format="PNG", optimize=True)
        factor = size[0] / max(1, page_width)
        boxes = tuple(
            Box(str(t), x * factor, y * factor, w * factor, h * factor)
            for t, x, y, w, h in found
            if isinstance(t, str)
        )
        return Picture(out.getvalue(), size[0], size[1], boxes)
    return None

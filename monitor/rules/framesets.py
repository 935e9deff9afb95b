"""How much of the window each frame of a ``<frameset>`` homepage gets, as a browser lays it out.

Both questions about an old frameset site rest on this: which frame is the main one (the page
the homepage is judged on) and which other frames a visitor sees beside it (RULES.md: judged on
"the pages those frames show"). Document order answers neither: a content frame may come before
its bottom frame (``rows="*,60"``), and a hidden frame often comes last (``rows="100%,*"`` or
``rows="*,0"``: a background-music player or a hit counter). So the frames are laid out as
HTML's frameset algorithm does, in a window the size of the renderer's (1280x800): pixel sizes
first, then percentages of the frameset, then ``*`` shares of what is left; a frameset with both
``rows`` and ``cols`` is a grid filled row by row, and a frame beyond its cells gets nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import _Element as Element

#: The window the frames are laid out in: the renderer's viewport.
WINDOW = (1280.0, 800.0)

_SIZE = re.compile(r"^\s*(\d*(?:\.\d*)?)\s*(px|%|\*)?\s*$")
#: Frame names that say "content" (``mainFrame``, ``content``, ``body``) but not a menu's
#: (``mainmenu``, ``topnav``).
_CONTENT_NAME = re.compile(r"main|content|body", re.I)
_MENU_NAME = re.compile(r"menu|nav|top|head|banner|foot|bottom|left|side", re.I)


@dataclass(frozen=True)
class FramePane:
    """One ``<frame>`` and the area (px²) a visitor's window gives it; 0 when it is not shown."""

    element: Element
    area: float

    @property
    def src(self) -> str:
        return (self.element.get("src") or "").strip()


def _lengths(spec: str | None, total: float) -> list[float]:
    """Pixel lengths of a frameset's ``rows`` or ``cols`` in ``total`` pixels (no attribute:
    one pane of the whole length). A size the browser cannot read counts as ``*``."""
    parts = (spec or "100%").split(",")
    fixed: list[float | None] = []
    weights: list[float] = []
    for part in parts:
        found = _SIZE.match(part)
        number = float(found.group(1)) if found and found.group(1) not in ("", ".") else None
        unit = found.group(2) if found else "*"
        if unit == "%":
            fixed.append(total * (number or 0.0) / 100)
            weights.append(0.0)
        elif unit == "*" or number is None:
            fixed.append(None)
            weights.append(1.0 if number is None else number)
        else:
            fixed.append(number)
            weights.append(0.0)
    used = sum(f for f in fixed if f is not None)
    left = max(0.0, total - used)
    share = sum(weights)
    out: list[float] = []
    for length, weight in zip(fixed, weights, strict=True):
        if length is not None:
            out.append(length)
        else:
            out.append(left * weight / share if share else 0.0)
    if used > total and used > 0:  # fixed sizes that overflow shrink in proportion
        out = [x * total / used for x in out]
    return out


def frame_panes(root: Element) -> list[FramePane]:
    """Every ``<frame>`` with a ``src`` under the page's outermost ``<frameset>``, in document
    order, with the area it is given; [] for a page without a frameset."""
    top = root.find(".//frameset")
    if top is None:
        return []
    panes: list[FramePane] = []

    def lay_out(frameset: Element, width: float, height: float) -> None:
        rows = _lengths(frameset.get("rows"), height)
        cols = _lengths(frameset.get("cols"), width)
        children = [c for c in frameset if c.tag in ("frame", "frameset")]
        for index, child in enumerate(children):
            row, col = divmod(index, len(cols))
            shown = row < len(rows)
            w, h = (cols[col], rows[row]) if shown else (0.0, 0.0)
            if child.tag == "frameset":
                lay_out(child, w, h)
            elif (child.get("src") or "").strip():
                panes.append(FramePane(child, w * h))

    lay_out(top, *WINDOW)
    return panes


def main_pane(panes: list[FramePane]) -> FramePane | None:
    """The frame that holds the content: one named like content (``mainFrame``) among those
    shown, else the largest (a later frame wins a tie: menus and banners come first)."""
    shown = [p for p in panes if p.area > 0]
    if not shown:
        return panes[-1] if panes else None
    named = [
        p
        for p in shown
        if _CONTENT_NAME.search(p.element.get("name") or "")
        and not _MENU_NAME.search(p.element.get("name") or "")
    ]
    best: FramePane | None = None
    for pane in named or shown:
        if best is None or pane.area >= best.area:
            best = pane
    return best

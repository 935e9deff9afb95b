"""What the page's own stylesheet and scripts do to its text (RULES.md "credit", "updates").

Two questions the page reader (:mod:`monitor.rules.page_text`) asks before it walks a page:

- **Which elements are hidden by CSS?** RULES.md: text hidden from visitors (the ``hidden``
  attribute, inline ``display:none``, or a stylesheet rule such as Bootstrap's ``.d-none``) is not
  visible text. A rendered page carries the browser's own verdict: the renderer marks every element
  whose computed style is ``display:none`` or ``visibility:hidden`` with ``data-monitor-hidden``.
  When the renderer also marks ``<html data-monitor-rendered>``, the browser's marks are the
  only CSS verdict used (a rule in a stylesheet file may show a ``.d-none`` again, which only
  the browser knows). A page read without the browser gets the same answer for the common
  cases from
  :func:`hidden_elements`: rules in the page's own ``<style>`` elements whose selectors are
  classes, ids and tags (compound, with descendant or child ``>`` combinators), outside
  ``@media`` blocks;
  and :func:`hidden_by_class` for the framework classes that hide even when their stylesheet is
  not fetched (Bootstrap's ``d-none``, ``d-lg-none``, Bootstrap 3 / Tailwind ``hidden``), read
  for a desktop-wide window, as the renderer shows the page: ``d-none d-md-block`` is visible,
  ``d-block d-lg-none`` (a phone-only footer) is not.
  A scroll-reveal box is not hidden: templates built on WOW.js (class ``wow``), AOS
  (``data-aos``) or Colorlib's waypoints (``animate-box``) hide such a box with a rule like
  ``.wow{visibility:hidden}`` only until the visitor scrolls to it (RULES.md: content that
  becomes visible on scrolling is visible text). :func:`is_reveal_box` names them; a
  ``display:none`` rule, the ``hidden`` attribute or ``.d-none`` still hide them (the renderer
  scrolls the page itself, see monitor/fetching/browser_page.py).
  A rule that shows an element again (``display:block`` on a matching selector, or an inline
  ``display``) wins over a hiding rule: when in doubt the text counts as visible, so a credit a
  visitor can read is never called missing.
- **Which text is a live value written by a script?** RULES.md: ``document.lastModified`` (the
  server's ``Last-Modified`` header) and clocks are never updates. :func:`live_elements` finds
  inline scripts that read ``document.lastModified``, or the current time in a clock-like way,
  and returns the elements they fill (by ``getElementById``/``querySelector('#id')``/``$('#id')``)
  and the scripts that ``document.write`` (the text after such a script is what it wrote). On a
  static page those elements are empty anyway; on a rendered page they hold the live value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from lxml import etree

from monitor.rules import vocabulary

Element: TypeAlias = etree._Element

_COMMENT_RE = re.compile(r"/\*.*?\*/", re.DOTALL)
_BRACE_RE = re.compile(r"[{};]")
_HIDE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_DISPLAY_NONE_RE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
#: Classes and attributes of the scroll-reveal libraries real templates use (WOW.js's box
#: class, Colorlib's waypoint boxes, ScrollReveal) and AOS's attribute.
REVEAL_CLASSES = frozenset({"wow", "animate-box", "reveal-on-scroll"})
REVEAL_ATTRIBUTES = ("data-aos", "data-sr", "data-sr-id")


def is_reveal_box(el: Element) -> bool:
    """Whether ``el`` is a box a scroll-reveal library hides only until it is scrolled to."""
    if any(el.get(name) is not None for name in REVEAL_ATTRIBUTES):
        return True
    return not REVEAL_CLASSES.isdisjoint((el.get("class") or "").split())


_SHOW_RE = re.compile(r"display\s*:\s*(?!none)[a-z-]+|visibility\s*:\s*visible", re.IGNORECASE)
#: One compound selector: an optional tag, then classes and ids (no pseudo-classes, attributes).
_COMPOUND_RE = re.compile(r"^([a-zA-Z][\w-]*)?((?:[.#][\w-]+)*)$")
_PART_RE = re.compile(r"([.#])([\w-]+)")
#: Display classes of CSS frameworks, which hide (or show) an element without their stylesheet
#: being fetched: Bootstrap 4/5 ``d-none``, ``d-md-block`` (and ``invisible``); Tailwind
#: ``hidden``, ``lg:flex``; Bootstrap 3 ``hidden``, ``hidden-lg``. Group 1 is the breakpoint, group 2 the display value.
_DISPLAY_CLASS_RE = re.compile(
    r"^(?:d-(?:(sm|md|lg|xl|xxl)-)?(none|block|inline|inline-block|flex|inline-flex|grid|"
    r"inline-grid|table|table-cell|table-row|contents)"
    r"|(?:(sm|md|lg|xl|2xl):)?(hidden|block|inline|inline-block|flex|inline-flex|grid|table)"
    r"|hidden-(lg)|visible-(lg)(?:-[a-z]+)?)$"
)
#: Breakpoints (minimum width in px) of Bootstrap (sm..xxl) and Tailwind (sm..2xl). The renderer
#: and the screenshots use a 1280 px wide window: a desktop visitor's view.
_BREAKPOINTS = {"": 0, "sm": 576, "md": 768, "lg": 992, "xl": 1200, "xxl": 1400, "2xl": 1536}
_TAILWIND_BREAKPOINTS = {"": 0, "sm": 640, "md": 768, "lg": 1024, "xl": 1280, "2xl": 1536}
DESKTOP_WIDTH = 1280

_ID_TARGET_RE = re.compile(
    r"""(?:getElementById\(\s*|querySelector(?:All)?\(\s*['"]#|\$\(\s*['"]#)['"]?([\w-]+)"""
)


def hidden_by_class(classes: str) -> bool:
    """Whether framework display classes hide the element on a desktop-wide screen.

    The display class of the widest breakpoint that applies at :data:`DESKTOP_WIDTH` wins, as in
    the frameworks' own stylesheets: ``d-none d-md-block`` is shown, ``d-block d-lg-none`` and
    ``hidden`` are hidden. Tailwind's collapsed panel, ``max-h-0 overflow-hidden`` (an
    accordion or a form a button opens: NTHU Astronomy Club's 社慶報名 form), clips all it holds:
    hidden too.
    """
    if "max-h-0" in classes and {"max-h-0", "overflow-hidden"} <= set(classes.split()):
        return True
    if "none" not in classes and "hidden" not in classes:
        return "invisible" in classes.split()  # Bootstrap 4/5: visibility: hidden
    best: tuple[int, bool] | None = None
    for token in classes.split():
        m = _DISPLAY_CLASS_RE.match(token)
        if m is None:
            continue
        bs_point, bs_value, tw_point, tw_value, bs3_hidden, bs3_visible = m.groups()
        if bs_value is not None:
            width, hidden = _BREAKPOINTS[bs_point or ""], bs_value == "none"
        elif tw_value is not None:
            width, hidden = _TAILWIND_BREAKPOINTS[tw_point or ""], tw_value == "hidden"
        else:
            width, hidden = _BREAKPOINTS["lg"] + 1, bs3_hidden is not None and not bs3_visible
        if width <= DESKTOP_WIDTH and (best is None or width >= best[0]):
            best = (width, hidden)
    return best is not None and best[1]


def _rules(css: str) -> list[tuple[str, str]]:
    """(selector list, declarations) of the top-level rules; ``@media`` and other at-rules
    (with their nested rules) are left out."""
    css = _COMMENT_RE.sub("", css)
    found: list[tuple[str, str]] = []
    depth, start, selector, skipping = 0, 0, "", False
    for m in _BRACE_RE.finditer(css):
        char, at = m.group(), m.start()
        if char == "{":
            if depth == 0:
                selector = css[start:at].strip()
                skipping = selector.startswith("@")
                start = at + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth <= 0:
                if not skipping and selector:
                    found.append((selector, css[start:at]))
                depth, start, selector, skipping = 0, at + 1, "", False
        elif depth == 0:
            start = at + 1  # @import ...; @charset ...;
    return found


@dataclass(frozen=True, slots=True)
class _Compound:
    """One compound selector: ``div.news.box#main`` (any part may be missing)."""

    tag: str | None
    classes: frozenset[str]
    ident: str | None
    #: the element must be a child of the one matching the compound before (``a > b``), not
    #: any descendant
    direct: bool = False

    def matches(self, el: Element) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.ident is not None and el.get("id") != self.ident:
            return False
        return not self.classes or self.classes <= set((el.get("class") or "").split())


Selector = tuple[_Compound, ...]


#: Longer selectors are not read: each step costs a walk up the tree.
_MAX_STEPS = 8


def _selector(text: str) -> Selector | None:
    """A selector of compounds joined by spaces (descendants) or ``>`` (children), or None when
    we do not read it."""
    steps: list[_Compound] = []
    direct = False
    for compound in text.replace(">", " > ").split():
        if compound == ">":
            if not steps or direct:
                return None
            direct = True
            continue
        m = _COMPOUND_RE.match(compound)
        if m is None or not (m.group(1) or m.group(2)):
            return None
        parts = _PART_RE.findall(m.group(2))
        ids = [name for kind, name in parts if kind == "#"]
        steps.append(
            _Compound(
                m.group(1).lower() if m.group(1) else None,
                frozenset(name for kind, name in parts if kind == "."),
                ids[0] if ids else None,
                direct,
            )
        )
        direct = False
    if direct or len(steps) > _MAX_STEPS:
        return None
    return tuple(steps) or None


def _selectors(selectors: str) -> list[Selector]:
    return [sel for text in selectors.split(",") if (sel := _selector(text.strip())) is not None]


def _matches(el: Element, selector: Selector) -> bool:
    """Whether ``el`` matches the last compound and its ancestors the earlier ones, in order
    (a ``>`` step: the parent itself)."""
    if not selector[-1].matches(el):
        return False
    if not any(step.direct for step in selector):
        # descendants only: matching each compound at its nearest ancestor is enough
        wanted = len(selector) - 2
        parent = el.getparent()
        while wanted >= 0 and parent is not None:
            if selector[wanted].matches(parent):
                wanted -= 1
            parent = parent.getparent()
        return wanted < 0
    return _matches_up(el, selector, len(selector) - 1, {})


def _matches_up(
    el: Element, selector: Selector, index: int, seen: dict[tuple[Element, int], bool]
) -> bool:
    """Whether the compounds before ``selector[index]`` (which ``el`` matches) match its
    ancestors. Remembered per (element, step), so a hostile selector on a deep page stays
    linear in its depth."""
    if index == 0:
        return True
    key = (el, index)  # the element itself: it stays alive, so its identity stays its own
    if key in seen:
        return seen[key]
    before = selector[index - 1]
    parent = el.getparent()
    found = False
    if selector[index].direct:
        found = (
            parent is not None
            and before.matches(parent)
            and _matches_up(parent, selector, index - 1, seen)
        )
    else:
        while parent is not None and not found:
            found = before.matches(parent) and _matches_up(parent, selector, index - 1, seen)
            parent = parent.getparent()
    seen[key] = found
    return found


def _matching(root: Element, selectors: list[Selector]) -> set[Element]:
    """Elements matching any of ``selectors``, found with one scan of the elements that have a
    class or an id (and one per bare tag), not one XPath per selector."""
    found: set[Element] = set()
    keyed = [sel for sel in selectors if sel[-1].classes or sel[-1].ident]
    for sel in selectors:
        if sel not in keyed and sel[-1].tag:
            found.update(el for el in root.iter(sel[-1].tag) if _matches(el, sel))
    if not keyed:
        return found
    by_class: dict[str, list[Selector]] = {}
    by_id: dict[str, list[Selector]] = {}
    for sel in keyed:
        last = sel[-1]
        if last.ident is not None:
            by_id.setdefault(last.ident, []).append(sel)
        else:
            by_class.setdefault(next(iter(last.classes)), []).append(sel)
    tests = [f"contains(@class, '{name}')" for name in by_class]
    tests += [f"@id='{name}'" for name in by_id]
    # a first filter in libxml2 when there are few names to look for (most pages: one or two)
    scan = f"//*[{' or '.join(tests)}]" if len(tests) <= 8 else "//*[@class or @id]"
    for el in root.xpath(scan):
        candidates = by_id.get(el.get("id") or "", [])
        if by_class:
            for token in (el.get("class") or "").split():
                candidates = candidates + by_class.get(token, [])
        if any(_matches(el, sel) for sel in candidates):
            found.add(el)
    return found


def hidden_elements(root: Element) -> set[Element]:
    """Elements the page's own ``<style>`` rules hide (and no rule or inline style shows).

    A stylesheet too large to read this way (a whole framework pasted into the page: more than
    ``vocabulary.CSS_MAX_SELECTORS`` rules or selectors) hides nothing here: the text counts as
    visible, and a rendered page has the browser's verdict anyway.
    """
    styles = [s.text for s in root.iter("style") if s.text and _HIDE_RE.search(s.text)]
    if not styles:
        return set()
    hide: list[Selector] = []
    hide_until_shown: list[Selector] = []  # visibility:hidden only: a reveal box may show
    show: list[Selector] = []
    if sum(s.count("{") for s in styles) > vocabulary.CSS_MAX_SELECTORS:
        return set()
    for css in styles:
        for selectors, declarations in _rules(css):
            if _DISPLAY_NONE_RE.search(declarations):
                hide += _selectors(selectors)
            elif _HIDE_RE.search(declarations):
                hide_until_shown += _selectors(selectors)
            elif _SHOW_RE.search(declarations):
                show += _selectors(selectors)
    if not (hide or hide_until_shown) or (
        len(hide) + len(hide_until_shown) + len(show) > vocabulary.CSS_MAX_SELECTORS
    ):
        return set()
    hidden = _matching(root, hide) if hide else set()
    if hide_until_shown:
        hidden |= {el for el in _matching(root, hide_until_shown) if not is_reveal_box(el)}
    if not hidden:
        return hidden
    shown = _matching(root, show)
    return {
        el
        for el in hidden - shown
        if el.tag not in ("html", "body") and "display" not in (el.get("style") or "")
    }


def _is_clock(script: str) -> bool:
    return "new Date()" in script and any(w in script for w in vocabulary.CLOCK_SCRIPT_WORDS)


_CONTENT_INSIDE = ".//p|.//div|.//li|.//tr|.//dt|.//article|.//section"


def _holds_a_value(el: Element) -> bool:
    """A clock or a date, not content: no paragraphs, list items or rows inside, a short text."""
    if el.tag in ("ul", "ol", "table", "tbody", "dl") or el.xpath(_CONTENT_INSIDE):
        return False
    return len("".join(el.itertext())) <= vocabulary.LIVE_VALUE_MAX_CHARS


def live_elements(root: Element) -> tuple[set[Element], set[Element]]:
    """(elements a live-value script fills, scripts whose ``document.write`` output follows them).

    A list, a table or a long text filled by a script is never taken for a live value: a news
    list loaded from JSON may well be drawn by a script that also reads the current time.
    """
    filled: set[Element] = set()
    writers: set[Element] = set()
    for script in root.iter("script"):
        text = script.text
        if not text or not (
            any(w in text for w in vocabulary.LIVE_SCRIPT_WORDS) or _is_clock(text)
        ):
            continue
        if "document.write" in text:
            writers.add(script)
        for name in set(_ID_TARGET_RE.findall(text)):
            for el in root.xpath("//*[@id=$name]", name=name):
                if _holds_a_value(el):
                    filled.add(el)
    return filled, writers

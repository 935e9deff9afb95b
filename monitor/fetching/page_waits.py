"""What the renderer waits for on a loaded page before it reads the DOM, and the reading itself.

Kept apart from :mod:`monitor.fetching.browser_page` (one page from context to DOM): each wait
is bounded, costs nothing on a page that does not need it, and says whether it changed what is
read: a timed redirect the page's scripts set up (a welcome screen that moves on after some
seconds), and a page that hides itself as a whole until a script from another host runs (an
anti-flicker snippet). :func:`settled_dom` then reads the DOM once a script redirect landed:
size-checked, scrolled for scroll-reveal boxes and marked with what the browser hides.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from monitor.fetching import limits as S
from monitor.fetching.page_scripts import (
    DOM_SIZE_JS,
    HIDDEN_ATTRIBUTE,
    MARK_HIDDEN_JS,
    REVEAL_SELECTOR,
    REVEALED_ATTRIBUTE,
    ROOT_HIDDEN_JS,
    SCROLL_REVEAL_JS,
    SHOW_ROOT_JS,
    VISIBLE_LETTERS_JS,
)


async def timed_redirect(page: Any, loop: asyncio.AbstractEventLoop) -> bool:
    """Wait for a timed redirect the page's scripts set up (see ``INIT_JS``), if one is due
    within ``RENDER_REDIRECT_WAIT`` seconds; True when the page then moved.

    Only timers whose own code assigns ``location`` (or calls ``location.replace``...) count,
    so a carousel or an analytics timer costs nothing. The wait ends as soon as the page moves.
    """
    try:
        due = float(
            await page.evaluate("() => (window.__monitorRedirectDue || 0) - performance.now()")
        )
    except Exception:
        return False
    if due <= 0 or due > S.RENDER_REDIRECT_WAIT * 1000:
        return False
    start = page.url
    end = loop.time() + due / 1000 + 1.0
    while loop.time() < end and page.url == start:
        await asyncio.sleep(0.1)
    if page.url == start:
        return False
    with contextlib.suppress(Exception):
        await page.wait_for_load_state("load", timeout=S.RENDER_REDIRECT_WAIT * 1000)
    return True


async def show_root(page: Any, others_refused: bool) -> bool:
    """Wait up to ``RENDER_UNHIDE_WAIT`` s for a page that hides itself as a whole (an
    anti-flicker snippet: page_scripts.py ``ROOT_HIDDEN_JS``) to show; True when it had to be
    shown here. A visitor's browser runs the script from another host that the snippet waits
    for, which the monitor refuses (as every other host), so a page still hidden then is shown
    as that script would show it when such requests were refused; without any, the page hid
    itself on its own and is judged as hidden, which is what a visitor sees."""
    loop = asyncio.get_running_loop()
    end = loop.time() + S.RENDER_UNHIDE_WAIT
    while await page.evaluate(ROOT_HIDDEN_JS):
        if loop.time() >= end:
            if not others_refused:
                return False
            await page.evaluate(SHOW_ROOT_JS)
            return True
        await asyncio.sleep(0.1)
    return False


async def content_shown(page: Any, settle: Callable[[float], Awaitable[None]]) -> bool:
    """Wait up to ``RENDER_EMPTY_WAIT`` s for a page that shows (almost) no text yet to show
    some; True when it waited. A single-page app may keep its content hidden behind a progress
    bar until an image has loaded and a timer has run; a visitor waits that second, and an
    "empty page" verdict read before it is wrong. A page with text, or a frameset, costs one
    evaluate; a page that stays empty is then judged as it is."""
    loop = asyncio.get_running_loop()
    end = loop.time() + S.RENDER_EMPTY_WAIT
    letters = await page.evaluate(VISIBLE_LETTERS_JS)
    if letters < 0 or letters >= S.RENDER_EMPTY_CHARS:
        return False
    while loop.time() < end:
        await asyncio.sleep(0.2)
        letters = await page.evaluate(VISIBLE_LETTERS_JS)
        if letters >= S.RENDER_EMPTY_CHARS:
            await settle(max(0.0, min(2.0, end - loop.time())))  # what it loads on showing
            return True
    return True


class DomTooLarge(Exception):
    """The rendered DOM passed RENDER_MAX_ELEMENTS or RENDER_MAX_TEXT_CHARS: not read back."""

    def __init__(self, which: str) -> None:
        limit = S.RENDER_MAX_ELEMENTS if which == "elements" else S.RENDER_MAX_TEXT_CHARS
        zh = "元素" if which == "elements" else "字元"
        self.note = Bilingual(
            f"瀏覽器中的網頁過大（超過 {limit:,} 個{zh}）",
            f"the rendered page is too large (over {limit:,} {which})",
        )
        super().__init__(self.note.en)


async def settled_dom(
    page: Any, timeout: float, *, styles_complete: Callable[[], bool] = lambda: True
) -> str:
    """The DOM with hidden elements marked, once a script redirect (if any) has landed.

    ``styles_complete`` says whether the browser had every stylesheet the page asked for; when
    it did not, the marks are not the only CSS verdict (``data-monitor-rendered`` is left out):
    the page reader also reads the framework classes (``d-none``, ``hidden``) that the missing
    stylesheet would have applied, as it does without a browser (monitor/rules/visibility.py).

    A page that navigates while we read it (``location.href = ...`` on a timer) destroys the
    execution context under us; then we wait for the new page to load and read that one.
    Raises :class:`DomTooLarge` rather than serialise a DOM past the caps (issue 17.1).
    """
    for _ in range(3):
        try:
            too_big = await page.evaluate(
                DOM_SIZE_JS, [S.RENDER_MAX_ELEMENTS, S.RENDER_MAX_TEXT_CHARS]
            )
            if too_big:
                raise DomTooLarge(too_big)
            await page.evaluate(
                SCROLL_REVEAL_JS,
                [
                    REVEALED_ATTRIBUTE,
                    S.RENDER_SCROLL_MAX_HEIGHT,
                    S.RENDER_SCROLL_SECONDS * 1000,
                    S.RENDER_SCROLL_PAUSE * 1000,
                    S.RENDER_SCROLL_STEP_WAIT * 1000,
                    REVEAL_SELECTOR,
                ],
            )
            await page.evaluate(
                MARK_HIDDEN_JS, [HIDDEN_ATTRIBUTE, REVEALED_ATTRIBUTE, styles_complete()]
            )
            content: str = await page.content()
            return content
        except Exception as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            await page.wait_for_load_state("load", timeout=timeout * 1000)
            with contextlib.suppress(Exception):
                await page.wait_for_load_state("networkidle", timeout=3000)
    if await page.evaluate(DOM_SIZE_JS, [S.RENDER_MAX_ELEMENTS, S.RENDER_MAX_TEXT_CHARS]):
        raise DomTooLarge("elements")
    content = await page.content()
    return content

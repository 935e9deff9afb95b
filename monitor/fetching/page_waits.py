"""What the renderer waits for on a loaded page before it reads the DOM.

Kept apart from :mod:`monitor.fetching.browser_page` (one page from context to DOM): each wait
is bounded, costs nothing on a page that does not need it, and says whether it changed what is
read: a timed redirect the page's scripts set up (a welcome screen that moves on after some
seconds), and a page that hides itself as a whole until a script from another host runs (an
anti-flicker snippet).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from monitor.fetching import limits as S
from monitor.fetching.page_scripts import ROOT_HIDDEN_JS, SHOW_ROOT_JS


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

"""Shared fixtures: a headless Chromium driven by Playwright, and small registries in tmp dirs.

Helpers that tests import live in ``tests/support/`` (``from tests.support.browser import run_axe``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM_ARGS, PNGSUITE, chromium_executable


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium for the whole session. Skips, saying why, when none is installed."""
    exe = chromium_executable()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def pngsuite() -> Path:
    if not PNGSUITE.is_dir():
        pytest.fail(
            f"PNG test suite not found at {PNGSUITE} (it ships with the repository in tests/data/pngsuite)"
        )
    return PNGSUITE

"""Shared fixtures: a headless Chromium driven by Playwright, and small registries in tmp dirs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The classic PNG test suite (Willem van Schaik; free to copy, see its LICENSE), vendored so a
#: fresh clone tests the banner rules on its own.
PNGSUITE = ROOT / "tests" / "data" / "pngsuite"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

#: Flags that keep Chromium from calling home (this machine and CI have no internet).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_executable() -> str | None:
    """Debian's Chromium (never a downloaded browser); CHROMIUM may point elsewhere."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


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


def run_axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Inject axe-core (from npm, see package.json) and return serious/critical violations."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} missing: run `npm ci` (make test does)")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


@pytest.fixture(scope="session")
def pngsuite() -> Path:
    if not PNGSUITE.is_dir():
        pytest.fail(
            f"PNG test suite not found at {PNGSUITE} (it ships with the repository in tests/data/pngsuite)"
        )
    return PNGSUITE

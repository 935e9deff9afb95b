"""Where the project is, and the headless Chromium the browser tests drive (never downloaded).

``CHROMIUM_ARGS`` keep Chromium from calling home (this machine and CI have no internet);
``run_axe`` injects axe-core (from npm, see package.json) into a page.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
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


def run_axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Inject axe-core (from npm, see package.json) and return serious/critical violations."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} missing: run `npm ci` (make test does)")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]

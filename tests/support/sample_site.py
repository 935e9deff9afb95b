"""Build the 200-alliance sample registry (tests/support/search_sample.py) once per test module and
serve it on loopback, for the search and homepage tests."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alliance_portal.commands.portal import make_server
from alliance_portal.portal.build import build_site
from tests.support.browser import ROOT
from tests.support.search_sample import write_sample


@contextmanager
def served_sample(root: Path, n: int = 200) -> Iterator[str]:
    """Yield the base URL of the built sample portal (with the project's own static pages)."""
    content, banners = write_sample(root, n)
    for page in (ROOT / "content" / "pages").glob("*.md"):
        shutil.copy(page, content / "pages" / page.name)
    result = build_site(content, banners, root / "output", search=True)
    assert sum(1 for a in result.registry.alliances if a.active) == n
    server = make_server(root / "output", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()

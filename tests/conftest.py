"""Shared fixtures: a headless Chromium driven by Playwright, a browser lent to a module's crawls,
and small registries in tmp dirs; the ``slow`` marker that splits the fast lane
(``make test-fast``) from the whole suite.

Helpers that tests import live in ``tests/support/`` (``from tests.support.browser import run_axe``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import CHROMIUM_ARGS, PNGSUITE, chromium_executable
from tests.support.serial import is_serial

if TYPE_CHECKING:
    from monitor.fetching.browser_host import BrowserHost
    from tests.support.farm import Site


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


@pytest.fixture(scope="module")
def browser_host() -> Iterator[BrowserHost]:
    """One Chromium for every in-process crawl of a test module: ``run_crawl(...,
    browser_host=browser_host)`` or ``Renderer(fetcher, host=browser_host)``. Starting Chromium
    per crawl cost ~2-3 s each (bench/browser_reuse.py; docs/PERFORMANCE.md). Each crawl still
    has its own pages, fetcher, stop event and memory watch; a test about the browser dying,
    failing to start or being killed for memory starts its own instead. Does not skip: without
    Chromium the host has no executable and a crawl judges the static pages, as it would."""
    from monitor.fetching.browser_host import BrowserHost

    host = BrowserHost()
    try:
        yield host
    finally:
        host.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def site() -> Iterator[Site]:
    """A loopback web site of the test's own (``Site`` of tests/support/farm.py on 127.0.0.2, a
    free port), empty: the test fills ``site.routes`` and reads ``site.hits``. A module that
    needs another kind (module-scoped, its pages served from the start, a built portal) gives
    its fixture another name, so that ``site`` means this one in every test file."""
    from tests.support.farm import Site

    served = Site("127.0.0.2").start()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="session")
def pngsuite() -> Path:
    if not PNGSUITE.is_dir():
        pytest.fail(
            f"PNG test suite not found at {PNGSUITE} (it ships with the repository in tests/data/pngsuite)"
        )
    return PNGSUITE


# -- the fast lane ---------------------------------------------------------------------------
#
# ``make test-fast`` (``pytest -m "not slow"``) is the loop a developer runs after each change;
# ``make test`` runs everything. A test is ``slow`` when it starts a browser, a server or a
# subprocess, told here without editing the tests: by the fixtures it uses (the ``browser``, or
# any fixture whose code starts a server, a crawl, a build or a process), by its own code, or by
# its module (SLOW_MODULES: modules whose helpers do it out of sight).

#: Code that starts a browser, a server or a process (a fixture's or a test's own source).
_STARTS = re.compile(
    r"\b(Site|MultiSite|Controller|ThreadingHTTPServer|make_server|serve_forever|sync_playwright"
    r"|subprocess|Popen|build_site|run_crawl|check_site|run_cli|spawn|Process|BrowserHost)\b"
)
#: Fixtures that are a browser: a test using one is ``browser`` and ``slow``.
_BROWSERS = frozenset({"browser", "browser_host"})
#: Modules whose tests start servers, processes or builds through helpers (seen by
#: ``pytest --durations``; docs/PERFORMANCE.md): every test of them is slow.
SLOW_MODULES = frozenset(
    {
        "test_banner_cli",
        "test_build",
        "test_console_browser",
        "test_crawl_run",
        "test_demo_console",
        "test_hostile_crawl",
        "test_hostile_db",
        "test_hostile_intake",
        "test_intake_browser",
        "test_intake_concurrency",
        "test_intake_server",
        "test_people_browser",
        "test_portal_browser",
        "test_portal_cli",
        "test_portal_valid_html",
        "test_publish",
        "test_real_sites",
        "test_render_pool",
        "test_report_browser",
        "test_report_commands",
        "test_schedule_e2e",
        "test_schedule_real",
        "test_search_relevance",
        "test_search_ui",
    }
)
_STARTS_CACHE: dict[tuple[object, int], bool] = {}


def _called_helpers(func: Callable[..., object]) -> list[Callable[..., object]]:
    """The test-suite functions and classes ``func`` names (its module's helpers, tests.support)."""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    scope = getattr(func, "__globals__", {})
    if code is None:
        return []
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions and lambdas
        if inspect.iscode(const):
            names |= set(const.co_names)
    found: list[Callable[..., object]] = []
    for name in names:
        helper = scope.get(name)
        # test modules import as ``test_x`` (pytest's rootdir mode), helpers as ``tests.support.x``
        module = str(getattr(helper, "__module__", ""))
        if (inspect.isfunction(helper) or inspect.isclass(helper)) and module.startswith(
            ("tests.", "test_", "conftest")
        ):
            found.append(helper)
    return found


def _starts_something(func: Callable[..., object], depth: int = 3) -> bool:
    """Whether ``func`` or a helper it calls (``depth`` calls deep) starts something."""
    func = inspect.unwrap(func)  # a @contextmanager's wrapper code is the same for all
    key = (getattr(func, "__code__", func), depth)
    if key not in _STARTS_CACHE:
        _STARTS_CACHE[key] = False  # a helper calling itself is not looked at again
        try:
            source = inspect.getsource(func)
        except (OSError, TypeError):
            source = ""
        _STARTS_CACHE[key] = bool(_STARTS.search(source)) or (
            depth > 0 and any(_starts_something(h, depth - 1) for h in _called_helpers(func))
        )
    return _STARTS_CACHE[key]


def _is_slow(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    if module is not None and module.__name__.rpartition(".")[2] in SLOW_MODULES:
        return True
    if _BROWSERS & set(getattr(item, "fixturenames", ())):
        return True
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        for fixturedef in defs:
            if fixturedef.baseid.startswith("tests") and _starts_something(fixturedef.func):
                return True
    func = getattr(item, "function", None)
    return func is not None and _starts_something(func)


# -- the tests that run alone -------------------------------------------------------------------
#
# ``make test`` runs the suite in parallel, then the ``serial`` tests by themselves: which ones
# and why is tests/support/serial.py (``SERIAL_TESTS``), read both here (the marker the parallel
# step deselects) and by the Makefile's serial step (the files it collects).


#: The test files that take longest (seconds summed over their tests, `pytest -n 3 --durations=0`
#: at load 14-20, 2026-12-07), longest first. Under pytest-xdist each worker collects them first,
#: so ``--dist loadfile --no-loadscope-reorder`` (``make test``) hands them out first and the run
#: does not end waiting on one big file started last. Only the order of whole files changes; a
#: file's own tests keep their order. A file missing here only goes later.
HEAVY_FIRST = (
    "test_crawl_run",  # 318
    "test_hostile_db",  # 223
    "test_console_app",  # 178
    "test_console_pages_browser",  # 120
    "test_search_ui",  # 118
    "test_real_sites",  # 113
    "test_render_pool",  # 106
    "test_realistic_rules",  # 89
    "test_hostile_registry",  # 87
    "test_hostile_runs",  # 85
    "test_letters_notices",  # 85
    "test_banner_rules",  # 82
    "test_crawl_settings",  # 80
    "test_demo_published",  # 73
    "test_realistic_visit",  # 67
    "test_portal_browser",  # 65
)


def _heavy_rank(item: pytest.Item) -> int:
    stem = Path(str(item.path)).stem
    return HEAVY_FIRST.index(stem) if stem in HEAVY_FIRST else len(HEAVY_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: heavy files first (stable sort)
        items.sort(key=_heavy_rank)
    for item in items:
        if is_serial(item.nodeid):
            item.add_marker(pytest.mark.serial)
        if _BROWSERS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)

"""The generated portal in real headless Chromium: banners, navigation, language switch, search,
and axe-core accessibility checks on every page type."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from alliance_portal.commands.portal import make_server
from alliance_portal.portal.build import build_site
from tests.support.browser import run_axe
from tests.support.portal_fixtures import make_registry

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("portal-browser")
    content, banners = make_registry(root)
    build_site(content, banners, root / "output", search=True)
    server = make_server(root / "output", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def visit(page, base_url):
    """Open a path; fail the test on any request that leaves the local server."""
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((base_url, "data:")) else outside.append(r.url),
    )

    def go(path: str):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        return page

    yield go
    assert outside == [], f"third-party requests: {outside}"


def banner_boxes(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".banner-grid .banner-link img, .banner-grid .banner-placeholder",
        """els => els.filter(e => e.offsetParent !== null).map(e => {
             const r = e.getBoundingClientRect();
             return {x: Math.round(r.x), y: Math.round(r.y), w: r.width, h: r.height,
                     nat: e.naturalWidth ?? null}; })""",
    )


@pytest.mark.parametrize("width", [1280, 800])
def test_homepage_shows_every_banner_at_222x112_on_desktop(visit, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    visit("")
    boxes = banner_boxes(page)
    assert len(boxes) == 3
    for box in boxes:
        assert (box["w"], box["h"]) == (222, 112), box
        assert box["nat"] in (222, None), box  # images decoded (not broken)


@pytest.mark.parametrize("width", [360, 390])
def test_phone_homepage_scales_banners_keeping_their_ratio(visit, page, width):
    page.set_viewport_size({"width": width, "height": 740})
    visit("")
    boxes = banner_boxes(page)
    assert len(boxes) == 3
    for box in boxes:
        assert 140 < box["w"] < 222 and abs(box["w"] / box["h"] - 222 / 112) < 0.02, box
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_click_reaches_alliance_page_and_language_switch_works(visit, page, base_url):
    visit("")
    page.get_by_role("link", name="智慧馬達驅動產學聯盟").last.click()
    page.wait_for_url("**/alliances/smart-motor/")
    assert page.locator("h1").inner_text() == "智慧馬達驅動產學聯盟"
    assert page.locator("html").get_attribute("lang") == "zh-TW"
    page.get_by_role("link", name="Switch to English").click()
    page.wait_for_url("**/en/alliances/smart-motor/")
    assert page.locator("h1").inner_text() == "Smart Motor Drive Alliance"
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="切換至中文").click()
    page.wait_for_url(base_url + "alliances/smart-motor/")


def test_banner_links_to_alliance_website(visit, page):
    visit("")
    href = (
        page.get_by_role("img", name="生醫感測產學聯盟").locator("xpath=..").get_attribute("href")
    )
    assert href == "https://bio.example.edu.tw/"


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        ("search/", "馬達", "智慧馬達驅動產學聯盟"),
        ("search/", "感測", "生醫感測產學聯盟"),
        ("en/search/", "motor", "Smart Motor Drive Alliance"),
    ],
)
def test_search_finds_alliance(visit, page, path, query, expected):
    visit(path)
    page.get_by_role("searchbox").fill(query)
    page.get_by_role("button", name="搜尋" if path == "search/" else "Search").click()
    first = page.locator("#search-results li a").first
    first.wait_for(timeout=10_000)
    assert first.inner_text() == expected
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == expected


def test_search_without_match_says_so(visit, page):
    visit("search/?q=鑫鑫")
    page.wait_for_function("document.getElementById('search-status').textContent.length > 0")
    assert page.locator("#search-status").inner_text() == "找不到符合的聯盟。"


def test_skip_link_is_first_and_visible_on_focus(visit, page):
    visit("")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"
    box = page.locator("a.skip").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


@pytest.mark.parametrize(
    "path",
    [
        "",
        "en/",
        "alliances/smart-motor/",
        "en/alliances/smart-motor/",
        "industries/biomed/",
        "en/industries/biomed/",
        "pages/about/",
        "en/pages/about/",
        "search/?q=馬達",
        "en/search/?q=motor",
        "404.html",
    ],
)
def test_no_serious_accessibility_violations(visit, page, path):
    visit(path)
    if "search" in path:
        page.locator("#search-results li").first.wait_for(timeout=10_000)
    violations = run_axe(page)
    assert violations == [], [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations
    ]

"""The portal as a company uses it with 200 alliances, in headless Chromium: search box on the
homepage, industry filters in place, the phone layout, readable search results in the page's
language, the query kept across the language switch, counts, the 404 page at any depth, and
axe-core on the busiest pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import run_axe
from tests.support.sample_site import served_sample

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[str]:
    with served_sample(tmp_path_factory.mktemp("ui-200")) as url:
        yield url


@pytest.fixture
def visit(page, base):
    """Open a path; fail the test on any request that leaves the local server."""
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url)
    )

    def go(path: str):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        return page

    yield go
    assert outside == [], f"third-party requests: {outside}"


def wait_results(page) -> None:
    page.wait_for_function(
        "document.getElementById('search-status').textContent.length > 0", timeout=15_000
    )


def test_homepage_search_box_leads_to_results(visit, page):
    visit("")
    box = page.get_by_role("searchbox", name="搜尋聯盟（中文或英文關鍵字）")
    assert box.bounding_box()["y"] < 500  # at the top, not below 200 banners
    box.fill("電動車")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    wait_results(page)
    assert page.locator("#search-results > li h2 a").first.inner_text() == "電動車動力系統產學聯盟"


def test_industry_filter_acts_in_place(visit, page):
    visit("")
    all_cards = page.locator(".card:visible").count()
    assert all_cards == 200  # without choosing, every banner is there
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(".industry-filter a[data-industry='biomed']").click()
    assert page.evaluate("window.scrollY") == 0  # no jump down the page
    assert page.url.endswith("#industry=biomed")
    visible = page.locator("section.industry-group:visible")
    assert visible.count() == 1 and visible.get_attribute("id") == "biomed"
    assert 0 < page.locator(".card:visible").count() < all_cards
    assert page.locator(".industry-filter a[aria-current='true']").inner_text().startswith("生醫")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("section.industry-group:visible").count() == 1  # kept on reload
    page.locator(".industry-filter a[data-industry='']").click()
    assert page.locator(".card:visible").count() == all_cards


def test_without_javascript_every_banner_is_shown(browser, base):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(base + "#industry=biomed")
        assert pg.locator(".card:visible").count() == 200
        href = pg.locator(".industry-filter a[data-industry='biomed']").get_attribute("href")
        assert href == "./industries/biomed/"
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 414])
def test_phone_homepage_is_compact(visit, page, width):
    page.set_viewport_size({"width": width, "height": 740})
    visit("")
    tops = page.eval_on_selector_all(
        "#biomed .banner-link",
        "els => els.map(e => { const r = e.getBoundingClientRect(); "
        "return [Math.round(r.top), r.width, r.height]; })",
    )
    assert tops[0][0] == tops[1][0]  # two banners side by side
    assert all(abs(w / h - 222 / 112) < 0.02 for _, w, h in tops)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Roughly 100 rows of two: far shorter than one banner per row (the old 40,000 px).
    assert page.evaluate("document.documentElement.scrollHeight") < 200 * 112


def test_results_are_readable_in_the_page_language(visit, page):
    visit("en/search/?q=" + "馬達")
    wait_results(page)
    first = page.locator("#search-results > li").first
    assert first.locator("h2 a").inner_text() == "Precision Motor Design Alliance"
    facts = first.locator(".result-facts .fact").all_inner_texts()
    assert facts[0] == "University: National Formosa University"
    assert facts[1] == "Principal investigator: Chen-Hua Shih"
    assert facts[2] == "Industry: Mechatronics & Materials"
    snippet = first.locator(".result-snippet")
    assert snippet.get_attribute("lang") == "zh-TW"  # the words are only in the Chinese intro
    assert "馬達" in snippet.locator("mark").first.inner_text()


def test_counts_filter_and_language_switch_keep_the_query(visit, page):
    visit("search/?q=" + "方韻如")
    wait_results(page)
    assert page.locator("#search-status").inner_text() == "1 筆結果"
    visit("en/search/?q=" + "Ching-Yi Wei")
    wait_results(page)
    assert page.locator("#search-status").inner_text() == "1 result"
    page.get_by_role("link", name="切換至中文").click()
    page.wait_for_url("**/search/?q=Ching-Yi+Wei")
    wait_results(page)
    assert page.locator("#search-results > li h2 a").first.inner_text() == (
        "助聽器與聽覺輔具產學聯盟"
    )
    # The industry filter narrows the results and is kept in the address.
    visit("search/?q=" + "電動車")
    wait_results(page)
    before = page.locator("#search-results > li").count()
    page.get_by_label("產業分類").select_option("mechatronics")
    page.wait_for_url("**industry=mechatronics*")
    wait_results(page)
    page.wait_for_function(
        "[...document.querySelectorAll('#search-results .fact')].filter(f => "
        "f.textContent.startsWith('產業分類')).every(f => f.textContent.endsWith('機電材料'))"
    )
    assert 0 < page.locator("#search-results > li").count() <= before


def test_no_alliance_holds_every_word_shows_the_closest(visit, page):
    visit("search/?q=" + "智慧農業 海洋牧場")
    wait_results(page)
    assert page.locator("#search-status").inner_text().startswith("沒有聯盟符合全部關鍵字")
    assert page.locator("#search-results > li h2 a").first.inner_text() == "智慧農業物聯網產學聯盟"


def test_missing_nested_url_gets_a_styled_404_that_goes_home(visit, page, base):
    response = page.goto(base + "no-such-page/deeper/")
    assert response.status == 404
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    page.get_by_role("link", name="回到首頁").click()
    page.wait_for_url(base)
    assert page.locator("h1").inner_text() == "找到合作的產學小聯盟"


@pytest.mark.parametrize(
    "path",
    [
        "",
        "en/",
        "search/?q=半導體",
        "en/search/?q=drone",
        "alliances/ev-powertrain/",
        "en/industries/biomed/",
        "pages/rules/",
        "en/pages/contact/",
        "no-such/page/",
    ],
)
@pytest.mark.parametrize("width", [1280, 360])
def test_pages_accessible_and_fit_a_phone(page, base, path, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    if "q=" in path:
        wait_results(page)
    violations = run_axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    assert page.evaluate("document.documentElement.scrollWidth") <= width

"""The report page in headless Chromium: filters, sorting, no script from evidence, screenshots.

Screenshots go to ``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_report_data import MONTHS, make_monitor

from monitor.reports.files import write_month_reports
from monitor.reports.month import load_alliances

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def report_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    monitor = make_monitor(tmp_path_factory.mktemp("browser"))
    alliances = load_alliances(monitor.content)
    folder = Path()
    for month in MONTHS:
        folder = write_month_reports(monitor.store, month, monitor.reports, alliances=alliances)
    return (folder / "index.html").as_uri()


def visible_slugs(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#alliances > tbody > tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.slug)"
    )


def test_report_page_filters_sorts_and_runs_no_evidence_script(page, report_url: str) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(report_url)

    assert page.title().startswith("產學小聯盟網站月檢報告 2026-05")
    assert page.is_visible("#filters")  # shown by the inline script (CSP allowed it)
    assert page.inner_text("#f-count").startswith("顯示 7 / 7")
    assert visible_slugs(page)[:3] == ["hostile", "newly-bad", "no-contact"]

    page.select_option("#f-status", "fail")
    assert visible_slugs(page) == ["hostile", "newly-bad", "no-contact"]
    page.select_option("#f-check", "credit")
    assert visible_slugs(page) == []  # newly-bad's credit could not be checked: no fail
    page.select_option("#f-status", "not-checked")
    assert visible_slugs(page) == ["newly-bad"]
    page.select_option("#f-status", "problem")  # warn or fail only: not "not checked"
    assert sorted(visible_slugs(page)) == ["hostile", "name-only"]
    page.select_option("#f-status", "all")
    page.fill("#f-text", "馬達")
    assert visible_slugs(page) == ["good-motor"]
    page.fill("#f-text", "")
    assert len(visible_slugs(page)) == 7

    page.click("th[data-sort-key=name] button")
    assert visible_slugs(page) == sorted(visible_slugs(page))
    assert page.get_attribute("th[data-sort-key=name]", "aria-sort") == "ascending"
    page.click("th[data-sort-key=updates] button")  # worst first: fails, then the oldest warn/pass
    order = visible_slugs(page)
    assert set(order[:3]) == {"hostile", "newly-bad", "no-contact"}
    assert order[3] == "old-cert"  # the only warn
    page.click("th[data-sort-key=updates] button")
    again = visible_slugs(page)
    assert again[:3] == ["comeback", "good-motor", "name-only"]  # passes; ties by slug
    assert set(again[-3:]) == {"hostile", "newly-bad", "no-contact"}

    page.click("#a-comeback details.months summary")
    assert page.is_visible("#a-comeback details.months table")
    assert dialogs == [], "evidence text must never run as script"
    assert errors == [], errors  # includes CSP violations

    ARTIFACTS.mkdir(exist_ok=True)
    page.fill("#f-text", "")
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "report-2026-05.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "report-2026-05-print.png"), full_page=True)
    assert not page.is_visible("#filters")  # controls are not printed
    assert page.evaluate("getComputedStyle(document.querySelector('.downloads')).display") == "none"


def test_report_page_works_without_javascript(browser, report_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(report_url)
        assert not page.is_visible("#filters")
        assert len(visible_slugs(page)) == 7
        assert page.is_visible("#a-newly-bad >> text=新增未通過")
    finally:
        context.close()


def test_snapshot_opens_as_text(page, report_url: str) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(report_url.replace("index.html", "snapshots/good-motor.txt"))
    assert "<script>alert('from the site')</script>" in page.inner_text("body")
    assert dialogs == []


def test_report_page_fits_a_phone_screen(browser, report_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 420, "height": 800})
    try:
        page = context.new_page()
        page.goto(report_url)
        # the wide table scrolls inside its box; the page itself never scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 420
        box = page.eval_on_selector(".table-wrap", "e => [e.scrollWidth, e.clientWidth]")
        assert box[0] > box[1]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-2026-05-phone.png"), full_page=True)
    finally:
        context.close()


def test_report_prints_on_a4_landscape(browser, report_url: str) -> None:  # type: ignore[no-untyped-def]
    import re

    # the printable area of A4 landscape with the page's 10 mm margins, at 96 dpi
    context = browser.new_context(viewport={"width": 1047, "height": 718})
    try:
        page = context.new_page()
        page.goto(report_url)
        page.emulate_media(media="print")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1047  # nothing cut off
        # on paper: the site's address instead of links, the months of the history strip
        assert page.is_visible("#a-good-motor .url-print")
        assert not page.is_visible("#a-good-motor .links")
        months = page.locator("#a-comeback .strip li > span[aria-hidden=true]")
        assert months.all_inner_texts() == ["03", "04", "05"]
        assert all(
            box and box["width"] > 10 for box in map(lambda m: m.bounding_box(), months.all())
        )
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report-2026-05.pdf").write_bytes(pdf)
    finally:
        context.close()
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf))
    assert len(boxes) == 1
    width, height = (float(v) for v in boxes.pop())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points


@pytest.fixture(scope="module")
def shots_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from test_report_data import add_screenshots_run_b, add_screenshots_run_c

    monitor = make_monitor(tmp_path_factory.mktemp("browser-shots"))
    add_screenshots_run_b(monitor.store)
    add_screenshots_run_c(monitor.store)
    alliances = load_alliances(monitor.content)
    folder = Path()
    for month in MONTHS:
        folder = write_month_reports(monitor.store, month, monitor.reports, alliances=alliances)
    return (folder / "index.html").as_uri()


def test_screenshot_thumbnails_load_and_open_the_png(page, shots_url: str) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(shots_url)
    thumb = page.locator("#a-old-cert a.shot svg")
    thumb.scroll_into_view_if_needed()
    # the picture is drawn in an SVG (so the evidence can be outlined over it, CSP-safe)
    drawn = thumb.locator("image").evaluate("i => [i.getBBox().width, i.getBBox().height]")
    assert drawn == [320, 200]
    box = thumb.bounding_box()
    assert box and round(box["width"]) == 160 and 99 <= box["height"] <= 103  # drawn small
    assert page.locator("#a-hostile a.shot").count() == 0
    assert errors == [], errors  # the page's Content-Security-Policy lets our own images load

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#a-old-cert").screenshot(path=str(ARTIFACTS / "report-row-screenshot.png"))
    page.emulate_media(media="print")
    assert not thumb.is_visible()  # not printed
    page.emulate_media(media="screen")

    with page.expect_navigation():
        page.click("#a-good-motor a.shot")
    assert page.url.endswith("/2026-05/screenshots/good-motor.png")
    assert page.evaluate("document.images.length && document.images[0].naturalWidth") == 320

"""The console's import page, in a real Chromium, showing why a file is refused: in the
office's language, naming the file once and saying what to do, with no library's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_console_app import OFFICE_PASSWORD, build_console
from test_console_browser import shoot
from test_hostile_files_corpus import plain_book, replace_part, workbook_bytes
from test_intake_support import running_server, services_of
from test_notify import free_port

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
LIBRARY_WORDS = re.compile(r"Error\b|Exception|openpyxl|zlib|Traceback|field limit|\(\w+: ")


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    console = build_console(tmp_path_factory.mktemp("import-page"), free_port())
    svc = services_of(console.app)
    try:
        with running_server(console.app) as url:
            yield url
    finally:
        svc.jobs.close()
        svc.rebuilder.close()


def _upload(browser: Any, url: str, path: Path, english: bool) -> tuple[Any, str]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/office/login")
    page.locator("#password").fill(OFFICE_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{url}/office/", timeout=WAIT_MS)
    page.goto(f"{url}/office/import")
    if english:
        page.locator("#lang-switch").click()
        page.wait_for_load_state()
    page.locator("input[type=file]").set_input_files(str(path))
    page.locator("main form[enctype] button[type=submit]").click()
    page.locator("#import-problem").wait_for(timeout=WAIT_MS)
    return page, page.locator("#import-problem").inner_text()


def _files(folder: Path) -> dict[str, Path]:
    broken = folder / "聯盟名單.xlsx"
    broken.write_bytes(
        replace_part(workbook_bytes(plain_book()), "xl/worksheets/sheet1.xml", b"<worksheet><sh")
    )
    long_line = folder / "名單.csv"
    long_line.write_text("slug,name\nsmart-motor,x\n" + "," * 300_000 + "\n", encoding="utf-8")
    return {"workbook": broken, "csv": long_line}


@pytest.mark.parametrize("english", [False, True], ids=["zh-TW", "en"])
def test_a_refused_file_is_explained_on_the_import_page(
    browser: Any, console_url: str, tmp_path: Path, english: bool
) -> None:
    files = _files(tmp_path)
    page, said = _upload(browser, console_url, files["workbook"], english)
    shoot(page, f"import-refused-workbook-{'en' if english else 'zh'}", "main")
    assert said.count("聯盟名單.xlsx") == 1, said
    assert not LIBRARY_WORDS.search(said), said
    if english:
        assert "not a readable Excel workbook" in said and "save it again as .xlsx" in said
    else:
        assert said.startswith("無法匯入「聯盟名單.xlsx」，沒有任何變更：無法讀取這個 Excel 活頁簿")
        assert "另存為 .xlsx" in said and not re.search(r"[A-Za-z]{12,}", said)
    page.context.close()
    page, said = _upload(browser, console_url, files["csv"], english)
    shoot(page, f"import-refused-csv-line-{'en' if english else 'zh'}", "main")
    assert said.count("名單.csv") == 1 and not LIBRARY_WORDS.search(said), said
    assert ("line 3 is longer than 262,144" if english else "第 3 行超過 262,144 字") in said
    page.context.close()


def test_the_preview_fits_a_phone(browser: Any, console_url: str, tmp_path: Path) -> None:
    """On a phone each row of the preview is a card labelled by its columns: long names and web
    addresses wrap, nothing runs off the screen (the table used to be cut at the right edge)."""
    sheet = tmp_path / "名單.csv"
    rows = ["代號,聯盟名稱,學校,產業別,網站"] + [
        f"lab-{i},智慧製造產學小聯盟第{i}號很長的名稱,國立臺灣科技大學機械工程系,ict,"
        f"https://lab{i}.example.edu.tw/very/long/path/to/the/alliance/index.html"
        for i in range(3)
    ]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{console_url}/office/login")
    page.locator("#password").fill(OFFICE_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{console_url}/office/", timeout=WAIT_MS)
    page.goto(f"{console_url}/office/import")
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.locator("main form[enctype] button[type=submit]").click()
    page.locator("#import-result").wait_for(timeout=WAIT_MS)
    shoot(page, "import-preview-phone")
    # no cell, and not the table in its scrolling box, holds more than it shows
    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('#import-result .table-wrap, #import-result td')]"
        ".filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.outerHTML.slice(0, 80))"
    )
    assert overflowing == [], overflowing
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # each cell says which column it is, in the office's language
    label = page.evaluate(
        "() => getComputedStyle(document.querySelector('#row-2 td:nth-child(2)'), '::before')"
        ".content"
    )
    assert label == '"聯盟"', label
    assert "https://lab0.example.edu.tw/very/long/path" in page.locator("#row-2").inner_text()
    context.close()

"""The report files of a fixture crawl: HTML parsed, CSV read with csv, XLSX with openpyxl."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from test_report_data import FORMULA, MONTHS, Monitor, make_monitor

from alliance_portal.cli import main
from monitor.reports.files import write_month_reports
from monitor.reports.month import load_alliances


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Monitor, Path]:
    monitor = make_monitor(tmp_path_factory.mktemp("reports"))
    alliances = load_alliances(monitor.content)
    folder = Path()
    for month in MONTHS:
        folder = write_month_reports(monitor.store, month, monitor.reports, alliances=alliances)
    return monitor, folder


@pytest.fixture(scope="module")
def soup(built: tuple[Monitor, Path]) -> BeautifulSoup:
    return BeautifulSoup((built[1] / "index.html").read_text(encoding="utf-8"), "lxml")


def test_all_files_are_written(built: tuple[Monitor, Path]) -> None:
    monitor, folder = built
    assert folder == monitor.reports / "2026-05"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == [
        "index.html",
        "report.csv",
        "report.json",
        "report.xlsx",
        "snapshots/good-motor.txt",
        "snapshots/name-only.txt",
    ]
    months = BeautifulSoup((monitor.reports / "index.html").read_text("utf-8"), "lxml")
    assert [a["href"] for a in months.select(".month-list a")] == [
        "2026-05/index.html",
        "2026-04/index.html",
        "2026-03/index.html",
    ]


# -- index.html -------------------------------------------------------------------------------


def test_summary_counts(soup: BeautifulSoup) -> None:
    assert "2026-05" in soup.title.get_text()
    cards = {
        " ".join(card["class"]): card.select_one(".num").get_text() for card in soup.select(".card")
    }
    assert cards == {"card total": "7", "card s-pass": "2", "card s-warn": "2", "card s-fail": "3"}
    rows = {
        tr.th.get_text(" ", strip=True): [td.get_text() for td in tr.find_all("td")]
        for tr in soup.select("table.counts tbody tr")
    }
    # the site that did not open is "not checked" for the credit, not a credit failure
    assert rows["補助標示 Funding credit"] == ["4", "2", "0", "1"]
    assert rows["網站開啟 Site opens"] == ["5", "1", "1", "0"]
    assert rows["總結 Overall"] == ["2", "2", "3", "—"]


def test_month_over_month_changes(soup: BeautifulSoup) -> None:
    newly = [a["href"] for a in soup.select(".fail-list a")]
    recovered = [a["href"] for a in soup.select(".pass-list a")]
    assert newly == ["#a-newly-bad"]
    assert recovered == ["#a-comeback"]
    row = soup.find(id="a-newly-bad")
    assert "新增未通過" in row.select_one(".chg.down").get_text()


def test_trend_chart_is_inline_svg_with_one_bar_per_month(soup: BeautifulSoup) -> None:
    panels = soup.select(".panels figure")
    assert [p.figcaption.get_text(" ", strip=True).split()[0] for p in panels] == [
        "網站開啟",
        "補助標示",
        "定期更新",
        "總結",
    ]
    # the chart's accessible name: the check's label in both languages, then the months
    assert panels[0].svg.title.get_text().startswith("網站開啟 Site opens: ")
    for panel in panels:
        bars = panel.svg.find_all("g")
        assert [b.title.get_text().split(":")[0] for b in bars] == list(MONTHS)
    credit_may = panels[1].svg.find_all("g")[-1]
    assert credit_may.title.get_text() == (
        "2026-05: 通過 pass 4 · 待確認 warn 2 · 未通過 fail 0 · 未檢查 not checked 1"
    )
    heights = {r["class"][0]: float(r["height"]) for r in credit_may.find_all("rect")}
    # shares of the 6 sites that could be checked: 4/6 pass, 2/6 warn, the bar is full
    assert heights["b-pass"] == pytest.approx(2 * heights["b-warn"], abs=0.05)
    assert "b-fail" not in heights
    assert heights["b-pass"] + heights["b-warn"] == pytest.approx(132 - 10, abs=0.05)
    assert not soup.find_all(src=True), "no external resources (no CDN)"
    assert not soup.find_all("link", rel="stylesheet")


def test_table_rows_evidence_and_history(soup: BeautifulSoup) -> None:
    rows = soup.select("#alliances > tbody > tr")
    assert len(rows) == 7
    # worst first without JavaScript
    assert [r["data-overall"] for r in rows] == ["fail"] * 3 + ["warn"] * 2 + ["pass"] * 2
    old_cert = soup.find(id="a-old-cert")
    loads = old_cert.select("td.check")[0].get_text(" ", strip=True)
    assert "TLS certificate expired" in loads
    assert "TLS expired" in loads
    assert "https://old-cert.example.edu.tw/ → https://old-cert.example.edu.tw/index.php" in loads
    updates = soup.find(id="a-no-contact").select("td.check")[2].get_text(" ", strip=True)
    assert "2025-09-01" in updates and "114年9月1日" in updates
    credit = soup.find(id="a-good-motor").select("td.check")[1].get_text(" ", strip=True)
    assert "科技部計畫補助" in credit
    history = soup.find(id="a-comeback").select(".strip li")
    assert [li["class"] for li in history] == [["h-fail"], ["h-fail"], ["h-pass"]]
    links = {
        a.get_text(" ", strip=True): a["href"] for a in soup.find(id="a-good-motor").select("a")
    }
    assert links["網站 site ↗"] == "https://good-motor.example.edu.tw/"
    assert links["快照 snapshot"] == "snapshots/good-motor.txt"


def test_hostile_evidence_is_escaped_and_never_linked(soup: BeautifulSoup) -> None:
    scripts = soup.find_all("script")
    assert len(scripts) == 1 and "alert" not in scripts[0].get_text()
    assert not soup.find_all(onerror=True)
    assert not soup.select("td img")
    for a in soup.find_all("a", href=True):
        assert not a["href"].lower().startswith("javascript"), a
    row = soup.find(id="a-hostile")
    text = row.get_text(" ", strip=True)
    assert '<script>alert("x")</script>' in text  # shown to the office as text
    assert "javascript:alert(3)" in text  # final URL shown, not linked


def test_content_security_policy_allows_only_our_inline_code(built: tuple[Monitor, Path]) -> None:
    html = (built[1] / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    for kind, body in (("script-src", script), ("style-src", style)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in csp


def test_print_stylesheet_for_a4(built: tuple[Monitor, Path]) -> None:
    html = (built[1] / "index.html").read_text(encoding="utf-8")
    assert "@media print" in html
    assert re.search(r"@page\s*\{\s*size:\s*A4", html)


# -- CSV / XLSX / JSON ----------------------------------------------------------------------


def test_csv_has_bom_and_one_row_per_alliance(built: tuple[Monitor, Path]) -> None:
    raw = (built[1] / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 7
    by_slug = {r["代號 Slug"]: r for r in rows}
    assert by_slug["good-motor"]["聯盟 Alliance"] == "智慧馬達產學聯盟"
    assert by_slug["newly-bad"]["變化 Change"] == "新增未通過 newly failing"
    assert by_slug["comeback"]["變化 Change"] == "已改善 recovered"
    assert by_slug["old-cert"]["TLS"] == "expired"
    assert by_slug["no-contact"]["日期原文 As written"] == "114年9月1日"
    assert by_slug["no-contact"]["天數 Days old"] == "242"
    # a cell starting with "=" would run as a formula in Excel: it is quoted
    where = by_slug["hostile"]["標示證據 Credit evidence"]
    assert not where.startswith(("=", "+", "-", "@"))
    assert by_slug["hostile"]["最終網址 Final URL"] == "javascript:alert(3)"


def test_xlsx_sheets_colours_and_text_cells(built: tuple[Monitor, Path]) -> None:
    wb = load_workbook(built[1] / "report.xlsx")
    assert wb.sheetnames == ["摘要 Summary", "聯盟 Alliances", "歷史 History"]
    summary = wb["摘要 Summary"]
    assert summary["B3"].value == 7
    labels = {summary.cell(row=r, column=1).value: r for r in range(1, 20)}
    overall = labels["總結 Overall"]
    assert [summary.cell(row=overall, column=c).value for c in (2, 3, 4)] == [2, 2, 3]
    assert summary["A1"].value == "產學小聯盟網站檢查 Alliance website check 2026-05"
    for label in ("檢查基準日 Reference date", "受檢聯盟 Alliances checked", "項目 Check"):
        assert label in labels
    assert "新增未通過 Newly failing" in labels and "已改善 Recovered" in labels
    assert any(str(k).startswith("與上月比較 Compared with 2026-04") for k in labels)
    history = wb["歷史 History"]
    assert [history["A1"].value, history["B1"].value] == ["代號 Slug", "聯盟 Alliance"]
    sheet = wb["聯盟 Alliances"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["月份 Month", "代號 Slug", "聯盟 Alliance"]
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=2)}
    assert len(rows) == 7
    col = header.index("總結 Overall")
    assert rows["newly-bad"][col].value == "fail"
    assert rows["newly-bad"][col].fill.fgColor.rgb.endswith("FBD5D5")
    assert rows["good-motor"][col].fill.fgColor.rgb.endswith("DCF3E0")
    assert rows["name-only"][col].fill.fgColor.rgb.endswith("FFF1C2")
    matched = rows["hostile"][header.index("標示證據 Credit evidence")]
    assert matched.data_type == "s" and not str(matched.value).startswith("=")
    assert rows["no-contact"][header.index("天數 Days old")].value == 242
    history = wb["歷史 History"]
    assert [c.value for c in history[1]] == ["代號 Slug", "聯盟 Alliance", *MONTHS]


def test_xlsx_never_stores_evidence_as_a_formula(tmp_path: Path) -> None:
    from test_report_data import add_month, check, site

    from monitor.model import Code
    from monitor.store import Store

    store = Store(tmp_path / "m.sqlite3")
    add_month(
        store,
        "2026-05",
        [site("hostile", credit=check("warn", Code.CREDIT_NAME_ONLY, FORMULA, "", FORMULA))],
    )
    folder = write_month_reports(store, "2026-05", tmp_path / "reports")
    sheet = load_workbook(folder / "report.xlsx")["聯盟 Alliances"]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_json_has_the_design_shape(built: tuple[Monitor, Path]) -> None:
    data = json.loads((built[1] / "report.json").read_text(encoding="utf-8"))
    assert data["today"] == "2026-05-01"
    assert data["month"] == "2026-05"
    assert data["changes"] == {
        "previous_month": "2026-04",
        "newly_failing": ["newly-bad"],
        "recovered": ["comeback"],
    }
    assert data["summary"]["total"] == 7
    for item in data["alliances"]:
        assert {"slug", "url", "final_url", "loads", "credit", "updates", "overall"} <= set(item)
        for name in ("loads", "credit", "updates"):
            assert item[name]["status"] in ("pass", "warn", "fail")
        assert item["updates"].get("latest_date") is None or re.match(
            r"^\d{4}-\d{2}-\d{2}$", item["updates"]["latest_date"]
        )
    assert [a["slug"] for a in data["alliances"]] == sorted(a["slug"] for a in data["alliances"])


def test_same_data_gives_byte_identical_files(built: tuple[Monitor, Path], tmp_path: Path) -> None:
    monitor, folder = built
    again = write_month_reports(
        monitor.store, "2026-05", tmp_path, alliances=load_alliances(monitor.content)
    )
    for name in (
        "index.html",
        "report.csv",
        "report.xlsx",
        "report.json",
        "snapshots/good-motor.txt",
    ):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


def test_snapshots_are_plain_text_never_html(built: tuple[Monitor, Path]) -> None:
    folder = built[1]
    text = (folder / "snapshots" / "good-motor.txt").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    decoded = text.decode("utf-8-sig")
    assert "https://good-motor.example.edu.tw/" in decoded.splitlines()[1]
    assert "<script>alert('from the site')</script>" in decoded
    # a Big5 page without any charset declaration is re-encoded as UTF-8
    assert "科技部產學小聯盟 碁" in (folder / "snapshots" / "name-only.txt").read_text("utf-8-sig")
    assert not list(folder.rglob("snapshots/*.htm*"))


# -- the command ------------------------------------------------------------------------------


def test_report_command_rebuilds_a_month(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monitor = make_monitor(tmp_path)
    code = main([
        "report", "--month", "2026-04", "--db", str(monitor.db),
        "--reports", str(monitor.reports), "--content", str(monitor.content),
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "2026-04: 7 alliances" in out
    assert (monitor.reports / "2026-04" / "report.xlsx").is_file()
    # default month: the newest finished one
    assert main(["report", "--db", str(monitor.db), "--reports", str(monitor.reports)]) == 0
    assert (monitor.reports / "2026-05" / "index.html").is_file()
    assert not (monitor.reports / "2026-06").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--month", "2026-06"], "no finished crawl for 2026-06"),
        (["--month", "May"], "not written YYYY-MM"),
        (
            ["--db", "{root}/missing.sqlite3"],
            "missing.sqlite3 not found; run `alliance crawl` first",
        ),
    ],
)
def test_report_command_errors_say_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    monitor = make_monitor(tmp_path)
    argv = [a.replace("{root}", str(tmp_path)) for a in argv]
    if "--db" not in argv:
        argv += ["--db", str(monitor.db)]
    assert main(["report", "--reports", str(monitor.reports), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "missing.sqlite3").exists()


# -- what the office needs to act on ----------------------------------------------------------


def test_newly_failing_says_which_check_fails(soup: BeautifulSoup) -> None:
    item = soup.select_one(".fail-list li").get_text(" ", strip=True)
    # newly-bad's site is down: only that is named (credit/updates fail only as "not checked")
    assert "網站開啟 Site opens" in item
    assert "補助標示" not in item and "定期更新" not in item
    assert "pass → fail" in item


def test_history_strip_shows_each_month(soup: BeautifulSoup) -> None:
    strip = soup.find(id="a-comeback").select(".strip li")
    assert [li.find("span", attrs={"aria-hidden": "true"}).get_text() for li in strip] == [
        "03",
        "04",
        "05",
    ]
    assert strip[0].select_one(".vh").get_text() == "2026-03 未通過 fail"


def test_printed_page_shows_the_site_address(
    built: tuple[Monitor, Path], soup: BeautifulSoup
) -> None:
    row = soup.find(id="a-good-motor")
    assert row.select_one(".url-print").get_text() == "https://good-motor.example.edu.tw/"
    css = re.search(r"@media print \{(.*)\}", (built[1] / "index.html").read_text("utf-8"), re.S)
    assert (
        css
        and ".url-print { display: block" in css.group(1)
        and ".links { display: none" in css.group(1)
    )


def test_credit_where_and_date_kind_are_readable(tmp_path: Path) -> None:
    from test_report_data import check, site

    from monitor.model import Code
    from monitor.store import Store

    store = Store(tmp_path / "m.sqlite3")
    updates = check(
        "pass",
        Code.UPDATED,
        "最近更新 2026-04-20",
        "",
        "",
        latest_date="2026-04-20",
        found_in="feed item",
    )
    add = site("good-motor", updates=updates)
    run = store.start_run(month="2026-05", today="2026-05-01", planned=["good-motor"])
    store.save_result(run.id, add)
    store.finish_run(run.id)
    folder = write_month_reports(store, "2026-05", tmp_path / "reports")
    row = BeautifulSoup((folder / "index.html").read_text("utf-8"), "lxml").find(id="a-good-motor")
    text = row.get_text(" ", strip=True)
    assert "位置 Where 首頁文字 homepage text" in text
    assert "出處 Found in RSS/Atom 項目 feed item" in text


def test_a_site_that_is_down_does_not_repeat_why_in_every_cell(tmp_path: Path) -> None:
    from test_report_data import check, site

    from monitor.model import Code
    from monitor.store import Store

    # what the crawler stores for a site that does not load: the other checks carry its reason
    why = "伺服器回應錯誤（HTTP 500） / the server answered with an error (HTTP 500)"
    not_zh, not_en = "首頁無法開啟，未檢查", "not checked: the homepage did not load"
    not_checked = f"{not_zh} / {not_en}"
    down = site(
        "newly-bad",
        loads=check(
            "fail",
            Code.HTTP_ERROR,
            "伺服器回應錯誤（HTTP 500）",
            "the server answered with an error (HTTP 500)",
            "HTTP 500",
            http_status=500,
        ),
        credit=check("fail", Code.NOT_CHECKED, not_zh, not_en, why),
        updates=check("fail", Code.NOT_CHECKED, not_zh, not_en, why, latest_date=None),
    )
    store = Store(tmp_path / "m.sqlite3")
    run = store.start_run(month="2026-05", today="2026-05-01", planned=["newly-bad"])
    store.save_result(run.id, down)
    store.finish_run(run.id)
    folder = write_month_reports(store, "2026-05", tmp_path / "reports")
    row = BeautifulSoup((folder / "index.html").read_text("utf-8"), "lxml").find(id="a-newly-bad")
    loads, credit, updates = row.select("td.check")
    assert why in loads.get_text()
    for cell in (credit, updates):
        # grey "not checked", saying why by the homepage check's code; never a red fail
        assert cell.select_one(".badge.s-not-checked") is not None
        assert "✗" not in cell.get_text() and "未通過" not in cell.get_text()
        assert "未檢查：首頁無法開啟" in cell.get_text(" ", strip=True)
        assert why not in cell.get_text()
    assert not_checked  # what the crawler stored; the page says it in its own words
    # the CSV keeps everything
    with (folder / "report.csv").open(encoding="utf-8-sig", newline="") as f:
        (csv_row,) = list(csv.DictReader(f))
    assert why in csv_row["標示證據 Credit evidence"]


def test_report_command_shows_the_configured_next_check(tmp_path: Path) -> None:
    monitor = make_monitor(tmp_path)
    config = tmp_path / "monitor.toml"
    config.write_text('[schedule]\ncron = "0 9 5 * *"\n', encoding="utf-8")
    code = main([
        "report", "--month", "2026-05", "--db", str(monitor.db), "--config", str(config),
        "--reports", str(monitor.reports), "--content", str(monitor.content),
    ])  # fmt: skip
    assert code == 0
    folder = monitor.reports / "2026-05"
    assert json.loads((folder / "report.json").read_text("utf-8"))["next_check"] == "2026-06-05"
    soup = BeautifulSoup((folder / "index.html").read_text("utf-8"), "lxml")
    meta = {
        d.dt.get_text(" ", strip=True): d.dd.get_text(strip=True) for d in soup.select(".meta div")
    }
    assert meta["下次檢查 Next check"] == "2026-06-05"
    summary = load_workbook(folder / "report.xlsx")["摘要 Summary"]
    assert summary["B4"].value == "2026-06-05"


# -- screenshots (alliance crawl --screenshots) -----------------------------------------------


@pytest.fixture(scope="module")
def with_shots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Monitor, Path, Path]:
    """The fixture months plus two re-checks of May with screenshots; reports written after
    each re-check (as `alliance crawl` does). Returns (monitor, May folder, folder after B)."""
    from test_report_data import add_screenshots_run_b, add_screenshots_run_c

    monitor = make_monitor(tmp_path_factory.mktemp("shots"))
    alliances = load_alliances(monitor.content)
    for month in MONTHS:
        write_month_reports(monitor.store, month, monitor.reports, alliances=alliances)
    add_screenshots_run_b(monitor.store)
    after_b = tmp_path_factory.mktemp("after-b")
    for target in (monitor.reports, after_b):
        write_month_reports(monitor.store, "2026-05", target, alliances=alliances)
    add_screenshots_run_c(monitor.store)
    folder = write_month_reports(monitor.store, "2026-05", monitor.reports, alliances=alliances)
    return monitor, folder, after_b / "2026-05"


def _colour(path: Path) -> tuple[int, int, int]:
    from PIL import Image

    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.convert("RGB").getpixel((5, 5))


def test_screenshots_are_written_as_png_files(with_shots: tuple[Monitor, Path, Path]) -> None:
    from test_report_data import BLUE, GREEN, RED, YELLOW

    monitor, folder, after_b = with_shots
    assert sorted(p.name for p in (after_b / "screenshots").iterdir()) == [
        "good-motor.png",
        "hostile.png",
        "old-cert.png",
    ]
    assert _colour(after_b / "screenshots" / "hostile.png") == RED
    assert _colour(after_b / "screenshots" / "old-cert.png") == YELLOW
    # after run C: hostile's newest result has no screenshot, old-cert has a new one
    assert sorted(p.name for p in (folder / "screenshots").iterdir()) == [
        "good-motor.png",
        "old-cert.png",
    ]
    assert _colour(folder / "screenshots" / "good-motor.png") == BLUE
    assert _colour(folder / "screenshots" / "old-cert.png") == GREEN
    # the stored bytes as they are
    run_c = monitor.store.runs()[-1].id
    stored = monitor.store.screenshot(run_c, "old-cert")
    assert stored and (folder / "screenshots" / "old-cert.png").read_bytes() == stored[1]
    assert not list(folder.rglob("*.tmp*")), "atomic writes leave no temporary files"
    # earlier months have no screenshots folder at all
    assert not (monitor.reports / "2026-04" / "screenshots").exists()


def test_row_shows_a_thumbnail_linking_to_the_png(
    with_shots: tuple[Monitor, Path, Path],
) -> None:
    folder = with_shots[1]
    soup = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "lxml")
    link = soup.find(id="a-good-motor").select_one("td.who a.shot")
    assert link["href"] == "screenshots/good-motor.png"
    svg = link.svg
    assert svg.image["href"] == "screenshots/good-motor.png"
    assert svg["aria-label"].startswith("首頁截圖 Homepage screenshot")
    assert "智慧馬達產學聯盟" in svg["aria-label"]
    assert (svg["width"], svg["height"]) == ("160", "100")  # 320x200 at thumbnail width
    # no outline recorded for these results: no evidence figure beyond the thumbnail
    assert soup.find(id="a-good-motor").select("rect.outline, details.evidence-full") == []
    # rows whose shown result has no screenshot show nothing extra
    assert soup.find(id="a-hostile").select("svg, a.shot") == []
    assert soup.find(id="a-comeback").select("svg, a.shot") == []
    # every image is one of ours, relative to the month folder (no CDN, nothing remote)
    hrefs = [tag["href"] for tag in soup.find_all("image")]
    assert sorted(hrefs) == ["screenshots/good-motor.png", "screenshots/old-cert.png"]
    for href in hrefs:
        assert (folder / href).is_file()
    assert "Screenshots show the homepage" in soup.select_one(".foot").get_text()
    # the base fixture without screenshots does not mention them
    html = (with_shots[0].reports / "2026-04" / "index.html").read_text(encoding="utf-8")
    assert 'class="shot"' not in html
    assert "Screenshots show the homepage" not in html


def test_thumbnails_are_hidden_in_print(with_shots: tuple[Monitor, Path, Path]) -> None:
    html = (with_shots[1] / "index.html").read_text("utf-8")
    css = re.search(r"@media print \{(.*)\}", html, re.S)
    assert css and ".shot { display: none" in css.group(1)


def test_spreadsheets_and_json_carry_the_screenshot_path(
    with_shots: tuple[Monitor, Path, Path],
) -> None:
    folder = with_shots[1]
    with (folder / "report.csv").open(encoding="utf-8-sig", newline="") as f:
        by_slug = {r["代號 Slug"]: r for r in csv.DictReader(f)}
    assert by_slug["good-motor"]["首頁截圖 Screenshot"] == "screenshots/good-motor.png"
    assert by_slug["hostile"]["首頁截圖 Screenshot"] == ""
    sheet = load_workbook(folder / "report.xlsx")["聯盟 Alliances"]
    header = [c.value for c in sheet[1]]
    col = header.index("首頁截圖 Screenshot")
    cells = {r[1].value: r[col].value for r in sheet.iter_rows(min_row=2)}
    assert cells["old-cert"] == "screenshots/old-cert.png"
    assert cells["hostile"] in (None, "")
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    files = {a["slug"]: a["screenshot_file"] for a in data["alliances"]}
    assert files["good-motor"] == "screenshots/good-motor.png"
    assert files["hostile"] is None and files["comeback"] is None


def test_rebuild_with_screenshots_is_byte_identical(
    with_shots: tuple[Monitor, Path, Path], tmp_path: Path
) -> None:
    monitor, folder = with_shots[0], with_shots[1]
    again = write_month_reports(
        monitor.store, "2026-05", tmp_path, alliances=load_alliances(monitor.content)
    )
    for name in (
        "index.html",
        "report.csv",
        "report.xlsx",
        "report.json",
        "screenshots/good-motor.png",
        "screenshots/old-cert.png",
    ):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


def test_a_server_default_page_is_said_for_what_it_is_and_other_checks_are_grey(
    tmp_path: Path,
) -> None:
    """HTTP 200 with Apache's "It works!" is no "did not load": the cells that could not be
    checked say the homepage is a server default page (chosen by its code), grey, not ✗."""
    from test_report_data import check, site

    from monitor.model import Code
    from monitor.store import Store

    not_zh, not_en = "首頁無法開啟，未檢查", "not checked: the homepage did not load"
    default = site(
        "newly-bad",
        loads=check(
            "fail",
            Code.DEFAULT_PAGE,
            "首頁是伺服器預設頁面（Apache），網站尚未放上內容",
            "The homepage is the Apache server default page: the site has no content",
            "It works!",
            http_status=200,
        ),
        credit=check("fail", Code.NOT_CHECKED, not_zh, not_en, "It works!"),
        updates=check("fail", Code.NOT_CHECKED, not_zh, not_en, "It works!", latest_date=None),
    )
    store = Store(tmp_path / "m.sqlite3")
    run = store.start_run(month="2026-05", today="2026-05-01", planned=["newly-bad"])
    store.save_result(run.id, default)
    store.finish_run(run.id)
    folder = write_month_reports(store, "2026-05", tmp_path / "reports")
    soup = BeautifulSoup((folder / "index.html").read_text("utf-8"), "lxml")
    row = soup.find(id="a-newly-bad")
    loads, credit, updates = row.select("td.check")
    assert loads.select_one(".badge.s-fail") is not None
    assert "伺服器預設頁面" in loads.get_text()
    for cell in (credit, updates):
        text = cell.get_text(" ", strip=True)
        assert cell.select_one(".badge.s-not-checked") is not None
        assert "未檢查：首頁是伺服器的預設頁面" in text
        assert "the homepage is a server default page" in text
        assert "did not load" not in text and "無法開啟" not in text and "✗" not in text
    assert row["data-credit"] == "not-checked"


def test_a_recheck_row_says_so_and_keeps_the_months_earlier_result(tmp_path: Path) -> None:
    """Issue 16.8: after a re-check the row shows the newer result, says it came from a
    re-check and when, and keeps what the month's crawl found earlier, with its time."""
    from test_report_data import check, site

    from monitor.model import Code
    from monitor.store import Store

    down = site(
        "newly-bad",
        loads=check("fail", Code.REFUSED, "無法連線", "Connection refused", "refused"),
        credit=check("fail", Code.NOT_CHECKED, "首頁無法開啟，未檢查", "not checked"),
        updates=check("fail", Code.NOT_CHECKED, "首頁無法開啟，未檢查", "not checked"),
    )
    store = Store(tmp_path / "m.sqlite3")
    run = store.start_run(month="2026-05", today="2026-05-01", planned=["newly-bad", "good-motor"])
    store.save_result(run.id, down)
    store.save_result(run.id, site("good-motor"))
    store.finish_run(run.id)
    again = store.start_run(
        month="2026-05", today="2026-05-20", planned=["newly-bad"], kind="recheck"
    )
    store.save_result(again.id, site("newly-bad"))
    store.finish_run(again.id)
    folder = write_month_reports(store, "2026-05", tmp_path / "reports")
    soup = BeautifulSoup((folder / "index.html").read_text("utf-8"), "lxml")
    row = soup.find(id="a-newly-bad")
    assert row["data-overall"] == "pass"  # the re-check's result is the one shown
    status = row.select_one("td.status")
    assert "重新檢查的結果" in status.get_text(" ", strip=True)
    earlier = status.select_one("details.earlier")
    assert earlier is not None and "每月檢查" in earlier.get_text()
    assert earlier.select_one(".badge.s-fail") is not None  # what the month's crawl found
    good = soup.find(id="a-good-motor")
    assert "重新檢查" not in good.get_text() and good.select_one("details.earlier") is None

"""The console's alliance page shows the homepage as the monitor saw it, with the evidence that
decided each check outlined, from the month's report files; a box a hand-edited or damaged
report places outside the picture is not drawn."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from test_console_registry import MOTOR, PASSWORD, _office
from test_intake_support import SECRET, app_for, make_registry
from test_report_data import PASS_LOADS, check, png, site

from alliance_portal.intake import IntakeConfig
from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.office_hooks import OfficeHooks
from monitor.model import Code
from monitor.reports.files import write_month_reports
from monitor.store import Store


def _month_with_picture(root: Path, outline: dict[str, Any]) -> Path:
    store = Store(root / "monitor.sqlite3")
    result = site(
        "good-motor",
        loads=PASS_LOADS,
        credit=check(
            "fail",
            Code.CREDIT_NONE,
            "首頁沒有載明補助單位",
            "The homepage does not name the funder",
        ),
    )
    result.extra["screenshot"] = {"format": "png", "bytes": 100, "size": "320x200"}
    result.extra["outline"] = outline
    run = store.start_run(month="2026-11", today="2026-11-25", planned=["good-motor"])
    store.save_result(run.id, result, screenshot=png((250, 250, 250)))
    store.finish_run(run.id)
    reports = root / "reports"
    write_month_reports(store, "2026-11", reports)
    return reports


def _page(tmp_path: Path, outline: dict[str, Any]) -> BeautifulSoup:
    content, banners, var = make_registry(tmp_path, {"good-motor": MOTOR})
    set_password(var / "intake-admin-password", PASSWORD)
    reports = _month_with_picture(tmp_path, outline)
    config = IntakeConfig(
        content_dir=content,
        banners_dir=banners,
        var_dir=var,
        secret=SECRET,
        office=OfficeHooks(reports_dir=reports),
        flask_overrides={"TESTING": True},
    )
    with app_for(config) as app:
        office = _office(app)
        resp = office.get("/office/alliances/good-motor")
        assert resp.status_code == 200
        picture = office.get("/office/reports/2026-11/screenshots/good-motor.png")
        assert picture.status_code == 200 and picture.mimetype == "image/png"
        return BeautifulSoup(resp.get_data(as_text=True), "lxml")


def test_the_alliance_page_outlines_the_evidence_on_the_picture(tmp_path: Path) -> None:
    soup = _page(tmp_path, {"credit": None, "updates": [10, 150, 200, 20]})
    figure = soup.select_one("figure.evidence")
    assert figure is not None
    assert figure.svg.image["href"] == "/office/reports/2026-11/screenshots/good-motor.png"
    rects = figure.select("rect.outline")
    assert [r["class"] for r in rects] == [["outline", "updates"]]
    assert (rects[0]["x"], rects[0]["y"]) == ("7", "147")
    legend = figure.select_one(".evidence-legend").get_text(" ")
    # zh-TW by default: the missing credit is said in words, with the finding
    assert "補助標示：圖中沒有可標出的依據" in legend and "首頁沒有載明補助單位" in legend
    assert "藍框：最新的日期" in legend


def test_a_box_outside_the_picture_is_not_drawn(tmp_path: Path) -> None:
    soup = _page(tmp_path, {"credit": [10, 5000, 50, 10], "updates": ["x", 1, 2, 3]})
    figure = soup.select_one("figure.evidence")
    assert figure is not None and figure.select("rect") == []


def test_the_notice_preview_shows_the_picture_beside_the_letter(tmp_path: Path) -> None:
    from alliance_portal.commands.console import ConsoleSetup, office_hooks
    from alliance_portal.registry.settings import settings_from

    content, banners, var = make_registry(tmp_path, {"good-motor": MOTOR})
    set_password(var / "intake-admin-password", PASSWORD)
    reports = _month_with_picture(tmp_path, {"credit": None, "updates": [10, 150, 200, 20]})
    setup = ConsoleSetup(
        content_dir=content,
        banners_dir=banners,
        output_dir=tmp_path / "output",
        var_dir=var,
        monitor=settings_from(
            {
                "paths": {
                    "content": str(content),
                    "db": str(tmp_path / "monitor.sqlite3"),
                    "reports": str(reports),
                },
                "smtp": {"from": "計畫辦公室 <office@example.org.tw>"},
            },
            {},
        ),
    )
    config = dataclasses.replace(
        IntakeConfig(content_dir=content, banners_dir=banners, var_dir=var, secret=SECRET),
        office=office_hooks(setup),
        flask_overrides={"TESTING": True},
    )
    with app_for(config) as app:
        office = _office(app)
        resp = office.get("/office/notices/2026-11")
        assert resp.status_code == 200
    soup = BeautifulSoup(resp.get_data(as_text=True), "lxml")
    card = soup.select_one("#notice-good-motor")
    assert card is not None
    figure = card.select_one("figure.evidence")
    assert figure is not None and figure.svg.image["href"].endswith("/screenshots/good-motor.png")
    assert [r["class"] for r in figure.select("rect.outline")] == [["outline", "updates"]]

"""Typed findings: every check carries a code from a closed set, its evidence as typed fields and
its message in both languages; reports and notices decide by the code, never by the wording."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_report_data import Monitor, add_month, check, make_monitor, site

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import CHECK_CODES, Check, Code, SiteResult
from monitor.notices.advice import ADVICE, advice
from monitor.notices.compose import plan_notices
from monitor.notices.findings import FOUND
from monitor.reports.files import write_month_reports
from monitor.reports.month import build_month_report, load_alliances
from monitor.store import Store
from tests.support.farm import Site, free_port, page, raw, redirect, status
from tests.test_crawl_loads import GOOD
from tests.test_crawl_loads import check as crawl_one

NO_CREDIT_NO_DATE = (
    "<h1>智慧馬達驅動產學聯盟</h1><p>本聯盟協助廠商開發馬達驅動技術，提供人才培育與技術諮詢服務。</p>"
    "<p>歡迎各界廠商加入會員，共同推動產業升級與技術交流。</p>"
)
NAME_ONLY_STALE = (
    "<h1>科技部產學小聯盟：智慧馬達</h1><p>協助廠商開發馬達驅動技術，提供人才培育與技術諮詢。</p>"
    "<ul><li>2025-01-10 會員交流會</li></ul>"
)
IMAGE_ONLY_AGING = (
    "<h1>智慧馬達驅動產學聯盟</h1><p>協助廠商開發馬達驅動技術，提供人才培育與技術諮詢服務。</p>"
    '<img src="/most-logo.png"><ul><li>2026-07-01 會員交流會</li></ul>'
)


@pytest.fixture
def farm() -> Iterator[Site]:
    s = Site("127.0.0.2").start()
    try:
        yield s
    finally:
        s.stop()


def _assert_closed(result: SiteResult) -> None:
    for name in ("loads", "credit", "updates"):
        found: Check = getattr(result, name)
        assert isinstance(found.code, Code)
        assert found.code in CHECK_CODES[name], f"{name}: {found.code} is not a {name} code"
        assert found.code is not Code.UNKNOWN  # only old stored rows are unknown
        assert found.message.zh and found.message.en, found
        assert found.to_json()["code"] == found.code.value


@pytest.mark.parametrize(
    ("routes", "codes"),
    [
        ({"/": page(GOOD)}, ("ok", "credit-ok", "updated")),
        ({"/": status(404)}, ("http-error", "not-checked", "not-checked")),
        ({"/": page("<h1>It works!</h1>")}, ("default-page", "not-checked", "not-checked")),
        (
            {"/": page("<h1>Index of /a</h1><a href='a/'>a/</a>", title="Index of /a")},
            ("directory-listing", "not-checked", "not-checked"),
        ),
        ({"/": page("<h1>This domain is for sale</h1><p>Buy this domain</p>")}, ("parked",)),
        ({"/": page("")}, ("empty-page",)),
        ({"/": raw(b"%PDF-1.4 binary", content_type="application/pdf")}, ("not-html",)),
        ({"/": redirect("/x"), "/x": redirect("/")}, ("redirect-loop",)),
        ({"/": page(NO_CREDIT_NO_DATE)}, ("ok", "credit-none", "no-date")),
        ({"/": page(NAME_ONLY_STALE)}, ("ok", "credit-name-only", "stale")),
        ({"/": page(IMAGE_ONLY_AGING)}, ("ok", "credit-image-only", "aging")),
    ],
    ids=[
        "good",
        "404",
        "default",
        "listing",
        "parked",
        "empty",
        "pdf",
        "loop",
        "nothing",
        "name-only",
        "image-only",
    ],
)
def test_judged_sites_get_codes_from_the_closed_set(
    farm: Site, routes: dict[str, object], codes: tuple[str, ...]
) -> None:
    farm.routes.update(routes)  # type: ignore[arg-type]
    result = crawl_one(farm.url("/"))
    _assert_closed(result)
    got = (result.loads.code, result.credit.code, result.updates.code)
    assert got[: len(codes)] == codes


def test_unreachable_sites_get_codes() -> None:
    dns = crawl_one("http://alliance-gone.invalid/")
    refused = crawl_one(f"http://127.0.0.2:{free_port('127.0.0.2')}/")
    for result in (dns, refused):
        _assert_closed(result)
    assert dns.loads.code is Code.DNS and refused.loads.code is Code.REFUSED


def test_redirect_to_another_host_is_other_host(farm: Site) -> None:
    university = Site("127.0.0.3").start()
    try:
        university.routes["/"] = page(GOOD)
        farm.routes["/"] = redirect(university.url("/"))
        result = crawl_one(farm.url("/"))
    finally:
        university.stop()
    _assert_closed(result)
    assert result.loads.code is Code.OTHER_HOST
    assert result.loads.details["redirects"][-1] == university.url("/")


def test_a_check_refuses_a_code_outside_the_set() -> None:
    with pytest.raises(TypeError):
        Check("fail", "timeout", Bilingual("逾時", "timed out"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Check("fail", Code.TIMEOUT, "逾時 / timed out")  # type: ignore[arg-type]


def test_the_json_keeps_both_languages_apart_and_the_joined_reason() -> None:
    found = Check("warn", Code.OTHER_HOST, Bilingual("轉到其他網站", "redirects elsewhere"))
    data = found.to_json()
    assert data["code"] == "other-host"
    assert data["reason"] == "轉到其他網站 / redirects elsewhere"
    assert data["message"] == {"zh": "轉到其他網站", "en": "redirects elsewhere"}
    assert Check.from_json(data) == found


def test_an_old_row_without_a_code_is_unknown_and_shown_as_written() -> None:
    old = Check.from_json({"status": "warn", "reason": "TLS 憑證 / certificate expired"})
    assert old.code is Code.UNKNOWN
    # nothing is guessed from the words: both languages show the stored reason whole
    assert old.message == Bilingual.same("TLS 憑證 / certificate expired")


# -- notices: the advice follows the code -------------------------------------------------


ADVICE_WORDS: dict[Code, str] = {
    Code.TIMEOUT: "網站主機正常運作",
    Code.DNS: "網站主機正常運作",
    Code.TLS_EXPIRED: "HTTPS 憑證",
    Code.TLS_HOSTNAME: "HTTPS 憑證",
    Code.DEFAULT_PAGE: "放上聯盟網站的首頁內容",
    Code.EMPTY_PAGE: "放上聯盟網站的首頁內容",
    Code.ERROR_PAGE: "錯誤紀錄",
    Code.MAINTENANCE: "完成維護",
    Code.SUSPENDED: "主機商",
    Code.FIREWALL_REJECTED: "允許清單",
    Code.OTHER_HOST: "轉址到其他網站",
    Code.SCHEME_CHANGED: "http 或 https",
    Code.NOT_RENDERED: "人工確認",
    Code.CREDIT_NONE: "頁尾",
    Code.CREDIT_IMAGE_ONLY: "替代文字",
    Code.CREDIT_OTHER_PAGE: "放在首頁",
    Code.CREDIT_NAME_ONLY: "加上補助字樣",
    Code.STALE: "最新消息",
    Code.NO_DATE: "找不到任何日期",
    Code.NEWS_IN_WIDGET: "第三方嵌入元件",
}


@pytest.mark.parametrize("code", list(ADVICE_WORDS), ids=str)
def test_notice_advice_is_chosen_by_code(tmp_path: Path, code: Code) -> None:
    name = next(n for n in ("loads", "credit", "updates") if code in CHECK_CODES[n])
    # the same misleading wording for every code: only the code may decide
    found = check("fail", code, "憑證 圖片 其他頁 redirect image", "certificate other page")
    store = Store(tmp_path / "m.sqlite3")
    add_month(store, "2026-05", [site("name-only", **{name: found})])
    view = build_month_report(store, "2026-05").rows[0].checks[name]
    hint = advice(view)
    assert ADVICE_WORDS[code] in hint.zh and hint.en


def test_every_warn_or_fail_code_has_advice() -> None:
    passing = {Code.OK, Code.CREDIT_OK, Code.UPDATED, Code.CONTENT_CHANGED}
    updates = CHECK_CODES["updates"]
    for code in Code:
        if code in passing:
            continue
        assert code in ADVICE or code in updates or code is Code.UNKNOWN, code


def test_an_old_row_gets_the_check_s_general_advice(tmp_path: Path) -> None:
    store = Store(tmp_path / "m.sqlite3")
    old = Check.from_json({"status": "fail", "reason": "首頁沒有載明補助單位"})
    add_month(store, "2026-05", [site("name-only", credit=old)])
    report = build_month_report(store, "2026-05")
    (notice,) = plan_notices(report, {}, only=None).missing_contact
    (problem,) = notice.problems
    assert problem.code is Code.UNKNOWN
    # What the letter says was found follows the check (credit), not the old stored wording.
    assert problem.found == FOUND[Code.CREDIT_NONE]
    assert "頁尾" in problem.fix.zh


def test_every_finding_a_notice_can_report_is_worded_for_a_professor() -> None:
    """Each warn/fail code has its own plain words in monitor/notices/findings.py."""
    passing = {Code.OK, Code.CREDIT_OK, Code.UPDATED, Code.CONTENT_CHANGED, Code.UNKNOWN}
    missing = [code for code in Code if code not in passing and code not in FOUND]
    assert not missing, missing


# -- the JSON report ------------------------------------------------------------------------


@pytest.fixture
def monitor(tmp_path: Path) -> Monitor:
    return make_monitor(tmp_path)


def test_json_report_has_a_code_on_every_check(monitor: Monitor) -> None:
    folder = write_month_reports(
        monitor.store, "2026-05", monitor.reports, alliances=load_alliances(monitor.content)
    )
    data = json.loads((folder / "report.json").read_text("utf-8"))
    assert data["alliances"]
    for alliance in data["alliances"]:
        for name in ("loads", "credit", "updates"):
            entry = alliance[name]
            assert entry["code"] in {c.value for c in CHECK_CODES[name]}
            # the current keys stay
            assert {"status", "reason", "evidence"} <= entry.keys()
    by_slug = {a["slug"]: a for a in data["alliances"]}
    assert by_slug["old-cert"]["loads"]["code"] == "tls-expired"
    assert by_slug["old-cert"]["loads"]["tls"] == "expired"


def test_where_names_the_page_the_homepage_led_to_only_when_it_is_another() -> None:
    """The notice's "Where": the registered homepage, and the page it led to when the finding is
    there; a slash the fetch added to the registered address is not another page."""
    from monitor.notices.findings import where
    from monitor.reports.view import CheckView

    view = CheckView("loads", "fail", Code.HTTP_ERROR, Bilingual("", ""), "")
    home = "http://lab.example.edu.tw"
    assert where(view, home) == home
    assert where(view, home, home + "/") == home
    assert where(view, home, "http://lab.example.edu.tw/main.htm") == (
        "http://lab.example.edu.tw → http://lab.example.edu.tw/main.htm"
    )

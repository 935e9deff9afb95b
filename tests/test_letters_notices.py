"""The monthly notice as a professor reads it (issue 16.4): each language purely, what was
found in plain words, where, and what to do; the machine evidence stays in the report.

Real crawls produce the notices: the sample websites (samples/websites, with the "It works!"
server page, a clock-only news page, script-filled pages ...) and the realistic farm
(tests/farm_visit: splash pages, frames, hidden credits), each crawled with Chromium when it is
installed. Every notice is composed by the monitor, turned into the bytes that are sent, parsed
back and read in both halves.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from test_crawl_run import FAST, TODAY, sample_registry, sample_server  # noqa: F401
from test_realistic_visit import crawl as farm_crawl
from test_realistic_visit import farm  # noqa: F401

from alliance_portal.registry.settings import CrawlSettings, PathSettings
from monitor.crawl import run_crawl
from monitor.fetching.render import BrowserHost
from monitor.notices.compose import eml_bytes, plan_notices
from monitor.reports.month import build_month_report, load_alliances
from monitor.store import Store
from tests.support.farm import Site

#: Latin words a professor may read in the Chinese half: the protocol names in 「（HTTPS）」.
ZH_ALLOWED = {"HTTPS", "http", "https"}
_URL = re.compile(r"https?://\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w.-]+")
_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
_QUOTED = re.compile(r"「[^」]*」")  # Chinese words to put on the site, quoted in English advice


def halves(body: str) -> tuple[str, str]:
    zh, _, en = body.partition("-" * 72)
    assert en, "no English half"
    return zh, en


def machine_words_in_zh(zh: str) -> list[str]:
    plain = _DATE.sub(" ", _EMAIL.sub(" ", _URL.sub(" ", zh)))
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_.!:×-]*", plain) if w not in ZH_ALLOWED]


def cjk_in_en(en: str) -> list[str]:
    return _CJK.findall(_QUOTED.sub(" ", _URL.sub(" ", en.replace("〈〉", " "))))


def notices_of(db: Path, content: Path) -> dict[str, str]:
    """slug -> the decoded body of its notice, for every alliance with a warn or fail; the
    alliance's own names (proper names, in any script) are left out of what is checked."""
    store = Store(db)
    month = store.months()[-1]
    alliances = load_alliances(content)
    report = build_month_report(store, month, alliances=alliances)
    plan = plan_notices(
        report,
        alliances,
        sender="產學小聯盟計畫辦公室 <office@example.org.tw>",
        reply_to="office@example.org.tw",
    )
    bodies = {}
    for notice in plan.sendable:
        assert notice.message is not None
        parsed = message_from_bytes(eml_bytes(notice.message), policy=default)
        body = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        profile = alliances[notice.slug]
        for name in (profile.name, profile.name_en):
            if name:
                body = body.replace(name, "〈〉")
        bodies[notice.slug] = body
    return bodies


def read_as_a_professor(bodies: dict[str, str]) -> None:
    assert bodies
    problems = []
    for slug, body in bodies.items():
        zh, en = halves(body)
        if words := machine_words_in_zh(zh):
            problems.append(f"{slug}: Latin in the Chinese half: {words}")
        if chars := cjk_in_en(en):
            problems.append(f"{slug}: CJK in the English half: {''.join(chars)}")
        for half in (zh, en):
            assert "改善方式" in half or "How to fix" in half
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def sample_notices(
    sample_server: int,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    browser_host: BrowserHost,
) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("sample-notices")
    content = sample_registry(tmp, sample_server)
    for profile in (content / "alliances").glob("*.toml"):  # every alliance can be written to
        text = profile.read_text(encoding="utf-8")
        if "contact_email" not in text:
            profile.write_text(
                text + f'contact_email = "{profile.stem}@example.edu.tw"\n', encoding="utf-8"
            )
    run_crawl(
        paths=PathSettings(content=content, db=tmp / "m.sqlite3"),
        today=TODAY,
        settings=CrawlSettings(concurrency=6),
        fetch_options=FAST,
        browser_host=browser_host,
    )
    return notices_of(tmp / "m.sqlite3", content)


def test_sample_notices_read_purely_in_each_language(sample_notices: dict[str, str]) -> None:
    read_as_a_professor(sample_notices)


def test_a_server_default_page_is_named_for_what_it_is(sample_notices: dict[str, str]) -> None:
    zh, en = halves(sample_notices["offshore-wind"])  # the sample site answering "It works!"
    assert "首頁是伺服器的預設頁面，不是聯盟網站" in zh
    assert "the web server's default page, not the alliance website" in en
    assert "It works" not in zh + en and "Chromium" not in zh + en and "JS" not in zh + en
    assert "網址：http://127.0.0.1:" in zh and "Where: http://127.0.0.1:" in en


def test_machine_evidence_stays_in_the_report(sample_notices: dict[str, str]) -> None:
    for body in sample_notices.values():
        assert "證據" not in body and "Evidence" not in body
        assert "clock" not in body and "×2" not in body and "JS：" not in body


def test_realistic_farm_notices_read_purely_in_each_language(
    tmp_path: Path,
    farm: dict[str, Site],  # noqa: F811
    browser_host: BrowserHost,
) -> None:
    farm_crawl(tmp_path, farm, browser_host.executable or "", host=browser_host)
    content = tmp_path / "content"
    for profile in (content / "alliances").glob("*.toml"):
        profile.write_text(
            profile.read_text(encoding="utf-8") + f'contact_email = "{profile.stem}@example.tw"\n',
            encoding="utf-8",
        )
    read_as_a_professor(notices_of(tmp_path / "m.sqlite3", content))

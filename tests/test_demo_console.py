"""``make demo``'s office console: the password it prints opens the console, every report is
served over HTTP, the printed personal link signs the alliance in, and "send notices" really
sends (to the demo's loopback outbox), each alliance once."""

from __future__ import annotations

import re
from pathlib import Path

import requests
from test_report_data import MONTHS, make_monitor

from alliance_portal.demo import DemoPaths, serve_console
from monitor.reports.files import write_month_reports
from monitor.reports.month import load_alliances

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(text: str) -> str:
    match = CSRF.search(text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_demo_console_reports_link_and_outbox(tmp_path: Path) -> None:
    monitor = make_monitor(tmp_path)
    alliances = load_alliances(monitor.content)
    for month in MONTHS:
        write_month_reports(monitor.store, month, monitor.reports, alliances=alliances)
    (tmp_path / "banners").mkdir()
    demo = serve_console("127.0.0.1", 0, demo=DemoPaths(tmp_path))
    try:
        office = requests.Session()
        login = office.get(f"{demo.url}/office/login", timeout=30)
        resp = office.post(
            f"{demo.url}/office/login",
            data={"csrf_token": csrf(login.text), "password": demo.password},
            timeout=30,
        )
        assert resp.status_code == 200 and resp.url == f"{demo.url}/office/"
        for month in MONTHS:
            report = office.get(f"{demo.url}/office/reports/{month}/", timeout=30)
            assert report.status_code == 200 and month in report.text

        alliance = requests.Session()
        assert demo.link.startswith(f"{demo.url}/link/")
        form = alliance.get(demo.link, timeout=30)
        assert form.status_code == 200 and form.url == f"{demo.url}/alliance/"

        preview = office.get(f"{demo.url}/office/notices/2026-05", timeout=30)
        count = int(preview.text.split('id="to-send-count">', 1)[1].split("<", 1)[0])
        assert count > 0
        review = office.post(
            f"{demo.url}/office/notices/2026-05/send",
            data={"csrf_token": csrf(preview.text)},
            timeout=60,
        )
        assert review.status_code == 200 and not list(demo.outbox.glob("*.eml"))
        token = re.search(r'name="confirm" value="([0-9a-f]+)"', review.text)
        assert token is not None
        for expected in (200, 409):  # the second finds the list changed: all were sent
            sent = office.post(
                f"{demo.url}/office/notices/2026-05/send",
                data={"csrf_token": csrf(preview.text), "confirm": token.group(1)},
                timeout=60,
            )
            assert sent.status_code == expected
        kept = sorted(demo.outbox.glob("*.eml"))
        assert len(kept) == count
        assert b"Subject:" in kept[0].read_bytes()
    finally:
        demo.stop()

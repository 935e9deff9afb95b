"""End to end: `alliance schedule --once` crawls real sample websites on loopback with the real
crawl, then writes the month's reports and notice drafts; a second run finds nothing due."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alliance_portal.cli import main

pytest.importorskip("monitor.crawl")
from alliance_portal.sample_sites import serve_sample_sites

ROOT = Path(__file__).resolve().parent.parent
TPE = ZoneInfo("Asia/Taipei")
#: A few sample sites with known verdicts (see tests/test_crawl_run.py): slug -> overall.
SAMPLES = {
    "smart-motor": "pass",
    "green-coatings": "fail",  # no credit
    "functional-textiles": "fail",  # stale news
    "ic-test": "warn",  # programme name only
}
NO_CONTACT = "ic-test"


@pytest.fixture(scope="module")
def sample_port() -> Iterator[int]:
    server, _ = serve_sample_sites(
        ROOT / "samples" / "websites", port=0, today=lambda: datetime.now(TPE).date()
    )
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def registry(tmp_path: Path, port: int) -> Path:
    content = tmp_path / "content"
    (content / "alliances").mkdir(parents=True)
    for slug in SAMPLES:
        text = (ROOT / "content" / "alliances" / f"{slug}.toml").read_text(encoding="utf-8")
        text = text.replace("127.0.0.1:8181", f"127.0.0.1:{port}")
        if slug == NO_CONTACT:
            text = (
                "\n".join(x for x in text.splitlines() if not x.startswith("contact_email")) + "\n"
            )
        (content / "alliances" / f"{slug}.toml").write_text(text, encoding="utf-8")
    return content


def test_schedule_once_crawls_reports_and_drafts_notices(
    sample_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = registry(tmp_path, sample_port)
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[schedule]\ncron = "0 0 1 * *"\nnotify = "draft"\n[crawl]\ntimeout = 5\nretries = 1\n',
        encoding="utf-8",
    )
    argv = [
        "schedule", "--once", "--allow-private", "--config", str(config),
        "--db", str(tmp_path / "var" / "monitor.sqlite3"),
        "--content", str(content), "--reports", str(tmp_path / "reports"),
    ]  # fmt: skip
    month = f"{datetime.now(TPE):%Y-%m}"

    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(f"done: {month} (run 1)")
    folder = tmp_path / "reports" / month
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert {a["slug"]: a["overall"] for a in data["alliances"]} == SAMPLES
    assert (folder / "snapshots" / "smart-motor.txt").is_file()
    drafts = sorted(p.stem for p in (folder / "notices").glob("*.eml"))
    assert drafts == ["functional-textiles", "green-coatings"]
    assert NO_CONTACT in (folder / "notices" / "README.txt").read_text(encoding="utf-8")
    assert "智慧馬達驅動產學聯盟" in (folder / "index.html").read_text(encoding="utf-8")

    assert main(argv) == 0  # cron runs it again the next day: nothing is due
    assert capsys.readouterr().out.startswith("not-due")


def test_schedule_command_runs_until_sigterm(sample_port: int, tmp_path: Path) -> None:
    """The long-running `alliance schedule`: catches up at start, writes reports, stops on SIGTERM."""
    content = registry(tmp_path, sample_port)
    month = f"{datetime.now(TPE):%Y-%m}"
    index = tmp_path / "reports" / month / "index.html"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alliance_portal.cli",
            "schedule",
            "--allow-private",
            "--cron",
            "0 0 1 * *",
            "--db",
            str(tmp_path / "var" / "monitor.sqlite3"),
            "--content",
            str(content),
            "--reports",
            str(tmp_path / "reports"),
        ],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "ALLIANCE_MONITOR_CONFIG"}
        | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not index.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert index.exists(), proc.stderr.read() if proc.poll() is not None else "no report yet"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "next scheduled crawl at" in err and "received SIGTERM" in err
    assert "scheduler stopped" in err

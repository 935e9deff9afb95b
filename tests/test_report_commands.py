"""The one way commands write a month's reports (registry + configured schedule), and the demo."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from test_report_data import Monitor, make_monitor

from alliance_portal.commands.reports import write_month_with_registry
from alliance_portal.registry.settings import (
    MonitorSettings,
    PathSettings,
    config_path,
    load_settings,
)


@pytest.fixture
def monitor(tmp_path: Path) -> Monitor:
    return make_monitor(tmp_path)


def test_writes_with_the_registry_and_the_configured_next_check(
    monitor: Monitor, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[schedule]\ncron = "30 8 3 * *"\n', encoding="utf-8")
    paths = PathSettings(content=monitor.content, reports=monitor.reports)
    settings = load_settings(config, env={}).override(
        paths={"content": paths.content, "reports": paths.reports}
    )
    written = write_month_with_registry(monitor.store, "2026-05", settings)
    assert written.folder == monitor.reports / "2026-05"
    assert written.report.next_check.isoformat() == "2026-06-03"
    assert written.alliances["good-motor"].name_en == "Smart Motor Alliance"
    data = json.loads((written.folder / "report.json").read_text(encoding="utf-8"))
    assert data["next_check"] == "2026-06-03"
    html = (written.folder / "index.html").read_text(encoding="utf-8")
    assert "Smart Motor Alliance" in html and "Civil Resilience Alliance" in html


def test_without_a_registry_the_report_is_still_written_and_says_why_in_the_log(
    monitor: Monitor, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        paths = PathSettings(content=tmp_path / "nowhere", reports=monitor.reports)
        written = write_month_with_registry(monitor.store, "2026-05", MonitorSettings(paths=paths))
    assert written.alliances == {}
    assert written.report.next_check.isoformat() == "2026-06-01"  # the default schedule
    assert (written.folder / "index.html").is_file()
    assert "no registry at" in caplog.text


def test_the_settings_file_is_the_default_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    default = tmp_path / "monitor.toml"
    assert config_path(None, default=default) is None
    assert load_settings(None, default=default, env={}) == MonitorSettings()
    default.write_text('[schedule]\ncron = "0 9 2 * *"\n', encoding="utf-8")
    assert load_settings(None, default=default, env={}).schedule.cron == "0 9 2 * *"
    other = tmp_path / "other.toml"
    other.write_text('[schedule]\ncron = "0 9 3 * *"\n', encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_MONITOR_CONFIG", str(other))
    assert load_settings(None, default=default, env={}).schedule.cron == "0 9 3 * *"


# make demo's own tests (a fresh copy, a free port for the sample sites): test_demo_published.py

"""``alliance crawl`` honours ``[paths]`` and ``[crawl]`` of monitor.toml, and its options win.

Run the way docs/operations.md says: the real ``alliance`` command, from the project folder, which
holds ``monitor.toml``; the alliances' websites are loopback servers. Two crawls: one that only
has the settings file, one whose command-line options say the opposite of it. Each key then has
a test that shows both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.site_settings import Industry
from tests.support.farm import Handler, Site, flaky, page, status
from tests.test_crawl_loads import GOOD

TODAY = "2026-11-20"
ALLIANCE = Path(sys.executable).with_name("alliance")


def slow(seconds: float, then: Handler) -> Handler:
    """Answer ``then`` after ``seconds`` (bounded: the server thread always finishes)."""

    def handle(h: Any) -> None:
        time.sleep(seconds)
        then(h)

    return handle


class Meter:
    """How many of the quick sites were being fetched at once, at most."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def slow_page(self, seconds: float) -> Handler:
        def handle(h: Any) -> None:
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                time.sleep(seconds)
            finally:
                with self.lock:
                    self.now -= 1
            page(GOOD)(h)

        return handle


def write_registry(folder: Path, prefix: str, quick: list[Site], other: Site, meter: Meter) -> None:
    """Five alliances: three quick pages, each on a host of its own (the crawl asks one host one
    thing at a time), and on ``other`` one that answers after 4 s and one 503-then-fine."""
    for site in quick:
        site.routes["/quick/"] = meter.slow_page(0.5)
    other.routes.update(
        {"/late/": slow(4.0, page(GOOD)), "/flaky/": flaky(status(503), page(GOOD))}
    )
    alliances = folder / "alliances"
    alliances.mkdir(parents=True)
    websites = {f"{prefix}-quick-{i}": s.url("/quick/") for i, s in enumerate(quick, start=1)}
    websites |= {f"{prefix}-late": other.url("/late/"), f"{prefix}-flaky": other.url("/flaky/")}
    for slug, website in websites.items():
        (alliances / f"{slug}.toml").write_text(
            f'name = "{slug} 產學聯盟"\nuniversity = "範例大學"\nindustry = "ict"\n'
            f'website = "{website}"\n',
            encoding="utf-8",
        )


@dataclass
class Crawl:
    """One ``alliance crawl`` run: its results by slug, and what its site saw."""

    done: subprocess.CompletedProcess[str]
    results: dict[str, dict[str, Any]]
    meter: Meter  # the three quick sites
    other: Site  # the late and the flaky site

    def code(self, name: str) -> str:
        return str(self.results[name]["loads"]["code"])


def alliance_crawl(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ALLIANCE_MONITOR_ALLOW_PRIVATE", "ALLIANCE_MONITOR_CONFIG")
    }
    return subprocess.run(
        [str(ALLIANCE), "crawl", "--today", TODAY, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass
class Project:
    folder: Path
    from_file: Crawl
    from_options: Crawl


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    if not ALLIANCE.exists():
        pytest.skip(f"the alliance command is not installed beside {sys.executable}")
    folder = tmp_path_factory.mktemp("project")
    sites = [Site(f"127.0.0.{n}").start() for n in range(2, 10)]
    meters = Meter(), Meter()
    try:
        write_registry(folder / "registry-file", "f", sites[0:3], sites[3], meters[0])
        write_registry(folder / "registry-cli", "c", sites[4:7], sites[7], meters[1])
        settings = (
            '[paths]\ncontent = "registry-file"\ndb = "data/file.sqlite3"\nreports = "out-file"\n'
            "[crawl]\nallow_private = {private}\ntimeout = 2\nretries = 0\nconcurrency = 1\n"
        )
        config = folder / "monitor.toml"
        config.write_text(settings.format(private="true"), encoding="utf-8")
        done = alliance_crawl(folder, "--json", "file.json")
        from_file = Crawl(done, _results(folder / "file.json", done), meters[0], sites[3])
        config.write_text(settings.format(private="false"), encoding="utf-8")
        done = alliance_crawl(
            folder,
            "--content", "registry-cli", "--db", "data/cli.sqlite3", "--reports", "out-cli",
            "--allow-private", "--timeout", "10", "--retries", "1", "--concurrency", "4",
            "--json", "cli.json",
        )  # fmt: skip
        from_options = Crawl(done, _results(folder / "cli.json", done), meters[1], sites[7])
    finally:
        for site in sites:
            site.stop()
    yield Project(folder, from_file, from_options)


def _results(path: Path, done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    assert done.returncode == 0, done.stderr
    data = json.loads(path.read_text(encoding="utf-8"))
    return {a["slug"]: a for a in data["alliances"]}


def test_paths_content(project: Project) -> None:
    assert sorted(project.from_file.results) == [
        "f-flaky", "f-late", "f-quick-1", "f-quick-2", "f-quick-3"]  # fmt: skip
    assert all(slug.startswith("c-") for slug in project.from_options.results)


def test_paths_db(project: Project) -> None:
    assert (project.folder / "data" / "file.sqlite3").is_file()
    assert (project.folder / "data" / "cli.sqlite3").is_file()
    assert not (project.folder / "var").exists()  # the default was never used


def test_paths_reports(project: Project) -> None:
    assert (project.folder / "out-file" / "2026-11" / "index.html").is_file()
    assert (project.folder / "out-cli" / "2026-11" / "index.html").is_file()
    assert not (project.folder / "reports").exists()


def test_crawl_allow_private(project: Project) -> None:
    # the file's "true" lets the crawl reach loopback; --allow-private beats the file's "false"
    assert project.from_file.code("f-quick-1") == "ok"
    assert project.from_options.code("c-quick-1") == "ok"


def test_crawl_allow_private_false_in_the_file_keeps_the_guard(tmp_path: Path) -> None:
    site = Site("127.0.0.2").start()
    try:
        write_registry(tmp_path / "content", "g", [site], site, Meter())
        (tmp_path / "monitor.toml").write_text(
            "[crawl]\nallow_private = false\nretries = 0\n", encoding="utf-8"
        )
        done = alliance_crawl(tmp_path, "--only", "g-quick-1", "--json", "out.json")
    finally:
        site.stop()
    results = _results(tmp_path / "out.json", done)
    assert results["g-quick-1"]["loads"]["code"] == "blocked"
    assert site.hits["/quick/"] == 0


def test_crawl_timeout(project: Project) -> None:
    assert project.from_file.code("f-late") == "timeout"  # 2 s in the file
    assert project.from_options.code("c-late") == "ok"  # --timeout 10


def test_crawl_retries(project: Project) -> None:
    assert project.from_file.code("f-flaky") == "http-error"  # retries = 0
    assert project.from_file.other.hits["/flaky/"] == 1
    assert project.from_options.code("c-flaky") == "ok"  # --retries 1
    assert project.from_options.other.hits["/flaky/"] == 2


def test_crawl_concurrency(project: Project) -> None:
    assert project.from_file.meter.most == 1  # concurrency = 1: one site at a time
    # --concurrency 4: the three half-second sites (three hosts) are fetched side by side
    assert project.from_options.meter.most >= 2


def test_a_bad_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    (tmp_path / "monitor.toml").write_text("[crawl]\nconcurrency = 0\n", encoding="utf-8")
    done = alliance_crawl(tmp_path)
    assert done.returncode == 2
    assert "monitor.toml: [crawl] concurrency must be 1 or more" in done.stderr
    assert "Traceback" not in done.stderr


# -- every key of the one settings file, and every option on top (issue 18.1) ----------------

#: A value unlike the default for every key of the settings file, as TOML and as read.
FILE_VALUES: dict[tuple[str, str], tuple[str, Any]] = {
    ("paths", "content"): ('"office/content"', Path("office/content")),
    ("paths", "banners"): ('"office/banners"', Path("office/banners")),
    ("paths", "db"): ('"state/m.sqlite3"', Path("state/m.sqlite3")),
    ("paths", "reports"): ('"office/reports"', Path("office/reports")),
    ("paths", "var"): ('"state/form"', Path("state/form")),
    ("paths", "output"): ('"public"', Path("public")),
    ("paths", "site_settings"): ('"office/pelicanconf.py"', Path("office/pelicanconf.py")),
    ("crawl", "allow_private"): ("true", True),
    ("crawl", "timeout"): ("7.5", 7.5),
    ("crawl", "retries"): ("5", 5),
    ("crawl", "concurrency"): ("3", 3),
    ("crawl", "render_pool"): ("4", 4),
    ("crawl", "render_timeout"): ("33", 33.0),
    ("schedule", "cron"): ('"30 6 2 * *"', "30 6 2 * *"),
    ("schedule", "timezone"): ('"UTC"', "UTC"),
    ("schedule", "misfire_grace_hours"): ("12", 12),
    ("schedule", "notify"): ('"send"', "send"),
    ("schedule", "retry_minutes"): ("15", 15),
    ("schedule", "max_retries"): ("1", 1),
    ("smtp", "host"): ('"mail.example.tw"', "mail.example.tw"),
    ("smtp", "port"): ("2525", 2525),
    ("smtp", "user"): ('"office"', "office"),
    ("smtp", "starttls"): ("false", False),
    ("smtp", "ssl"): ("true", True),
    ("smtp", "from"): ('"Office <o@example.tw>"', "Office <o@example.tw>"),
    ("smtp", "reply_to"): ('"help@example.tw"', "help@example.tw"),
    ("smtp", "timeout"): ("9", 9.0),
    ("smtp", "ca_file"): ('"/etc/office-ca.pem"', "/etc/office-ca.pem"),
    ("form", "public_url"): ('"https://form.example.tw"', "https://form.example.tw"),
    ("form", "office_contact"): ('"02-2737-7000"', "02-2737-7000"),
    ("portal", "industries"): (
        '[{key = "space", zh = "太空", en = "Space"}]',
        (Industry("space", "太空", "Space"),),
    ),
    ("portal", "name"): (
        '{zh = "新入口網", en = "New Portal"}',
        Bilingual("新入口網", "New Portal"),
    ),
    ("portal", "tagline"): ('{zh = " 說明 ", en = "About"}', Bilingual("說明", "About")),
}


def _settings_file(folder: Path, name: str = "alliance.toml") -> Path:
    sections: dict[str, list[str]] = {}
    for (section, key), (toml, _value) in FILE_VALUES.items():
        sections.setdefault(section, []).append(f"{key} = {toml}")
    text = "".join(f"[{s}]\n" + "\n".join(lines) + "\n\n" for s, lines in sections.items())
    text += '[publish]\nmethod = "local"\nweb_root = "/srv/www/portal"\n'
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _attribute(key: tuple[str, str]) -> tuple[str, str]:
    from alliance_portal.registry.settings import _KEYS

    section, name = key
    return section, _KEYS[section][name][0]


def test_every_key_of_the_file_is_read(tmp_path: Path) -> None:
    from alliance_portal.registry.settings import CONFIG_KEYS, load_settings

    assert set(FILE_VALUES) == {(s, k) for s, keys in CONFIG_KEYS.items() for k in keys}
    settings = load_settings(_settings_file(tmp_path), env={})
    for key, (_toml, expected) in FILE_VALUES.items():
        section, attr = _attribute(key)
        assert getattr(getattr(settings, section), attr) == expected, key


def test_the_old_monitor_toml_is_still_read_when_there_is_no_alliance_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alliance_portal.registry.settings import load_settings

    monkeypatch.delenv("ALLIANCE_MONITOR_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    _settings_file(tmp_path, "monitor.toml")
    assert load_settings(env={}).paths.var == Path("state/form")
    (tmp_path / "alliance.toml").write_text('[paths]\nvar = "new/var"\n', encoding="utf-8")
    assert load_settings(env={}).paths.var == Path("new/var")


#: Each command's options that override a key of the file: (argv, key, value read).
OPTION_CASES = [
    (["notify", "--db", "o.sqlite3"], ("paths", "db"), Path("o.sqlite3")),
    (["notify", "--content", "c"], ("paths", "content"), Path("c")),
    (["notify", "--reports", "r"], ("paths", "reports"), Path("r")),
    (["notify", "--var", "v"], ("paths", "var"), Path("v")),
    (["notify", "--public-url", "https://x.tw"], ("form", "public_url"), "https://x.tw"),
    (["schedule", "--var", "v"], ("paths", "var"), Path("v")),
    (["schedule", "--banners", "b"], ("paths", "banners"), Path("b")),
    (["schedule", "--public-url", "https://x.tw"], ("form", "public_url"), "https://x.tw"),
    (["schedule", "--db", "o.sqlite3"], ("paths", "db"), Path("o.sqlite3")),
    (["crawl", "--timeout", "2"], ("crawl", "timeout"), 2.0),
    (["crawl", "--retries", "0"], ("crawl", "retries"), 0),
    (["crawl", "--concurrency", "9"], ("crawl", "concurrency"), 9),
    (["crawl", "--render-timeout", "5"], ("crawl", "render_timeout"), 5.0),
    (["crawl", "--render-pool", "1"], ("crawl", "render_pool"), 1),
    (["crawl", "--content", "c"], ("paths", "content"), Path("c")),
    (["crawl", "--db", "o.sqlite3"], ("paths", "db"), Path("o.sqlite3")),
    (["crawl", "--reports", "r"], ("paths", "reports"), Path("r")),
    (["report", "--db", "o.sqlite3"], ("paths", "db"), Path("o.sqlite3")),
]


@pytest.mark.parametrize(("argv", "key", "expected"), OPTION_CASES, ids=lambda v: str(v))
def test_an_option_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], key: Any, expected: Any
) -> None:
    from alliance_portal.cli import absolute_paths, build_parser
    from alliance_portal.commands import monitor as crawl_command
    from alliance_portal.commands.reports import settings_for

    monkeypatch.chdir(tmp_path)
    config = _settings_file(tmp_path)
    args = absolute_paths(build_parser().parse_args([*argv, "--config", str(config)]))
    read = crawl_command.settings_for(args) if argv[0] == "crawl" else settings_for(args)
    section, attr = _attribute(key)
    got = getattr(getattr(read, section), attr)
    want = Path(os.path.abspath(expected)) if isinstance(expected, Path) else expected
    assert got == want
    # and everything the option does not name still comes from the file
    assert read.smtp.host == "mail.example.tw"


def test_the_scheduler_takes_the_forms_folder_from_the_settings_not_from_the_database(
    tmp_path: Path,
) -> None:
    """The form's state folder is [paths] var; the banners and pelicanconf are named too."""
    from types import SimpleNamespace

    from alliance_portal.commands.schedule import reminder_jobs
    from alliance_portal.registry.settings import MonitorSettings, PathSettings

    form = tmp_path / "form-state"
    form.mkdir()
    (form / "intake-deadlines.json").write_text("{}", encoding="utf-8")
    settings = MonitorSettings(
        paths=PathSettings(
            content=tmp_path / "content",
            banners=tmp_path / "pictures",
            db=tmp_path / "db" / "monitor.sqlite3",  # not beside the form's state
            var=form,
            site_settings=tmp_path / "none.py",
        )
    )
    jobs = reminder_jobs(SimpleNamespace(), SimpleNamespace(settings=settings))
    assert [name for name, _trigger, _job in jobs] == ["deadline-reminders"]

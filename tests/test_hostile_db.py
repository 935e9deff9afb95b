"""The monitor's database under a faulty world (issue 11, items 6-8).

Real SQLite files, filled by a real crawl of loopback sites, then damaged the ways disks and
people damage them: cut to half, cut to 100 bytes, cut to 0 bytes, one page overwritten. The
real ``alliance`` command must then stop with one line naming the file and the way back,
never a traceback, and never write into the damaged file; backups are taken with SQLite's
backup API and ``alliance db restore`` brings the history back.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from alliance_portal.registry.settings import CrawlSettings, PathSettings
from monitor.backups import KEEP_BACKUPS, backup_database, list_backups
from monitor.crawl import run_crawl
from monitor.db_health import DatabaseDamaged, check_database
from monitor.fetching.fetch import FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import BrowserHost
from monitor.restore import restore_database
from monitor.store import Store
from tests.support.farm import Site, page

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 20)
SITES = 12
FAST = FetchOptions(
    connect_timeout=2,
    read_timeout=3,
    deadline=5,
    retries=0,
    backoff_base=0.05,
    max_retry_after=0.2,
    policy=AddressPolicy(allow_private=True),
)


def _profile(content: Path, slug: str, website: str) -> None:
    folder = content / "alliances"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.toml").write_text(
        f'name = "{slug} 產學聯盟"\nuniversity = "範例大學"\nindustry = "ict"\n'
        f'website = "{website}"\n',
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def homepages() -> Iterator[Site]:
    """One loopback site for the module, serving the SITES alliances' homepages (``/s0/``...)."""
    served = Site()
    # Homepages large enough that the snapshots fill many database pages.
    filler = "".join(f"<p>第 {n} 則 本聯盟活動紀錄 {n * 7919 % 100003}</p>" for n in range(1500))
    for n in range(SITES):
        served.routes[f"/s{n}/"] = page(
            f"<h1>聯盟 {n}</h1><p>本聯盟為國科會產學小聯盟計畫補助。</p>"
            f"<p>最新消息 2026-11-0{1 + n % 9}</p>{filler}"
        )
    served.start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory, homepages: Site, browser_host: BrowserHost
) -> Path:
    """A project folder that has crawled once: content/, var/monitor.sqlite3, reports/.

    One crawl for the module (it was one per test: ~50 s each on a busy machine, the suite's
    largest waste, docs/PERFORMANCE.md); each test damages its own copy (:func:`project`).
    """
    tmp_path = tmp_path_factory.mktemp("crawled")
    content = tmp_path / "content"
    for n in range(SITES):
        _profile(content, f"alliance-{n:02d}", homepages.url(f"/s{n}/"))
    db = tmp_path / "var" / "monitor.sqlite3"
    run_crawl(
        paths=PathSettings(content=content, db=db, reports=tmp_path / "reports"),
        today=TODAY,
        settings=CrawlSettings(concurrency=4, allow_private=True),
        fetch_options=FAST,
        browser_host=browser_host,
    )
    (tmp_path / "reports" / "2026-11").mkdir(parents=True)
    (tmp_path / "reports" / "2026-11" / "index.html").write_text("the real report", "utf-8")
    Store(db).close()
    for suffix in ("-wal", "-shm"):  # a cleanly closed database: one file
        assert not Path(f"{db}{suffix}").exists() or Path(f"{db}{suffix}").stat().st_size >= 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return tmp_path


@pytest.fixture
def project(tmp_path: Path, crawled: Path) -> Path:
    """This test's own copy of the crawled project folder."""
    shutil.copytree(crawled, tmp_path, dirs_exist_ok=True)
    return tmp_path


def alliance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "alliance_portal.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _page_size(db: Path) -> int:
    return int.from_bytes(db.read_bytes()[16:18], "big")


def _overwrite_a_page(db: Path) -> None:
    """Garbage over one page in the middle of the file (a bad sector, a stray write)."""
    size = _page_size(db)
    pages = db.stat().st_size // size
    assert pages > 10, "the test database is too small to damage one page in the middle"
    with db.open("r+b") as fh:
        fh.seek(size * (pages // 2))
        fh.write(bytes((n * 37 + 11) % 256 for n in range(size)))


def _truncate(db: Path, size: int) -> None:
    with db.open("r+b") as fh:
        fh.truncate(size)


DAMAGE = {
    "half": lambda db: _truncate(db, db.stat().st_size // 2),
    "100 bytes": lambda db: _truncate(db, 100),
    "one page": _overwrite_a_page,
}


def _one_clear_line(done: subprocess.CompletedProcess[str], db: Path) -> str:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert str(db) in lines[0] and "damaged" in lines[0]
    return lines[0]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_database_stops_report_and_crawl_without_writing(
    project: Path, homepages: Site, damage: str
) -> None:
    db = project / "var" / "monitor.sqlite3"
    DAMAGE[damage](db)
    before = _digest(db)
    hits_before = sum(homepages.hits.values())

    report = alliance("report", "--db", str(db), cwd=project)
    assert report.returncode != 0
    _one_clear_line(report, db)

    crawl = alliance("crawl", "--allow-private", "--content", "content", cwd=project)
    assert crawl.returncode == 1
    line = _one_clear_line(crawl, db)
    assert "nothing was written" in line
    assert sum(homepages.hits.values()) == hits_before  # it did not crawl first
    assert _digest(db) == before  # and wrote nothing into the damaged file
    assert (project / "reports/2026-11/index.html").read_text("utf-8") == "the real report"

    check = alliance("db", "check", cwd=project)
    assert check.returncode == 1
    _one_clear_line(check, db)


@pytest.mark.parametrize("how", ["empty", "missing"])
def test_a_lost_database_is_an_error_where_the_project_has_crawled(
    project: Path, homepages: Site, how: str
) -> None:
    db = project / "var" / "monitor.sqlite3"
    if how == "empty":
        _truncate(db, 0)
    else:
        db.unlink()
    hits_before = sum(homepages.hits.values())
    crawl = alliance(
        "crawl", "--allow-private", "--content", "content", "--only", "alliance-00", cwd=project
    )
    assert crawl.returncode == 1
    assert "Traceback" not in crawl.stderr
    assert "crawled before" in crawl.stderr and "--fresh-db" in crawl.stderr
    assert sum(homepages.hits.values()) == hits_before
    assert (project / "reports/2026-11/index.html").read_text("utf-8") == "the real report"
    assert not db.exists() or db.stat().st_size == 0

    report = alliance("report", cwd=project)
    assert report.returncode != 0 and "Traceback" not in report.stderr
    assert str(db) in report.stderr


def test_fresh_db_starts_a_new_history_on_purpose(project: Path) -> None:
    db = project / "var" / "monitor.sqlite3"
    _truncate(db, 0)
    crawl = alliance(
        "crawl", "--allow-private", "--content", "content", "--only", "alliance-00",
        "--fresh-db", "--today", "2026-12-02", cwd=project,
    )  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr
    assert [r.month for r in Store(db).runs()] == ["2026-12"]


def test_each_crawl_keeps_a_consistent_backup_and_restore_brings_it_back(project: Path) -> None:
    db = project / "var" / "monitor.sqlite3"
    crawl = alliance(
        "crawl", "--allow-private", "--content", "content", "--only", "alliance-00",
        "--today", "2026-12-02", cwd=project,
    )  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr
    backups = list_backups(db)
    assert len(backups) == 1
    assert check_database(backups[0]).ok
    # The backup is the database as it was before this crawl: the November run only.
    with sqlite3.connect(backups[0]) as conn:
        months = [m for (m,) in conn.execute("SELECT month FROM runs ORDER BY id")]
    conn.close()
    assert months == ["2026-11"]

    _overwrite_a_page(db)
    damaged = _digest(db)
    crawl = alliance("crawl", "--allow-private", "--content", "content", cwd=project)
    assert f"alliance db restore {backups[0]}" in crawl.stderr  # the way back, named

    restored = alliance("db", "restore", str(backups[0]), cwd=project)
    assert restored.returncode == 0, restored.stderr
    kept = [p for p in db.parent.iterdir() if p.name.startswith("monitor.sqlite3.replaced-")]
    assert [_digest(p) for p in kept if not p.name.endswith(("-wal", "-shm"))] == [damaged]
    check = alliance("db", "check", cwd=project)
    assert check.returncode == 0 and "ok" in check.stdout, check.stderr
    report = alliance("report", "--month", "2026-11", cwd=project)
    assert report.returncode == 0, report.stderr


def test_backups_rotate_and_a_damaged_database_is_never_backed_up(project: Path) -> None:
    db = project / "var" / "monitor.sqlite3"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(KEEP_BACKUPS + 3):
        backup_database(db, now=start + timedelta(days=31 * n))
    kept = list_backups(db)
    assert len(kept) == KEEP_BACKUPS
    assert kept[0].name == f"monitor-{(start + timedelta(days=93)):%Y%m%dT%H%M%SZ}.sqlite3"
    _truncate(db, db.stat().st_size // 2)
    with pytest.raises(DatabaseDamaged):
        backup_database(db)
    assert list_backups(db) == kept


def test_a_damaged_backup_is_not_restored(project: Path) -> None:
    db = project / "var" / "monitor.sqlite3"
    backup = backup_database(db)
    assert backup is not None
    _truncate(backup, 100)
    before = _digest(db)
    with pytest.raises(DatabaseDamaged):
        restore_database(backup, db)
    assert _digest(db) == before


def test_the_scheduler_refuses_a_damaged_database_in_one_line(project: Path) -> None:
    db = project / "var" / "monitor.sqlite3"
    _overwrite_a_page(db)
    before = _digest(db)
    done = alliance("schedule", "--once", cwd=project)
    assert done.returncode != 0
    _one_clear_line(done, db)
    assert _digest(db) == before


def test_an_unchanged_whole_file_is_checked_once_but_any_change_is_checked_again(
    project: Path,
) -> None:
    db = project / "var" / "monitor.sqlite3"
    Store(db).close()  # found whole: remembered with its stamp
    Store(db).close()
    _overwrite_a_page(db)  # a change of the file: the next open checks it again
    with pytest.raises(DatabaseDamaged):
        Store(db)


# -- issue 17.7: a restore checks what it restores, and never runs under a crawl -------------------


def _wal_free_copy(db: Path, target: Path) -> Path:
    """A one-file copy of the database (as a backup is), to be changed by a test."""
    backup = backup_database(db)
    assert backup is not None
    target.write_bytes(backup.read_bytes())
    return target


def _sessions_database(_db: Path, path: Path) -> Path:
    from alliance_portal.intake.sessions import EndedSessions

    EndedSessions(path, 3600).end("a-session-id")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def _newer_schema(db: Path, target: Path) -> Path:
    _wal_free_copy(db, target)
    with sqlite3.connect(target) as conn:
        conn.execute("ALTER TABLE results ADD COLUMN verdict_v2 TEXT")
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    return target


def _lacking_a_column(db: Path, target: Path) -> Path:
    _wal_free_copy(db, target)
    with sqlite3.connect(target) as conn:
        conn.execute("ALTER TABLE results DROP COLUMN fingerprint")
    conn.close()
    return target


UNFIT = {
    "the form's sessions database": (_sessions_database, "no table runs, results"),
    "a newer schema": (_newer_schema, "newer version of the monitor (schema 99"),
    "a table without its columns": (_lacking_a_column, "lacks the column(s) fingerprint"),
}


@pytest.mark.parametrize("unfit", sorted(UNFIT))
def test_restore_refuses_a_whole_sqlite_file_that_is_not_a_monitor_database(
    project: Path, unfit: str
) -> None:
    db = project / "var" / "monitor.sqlite3"
    make, expected = UNFIT[unfit]
    candidate = make(db, project / "candidate.sqlite3")
    assert check_database(candidate).ok  # it passes quick_check: that alone let it in
    before = _digest(db)
    done = alliance("db", "restore", str(candidate), cwd=project)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    assert expected in done.stderr and str(candidate) in done.stderr, done.stderr
    assert _digest(db) == before
    assert not [p for p in db.parent.iterdir() if ".replaced-" in p.name]
    report = alliance("report", "--month", "2026-11", cwd=project)
    assert report.returncode == 0, report.stderr


def test_an_older_schema_backup_is_restored_and_brought_up_to_date(project: Path) -> None:
    db = project / "var" / "monitor.sqlite3"
    old = _wal_free_copy(db, project / "old.sqlite3")
    with sqlite3.connect(old) as conn:
        for column in ("kind", "closed_at", "owner"):
            conn.execute(f"ALTER TABLE runs DROP COLUMN {column}")
        conn.execute("PRAGMA user_version = 0")
    conn.close()
    done = alliance("db", "restore", str(old), cwd=project)
    assert done.returncode == 0, done.stderr
    report = alliance("report", "--month", "2026-11", cwd=project)
    assert report.returncode == 0, report.stderr
    assert [r.kind for r in Store(db).runs()] == ["month"]


def test_restore_is_refused_while_a_crawl_writes(project: Path, homepages: Site) -> None:
    import threading

    db = project / "var" / "monitor.sqlite3"
    backup = backup_database(db)
    assert backup is not None
    release = threading.Event()

    def slow(h: object) -> None:
        release.wait(60)  # bounded
        page("<h1>慢</h1>")(h)  # type: ignore[arg-type]

    homepages.routes["/slow/"] = slow  # type: ignore[assignment]
    _profile(project / "content", "zz-slow", homepages.url("/slow/"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    crawl = subprocess.Popen(
        [sys.executable, "-m", "alliance_portal.cli", "crawl", "--allow-private", "--content",
         "content", "--today", "2026-12-02", "--timeout", "30", "--retries", "0"],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(1200):  # bounded: 60 s
            if homepages.hits["/slow/"]:
                break
            assert crawl.poll() is None, crawl.communicate()[1]
            threading.Event().wait(0.05)
        assert homepages.hits["/slow/"], "the crawl never reached the slow site"
        before = os.stat(db).st_ino
        done = alliance("db", "restore", str(backup), cwd=project)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "in use by a crawl" in done.stderr and str(db) in done.stderr, done.stderr
        assert os.stat(db).st_ino == before  # not replaced under the crawl
    finally:
        release.set()
        _out, err = crawl.communicate(timeout=300)
    assert crawl.returncode == 0, err
    runs = Store(db).runs()
    assert runs[-1].month == "2026-12" and runs[-1].finished
    assert len(Store(db).results(runs[-1].id)) == SITES + 1  # every result in the one file

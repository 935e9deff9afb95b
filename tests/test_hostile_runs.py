"""Console re-checks under attack (issue 16 "Re-checks and the month", issue 17 items 1 and 3).

The real ``alliance intake serve`` is started from a project folder as the office guide says;
the office asks for a re-check of an alliance whose website hangs, and then the world breaks:

* the service is killed mid-job (SIGKILL to its whole process group, as a restart of the
  systemd unit does): the next ``alliance crawl --resume`` or ``alliance schedule --once`` must
  crawl the whole month, never take the one-site re-check for the month's crawl;
* the process fetching the hostile website is killed (what the kernel does to a page that
  eats all memory): the form's server must stay up and the job must say it failed and why.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import requests

from tests.support.farm import Site, free_port, page, process_tree, send

OFFICE_PASSWORD = "office password 2026"
TIMEOUT = 20
ALLIANCE = [str(Path(sys.executable).with_name("alliance"))]
SLUGS = ("fast-one", "fast-two", "slow-site")
#: Bounds of every wait below (seconds).
START_WAIT = 60
HIT_WAIT = 90
JOB_WAIT = 180
COMMAND_WAIT = 600
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Project:
    root: Path
    site: Site
    release: threading.Event  # set: the slow site answers at once

    @property
    def db(self) -> Path:
        return self.root / "var" / "monitor.sqlite3"


def _slow_until(release: threading.Event, body: str) -> object:
    def handle(h: object) -> None:
        release.wait(HIT_WAIT)  # bounded: answers after the test releases it at the latest
        send(h, body)  # type: ignore[arg-type]

    return handle


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    release = threading.Event()
    site = Site()
    html = (
        "<!doctype html><html lang='zh-TW'><head><title>聯盟</title></head><body>"
        f"<h1>聯盟</h1><p>本聯盟為國科會產學小聯盟計畫補助。</p><p>最新消息 {date.today():%Y-%m-01}</p>"
        "</body></html>"
    )
    site.routes["/fast-one/"] = page(html)
    site.routes["/fast-two/"] = page(html)
    site.routes["/slow-site/"] = _slow_until(release, html)  # type: ignore[assignment]
    site.start()
    folder = tmp_path / "content" / "alliances"
    folder.mkdir(parents=True)
    for slug in SLUGS:
        (folder / f"{slug}.toml").write_text(
            f'name = "{slug} 產學聯盟"\nuniversity = "範例大學"\nindustry = "ict"\n'
            f'website = "{site.url(f"/{slug}/")}"\n',
            encoding="utf-8",
        )
    (tmp_path / "banners").mkdir()
    (tmp_path / "var").mkdir()
    (tmp_path / "monitor.toml").write_text(
        '[paths]\ncontent = "content"\ndb = "var/monitor.sqlite3"\nreports = "reports"\n'
        "[crawl]\nallow_private = true\ntimeout = 5\nretries = 0\nrender_timeout = 10\n",
        encoding="utf-8",
    )
    subprocess.run(  # the guide's first step: creates the form's secret
        [*ALLIANCE, "intake", "links", "fast-one", "--base-url", "http://127.0.0.1"],
        cwd=tmp_path,
        capture_output=True,
        timeout=COMMAND_WAIT,
        check=True,
    )
    subprocess.run(
        [*ALLIANCE, "intake", "set-admin-password", "--stdin"],
        cwd=tmp_path,
        input=OFFICE_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=COMMAND_WAIT,
        check=True,
    )
    try:
        yield Project(tmp_path, site, release)
    finally:
        release.set()
        site.stop()


@contextmanager
def serving(project: Project) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``alliance intake serve`` from the project folder, in a process group of its own."""
    port = free_port()
    log = (project.root / "serve.log").open("wb")
    proc = subprocess.Popen(
        [*ALLIANCE, "intake", "serve", "--port", str(port), "--no-rebuild"],
        cwd=project.root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/office/login", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, (project.root / "serve.log").read_text()
                time.sleep(0.1)
        else:
            pytest.fail(f"the form did not start within {START_WAIT} s")
        yield proc, base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


def office_session(base: str) -> tuple[requests.Session, str]:
    office = requests.Session()
    login = office.get(f"{base}/office/login", timeout=TIMEOUT)
    done = office.post(
        f"{base}/office/login",
        data={"csrf_token": _CSRF_RE.search(login.text).group(1), "password": OFFICE_PASSWORD},  # type: ignore[union-attr]
        timeout=TIMEOUT,
    )
    csrf = _CSRF_RE.search(done.text)
    assert csrf, "the office did not get in"
    return office, csrf.group(1)


def ask_recheck(base: str, slug: str) -> tuple[requests.Session, int]:
    office, csrf = office_session(base)
    asked = office.post(
        f"{base}/office/alliances/{slug}/recheck",
        data={"csrf_token": csrf},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert asked.status_code == 303, asked.text[:500]
    return office, int(asked.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def wait_for_hit(site: Site, path: str) -> None:
    deadline = time.monotonic() + HIT_WAIT
    while site.hits[path] == 0:
        assert time.monotonic() < deadline, f"nobody asked for {path} within {HIT_WAIT} s"
        time.sleep(0.05)


def alliance(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ALLIANCE, *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=COMMAND_WAIT,
    )


def rows(db: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(query, params))
    finally:
        conn.close()


# -- the service killed mid-job -------------------------------------------------------------------


@pytest.mark.parametrize("next_start", ["crawl --resume", "schedule --once"])
def test_a_recheck_killed_with_its_server_never_completes_the_month(
    project: Project, next_start: str
) -> None:
    with serving(project) as (proc, base):
        ask_recheck(base, "slow-site")
        wait_for_hit(project.site, "/slow-site/")
        os.killpg(proc.pid, signal.SIGKILL)  # the unit restarted: every process of it killed
        proc.wait(30)
    project.release.set()
    # The one-site run was left unfinished: the state that once became the month's crawl.
    left = rows(project.db, "SELECT id, planned FROM runs WHERE finished_at IS NULL")
    assert [planned for _id, planned in left] == ['["slow-site"]']

    done = alliance(project, *next_start.split())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr

    month = f"{date.today():%Y-%m}"
    if next_start == "schedule --once":
        (recorded,) = rows(project.db, "SELECT run_id FROM schedule_months WHERE month = ?", month)
        month_run = recorded[0]
    else:
        (newest,) = rows(
            project.db,
            "SELECT id FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        month_run = newest[0]
    judged = sorted(
        s for (s,) in rows(project.db, "SELECT slug FROM results WHERE run_id = ?", month_run)
    )
    assert judged == sorted(SLUGS)  # the whole month, not 1 result of 3
    # The interrupted re-check is closed: never finished, never resumed again.
    (recheck,) = rows(
        project.db, "SELECT kind, finished_at, closed_at FROM runs WHERE id = ?", left[0][0]
    )
    assert recheck[0] == "recheck" and recheck[1] is None and recheck[2] is not None


# -- the process fetching the hostile site killed ---------------------------------------------


def _socket_inodes_to(port: int) -> set[str]:
    """Inodes of this machine's TCP sockets connected to ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].rsplit(":", 1)[1], 16) == port:
            found.add(fields[9])
    return found


def fetching_process(root: int, port: int) -> int | None:
    """The process in ``root``'s tree holding a connection to the website on ``port``."""
    inodes = _socket_inodes_to(port)
    for pid in process_tree(root):
        try:
            links = [os.readlink(p) for p in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if any(link.startswith("socket:[") and link[8:-1] in inodes for link in links):
            return pid
    return None


def test_a_killed_recheck_fails_honestly_and_the_form_stays_up(project: Project) -> None:
    with serving(project) as (proc, base):
        office, job = ask_recheck(base, "slow-site")
        wait_for_hit(project.site, "/slow-site/")
        deadline = time.monotonic() + HIT_WAIT
        fetcher = None
        while fetcher is None and time.monotonic() < deadline:
            fetcher = fetching_process(proc.pid, project.site.port)
            time.sleep(0.05)
        assert fetcher is not None, "no process of the server's holds the website's connection"
        os.kill(fetcher, signal.SIGKILL)  # what the kernel does to a page eating all memory

        assert proc.poll() is None, "the form's server died with the check"
        deadline = time.monotonic() + JOB_WAIT
        state: dict[str, object] = {}
        while time.monotonic() < deadline:
            state = office.get(f"{base}/office/jobs/{job}.json", timeout=TIMEOUT).json()
            if state["state"] not in ("waiting", "running"):
                break
            time.sleep(0.2)
        assert state.get("state") == "failed", state
        assert "signal 9" in str(state["error"]) and "unchanged" in str(state["error"])
        assert requests.get(f"{base}/office/login", timeout=TIMEOUT).status_code == 200
    project.release.set()
    (recheck,) = rows(project.db, "SELECT kind, finished_at, closed_at FROM runs")
    assert recheck[0] == "recheck" and recheck[1] is None and recheck[2] is not None


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (an exited one waiting to be reaped is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_recheck_stops_when_its_server_is_killed_alone(project: Project) -> None:
    """SIGKILL to the server only: the process checking the website must not crawl on as an
    orphan; it stops and closes its re-check run (it is never the month's crawl)."""
    with serving(project) as (proc, base):
        ask_recheck(base, "slow-site")
        wait_for_hit(project.site, "/slow-site/")
        started = [pid for pid in process_tree(proc.pid) if pid != proc.pid]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + JOB_WAIT
        while any(_running(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in started if _running(pid)]
        for pid in left:  # do not leave them behind whatever the outcome
            os.kill(pid, signal.SIGKILL)
    project.release.set()
    assert left == [], "processes of the killed server kept running"
    (recheck,) = rows(project.db, "SELECT kind, finished_at, closed_at FROM runs")
    assert recheck[0] == "recheck" and recheck[1] is None and recheck[2] is not None

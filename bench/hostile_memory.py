"""Peak memory of a crawl of hostile pages (issue 17.1), for docs/PERFORMANCE.md "Hostile pages".

Serves the three pages of tests/test_hostile_crawl.py (2.5 million appended ``<div>``s, a JS
allocation loop, a 200 MB ``document.write``) and one ordinary site on loopback, runs the real
crawl with Debian's Chromium in a process of its own, and samples the PSS of that process tree
(/proc/*/smaps_rollup) every 50 ms. Prints the peak, the processes that held most at the peak,
each site's ``loads`` evidence and the wall time. With ``--runs N`` it does that N times and
ends with the wall times and how many runs rendered the ordinary site: a browser wedged after a
memory kill (docs/PERFORMANCE.md, "After a memory kill") showed as a run of minutes, once in a
few runs. Each crawl is bounded (``CRAWL_BOUND`` seconds, then killed).

Usage: ``.venv/bin/python bench/hostile_memory.py [--runs N] [divs alloc write ordinary]``
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.fetching.render import find_chromium  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.support.farm import Site, process_tree, running  # noqa: E402
from tests.test_hostile_crawl import HOSTILE_SCRIPTS, _hostile_home, _profile, _send  # noqa: E402


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _name(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    kind = next((w for w in raw.split() if w.startswith("--type=")), "")
    return f"{raw.split()[0].rsplit('/', 1)[-1] if raw.split() else '?'} {kind}".strip()


#: Seconds a crawl may take before the benchmark kills it (a wedged browser took ~360 s).
CRAWL_BOUND = 600


def main(which: list[str]) -> tuple[float, bool]:
    """One crawl of ``which`` (all four sites when empty): (wall time, ordinary rendered)."""
    exe = find_chromium()
    if exe is None:
        sys.exit("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    scripts = {**HOSTILE_SCRIPTS, "ordinary": ""}
    which = which or list(scripts)
    tmp = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    sites: dict[str, Site] = {}
    for i, slug in enumerate(which):
        sites[slug] = Site(f"127.0.0.{70 + i}")
        sites[slug].routes["/"] = lambda h, s=scripts[slug]: _send(h, _hostile_home(s).encode())
        _profile(tmp / "content", slug, sites[slug].url("/"))
    code = (
        "import datetime, pathlib; from alliance_portal.registry.settings import CrawlSettings, PathSettings;"
        "from monitor.crawl import run_crawl;"
        f"print(run_crawl(paths=PathSettings(content=pathlib.Path({str(tmp / 'content')!r}),"
        f" db=pathlib.Path({str(tmp / 'm.sqlite3')!r})), settings=CrawlSettings("
        "allow_private=True, concurrency=4, retries=0, render_timeout=60),"
        f" today=datetime.date(2026, 11, 20), renderer_executable={exe!r}))"
    )
    peak, at_peak, started = 0, [], time.monotonic()
    with running(*sites.values()):
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
        )
        while proc.poll() is None and time.monotonic() - started < CRAWL_BOUND:
            sizes = [(_pss(pid), pid) for pid in process_tree(proc.pid)]
            total = sum(size for size, _ in sizes)
            if total > peak:
                peak = total
                at_peak = [(size >> 20, _name(pid)) for size, pid in sorted(sizes)[-5:]]
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        out, _ = proc.communicate(timeout=30)
    wall = time.monotonic() - started
    print(f"peak PSS of the crawl's process tree: {peak >> 20} MiB; wall time {wall:.1f} s")
    for size, name in reversed(at_peak):
        print(f"  {size:5d} MiB  {name}")
    if proc.returncode != 0 or not out.split():
        print(f"the crawl did not finish within {CRAWL_BOUND} s")
        return wall, False
    rendered = False
    for r in Store(tmp / "m.sqlite3").results(int(out.split()[-1])):
        print(
            f"{r.slug}: {r.loads.status}/{r.credit.status}/{r.updates.status}"
            f" view={r.credit.details.get('view')}; {r.loads.evidence[:160]}"
        )
        rendered |= r.slug == "ordinary" and r.credit.details.get("view") == "rendered"
    return wall, rendered


if __name__ == "__main__":
    args = sys.argv[1:]
    runs = 1
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    walls: list[float] = []
    ordinary_rendered = 0
    for _ in range(runs):
        wall, ok = main(args)
        walls.append(wall)
        ordinary_rendered += ok
    if runs > 1:
        print(
            f"{runs} runs: wall {min(walls):.0f}-{max(walls):.0f} s"
            f" (median {sorted(walls)[runs // 2]:.0f} s); ordinary site rendered in"
            f" {ordinary_rendered} of {runs}"
        )

"""Rendering benchmark: what a JavaScript homepage costs the crawl, for render pools 1, 2 and 4.

Not a test: it prints figures, and docs/PERFORMANCE.md ("Rendering") records them.

The farm (a separate process, so its memory is not counted) serves N small alliance sites on
distinct loopback addresses 127.0.3.x (the crawl allows one request at a time per host). Each
site has the same content twice: ``/static/`` with the credit and a dated news list in its
HTML, and ``/js/``, a single-page app whose shell is empty and whose script fetches
``/data.json`` and draws the same credit and news (tests/support/farm.py ``spa_routes``). So the two
crawls judge the same text, and the difference is the browser.

Every configuration is a fresh child process running :func:`monitor.crawl.run_crawl` over the
N sites (one browser per crawl, launched lazily, as in production). The parent samples the
resident memory of the child's whole process tree (our Python, Playwright's driver, every
Chromium process) from /proc every 50 ms and keeps the peak; the child reports its wall time
and the verdicts, which must all be pass (else the figures would be about broken renderings).

Added cost per rendered site = (wall time of the JS crawl - wall time of the static crawl) / N,
browser start-up included (it happens once per crawl). Everything stays on 127.0.0.0/8 and
every process is stopped at the end; each child has a time limit.

Usage: ``.venv/bin/python bench/render.py [--sites 24] [--concurrency 16] [--pools 1,2,4]
[--repeat 2] [--latency 0.0]``

``--farm realistic`` (issue 10: "rendering every homepage is affordable"): N sites built like the
realistic farm of tests/farm_visit (a CMS homepage with menus, news rows and a footer; one in
eight each a splash page, a frameset, an iframe wrapper, a firewall, a cookie redirect, a
script-filled footer and news list, a stylesheet-hidden credit), crawled twice at the default
settings: once without a browser (the static judgement) and once rendering every page. Added
time per rendered site = (rendered wall - static wall) / N. Usage:
``.venv/bin/python bench/render.py --farm realistic --sites 200 --repeat 1``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 20)
NEWS_DATE = "2026-11-12"
CHILD_TIMEOUT = 1500.0


def host(i: int) -> str:
    return f"127.0.3.{1 + i}"


def serve_realistic(n: int, ports: Any, ready: Any, done: Any) -> None:
    """Run N realistic loopback sites (tests/farm_visit kinds, in turn) until ``done`` is set."""
    from tests.farm_visit import SITES
    from tests.support.farm import Site

    kinds = [s for s in SITES if s.slug != "hanging-script"]
    sites = []
    for i in range(n):
        site = Site(host(i))
        site.routes.update(kinds[i % len(kinds)].routes())
        sites.append(site.start())
        ports[i] = site.port
    ready.set()
    try:
        done.wait(CHILD_TIMEOUT * 20)
    finally:
        for site in sites:
            site.stop()


def serve_farm(n: int, latency: float, ports: Any, ready: Any, done: Any) -> None:
    """Run the N loopback sites until ``done`` is set (in the farm process)."""
    from tests.support.farm import Site, spa_routes, static_routes

    def slow(handler: Any) -> Any:
        def handle(h: Any) -> None:
            time.sleep(latency)
            handler(h)

        return handle

    sites = []
    for i in range(n):
        site = Site(host(i))
        name = f"第 {i} 號產學聯盟"
        app = spa_routes(name, NEWS_DATE)
        site.routes.update(
            {
                "/js/": app["/"],
                "/spa.js": app["/spa.js"],
                "/data.json": slow(app["/data.json"]) if latency else app["/data.json"],
                "/static/": static_routes(name, NEWS_DATE)["/"],
            }
        )
        sites.append(site.start())
        ports[i] = site.port
    ready.set()
    try:
        done.wait(CHILD_TIMEOUT * 20)
    finally:
        for site in sites:
            site.stop()


def write_registry(folder: Path, ports: list[int], kind: str) -> Path:
    content = folder / f"content-{kind}"
    alliances = content / "alliances"
    alliances.mkdir(parents=True)
    for i, port in enumerate(ports):
        (alliances / f"site-{i:03d}.toml").write_text(
            f'name = "第 {i} 號產學聯盟"\nuniversity = "範例大學"\nindustry = "ict"\n'
            f'website = "http://{host(i)}:{port}/{kind + "/" if kind else ""}"\n',
            encoding="utf-8",
        )
    return content


def child(args: argparse.Namespace) -> None:
    """One crawl, in this fresh process; prints its wall time and verdicts as JSON."""
    from alliance_portal.registry.settings import CrawlSettings, PathSettings
    from monitor.crawl import run_crawl
    from monitor.fetching.fetch import FetchOptions
    from monitor.fetching.guard import AddressPolicy
    from monitor.fetching.render import find_chromium
    from monitor.store import Store

    options = FetchOptions(
        connect_timeout=5,
        read_timeout=10,
        deadline=20,
        retries=0,
        policy=AddressPolicy(allow_private=True),  # the farm is on loopback
    )
    if args.farm == "realistic":  # the production defaults, only the guard lifted for loopback
        options = FetchOptions(policy=AddressPolicy(allow_private=True))
    db = Path(args.db)
    started = time.perf_counter()
    run_id = run_crawl(
        paths=PathSettings(content=Path(args.content), db=db),
        settings=CrawlSettings(concurrency=args.concurrency, render_pool=args.pool, timeout=20.0),
        today=TODAY,
        fetch_options=options,
        renderer_executable="" if args.no_browser else find_chromium(),
    )
    elapsed = time.perf_counter() - started
    store = Store(db)
    results = store.results(run_id)
    store.close()
    verdicts = sorted({f"{r.loads.status}/{r.credit.status}/{r.updates.status}" for r in results})
    if args.farm == "realistic":
        counted: dict[str, int] = {}
        for r in results:
            key = f"{r.loads.status}/{r.credit.status}/{r.updates.status}"
            counted[key] = counted.get(key, 0) + 1
        verdicts = [f"{k} x{v}" for k, v in sorted(counted.items())]
    rendered = sum(1 for r in results if r.extra.get("rendered"))
    print(json.dumps({"elapsed": elapsed, "verdicts": verdicts, "rendered": rendered}))


def run_child(
    content: Path,
    db: Path,
    *,
    pool: int,
    concurrency: int,
    farm: str = "spa",
    no_browser: bool = False,
) -> tuple[dict[str, Any], int, int]:
    """Run one crawl in a child process; return its report and the peak RSS and PSS of its
    process tree."""
    from tests.support.farm import tree_pss, tree_rss

    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--content",
        str(content),
        "--db",
        str(db),
        "--pool",
        str(pool),
        "--concurrency",
        str(concurrency),
        "--farm",
        farm,
        *(["--no-browser"] if no_browser else []),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = peak_pss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            peak_pss = max(peak_pss, tree_pss(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise SystemExit(f"a crawl took longer than {CHILD_TIMEOUT:.0f} s; stopped") from None
    finally:
        stop.set()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed (exit {proc.returncode}):\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1]), peak, peak_pss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sites", type=int, default=24)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--pools", default="1,2,4")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds before /data.json answers")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--content", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--pool", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--farm", choices=("spa", "realistic"), default="spa")
    ap.add_argument("--no-browser", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if args.farm == "realistic":
        realistic(args)
        return
    if not 1 <= args.sites <= 250:
        raise SystemExit("--sites must be 1-250 (one loopback address each in 127.0.3.0/24)")
    from monitor.fetching.render import find_chromium

    if find_chromium() is None:
        raise SystemExit("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    pools = [int(p) for p in args.pools.split(",")]

    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Array("i", args.sites)
    ready, done = ctx.Event(), ctx.Event()
    farm = ctx.Process(
        target=serve_farm, args=(args.sites, args.latency, ports, ready, done), daemon=True
    )
    farm.start()
    try:
        if not ready.wait(60):
            raise SystemExit("the farm did not start")
        with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
            folder = Path(tmp)
            static = write_registry(folder, list(ports), "static")
            spa = write_registry(folder, list(ports), "js")
            configs = [("static", static, 1)] + [("js", spa, p) for p in pools]
            rows: dict[tuple[str, int], list[tuple[float, int, int]]] = {}
            for rep in range(args.repeat):
                for kind, content, pool in configs:
                    db = folder / f"{kind}-{pool}-{rep}.sqlite3"
                    report, rss, pss = run_child(
                        content,
                        db,
                        pool=pool,
                        concurrency=args.concurrency,
                        no_browser=kind == "static",  # every page is rendered when one exists
                    )
                    if report["verdicts"] != ["pass/pass/pass"]:
                        raise SystemExit(f"{kind} pool {pool}: not all pass: {report['verdicts']}")
                    want = args.sites if kind == "js" else 0
                    if report["rendered"] != want:
                        raise SystemExit(f"{kind}: {report['rendered']} rendered, expected {want}")
                    rows.setdefault((kind, pool), []).append((report["elapsed"], rss, pss))
                    print(
                        f"  run {rep + 1}: {kind:6} pool {pool}: {report['elapsed']:6.2f} s,"
                        f" peak RSS {rss / MIB:6.0f} MiB, peak PSS {pss / MIB:6.0f} MiB",
                        file=sys.stderr,
                    )
    finally:
        done.set()
        farm.join(timeout=30)
        if farm.is_alive():
            farm.terminate()
            farm.join(timeout=10)
    print_table(rows, args, pools)


MIB = 2**20


def realistic(args: argparse.Namespace) -> None:
    """The realistic farm crawled without a browser and rendering every page (module docstring)."""
    import os

    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Array("i", args.sites)
    ready, done = ctx.Event(), ctx.Event()
    farm = ctx.Process(target=serve_realistic, args=(args.sites, ports, ready, done), daemon=True)
    farm.start()
    rows: dict[str, list[tuple[float, int, int]]] = {}
    try:
        if not ready.wait(120):
            raise SystemExit("the farm did not start")
        with tempfile.TemporaryDirectory(prefix="bench-visit-") as tmp:
            folder = Path(tmp)
            content = write_registry(folder, list(ports), "")
            for rep in range(args.repeat):
                for kind in ("static", "rendered"):
                    db = folder / f"{kind}-{rep}.sqlite3"
                    report, rss, pss = run_child(
                        content,
                        db,
                        pool=2,
                        concurrency=args.concurrency,
                        farm="realistic",
                        no_browser=kind == "static",
                    )
                    rows.setdefault(kind, []).append((report["elapsed"], rss, pss))
                    print(
                        f"  run {rep + 1}: {kind:8}: {report['elapsed']:6.1f} s, rendered"
                        f" {report['rendered']}, peak PSS {pss / MIB:5.0f} MiB, verdicts"
                        f" {report['verdicts']}",
                        file=sys.stderr,
                    )
    finally:
        done.set()
        farm.join(timeout=30)
        if farm.is_alive():
            farm.terminate()
            farm.join(timeout=10)
    static_t = statistics.median(t for t, _, _ in rows["static"])
    rendered_t = statistics.median(t for t, _, _ in rows["rendered"])
    print(
        f"\n{args.sites} realistic sites, default settings (concurrency {args.concurrency},"
        f" render pool 2), load average before: {os.getloadavg()[0]:.1f}"
    )
    print(
        f"static (no browser): {static_t:7.1f} s, peak PSS {max(p for *_, p in rows['static']) / MIB:5.0f} MiB"
    )
    print(
        f"rendered (every page): {rendered_t:7.1f} s, peak PSS"
        f" {max(p for *_, p in rows['rendered']) / MIB:5.0f} MiB,"
        f" added {(rendered_t - static_t) / args.sites * 1000:.0f} ms per site"
    )


def print_table(
    rows: dict[tuple[str, int], list[tuple[float, int, int]]],
    args: argparse.Namespace,
    pools: list[int],
) -> None:
    n = args.sites
    static_time = statistics.median(t for t, _, _ in rows[("static", 1)])
    print(
        f"\n{n} sites, crawl concurrency {args.concurrency}, data latency {args.latency:.2f} s;"
        f" wall time = median of {args.repeat} run(s), memory = highest peak; memory of our"
        " process + Playwright's driver + every Chromium process, summed over the process tree"
        " (RSS counts shared pages once per process, PSS splits them)"
    )
    print(
        f"{'homepages':<14}{'wall s':>8}{'added ms/site':>15}{'sites/s':>9}"
        f"{'peak RSS MiB':>14}{'peak PSS MiB':>14}"
    )
    for kind, pool in [("static", 1)] + [("js", p) for p in pools]:
        got = rows[(kind, pool)]
        t = statistics.median(x for x, _, _ in got)
        rss = max(r for _, r, _ in got)
        pss = max(p for _, _, p in got)
        added = "-" if kind == "static" else f"{(t - static_time) / n * 1000:.0f}"
        label = "static" if kind == "static" else f"JS, pool {pool}"
        print(f"{label:<14}{t:>8.2f}{added:>15}{n / t:>9.1f}{rss / MIB:>14.0f}{pss / MIB:>14.0f}")


if __name__ == "__main__":
    main()

"""Benchmark the portal build against a plain Pelican build of the same size.

    python bench/build.py --alliances 1000 [--repeat 3]

Makes N realistic profiles and banners (tests/support/search_sample.py) in a temporary folder and
times, each as a fresh process (as a user runs them): ``alliance build --no-search``; the whole
``alliance build`` with search; and plain ``pelican`` writing as many Markdown pages as our
build writes HTML pages, with the simple theme and ``DISPLAY_PAGES_ON_MENU = False``. Prints
the median wall time and the peak memory (max RSS of the process tree) of each, the size of
the search index, and the time from pressing Enter to the first result in headless Chromium
(the first query loads Pagefind; later ones are warm). Figures go to docs/PERFORMANCE.md.
Targets (issue 13): ours without search <= 1.5x plain Pelican for the same page count; with
search <= 2x without; peak < 500 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
from tests.support.search_sample import write_sample  # noqa: E402  (the tests' realistic sample registry)

WORDS_EN = [
    "motor",
    "sensing",
    "chip",
    "material",
    "energy",
    "medical",
    "testing",
    "drive",
    "smart",
    "manufacturing",
    "control",
    "network",
]


def make_registry(root: Path, n: int) -> tuple[Path, Path]:
    """The same realistic sample the search tests use (tests/support/search_sample.py), n alliances."""
    return write_sample(root, n)


def make_plain_pelican(root: Path, n: int) -> Path:
    rng = random.Random(7)
    pages = root / "plain" / "content" / "pages"
    pages.mkdir(parents=True)
    for i in range(n):
        body = " ".join(rng.choice(WORDS_EN) for _ in range(120))
        (pages / f"page-{i:04d}.md").write_text(f"Title: Page {i}\n\n{body}\n", encoding="utf-8")
    conf = root / "plain" / "pelicanconf.py"
    conf.write_text(
        'SITENAME = "plain"\nPATH = "content"\nDISPLAY_PAGES_ON_MENU = False\n'
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nTIMEZONE = 'UTC'\n"
        "RELATIVE_URLS = True\nCACHE_CONTENT = False\nLOAD_CONTENT_CACHE = False\n",
        encoding="utf-8",
    )
    return conf


def measure(cmd: list[str], cwd: Path, repeat: int) -> tuple[float, float, float]:
    """Median wall time, mean CPU time (user + system of the process tree) and peak RSS over
    ``repeat`` runs, measured in a clean helper process. CPU time is the fairer figure when
    other jobs share the machine; wall time is what the office waits."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "cmd = json.loads(sys.argv[1]); times = []\n"
        "for _ in range(int(sys.argv[2])):\n"
        "    t = time.perf_counter(); p = subprocess.run(cmd, capture_output=True, text=True)\n"
        "    times.append(time.perf_counter() - t)\n"
        "    if p.returncode: sys.exit(p.stdout + p.stderr)\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([times, (r.ru_utime + r.ru_stime) / len(times), r.ru_maxrss / 1024]))\n"
    )
    import json

    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(cmd), str(repeat)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times, cpu, peak_mb = json.loads(out)
    return statistics.median(times), cpu, peak_mb


QUERIES = ["電動車", "半導體封裝", "hydrogen", "智慧", "aquacult", "葉書豪", "馬達", "drones"]


def search_latency(site: Path) -> tuple[float, float]:
    """Milliseconds from submitting a query to the first result on the search page: the first
    query of a visit (Pagefind and its index load) and the median of the later ones."""
    import threading

    from playwright.sync_api import sync_playwright

    from alliance_portal.commands.portal import make_server

    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    timings = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto(base + "search/")
            page.wait_for_load_state("networkidle")
            for query in QUERIES:
                ms = page.evaluate(
                    """async (q) => {
                      const list = document.getElementById('search-results');
                      list.replaceChildren();
                      const t0 = performance.now();
                      const done = new Promise((ok) => new MutationObserver((_, obs) => {
                        if (list.querySelector('li')) { obs.disconnect(); ok(); }
                      }).observe(list, {childList: true}));
                      const input = document.getElementById('q');
                      input.value = q;
                      input.form.requestSubmit();
                      await done;
                      return performance.now() - t0;
                    }""",
                    query,
                )
                timings.append(ms)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return timings[0], statistics.median(timings[1:])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alliances", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    args = parser.parse_args()
    n = args.alliances
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = Path(tmp)
        content, banners = make_registry(root, n)
        # Plain Pelican writes as many pages as ours: 2 languages x (alliances + industries + ...).
        conf = make_plain_pelican(root, 2 * n + 20)
        repo = Path(__file__).resolve().parent.parent
        alliance = [
            str(BIN / "alliance"),
            "build",
            "--content",
            str(content),
            "--banners",
            str(banners),
            "--settings",
            str(repo / "pelicanconf.py"),
        ]
        ours_no_search = measure(
            [*alliance, "--output", str(root / "out-a"), "--no-search"], root, args.repeat
        )
        ours_full = measure([*alliance, "--output", str(root / "out-b")], root, args.repeat)
        plain = measure(
            [str(BIN / "pelican"), "content", "-s", str(conf), "-o", str(root / "plain-out"), "-q"],
            conf.parent,
            args.repeat,
        )
        pages = sum(1 for _ in (root / "out-b").rglob("*.html"))
        plain_pages = sum(1 for _ in (root / "plain-out").rglob("*.html"))
        index_files = [p for p in (root / "out-b" / "pagefind").rglob("*") if p.is_file()]
        index_bytes = sum(p.stat().st_size for p in index_files)
        data_bytes = sum(
            p.stat().st_size for p in index_files if p.suffix in (".pf_index", ".pf_meta")
        )
        latency = search_latency(root / "out-b") if not args.no_browser else None
    print(f"alliances: {n}; our build wrote {pages} HTML pages, plain Pelican {plain_pages}")
    print(
        f"cpu: {os.cpu_count()} cores; python {sys.version.split()[0]}; median of {args.repeat} runs"
    )
    rows = [
        ("plain Pelican, N Markdown pages (simple theme)", plain),
        ("alliance build --no-search", ours_no_search),
        ("alliance build (with search)", ours_full),
    ]
    for label, (wall, cpu, peak) in rows:
        print(f"  {label:<50} {wall:6.2f} s wall  {cpu:6.2f} s cpu   peak {peak:6.0f} MB")
    for label, a, b, target in (
        ("ours(no search) / plain Pelican", ours_no_search, plain, 1.5),
        ("with search / without", ours_full, ours_no_search, 2.0),
    ):
        print(
            f"ratio {label}: {a[0] / b[0]:.2f}x wall, {a[1] / b[1]:.2f}x cpu (target <= {target}x)"
        )
    print(f"peak memory: {max(p for _, (_, _, p) in rows):.0f} MB (target < 500 MB)")
    print(
        f"search index: {index_bytes / 1024:.0f} KiB in {len(index_files)} files "
        f"(word index + metadata {data_bytes / 1024:.0f} KiB; fragments load per result)"
    )
    if latency:
        cold, warm = latency
        print(
            f"time to first result in Chromium: first query {cold:.0f} ms, then median {warm:.0f} ms"
        )


if __name__ == "__main__":
    main()

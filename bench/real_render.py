"""The real visit with Chromium on pages written by others (docs/PERFORMANCE.md, "Rendering real
pages written by others").

Not a test: it prints figures and writes a JSON line per page. Each saved page of the corpus
folders given on the command line (``*.html``, ``*.htm``, ``*.html.gz``; readability's
``test-pages/*/source.html``) is served byte for byte (gzip files decompressed) as ``/`` of a
loopback server of its own (127.0.x.y, ``text/html`` without a charset, as many servers send
it), and judged twice by :func:`monitor.visit.check_site`, the entry the monthly crawl uses for
one site: once with the crawl's shared Chromium (one :class:`~monitor.fetching.render.Renderer`
and its browser for the whole run, screenshots on, the default render time-out), once without a
browser (the static judgement). For each page it records the three verdicts of both readings,
the time of each rendering, the notes (time-out, memory, lost browser), any exception, and
every ``N`` pages the PSS of the browser's process tree and the Playwright drivers alive. At
the end it lists the pages whose rendered and static verdicts differ (with the screenshot, in
``--out``), the slowest renderings, the pages past the documented bounds, and the processes left
behind once the renderer is closed.

Loopback only: the fetcher's resolver answers only names that are 127.x IP literals (every
other name, and any address outside 127.0.0.0/8, is refused and logged), the browser's own
requests go through that fetcher (monitor/fetching/browser_page.py) and it resolves no name
itself (monitor/fetching/browser_host.py). For a guarantee that does not rest on our code, run
it in a network namespace of its own, which has only a loopback interface::

    unshare --net sh -c 'ip link set lo up && .venv/bin/python bench/real_render.py DIR...'

Corpora (not part of this repository), e.g. from adbar/htmldate ``tests/cache``,
mozilla/readability ``test/test-pages``, adbar/trafilatura ``tests/cache``,
scrapinghub/article-extraction-benchmark ``html``.

Usage: ``.venv/bin/python bench/real_render.py [--limit N] [--biggest N] [--out DIR] DIR...``
(``--biggest N`` keeps, of each folder past ``--limit``, its N largest pages besides a sample.)
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import json
import os
import random
import socket
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alliance_portal.registry.profiles import Alliance  # noqa: E402
from monitor.fetching import limits as S  # noqa: E402
from monitor.fetching.fetch import Fetcher, FetchOptions  # noqa: E402
from monitor.fetching.guard import AddressPolicy  # noqa: E402
from monitor.fetching.render import Renderer, find_chromium  # noqa: E402
from monitor.model import SiteResult  # noqa: E402
from monitor.visit import check_site  # noqa: E402
from monitor.visit_context import CrawlContext  # noqa: E402
from tests.support.farm import Site, process_name, process_tree, send, tree_pss  # noqa: E402

TODAY = date(2026, 12, 1)
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class LoopbackOnly:
    """A resolver for :class:`AddressPolicy` that answers only 127.x literals; logs the rest."""

    def __init__(self) -> None:
        self.refused: Counter[str] = Counter()
        self.asked: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[str]:
        with self._lock:
            self.asked[host] += 1
        try:
            if ipaddress.ip_address(host) in LOOPBACK:
                return [host]
        except ValueError:
            pass
        with self._lock:
            self.refused[host] += 1
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: not loopback (bench/real_render.py)")


def corpus_pages(folders: Sequence[Path], limit: int, biggest: int, seed: int) -> list[Path]:
    """The pages of each folder: all of them up to ``limit``, else its ``biggest`` largest and
    a random sample of the rest."""
    chosen: list[Path] = []
    rng = random.Random(seed)
    for folder in folders:
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file()
            and (p.name.endswith((".html", ".htm", ".html.gz")) or p.name == "source.html")
            # readability's expected.html is its output, not a page (htmldate's
            # unexpecteduser.2011.html is one)
            and not (p.parent.name == "test-pages" or p.name.startswith("expected"))
        )
        if len(files) > limit:
            by_size = sorted(files, key=lambda p: p.stat().st_size, reverse=True)
            big, rest = by_size[:biggest], by_size[biggest:]
            files = big + rng.sample(rest, max(0, limit - len(big)))
        chosen.extend(files)
    return chosen


def page_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def verdict(r: SiteResult) -> dict[str, Any]:
    return {
        "loads": f"{r.loads.status}/{r.loads.code}",
        "credit": f"{r.credit.status}/{r.credit.code}",
        "updates": f"{r.updates.status}/{r.updates.code}",
        "latest": r.updates.details.get("latest_date"),
        "view": r.loads.details.get("view"),
        "loads_evidence": r.loads.evidence[:300],
        "updates_evidence": r.updates.evidence[:300],
    }


def browser_pss(renderer: Renderer) -> tuple[int, int]:
    """(PSS of the browser's process tree in MiB, its processes); 0s when it is not running."""
    pid = renderer._host.browser_pid
    if pid is None:
        return 0, 0
    return tree_pss(pid) >> 20, len(process_tree(pid))


def drivers() -> list[str]:
    """Our Playwright drivers (node processes under this process) and Chromiums, by name."""
    return [process_name(p) for p in process_tree(os.getpid()) if p != os.getpid()]


def make_ctx(resolver: LoopbackOnly, *, render: bool, exe: str) -> CrawlContext:
    options = FetchOptions.from_timeout(
        S.READ_TIMEOUT,
        retries=0,
        policy=AddressPolicy.with_networks(["127.0.0.0/8"], resolve=resolver),
    )
    fetcher = Fetcher(options)
    renderer = Renderer(fetcher, executable=exe if render else "")
    return CrawlContext(fetcher=fetcher, renderer=renderer, today=TODAY, screenshots=render)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--limit", type=int, default=10_000, help="pages per folder at most")
    ap.add_argument("--biggest", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=int, default=25, help="memory sample every N pages")
    ap.add_argument("--out", type=Path, default=Path("/tmp/real-render"))
    ap.add_argument("--only", default="", help="only pages whose path contains this")
    args = ap.parse_args()
    exe = find_chromium()
    if exe is None:
        sys.exit("no Chromium installed (apt-get install chromium, or set CHROMIUM)")
    pages = corpus_pages(args.folders, args.limit, args.biggest, args.seed)
    if args.only:
        pages = [p for p in pages if args.only in str(p)]
    args.out.mkdir(parents=True, exist_ok=True)
    resolver = LoopbackOnly()
    rendered_ctx = make_ctx(resolver, render=True, exe=exe)
    static_ctx = make_ctx(resolver, render=False, exe=exe)
    renderer = rendered_ctx.renderer
    renders: list[tuple[float, str, str]] = []
    real_render = renderer.render

    def timed_render(url: str, *a: Any, **kw: Any) -> Any:
        t0 = time.monotonic()
        shown = real_render(url, *a, **kw)
        renders.append((time.monotonic() - t0, url, shown.note.en))
        return shown

    renderer.render = timed_render  # type: ignore[method-assign]
    memory: list[tuple[int, int, int, int]] = []  # (after page, MiB, processes, launches)
    lines = (args.out / "pages.jsonl").open("w")
    disagree: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    started = time.monotonic()
    print(f"{len(pages)} pages; browser {exe}; before: processes {drivers()}")
    for i, path in enumerate(pages):
        host = f"127.0.{10 + i // 250}.{2 + i % 250}"
        body = page_bytes(path)
        site = Site(host)
        site.routes["/"] = lambda h, b=body: send(h, b, content_type="text/html")
        site.start()
        row: dict[str, Any] = {"page": str(path), "bytes": len(body), "url": site.url("/")}
        try:
            for name, ctx in (("rendered", rendered_ctx), ("static", static_ctx)):
                n_before = len(renders)
                t0 = time.monotonic()
                try:
                    outcome = check_site(
                        Alliance(
                            slug=f"p{i}",
                            name="x",
                            university="y",
                            industry="mechatronics",
                            website=site.url("/"),
                        ),
                        ctx,
                        previous_fingerprint=None,
                    )
                    row[name] = verdict(outcome.result)
                    if name == "rendered" and outcome.screenshot:
                        row["png"] = outcome.screenshot
                except Exception as exc:
                    row[name] = {"exception": f"{type(exc).__name__}: {exc}"}
                    failures.append({"page": str(path), "how": name, "tb": traceback.format_exc()})
                row[f"{name}_seconds"] = round(time.monotonic() - t0, 2)
                if name == "rendered":
                    row["renders"] = [
                        (round(s, 2), note[:160]) for s, _, note in renders[n_before:]
                    ]
        finally:
            site.stop()
        png = row.pop("png", None)
        a, b = row.get("rendered", {}), row.get("static", {})
        keys = ("loads", "credit", "updates", "latest")
        if "exception" in a or "exception" in b or any(a.get(k) != b.get(k) for k in keys):
            disagree.append(row)
            if png:
                (args.out / f"p{i}.png").write_bytes(png)
            row["png_file"] = f"p{i}.png" if png else None
        lines.write(json.dumps(row, ensure_ascii=False) + "\n")
        lines.flush()
        if i % args.every == 0 or i == len(pages) - 1:
            mib, procs = browser_pss(renderer)
            memory.append((i + 1, mib, procs, renderer._host.launches))
            print(
                f"[{i + 1}/{len(pages)}] {time.monotonic() - started:.0f} s; browser tree"
                f" {mib} MiB in {procs} processes; launches {renderer._host.launches}",
                flush=True,
            )
    wall = time.monotonic() - started
    lines.close()
    renderer.render = real_render  # type: ignore[method-assign]
    rendered_ctx.close()
    static_ctx.close()
    renderer.close()
    time.sleep(1)
    left = drivers()
    print_summary(pages, args.out, renders, memory, disagree, failures, resolver, wall, left)


def print_summary(
    pages: list[Path],
    out: Path,
    renders: list[tuple[float, str, str]],
    memory: list[tuple[int, int, int, int]],
    disagree: list[dict[str, Any]],
    failures: list[dict[str, Any]],
    resolver: LoopbackOnly,
    wall: float,
    left: list[str],
) -> None:
    rows = [json.loads(line) for line in (out / "pages.jsonl").open()]
    views = Counter(r.get("rendered", {}).get("view") for r in rows)
    notes = Counter(
        "timed out"
        if "timed out" in n
        else "memory"
        if "memory" in n or "crashed" in n
        else "failed"
        if "failed" in n or "not finish" in n or "stopped" in n
        else "rendered"
        for _, _, n in renders
    )
    times = sorted(s for s, _, _ in renders)
    budget = S.RENDER_TIMEOUT * 2 + 10
    print(f"\n{len(pages)} pages in {wall:.0f} s; {len(renders)} renderings: {dict(notes)}")
    print(f"homepage views: {dict(views)}")
    if times:
        print(
            f"render seconds: median {times[len(times) // 2]:.2f}, p95"
            f" {times[int(len(times) * 0.95)]:.2f}, max {times[-1]:.2f} (one try's bound"
            f" {budget:.0f} s, two tries {2 * budget:.0f} s)"
        )
    for s, url, note in sorted(renders, reverse=True)[:8]:
        page = next((r["page"] for r in rows if r.get("url") == url), "")
        print(f"  {s:6.2f} s  {page}  {note[:120]}")
    over = [(s, u) for s, u, _ in renders if s > 2 * budget]
    print(f"renderings past the two-try bound ({2 * budget:.0f} s): {len(over)}")
    print(f"browser tree PSS (after page, MiB, processes, launches): {memory}")
    print(f"exceptions: {len(failures)}")
    for f in failures[:10]:
        print(f"  {f['page']} ({f['how']}):\n{f['tb']}")
    print(
        f"names asked of the resolver: {len(resolver.asked)}; refused {sum(resolver.refused.values())}"
    )
    print(f"  refused (first 15): {resolver.refused.most_common(15)}")
    print(f"processes left under the bench after closing: {left}")
    print(f"\nrendered and static verdicts differ on {len(disagree)} pages:")
    for r in disagree:
        a, b = r.get("rendered", {}), r.get("static", {})
        diff = {
            k: (a.get(k), b.get(k))
            for k in ("loads", "credit", "updates", "latest")
            if a.get(k) != b.get(k)
        }
        print(f"  {r['page']} [{r.get('png_file')}]: {diff}")


if __name__ == "__main__":
    main()

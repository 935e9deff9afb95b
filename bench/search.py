"""Measure search relevance three ways on the tests' 200-alliance sample (tests/support/search_sample.py).

    python bench/search.py [--alliances 200]

1. "pages": Pagefind reading the public pages as it did before (one index per language, its own
   dictionary segmentation of Chinese), queried on the page's language index.
2. "pairs": the portal's search records (Chinese as character pairs, both languages in one
   index), in Pagefind's own order.
3. "search page": the portal's search page as shipped (pairs, then names first).

For each, the share of the queries whose alliance comes first and is in the top 3, and the
index size. Prints a table for docs/PERFORMANCE.md and docs/portal.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from alliance_portal.commands.portal import make_server  # noqa: E402
from alliance_portal.portal.build import build_site  # noqa: E402
from tests.support.search_sample import QUERIES, sample_profiles, write_sample  # noqa: E402

RAW = """async ([q, lang]) => {
  const pf = await import('/pagefind/pagefind.js');
  const s = await pf.search(q);
  const out = [];
  for (const r of s.results.slice(0, 3)) { out.push((await r.data()).url); }
  return out;
}"""


def pages_index(site: Path) -> None:
    """The old way: Pagefind indexes the alliance pages themselves, per language."""
    for page in site.rglob("alliances/*/index.html"):
        html = page.read_text(encoding="utf-8")
        html = html.replace(
            '<article class="wrap alliance">', '<article class="wrap alliance" data-pagefind-body>'
        )
        page.write_text(html, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--silent"], check=True)


def slug_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")


def measure(site: Path, mode: str, verbose: bool = False) -> tuple[float, float, int]:
    from playwright.sync_api import sync_playwright

    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    names = {s: (p["name"], p.get("name_en") or p["name"]) for s, p in sample_profiles(200).items()}
    first = top3 = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            for q in QUERIES:
                path = "en/search/" if q.page == "en" else "search/"
                if mode == "search page":
                    page.goto(base + path + "?q=" + q.text)
                    page.wait_for_function(
                        "document.getElementById('search-status').textContent.length > 0"
                    )
                    shown = page.locator("#search-results > li h2 a").all_inner_texts()[:3]
                    want = names[q.expected][1 if q.page == "en" else 0]
                    hits = [s == want for s in shown]
                else:
                    page.goto(base + path)
                    text = q.text
                    if mode == "pairs":
                        text = page.evaluate(
                            "async (q) => (await import('/theme/js/search.js')).spellQuery(q)",
                            q.text,
                        )
                    urls = page.evaluate(RAW, [text, q.page])
                    hits = [slug_of(u) == q.expected for u in urls]
                first += bool(hits and hits[0])
                top3 += any(hits)
                if not (hits and hits[0]) and verbose:
                    print(f"    {mode}: {q.text!r} ({q.page}) -> {q.expected} not first")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    size = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
    return first / len(QUERIES), top3 / len(QUERIES), size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alliances", type=int, default=200)
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        root = Path(tmp)
        content, banners = write_sample(root, args.alliances)
        build_site(content, banners, root / "ours", search=True)
        build_site(content, banners, root / "old", search=False)
        pages_index(root / "old")
        rows = [
            ("Pagefind on the pages (before)", measure(root / "old", "pages", args.verbose)),
            ("pair records, Pagefind order", measure(root / "ours", "pairs", args.verbose)),
            ("search page as shipped", measure(root / "ours", "search page", args.verbose)),
        ]
    print(f"{len(QUERIES)} queries on {args.alliances} alliances")
    for label, (first, top3, size) in rows:
        print(
            f"  {label:<34} first {first:6.1%}   top 3 {top3:6.1%}   index {size / 1024:6.0f} KiB"
        )


if __name__ == "__main__":
    main()

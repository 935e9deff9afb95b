"""``make demo``: the whole project on the bundled sample data, in one command.

1. validates the sample registry (``content/``, ``banners/``) and builds the portal into ``output/``;
2. serves the sample alliance websites (``samples/websites/``) on http://127.0.0.1:8181/;
3. crawls them as the monthly monitor does (``var/monitor.sqlite3``) and writes the month's
   reports under ``reports/<YYYY-MM>/``;
4. serves the portal on http://127.0.0.1:8000/ until Ctrl+C (the sample websites stay up so the
   banners' links work).
"""

from __future__ import annotations

import argparse
import logging
import threading
from datetime import date
from pathlib import Path

from alliance_portal.build import build_site
from alliance_portal.commands.portal import make_server

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alliance_portal.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sites-port", type=int, default=8181)
    parser.add_argument("--no-serve", action="store_true", help="build and crawl, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    content, banners, output = ROOT / "content", ROOT / "banners", ROOT / "output"
    print("1/4 building the sample portal ...")
    result = build_site(content, banners, output, settings_file=ROOT / "pelicanconf.py")
    for problem in result.problems:
        print(f"    {problem.severity}: {problem}")
    print(f"    {result.pages} pages, search index included, in {output}/")

    from monitor.crawl import run_crawl
    from monitor.report import write_month_reports
    from monitor.sample_sites import serve_sample_sites
    from monitor.store import Store

    print(f"2/4 serving the sample alliance websites on http://127.0.0.1:{args.sites_port}/ ...")
    sites, _thread = serve_sample_sites(ROOT / "samples" / "websites", port=args.sites_port)
    try:
        today = date.today()
        db = ROOT / "var" / "monitor.sqlite3"
        print("3/4 crawling every active alliance website (the monthly check) ...")
        run_id = run_crawl(
            content_dir=content,
            db_path=db,
            today=today,
            allow_private=True,  # the sample websites live on loopback
            json_path=ROOT / "var" / "crawl.json",
            progress=True,
        )
        store = Store(db)
        run = store.run(run_id)
        month = run.month if run else today.strftime("%Y-%m")
        report = write_month_reports(store, month, ROOT / "reports")
        results = store.results(run_id)
        counts = {s: sum(1 for r in results if r.overall == s) for s in ("pass", "warn", "fail")}
        print(
            f"    {len(results)} sites: {counts['pass']} pass, {counts['warn']} warn, "
            f"{counts['fail']} fail; report: {report}"
        )
        if args.no_serve:
            return 0
        server = make_server(output, args.host, args.port)
        print(f"4/4 portal at http://{args.host}:{server.server_address[1]}/ (Ctrl+C to stop)")
        print(f"    monthly report: file://{report}")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nstopping")
        finally:
            server.shutdown()
            server.server_close()
    finally:
        sites.shutdown()
        sites.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

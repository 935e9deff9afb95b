"""``make demo``: the whole project on the bundled sample data, in one command.

1. serves the sample alliance websites (``samples/websites/``) on http://127.0.0.1:8181/ (the
   sample profiles in ``content/alliances/`` point at that address, so the port is fixed);
2. validates the sample registry (``content/``, ``banners/``) and builds the portal into ``output/``;
3. crawls the sample websites as the monthly monitor does (``var/monitor.sqlite3``) and writes
   the month's reports under ``reports/<YYYY-MM>/``, with the registry's names and the next
   check date of ``monitor.toml`` (when there is one);
4. serves the portal on http://127.0.0.1:8000/ until Ctrl+C (the sample websites stay up so the
   banners' links work).
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
import threading
from datetime import date
from pathlib import Path

from alliance_portal.commands.portal import make_server
from alliance_portal.portal.build import build_site

ROOT = Path(__file__).resolve().parent.parent

#: Where the sample profiles' ``website`` URLs point (content/alliances/*.toml).
SITES_HOST = "127.0.0.1"
SITES_PORT = 8181

#: Exit status when the sample websites' port is taken.
EXIT_PORT_TAKEN = 1


def port_taken_message(port: int, reason: str) -> str:
    """What to tell the user when the sample websites cannot listen on ``port``."""
    return (
        f"error: port {port} on {SITES_HOST} is already in use ({reason}).\n"
        f"  The demo serves the sample alliance websites there: the sample profiles in"
        f" content/alliances/ point at http://{SITES_HOST}:{port}/, so no other port works.\n"
        f"  Free the port and run the demo again: see what holds it with"
        f" `ss -ltnp 'sport = :{port}'` (or `lsof -i :{port}`), then stop that program"
        f" (an earlier `make demo` still running? press Ctrl+C in its terminal)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alliance_portal.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address of the portal server")
    parser.add_argument("--port", type=int, default=8000, help="port of the portal server")
    parser.add_argument("--no-serve", action="store_true", help="build and crawl, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    from alliance_portal.sample_sites import serve_sample_sites

    # First, before anything is built or crawled: without this port the crawl would judge
    # whatever else answers on it.
    try:
        sites, _thread = serve_sample_sites(
            ROOT / "samples" / "websites", host=SITES_HOST, port=SITES_PORT
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(port_taken_message(SITES_PORT, exc.strerror or str(exc)), file=sys.stderr)
            return EXIT_PORT_TAKEN
        raise
    try:
        return _run(args, sites_url=f"http://{SITES_HOST}:{SITES_PORT}/")
    finally:
        sites.shutdown()
        sites.server_close()


def _run(args: argparse.Namespace, *, sites_url: str) -> int:
    from alliance_portal.commands.reports import write_month_with_registry
    from monitor.config import load_settings
    from monitor.crawl import run_crawl
    from monitor.store import Store

    content, banners, output = ROOT / "content", ROOT / "banners", ROOT / "output"
    # the sample registry, database and reports of this checkout; the sample websites live on
    # loopback; the schedule (the reports' next check) from monitor.toml when there is one
    settings = load_settings(None, default=ROOT / "monitor.toml").override(
        paths={
            "content": content,
            "db": ROOT / "var" / "monitor.sqlite3",
            "reports": ROOT / "reports",
        },
        crawl={"allow_private": True},
    )
    print("1/4 building the sample portal ...")
    result = build_site(content, banners, output, settings_file=ROOT / "pelicanconf.py")
    for problem in result.problems:
        print(f"    {problem.severity}: {problem}")
    print(f"    {result.pages} pages, search index included, in {output}/")

    print(f"2/4 sample alliance websites served on {sites_url}")
    today = date.today()
    print("3/4 crawling every active alliance website (the monthly check) ...")
    run_id = run_crawl(
        paths=settings.paths,
        settings=settings.crawl,
        today=today,
        json_path=ROOT / "var" / "crawl.json",
        progress=True,
    )
    store = Store(settings.paths.db)
    run = store.run(run_id)
    month = run.month if run else today.strftime("%Y-%m")
    written = write_month_with_registry(store, month, settings)
    report = written.folder / "index.html"
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
    print(f"    monthly report: {report.as_uri()}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

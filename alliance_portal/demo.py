"""``make demo``: the whole project on the bundled sample data, in one command.

1. serves the sample alliance websites (``samples/websites/``) on http://127.0.0.1:8181/ (the
   sample profiles in ``content/alliances/`` point at that address, so the port is fixed);
2. validates the sample registry (``content/``, ``banners/``) and builds the portal into ``output/``;
3. crawls the sample websites as the monthly monitor does (``var/monitor.sqlite3``) and writes
   the month's reports under ``reports/<YYYY-MM>/``, with the registry's names and the next
   check date of ``monitor.toml`` (when there is one);
4. serves the portal on http://127.0.0.1:8000/, and the upload form with the office console on
   http://127.0.0.1:8001/ (the portal's port + 1), until Ctrl+C (the sample websites stay up so
   the banners' links work and the console can re-check them). It prints the console's address
   with a demo-only office password generated for this run, and one alliance's personal link.
   Every month's report is read in the console over HTTP; "publish" puts the portal into
   ``var/demo-www`` (a local web root, swapped in atomically).
"""

from __future__ import annotations

import argparse
import errno
import logging
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from alliance_portal.commands.portal import make_server
from alliance_portal.portal.build import build_site
from alliance_portal.registry.report_contract import INDEX_FILE

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
    parser.add_argument(
        "--console-port",
        type=int,
        default=None,
        help="port of the upload form and office console (default: --port + 1)",
    )
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
    report = written.folder / INDEX_FILE
    results = store.results(run_id)
    counts = {s: sum(1 for r in results if r.overall == s) for s in ("pass", "warn", "fail")}
    print(
        f"    {len(results)} sites: {counts['pass']} pass, {counts['warn']} warn, "
        f"{counts['fail']} fail; report: {report}"
    )
    if args.no_serve:
        return 0
    server = make_server(output, args.host, args.port)
    portal_url = f"http://{args.host}:{server.server_address[1]}/"
    console_port = args.console_port if args.console_port is not None else args.port + 1
    console = serve_console(args.host, console_port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"4/4 portal at {portal_url} (Ctrl+C to stop)")
    print(f"    office console: {console.url}/office/  password: {console.password}")
    print(f"    this month's report: {console.url}/office/reports/{month}/")
    print(f"    {console.slug}'s personal link (the PI's): {console.link}")
    print(
        f"    notices sent from the console land in {console.outbox}/; publish goes to {console.web_root}/"
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        server.shutdown()
        server.server_close()
        console.stop()
    return 0


@dataclass
class DemoConsole:
    """The served form and office console, and what the demo prints about it."""

    url: str
    password: str
    slug: str
    link: str
    outbox: Path
    web_root: Path
    stop: Callable[[], None]


def serve_console(host: str, port: int, *, root: Path = ROOT) -> DemoConsole:
    """Serve the upload form with the office console on the demo's data; a fresh office
    password (only for this demo run) and one alliance's personal link."""
    from alliance_portal.commands.console import ConsoleSetup, link_maker, office_hooks
    from alliance_portal.commands.intake import portal_rebuilder
    from alliance_portal.demo_mail import DemoOutbox
    from alliance_portal.intake import IntakeConfig, create_app
    from alliance_portal.intake.admin_password import set_password
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.mailer import MailSettings
    from alliance_portal.intake.secret_key import ensure_secret
    from alliance_portal.intake.server import BackgroundServer
    from alliance_portal.portal.publish import PublishSettings
    from alliance_portal.registry.site_settings import load_site_settings
    from monitor.config import load_settings

    content, banners, var = root / "content", root / "banners", root / "var"
    paths = IntakePaths(var)
    secret, _created = ensure_secret(paths.secret_file)
    password = secrets.token_urlsafe(12)
    set_password(paths.admin_password, password)
    settings_file = ROOT / "pelicanconf.py"
    listening: list[str] = [f"http://{host}:{port}"]  # the real port once the server listens
    outbox = DemoOutbox(var / "demo-outbox").start()
    monitor = load_settings(None, default=root / "monitor.toml").override(
        paths={"content": content, "db": var / "monitor.sqlite3", "reports": root / "reports"},
        crawl={"allow_private": True},  # the sample websites live on loopback
        smtp={  # the demo's own outbox on loopback, never a real server
            "host": "127.0.0.1",
            "port": outbox.port,
            "starttls": False,
            "use_ssl": False,
            "user": "",
            "sender": "產學小聯盟計畫辦公室（示範） <office@demo.invalid>",
        },
    )
    web_root = var / "demo-www"
    setup = ConsoleSetup(
        content_dir=content,
        banners_dir=banners,
        output_dir=root / "output",
        var_dir=var,
        monitor=monitor,
        settings_file=settings_file,
        publish_target=PublishSettings("local", web_root=web_root),
        update_link=link_maker(var, secret, lambda: listening[0]),
    )
    config = IntakeConfig(
        content_dir=content,
        banners_dir=banners,
        var_dir=var,
        secret=secret,
        industries=tuple(load_site_settings(settings_file)["INDUSTRIES"]),
        rebuild=portal_rebuilder(
            content, banners, root / "output", settings_file=settings_file, search=True
        ),
        office=office_hooks(setup),
        # links e-mailed from the console's people page land in the same demo outbox
        mail=MailSettings(
            host="127.0.0.1", port=outbox.port, starttls=False, sender=monitor.smtp.sender
        ),
    )
    app = create_app(config)
    try:
        server = BackgroundServer(app, host, port).start()
        listening[0] = server.url
    except OSError as exc:
        outbox.stop()
        raise SystemExit(
            f"error: port {port} on {host} is already in use ({exc.strerror or exc}); pass"
            " --console-port with a free port, or stop the program that holds it"
        ) from None
    slug = sorted(p.stem for p in (content / "alliances").glob("*.toml"))[0]
    link = setup.update_link(slug) if setup.update_link else ""

    def stop() -> None:
        server.stop()
        outbox.stop()

    return DemoConsole(server.url, password, slug, link, outbox.folder, web_root, stop)


if __name__ == "__main__":
    raise SystemExit(main())

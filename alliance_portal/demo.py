"""``make demo``: the whole project on the bundled sample data, in one command.

Every run starts from the bundled sample: the demo copies ``content/`` and ``banners/`` into
``var/demo/`` and works only there (its database, reports, build, published site, the form's
state and the mail outbox live there too), so using the demo never edits tracked files and two
checkouts can run demos side by side.

1. serves the sample alliance websites (``samples/websites/``) on a free loopback port, and
   points the copied profiles' ``website`` at it;
2. validates the copied registry and builds the portal into ``var/demo/output/`` (the office's
   build), then publishes it into ``var/demo/www/`` (the public portal);
3. crawls the sample websites as the monthly monitor does (``var/demo/monitor.sqlite3``) and
   writes the month's reports under ``var/demo/reports/<YYYY-MM>/``;
4. serves the *published* portal on http://127.0.0.1:8000/ (what the public sees), and the upload
   form with the office console on http://127.0.0.1:8001/ (the portal's port + 1), until Ctrl+C.
   A PI's save rebuilds the office's build; the public portal changes when the office presses
   發布入口網 in the console (the office publishes by hand, as docs/operations.md describes). It
   prints the console's address with a demo-only office password generated for this run, and
   one alliance's personal link.
"""

from __future__ import annotations

import argparse
import errno
import logging
import re
import secrets
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from alliance_portal.commands.portal import make_server, port_in_use
from alliance_portal.portal.build import build_site
from alliance_portal.registry.errors import AllianceError
from alliance_portal.registry.report_contract import INDEX_FILE

ROOT = Path(__file__).resolve().parent.parent

#: Where the demo's copy of the sample lives, relative to the checkout.
DEMO_DIR = Path("var") / "demo"
#: Marks a folder as the demo's own copy, so a fresh start never deletes anything else.
DEMO_MARK = ".alliance-demo"
#: Where the sample profiles' ``website`` URLs point in the bundled registry.
SAMPLE_SITES_URL = re.compile(r"http://127\.0\.0\.1:8181/")

SITES_HOST = "127.0.0.1"

#: Exit status when the demo cannot start (a port taken, a folder that is not the demo's).
EXIT_CANNOT_START = 1


@dataclass(frozen=True, slots=True)
class DemoPaths:
    """The demo's working copy (all under ``var/demo/``), laid out like a portal folder:
    ``content/``, ``banners/``, ``output/``, ``reports/``, ``var/`` (database, the form's state,
    the mail outbox) and ``www/`` (the published portal)."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def banners(self) -> Path:
        return self.root / "banners"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def db(self) -> Path:
        return self.var / "monitor.sqlite3"

    @property
    def web_root(self) -> Path:
        return self.root / "www"


class DemoError(AllianceError):
    """The demo cannot start; the message says why and what to do."""


def fresh_copy(source: Path, demo: Path, *, sites_url: str) -> DemoPaths:
    """Start ``demo`` afresh from the bundled sample in ``source`` (content/ and banners/), with
    the profiles' websites pointing at ``sites_url``. Refuses to empty a folder the demo did not
    create."""
    if demo.exists():
        if not (demo / DEMO_MARK).is_file():
            raise DemoError(
                f"{demo} exists but was not made by `make demo`; move it away (or delete it) and "
                "run the demo again"
            )
        shutil.rmtree(demo)
    demo.mkdir(parents=True)
    (demo / DEMO_MARK).write_text("made by `make demo`; emptied at every demo start\n")
    paths = DemoPaths(demo)
    shutil.copytree(source / "content", paths.content)
    shutil.copytree(source / "banners", paths.banners)
    for profile in sorted((paths.content / "alliances").glob("*.toml")):
        text = profile.read_text(encoding="utf-8")
        profile.write_text(SAMPLE_SITES_URL.sub(sites_url, text), encoding="utf-8")
    return paths


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
    parser.add_argument(
        "--sites-port",
        type=int,
        default=0,
        help="port of the sample alliance websites (default: a free port, printed)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"where the demo's fresh copy of the sample lives (default: {DEMO_DIR}/, emptied at"
        " every start)",
    )
    parser.add_argument("--no-serve", action="store_true", help="build and crawl, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    from alliance_portal.sample_sites import serve_sample_sites

    console_port = args.console_port if args.console_port is not None else args.port + 1
    if not args.no_serve and (busy := port_in_use(args.host, (args.port, console_port))):
        # Before the minute of building and crawling, not after it as a traceback: the usual
        # cause is a demo still running in another terminal.
        print(
            f"error: port {busy} on {args.host} is already in use (is another `make demo` still "
            "running? stop it with Ctrl+C), or start this one on other ports: make demo "
            f"PORT={args.port + 10} (the console takes PORT+1)",
            file=sys.stderr,
        )
        return EXIT_CANNOT_START
    try:
        sites, _thread = serve_sample_sites(
            ROOT / "samples" / "websites", host=SITES_HOST, port=args.sites_port
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(
                f"error: port {args.sites_port} on {SITES_HOST} is already in use; run the demo "
                "without --sites-port (it picks a free port) or free that port",
                file=sys.stderr,
            )
            return EXIT_CANNOT_START
        raise
    sites_url = f"http://{SITES_HOST}:{sites.server_address[1]}/"
    try:
        work = args.work.resolve() if args.work else ROOT / DEMO_DIR
        paths = fresh_copy(ROOT, work, sites_url=sites_url)
        return _run(args, paths, sites_url=sites_url)
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START
    finally:
        sites.shutdown()
        sites.server_close()


def _run(args: argparse.Namespace, paths: DemoPaths, *, sites_url: str) -> int:
    from alliance_portal.commands.publish import publish_portal
    from alliance_portal.commands.reports import write_month_with_registry
    from alliance_portal.portal.publish import PublishSettings
    from alliance_portal.registry.settings import load_settings
    from monitor.crawl import run_crawl
    from monitor.store import Store

    settings = load_settings(None, default=ROOT / "monitor.toml").override(
        paths={"content": paths.content, "db": paths.db, "reports": paths.reports},
        crawl={"allow_private": True},  # the sample websites live on loopback
    )
    print(f"    working on a fresh copy of the sample in {paths.root}/")
    print("1/4 building the sample portal and publishing it ...")
    result = build_site(
        paths.content, paths.banners, paths.output, settings_file=ROOT / "pelicanconf.py"
    )
    for problem in result.problems:
        print(f"    {problem.severity}: {problem}")
    published = publish_portal(
        content_dir=paths.content,
        banners_dir=paths.banners,
        output_dir=paths.output,
        var_dir=paths.var,
        target=PublishSettings("local", web_root=paths.web_root),
        actor="demo",
        build=False,
    )
    if not published.ok:
        raise DemoError(
            f"publishing the sample portal to {paths.web_root} failed: {published.message}"
        )
    print(f"    {result.pages} pages, search index included; published to {paths.web_root}/")

    print(f"2/4 sample alliance websites served on {sites_url}")
    today = date.today()
    print("3/4 crawling every active alliance website (the monthly check) ...")
    run_id = run_crawl(
        paths=settings.paths,
        settings=settings.crawl,
        today=today,
        json_path=paths.var / "crawl.json",
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
    server = make_server(paths.web_root, args.host, args.port)
    portal_url = f"http://{args.host}:{server.server_address[1]}/"
    console_port = args.console_port if args.console_port is not None else args.port + 1
    console = serve_console(args.host, console_port, demo=paths)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"4/4 public portal (as last published) at {portal_url} (Ctrl+C to stop)")
    print(f"    office console: {console.url}/office/  password: {console.password}")
    print(f"    this month's report: {console.url}/office/reports/{month}/")
    print(f"    {console.slug}'s personal link (the PI's): {console.link}")
    print(
        f"    a PI's save waits for 發布入口網 (Publish) in the console before the public portal"
        f" shows it; e-mail from the console lands in {console.outbox}/"
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


def _record_sample_pis(content: Path, people_file: Path) -> None:
    """The office's first step of the year, done for the sample alliances: record each PI's
    address (here the sample profile's contact address), so the demo's "Send link" works.
    In real use the office records it (a PI's link never goes to the contact address)."""
    import tomllib

    from alliance_portal.intake.people import People, PeopleError

    people = People(people_file)
    for path in sorted((content / "alliances").glob("*.toml")):
        pi = people.pi(path.stem)
        if pi is not None and pi.email:
            continue
        try:
            email = tomllib.loads(path.read_text(encoding="utf-8")).get("contact_email")
            if isinstance(email, str) and email:
                people.set_pi(path.stem, email, by="office")
        except (OSError, ValueError, PeopleError):
            continue  # a sample the office would fix by hand; the demo goes on


def serve_console(host: str, port: int, *, demo: DemoPaths) -> DemoConsole:
    """Serve the upload form with the office console on the demo's copy; a fresh office
    password (only for this demo run) and one alliance's personal link. The office publishes
    by hand into ``demo.web_root`` (the public portal the demo serves)."""
    from alliance_portal.commands.console import ConsoleSetup, link_maker, office_hooks
    from alliance_portal.commands.portal_wiring import portal_rebuilder
    from alliance_portal.demo_mail import DemoOutbox
    from alliance_portal.intake import IntakeConfig, create_app
    from alliance_portal.intake.admin_password import set_password
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.mailer import MailSettings
    from alliance_portal.intake.secret_key import ensure_secret
    from alliance_portal.intake.server import BackgroundServer
    from alliance_portal.portal.publish import PublishSettings
    from alliance_portal.registry.settings import load_settings
    from alliance_portal.registry.site_settings import load_site_settings

    content, banners, var = demo.content, demo.banners, demo.var
    paths = IntakePaths(var)
    secret, _created = ensure_secret(paths.secret_file)
    password = secrets.token_urlsafe(12)
    set_password(paths.admin_password, password)
    settings_file = ROOT / "pelicanconf.py"
    _record_sample_pis(content, paths.people)
    if port == 0:  # the links e-mailed from the console need the address before it listens
        import socket

        with socket.socket() as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
    listening: list[str] = [f"http://{host}:{port}"]  # the real port once the server listens
    outbox = DemoOutbox(var / "demo-outbox").start()
    monitor = load_settings(None, default=ROOT / "monitor.toml").override(
        paths={"content": content, "db": demo.db, "reports": demo.reports},
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
    web_root = demo.web_root
    setup = ConsoleSetup(
        content_dir=content,
        banners_dir=banners,
        output_dir=demo.output,
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
            content, banners, demo.output, settings_file=settings_file, search=True
        ),
        # the office publishes by hand (the console's 發布入口網): a save is not public by itself
        rebuild_is_public=False,
        office=office_hooks(setup),
        public_url=f"http://{host}:{port}",  # the form's public address in the demo's letters
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
    link = setup.update_link.link(slug) if setup.update_link else ""

    def stop() -> None:
        server.stop()
        outbox.stop()

    return DemoConsole(server.url, password, slug, link, outbox.folder, web_root, stop)


if __name__ == "__main__":
    raise SystemExit(main())

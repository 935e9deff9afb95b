"""``alliance intake ...``: the upload form for alliances and the office's link tools.

    alliance intake links [SLUG...] --base-url https://intake.example.tw [--csv links.csv]
    alliance intake send-links [SLUG...] --base-url https://intake.example.tw [--dry-run] [--resend]
    alliance intake people [SLUG...]
    alliance intake set-pi SLUG EMAIL
    alliance intake deadline [--year 2027 --date 2027-04-30] [--before 14,3 --after 7]
    alliance intake remind [--dry-run]
    alliance intake revoke SLUG...
    alliance intake set-admin-password
    alliance intake serve [--host 127.0.0.1 --port 8080] [--deadline 2027-04-30]
    alliance intake history SLUG
    alliance intake restore SLUG VERSION

Flask, waitress and Pelican are imported inside the commands that need them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import io
import sys
from pathlib import Path

from alliance_portal.commands.console import add_console_options
from alliance_portal.commands.intake_deadlines import register_deadlines
from alliance_portal.commands.intake_people import (
    _industries,
    _store,
    mail_options,
    mail_settings,
    register_people,
)
from alliance_portal.commands.options import (
    add_registry,
    add_var,
    cli_actor,
    link_base_and_secret,
    settings_file,
)
from alliance_portal.commands.portal_wiring import portal_rebuilder
from alliance_portal.registry.errors import AllianceError, UsageError
from alliance_portal.registry.files import atomic_write

#: Seconds ``serve`` waits on Ctrl+C for a running portal build to finish.
SHUTDOWN_BUILD_WAIT = 120.0


def _paths(parser: argparse.ArgumentParser) -> None:
    add_registry(parser)
    add_var(parser, "secret, link versions, audit log, password hash")


def register(sub: argparse._SubParsersAction) -> None:
    intake = sub.add_parser("intake", help="upload form for alliances: serve it, issue links")
    isub = intake.add_subparsers(dest="intake_command", metavar="ACTION", required=True)

    serve = isub.add_parser("serve", help="run the upload form (waitress)")
    _paths(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--threads", type=int, default=4)
    serve.add_argument(
        "--output", type=Path, default=Path("output"), metavar="DIR", help="portal to rebuild"
    )
    serve.add_argument(
        "--no-rebuild", action="store_true", help="do not rebuild the portal after saves"
    )
    serve.add_argument("--no-search", action="store_true", help="rebuild without search index")
    serve.add_argument("--portal-url", default="", help="public portal address shown to users")
    serve.add_argument(
        "--deadline",
        type=_deadline,
        default=None,
        metavar="YYYY-MM-DD",
        help="submission deadline shown on the form and the office page (default: 30 April "
        "of the current year)",
    )
    serve.add_argument(
        "--secure-cookies",
        action="store_true",
        help="always mark cookies Secure (set when users reach the form over https)",
    )
    serve.add_argument(
        "--behind-proxy",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from one reverse proxy in front of the server",
    )
    serve.add_argument(
        "--public-url",
        default="",
        help="the form's address as people reach it, for links in e-mails (default: the "
        "address of each request)",
    )
    mail_options(serve)
    add_console_options(serve)
    serve.set_defaults(func=run_serve)

    links = isub.add_parser("links", help="print (or write as CSV) each alliance's personal link")
    _paths(links)
    links.add_argument("slugs", nargs="*", metavar="SLUG", help="default: every profile")
    links.add_argument(
        "--base-url",
        required=True,
        help="address of the upload form as alliances reach it, e.g. https://intake.example.tw",
    )
    links.add_argument("--csv", type=Path, metavar="FILE", help="write slug,name,email,link")
    links.set_defaults(func=run_links)

    register_people(isub)
    register_deadlines(isub)

    revoke = isub.add_parser(
        "revoke", help="invalidate every earlier link (and session) of alliances"
    )
    _paths(revoke)
    revoke.add_argument("slugs", nargs="+", metavar="SLUG")
    revoke.set_defaults(func=run_revoke)

    pw = isub.add_parser("set-admin-password", help="set the office password (stored hashed)")
    _paths(pw)
    pw.add_argument(
        "--stdin", action="store_true", help="read the password from standard input (scripts)"
    )
    pw.set_defaults(func=run_set_password)

    history = isub.add_parser("history", help="list every stored profile and banner version")
    _paths(history)
    history.add_argument("slug", metavar="SLUG")
    history.set_defaults(func=run_history)

    restore = isub.add_parser("restore", help="make an earlier profile or banner version current")
    _paths(restore)
    restore.add_argument("slug", metavar="SLUG")
    restore.add_argument("version", metavar="VERSION", help="a name from `intake history`")
    restore.set_defaults(func=run_restore)


def _deadline(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-04-30"
        ) from None


def _check_slugs(slugs: list[str]) -> None:
    from alliance_portal.intake.storage import check_slug

    for slug in slugs:
        check_slug(slug)  # a StorageError names the slug; cli.main exits 1


def run_serve(args: argparse.Namespace) -> int:
    from alliance_portal.intake import IntakeConfig, create_app
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.secret_key import SecretError, load_secret
    from alliance_portal.intake.server import create_server

    paths = IntakePaths(args.var)
    try:
        secret = load_secret(paths.secret_file)
    except SecretError as exc:
        raise UsageError(str(exc)) from exc
    if not (args.content / "alliances").is_dir():
        raise UsageError(
            f"{args.content / 'alliances'} not found; run from the portal folder or pass --content"
        )
    from alliance_portal.commands.console import office_hooks, setup_from_args

    setup = setup_from_args(args, secret=secret, listen_url=f"http://{args.host}:{args.port}")
    office = office_hooks(setup)
    # Published versus live (docs/operations.md): with a publish target the office publishes by
    # hand, unless [publish] auto = true publishes every build; without one the web server
    # serves the build folder itself, so a finished build is what the public sees.
    target = setup.publish_target
    auto_publish = target if target is not None and target.auto else None
    rebuild = None
    if not args.no_rebuild:
        rebuild = portal_rebuilder(
            args.content,
            args.banners,
            args.output,
            settings_file=settings_file(args),
            industries=_industries(args),
            identity=setup.identity,  # the same name the console's publish builds with
            search=not args.no_search,
            publish_to=auto_publish,
            var_dir=args.var,
        )
    config = IntakeConfig(
        content_dir=args.content,
        banners_dir=args.banners,
        var_dir=args.var,
        secret=secret,
        industries=_industries(args),
        rebuild=rebuild,
        rebuild_is_public=target is None or auto_publish is not None,
        portal_url=args.portal_url,
        deadline=args.deadline,
        mail=mail_settings(args),
        # one public address for every e-mailed link: --public-url, else [form] public_url
        public_url=args.public_url or setup.monitor.form.public_url,
        secure_cookies=args.secure_cookies,
        behind_proxy=args.behind_proxy,
        office=office,
    )
    if not paths.admin_password.exists():
        print("note: no office password yet; run `alliance intake set-admin-password`")
    app = create_app(config)
    server = create_server(app, args.host, args.port, threads=args.threads)
    print(f"upload form on http://{args.host}:{server.effective_port}/ (Ctrl+C to stop)")
    try:
        server.run()
    finally:
        server.close()
        # A portal build already running finishes (it swaps its output in whole, so stopping
        # it would be safe, but the alliance was told the change goes live).
        from alliance_portal.intake.services import EXTENSION_KEY

        app.extensions[EXTENSION_KEY].rebuilder.close(timeout=SHUTDOWN_BUILD_WAIT)
        app.extensions[EXTENSION_KEY].jobs.close(timeout=SHUTDOWN_BUILD_WAIT)
    return 0


def run_links(args: argparse.Namespace) -> int:
    from alliance_portal.intake.config import LINK_MAX_AGE, IntakePaths
    from alliance_portal.intake.links import LinkSigner, LinkVersions
    from alliance_portal.registry.audit import AuditLog

    base, secret, created = link_base_and_secret(args)
    paths = IntakePaths(args.var)
    if created:
        print(f"created a new intake secret in {paths.secret_file} (mode 0600; keep it out of git)")
    store = _store(args)
    slugs = list(args.slugs)
    if not slugs:
        folder = args.content / "alliances"
        slugs = sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []
        if not slugs:
            raise UsageError(f"no profiles in {folder}; name the alliances: intake links SLUG...")
    _check_slugs(slugs)
    signer = LinkSigner(secret, LinkVersions(paths.link_versions), LINK_MAX_AGE)
    audit = AuditLog(paths.audit_log)
    from alliance_portal.intake.people import People

    people = People(paths.people)
    # The PI's links, each beside the PI's address as the office recorded it (never the
    # profile's contact_email: the alliance edits that, often to an assistant's address, and a
    # mail merge would hand the PI's rights to whoever set it). Empty: record it with set-pi.
    rows = []
    for slug in slugs:
        state = store.read_profile(slug)
        url = f"{base}/link/{signer.make_token(slug)}"
        audit.record(actor=cli_actor(), action="link.issue", slug=slug)
        name = state.values.get("name", "")
        pi = people.pi(slug)
        email = pi.email if pi is not None else ""
        rows.append(
            (
                slug,
                name if isinstance(name, str) else "",
                email if isinstance(email, str) else "",
                url,
            )
        )
    if args.csv:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["slug", "name", "pi_email", "link"])
        writer.writerows(rows)
        # utf-8-sig so Excel opens the Chinese names correctly; 0600: the links are keys.
        atomic_write(args.csv, buf.getvalue().encode("utf-8-sig"), mode=0o600)
        print(f"wrote {len(rows)} links to {args.csv}")
    else:
        for slug, _name, _email, url in rows:
            print(f"{slug}\t{url}")
    days = LINK_MAX_AGE.days
    print(
        f"links are valid for {days} days; revoke one with `alliance intake revoke SLUG`",
        file=sys.stderr,
    )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.links import LinkVersions
    from alliance_portal.registry.audit import AuditLog

    _check_slugs(args.slugs)
    paths = IntakePaths(args.var)
    versions = LinkVersions(paths.link_versions)
    audit = AuditLog(paths.audit_log)
    for slug in args.slugs:
        version = versions.revoke(slug)
        audit.record(actor=cli_actor(), action="link.revoke", slug=slug, detail=f"now v{version}")
        print(
            f"{slug}: every earlier link and session (the PI's and the assistants') revoked; "
            f"new links use version {version}"
        )
    print("issue new links with `alliance intake links SLUG --base-url ...`")
    return 0


def run_set_password(args: argparse.Namespace) -> int:
    from alliance_portal.intake.admin_password import PasswordError, set_password
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.registry.audit import AuditLog

    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("New office password: ")
        if getpass.getpass("Repeat it: ") != password:
            raise AllianceError("the two passwords differ; nothing changed")
    paths = IntakePaths(args.var)
    try:
        set_password(paths.admin_password, password)
    except PasswordError as exc:
        # exit 1, as before: scripts that set the password check for it
        raise AllianceError(f"{exc}; nothing changed") from exc
    AuditLog(paths.audit_log).record(actor=cli_actor(), action="office.password", slug="")
    print(f"office password set (hash in {paths.admin_password}); office sessions are signed out")
    return 0


def run_history(args: argparse.Namespace) -> int:
    from alliance_portal.intake.storage import StorageError

    store = _store(args)
    try:
        versions = store.versions(args.slug)
    except StorageError as exc:
        raise UsageError(str(exc)) from exc
    if not versions:
        print(f"{args.slug}: no profile or banner stored yet")
        return 0
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.registry.audit import AuditLog

    # Who wrote each version: the audit line that recorded the same file hash.
    writers = {
        e.sha256: e.person or e.actor
        for e in AuditLog(IntakePaths(args.var).audit_log).entries()
        if e.slug == args.slug and e.sha256
    }
    print(f"{'KIND':8} {'VERSION':32} {'SAVED (UTC)':26} {'BYTES':>8}  {'SHA-256':16}  BY")
    for v in versions:
        by = writers.get(v.sha256, "-")
        print(f"{v.kind:8} {v.name:32} {v.saved_at:26} {v.size:>8}  {v.sha256[:16]}  {by}")
    print(f"restore one with `alliance intake restore {args.slug} VERSION`")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    store = _store(args)
    version = store.restore(args.slug, args.version, actor=cli_actor())  # StorageError: exit 1
    print(
        f"{args.slug}: restored {version.kind} {version.name}; the replaced file is kept in "
        "history. Run `alliance build` to publish it."
    )
    return 0

"""``alliance intake send-links``, ``people`` and ``set-pi``: the PIs' links and who has access.

    alliance intake send-links [SLUG...] --base-url https://intake.example.tw [--dry-run] [--resend]
    alliance intake people [SLUG...]
    alliance intake set-pi SLUG EMAIL

Registered under ``alliance intake`` by :mod:`alliance_portal.commands.intake`. E-mail goes
through the same ``[smtp]`` settings as the monthly notices (``--config``, ALLIANCE_SMTP_*).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from alliance_portal.commands.options import (
    add_registry,
    add_var,
    cli_actor,
    link_base_and_secret,
    office_industries,
)
from alliance_portal.registry.errors import UsageError


def _paths(parser: argparse.ArgumentParser) -> None:
    add_registry(parser)
    add_var(parser, "secret, link versions, people, audit log")


def _check_slugs(slugs: list[str]) -> None:
    from alliance_portal.intake.storage import check_slug

    for slug in slugs:
        check_slug(slug)  # a StorageError names the slug; cli.main exits 1


def _industries(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    return office_industries(args)


def _store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.storage import AllianceStore
    from alliance_portal.registry.audit import AuditLog

    return AllianceStore(
        args.content,
        args.banners,
        var_dir=args.var,
        audit=AuditLog(IntakePaths(args.var).audit_log),
        industries=_industries(args),
    )


def register_people(isub: argparse._SubParsersAction) -> None:
    send = isub.add_parser(
        "send-links",
        help="e-mail each PI their personal link (zh-TW and English; --dry-run writes .eml files)",
    )
    _paths(send)
    send.add_argument("slugs", nargs="*", metavar="SLUG", help="default: every profile")
    send.add_argument(
        "--base-url",
        required=True,
        help="address of the upload form as alliances reach it, e.g. https://intake.example.tw",
    )
    send.add_argument(
        "--dry-run",
        action="store_true",
        help="write the e-mails as .eml files into var/intake-outbox/ instead of sending them",
    )
    send.add_argument(
        "--resend",
        action="store_true",
        help="also send to PIs who were already sent a link (a new link; earlier ones stay valid)",
    )
    mail_options(send)
    send.set_defaults(func=run_send_links)

    people = isub.add_parser("people", help="list who has access to each alliance, last used")
    _paths(people)
    people.add_argument("slugs", nargs="*", metavar="SLUG", help="default: every alliance")
    people.set_defaults(func=run_people)

    set_pi = isub.add_parser("set-pi", help="record the e-mail address of an alliance's PI")
    _paths(set_pi)
    set_pi.add_argument("slug", metavar="SLUG")
    set_pi.add_argument("email", metavar="EMAIL")
    set_pi.set_defaults(func=run_set_pi)


def mail_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="settings file with the [smtp] table used for notices (default: "
        "$ALLIANCE_MONITOR_CONFIG or ./alliance.toml when it exists)",
    )


def mail_settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The office's [smtp] settings: the monitor's, read once by :mod:`alliance_portal.registry.settings` (a
    mistake in the file raises its ``ConfigError``: exit 2 with one line)."""
    from alliance_portal.commands.options import office_settings

    return office_settings(args.config).smtp


def _profile_slugs(args: argparse.Namespace) -> list[str]:
    folder = args.content / "alliances"
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def run_send_links(args: argparse.Namespace) -> int:
    from alliance_portal.intake.config import LINK_MAX_AGE, IntakePaths
    from alliance_portal.intake.deadlines import DeadlineBook, deadline_status
    from alliance_portal.intake.invitations import letter_due, letter_names, send_link
    from alliance_portal.intake.links import LinkSigner, LinkVersions
    from alliance_portal.intake.mailer import Mailer, MailError
    from alliance_portal.intake.people import People
    from alliance_portal.registry.audit import AuditLog

    base, secret, _created = link_base_and_secret(args)
    paths = IntakePaths(args.var)
    mailer = Mailer(mail_settings(args), paths.outbox, dry_run=args.dry_run)
    if mailer.mode == "smtp" and (problem := mailer.settings.problem()):
        raise UsageError(problem)
    slugs = list(args.slugs) or _profile_slugs(args)
    _check_slugs(slugs)
    store = _store(args)
    people = People(paths.people)
    signer = LinkSigner(secret, LinkVersions(paths.link_versions), LINK_MAX_AGE, people)
    audit = AuditLog(paths.audit_log)
    # the letters name the deadline the form shows (the office's, else the default)
    due = letter_due(deadline_status(DeadlineBook(paths.deadlines).read(), dt.date.today()))
    sent = skipped = failed = 0
    for slug in slugs:
        values = store.read_profile(slug).values
        if values.get("active") is False:
            print(f"  inactive   {slug}: the office took it off the portal; not written to")
            skipped += 1
            continue
        pi = people.pi(slug)
        if pi is None or not pi.email:
            # Never the profile's contact_email: the alliance edits it (often an assistant's).
            print(
                f"  no PI      {slug}: record the PI's address with `alliance intake set-pi {slug} EMAIL`"
            )
            skipped += 1
            continue
        if pi.link_sent and not args.resend:
            print(f"  already    {slug}: sent {pi.link_sent} (use --resend to send a new link)")
            skipped += 1
            continue
        name, name_en = letter_names(values)
        try:
            result = send_link(
                signer=signer,
                people=people,
                audit=audit,
                mailer=mailer,
                person=pi,
                base_url=base,
                alliance_name=name,
                alliance_name_en=name_en,
                due=due,
                actor=cli_actor(),
            )
        except MailError as exc:  # this one only: the next is tried all the same
            print(f"  FAILED     {slug}: {exc}", file=sys.stderr)
            failed += 1
            continue
        where = "sent" if result.where == "smtp" else f"draft {result.where}"
        print(
            f"  {'sent' if result.where == 'smtp' else 'draft':10} {slug} -> {pi.email} ({where})"
        )
        sent += 1
    mode = "written as drafts" if mailer.mode == "draft" else "sent"
    print(f"{sent} links {mode}, {skipped} skipped, {failed} failed")
    if mailer.mode == "draft" and not args.dry_run:
        print("note: no mail server configured ([smtp] host); the e-mails are drafts only")
    return 1 if failed else 0


def run_people(args: argparse.Namespace) -> int:
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.links import LinkVersions
    from alliance_portal.intake.people import People, taipei_time

    paths = IntakePaths(args.var)
    people = People(paths.people)
    versions = LinkVersions(paths.link_versions).all()
    everyone = people.all()
    slugs = list(args.slugs) or sorted(set(_profile_slugs(args)) | set(everyone) | set(versions))
    _check_slugs(slugs)
    print(f"{'ALLIANCE':24} {'ROLE':10} {'E-MAIL':36} {'LAST USED (TAIPEI)':19} STATE")
    for slug in slugs:
        record = versions.get(slug)
        link = f"links v{record.version}" if record else "no link issued"
        found = people.of(slug)
        if not found:
            print(f"{slug:24} {'pi':10} {'-':36} {'-':19} {link}")
        for person in found:
            state = link if person.role == "pi" else ("removed" if person.removed else "active")
            used = taipei_time(person.last_used) or "never"
            print(f"{slug:24} {person.role:10} {person.email or '-':36} {used:19} {state}")
    return 0


def run_set_pi(args: argparse.Namespace) -> int:
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.people import People, PeopleError
    from alliance_portal.registry.audit import AuditLog

    _check_slugs([args.slug])
    paths = IntakePaths(args.var)
    try:
        pi = People(paths.people).set_pi(args.slug, args.email, by=cli_actor())
    except PeopleError as exc:  # a wrong address: exit 2, fix it and run again
        raise UsageError(str(exc)) from exc
    AuditLog(paths.audit_log).record(
        actor=cli_actor(), action="people.pi", slug=args.slug, detail=pi.label
    )
    print(f"{args.slug}: the PI's e-mail is {pi.email}; send the link with `intake send-links`")
    return 0

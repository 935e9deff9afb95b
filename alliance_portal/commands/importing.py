"""``alliance import FILE``: create or update profiles from a CSV or XLSX spreadsheet.

A PI's e-mail column (主持人Email ...) is recorded as the PI's address of the upload form's
people (``--var``), as the console's import does (:mod:`alliance_portal.intake.office.import_pi`):
the office's list is where those addresses are, and the links go only to recorded ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alliance_portal.commands.options import (
    add_content,
    add_settings,
    add_var,
    cli_actor,
    office_industries,
)

if TYPE_CHECKING:  # the registry (and Pillow with it) loads when `alliance import` runs
    from alliance_portal.registry.importer import ImportResult
    from alliance_portal.registry.writer import RegistryWriter

#: Longest value shown in a change line; intros are paragraphs.
SHOWN_VALUE_CHARS = 60


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "import",
        help="create or update alliance profiles from a CSV or XLSX file",
        description=(
            "Import one alliance per row into content/alliances/<slug>.toml. Empty cells "
            "never erase a field; rows with errors are skipped (exit status 1); previous "
            "versions are kept in content/.history/<slug>/. Column names: see docs/import.md."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE", help=".csv (UTF-8 or Big5) or .xlsx")
    parser.add_argument(
        "--slug-column", metavar="HEADER", help="the column holding slugs (default: slug/代號)"
    )
    parser.add_argument(
        "--sheet", metavar="NAME", help="XLSX sheet to read (default: the active one)"
    )
    add_content(parser)
    add_settings(parser)
    add_var(parser, "shared with the upload form, for its per-alliance locks")
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change; write nothing"
    )
    parser.set_defaults(func=run_import)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 3] + "...'"


def print_result(result: ImportResult, pi_header: str | None = None) -> None:
    """One line per row, then a summary; errors indented under their row."""
    from alliance_portal.registry.spreadsheet import suggest_column

    if result.encoding:
        print(f"read {result.source} as {result.encoding}")
    print("columns: " + ", ".join(f"{h} -> {k}" for h, k in result.columns.items()))
    if pi_header:
        print(f"PI e-mail column: {pi_header!r} (recorded as each PI's address for the links)")
    ignored = [h for h in result.ignored if h != pi_header]
    if ignored:
        notes = []
        for header in ignored:
            guess = suggest_column(header)
            notes.append(f"{header!r}" + (f" (did you mean {guess!r}?)" if guess else ""))
        print("ignored columns: " + ", ".join(notes))
    verbs = (
        {"create": "would create", "update": "would update", "unchanged": "unchanged"}
        if result.dry_run
        else {"create": "created", "update": "updated", "unchanged": "unchanged"}
    )
    for o in result.outcomes:
        label = f"row {o.row}" + (f" {o.slug}" if o.slug else "")
        if o.action == "error":
            print(f"{label}: ERROR, not imported")
            for err in o.errors:
                print(f"  - {err.en}")
            continue
        line = f"{label}: {verbs[o.action]}"
        if o.action == "create":
            line += " " + str(o.path) + " (" + ", ".join(c.field for c in o.changes) + ")"
        print(line)
        if o.action == "update":
            for c in o.changes:
                print(f"  {c.field}: {_shown(c.old)} -> {_shown(c.new)}")
            if o.kept:
                print(f"  previous version kept as {o.kept}")
    summary = (
        f"{result.count('create')} created, {result.count('update')} updated, "
        f"{result.count('unchanged')} unchanged, {result.count('error')} failed"
    )
    print(summary + (" (dry run: nothing was written)" if result.dry_run else ""))
    if not result.dry_run and result.count("create") + result.count("update"):
        print("run `alliance build` to publish the changes")


def _writer(args: argparse.Namespace, industries: tuple[Any, ...]) -> RegistryWriter:
    """The registry's write path with the upload form's locks and audit log."""
    # Imported here: the intake package brings Flask, which only these two paths need.
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.registry.audit import AuditLog
    from alliance_portal.registry.writer import RegistryWriter

    paths = IntakePaths(args.var)
    return RegistryWriter(
        args.content,
        args.content.parent / "banners",  # profiles only; banners are not imported
        locks_dir=paths.locks_dir,
        audit=AuditLog(paths.audit_log),
        industries=industries,
    )


def run_import(args: argparse.Namespace) -> int:
    from alliance_portal.intake.config import IntakePaths
    from alliance_portal.intake.office.import_pi import pi_column, plan_pi_addresses
    from alliance_portal.intake.people import People
    from alliance_portal.registry.audit import AuditLog
    from alliance_portal.registry.importer import import_table
    from alliance_portal.registry.spreadsheet import ImportFileError, read_table
    from alliance_portal.registry.writer import Actor

    try:
        table = read_table(args.file, sheet=args.sheet)
        result = import_table(
            table,
            args.file,
            _writer(args, office_industries(args)),
            actor=Actor(cli_actor()),
            slug_column=args.slug_column,
            dry_run=args.dry_run,
        )
    except ImportFileError as exc:  # the whole file is refused: exit 2, one line on stderr
        raise ImportFileError(f"{exc}; nothing was imported") from exc
    print_result(result, pi_column(table))
    paths = IntakePaths(args.var)
    people = People(paths.people)
    unrecorded = 0  # a PI address that is not one fails its row's part, as a bad cell does
    for planned in plan_pi_addresses(table, result, people):
        label = f"row {planned.row} {planned.slug}"
        if planned.problem is not None:
            print(f"{label}: {planned.problem.en}")
            unrecorded += 1
            continue
        old = repr(planned.old) if planned.old else "(none)"
        verb = "would record" if args.dry_run else "recorded"
        print(f"{label}: PI e-mail {old} -> {planned.new!r} ({verb})")
        if not args.dry_run:
            pi = people.set_pi(planned.slug, planned.new, by=cli_actor())
            AuditLog(paths.audit_log).record(
                actor=cli_actor(),
                action="people.pi",
                slug=planned.slug,
                detail=f"{pi.label} from {args.file.name} row {planned.row}",
            )
    return 1 if result.failed or unrecorded else 0

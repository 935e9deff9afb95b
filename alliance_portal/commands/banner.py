"""``alliance banner check FILE...``: check banner files against the banner rules."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    banner = sub.add_parser("banner", help="banner tools for the office")
    banner_sub = banner.add_subparsers(dest="banner_command", metavar="ACTION", required=True)
    check = banner_sub.add_parser(
        "check",
        help="check PNG banners; exit 1 if any fails",
        description=(
            "Check each file against the banner rules (222x112, single-frame, undamaged PNG) "
            "and print one line per file. The reasons are bilingual so they can be forwarded "
            "to the alliance as they are."
        ),
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        metavar="N",
        help="largest accepted file size (default: the banner rules' 1 MiB)",
    )
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    # Pillow loads here, not for every `alliance` command
    from alliance_portal.registry.banner_rules import DEFAULT_MAX_BYTES, check_banner_file

    max_bytes = DEFAULT_MAX_BYTES if args.max_bytes is None else args.max_bytes
    failed = 0
    for path in args.files:
        try:
            report = check_banner_file(path, max_bytes=max_bytes)
        except IsADirectoryError:
            print(f"{path}: FAIL is a folder, not a file")
            failed += 1
            continue
        except OSError as exc:
            print(f"{path}: FAIL cannot be read: {exc.strerror}")
            failed += 1
            continue
        if report.ok:
            line = f"{path}: OK {report.width}x{report.height} PNG ({report.description})"
            if report.removed:
                line += "; stored without " + ", ".join(report.removed)
            print(line)
        else:
            failed += 1
            print(f"{path}: FAIL " + "; ".join(str(e) for e in report.errors))
    return 1 if failed else 0

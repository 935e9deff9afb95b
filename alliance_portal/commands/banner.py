"""``alliance banner check FILE...``: check banner files against the banner rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from alliance_portal.banner_rules import check_banner_file


def register(sub: argparse._SubParsersAction) -> None:
    banner = sub.add_parser("banner", help="banner tools for the office")
    banner_sub = banner.add_subparsers(dest="banner_command", metavar="ACTION", required=True)
    check = banner_sub.add_parser("check", help="check PNG banners; exit 1 if any fails")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            report = check_banner_file(path)
        except OSError as exc:
            print(f"{path}: FAIL cannot be read: {exc.strerror}")
            failed += 1
            continue
        if report.ok:
            print(f"{path}: OK {report.width}x{report.height} PNG")
        else:
            failed += 1
            print(f"{path}: FAIL " + "; ".join(str(e) for e in report.errors))
    return 1 if failed else 0

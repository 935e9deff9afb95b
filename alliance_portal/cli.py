"""The ``alliance`` command. Each feature registers its own subcommands.

Feature modules expose ``register(subparsers)``; they are imported lazily by name so that
``alliance --help`` stays fast and a feature's heavy imports (Pelican, Flask, requests) load
only when its command runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

#: Modules that add subcommands, in the order they appear in ``alliance --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "alliance_portal.commands.portal",
    "alliance_portal.commands.banner",
    "alliance_portal.commands.intake",
    "alliance_portal.commands.importing",
    "alliance_portal.commands.monitor",
    "alliance_portal.commands.reports",
    "alliance_portal.commands.publish",
    "alliance_portal.commands.schedule",
    "alliance_portal.commands.db",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alliance",
        description="Portal, banner intake and website monitor for industry-academia alliances.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency, not a feature not yet written
                raise
            continue
        module.register(sub)
    return parser


def absolute_paths(args: argparse.Namespace) -> argparse.Namespace:
    """Every path option made absolute once, against the folder the command was run from.

    Why at start-up and for every command: libraries resolve relative paths against other
    folders (Flask's ``send_file`` against the package), and a long-running server must not
    depend on its working directory staying put.
    """
    for name, value in vars(args).items():
        if isinstance(value, Path):
            setattr(args, name, Path(os.path.abspath(value)))
        elif isinstance(value, list) and value and all(isinstance(v, Path) for v in value):
            setattr(args, name, [Path(os.path.abspath(v)) for v in value])
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every error ends here, once: one line on stderr and its exit code.

    :class:`~alliance_portal.registry.errors.AllianceError` carries its own exit code (1, or 2
    for :class:`~alliance_portal.registry.errors.UsageError`); a file or network error the
    command did not expect is one line with exit 1; anything else is a bug, said so in one line
    (``-v`` shows the traceback).
    """
    from alliance_portal.commands import options
    from alliance_portal.registry.errors import (
        EXIT_BUG,
        EXIT_FAILED,
        EXIT_INTERRUPTED,
        AllianceError,
        error_line,
    )

    options._NOTED.clear()  # "once per command", also when tests run several in one process
    parser = build_parser()
    args = absolute_paths(parser.parse_args(argv))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except AllianceError as exc:
        print(error_line(exc), file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a file that cannot be written, a server that went away
        print(error_line(exc), file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        if args.verbose:
            raise
        print(
            error_line(
                f"unexpected {type(exc).__name__}: {exc} (a bug; run again with -v for the"
                " details and report them)"
            ),
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())

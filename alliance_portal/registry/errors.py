"""The one root of every error this project raises on purpose, and what each kind means.

Why one tree: the command line turns any of them into one line on stderr and an exit code in
one place (:func:`alliance_portal.cli.main`), the web apps can catch ``AllianceError`` without
swallowing a bug, and a new error class says by its parent how it ends a command::

    AllianceError            exit 1  something could not be done; the message says what and
     │                               how to fix it (a damaged database, a failed build or
     │                               publish, a mail server that refused, a scheduler already
     │                               running, a store that cannot write)
     └── UsageError          exit 2  a setting, an option or an input file cannot be used; fix
                                     it and run the command again (settings, a month, a
                                     spreadsheet, a banner, a deadline, a password)

Every message names the file, field or site, what is wrong and how to fix it (zh-TW first where
the office reads it). Commands raise these and never write ``error:`` themselves; a command that
reports several per-item problems and goes on (a reminder not sent to one alliance) writes each
through :func:`error_line`, the one shape of that line. Anything else that escapes a command is a bug: the command line prints
one line saying so (``-v`` shows the traceback) and exits with ``EXIT_BUG``.

Not in the tree, on purpose: exceptions that steer control flow inside one module and never
leave it (a fetch attempt, a stopped crawl, an unavailable renderer, a blocked address that
urllib3 must see as a connection error).
"""

from __future__ import annotations

from typing import ClassVar

#: Exit codes of the ``alliance`` command.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: An error nobody expected: a bug (``os.EX_SOFTWARE``).
EXIT_BUG = 70
EXIT_INTERRUPTED = 130


class AllianceError(Exception):
    """Something could not be done; the message says what and how to fix it."""

    exit_code: ClassVar[int] = EXIT_FAILED


class UsageError(AllianceError):
    """A setting, an option or an input cannot be used; fix it and run again."""

    exit_code: ClassVar[int] = EXIT_USAGE


#: How every error line of the ``alliance`` command starts (scripts and tests look for it).
ERROR_PREFIX = "error: "


def error_line(message: object) -> str:
    """The one line the command line prints for an error: ``error: <message>``.

    Why here: :func:`alliance_portal.cli.main` (an error that ends a command) and
    :func:`alliance_portal.commands.options.report_problem` (one item of several that failed)
    must print the same shape, and tests/test_errors.py checks that nothing else does.
    """
    return f"{ERROR_PREFIX}{message}"

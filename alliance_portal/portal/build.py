"""Validate the registry, then build the portal with Pelican and index it with Pagefind.

Why build into a fresh folder and swap it in: the site being served (``alliance serve``, or a
web server pointed at ``output/``) never shows a half-written build, and pages of removed
alliances disappear. Search: :mod:`alliance_portal.portal.search_index` indexes one record per
alliance with Pagefind, whose binary ships inside the ``pagefind[extended]`` wheel, so nothing
is downloaded.

Why one lock (:func:`build_lock`): the form rebuilds after a save while the office publishes,
in threads of one server or in two processes; two builds swapping the same folder collided
("Directory not empty") and a publish could copy a folder while it was being swapped. Every
build, and every publish's build-and-copy, holds ``.<output>.build.lock`` beside the folder,
and each swap keeps the replaced folder under a name of its own.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_portal.portal.search_index import IndexJob, SearchIndexError
from alliance_portal.registry.errors import AllianceError
from alliance_portal.registry.locking import file_lock
from alliance_portal.registry.profiles import Problem, RegistryResult, load_registry
from alliance_portal.registry.site_settings import Industry, PortalIdentity, load_site_settings

log = logging.getLogger(__name__)

#: The built-in settings and theme, inside the package (an installed wheel has no checkout):
#: used when the office's folder has no pelicanconf.py, and when its THEME is not a folder.
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SETTINGS = PACKAGE_DIR / "pelicanconf.py"
DEFAULT_THEME = PACKAGE_DIR / "theme"


class BuildError(AllianceError):
    """The build could not finish; the message says what to fix. ``output/`` is untouched."""


def _write_failed(exc: OSError, output_dir: Path) -> BuildError:
    """One line for a build that could not write its files: where, what happened, what to do.

    Why: a build onto a full disk printed a traceback (and the office cannot tell a full disk
    from a bug). The published ``output_dir`` is untouched: the build writes beside it.
    """
    folder = output_dir.resolve().parent
    where = exc.filename2 or exc.filename
    cause = f"{exc.strerror or exc} at {where}" if where else f"{exc.strerror or exc}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = f"the disk holding {folder} is full"
        fix = "free some space there (or build with --output on another disk) and build again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = f"{folder} cannot be written"
        fix = "make it writable for this user (or build with --output elsewhere) and build again"
    else:
        what = f"writing into {folder} failed"
        fix = "check that folder and build again"
    return BuildError(f"{what} ({cause}): {fix}; {output_dir} was left as it was")


class _FailedCopies(logging.Handler):
    """Collects the OSErrors Pelican logs and goes on from (a theme file it could not copy).

    Why: on a full disk Pelican logs "A problem occurred copying file" as a warning and
    finishes; a site without its scripts must not be swapped in as if it were whole. The
    error objects are read from the records' arguments, never from their wording.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[OSError] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple):
            self.errors.extend(a for a in record.args if isinstance(a, OSError))


@dataclass(slots=True)
class BuildResult:
    output_dir: Path
    registry: RegistryResult
    pages: int = 0
    seconds_pelican: float = 0.0
    seconds_search: float = 0.0  # waiting for the index after the pages (it runs alongside)
    problems: list[Problem] = field(default_factory=list)


def _office_settings(industries: tuple[Industry, ...], identity: PortalIdentity) -> dict[str, Any]:
    """The office's settings the theme and the plugin read, as Pelican settings: the industry
    groups the registry was validated against, and the portal's name and tagline."""
    return {"INDUSTRIES": industries, "PORTAL_IDENTITY": identity, "SITENAME": identity.name.zh}


def pelican_settings(
    content_dir: Path,
    banners_dir: Path,
    output_dir: Path,
    registry: RegistryResult,
    settings_file: Path | None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Pelican's settings: the office's file, then the paths given on the command line."""
    from pelican.settings import read_settings

    override: dict[str, Any] = {
        "PATH": str(content_dir.resolve()),
        "OUTPUT_PATH": str(output_dir.resolve()),
        "ALLIANCE_REGISTRY": registry,
        "ALLIANCE_CONTENT": str(content_dir),
        "ALLIANCE_BANNERS": str(banners_dir),
        "PLUGINS": ["alliance_portal.portal.pelican_plugin"],
    }
    if settings_file is None or not settings_file.exists():
        settings_file = DEFAULT_SETTINGS
    settings = read_settings(str(settings_file), override=override | (overrides or {}))
    # Profile text comes from many hands: every template variable is escaped, whatever the
    # settings file says. Only sanitised intro HTML and the office's own pages are marked safe.
    settings["JINJA_ENVIRONMENT"] = dict(settings.get("JINJA_ENVIRONMENT") or {}) | {
        "autoescape": True
    }
    if not Path(settings["THEME"]).is_dir():
        settings["THEME"] = str(DEFAULT_THEME)
    return settings


def _run_pelican_quietly(pelican: Any) -> None:
    """Run Pelican without its "Done: Processed 0 articles ..." line.

    Its counts are of blog articles and Markdown pages, which this site hardly has, so they read
    as if the build found nothing; our commands print their own summary. Warnings still go
    through logging; a file Pelican could not write is raised as its OSError.
    """
    from pelican.log import console

    was_quiet = console.quiet
    console.quiet = True
    failed = _FailedCopies()
    pelican_log = logging.getLogger("pelican")
    pelican_log.addHandler(failed)
    try:
        pelican.run()
    finally:
        console.quiet = was_quiet
        pelican_log.removeHandler(failed)
    if failed.errors:
        raise failed.errors[0]


_HELD = threading.local()


@contextmanager
def build_lock(output_dir: Path) -> Iterator[None]:
    """Hold the lock of ``output_dir``'s builds (across threads and processes; re-entrant in
    one thread, so a publish can hold it around its own build and copy)."""
    key = os.path.abspath(output_dir)
    held: set[str] = getattr(_HELD, "paths", None) or set()
    _HELD.paths = held
    if key in held:
        yield
        return
    folder = Path(key)
    with file_lock(folder.parent / f".{folder.name}.build.lock"):
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)


def _swap_in(new: Path, target: Path) -> None:
    """Replace ``target`` with ``new`` with the shortest possible gap; keep nothing stale.

    The replaced folder gets a name no other swap uses (a pid is not enough: two threads of
    one server share it, and a restarted container reuses it).
    """
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_site(
    content_dir: Path,
    banners_dir: Path,
    output_dir: Path,
    *,
    settings_file: Path | None = None,
    industries: tuple[Industry, ...] | None = None,
    identity: PortalIdentity | None = None,
    strict: bool = False,
    search: bool = True,
    overrides: dict[str, Any] | None = None,
) -> BuildResult:
    """Validate, build and (optionally) index the portal into ``output_dir``.

    Broken profiles are left out with a warning; with ``strict`` any problem stops the build
    before anything is written. One build of a folder at a time (:func:`build_lock`); the
    registry is read once the lock is held, so a waiting build builds the newest profiles.
    ``industries`` are the office's (``[portal] industries``); None reads them from
    ``settings_file`` or takes the defaults. ``identity`` is the portal's name and tagline
    (``[portal] name``, ``tagline``); None: the built-in ones.
    """
    with build_lock(Path(output_dir)):
        return _build_site(
            content_dir,
            banners_dir,
            output_dir,
            settings_file=settings_file,
            industries=industries,
            identity=identity,
            strict=strict,
            search=search,
            overrides=overrides,
        )


def _build_site(
    content_dir: Path,
    banners_dir: Path,
    output_dir: Path,
    *,
    settings_file: Path | None = None,
    industries: tuple[Industry, ...] | None = None,
    identity: PortalIdentity | None = None,
    strict: bool = False,
    search: bool = True,
    overrides: dict[str, Any] | None = None,
) -> BuildResult:
    """:func:`build_site` under the build lock."""
    from pelican import Pelican

    content_dir, banners_dir, output_dir = Path(content_dir), Path(banners_dir), Path(output_dir)
    if industries is None:
        industries = tuple(load_site_settings(settings_file)["INDUSTRIES"])
    registry = load_registry(content_dir, banners_dir, industries=industries)
    result = BuildResult(output_dir=output_dir, registry=registry, problems=list(registry.problems))
    if strict and registry.problems:
        raise BuildError(
            f"{len(registry.problems)} problem(s) in the registry and --strict is on; "
            "fix them (see `alliance check`) or build without --strict"
        )
    # The problems travel in the result: each caller reports them once, in its own way
    # (`alliance build` prints them; the form's rebuild counts them). Logging them here as well
    # printed every problem twice.
    for problem in registry.problems:
        log.debug("registry problem: %s", problem)

    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.new-", dir=output_dir.parent))
    except OSError as exc:
        raise _write_failed(exc, output_dir) from exc
    index: IndexJob | None = None
    try:
        # the plugin's pages use the same industry groups the registry was validated against
        settings = pelican_settings(
            content_dir,
            banners_dir,
            staging,
            registry,
            settings_file,
            _office_settings(industries, identity or PortalIdentity()) | (overrides or {}),
        )
        if search:  # Pagefind indexes in its own process while Pelican writes the pages
            index = IndexJob(registry.alliances, industries)
        started = time.perf_counter()
        _run_pelican_quietly(Pelican(settings))
        result.seconds_pelican = time.perf_counter() - started
        if index is not None:
            started = time.perf_counter()
            try:
                index.finish(staging)
            except SearchIndexError as exc:
                raise BuildError(
                    f"search indexing failed ({exc}); "
                    "rebuild with --no-search to publish without search"
                ) from None
            result.seconds_search = time.perf_counter() - started
        result.pages = sum(1 for _ in staging.rglob("*.html"))
        staging.chmod(0o755)
        _swap_in(staging, output_dir)
    except BaseException as exc:
        if index is not None:
            index.cancel()
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _write_failed(exc, output_dir) from exc
        raise
    return result

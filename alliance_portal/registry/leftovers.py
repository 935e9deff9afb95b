"""Remove the temporary files that saves killed mid-write (SIGKILL, power loss) left behind.

An atomic write creates a hidden ``.<name>.<random>.tmp`` and renames it into place; a
process killed in between leaves the temporary file in the registry folders, their history
folders or the form's pending previews. Each alliance's files are cleaned under that
alliance's lock, which every writer of them holds, so a save running in another process (the
office's CLI, a second server) is never disturbed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path

from alliance_portal.registry.files import remove_temp_files
from alliance_portal.registry.site_settings import SLUG_PATTERN

_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")


def remove_leftovers(
    current_dirs: Iterable[Path],
    per_slug_roots: Iterable[Path],
    pending_dir: Path,
    lock_for: Callable[[str], AbstractContextManager[None]],
) -> list[Path]:
    """Delete leftover ``*.tmp`` files; returns what was removed.

    ``current_dirs`` hold ``<slug>.<ext>`` files (``.<slug>.<ext>.*.tmp`` leftovers);
    ``per_slug_roots`` and ``pending_dir`` hold one folder per slug.
    """
    current_dirs = tuple(current_dirs)
    roots = (*per_slug_roots, pending_dir)
    slugs = {d.name for root in roots if root.is_dir() for d in root.iterdir() if d.is_dir()}
    for folder in current_dirs:
        if folder.is_dir():
            slugs |= {p.name[1:].split(".", 1)[0] for p in folder.glob(".*.tmp")}
    removed: list[Path] = []
    for slug in sorted(s for s in slugs if _SLUG_RE.match(s)):
        with lock_for(slug):
            for root in roots:
                removed += remove_temp_files(root / slug)
            for folder in current_dirs:
                removed += remove_temp_files(folder, f".{slug}.*.tmp")
    return removed

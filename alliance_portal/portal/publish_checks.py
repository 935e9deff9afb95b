"""What publishing refuses before it touches anything: hostile SSH settings, unsafe web roots.

Apart from :mod:`alliance_portal.portal.publish` so the refusals (each one once a real way to
lose data or publish nothing) are read together.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from alliance_portal.registry.errors import AllianceError


class PublishError(AllianceError):
    """Publishing cannot start or did not finish; the message says what to fix."""


def check_ssh_word(value: str, key: str, *, where: str) -> str:
    """``value`` if it can only be a host or user name to ssh and rsync, else a PublishError.

    A leading ``-`` makes ssh or rsync read an option (``ssh_user = "--rsh=..."`` published
    nothing and logged success); whitespace and control characters split or hide words.
    """
    bad = ""
    if value.startswith("-"):
        bad = "starts with '-' (ssh and rsync would read it as an option)"
    elif any(ch.isspace() for ch in value):
        bad = "contains whitespace"
    elif any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        bad = "contains a control character"
    if bad:
        raise PublishError(
            f"{where}: [publish] {key} = {value!r} {bad}; write the plain name, e.g. "
            f'{key} = "{"deploy" if key == "ssh_user" else "web.example.edu.tw"}"'
        )
    return value


def _real(path: Path) -> Path:
    """``path`` with its folders' links resolved, but not its own last part (the web root is a
    link we switch; what it points to is not where it is)."""
    path = Path(os.path.abspath(path))
    return Path(os.path.realpath(path.parent)) / path.name


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_web_root(web_root: Path, protected: Sequence[Path], sealed: Sequence[Path]) -> None:
    """Refuse a web root equal to or holding a ``protected`` folder (the project, var/), or
    equal to, holding or inside a ``sealed`` one (content/, banners/, output/: the registry
    would read it, the next build would wipe it)."""
    root = _real(web_root)
    for folder, inside_too in [*((f, False) for f in protected), *((f, True) for f in sealed)]:
        kept = Path(os.path.realpath(folder))
        if _inside(kept, root) or (inside_too and _inside(root, kept)):
            how = "the same as" if root == kept else "inside" if _inside(root, kept) else "around"
            raise PublishError(
                f"web root {web_root} is {how} {folder}, which publishing must never replace;"
                " choose a folder outside the project (e.g. /var/www/alliances)"
            )

"""The alliance's own update link in its notice: the PI's personal link to the upload form.

Its own module because both the console's hooks (:mod:`.console`) and ``alliance notify``
(:mod:`.reports`) make it, and each of those imports the other's neighbours.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def link_maker(
    var_dir: Path, secret: bytes, base_url: str | Callable[[], str]
) -> Callable[[str], str]:
    """``slug -> link``: a fresh personal link of the alliance's PI (a token without a person
    is the PI's), valid as long as the PI's other links. ``base_url`` may be a function, for a
    server whose port is known only once it listens.
    """
    from alliance_portal.intake.config import LINK_MAX_AGE, IntakePaths
    from alliance_portal.intake.links import LinkSigner, LinkVersions

    signer = LinkSigner(secret, LinkVersions(IntakePaths(var_dir).link_versions), LINK_MAX_AGE)

    def base() -> str:
        return (base_url if isinstance(base_url, str) else base_url()).rstrip("/")

    return lambda slug: f"{base()}/link/{signer.make_token(slug)}"

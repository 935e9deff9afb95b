"""The PI's personal link in a notice: only in a notice to the PI's own address.

Its own module because both the console's hooks (:mod:`.console`) and ``alliance notify``
(:mod:`.reports`) make it, and each of those imports the other's neighbours.

A notice goes to the profile's ``contact_email``, which the alliance itself edits and which is
often an assistant's. The PI's link gives the PI's rights (adding and removing assistants), so
:class:`PiLinks` gives it only for a notice to the PI's address as the office recorded it
(:mod:`alliance_portal.intake.people`); any other recipient gets a notice without it, saying
the PI can update with their link. A notice that carried the link is recorded on the office's
people page as a link sent (:meth:`PiLinks.mark_sent`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path


class PiLinks:
    """``links(slug, recipient) -> link``: a fresh PI link when ``recipient`` is the PI's
    recorded address, else "". ``base_url`` is the form's public address (a function for a
    server whose port is known only once it listens)."""

    def __init__(self, var_dir: Path, secret: bytes, base_url: str | Callable[[], str]) -> None:
        from alliance_portal.intake.config import LINK_MAX_AGE, IntakePaths
        from alliance_portal.intake.links import LinkSigner, LinkVersions
        from alliance_portal.intake.people import People

        paths = IntakePaths(var_dir)
        self.people = People(paths.people)
        self.signer = LinkSigner(
            secret, LinkVersions(paths.link_versions), LINK_MAX_AGE, self.people
        )
        self._base = base_url

    def base(self) -> str:
        return (self._base if isinstance(self._base, str) else self._base()).rstrip("/")

    def link(self, slug: str) -> str:
        """The PI's link itself (for the office to copy, e.g. the demo's printout)."""
        return f"{self.base()}/link/{self.signer.make_token(slug, self.people.pi(slug))}"

    def __call__(self, slug: str, recipient: str) -> str:
        pi = self.people.pi(slug)
        if pi is None or not pi.email or pi.email.lower() != recipient.strip().lower():
            return ""
        return self.link(slug)

    def mark_sent(self, slugs: Iterable[str]) -> None:
        """Record on the people page that these PIs were just sent their link (in a notice)."""
        from alliance_portal.intake.people import PI_ID, PeopleError

        for slug in slugs:
            try:
                self.people.mark_sent(slug, PI_ID)
            except PeopleError:
                continue  # the PI's record was removed meanwhile: nothing to note


def link_maker(var_dir: Path, secret: bytes, base_url: str | Callable[[], str]) -> PiLinks:
    """The PI links of the form whose state is in ``var_dir`` (see :class:`PiLinks`)."""
    return PiLinks(var_dir, secret, base_url)

"""How the form's saves reach the portal: the rebuild (and, with ``auto = true``, publication)
the form's coordinator runs after saves.

It lives in the composition root so that the form never imports the portal: ``alliance intake
serve`` and ``make demo`` hand the function to the form through ``IntakeConfig.rebuild``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance_portal.portal.publish import PublishSettings
    from alliance_portal.registry.site_settings import Industry, PortalIdentity


def portal_rebuilder(
    content_dir: Path,
    banners_dir: Path,
    output_dir: Path,
    *,
    settings_file: Path | None,
    industries: tuple[Industry, ...] | None = None,
    identity: PortalIdentity | None = None,
    search: bool,
    publish_to: PublishSettings | None = None,
    var_dir: Path | None = None,
) -> Callable[[], object]:
    """The function the form's rebuild coordinator calls after saves: a full portal build, then,
    with ``publish_to`` (``[publish] auto = true``), a publication of that build.

    It lives here, in the composition root, so that the form never imports the portal. A failed
    publication raises, so the form says the update failed instead of claiming it is live.
    """

    def rebuild() -> object:
        from alliance_portal.portal.build import build_site

        result = build_site(
            content_dir,
            banners_dir,
            output_dir,
            settings_file=settings_file,
            industries=industries,
            identity=identity,
            search=search,
        )
        logging.getLogger("alliance_portal.intake").info(
            "portal rebuilt: %s pages in %s", result.pages, output_dir
        )
        if publish_to is not None:
            from alliance_portal.commands.publish import publish_portal

            assert var_dir is not None, "an automatic publication records itself in var/"
            entry = publish_portal(
                content_dir=content_dir,
                banners_dir=banners_dir,
                output_dir=output_dir,
                var_dir=var_dir,
                target=publish_to,
                actor="auto-publish",
                build=False,
            )
            if not entry.ok:
                raise RuntimeError(
                    f"automatic publication to {entry.target} failed: {entry.message}"
                )
        return result

    return rebuild

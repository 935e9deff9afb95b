"""Serving the intake app with waitress, and the portal rebuild the CLI hands to it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

#: waitress refuses bodies over this outright (a plain 413); smaller oversize requests reach
#: Flask, which answers with the friendly bilingual 413 page.
HARD_BODY_LIMIT_FACTOR = 4


def create_server(app: Flask, host: str, port: int, *, threads: int = 4) -> Any:
    """A waitress server bound to ``host:port`` (port 0 picks a free one); call ``.run()``."""
    from waitress import create_server as waitress_server

    limit = int(app.config["MAX_CONTENT_LENGTH"]) * HARD_BODY_LIMIT_FACTOR
    return waitress_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=limit,
        ident="alliance-intake",
        clear_untrusted_proxy_headers=True,
    )


def portal_rebuilder(
    content_dir: Path,
    banners_dir: Path,
    output_dir: Path,
    *,
    settings_file: Path | None,
    search: bool,
) -> Callable[[], object]:
    """The function the rebuild coordinator calls after saves: a full portal build."""

    def rebuild() -> object:
        from alliance_portal.build import build_site

        result = build_site(
            content_dir, banners_dir, output_dir, settings_file=settings_file, search=search
        )
        log.info("portal rebuilt: %s pages in %s", result.pages, output_dir)
        return result

    return rebuild

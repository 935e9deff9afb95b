"""Serving the intake app with waitress, and the portal rebuild the CLI hands to it."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask

from alliance_portal.intake.security import SECURITY_HEADERS
from alliance_portal.intake.services import EXTENSION_KEY

log = logging.getLogger(__name__)

#: waitress refuses bodies over this outright (a plain 413); smaller oversize requests reach
#: Flask, which answers with the friendly bilingual 413 page.
HARD_BODY_LIMIT_FACTOR = 4


def create_server(app: Flask, host: str, port: int, *, threads: int = 4) -> Any:
    """A waitress server bound to ``host:port`` (port 0 picks a free one); call ``.run()``.

    waitress strips ``X-Forwarded-*`` headers by default, which is right when clients reach
    the server directly (they could forge them). Behind a reverse proxy the headers must reach
    the app, whose ProxyFix trusts exactly one hop; otherwise https would look like http (no
    Secure cookie, no HSTS) and every user would share the proxy's address for rate limits.
    """
    from waitress import create_server as waitress_server

    behind_proxy = app.extensions[EXTENSION_KEY].config.behind_proxy
    limit = int(app.config["MAX_CONTENT_LENGTH"]) * HARD_BODY_LIMIT_FACTOR
    server = waitress_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=limit,
        ident="alliance-intake",
        clear_untrusted_proxy_headers=not behind_proxy,
    )
    server.channel_class = _secure_channel_class()
    return server


def _secure_channel_class() -> type:
    """waitress's connection class whose own error answers (400, 413, 431...) carry the same
    security headers as the app's pages.

    waitress answers malformed and oversize requests itself, before the app runs, so the
    app's ``after_request`` never sees them; waitress has no option for extra headers, so its
    error task is subclassed (``error_task_class`` is the documented-by-code hook).
    """
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class SecureErrorTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            self.response_headers.extend(SECURITY_HEADERS.items())
            self.response_headers.append(("Cache-Control", "no-store"))
            super().execute()

    class SecureChannel(HTTPChannel):  # type: ignore[misc]
        error_task_class = SecureErrorTask

    return SecureChannel


class BackgroundServer:
    """waitress in a thread that stops cleanly, even with keep-alive clients still connected.

    ``server.run()`` only returns once every connection is gone; tests and ``make demo`` need
    to stop while a browser still holds one, so the loop here checks a stop flag between
    short polls and closes every channel from its own thread.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, *, threads: int = 4):
        self.server = create_server(app, host, port, threads=threads)
        self.host = host
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="intake-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server.effective_port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def _loop(self) -> None:
        from waitress import wasyncore

        channels = self.server._map  # waitress keeps its sockets here; no public accessor
        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=0.1, use_poll=True, map=channels, count=1)
        finally:
            wasyncore.close_all(channels, ignore_all=True)
            self.server.task_dispatcher.shutdown()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

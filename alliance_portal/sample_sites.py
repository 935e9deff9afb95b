"""Serve the sample alliance websites of ``samples/websites/`` for ``make demo`` and tests.

Each folder ``samples/websites/<slug>/`` is one alliance website, served at
``http://127.0.0.1:8181/<slug>/``. Dates in the pages are written as placeholders and filled
in at serve time relative to today, so the demo's verdicts (fresh news passes, stale news
fails) stay the same in any month:

- ``{{date-10}}`` -> ten days ago as ``2026-11-03``; ``{{date+30}}`` -> thirty days ahead;
- ``{{date-10|FORMAT}}`` with FORMAT one of ``iso`` ``slash`` (2026/11/3) ``dot``
  (2026.11.03) ``roc`` (115/11/03) ``rocdot`` (115.11.03) ``y`` ``m`` ``d`` ``ry`` (ROC year)
  ``rfc822`` (RSS) ``isotime`` (Atom);
- ``{{year}}`` -> this year (for copyright lines).

Placeholders are ASCII, so they work in pages saved in Big5 too (write 年/月/日 around
``y``/``m``/``d`` parts in the page's own encoding).

A folder may hold ``_behaviour.toml`` for what a static server can't do::

    status = 500                                        # always answer this status
    redirect = "http://localhost:{port}/university/"    # 302 there ({port} = server port)
    flaky_status = 503                                  # this status for the first N requests
    flaky_times = 1
    firewall = true                                     # 403 "Request Rejected" unless the
                                                        # client asks like a browser

Files whose names start with ``_`` are never served.
"""

from __future__ import annotations

import http.server
import re
import threading
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

_PLACEHOLDER = re.compile(rb"\{\{(?:(date)([+-]\d+)?(?:\|([a-z0-9]+))?|(year))\}\}")
_TAIPEI = timezone(timedelta(hours=8))
_TEXT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
_BINARY_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}
BEHAVIOUR_FILE = "_behaviour.toml"
#: What a university's web application firewall answers a client that is not a browser.
REJECTED_PAGE = (
    b"<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
    b"Please consult with your administrator.<br><br>Your support ID is: 4721093385517732001"
    b"</body></html>"
)


def format_date(day: date, fmt: str) -> str:
    """``day`` in one of the placeholder formats (see the module docstring)."""
    roc = day.year - 1911
    formats: dict[str, Callable[[], str]] = {
        "iso": day.isoformat,
        "slash": lambda: f"{day.year}/{day.month}/{day.day}",
        "dot": lambda: f"{day.year}.{day.month:02d}.{day.day:02d}",
        "roc": lambda: f"{roc}/{day.month:02d}/{day.day:02d}",
        "rocdot": lambda: f"{roc}.{day.month:02d}.{day.day:02d}",
        "y": lambda: str(day.year),
        "ry": lambda: str(roc),
        "m": lambda: str(day.month),
        "d": lambda: str(day.day),
        "rfc822": lambda: format_datetime(datetime.combine(day, time(9, 0), _TAIPEI)),
        "isotime": lambda: datetime.combine(day, time(9, 0), _TAIPEI).isoformat(),
    }
    if fmt not in formats:
        raise ValueError(f"unknown date format {fmt!r}; use one of {', '.join(formats)}")
    return formats[fmt]()


def fill_placeholders(data: bytes, today: date) -> bytes:
    """Replace every ``{{date±N|fmt}}`` and ``{{year}}`` in ``data`` (bytes, any ASCII-based encoding)."""

    def sub(m: re.Match[bytes]) -> bytes:
        if m.group(4):
            return str(today.year).encode("ascii")
        offset = int(m.group(2) or b"0")
        fmt = (m.group(3) or b"iso").decode("ascii")
        return format_date(today + timedelta(days=offset), fmt).encode("ascii")

    return _PLACEHOLDER.sub(sub, data)


def _read_behaviour(folder: Path) -> dict[str, Any]:
    path = folder / BEHAVIOUR_FILE
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def make_handler(root: Path, today: Callable[[], date]) -> type[http.server.BaseHTTPRequestHandler]:
    """A request handler class serving ``root`` with placeholders and behaviours."""
    root = root.resolve()
    counts: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "AllianceSampleSites/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(
            self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status: int, text: str) -> None:
            page = (
                f"<!doctype html><html><head><title>{status}</title></head>"
                f"<body><h1>{status}</h1><p>{text}</p></body></html>"
            ).encode()
            self._send(status, page, "text/html; charset=utf-8")

        def _asks_like_a_browser(self) -> bool:
            agent = self.headers.get("User-Agent", "")
            return "Mozilla/" in agent and bool(self.headers.get("Accept-Language"))

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            parts = [p for p in path.split("/") if p]
            if not parts or any(p.startswith((".", "_")) for p in parts):
                self._error(404, "not found")
                return
            site = root / parts[0]
            if not site.is_dir():
                self._error(404, "no such sample site")
                return
            behaviour = _read_behaviour(site)
            if "status" in behaviour:
                self._error(int(behaviour["status"]), "sample server error")
                return
            if "redirect" in behaviour:
                port = str(self.server.server_address[1])  # type: ignore[index]
                location = str(behaviour["redirect"]).replace("{port}", port)
                self._send(302, b"", None, {"Location": location})
                return
            if behaviour.get("firewall") and not self._asks_like_a_browser():
                self._send(403, REJECTED_PAGE, "text/html; charset=utf-8")
                return
            if "flaky_status" in behaviour:
                with lock:
                    counts[parts[0]] = counts.get(parts[0], 0) + 1
                    n = counts[parts[0]]
                if n <= int(behaviour.get("flaky_times", 1)):
                    self._error(int(behaviour["flaky_status"]), "temporarily unavailable")
                    return
            target = (root.joinpath(*parts)).resolve()
            if not target.is_relative_to(site.resolve()):
                self._error(404, "not found")
                return
            if target.is_dir():
                if not path.endswith("/"):
                    self._send(301, b"", None, {"Location": path + "/"})
                    return
                target = target / "index.html"
            if not target.is_file():
                self._error(404, "not found")
                return
            suffix = target.suffix.lower()
            data = target.read_bytes()
            if suffix in _TEXT_TYPES:
                self._send(200, fill_placeholders(data, today()), _TEXT_TYPES[suffix])
            else:
                self._send(200, data, _BINARY_TYPES.get(suffix, "application/octet-stream"))

        do_HEAD = do_GET

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve_sample_sites(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8181,
    *,
    today: Callable[[], date] = date.today,
) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    """Start serving ``root`` in a daemon thread; stop with ``server.shutdown()``.

    ``port=0`` picks a free port (read it from ``server.server_address``).
    """
    server = _Server((host, port), make_handler(Path(root), today))
    thread = threading.Thread(target=server.serve_forever, name="sample-sites", daemon=True)
    thread.start()
    return server, thread

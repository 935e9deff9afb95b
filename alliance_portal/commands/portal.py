"""``alliance check``, ``alliance build`` and ``alliance serve``: the portal commands."""

from __future__ import annotations

import argparse
import errno
import functools
import http.server
import logging
import socket
import sys
from pathlib import Path

from alliance_portal.commands.options import (
    add_registry,
    office_identity,
    office_industries,
    settings_file,
)
from alliance_portal.registry.errors import AllianceError


def _settings_file(args: argparse.Namespace) -> Path:
    from alliance_portal.portal.build import DEFAULT_SETTINGS

    return settings_file(args) or DEFAULT_SETTINGS


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="validate every profile and banner; exit 1 on any problem")
    add_registry(check)
    check.set_defaults(func=run_check)

    build = sub.add_parser("build", help="validate, then build the portal (and its search index)")
    add_registry(build)
    build.add_argument(
        "--output",
        type=Path,
        default=Path("output"),
        metavar="DIR",
        help="where to write the site (default: output/)",
    )
    build.add_argument(
        "--strict",
        action="store_true",
        help="fail on any registry problem instead of leaving the profile out (for CI)",
    )
    build.add_argument("--no-search", action="store_true", help="skip the Pagefind search index")
    build.set_defaults(func=run_build)

    serve = sub.add_parser("serve", help="serve the built site locally")
    serve.add_argument("--output", type=Path, default=Path("output"), metavar="DIR")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=run_serve)


def run_check(args: argparse.Namespace) -> int:
    from alliance_portal.registry.profiles import load_registry

    result = load_registry(args.content, args.banners, industries=office_industries(args))
    for problem in result.problems:
        print(f"{problem.severity.upper()}: {problem}")
    n_err = len(result.errors)
    n_warn = len(result.problems) - n_err
    print(f"{len(result.alliances)} profile(s) valid, {n_err} error(s), {n_warn} warning(s)")
    return 1 if result.problems else 0


def run_build(args: argparse.Namespace) -> int:
    from alliance_portal.portal.build import build_site
    from alliance_portal.registry.active import active_alliances

    logging.getLogger("pelican").setLevel(logging.WARNING)
    result = build_site(  # a BuildError exits 1 with its message (cli.main)
        args.content,
        args.banners,
        args.output,
        settings_file=_settings_file(args),
        industries=office_industries(args),
        identity=office_identity(args),
        strict=args.strict,
        search=not args.no_search,
    )
    for problem in result.problems:
        print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
    active = len(active_alliances(result.registry.alliances))
    print(
        f"built {result.pages} pages for {active} active alliance(s) into {args.output}/ "
        f"in {result.seconds_pelican:.2f}s"
        + (
            f" + {result.seconds_search:.2f}s more for the search index"
            if not args.no_search
            else " (no search)"
        )
        + (f"; {len(result.problems)} problem(s) above" if result.problems else "")
    )
    return 0


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = http.server.SimpleHTTPRequestHandler.extensions_map | {
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".pf_meta": "application/octet-stream",
        ".pf_index": "application/octet-stream",
        ".pf_fragment": "application/octet-stream",
        ".pf_filter": "application/octet-stream",
    }

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.exists():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:
        pass


def port_in_use(host: str, ports: tuple[int, ...]) -> int | None:
    """The first of ``ports`` another program already listens on (0 means any free port), so a
    command that serves can say so before its work rather than as a traceback after it."""
    for port in ports:
        if port == 0:
            continue
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            # as the servers bind: a port left in TIME_WAIT by a demo just stopped is free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return port
                raise
    return None


def make_server(output: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(output))
    return http.server.ThreadingHTTPServer((host, port), handler)


def run_serve(args: argparse.Namespace) -> int:
    if not (args.output / "index.html").exists():
        raise AllianceError(f"{args.output}/index.html not found: run `alliance build` first")
    server = make_server(args.output, args.host, args.port)
    print(
        f"serving {args.output}/ at http://{args.host}:{server.server_address[1]}/ (Ctrl+C to stop)"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0

"""``make demo``'s outbox: a tiny SMTP server on loopback that keeps every message as a file.

The demo has no real mail server, yet the office console's "send notices" should really send.
This accepts plain SMTP (no TLS, no login) on 127.0.0.1 and writes each message to
``var/demo-outbox/<n>-<recipient>.eml``, so the office can open what an alliance would receive.
It is for the demo only: it relays nothing and listens only on loopback.
"""

from __future__ import annotations

import itertools
import re
import socketserver
import threading
from pathlib import Path

from alliance_portal.registry.files import atomic_write

#: Largest message kept (a notice is a few kilobytes).
MAX_MESSAGE = 1024 * 1024
_SAFE = re.compile(r"[^a-zA-Z0-9@._-]+")


class _Handler(socketserver.StreamRequestHandler):
    server: DemoOutbox

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self._say("220 demo-outbox ready")
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            command = raw.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("HELO", "EHLO"):
                self._say("250 demo-outbox")
            elif verb == "MAIL":
                recipients = []
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip().strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                self.server.keep(self._read_data(), recipients)
                self._say("250 kept in the demo outbox")
            elif verb == "RSET":
                recipients = []
                self._say("250 OK")
            elif verb == "NOOP":
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented in the demo outbox")

    def _read_data(self) -> bytes:
        lines: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(MAX_MESSAGE)
            if not line or line in (b".\r\n", b".\n"):
                break
            if line.startswith(b".."):
                line = line[1:]
            size += len(line)
            if size <= MAX_MESSAGE:
                lines.append(line)
        return b"".join(lines)


class DemoOutbox(socketserver.ThreadingTCPServer):
    """The SMTP server; ``folder`` receives one .eml file per message and recipient list."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.folder = folder
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def keep(self, message: bytes, recipients: list[str]) -> Path:
        with self._lock:
            number = next(self._numbers)
        name = _SAFE.sub("_", recipients[0] if recipients else "nobody")[:80]
        path = self.folder / f"{number:03d}-{name}.eml"
        atomic_write(path, message)
        return path

    def start(self) -> DemoOutbox:
        threading.Thread(target=self.serve_forever, name="demo-outbox", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

"""A real SMTP server on loopback for the people and reminder tests (no tests here)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """aiosmtpd handler that keeps every accepted message; it refuses (550) any recipient in
    ``refuse``, as a real server refuses an unknown mailbox."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in {a.lower() for a in self.refuse}:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def recipients(self) -> list[str]:
        return sorted(a for rcpt, _ in self.messages for a in rcpt)

    def bodies_to(self, address: str) -> list[str]:
        """Each message to ``address`` as its recipient reads it (decoded plain text)."""
        return [body_of(m) for m in self.to(address)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_on_loopback() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def smtp_config(path: Path, port: int) -> Path:
    """A monitor.toml whose [smtp] points at the loopback server (plain SMTP, no login)."""
    path.write_text(
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        "starttls = false\n"
        'from = "計畫辦公室 <office@example.org.tw>"\n'
        'reply_to = "office@example.org.tw"\n',
        encoding="utf-8",
    )
    return path


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]

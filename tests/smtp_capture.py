"""A real SMTP server (aiosmtpd) on loopback for tests: keeps what arrived, or refuses on purpose."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Arrival:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class CapturingHandler:
    """Accepts every message; `refuse_first` answers the first N DATA commands with a temporary error."""

    refuse_first: int = 0
    refusal: str = "451 4.3.0 try again later"
    arrived: list[Arrival] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.attempts <= self.refuse_first:
            return self.refusal
        self.arrived.append(Arrival(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(handler: CapturingHandler) -> Iterator[int]:
    """Run the handler on 127.0.0.1 and yield its port; SMTPUTF8 is offered as real servers do."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()

"""A real SMTP relay on 127.0.0.1 for tests (``aiosmtpd``), and a runtime that mails
through it with the service's own :class:`~staytier.services.mail.SmtpMailer`.

The relay keeps every message it accepted; ``busy`` makes it answer the next messages
with a temporary refusal (451), as a relay under load does.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from staytier.services.mail import SmtpMailer
from staytier.services.runtime import Runtime

SENDER = "loyalty@staytier.test"


class SmtpRelay:
    """What the relay accepted, and how many messages it will still refuse for now."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.busy = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(("plain",))
        assert part is not None
        content: str = part.get_content()
        return content


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def smtp_relay() -> Iterator[tuple[SmtpRelay, int]]:
    """A running relay and its port."""
    relay = SmtpRelay()
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield relay, port
    finally:
        controller.stop()


def mailing_runtime(runtime: Runtime, port: int) -> Runtime:
    """``runtime`` sending its mail through the relay on ``port``."""
    return dataclasses.replace(runtime, mailer=SmtpMailer("127.0.0.1", port, SENDER))

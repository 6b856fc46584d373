"""Sending mail to guests: a small protocol, so the sign-in flow does not care how.

Development logs each message (the one-time code included) instead of sending it; a
deployment that signs guests in configures SMTP (see docs/operations.md).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

log = logging.getLogger("staytier.mail")


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


class LogMailer:
    """Development only: writes each message to the log instead of sending it."""

    async def send(self, to: str, subject: str, body: str) -> None:
        log.info("mail to %s: %s\n%s", to, subject, body)


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through an SMTP relay (STARTTLS when the relay offers it)."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)

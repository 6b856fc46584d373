"""Signed webhooks, the Standard Webhooks scheme (https://www.standardwebhooks.com).

A partner signs ``{webhook-id}.{webhook-timestamp}.{body}`` with HMAC-SHA256 and a secret
shared with us, and sends ``webhook-signature: v1,<base64 signature>`` (several
space-separated signatures are allowed, e.g. one per secret during a rotation). We accept
the request when any signature matches any secret we hold for the partner, and the
timestamp is within a tolerance of our clock, so a captured request cannot be replayed
later. Pure functions: the clock's reading and the secrets are passed in.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
TOLERANCE = dt.timedelta(minutes=5)


class WebhookRefused(Exception):
    """A webhook whose signature or timestamp does not hold; the message says which."""


def secret_bytes(secret: str) -> bytes:
    """The key of a secret: ``whsec_<base64>`` as Standard Webhooks writes it, or the
    text itself for a plain shared secret."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error as exc:
            raise ValueError("a whsec_ secret must be base64 after its prefix") from exc
    return secret.encode()


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for a request: ``v1,<base64 HMAC-SHA256>``."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def verify(
    secrets: Sequence[str],
    *,
    webhook_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    now: dt.datetime,
    tolerance: dt.timedelta = TOLERANCE,
) -> int:
    """Checks a webhook's headers against ``secrets`` (any may match, for rotation) and
    ``now``; returns the timestamp, or raises :class:`WebhookRefused` saying why."""
    if not webhook_id:
        raise WebhookRefused("the webhook-id header is missing")
    if not timestamp.isdigit():
        raise WebhookRefused("the webhook-timestamp header must be whole seconds since 1970")
    sent = int(timestamp)
    age = now - dt.datetime.fromtimestamp(sent, dt.UTC)
    if age > tolerance:
        raise WebhookRefused(f"the webhook-timestamp is older than {_minutes(tolerance)}")
    if -age > tolerance:
        raise WebhookRefused(f"the webhook-timestamp is more than {_minutes(tolerance)} ahead")
    offered = [part.split(",", 1)[1] for part in signature.split() if part.startswith("v1,")]
    if not offered:
        raise WebhookRefused("the webhook-signature header has no v1 signature")
    for secret in secrets:
        expected = sign(secret, webhook_id, sent, body).split(",", 1)[1]
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return sent
    raise WebhookRefused("no webhook-signature matches: wrong secret or altered body")


def _minutes(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"

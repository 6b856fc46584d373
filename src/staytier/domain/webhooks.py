"""Signed webhooks, the Standard Webhooks scheme (https://www.standardwebhooks.com).

A partner signs ``{webhook-id}.{webhook-timestamp}.{body}`` with HMAC-SHA256 and a secret
shared with us, and sends ``webhook-signature: v1,<base64 signature>`` (several
space-separated signatures are allowed, e.g. one per secret during a rotation). We accept
the request when any signature matches any secret we hold for the partner, and the
timestamp is within a tolerance of our clock, so a captured request cannot be replayed
later. Pure functions: the clock's reading and the secrets are passed in.

The signature itself is computed by the ``standardwebhooks`` package (the reference
implementation of the scheme). Its ``Webhook.verify`` is not used: it reads the wall clock,
so a deployment on a test clock would refuse every webhook, and a malformed header or a
body that is not UTF-8 makes it raise ``ValueError`` or ``UnicodeDecodeError``, which would
be an HTTP 500. Here every malformed header is a :class:`WebhookRefused` saying which.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
from collections.abc import Sequence

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
TOLERANCE = dt.timedelta(minutes=5)
# Unix seconds have 10 digits until the year 2286; more is not a timestamp.
MAX_TIMESTAMP_DIGITS = 12


class WebhookRefused(Exception):
    """A webhook whose signature or timestamp does not hold; the message says which.
    ``status`` is the HTTP answer: 401 for credentials that do not hold, 400 for a request
    that is not a webhook at all."""

    status = 401


class MalformedWebhook(WebhookRefused):
    """A body that cannot have been signed (it is not UTF-8 text)."""

    status = 400


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
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise MalformedWebhook("the body is not UTF-8 text") from exc
    signer = Webhook(secret_bytes(secret))
    return signer.sign(webhook_id, dt.datetime.fromtimestamp(timestamp, dt.UTC), text)


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
    if not _whole_seconds(timestamp):
        raise WebhookRefused("the webhook-timestamp header must be whole seconds since 1970")
    sent = int(timestamp)
    age = int(now.timestamp()) - sent
    if age > tolerance.total_seconds():
        raise WebhookRefused(f"the webhook-timestamp is older than {_minutes(tolerance)}")
    if -age > tolerance.total_seconds():
        raise WebhookRefused(f"the webhook-timestamp is more than {_minutes(tolerance)} ahead")
    offered = [_signature_bytes(part[3:]) for part in signature.split() if part.startswith("v1,")]
    if not offered:
        raise WebhookRefused("the webhook-signature header has no v1 signature")
    for secret in filter(secret_bytes, secrets):  # an empty secret verifies nothing
        expected = _signature_bytes(sign(secret, webhook_id, sent, body)[3:])
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return sent
    raise WebhookRefused("no webhook-signature matches: wrong secret or altered body")


def _whole_seconds(timestamp: str) -> bool:
    return (
        0 < len(timestamp) <= MAX_TIMESTAMP_DIGITS and timestamp.isascii() and timestamp.isdigit()
    )


def _signature_bytes(encoded: str) -> bytes:
    """A signature's bytes; an undecodable one becomes bytes that match nothing."""
    try:
        return base64.b64decode(encoded.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return b""


def _minutes(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"

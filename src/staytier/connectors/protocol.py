"""What a connector is: the request it sends, where, and how to read the partner's answer.

The outbox stores a request's payload as JSON; the connector for its operation checks it
against a msgspec struct when it is enqueued, and turns the partner's HTTP answer into an
:class:`Answer`: a final outcome (accepted or rejected) or a reason to try again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import msgspec

from staytier.connectors.partners import PartnerKind

# Answers a partner may give again later: a timeout, a conflict, too many requests.
RETRYABLE_CLIENT_ERRORS = frozenset({401, 403, 408, 409, 425, 429})


@dataclass(frozen=True)
class PartnerOutcome:
    """A partner's final answer to a request."""

    accepted: bool  # False: the partner declined, or no answer after the last attempt (DEAD)
    response: dict[str, object] = field(default_factory=dict)  # the decoded answer ({} if DEAD)
    reason: str = ""  # why, for people


@dataclass(frozen=True)
class Answer:
    """How one attempt ended: with a final ``outcome``, or with ``error`` to try again."""

    outcome: PartnerOutcome | None = None
    error: str = ""

    @classmethod
    def retry(cls, error: str) -> Answer:
        return cls(outcome=None, error=error)


class OutboundConnector(Protocol):
    """One operation a partner kind performs for us, e.g. an airline's ``miles.transfer``."""

    operation: ClassVar[str]

    @property
    def partner_kind(self) -> PartnerKind | None:
        """The kind of partner that performs it; None for mail to guests, which goes
        through the mailer (connectors/guest_mail.py)."""
        ...

    path: ClassVar[str]  # appended to the partner's base URL; the request is a JSON POST
    request_type: ClassVar[type[msgspec.Struct]]

    def outcome(self, body: bytes) -> PartnerOutcome:
        """The outcome a 2xx answer states; raises ``msgspec.DecodeError`` or
        ``ValidationError`` for an answer that does not make sense (garbage)."""
        ...


def checked_payload(connector: OutboundConnector, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the connector's struct reads it, back as JSON-able builtins; a
    ``msgspec.ValidationError`` names the field at fault."""
    request = msgspec.convert(payload, connector.request_type, strict=False)
    checked: dict[str, Any] = msgspec.to_builtins(request)
    return checked


def answer(connector: OutboundConnector, status_code: int, body: bytes) -> Answer:
    """What an HTTP answer means for the request (pure: status code and body in).

    2xx: the connector reads the outcome, garbage is tried again. 5xx and the client errors
    that can pass (timeouts, rate limits, credentials being rotated) are tried again. Any
    other 4xx says the request itself is wrong: a final rejection.
    """
    if 200 <= status_code < 300:
        try:
            return Answer(outcome=connector.outcome(body))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return Answer.retry(f"answer {status_code} not understood: {exc}")
    if status_code >= 500 or status_code in RETRYABLE_CLIENT_ERRORS:
        return Answer.retry(f"partner answered {status_code}: {_excerpt(body)}")
    return Answer(
        outcome=PartnerOutcome(
            accepted=False,
            response={"status_code": status_code, "body": _excerpt(body)},
            reason=f"the partner refused the request ({status_code}): {_excerpt(body)}",
        )
    )


def _excerpt(body: bytes, limit: int = 200) -> str:
    return body[:limit].decode("utf-8", "replace")

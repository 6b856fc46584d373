"""What a connector is: the request it sends, where, and how to read the partner's answer.

The outbox stores a request's payload as JSON; the connector for its operation checks it
against a msgspec struct when it is enqueued, and turns the partner's HTTP answer into an
:class:`Answer`: a final outcome (accepted or rejected) or a reason to try again.

The services own this protocol and the answer shapes, and the connectors
(:mod:`staytier.connectors`) implement it: a use case and the delivery worker know a
partner only through :class:`Connector`, and the concrete connectors reach them through
``Runtime.connectors`` (:class:`Connectors`), filled where the runtime is built
(``staytier.connectors.registry.default_connectors``). So the dependency points from the
partner's edge to the use cases, never back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import msgspec

from staytier.services.partners import PartnerKind

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


class Connector(Protocol):
    """One operation a partner kind performs for us, e.g. an airline's ``miles.transfer``."""

    operation: ClassVar[str]

    @property
    def partner_kind(self) -> PartnerKind | None:
        """The kind of partner that performs it; None for mail to guests, which goes
        through the mailer (services/guest_mail.py)."""
        ...

    path: ClassVar[str]  # appended to the partner's base URL; the request is a JSON POST
    request_type: ClassVar[type[msgspec.Struct]]

    def outcome(self, body: bytes) -> PartnerOutcome:
        """The outcome a 2xx answer states; raises ``msgspec.DecodeError`` or
        ``ValidationError`` for an answer that does not make sense (garbage)."""
        ...


class Connectors:
    """The connectors a runtime delivers with, one per operation (``miles.transfer``...).

    Empty unless given: the composition root (the app factory, the CLI, the tests' runtime)
    passes ``staytier.connectors.registry.default_connectors()``.
    """

    def __init__(self, connectors: Iterable[Connector] = ()) -> None:
        self.by_operation: dict[str, Connector] = {}
        for connector in connectors:
            if connector.operation in self.by_operation:
                raise ValueError(f"two connectors perform {connector.operation!r}")
            self.by_operation[connector.operation] = connector

    def get(self, operation: str) -> Connector | None:
        return self.by_operation.get(operation)

    def connector_for(self, operation: str) -> Connector:
        """The connector of ``operation``; a KeyError lists the known ones."""
        try:
            return self.by_operation[operation]
        except KeyError:
            known = ", ".join(sorted(self.by_operation)) or "none"
            raise KeyError(f"no connector performs {operation!r} (known: {known})") from None


def checked_payload(connector: Connector, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the connector's struct reads it, back as JSON-able builtins; a
    ``msgspec.ValidationError`` names the field at fault."""
    request = msgspec.convert(payload, connector.request_type, strict=False)
    checked: dict[str, Any] = msgspec.to_builtins(request)
    return checked


def answer(connector: Connector, status_code: int, body: bytes) -> Answer:
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

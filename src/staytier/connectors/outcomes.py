"""The one way a partner's decoded answer becomes a :class:`PartnerOutcome`."""

from __future__ import annotations

from typing import Protocol

import msgspec

from staytier.services.partner_protocol import PartnerOutcome


class Reply(Protocol):
    """A partner's decoded answer: a struct that gives a reason when it refuses."""

    @property
    def reason(self) -> str: ...


def decided(reply: Reply, accepted: bool, *, done: str, refused: str) -> PartnerOutcome:
    """The partner's final answer, kept as it sent it, with why for people: ``done`` when it
    accepted, otherwise the reason it gave, or ``refused`` when it gave none."""
    reason = done if accepted else reply.reason or refused
    return PartnerOutcome(accepted, msgspec.to_builtins(reply), reason)

"""Airline miles: points leave the ledger and the airline credits miles."""

from __future__ import annotations

from typing import ClassVar, Literal

import msgspec

from staytier.connectors.outcomes import decided
from staytier.services.partner_protocol import PartnerOutcome
from staytier.services.partners import PartnerKind


class MilesTransfer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``miles.transfer``: credit ``miles`` to a frequent-flyer account."""

    transfer_id: int | str
    member_number: str
    airline: str
    frequent_flyer_number: str
    points: int
    miles: int


class MilesCredited(msgspec.Struct, frozen=True, omit_defaults=True):
    """The airline's answer: ``CREDITED`` with its reference, or ``REJECTED`` with a reason."""

    status: Literal["CREDITED", "REJECTED"]
    reference: str | None = None
    reason: str = ""


class MilesTransferConnector:
    operation: ClassVar[str] = "miles.transfer"
    partner_kind: ClassVar[PartnerKind] = PartnerKind.AIRLINE
    path: ClassVar[str] = "/miles/transfers"
    request_type: ClassVar[type[msgspec.Struct]] = MilesTransfer

    def outcome(self, body: bytes) -> PartnerOutcome:
        reply = msgspec.json.decode(body, type=MilesCredited)
        return decided(
            reply,
            reply.status == "CREDITED",
            done=f"miles credited, reference {reply.reference}",
            refused="the airline rejected the transfer",
        )

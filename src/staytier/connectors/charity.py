"""Charity donations: points leave the ledger and the charity confirms the gift."""

from __future__ import annotations

from typing import ClassVar, Literal

import msgspec

from staytier.connectors.outcomes import decided
from staytier.services.partner_protocol import PartnerOutcome
from staytier.services.partners import PartnerKind


class Donation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``charity.donate``: a member gives ``points`` to ``charity``."""

    donation_id: int | str
    member_number: str
    charity: str
    points: int


class DonationReceived(msgspec.Struct, frozen=True, omit_defaults=True):
    """The charity's answer: ``RECEIVED`` with a receipt, or ``DECLINED`` with a reason."""

    status: Literal["RECEIVED", "DECLINED"]
    receipt_number: str | None = None
    reason: str = ""


class DonationConnector:
    operation: ClassVar[str] = "charity.donate"
    partner_kind: ClassVar[PartnerKind] = PartnerKind.CHARITY
    path: ClassVar[str] = "/donations"
    request_type: ClassVar[type[msgspec.Struct]] = Donation

    def outcome(self, body: bytes) -> PartnerOutcome:
        reply = msgspec.json.decode(body, type=DonationReceived)
        return decided(
            reply,
            reply.status == "RECEIVED",
            done=f"donation received, receipt {reply.receipt_number}",
            refused="the charity declined the donation",
        )

"""A property-management system (PMS): room guarantees out. Its stay feed (checkouts) in is
:class:`staytier.services.partner_feeds.Checkout`."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

import msgspec

from staytier.connectors.outcomes import decided
from staytier.services.partner_protocol import PartnerOutcome
from staytier.services.partners import PartnerKind


class RoomGuarantee(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``pms.room_guarantee``: hold a room for the guest even if the hotel is sold out."""

    guarantee_id: int | str
    member_number: str
    property_code: str
    arrival_date: dt.date
    departure_date: dt.date
    guest_name: str


class GuaranteeAnswer(msgspec.Struct, frozen=True, omit_defaults=True):
    """``{"outcome": "HONOURED", "confirmation_number": ...}`` or
    ``{"outcome": "DECLINED", "reason": ...}``."""

    outcome: Literal["HONOURED", "DECLINED"]
    confirmation_number: str | None = None
    reason: str = ""


class RoomGuaranteeConnector:
    operation: ClassVar[str] = "pms.room_guarantee"
    partner_kind: ClassVar[PartnerKind] = PartnerKind.PMS
    path: ClassVar[str] = "/room-guarantees"
    request_type: ClassVar[type[msgspec.Struct]] = RoomGuarantee

    def outcome(self, body: bytes) -> PartnerOutcome:
        reply = msgspec.json.decode(body, type=GuaranteeAnswer)
        if reply.outcome == "HONOURED" and not reply.confirmation_number:
            raise msgspec.ValidationError("an HONOURED guarantee needs a confirmation_number")
        return decided(
            reply,
            reply.outcome == "HONOURED",
            done=f"room guaranteed, confirmation {reply.confirmation_number}",
            refused="the property declined the guarantee",
        )

"""A property-management system (PMS): room guarantees out, the stay feed (checkouts) in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar, Literal

import msgspec

from staytier.connectors.partners import PartnerKind
from staytier.connectors.protocol import PartnerOutcome


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
        honoured = reply.outcome == "HONOURED"
        reason = (
            f"room guaranteed, confirmation {reply.confirmation_number}"
            if honoured
            else reply.reason or "the property declined the guarantee"
        )
        return PartnerOutcome(honoured, msgspec.to_builtins(reply), reason)


class Checkout(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The stay feed: a property reports a guest's stay at checkout (or a correction).

    Amounts are decimal strings in the property's currency unless ``currency`` says
    otherwise, e.g. ``"412.50"``.
    """

    member_number: str
    property_code: str
    confirmation_number: str
    arrival_date: dt.date
    departure_date: dt.date
    rate_code: str
    room_revenue: Decimal
    # The guest's name on it; credited only when it is the member's (name match).
    guest_last_name: str
    food_and_beverage_revenue: Decimal = Decimal(0)
    other_revenue: Decimal = Decimal(0)
    currency: str | None = None
    room_type: str | None = None
    guest_first_name: str | None = None

"""Recording and cancelling a stay: the mutations of the stay feed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import (
    MemberRequestInput,
    attempt_reported,
    member_payload,
    member_request,
)
from staytier.api.graphql.permissions import (
    OwnProperty,
    StayRecorders,
)
from staytier.api.graphql.types import Guest, Stay
from staytier.domain.stays import Folio, StayStatus
from staytier.services import stays

ZERO = Decimal(0)


@strawberry.type
class StayWrittenPayload:
    """What a mutation writing a stay answers: the stay as the service wrote it and its
    guest, or the userErrors. recordStay and cancelStay answer alike, each under a payload
    name of its own."""

    stay: Stay | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, written: stays.StayWritten, guest: Guest | None) -> Self:
        return cls(stay=Stay.of(written.stay, written.hotel), guest=guest)


@strawberry.input
class RecordStayInput(MemberRequestInput):
    guest_last_name: str = strawberry.field(
        description="The guest's last name on the stay; it must be the member's (accents and "
        "case do not matter), or the stay is refused with GUEST_NAME_MISMATCH."
    )
    property_code: str
    confirmation_number: str
    status: StayStatus
    arrival_date: dt.date
    departure_date: dt.date
    rate_code: str = strawberry.field(default="BAR", description="Best available rate if unset.")
    room_type: str | None = None
    floor: int | None = strawberry.field(
        default=None, description="Floor of the room; stay history infers a floor preference."
    )
    room_revenue: Decimal = ZERO
    food_and_beverage_revenue: Decimal = ZERO
    other_revenue: Decimal = ZERO
    currency: str | None = strawberry.field(
        default=None, description="ISO code of the revenue; the property's currency if unset."
    )
    guest_first_name: str | None = strawberry.field(
        default=None, description="The guest's first name; if given, its initial must match."
    )

    def command(self) -> stays.RecordStay:
        return stays.RecordStay(
            **member_request(self),
            property_code=self.property_code.strip().upper(),
            confirmation_number=self.confirmation_number.strip(),
            status=StayStatus(self.status.value),
            room_type=self.room_type,
            floor=self.floor,
            guest_last_name=self.guest_last_name,
            guest_first_name=self.guest_first_name,
            folio=Folio(
                arrival=self.arrival_date,
                departure=self.departure_date,
                rate_code=self.rate_code.strip().upper(),
                currency=(self.currency or "").strip().upper(),
                room_revenue=self.room_revenue,
                food_and_beverage_revenue=self.food_and_beverage_revenue,
                other_revenue=self.other_revenue,
            ),
        )


@strawberry.type
class RecordStayPayload(StayWrittenPayload):
    """What recordStay answers (see :class:`StayWrittenPayload`)."""


@strawberry.input
class CancelStayInput:
    idempotency_key: str
    property_code: str
    confirmation_number: str
    reason: str = "cancelled"

    def command(self) -> stays.CancelStay:
        return stays.CancelStay(
            idempotency_key=self.idempotency_key,
            property_code=self.property_code.strip().upper(),
            confirmation_number=self.confirmation_number.strip(),
            reason=self.reason,
        )


@strawberry.type
class CancelStayPayload(StayWrittenPayload):
    """What cancelStay answers (see :class:`StayWrittenPayload`)."""


@strawberry.type
class StayMutation:
    @strawberry.mutation(
        description="Records a stay; completing it credits nights and points.",
        permission_classes=[StayRecorders, OwnProperty],
    )
    async def record_stay(
        self, info: Info[Context, None], input: RecordStayInput
    ) -> RecordStayPayload:
        context = info.context
        written = attempt_reported(context, stays.record_stay, input.command())
        return await member_payload(info, RecordStayPayload, written)

    @strawberry.mutation(
        description="Cancels a stay; a completed one loses its credit.",
        permission_classes=[StayRecorders, OwnProperty],
    )
    async def cancel_stay(
        self, info: Info[Context, None], input: CancelStayInput
    ) -> CancelStayPayload:
        context = info.context
        written = attempt_reported(context, stays.cancel_stay, input.command())
        return await member_payload(info, CancelStayPayload, written)

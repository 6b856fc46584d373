"""Qualifying activity reported by partners: card spend, meetings, rentals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import (
    MemberRequestInput,
    attempt_for,
    member_payload,
    member_request,
)
from staytier.api.graphql.permissions import ActivityRecorders
from staytier.api.graphql.types import Guest
from staytier.services import activity

ZERO = Decimal(0)


@strawberry.input
class RecordActivityInput(MemberRequestInput):
    guest_last_name: str = strawberry.field(
        description="The guest's last name on the activity; it must be the member's."
    )
    source: str = strawberry.field(description="A source the program lists, e.g. COBRAND_CARD.")
    kind: str = strawberry.field(description="The source's activity kind, e.g. SPEND.")
    occurred_on: dt.date
    amount: Decimal = ZERO
    currency: str = "USD"
    points: int = strawberry.field(default=0, description="Points stated by a promotion.")
    reference: str | None = None
    description: str = ""
    guest_first_name: str | None = strawberry.field(
        default=None, description="The guest's first name; if given, its initial must match."
    )


@strawberry.type
class RecordActivityPayload:
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, _: activity.ActivityRecorded, guest: Guest | None) -> RecordActivityPayload:
        return cls(guest=guest)


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(
        description="Credits activity from a partner source (card, meetings).",
        permission_classes=[ActivityRecorders],
    )
    async def record_activity(
        self, info: Info[Context, None], input: RecordActivityInput
    ) -> RecordActivityPayload:
        context = info.context
        command = activity.RecordActivity(
            **member_request(input),
            source=input.source.strip().upper(),
            kind=input.kind.strip().upper(),
            occurred_on=input.occurred_on,
            amount=input.amount,
            currency=input.currency.strip().upper(),
            points=input.points,
            reference=input.reference,
            description=input.description,
            guest_last_name=input.guest_last_name,
            guest_first_name=input.guest_first_name,
        )
        return await member_payload(
            info, RecordActivityPayload, attempt_for(context, activity.record_activity, command)
        )

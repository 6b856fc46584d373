"""Enrolling a guest: the mutation that creates a member."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt_for
from staytier.api.graphql.permissions import Enrolling
from staytier.api.graphql.queries import load_guest
from staytier.api.graphql.types import Guest
from staytier.services import enrollment
from staytier.services.visibility import remember_partner


async def enrolled_guest(context: Context, member_id: int) -> Guest | None:
    """The member a mutation enrolled, as its payload shows them. A booking partner that
    enrolled them sees them for the serving window from now (see ``services.visibility``)."""
    await remember_partner(context.runtime, context.principal, member_id)
    return await load_guest(context, member_id)


@strawberry.input
class EnrollGuestInput:
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    language: str = "en"
    time_zone: str = strawberry.field(default="UTC", description="IANA zone, for birthdays.")
    home_property_code: str | None = None
    idempotency_key: str | None = None
    referral_code: str | None = strawberry.field(
        default=None, description="A member's referral code: links the new member to them."
    )


@strawberry.type
class EnrollGuestPayload:
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EnrollmentMutation:
    @strawberry.mutation(
        description="Enrolls a guest at the base tier.", permission_classes=[Enrolling]
    )
    async def enroll_guest(
        self, info: Info[Context, None], input: EnrollGuestInput
    ) -> EnrollGuestPayload:
        command = enrollment.EnrollGuest(
            first_name=input.first_name,
            last_name=input.last_name,
            email=input.email,
            phone=input.phone,
            language=input.language,
            time_zone=input.time_zone,
            home_property_code=input.home_property_code,
            idempotency_key=input.idempotency_key,
            referral_code=input.referral_code,
        )
        context = info.context
        result, errors = await attempt_for(context, enrollment.enroll_guest, command)
        if result is None:
            return EnrollGuestPayload(user_errors=errors)
        return EnrollGuestPayload(guest=await enrolled_guest(context, result.member_id))

"""The Mutation root. Each resolver decodes its input, calls one service, and maps refusals
to ``userErrors`` (see :func:`attempt`); a refused mutation has changed nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from decimal import Decimal
from typing import TypeVar

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError, user_errors
from staytier.api.graphql.permissions import (
    ActivityRecorders,
    AdminOnly,
    Enrolling,
    OwnProperty,
    StayRecorders,
)
from staytier.api.graphql.queries import load_guest
from staytier.api.graphql.types import Clock, Guest, JobReport, Property, Stay
from staytier.domain.errors import BusinessRuleError
from staytier.domain.stay_ownership import actor_of
from staytier.domain.stays import Folio, StayStatus
from staytier.services import activity, enrollment, properties, stays
from staytier.services.jobs import move_test_clock
from staytier.services.visibility import remember_partner

ZERO = Decimal(0)
T = TypeVar("T")


async def attempt(call: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Runs a service call; a business refusal becomes userErrors, anything else propagates."""
    try:
        return await call, []
    except BusinessRuleError as error:
        return None, user_errors(error)


async def enrolled_guest(context: Context, member_id: int) -> Guest | None:
    """The member a mutation enrolled, as its payload shows them. A booking partner that
    enrolled them sees them for the serving window from now (see ``services.visibility``)."""
    await remember_partner(context.runtime, context.principal, member_id)
    return await load_guest(context, member_id)


StayPayload = TypeVar("StayPayload", "RecordStayPayload", "CancelStayPayload")


async def stay_outcome(
    context: Context, call: Awaitable[stays.StayWritten], payload: type[StayPayload]
) -> StayPayload:
    """The payload of a stay mutation: the stay as the service wrote it and its guest, or
    the userErrors."""
    written, errors = await attempt(call)
    if written is None:
        return payload(user_errors=errors)
    return payload(
        stay=Stay.of(written.stay, written.hotel),
        guest=await load_guest(context, written.member_id),
    )


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


@strawberry.input
class RecordStayInput:
    idempotency_key: str
    member_number: str
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
            idempotency_key=self.idempotency_key,
            member_number=self.member_number.strip(),
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
class RecordStayPayload:
    stay: Stay | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
class CancelStayPayload:
    stay: Stay | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RecordActivityInput:
    idempotency_key: str
    member_number: str
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


@strawberry.input
class UpsertPropertyInput:
    code: str = strawberry.field(description="2 to 16 upper-case letters or digits.")
    name: str
    brand: str
    time_zone: str = strawberry.field(description="IANA zone, e.g. Europe/Paris.")
    category: int = strawberry.field(description="1 to 8; prices award nights.")
    currency: str = strawberry.field(description="ISO code of the property's folios.")
    country: str = ""

    def details(self) -> properties.PropertyDetails:
        return properties.PropertyDetails(
            code=self.code.strip().upper(),
            name=self.name.strip(),
            brand=self.brand.strip(),
            time_zone=self.time_zone.strip(),
            category=self.category,
            currency=self.currency.strip().upper(),
            country=self.country.strip().upper(),
        )


@strawberry.type
class UpsertPropertyPayload:
    property: Property | None = None
    created: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetTestClockInput:
    now: dt.datetime


@strawberry.type
class SetTestClockPayload:
    clock: Clock | None = None
    jobs_run: list[JobReport] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CoreMutation:
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
        result, errors = await attempt(
            enrollment.enroll_guest(context.runtime, command, scope=context.idempotency_scope)
        )
        if result is None:
            return EnrollGuestPayload(user_errors=errors)
        return EnrollGuestPayload(guest=await enrolled_guest(context, result.member_id))

    @strawberry.mutation(
        description="Records a stay; completing it credits nights and points.",
        permission_classes=[StayRecorders, OwnProperty],
    )
    async def record_stay(
        self, info: Info[Context, None], input: RecordStayInput
    ) -> RecordStayPayload:
        context = info.context
        call = stays.record_stay(
            context.runtime,
            input.command(),
            scope=context.idempotency_scope,
            actor=actor_of(context.principal),
        )
        return await stay_outcome(context, call, RecordStayPayload)

    @strawberry.mutation(
        description="Cancels a stay; a completed one loses its credit.",
        permission_classes=[StayRecorders, OwnProperty],
    )
    async def cancel_stay(
        self, info: Info[Context, None], input: CancelStayInput
    ) -> CancelStayPayload:
        context = info.context
        call = stays.cancel_stay(
            context.runtime,
            input.command(),
            scope=context.idempotency_scope,
            actor=actor_of(context.principal),
        )
        return await stay_outcome(context, call, CancelStayPayload)

    @strawberry.mutation(
        description="Credits activity from a partner source (card, meetings).",
        permission_classes=[ActivityRecorders],
    )
    async def record_activity(
        self, info: Info[Context, None], input: RecordActivityInput
    ) -> RecordActivityPayload:
        context = info.context
        command = activity.RecordActivity(
            idempotency_key=input.idempotency_key,
            member_number=input.member_number.strip(),
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
        result, errors = await attempt(
            activity.record_activity(context.runtime, command, scope=context.idempotency_scope)
        )
        if result is None:
            return RecordActivityPayload(user_errors=errors)
        return RecordActivityPayload(guest=await load_guest(context, result.member_id))

    @strawberry.mutation(
        description="Registers a property, or updates the one with its code.",
        permission_classes=[AdminOnly],
    )
    async def upsert_property(
        self, info: Info[Context, None], input: UpsertPropertyInput
    ) -> UpsertPropertyPayload:
        context = info.context
        result, errors = await attempt(
            properties.upsert_property(
                context.runtime, input.details(), scope=context.idempotency_scope
            )
        )
        if result is None:
            return UpsertPropertyPayload(user_errors=errors)
        return UpsertPropertyPayload(property=Property.of(result.hotel), created=result.created)

    @strawberry.mutation(
        description="Test deployments only: moves the clock and runs the jobs that fall due.",
        permission_classes=[AdminOnly],
    )
    async def set_test_clock(
        self, info: Info[Context, None], input: SetTestClockInput
    ) -> SetTestClockPayload:
        runtime = info.context.runtime
        try:
            reports = await move_test_clock(runtime, input.now)
        except BusinessRuleError as error:
            return SetTestClockPayload(user_errors=user_errors(error))
        return SetTestClockPayload(
            clock=Clock(now=runtime.clock.now(), is_test_clock=True),
            jobs_run=[
                JobReport(
                    job=r.job,
                    run_key=r.run_key,
                    due_on=r.due_on,
                    summary=strawberry.scalars.JSON(r.summary),
                )
                for r in reports
            ],
        )

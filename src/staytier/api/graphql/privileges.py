"""Privileges and redemptions: award stays, certificates, benefit choices, goodwill and
adjustments. Each mutation decodes its input, calls one service and maps refusals to
``userErrors``; services record who acted (``actor``/``author``) so access control can pass
the signed-in client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import (
    attempt_for,
    attempt_spending,
    member_payload,
    member_request,
)
from staytier.api.graphql.permissions import (
    AdminOnly,
    Authenticated,
    MemberScoped,
    OwnProperty,
    RolePermission,
    ServiceReaders,
    StaffOnly,
)
from staytier.api.graphql.privilege_inputs import (
    CancelAwardStayInput,
    ChooseAnnualChoiceBenefitInput,
    ChooseWelcomeGiftInput,
    PostGoodwillPointsInput,
    PostPointsAdjustmentInput,
    RecordBenefitUsageInput,
    RedeemAwardStayInput,
    RedeemCertificateInput,
)
from staytier.api.graphql.privilege_types import AwardNight, AwardQuote, AwardStay
from staytier.api.graphql.types import Guest, LedgerEntry
from staytier.domain.access import Role
from staytier.domain.awards import price_award_stay
from staytier.services import benefit_usage, goodwill, redemptions
from staytier.services.award_stays import Awarded
from staytier.store.queries import property_by_code

CENT = Decimal("0.01")


class PointSpenders(RolePermission):
    """Award stays, certificates, room guarantees: the guest, the front desk booking for
    them (at its own properties, see OwnProperty; spending needs the guest's approval
    code), an admin."""

    roles = (Role.ADMIN, Role.FRONT_DESK, Role.GUEST)


class BrandReports(RolePermission):
    """The brand's reports: administrators and analysts."""

    roles = (Role.ADMIN, Role.ANALYST)


def actor_of(context: Context) -> str:
    """Who is acting, as recorded on benefit usage: the signed-in client or guest."""
    return context.principal.client_id


@strawberry.type
class AwardStayPayload:
    award_stay: AwardStay | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: Awarded, guest: Guest | None) -> AwardStayPayload:
        return cls(award_stay=AwardStay.of(result), guest=guest)


@strawberry.type
class BenefitUsePayload:
    benefit_code: str | None = None
    option: str | None = None
    cost_usd: Decimal | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: benefit_usage.Used, guest: Guest | None) -> BenefitUsePayload:
        usage = result.usage
        return cls(
            benefit_code=usage.benefit_code,
            option=usage.option,
            cost_usd=usage.cost_usd.quantize(CENT),
            guest=guest,
        )


@strawberry.type
class LedgerPostingPayload:
    entry: LedgerEntry | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: goodwill.Posted, guest: Guest | None) -> LedgerPostingPayload:
        return cls(entry=LedgerEntry.of(result.entry), guest=guest)


@strawberry.type(description="Uses and program cost of one benefit in one month.")
class BenefitCostLine:
    month: str
    benefit_code: str
    uses: int
    cost_usd: Decimal


def code_of(text: str) -> str:
    """A code as clients may type it: trimmed, upper case."""
    return text.strip().upper()


@strawberry.type
class PrivilegesQuery:
    @strawberry.field(
        description="The points an award stay would cost today; null when the property is "
        "unknown or its category has no award price.",
        permission_classes=[Authenticated],
    )
    async def award_quote(
        self,
        info: Info[Context, None],
        property_code: str,
        arrival_date: dt.date,
        departure_date: dt.date,
    ) -> AwardQuote | None:
        runtime = info.context.runtime
        async with runtime.db.reading() as session:
            hotel = await property_by_code(session, code_of(property_code))
        if hotel is None or departure_date <= arrival_date:
            return None
        rules = runtime.rules_on(runtime.today())
        quote = price_award_stay(rules.awards, hotel.category, arrival_date, departure_date)
        if quote is None:
            return None
        nights = [copy_fields(AwardNight, night) for night in quote.nights]
        return copy_fields(
            AwardQuote, quote, property_code=hotel.code, category=hotel.category, nights=nights
        )

    @strawberry.field(
        description="Benefit uses and their program cost per month, for the brand.",
        permission_classes=[BrandReports],
    )
    async def benefit_cost_report(
        self, info: Info[Context, None], start: dt.date, end: dt.date
    ) -> list[BenefitCostLine]:
        async with info.context.runtime.db.reading() as session:
            lines = await benefit_usage.benefit_costs(session, start, end)
        return [
            copy_fields(BenefitCostLine, line, cost_usd=line.cost_usd.quantize(CENT))
            for line in lines
        ]


@strawberry.type
class PrivilegesMutation:
    @strawberry.mutation(
        description="Books an award stay paid with points, debited at once.",
        extensions=[MemberScoped(PointSpenders, OwnProperty)],
    )
    async def redeem_award_stay(
        self, info: Info[Context, None], input: RedeemAwardStayInput
    ) -> AwardStayPayload:
        context = info.context
        command = redemptions.RedeemAwardStay(
            **member_request(input),
            property_code=code_of(input.property_code),
            arrival=input.arrival_date,
            departure=input.departure_date,
            guest_approval=input.guest_approval,
        )
        return await member_payload(
            info,
            AwardStayPayload,
            attempt_spending(context, redemptions.redeem_award_stay, command),
        )

    @strawberry.mutation(
        description="Cancels an award stay and refunds its points.",
        extensions=[MemberScoped(PointSpenders, OwnProperty)],
    )
    async def cancel_award_stay(
        self, info: Info[Context, None], input: CancelAwardStayInput
    ) -> AwardStayPayload:
        context = info.context
        command = redemptions.CancelAwardStay(
            **member_request(input),
            property_code=code_of(input.property_code),
            confirmation_number=input.confirmation_number.strip(),
            reason=input.reason,
        )
        return await member_payload(
            info, AwardStayPayload, attempt_for(context, redemptions.cancel_award_stay, command)
        )

    @strawberry.mutation(
        description="Uses a free-night certificate for one night.",
        extensions=[MemberScoped(PointSpenders, OwnProperty)],
    )
    async def redeem_certificate(
        self, info: Info[Context, None], input: RedeemCertificateInput
    ) -> AwardStayPayload:
        context = info.context
        command = redemptions.RedeemCertificate(
            **member_request(input),
            certificate_id=input.certificate_id,
            property_code=code_of(input.property_code),
            arrival=input.arrival_date,
            guest_approval=input.guest_approval,
        )
        return await member_payload(
            info,
            AwardStayPayload,
            attempt_spending(context, redemptions.redeem_certificate, command),
        )

    @strawberry.mutation(
        description="The guest's welcome gift for a stay, chosen once.",
        extensions=[MemberScoped(ServiceReaders, OwnProperty)],
    )
    async def choose_welcome_gift(
        self, info: Info[Context, None], input: ChooseWelcomeGiftInput
    ) -> BenefitUsePayload:
        context = info.context
        command = benefit_usage.ChooseWelcomeGift(
            **member_request(input),
            property_code=code_of(input.property_code),
            confirmation_number=input.confirmation_number.strip(),
            option=code_of(input.option),
            actor=actor_of(context),
        )
        return await member_payload(
            info,
            BenefitUsePayload,
            attempt_for(context, benefit_usage.choose_welcome_gift, command),
        )

    @strawberry.mutation(
        description="The annual choice benefit, chosen once a year.",
        extensions=[MemberScoped(ServiceReaders)],
    )
    async def choose_annual_choice_benefit(
        self, info: Info[Context, None], input: ChooseAnnualChoiceBenefitInput
    ) -> BenefitUsePayload:
        context = info.context
        command = benefit_usage.ChooseAnnualChoice(
            **member_request(input),
            option=code_of(input.option),
            actor=actor_of(context),
        )
        return await member_payload(
            info,
            BenefitUsePayload,
            attempt_for(context, benefit_usage.choose_annual_choice, command),
        )

    @strawberry.mutation(
        description="Records a benefit a property applied on a stay, once; a complimentary "
        "upgrade within the guest's recognition allowance.",
        extensions=[MemberScoped(StaffOnly, OwnProperty)],
    )
    async def record_benefit_usage(
        self, info: Info[Context, None], input: RecordBenefitUsageInput
    ) -> BenefitUsePayload:
        context = info.context
        command = benefit_usage.RecordBenefitUsage(
            **member_request(input),
            benefit_code=code_of(input.benefit_code),
            property_code=code_of(input.property_code),
            confirmation_number=input.confirmation_number.strip(),
            actor=actor_of(context),
        )
        return await member_payload(
            info,
            BenefitUsePayload,
            attempt_for(context, benefit_usage.record_benefit_usage, command),
        )

    @strawberry.mutation(
        description="Staff: goodwill points with a reason code.",
        extensions=[MemberScoped(StaffOnly)],
    )
    async def post_goodwill_points(
        self, info: Info[Context, None], input: PostGoodwillPointsInput
    ) -> LedgerPostingPayload:
        context = info.context
        command = goodwill.PostGoodwillPoints(
            **member_request(input),
            points=input.points,
            reason_code=code_of(input.reason_code),
            author=input.author,
            note=input.note,
        )
        return await member_payload(
            info,
            LedgerPostingPayload,
            attempt_for(context, goodwill.post_goodwill_points, command),
        )

    @strawberry.mutation(
        description="Administrators: a points adjustment, either sign.",
        extensions=[MemberScoped(AdminOnly)],
    )
    async def post_points_adjustment(
        self, info: Info[Context, None], input: PostPointsAdjustmentInput
    ) -> LedgerPostingPayload:
        context = info.context
        command = goodwill.PostPointsAdjustment(
            **member_request(input),
            points=input.points,
            reason=input.reason,
            author=input.author,
        )
        return await member_payload(
            info,
            LedgerPostingPayload,
            attempt_for(context, goodwill.post_points_adjustment, command),
        )

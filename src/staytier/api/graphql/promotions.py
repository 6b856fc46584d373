"""Promotions for the guest: those the member may join with registration and progress
(``guest { promotions }``), and ``registerForPromotion``; the guest's ``referralCode``."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.guest_approvals import ApprovalRequesters, spender_of
from staytier.api.graphql.guest_types import Guest
from staytier.api.graphql.mutations import MemberRequestInput, attempt, member_request
from staytier.api.graphql.permissions import MemberScoped
from staytier.api.graphql.queries import load_guest
from staytier.services import promotion_members
from staytier.services.guest_approvals import counting_refusals
from staytier.store import models


@strawberry.type(description="A member's progress in a promotion, net of reversals.")
class PromotionProgress:
    qualifying: int = strawberry.field(
        description="Stays, nights or activities counted (toward every nth)."
    )
    rewards: int = strawberry.field(description="Rewards earned.")
    points: int = strawberry.field(description="Points earned.")
    every_nth: int = strawberry.field(description="Every nth qualifying one is rewarded.")


@strawberry.type(description="A promotion the member may take part in, as the member sees it.")
class GuestPromotion:
    code: str
    name: str
    description: str
    starts_on: dt.date
    ends_on: dt.date
    trigger: str = strawberry.field(description="STAY, NIGHT, SPEND or ACTIVITY.")
    registration_required: bool
    registration_deadline: dt.date | None = strawberry.field(
        description="The last day to register; null when no registration is needed."
    )
    registered_on: dt.date | None
    may_register: bool = strawberry.field(
        description="Whether registerForPromotion would accept the member today."
    )
    available: bool = strawberry.field(
        description="False once the promotion has given all its budget."
    )
    progress: PromotionProgress

    @classmethod
    def of(cls, found: promotion_members.MemberPromotion) -> GuestPromotion:
        rule = found.promotion
        return copy_fields(
            cls,
            rule,
            trigger=rule.trigger.kind,
            registration_required=found.registration_required,
            registration_deadline=(
                rule.registration_deadline if found.registration_required else None
            ),
            registered_on=found.registered_on,
            may_register=found.may_register,
            available=found.budget_left is None or found.budget_left > 0,
            progress=PromotionProgress(
                qualifying=found.triggers,
                rewards=found.rewards,
                points=found.points,
                every_nth=rule.trigger.every_nth,
            ),
        )


async def promotions_of(context: Context, member: models.Member) -> list[GuestPromotion]:
    async with context.runtime.db.reading() as session:
        found = await promotion_members.member_promotions(session, context.runtime, member)
    return [GuestPromotion.of(item) for item in found]


@strawberry.input
class RegisterForPromotionInput(MemberRequestInput):
    promotion_code: str
    guest_approval: str | None = strawberry.field(
        default=None,
        description="Staff registering a guest give the guest's approval code (operation "
        "PROMOTION); the signed-in guest needs none.",
    )


@strawberry.type
class RegisterForPromotionPayload:
    promotion: GuestPromotion | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PromotionsMutation:
    @strawberry.mutation(
        description="Registers the member for a promotion that asks for registration, by "
        "its deadline, once: the signed-in guest, or staff with the guest's approval.",
        extensions=[MemberScoped(ApprovalRequesters)],
    )
    async def register_for_promotion(
        self, info: Info[Context, None], input: RegisterForPromotionInput
    ) -> RegisterForPromotionPayload:
        context = info.context
        command = promotion_members.RegisterForPromotion(
            **member_request(input),
            promotion_code=input.promotion_code.strip().upper(),
            guest_approval=input.guest_approval,
        )
        call = promotion_members.register_for_promotion(
            context.runtime,
            command,
            spender=spender_of(context.principal),
            scope=context.idempotency_scope,
        )
        result, errors = await attempt(counting_refusals(context.runtime, call))
        if result is None:
            return RegisterForPromotionPayload(user_errors=errors)
        guest = await load_guest(context, result.member_id)
        shown = await promotions_of(context, guest._row) if guest is not None else []
        mine = next((p for p in shown if p.code == command.promotion_code), None)
        return RegisterForPromotionPayload(promotion=mine, guest=guest)

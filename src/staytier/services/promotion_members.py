"""A member and the promotions: registering for one that asks for it, and what the member
may join with their progress (``guest { promotions }``). How promotions earn is in
:mod:`services.promotions`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.guest_approvals import Spender, promotion_terms
from staytier.domain.promotions import (
    registration_refusal,
)
from staytier.program.promotions import Promotion
from staytier.services import audit
from staytier.services.guest_approvals import approve_spending
from staytier.services.idempotency import run_command_once
from staytier.services.members import member_for_update
from staytier.services.promotions import member_standings
from staytier.services.runtime import Runtime
from staytier.store.models import (
    Member,
    PromotionBudget,
    PromotionRegistration,
)


@dataclass(frozen=True)
class RegisterForPromotion:
    idempotency_key: str
    member_number: str
    promotion_code: str
    guest_approval: str | None = None


class Registered(msgspec.Struct, frozen=True):
    """Whom registerForPromotion registered."""

    member_id: int


async def register_for_promotion(
    runtime: Runtime, command: RegisterForPromotion, *, spender: Spender, scope: str = ""
) -> Registered:
    """Registers the member for a promotion that asks for registration, before its
    deadline, once. The guest registers themself; staff need the guest's approval code for
    this promotion (:mod:`staytier.services.guest_approvals`)."""

    async def work(session: AsyncSession) -> Registered:
        member = await member_for_update(session, command.member_number)
        code = command.promotion_code.strip().upper()
        promotion = runtime.program.promotion(code)
        today = local_date(runtime.clock, member.time_zone)
        registered = await session.scalar(
            select(PromotionRegistration.id).where(
                PromotionRegistration.member_id == member.id,
                PromotionRegistration.promotion_code == code,
            )
        )
        refusal = registration_refusal(
            promotion,
            code,
            today=today,
            enrolled_on=member.enrolled_on,
            registered=registered is not None,
            budget_left=await budget_left(session, promotion) if promotion else None,
        )
        if refusal is not None:
            raise refusal
        await approve_spending(
            session,
            runtime,
            member,
            promotion_terms(code),
            code=command.guest_approval,
            spender=spender,
        )
        session.add(
            PromotionRegistration(
                member_id=member.id,
                promotion_code=code,
                registered_on=today,
                registered_by=audit.current_actor().client_id[:80],
                created_at=runtime.now(),
            )
        )
        return Registered(member_id=member.id)

    return await run_command_once(
        runtime, Registered, "registerForPromotion", command, work, scope=scope
    )


async def budget_left(session: AsyncSession, promotion: Promotion) -> int | None:
    """Points the promotion may still give; None without a budget."""
    if promotion.limits.budget_points is None:
        return None
    spent = await session.scalar(
        select(PromotionBudget.spent_points).where(PromotionBudget.promotion_code == promotion.code)
    )
    return promotion.limits.budget_points - (spent or 0)


@dataclass(frozen=True)
class MemberPromotion:
    """A promotion as one member sees it: registration and progress."""

    promotion: Promotion
    registration_required: bool
    registered_on: dt.date | None
    may_register: bool
    triggers: int
    rewards: int
    points: int
    budget_left: int | None


async def member_promotions(
    session: AsyncSession, runtime: Runtime, member: Member
) -> list[MemberPromotion]:
    """The promotions not yet over on the member's date, with the member's registration
    and progress; a promotion limited to new members shows only to those it admits."""
    today = local_date(runtime.clock, member.time_zone)
    shown = [p for p in runtime.program.all_promotions() if p.ends_on >= today]
    codes = [p.code for p in shown]
    standings = await member_standings(session, member, codes)
    found: list[MemberPromotion] = []
    for promotion in shown:
        standing = standings[promotion.code]
        left = await budget_left(session, promotion)
        refusal = registration_refusal(
            promotion,
            promotion.code,
            today=today,
            enrolled_on=member.enrolled_on,
            registered=standing.registered_on is not None,
            budget_left=left,
        )
        within = promotion.eligibility.new_members_within_days
        if within is not None and member.enrolled_on < promotion.starts_on - dt.timedelta(
            days=within
        ):
            continue
        found.append(
            MemberPromotion(
                promotion=promotion,
                registration_required=promotion.registration.required,
                registered_on=standing.registered_on,
                may_register=refusal is None,
                triggers=standing.triggers_before,
                rewards=standing.rewards_before,
                points=standing.points_before,
                budget_left=left,
            )
        )
    return found

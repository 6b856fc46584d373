"""Benefits in use: the guest's once-per-stay welcome gift and once-per-year annual choice,
other benefits the front desk applies, and what each use cost the brand.

Eligibility comes from the one benefits engine (:mod:`staytier.domain.benefits`) for the
tier the member holds today where they are. Every use is a ``benefit_usages`` row carrying
the program's ``cost_usd`` at the time, so the brand can weigh benefit cost against revenue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.benefits import ANNUAL_CHOICE, WELCOME_GIFT, GrantedBenefit, benefit_for
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.points import LedgerKind
from staytier.domain.stays import StayStatus
from staytier.services.idempotency import FieldsReceipted, run_command_once
from staytier.services.ledger import post_entry
from staytier.services.member_value import upgrade_cost_points, within_recognition
from staytier.services.members import member_for_update, member_year
from staytier.services.runtime import Runtime
from staytier.services.status import tier_code_held
from staytier.services.stays import member_and_property_or_refuse
from staytier.store.models import BenefitUsage, Member, Property, Stay
from staytier.store.queries import status_periods, stay_by_confirmation

POINTS_OPTION = "POINTS"


@dataclass(frozen=True)
class ChooseWelcomeGift:
    idempotency_key: str
    member_number: str
    property_code: str
    confirmation_number: str
    option: str
    actor: str


@dataclass(frozen=True)
class ChooseAnnualChoice:
    idempotency_key: str
    member_number: str
    option: str
    actor: str


@dataclass(frozen=True)
class RecordBenefitUsage:
    idempotency_key: str
    member_number: str
    benefit_code: str
    property_code: str
    confirmation_number: str
    actor: str


@dataclass(frozen=True)
class Used(FieldsReceipted):
    """What a benefit use did: the use as recorded and its member's id."""

    usage: BenefitUsage
    member_id: int


async def tier_held_today(session: AsyncSession, runtime: Runtime, member: Member) -> str:
    """The code of the tier the member holds today where they are."""
    today = local_date(runtime.clock, member.time_zone)
    base = runtime.rules_on(today).base_tier.code
    return tier_code_held(await status_periods(session, member.id), today, base)


async def granted_benefit(
    session: AsyncSession, runtime: Runtime, member: Member, code: str
) -> tuple[GrantedBenefit, str]:
    """The benefit as granted to the tier the member holds today, with the tier's code;
    TIER_NOT_ELIGIBLE when the tier has no grant for it."""
    tier = await tier_held_today(session, runtime, member)
    granted = benefit_for(runtime.rules_on(local_date(runtime.clock, member.time_zone)), tier, code)
    if granted is None:
        raise BusinessRuleError(
            ErrorCode.TIER_NOT_ELIGIBLE,
            f"The {tier} tier is not granted {code}.",
            "memberNumber",
        )
    return granted, tier


async def record_usage(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    benefit: GrantedBenefit,
    *,
    tier: str,
    actor: str,
    option: str | None = None,
    once_key: str | None = None,
    stay: Stay | None = None,
    property_id: int | None = None,
    points: int = 0,
) -> BenefitUsage:
    """Records one use of ``benefit`` at its program cost; with a ``once_key``, a second
    use under the same key is BENEFIT_ALREADY_CHOSEN."""
    if once_key is not None:
        earlier = (
            await session.execute(
                select(BenefitUsage.option).where(
                    BenefitUsage.member_id == member.id,
                    BenefitUsage.benefit_code == benefit.code,
                    BenefitUsage.once_key == once_key,
                )
            )
        ).first()
        if earlier is not None:
            raise BusinessRuleError(
                ErrorCode.BENEFIT_ALREADY_CHOSEN,
                f"{benefit.name} was already used ({earlier[0] or 'applied'}) for this "
                f"{once_key.split(':')[0]}.",
                "option",
            )
    usage = BenefitUsage(
        member_id=member.id,
        benefit_code=benefit.code,
        option=option,
        once_key=once_key,
        stay_id=stay.id if stay else None,
        property_id=property_id
        if property_id is not None
        else (stay.property_id if stay else None),
        tier_code=tier,
        cost_usd=benefit.cost_usd,
        points=points,
        used_on=local_date(runtime.clock, member.time_zone),
        actor=actor[:100],
        recorded_at=runtime.now(),
    )
    session.add(usage)
    await session.flush()
    return usage


def _option(benefit: GrantedBenefit, option: str) -> str:
    if option not in benefit.options():
        raise BusinessRuleError(
            ErrorCode.UNKNOWN_OPTION,
            f"{benefit.name}: choose one of {', '.join(benefit.options())}.",
            "option",
        )
    return option


def _points_for(benefit: GrantedBenefit, option: str) -> int:
    return (benefit.number("points") or 0) if option == POINTS_OPTION else 0


async def _member_stay(
    session: AsyncSession, member: Member, hotel: Property, confirmation_number: str
) -> Stay:
    stay = await stay_by_confirmation(session, hotel.id, confirmation_number)
    if stay is None or stay.member_id != member.id:
        raise BusinessRuleError(
            ErrorCode.STAY_NOT_FOUND,
            f"Member {member.member_number} has no stay {confirmation_number} at {hotel.code}.",
            "confirmationNumber",
        )
    if stay.status in (StayStatus.CANCELLED.value, StayStatus.NO_SHOW.value):
        raise BusinessRuleError(
            ErrorCode.INVALID_STATUS_TRANSITION,
            f"Stay {confirmation_number} is {stay.status.lower()}: no benefit applies.",
            "confirmationNumber",
        )
    return stay


async def _choose_option(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    benefit_code: str,
    command: ChooseWelcomeGift | ChooseAnnualChoice,
    *,
    once_key: str,
    description: Callable[[int], str],
    stay: Stay | None = None,
) -> BenefitUsage:
    """Records the option the command chose of a benefit the member holds, once under
    ``once_key``; the POINTS option's points are credited as BONUS at once, described by
    ``description(points)``."""
    benefit, tier = await granted_benefit(session, runtime, member, benefit_code)
    option = _option(benefit, command.option)
    points = _points_for(benefit, option)
    usage = await record_usage(
        session,
        runtime,
        member,
        benefit,
        tier=tier,
        actor=command.actor,
        option=option,
        once_key=once_key,
        stay=stay,
        points=points,
    )
    if points:
        post_entry(
            session,
            member,
            kind=LedgerKind.BONUS,
            points=points,
            occurred_at=runtime.now(),
            effective_on=local_date(runtime.clock, member.time_zone),
            description=description(points),
        )
    return usage


async def choose_welcome_gift(
    runtime: Runtime, command: ChooseWelcomeGift, *, scope: str = ""
) -> Used:
    """The guest's welcome gift for one stay, once; the POINTS option is credited as BONUS."""

    async def work(session: AsyncSession) -> Used:
        member, hotel = await member_and_property_or_refuse(
            session, command.member_number, command.property_code
        )
        stay = await _member_stay(session, member, hotel, command.confirmation_number)
        usage = await _choose_option(
            session,
            runtime,
            member,
            WELCOME_GIFT,
            command,
            once_key=f"stay:{stay.id}",
            description=lambda points: (
                f"Welcome gift: {points:,} points, stay {stay.confirmation_number} at {hotel.name}"
            ),
            stay=stay,
        )
        return Used(usage, member.id)

    return await run_command_once(runtime, Used, "chooseWelcomeGift", command, work, scope=scope)


async def choose_annual_choice(
    runtime: Runtime, command: ChooseAnnualChoice, *, scope: str = ""
) -> Used:
    """The annual choice benefit, once per qualification year (the member's local today)."""

    async def work(session: AsyncSession) -> Used:
        member = await member_for_update(session, command.member_number)
        _, year, _ = member_year(runtime, member)
        usage = await _choose_option(
            session,
            runtime,
            member,
            ANNUAL_CHOICE,
            command,
            once_key=f"year:{year}",
            description=lambda _points: f"Annual choice {year}: points",
        )
        return Used(usage, member.id)

    return await run_command_once(
        runtime, Used, "chooseAnnualChoiceBenefit", command, work, scope=scope
    )


async def record_benefit_usage(
    runtime: Runtime, command: RecordBenefitUsage, *, scope: str = ""
) -> Used:
    """A benefit the property applied on a stay (late checkout, upgrade, lounge), once per
    stay, at its program cost; a complimentary upgrade within the guest's recognition
    allowance, where the program sets one."""

    async def work(session: AsyncSession) -> Used:
        member, hotel = await member_and_property_or_refuse(
            session, command.member_number, command.property_code
        )
        stay = await _member_stay(session, member, hotel, command.confirmation_number)
        benefit, tier = await granted_benefit(session, runtime, member, command.benefit_code)
        today = local_date(runtime.clock, member.time_zone)
        upgrade = upgrade_cost_points(runtime, benefit.code, benefit.cost_usd, today)
        if upgrade is not None:
            await within_recognition(session, runtime, member.id, upgrade, today, upgrade=True)
        usage = await record_usage(
            session,
            runtime,
            member,
            benefit,
            tier=tier,
            actor=command.actor,
            once_key=f"stay:{stay.id}",
            stay=stay,
        )
        return Used(usage, member.id)

    return await run_command_once(runtime, Used, "recordBenefitUsage", command, work, scope=scope)


@dataclass(frozen=True)
class BenefitCost:
    """What one benefit cost the brand in a month: uses and their total program cost."""

    month: str
    benefit_code: str
    uses: int
    cost_usd: Decimal


async def benefit_costs(session: AsyncSession, start: dt.date, end: dt.date) -> list[BenefitCost]:
    """Uses and cost per benefit and month for uses dated ``start`` through ``end``: one
    statement, grouped by month here (month functions differ between SQLite and PostgreSQL)."""
    rows = await session.execute(
        select(BenefitUsage.used_on, BenefitUsage.benefit_code, BenefitUsage.cost_usd).where(
            BenefitUsage.used_on >= start, BenefitUsage.used_on <= end
        )
    )
    totals: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for used_on, code, cost in rows:
        key = (f"{used_on:%Y-%m}", code)
        uses, total = totals.get(key, (0, Decimal(0)))
        totals[key] = (uses + 1, total + cost)
    return [
        BenefitCost(month=month, benefit_code=code, uses=uses, cost_usd=total)
        for (month, code), (uses, total) in sorted(totals.items())
    ]

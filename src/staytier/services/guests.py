"""What a guest, a front desk or a booking site reads about a member: tier, progress, points.

Read-only: these functions take a session from ``Database.reading()`` and never write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.calendar import qualification_year
from staytier.domain.points import points_expire_on
from staytier.domain.tiers import TierProgress, held_period, tier_progress
from staytier.program.model import Tier
from staytier.services.runtime import Runtime
from staytier.store.models import (
    Certificate,
    Donation,
    LedgerEntry,
    Member,
    MilesTransfer,
    Property,
    StatusPeriod,
    Stay,
)
from staytier.store.queries import as_periods, status_periods, year_totals


@dataclass(frozen=True)
class HeldTier:
    tier: Tier
    valid_through: dt.date | None
    lifetime: bool


@dataclass(frozen=True)
class GuestStanding:
    """A member's tier, progress and points as of their local today."""

    today: dt.date
    held: HeldTier
    progress: TierProgress
    balance: int
    points_expire_on: dt.date | None


async def guest_standing(session: AsyncSession, runtime: Runtime, member: Member) -> GuestStanding:
    today = local_date(runtime.clock, member.time_zone)
    rules = runtime.rules_on(today)
    rows = await status_periods(session, member.id)
    period = held_period(as_periods(rows), today)
    tier = (rules.tier(period.tier_code) if period else None) or rules.base_tier
    has_status = period is not None and tier.rank > rules.base_tier.rank
    held = HeldTier(
        tier=tier,
        valid_through=period.valid_through if period and has_status else None,
        lifetime=has_status and period is not None and period.valid_through is None,
    )
    year = qualification_year(today, rules.qualification.year_start_month)
    totals = await year_totals(session, member.id, year)
    lifetime = any(r.valid_through is None for r in rows)
    return GuestStanding(
        today=today,
        held=held,
        progress=tier_progress(rules, year, totals, tier),
        balance=member.points_balance,
        points_expire_on=(
            None
            if lifetime or member.points_balance == 0
            else points_expire_on(member.last_activity_on, rules)
        ),
    )


async def ledger_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[LedgerEntry]:
    """Newest entries first; one more than asked, so the caller knows if a page follows."""
    query = select(LedgerEntry).where(LedgerEntry.member_id == member_id)
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list(await session.scalars(query.order_by(LedgerEntry.id.desc()).limit(first + 1)))


async def stays_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[tuple[Stay, Property]]:
    """Most recently recorded stays first, with their property, one more than asked."""
    query = (
        select(Stay, Property)
        .join(Property, Property.id == Stay.property_id)
        .where(Stay.member_id == member_id)
    )
    if before_id is not None:
        query = query.where(Stay.id < before_id)
    rows = await session.execute(query.order_by(Stay.id.desc()).limit(first + 1))
    return [(stay, hotel) for stay, hotel in rows]


async def tier_history(session: AsyncSession, member_id: int) -> list[StatusPeriod]:
    """Every status the member was granted, revoked ones included, oldest first."""
    return await status_periods(session, member_id, include_revoked=True)


async def certificates_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[Certificate]:
    """Newest certificates first, whatever their status, one more than asked."""
    query = select(Certificate).where(Certificate.member_id == member_id)
    if before_id is not None:
        query = query.where(Certificate.id < before_id)
    return list(await session.scalars(query.order_by(Certificate.id.desc()).limit(first + 1)))


async def donations_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[Donation]:
    """Newest donations first, one more than asked."""
    query = select(Donation).where(Donation.member_id == member_id)
    if before_id is not None:
        query = query.where(Donation.id < before_id)
    return list(await session.scalars(query.order_by(Donation.id.desc()).limit(first + 1)))


async def miles_transfers_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[MilesTransfer]:
    """Newest miles transfers first, one more than asked."""
    query = select(MilesTransfer).where(MilesTransfer.member_id == member_id)
    if before_id is not None:
        query = query.where(MilesTransfer.id < before_id)
    return list(await session.scalars(query.order_by(MilesTransfer.id.desc()).limit(first + 1)))

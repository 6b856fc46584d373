"""What a guest, a front desk or a booking site reads about a member: tier, progress, points.

Read-only: these functions take a session from ``Database.reading()`` and never write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.points import points_expire_on
from staytier.domain.tiers import StatusPeriod as Period
from staytier.domain.tiers import TierProgress, YearTotals, held_period, tier_progress
from staytier.program.model import Tier
from staytier.services.members import member_year
from staytier.services.paging import newest_first
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
from staytier.store.queries import (
    YEAR_TOTALS,
    held_periods_by_member,
    status_periods,
    year_totals_by_member,
)


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
    """One member's standing, in one statement (see :func:`_status_and_totals`)."""
    today, year, _ = member_year(runtime, member)
    periods, totals = await _status_and_totals(session, member.id, year)
    return _standing(runtime, member, today, year, periods, totals)


async def guest_standings(
    session: AsyncSession, runtime: Runtime, members: Sequence[Member]
) -> list[GuestStanding]:
    """The standing of each of ``members``, in order, in two statements whatever their
    number (their status periods, their totals for the years their local today falls in);
    one member is read with :func:`guest_standing`'s single statement."""
    if len(members) == 1:
        return [await guest_standing(session, runtime, members[0])]
    days = [member_year(runtime, member)[:2] for member in members]
    ids = {member.id for member in members}
    periods = await held_periods_by_member(session, ids)
    totals = await year_totals_by_member(session, ids, {year for _, year in days})
    return [
        _standing(
            runtime, member, today, year, periods[member.id], totals.get((member.id, year), _NONE)
        )
        for member, (today, year) in zip(members, days, strict=True)
    ]


_NONE = YearTotals(0, 0, 0)


def _standing(
    runtime: Runtime,
    member: Member,
    today: dt.date,
    year: int,
    periods: list[Period],
    totals: YearTotals,
) -> GuestStanding:
    rules = runtime.rules_on(today)
    period = held_period(periods, today)
    tier = (rules.tier(period.tier_code) if period else None) or rules.base_tier
    has_status = period is not None and tier.rank > rules.base_tier.rank
    held = HeldTier(
        tier=tier,
        valid_through=period.valid_through if period and has_status else None,
        lifetime=has_status and period is not None and period.valid_through is None,
    )
    lifetime = any(p.valid_through is None for p in periods)
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


# The statements every guest read runs are built once, with bound parameters: built per
# call, each cost its construction and its cache key (a walk of the whole expression) on
# every execution; built once, only the values change.
_YEAR_TOTALS = YEAR_TOTALS.subquery()
_STATUS_AND_TOTALS = (
    select(
        _YEAR_TOTALS.c.nights,
        _YEAR_TOTALS.c.stays,
        _YEAR_TOTALS.c.base_points,
        StatusPeriod.tier_code,
        StatusPeriod.rank,
        StatusPeriod.valid_from,
        StatusPeriod.valid_through,
    )
    .select_from(_YEAR_TOTALS)
    .outerjoin(
        StatusPeriod,
        and_(StatusPeriod.member_id == bindparam("member_id"), StatusPeriod.revoked_at.is_(None)),
    )
    .order_by(StatusPeriod.id)
)


@dataclass(frozen=True, slots=True)
class LedgerEntryView:
    """A ledger entry as a page of the guest's ledger shows it: plain values, not a row the
    session tracks (see ``profile_views.PreferenceView``)."""

    id: int
    kind: str
    points: int
    balance_after: int
    occurred_at: dt.datetime
    effective_on: dt.date
    description: str
    uncollected_points: int


_NEWEST_ENTRIES = (
    select(*(getattr(LedgerEntry, field.name) for field in fields(LedgerEntryView)))
    .where(LedgerEntry.member_id == bindparam("member_id"))
    .order_by(LedgerEntry.id.desc())
    .limit(bindparam("limit"))
)
_ENTRIES_BEFORE = _NEWEST_ENTRIES.where(LedgerEntry.id < bindparam("before_id"))


async def _status_and_totals(
    session: AsyncSession, member_id: int, year: int
) -> tuple[list[Period], YearTotals]:
    """The member's unrevoked status periods, oldest first, and their qualifying totals for
    ``year``, in one statement: the totals are a one-row aggregate, outer-joined to the
    periods (a member who never held status has none). A guest read asks for both every
    time; two statements cost a second round trip and a second pass through the ORM."""
    rows = (await session.execute(_STATUS_AND_TOTALS, {"member_id": member_id, "year": year})).all()
    first = rows[0]
    periods = [
        Period(row.tier_code, row.rank, row.valid_from, row.valid_through)
        for row in rows
        if row.tier_code is not None
    ]
    return periods, YearTotals(int(first.nights), int(first.stays), int(first.base_points))


async def ledger_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[LedgerEntryView]:
    """Newest entries first; one more than asked, so the caller knows if a page follows."""
    values = {"member_id": member_id, "limit": first + 1}
    if before_id is None:
        rows = await session.execute(_NEWEST_ENTRIES, values)
    else:
        rows = await session.execute(_ENTRIES_BEFORE, {**values, "before_id": before_id})
    return [LedgerEntryView(*row) for row in rows]


async def stays_page(
    session: AsyncSession,
    member_id: int,
    *,
    first: int,
    before_id: int | None,
    property_codes: Collection[str] | None = None,
) -> list[tuple[Stay, Property]]:
    """Most recently recorded stays first, with their property, one more than asked; only
    the stays at ``property_codes`` when given (a front desk never sees stays elsewhere)."""
    query = (
        select(Stay, Property)
        .join(Property, Property.id == Stay.property_id)
        .where(Stay.member_id == member_id)
    )
    if property_codes is not None:
        query = query.where(Property.code.in_(sorted(property_codes)))
    rows = await session.execute(newest_first(query, Stay.id, first, before_id))
    return [(stay, hotel) for stay, hotel in rows]


async def tier_history(session: AsyncSession, member_id: int) -> list[StatusPeriod]:
    """Every status the member was granted, revoked ones included, oldest first."""
    return await status_periods(session, member_id, include_revoked=True)


async def certificates_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[Certificate]:
    """Newest certificates first, whatever their status, one more than asked."""
    query = select(Certificate).where(Certificate.member_id == member_id)
    return list(await session.scalars(newest_first(query, Certificate.id, first, before_id)))


async def donations_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[Donation]:
    """Newest donations first, one more than asked."""
    query = select(Donation).where(Donation.member_id == member_id)
    return list(await session.scalars(newest_first(query, Donation.id, first, before_id)))


async def miles_transfers_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[MilesTransfer]:
    """Newest miles transfers first, one more than asked."""
    query = select(MilesTransfer).where(MilesTransfer.member_id == member_id)
    return list(await session.scalars(newest_first(query, MilesTransfer.id, first, before_id)))

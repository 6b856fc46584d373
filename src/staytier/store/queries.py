"""Lookups the services share. Each is one statement; writers lock what they change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    CursorResult,
    Executable,
    Select,
    and_,
    bindparam,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.tiers import StatusPeriod as Period
from staytier.domain.tiers import YearTotals
from staytier.store.models import (
    Credit,
    Member,
    Property,
    QualifyingCredit,
    Referral,
    StatusPeriod,
    Stay,
)


async def rows_changed(session: AsyncSession, statement: Executable) -> int:
    """Runs an UPDATE or DELETE and returns how many rows it changed (its rowcount, which
    only a cursor's result has)."""
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount or 0)


async def member_by_number(
    session: AsyncSession,
    member_number: str,
    *,
    for_update: bool = False,
    follow_merge: bool = True,
) -> Member | None:
    """The member, locked against concurrent writers when ``for_update`` (PostgreSQL).

    The number of a member merged into another names the survivor (``follow_merge``)."""
    query = select(Member).where(Member.member_number == member_number)
    if for_update:
        query = query.with_for_update()
    member: Member | None = await session.scalar(query)
    if member is not None and member.merged_into_id is not None and follow_merge:
        return await surviving_member(session, member, for_update=for_update)
    return member


async def surviving_member(
    session: AsyncSession, member: Member, *, for_update: bool = False
) -> Member | None:
    """The member ``member`` was merged into, or ``member`` itself. A merge re-points
    earlier merges to its survivor, so one step always reaches it."""
    if member.merged_into_id is None:
        return member
    query = select(Member).where(Member.id == member.merged_into_id)
    if for_update:
        query = query.with_for_update()
    survivor: Member | None = await session.scalar(query)
    return survivor


# The statements of the busiest write path are built once. A statement built per call costs
# its construction and its cache key (a walk of the whole expression) on every execution,
# a few hundred Python calls each; a built one keeps its key, and only the values change.
_MEMBER_AND_PROPERTY = (
    select(Member, Property)
    .outerjoin(Property, Property.code == bindparam("code"))
    .where(Member.member_number == bindparam("number"))
    .with_for_update(of=Member)
)
_STAY_BY_CONFIRMATION = (
    select(Stay)
    .where(
        Stay.property_id == bindparam("property_id"),
        Stay.confirmation_number == bindparam("number"),
    )
    .with_for_update()
)
_STATUS_PERIODS = (
    select(StatusPeriod)
    .where(StatusPeriod.member_id == bindparam("member_id"))
    .order_by(StatusPeriod.id)
)
_HELD_STATUS_PERIODS = _STATUS_PERIODS.where(StatusPeriod.revoked_at.is_(None))


async def member_and_property(
    session: AsyncSession, member_number: str, property_code: str
) -> tuple[Member | None, Property | None]:
    """The member, locked against concurrent writers, and a property, in one statement.

    Only the member row is locked. The property is read with the statement's snapshot,
    which on PostgreSQL may predate the wait for that lock; properties are not written
    under a member's lock, so that read is as current as a separate statement's would be.
    """
    found = (
        await session.execute(
            _MEMBER_AND_PROPERTY, {"number": member_number, "code": property_code}
        )
    ).first()
    if found is None:
        return None, None
    member: Member = found[0]
    if member.merged_into_id is not None:  # an old number of a merged member
        return await surviving_member(session, member, for_update=True), found[1]
    return member, found[1]


_PROPERTY_BY_CODE = select(Property).where(Property.code == bindparam("code"))


async def property_by_code(session: AsyncSession, code: str) -> Property | None:
    found: Property | None = await session.scalar(_PROPERTY_BY_CODE, {"code": code})
    return found


async def stay_by_confirmation(
    session: AsyncSession, property_id: int, confirmation_number: str
) -> Stay | None:
    found: Stay | None = await session.scalar(
        _STAY_BY_CONFIRMATION, {"property_id": property_id, "number": confirmation_number}
    )
    return found


_STAY_AND_PROPERTY = (
    select(Stay, Property)
    .join(Property, Property.id == Stay.property_id)
    .where(Stay.id == bindparam("stay_id"))
)


async def stay_and_property(session: AsyncSession, stay_id: int) -> tuple[Stay, Property]:
    """A stay that exists, with its property, in one statement."""
    stay, hotel = (await session.execute(_STAY_AND_PROPERTY, {"stay_id": stay_id})).one()
    return stay, hotel


async def stays_and_properties(
    session: AsyncSession, stay_ids: Collection[int]
) -> dict[int, tuple[Stay, Property]]:
    """Stays by id with their properties, in one statement (none for no ids)."""
    if not stay_ids:
        return {}
    rows = await session.execute(
        select(Stay, Property)
        .join(Property, Property.id == Stay.property_id)
        .where(Stay.id.in_(sorted(stay_ids)))
    )
    return {stay.id: (stay, hotel) for stay, hotel in rows}


_PROPERTY_AND_STAY_OWNER = (
    select(Property, Stay.member_id)
    .outerjoin(
        Stay,
        and_(
            Stay.property_id == Property.id,
            Stay.confirmation_number == bindparam("number"),
        ),
    )
    .where(Property.code == bindparam("code"))
)


async def property_and_stay_owner(
    session: AsyncSession, code: str, confirmation_number: str
) -> tuple[Property | None, int | None]:
    """The property and the member id its stay with this confirmation number belongs to,
    in one statement, without a lock."""
    found = (
        await session.execute(
            _PROPERTY_AND_STAY_OWNER, {"code": code, "number": confirmation_number}
        )
    ).first()
    if found is None:
        return None, None
    return found[0], found[1]


def _year_totals_of(year: str) -> Select[int, int, int]:
    """A member's qualifying totals for the year bound as ``year``: one row, zeros without
    credit."""
    return select(
        func.coalesce(func.sum(QualifyingCredit.nights), 0).label("nights"),
        func.coalesce(func.sum(QualifyingCredit.stays), 0).label("stays"),
        func.coalesce(func.sum(QualifyingCredit.base_points), 0).label("base_points"),
    ).where(
        QualifyingCredit.member_id == bindparam("member_id"),
        QualifyingCredit.year == bindparam(year),
    )


# A member's qualifying totals for a year. Also joined into the guest read's status
# statement (services/guests.py), as a subquery.
YEAR_TOTALS = _year_totals_of("year")


async def year_totals(session: AsyncSession, member_id: int, year: int) -> YearTotals:
    row = (await session.execute(YEAR_TOTALS, {"member_id": member_id, "year": year})).one()
    return YearTotals(nights=int(row[0]), stays=int(row[1]), base_points=int(row[2]))


# Members' held status periods with their totals in some years and the referral they
# enrolled with, for the credits about to be posted: one statement for one member (a stay's
# crediting) or for many (a batch's). Each member is one row per (year with credit, held
# period), or one row of nulls with neither; a friend has one referral at most, so joining it
# adds no rows.
_MEMBER_IDS: BindParameter[int] = bindparam("member_ids", expanding=True)
_TOTALS_BY_YEAR = (
    select(
        QualifyingCredit.member_id,
        QualifyingCredit.year,
        func.sum(QualifyingCredit.nights).label("nights"),
        func.sum(QualifyingCredit.stays).label("stays"),
        func.sum(QualifyingCredit.base_points).label("base_points"),
    )
    .where(
        QualifyingCredit.member_id.in_(_MEMBER_IDS),
        QualifyingCredit.year.in_(bindparam("years", expanding=True)),
    )
    .group_by(QualifyingCredit.member_id, QualifyingCredit.year)
    .subquery("totals")
)
_CREDITING_STATE = (
    select(
        Member.id,
        _TOTALS_BY_YEAR.c.year,
        _TOTALS_BY_YEAR.c.nights,
        _TOTALS_BY_YEAR.c.stays,
        _TOTALS_BY_YEAR.c.base_points,
        StatusPeriod,
        Referral,
    )
    .select_from(Member)
    .outerjoin(_TOTALS_BY_YEAR, _TOTALS_BY_YEAR.c.member_id == Member.id)
    .outerjoin(
        StatusPeriod,
        and_(StatusPeriod.member_id == Member.id, StatusPeriod.revoked_at.is_(None)),
    )
    .outerjoin(Referral, Referral.friend_id == Member.id)
    .where(Member.id.in_(_MEMBER_IDS))
    .order_by(Member.id, StatusPeriod.id)
)


@dataclass
class CreditingState:
    """A member's held status periods, oldest first, as :func:`status_periods` reads them;
    their qualifying totals in some years (zeros without credit); and the referral they
    enrolled with, if any."""

    periods: list[StatusPeriod]
    totals: dict[int, YearTotals]
    referral: Referral | None = None


async def periods_and_year_totals(
    session: AsyncSession, member_id: int, years: Collection[int]
) -> tuple[list[StatusPeriod], dict[int, YearTotals]]:
    """The member's held status periods, oldest first, and their qualifying totals in each
    of ``years``, in one statement. With the member locked, the totals after a credit are
    these plus the credit's own: nothing else writes a member's qualifying rows without that
    lock."""
    found = (await crediting_state_by_member(session, {member_id: years}))[member_id]
    return found.periods, found.totals


async def crediting_state_by_member(
    session: AsyncSession, years: Mapping[int, Collection[int]]
) -> dict[int, CreditingState]:
    """The :class:`CreditingState` of each member of ``years``, in its years, for all of
    them in one statement."""
    found = {
        member_id: CreditingState([], {year: YearTotals() for year in sorted(set(wanted))})
        for member_id, wanted in years.items()
    }
    if not found:
        return found
    every_year = sorted({year for wanted in years.values() for year in wanted})
    rows = await session.execute(
        _CREDITING_STATE, {"member_ids": sorted(found), "years": every_year}
    )
    for member_id, year, nights, stays, base_points, period, referral in rows:
        state = found[member_id]
        if year in state.totals:
            state.totals[year] = YearTotals(int(nights), int(stays), int(base_points))
        if period is not None and period not in state.periods:
            state.periods.append(period)
        state.referral = referral
    return found


async def active_stay_credit(session: AsyncSession, stay_id: int) -> Credit | None:
    """The stay's credit that no reversal has taken back, if any."""
    credits = list(
        await session.scalars(select(Credit).where(Credit.stay_id == stay_id).order_by(Credit.id))
    )
    reversed_ids = {c.reverses_credit_id for c in credits if c.reverses_credit_id is not None}
    active = [c for c in credits if c.kind == "STAY" and c.id not in reversed_ids]
    return active[-1] if active else None


async def status_periods(
    session: AsyncSession, member_id: int, *, include_revoked: bool = False
) -> list[StatusPeriod]:
    query = _STATUS_PERIODS if include_revoked else _HELD_STATUS_PERIODS
    return list(await session.scalars(query, {"member_id": member_id}))


_HELD_PERIODS_BY_MEMBER = (
    select(
        StatusPeriod.member_id,
        StatusPeriod.tier_code,
        StatusPeriod.rank,
        StatusPeriod.valid_from,
        StatusPeriod.valid_through,
    )
    .where(StatusPeriod.member_id.in_(_MEMBER_IDS), StatusPeriod.revoked_at.is_(None))
    .order_by(StatusPeriod.id)
)


async def held_periods_by_member(
    session: AsyncSession, member_ids: Collection[int]
) -> dict[int, list[Period]]:
    """Each member's unrevoked status periods, oldest first, as the tier rules read them:
    four columns of each, read as such, without loading ORM objects."""
    found: dict[int, list[Period]] = defaultdict(list)
    rows = await session.execute(_HELD_PERIODS_BY_MEMBER, {"member_ids": sorted(member_ids)})
    for member_id, tier_code, rank, valid_from, valid_through in rows:
        found[member_id].append(Period(tier_code, rank, valid_from, valid_through))
    return found


async def year_totals_by_member(
    session: AsyncSession, member_ids: Collection[int], years: Collection[int]
) -> dict[tuple[int, int], YearTotals]:
    """Qualifying totals per (member, year) of ``member_ids`` in ``years``; a pair without
    credit is absent (its totals are zero)."""
    rows = await session.execute(
        select(
            QualifyingCredit.member_id,
            QualifyingCredit.year,
            func.sum(QualifyingCredit.nights),
            func.sum(QualifyingCredit.stays),
            func.sum(QualifyingCredit.base_points),
        )
        .where(
            QualifyingCredit.member_id.in_(sorted(member_ids)),
            QualifyingCredit.year.in_(sorted(years)),
        )
        .group_by(QualifyingCredit.member_id, QualifyingCredit.year)
    )
    return {
        (member_id, year): YearTotals(int(nights), int(stays), int(base_points))
        for member_id, year, nights, stays, base_points in rows
    }


def as_periods(rows: list[StatusPeriod]) -> list[Period]:
    return [Period(r.tier_code, r.rank, r.valid_from, r.valid_through) for r in rows]

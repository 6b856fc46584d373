"""What a member sees of pools: the pool they are in, the pools that invited them, and its
seats with what each member contributed (see :mod:`services.sharing`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.sharing import (
    PoolState,
)
from staytier.services.members import member_year
from staytier.services.pool_points import active_membership, pooled_in
from staytier.services.runtime import Runtime
from staytier.services.sharing import OPEN_STATES
from staytier.store.models import (
    Member,
    PointsPool,
    PoolContribution,
    PoolMembership,
)


async def pool_of(session: AsyncSession, member_id: int) -> PointsPool | None:
    """The pool the member is in now."""
    membership = await active_membership(session, member_id)
    return None if membership is None else await session.get(PointsPool, membership.pool_id)


async def invitations_of(session: AsyncSession, member_id: int) -> list[PointsPool]:
    """Open pools that invited the member."""
    return list(
        await session.scalars(
            select(PointsPool)
            .join(PoolMembership, PoolMembership.pool_id == PointsPool.id)
            .where(
                PoolMembership.member_id == member_id,
                PoolMembership.state == PoolState.INVITED.value,
                PointsPool.closed_at.is_(None),
            )
            .order_by(PointsPool.id)
        )
    )


@dataclass(frozen=True)
class PoolSeat:
    member_number: str
    first_name: str
    state: str
    owner: bool
    contributed_points: int


async def seats_of(session: AsyncSession, pool: PointsPool, year: int) -> list[PoolSeat]:
    """The pool's active and invited members with what each contributed in ``year``."""
    totals = await session.execute(
        select(PoolContribution.member_id, func.sum(PoolContribution.points))
        .where(PoolContribution.pool_id == pool.id, PoolContribution.year == year)
        .group_by(PoolContribution.member_id)
    )
    given = {int(member_id): int(points) for member_id, points in totals}
    rows = await session.execute(
        select(PoolMembership.state, Member)
        .join(Member, Member.id == PoolMembership.member_id)
        .where(PoolMembership.pool_id == pool.id, PoolMembership.state.in_(OPEN_STATES))
        .order_by(PoolMembership.id)
    )
    return [
        PoolSeat(
            member_number=member.member_number,
            first_name=member.first_name,
            state=state,
            owner=member.id == pool.owner_member_id,
            contributed_points=int(given.get(member.id, 0)),
        )
        for state, member in rows
    ]


@dataclass(frozen=True)
class PoolView:
    """A pool as its members see it: the owner, the seats, and the qualification year's
    totals and limits (the year and the program as of the owner's today)."""

    pool: PointsPool
    owner_member_number: str
    year: int
    seats: list[PoolSeat]
    pooled_points: int
    max_members: int
    max_points_per_year: int  # 0: no yearly limit


async def view_of(session: AsyncSession, runtime: Runtime, pool: PointsPool) -> PoolView:
    """The pool as its members see it now."""
    owner = await session.get(Member, pool.owner_member_id)
    assert owner is not None
    _, year, rules = member_year(runtime, owner)
    return PoolView(
        pool=pool,
        owner_member_number=owner.member_number,
        year=year,
        seats=await seats_of(session, pool, year),
        pooled_points=await pooled_in(session, pool.id, year),
        max_members=rules.pooling.max_members,
        max_points_per_year=rules.pooling.max_points_per_year,
    )


async def shown_to(
    session: AsyncSession, runtime: Runtime, member_id: int, pool: PointsPool
) -> PoolView | None:
    """The pool as it is now if the member is in it (an owner, or an invitee who joined);
    None otherwise."""
    current = await pool_of(session, member_id)
    if current is None or current.id != pool.id:
        return None
    return await view_of(session, runtime, current)

"""What points pools and transfers between members share: moving points between two locked
members, the member's place in a pool, and what a pool took in a year."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.points import LedgerKind
from staytier.domain.sharing import PoolState
from staytier.services.ledger import move_points, require_points
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, PoolContribution, PoolMembership


async def give_points(
    session: AsyncSession,
    runtime: Runtime,
    giver: Member,
    taker: Member,
    points: int,
    *,
    at: dt.datetime,
    kinds: tuple[LedgerKind, LedgerKind],
    descriptions: tuple[str, str],
) -> tuple[LedgerEntry, LedgerEntry]:
    """Moves ``points`` from one locked member to another (see ``move_points``), the
    entries flushed so their ids can be kept; refused beyond the giver's balance."""
    require_points(giver, points)
    entries = move_points(
        session, runtime.clock, giver, taker, points, at=at, kinds=kinds, descriptions=descriptions
    )
    await session.flush()
    return entries


async def active_membership(session: AsyncSession, member_id: int) -> PoolMembership | None:
    """The member's place in the pool they are in now, if any."""
    membership: PoolMembership | None = await session.scalar(
        select(PoolMembership).where(
            PoolMembership.member_id == member_id,
            PoolMembership.state == PoolState.ACTIVE.value,
        )
    )
    return membership


async def pooled_in(session: AsyncSession, pool_id: int, year: int) -> int:
    """The points contributed to the pool in a qualification year."""
    total = await session.scalar(
        select(func.coalesce(func.sum(PoolContribution.points), 0)).where(
            PoolContribution.pool_id == pool_id, PoolContribution.year == year
        )
    )
    return int(total or 0)

"""Points between members: household pools and transfers, each a pair of ledger entries
(one on each member) written in one transaction under both members' row locks.

A pool is not an account of its own: a contribution moves the points at once from the
contributor (``POOL_OUT``) to the pool's owner (``POOL_IN``), and the owner redeems them
with the ordinary spending mutations. Hilton Honors pools work this way for the guest (only
the owner redeems, contributed points are never handed back, leaving a pool returns
nothing), and keeping every point on some member's ledger keeps the one invariant the
service rests on: each balance equals the sum of its member's ledger, with no third kind of
balance to reconcile, expire or erase. ``pool_contributions`` records what each member put
in, for the pool's yearly limit and the members' view.

Ledger descriptions name no other member (the rows of ``points_transfers`` and
``pool_contributions`` hold who): erasing one member must leave nothing of theirs on
another member's ledger.

Both members' rows are locked, lowest id first (so two opposite transfers cannot wait on
each other), before any balance or yearly total is read: concurrent transfers and
contributions are serialised per member and never overdraw.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.points import LedgerKind
from staytier.domain.sharing import (
    PoolState,
    contribution_refusal,
    join_refusal,
    pooling_offered,
    seat_refusal,
)
from staytier.services.idempotency import FieldsReceipted, run_command_once
from staytier.services.members import locked_members, member_year, other_member
from staytier.services.pool_points import active_membership, give_points, pooled_in
from staytier.services.runtime import Runtime
from staytier.store.models import (
    Member,
    PointsPool,
    PoolContribution,
    PoolMembership,
)

OPEN_STATES = (PoolState.INVITED.value, PoolState.ACTIVE.value)


@dataclass(frozen=True)
class PoolChanged(FieldsReceipted):
    """What a pool use case did: the pool it acted on, as it is after, and the member who
    acted."""

    pool: PointsPool
    member_id: int


@dataclass(frozen=True)
class CreatePool:
    idempotency_key: str
    name: str


@dataclass(frozen=True)
class InviteToPool:
    idempotency_key: str
    member_number: str


@dataclass(frozen=True)
class JoinPool:
    idempotency_key: str
    pool_id: int


@dataclass(frozen=True)
class LeavePool:
    idempotency_key: str


@dataclass(frozen=True)
class ContributeToPool:
    idempotency_key: str
    points: int


async def _not_in_a_pool(session: AsyncSession, member_id: int, field: str | None) -> None:
    if await active_membership(session, member_id) is not None:
        raise BusinessRuleError(
            ErrorCode.ALREADY_IN_POOL, "A member belongs to one pool at a time.", field
        )


async def _joins_in(session: AsyncSession, member_id: int, year: int) -> int:
    count = await session.scalar(
        select(func.count(PoolMembership.id)).where(
            PoolMembership.member_id == member_id, PoolMembership.joined_year == year
        )
    )
    return int(count or 0)


async def _seats_taken(session: AsyncSession, pool_id: int, states: tuple[str, ...]) -> int:
    count = await session.scalar(
        select(func.count(PoolMembership.id)).where(
            PoolMembership.pool_id == pool_id, PoolMembership.state.in_(states)
        )
    )
    return int(count or 0)


async def _owned_pool(session: AsyncSession, owner: Member) -> PointsPool:
    membership = await active_membership(session, owner.id)
    if membership is None:
        raise BusinessRuleError(ErrorCode.POOL_NOT_FOUND, "You are in no points pool.")
    pool = await session.get(PointsPool, membership.pool_id)
    assert pool is not None
    if pool.owner_member_id != owner.id:
        raise BusinessRuleError(ErrorCode.NOT_POOL_OWNER, "Only the pool's owner does this.")
    return pool


async def create_pool(
    runtime: Runtime, command: CreatePool, *, member_id: int, scope: str = ""
) -> PoolChanged:
    """The signed-in member opens a pool and owns it; it counts as one of their joins."""
    name = command.name.strip()
    mistakes = too_long(("name", name, 100))
    if not name:
        mistakes.append(BusinessRuleError(ErrorCode.INVALID_INPUT, "Name the pool.", "name"))
    if mistakes:
        raise InvalidInput(mistakes)

    async def work(session: AsyncSession) -> PoolChanged:
        owner = (await locked_members(session, member_id))[member_id]
        today, year, rules = member_year(runtime, owner)
        pooling_offered(rules.pooling)
        await _not_in_a_pool(session, owner.id, None)
        join_refusal(rules.pooling, await _joins_in(session, owner.id, year), year, None)
        pool = PointsPool(owner_member_id=owner.id, name=name, created_at=runtime.now())
        session.add(pool)
        await session.flush()
        session.add(
            PoolMembership(
                pool_id=pool.id,
                member_id=owner.id,
                state=PoolState.ACTIVE.value,
                invited_at=runtime.now(),
                joined_on=today,
                joined_year=year,
            )
        )
        await session.flush()
        return PoolChanged(pool, owner.id)

    return await run_command_once(
        runtime, PoolChanged, "createPointsPool", command, work, scope=scope
    )


async def invite_to_pool(
    runtime: Runtime, command: InviteToPool, *, member_id: int, scope: str = ""
) -> PoolChanged:
    """The owner invites a member by number; the seat is held until they join or the
    owner's pool closes."""

    async def work(session: AsyncSession) -> PoolChanged:
        owner = (await locked_members(session, member_id))[member_id]
        _, _, rules = member_year(runtime, owner)
        pooling_offered(rules.pooling)
        pool = await _owned_pool(session, owner)
        invitee = await other_member(session, command.member_number, "memberNumber")
        already = await session.scalar(
            select(PoolMembership.id).where(
                PoolMembership.pool_id == pool.id,
                PoolMembership.member_id == invitee.id,
                PoolMembership.state.in_(OPEN_STATES),
            )
        )
        if already is not None:
            raise BusinessRuleError(
                ErrorCode.ALREADY_IN_POOL,
                f"Member {invitee.member_number} is already in or invited to this pool.",
                "memberNumber",
            )
        seat_refusal(
            rules.pooling, await _seats_taken(session, pool.id, OPEN_STATES), "memberNumber"
        )
        session.add(
            PoolMembership(
                pool_id=pool.id,
                member_id=invitee.id,
                state=PoolState.INVITED.value,
                invited_at=runtime.now(),
            )
        )
        await session.flush()
        return PoolChanged(pool, owner.id)

    return await run_command_once(
        runtime, PoolChanged, "inviteToPointsPool", command, work, scope=scope
    )


async def join_pool(
    runtime: Runtime, command: JoinPool, *, member_id: int, scope: str = ""
) -> PoolChanged:
    """The signed-in member accepts an invitation: one pool at a time, and as many joins
    a year as the program allows."""

    async def work(session: AsyncSession) -> PoolChanged:
        pool = await session.get(PointsPool, command.pool_id)
        invitation = await session.scalar(
            select(PoolMembership).where(
                PoolMembership.pool_id == command.pool_id,
                PoolMembership.member_id == member_id,
                PoolMembership.state == PoolState.INVITED.value,
            )
        )
        if pool is None or pool.closed_at is not None or invitation is None:
            raise BusinessRuleError(
                ErrorCode.POOL_NOT_FOUND, "No open invitation to this pool.", "poolId"
            )
        # The owner's lock serialises joins to one pool; the member's, joins by one member.
        member = (await locked_members(session, member_id, pool.owner_member_id))[member_id]
        today, year, rules = member_year(runtime, member)
        pooling_offered(rules.pooling)
        await _not_in_a_pool(session, member.id, "poolId")
        join_refusal(rules.pooling, await _joins_in(session, member.id, year), year, "poolId")
        active = (PoolState.ACTIVE.value,)
        seat_refusal(rules.pooling, await _seats_taken(session, pool.id, active), "poolId")
        invitation.state = PoolState.ACTIVE.value
        invitation.joined_on = today
        invitation.joined_year = year
        await session.flush()
        return PoolChanged(pool, member.id)

    return await run_command_once(
        runtime, PoolChanged, "joinPointsPool", command, work, scope=scope
    )


async def leave_pool(
    runtime: Runtime, command: LeavePool, *, member_id: int, scope: str = ""
) -> PoolChanged:
    """The member leaves their pool; when the owner leaves, the pool closes. Points already
    contributed stay with the owner."""

    async def work(session: AsyncSession) -> PoolChanged:
        member = (await locked_members(session, member_id))[member_id]
        membership = await active_membership(session, member.id)
        if membership is None:
            raise BusinessRuleError(ErrorCode.POOL_NOT_FOUND, "You are in no points pool.")
        pool = await session.get(PointsPool, membership.pool_id)
        assert pool is not None
        await end_memberships(session, runtime, pool, member)
        return PoolChanged(pool, member.id)

    return await run_command_once(
        runtime, PoolChanged, "leavePointsPool", command, work, scope=scope
    )


async def end_memberships(
    session: AsyncSession, runtime: Runtime, pool: PointsPool, member: Member
) -> None:
    """``member`` leaves ``pool``; if they own it, it closes and every seat in it ends."""
    now = runtime.now()
    query = update(PoolMembership).where(
        PoolMembership.pool_id == pool.id, PoolMembership.state.in_(OPEN_STATES)
    )
    if pool.owner_member_id == member.id:
        pool.closed_at = now
    else:
        query = query.where(PoolMembership.member_id == member.id)
    await session.execute(
        query.values(state=PoolState.LEFT.value, left_at=now),
        execution_options={"synchronize_session": False},
    )
    await session.flush()


async def contribute_to_pool(
    runtime: Runtime, command: ContributeToPool, *, member_id: int, scope: str = ""
) -> PoolChanged:
    """Moves the member's points to their pool's owner: POOL_OUT and POOL_IN, within the
    pool's yearly limit and the member's balance."""

    async def work(session: AsyncSession) -> PoolChanged:
        membership = await active_membership(session, member_id)
        if membership is None:
            raise BusinessRuleError(ErrorCode.POOL_NOT_FOUND, "You are in no points pool.")
        pool = await session.get(PointsPool, membership.pool_id)
        assert pool is not None
        if pool.owner_member_id == member_id:
            raise BusinessRuleError(
                ErrorCode.INVALID_INPUT,
                "The owner's own points are already the pool's to redeem.",
                "points",
            )
        members = await locked_members(session, member_id, pool.owner_member_id)
        member, owner = members[member_id], members[pool.owner_member_id]
        # Re-read under the locks: the member may have left while we waited.
        await session.refresh(pool)
        if await active_membership(session, member_id) is None or pool.closed_at is not None:
            raise BusinessRuleError(ErrorCode.POOL_NOT_FOUND, "You are in no points pool.")
        _, year, rules = member_year(runtime, member)
        contribution_refusal(rules.pooling, command.points, await pooled_in(session, pool.id, year))
        now = runtime.now()
        out, into = await give_points(
            session,
            runtime,
            member,
            owner,
            command.points,
            at=now,
            kinds=(LedgerKind.POOL_OUT, LedgerKind.POOL_IN),
            descriptions=(
                "Contributed to your points pool",
                "Pooled by a member of your points pool",
            ),
        )
        session.add(
            PoolContribution(
                pool_id=pool.id,
                member_id=member.id,
                owner_member_id=owner.id,
                points=command.points,
                year=year,
                out_entry_id=out.id,
                in_entry_id=into.id,
                created_at=now,
            )
        )
        await session.flush()
        return PoolChanged(pool, member.id)

    return await run_command_once(
        runtime, PoolChanged, "contributeToPointsPool", command, work, scope=scope
    )

"""Reading the outbox: a guest's partner requests, and the operators' view of the queue."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.outbox import RequestState
from staytier.services.paging import newest_first
from staytier.store.models import Member, PartnerRequest


async def member_requests_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[PartnerRequest]:
    """A member's partner requests, newest first; one more than asked, so the caller
    knows if a page follows."""
    query = select(PartnerRequest).where(PartnerRequest.member_id == member_id)
    return list(await session.scalars(newest_first(query, PartnerRequest.id, first, before_id)))


async def outbox_page(
    session: AsyncSession,
    *,
    states: Sequence[RequestState],
    partner: str | None,
    first: int,
    after_id: int | None,
) -> list[tuple[PartnerRequest, str | None]]:
    """Requests in ``states`` (all when empty), oldest first as the queue runs, each with
    its member number; one more than asked."""
    query = select(PartnerRequest, Member.member_number).outerjoin(
        Member, Member.id == PartnerRequest.member_id
    )
    if states:
        query = query.where(PartnerRequest.state.in_([state.value for state in states]))
    if partner is not None:
        query = query.where(PartnerRequest.partner == partner)
    if after_id is not None:
        query = query.where(PartnerRequest.id > after_id)
    rows = await session.execute(query.order_by(PartnerRequest.id).limit(first + 1))
    return [(request, number) for request, number in rows]


async def state_counts(
    session: AsyncSession, partner: str | None = None
) -> dict[RequestState, int]:
    """How many requests are in each state (every state listed, zero included)."""
    query = select(PartnerRequest.state, func.count()).group_by(PartnerRequest.state)
    if partner is not None:
        query = query.where(PartnerRequest.partner == partner)
    found = {RequestState(state): count for state, count in await session.execute(query)}
    return {state: found.get(state, 0) for state in RequestState}

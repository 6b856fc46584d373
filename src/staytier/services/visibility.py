"""Which members a principal may see: the one rule every path to a guest goes through.

- admin: every member;
- front desk: members with a stay (of any status) at one of its properties;
- booking partner: members it enrolled or credited (:func:`remember_partner`);
- guest: themselves;
- analyst, anonymous: nobody (aggregates only).

Erased members are visible to nobody: their member number no longer resolves.
A member out of sight is answered exactly like an unknown one.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.access import Principal, Role
from staytier.services.runtime import Runtime
from staytier.store.models import Member, MemberPartner, Property, Stay


def visible_members(principal: Principal) -> ColumnElement[bool]:
    """A condition on ``Member`` that holds for the members ``principal`` may see; searches
    and lists add it to their query, so they never return anyone out of sight."""
    live = Member.erased_at.is_(None)
    if principal.role is Role.ADMIN:
        return and_(live, true())
    if principal.role is Role.GUEST and principal.member_id is not None:
        return and_(live, Member.id == principal.member_id)
    if principal.role is Role.FRONT_DESK and principal.property_codes:
        stayed_here = exists(
            select(Stay.id)
            .join(Property, Property.id == Stay.property_id)
            .where(Stay.member_id == Member.id, Property.code.in_(principal.property_codes))
        )
        return and_(live, stayed_here)
    if principal.role is Role.BOOKING_PARTNER and principal.partner_code:
        known = exists(
            select(MemberPartner.id).where(
                MemberPartner.member_id == Member.id,
                MemberPartner.partner_code == principal.partner_code,
            )
        )
        return and_(live, known)
    return false()


async def can_see_member(session: AsyncSession, principal: Principal, member_id: int) -> bool:
    """Whether ``principal`` may see member ``member_id`` at all (see the module rules)."""
    if principal.role is Role.GUEST:
        if principal.member_id != member_id:
            return False
    elif principal.role not in (Role.ADMIN, Role.FRONT_DESK, Role.BOOKING_PARTNER):
        return False
    found = await session.scalar(
        select(Member.id).where(Member.id == member_id, visible_members(principal))
    )
    return found is not None


async def visible_member(
    session: AsyncSession,
    principal: Principal,
    *,
    member_id: int | None = None,
    member_number: str | None = None,
) -> Member | None:
    """The member with this id or number if ``principal`` may see them; ``None`` otherwise,
    the same answer as for a member nobody holds. One statement: the lookup carries the
    visibility condition, instead of a lookup and then :func:`can_see_member`."""
    query = select(Member).where(visible_members(principal))
    if member_id is not None:
        query = query.where(Member.id == member_id)
    if member_number is not None:
        query = query.where(Member.member_number == member_number)
    found: Member | None = await session.scalar(query)
    return found


async def remember_partner(runtime: Runtime, principal: Principal, member_id: int) -> None:
    """Records that a booking partner enrolled or credited a member, so it may read their
    tier and points from now on. Does nothing for other roles or a partner already known."""
    if principal.role is not Role.BOOKING_PARTNER or not principal.partner_code:
        return
    await partner_knows(runtime, principal.partner_code, member_id)


async def partner_knows(runtime: Runtime, partner_code: str, member_id: int) -> None:
    """Records that the partner ``partner_code`` credited a member (through its API key or
    its webhooks): its booking-partner key may read their tier and points from now on."""
    try:
        async with runtime.db.transaction() as session:
            known = await session.scalar(
                select(MemberPartner.id).where(
                    MemberPartner.member_id == member_id,
                    MemberPartner.partner_code == partner_code,
                )
            )
            if known is None:
                session.add(
                    MemberPartner(
                        partner_code=partner_code,
                        member_id=member_id,
                        first_seen_at=runtime.now(),
                    )
                )
    except IntegrityError:
        pass  # the same partner's concurrent request recorded it first

"""Which members a principal may see: the one rule every path to a guest goes through.

Serving is not owning. A property or a booking partner sees a member only around the stays
it legitimately serves, for the program's serving window (``[versions.serving]``: from
``days_before_arrival`` before the arrival date to ``days_after_departure`` after the
departure date, counted in the service's UTC days):

- admin: every member;
- front desk: members with a ``BOOKED``, ``IN_HOUSE`` or ``COMPLETED`` stay at one of its
  properties whose window holds today (a cancelled booking or a no-show serves nobody);
- booking partner: members with such a stay that it booked (``stays.booking_partner``),
  and a member it enrolled, for ``days_after_departure`` days after the enrollment
  (:func:`remember_partner`);
- guest: themselves;
- analyst, anonymous: nobody (aggregates only).

What each sees of a member it may see is decided per field (``api/graphql/permissions.py``
and :func:`served_stays`): never contact details, other properties' notes or stays
elsewhere. Seeing a member grants nothing else: spending and changing their stays have
their own rules. Erased members are visible to nobody: their member number no longer
resolves. A member out of sight is answered exactly like an unknown one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.access import Principal, Role
from staytier.domain.stays import StayStatus
from staytier.program.model import ServingRules
from staytier.services.runtime import Runtime
from staytier.store.models import Member, MemberPartner, Property, Stay

# A stay in one of these states serves its guest; a cancelled booking or a no-show does not.
SERVING_STATUSES = (StayStatus.BOOKED.value, StayStatus.IN_HOUSE.value, StayStatus.COMPLETED.value)


def serving_rules(runtime: Runtime) -> ServingRules:
    """The serving window of the program version in force today."""
    return runtime.rules_on(runtime.today()).serving


def serving_stay(runtime: Runtime) -> ColumnElement[bool]:
    """A condition on ``Stay``: it serves its guest today (status and window)."""
    rules, today = serving_rules(runtime), runtime.today()
    return and_(
        Stay.status.in_(SERVING_STATUSES),
        Stay.arrival_date <= today + dt.timedelta(days=rules.days_before_arrival),
        Stay.departure_date >= today - dt.timedelta(days=rules.days_after_departure),
    )


def _served_at(runtime: Runtime, property_codes: Iterable[str]) -> ColumnElement[bool]:
    return exists(
        select(Stay.id)
        .join(Property, Property.id == Stay.property_id)
        .where(
            Stay.member_id == Member.id,
            Property.code.in_(sorted(property_codes)),
            serving_stay(runtime),
        )
    )


def _served_by_partner(runtime: Runtime, partner_code: str) -> ColumnElement[bool]:
    booked = exists(
        select(Stay.id).where(
            Stay.member_id == Member.id,
            Stay.booking_partner == partner_code,
            serving_stay(runtime),
        )
    )
    since = runtime.now() - dt.timedelta(days=serving_rules(runtime).days_after_departure)
    enrolled = exists(
        select(MemberPartner.id).where(
            MemberPartner.member_id == Member.id,
            MemberPartner.partner_code == partner_code,
            MemberPartner.first_seen_at >= since,
        )
    )
    return or_(booked, enrolled)


def visible_members(runtime: Runtime, principal: Principal) -> ColumnElement[bool]:
    """A condition on ``Member`` that holds for the members ``principal`` may see today;
    searches and lists add it to their query, so they never return anyone out of sight."""
    live = Member.erased_at.is_(None)
    if principal.role is Role.ADMIN:
        return and_(live, true())
    if principal.role is Role.GUEST and principal.member_id is not None:
        return and_(live, Member.id == principal.member_id)
    if principal.role is Role.FRONT_DESK and principal.property_codes:
        return and_(live, _served_at(runtime, principal.property_codes))
    if principal.role is Role.BOOKING_PARTNER and principal.partner_code:
        return and_(live, _served_by_partner(runtime, principal.partner_code))
    return false()


async def can_see_member(
    session: AsyncSession, runtime: Runtime, principal: Principal, member_id: int
) -> bool:
    """Whether ``principal`` may see member ``member_id`` at all (see the module rules)."""
    if principal.role is Role.GUEST:
        if principal.member_id != member_id:
            return False
    elif principal.role not in (Role.ADMIN, Role.FRONT_DESK, Role.BOOKING_PARTNER):
        return False
    found = await session.scalar(
        select(Member.id).where(Member.id == member_id, visible_members(runtime, principal))
    )
    return found is not None


async def visible_member(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    *,
    member_id: int | None = None,
    member_number: str | None = None,
) -> Member | None:
    """The member with this id or number if ``principal`` may see them; ``None`` otherwise,
    the same answer as for a member nobody holds. One statement: the lookup carries the
    visibility condition, instead of a lookup and then :func:`can_see_member`."""
    query = select(Member).where(visible_members(runtime, principal))
    if member_id is not None:
        query = query.where(Member.id == member_id)
    if member_number is not None:
        # The old number of a merged member names the member it was merged into.
        merged = select(Member.merged_into_id).where(Member.member_number == member_number)
        query = query.where(
            or_(
                Member.member_number == member_number,
                Member.id == merged.scalar_subquery(),
            )
        ).order_by(Member.merged_into_id.is_not(None))
    found: Member | None = await session.scalar(query)
    return found


async def served_stays(
    session: AsyncSession,
    runtime: Runtime,
    member_ids: Collection[int],
    property_codes: Iterable[str],
) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """The (arrival, departure) of each stay of each member that one of ``property_codes``
    serves today, in one statement: what a front desk's view of the guests' special dates
    is bounded by."""
    found: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    rows = await session.execute(
        select(Stay.member_id, Stay.arrival_date, Stay.departure_date)
        .join(Property, Property.id == Stay.property_id)
        .where(
            Stay.member_id.in_(sorted(member_ids)),
            Property.code.in_(sorted(property_codes)),
            serving_stay(runtime),
        )
    )
    for member_id, arrival, departure in rows:
        found[member_id].append((arrival, departure))
    return found


async def remember_partner(runtime: Runtime, principal: Principal, member_id: int) -> None:
    """Records that a booking partner enrolled a member, so it sees them for the serving
    window from now. Does nothing for other roles or a partner already known."""
    if principal.role is not Role.BOOKING_PARTNER or not principal.partner_code:
        return
    await partner_enrolled(runtime, principal.partner_code, member_id)


async def partner_enrolled(runtime: Runtime, partner_code: str, member_id: int) -> None:
    """Records that the partner ``partner_code`` enrolled a member (see
    :func:`remember_partner`)."""
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

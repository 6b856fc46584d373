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
from collections.abc import Collection, Iterable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    true,
)
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


# The values the visibility conditions compare with, named as their bound parameters.
SERVE_UNTIL, SERVE_FROM, ENROLLED_SINCE = "visible_until", "visible_from", "visible_since"
VIEWER_ID, VIEWER_CODES, VIEWER_PARTNER = "visible_member", "visible_codes", "visible_partner"


class _Values:
    """The bound parameters of one visibility condition: holding their values, for a
    condition built into a statement of the moment (``values`` given), or empty, for a
    statement built once and given its values as it runs (:func:`visible_member`)."""

    def __init__(self, values: Mapping[str, Any] | None) -> None:
        self.values = values

    def __call__(self, name: str, *, expanding: bool = False) -> BindParameter[Any]:
        if self.values is None:
            return bindparam(name, expanding=expanding)
        # Unique: a statement may hold the condition twice, or a parameter of that name.
        return bindparam(name, self.values[name], expanding=expanding, unique=True)


def _window(runtime: Runtime) -> dict[str, Any]:
    rules, today = serving_rules(runtime), runtime.today()
    return {
        SERVE_UNTIL: today + dt.timedelta(days=rules.days_before_arrival),
        SERVE_FROM: today - dt.timedelta(days=rules.days_after_departure),
    }


def _serving(value: _Values) -> ColumnElement[bool]:
    return and_(
        Stay.status.in_(SERVING_STATUSES),
        Stay.arrival_date <= value(SERVE_UNTIL),
        Stay.departure_date >= value(SERVE_FROM),
    )


def serving_stay(runtime: Runtime) -> ColumnElement[bool]:
    """A condition on ``Stay``: it serves its guest today (status and window)."""
    return _serving(_Values(_window(runtime)))


def serving_stay_bound() -> ColumnElement[bool]:
    """:func:`serving_stay` for a statement built once: give it :func:`serving_window`'s
    values as it runs."""
    return _serving(_Values(None))


def serving_window(runtime: Runtime) -> dict[str, Any]:
    """The values of :func:`serving_stay_bound` today."""
    return _window(runtime)


def _visibility(role: Role | None, value: _Values) -> ColumnElement[bool]:
    """The condition on ``Member`` for a principal of ``role`` (see the module's rules),
    its values the parameters of :func:`_viewer_values`."""
    live = Member.erased_at.is_(None)
    if role is Role.ADMIN:
        return and_(live, true())
    if role is Role.GUEST:
        return and_(live, Member.id == value(VIEWER_ID))
    if role is Role.FRONT_DESK:
        served_at = exists(
            select(Stay.id)
            .join(Property, Property.id == Stay.property_id)
            .where(
                Stay.member_id == Member.id,
                Property.code.in_(value(VIEWER_CODES, expanding=True)),
                _serving(value),
            )
        )
        return and_(live, served_at)
    if role is Role.BOOKING_PARTNER:
        booked = exists(
            select(Stay.id).where(
                Stay.member_id == Member.id,
                Stay.booking_partner == value(VIEWER_PARTNER),
                _serving(value),
            )
        )
        enrolled = exists(
            select(MemberPartner.id).where(
                MemberPartner.member_id == Member.id,
                MemberPartner.partner_code == value(VIEWER_PARTNER),
                MemberPartner.first_seen_at >= value(ENROLLED_SINCE),
            )
        )
        return and_(live, or_(booked, enrolled))
    return false()


def _viewer_values(runtime: Runtime, principal: Principal) -> dict[str, Any] | None:
    """The values of the visibility condition of ``principal``; ``None`` when it sees
    nobody (an analyst, or a key missing what its role is scoped by)."""
    role = principal.role
    if role is Role.ADMIN:
        return {}
    if role is Role.GUEST and principal.member_id is not None:
        return {VIEWER_ID: principal.member_id}
    if role is Role.FRONT_DESK and principal.property_codes:
        return {VIEWER_CODES: sorted(principal.property_codes), **_window(runtime)}
    if role is Role.BOOKING_PARTNER and principal.partner_code:
        since = runtime.now() - dt.timedelta(days=serving_rules(runtime).days_after_departure)
        return {VIEWER_PARTNER: principal.partner_code, ENROLLED_SINCE: since, **_window(runtime)}
    return None


def visible_members(runtime: Runtime, principal: Principal) -> ColumnElement[bool]:
    """A condition on ``Member`` that holds for the members ``principal`` may see today;
    searches and lists add it to their query, so they never return anyone out of sight."""
    values = _viewer_values(runtime, principal)
    if values is None:
        return false()
    return _visibility(principal.role, _Values(values))


@cache
def _lookup(role: Role, by: str, what: str) -> Select[Any]:
    """The statement of :func:`visible_member` (``what`` "member") or :func:`can_see_member`
    ("id") for ``role``, by member id or number: built once, its values bound as it runs.
    Building it and working out its cache key on every request cost more Python than the
    rest of a guest lookup."""
    query = select(Member if what == "member" else Member.id).where(
        _visibility(role, _Values(None))
    )
    if by == "id":
        return query.where(Member.id == bindparam("lookup_id"))
    # The old number of a merged member names the member it was merged into.
    number: BindParameter[str] = bindparam("lookup_number")
    merged = select(Member.merged_into_id).where(Member.member_number == number)
    return query.where(
        or_(Member.member_number == number, Member.id == merged.scalar_subquery())
    ).order_by(Member.merged_into_id.is_not(None))


async def can_see_member(
    session: AsyncSession, runtime: Runtime, principal: Principal, member_id: int
) -> bool:
    """Whether ``principal`` may see member ``member_id`` at all (see the module rules)."""
    if principal.role is Role.GUEST:
        if principal.member_id != member_id:
            return False
    elif principal.role not in (Role.ADMIN, Role.FRONT_DESK, Role.BOOKING_PARTNER):
        return False
    values = _viewer_values(runtime, principal)
    if values is None or principal.role is None:
        return False
    query = _lookup(principal.role, "id", "id")
    found = await session.scalar(query, {**values, "lookup_id": member_id})
    return found is not None


async def visible_member(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    *,
    member_id: int | None = None,
    member_number: str | None = None,
) -> Member | None:
    """The member with this id or number (exactly one of them) if ``principal`` may see
    them; ``None`` otherwise, the same answer as for a member nobody holds. One statement:
    the lookup carries the visibility condition, instead of a lookup and then
    :func:`can_see_member`; none for a principal who sees nobody."""
    assert (member_id is None) != (member_number is None), "one of member_id, member_number"
    values = _viewer_values(runtime, principal)
    if values is None or principal.role is None:
        return None
    if member_id is not None:
        query, values = _lookup(principal.role, "id", "member"), {**values, "lookup_id": member_id}
    else:
        query = _lookup(principal.role, "number", "member")
        values = {**values, "lookup_number": member_number}
    found: Member | None = await session.scalar(query, values)
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

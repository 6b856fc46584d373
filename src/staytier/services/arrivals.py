"""Tonight's arrivals at a property: the busiest read of the service.

A page of arrivals is read with a fixed set of statements whatever its size: the property,
the page of booked stays with their members, then one set-based query each for status,
preferences, special dates, staff notes, earlier stays at the property and open or recent
complaints, all keyed by the page's member ids. Privileges come from the one benefits engine
(:func:`staytier.domain.benefits.benefits_for`) for the tier held on the arrival date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.benefits import GrantedBenefit, benefits_for
from staytier.domain.complaints import recent_cutoff
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import StayStatus
from staytier.domain.tiers import held_period
from staytier.program.engagement import ComplaintRules
from staytier.program.model import Tier
from staytier.services.profile_views import (
    PreferenceView,
    latest_staff_notes,
    preferences_by_member,
    special_dates_by_member,
)
from staytier.services.runtime import Runtime
from staytier.services.visibility import serving_stay_bound, serving_window
from staytier.store.models import (
    Complaint,
    Member,
    Property,
    SpecialDate,
    StaffNote,
    Stay,
)
from staytier.store.queries import held_periods_by_member, property_by_code

# Staff notes shown per arrival: the newest; the guest's page has them all.
NOTES_PER_ARRIVAL = 5
# Earlier stays that make a guest known at a property.
VISITED = (StayStatus.COMPLETED.value, StayStatus.IN_HOUSE.value)


@dataclass(frozen=True, slots=True)
class ArrivingStay:
    """A booked stay as a page of arrivals shows it: plain values, not a row the session
    tracks (a page holds hundreds of rows; see ``profile_views.PreferenceView``)."""

    id: int
    member_id: int
    confirmation_number: str
    status: str
    arrival_date: dt.date
    departure_date: dt.date
    rate_code: str
    room_type: str | None
    floor: int | None
    currency: str
    room_revenue: Decimal
    food_and_beverage_revenue: Decimal
    other_revenue: Decimal


@dataclass(frozen=True, slots=True)
class ArrivingGuest:
    """What an arrival shows of its member."""

    id: int
    member_number: str
    first_name: str
    last_name: str
    language: str


_STAY_COLUMNS = tuple(getattr(Stay, field.name) for field in fields(ArrivingStay))
_GUEST_COLUMNS = tuple(getattr(Member, field.name) for field in fields(ArrivingGuest))


@dataclass(frozen=True)
class ArrivalsPage:
    """The property and its arrivals on the page, one more than asked."""

    hotel: Property
    arrivals: list[Arrival]


@dataclass(frozen=True)
class Arrival:
    """One guest arriving, with what the front desk applies and remembers."""

    stay: ArrivingStay
    member: ArrivingGuest
    tier: Tier
    tier_valid_through: dt.date | None
    lifetime: bool
    privileges: list[GrantedBenefit]
    preferences: list[PreferenceView]
    special_dates: list[SpecialDate]
    staff_notes: list[StaffNote]
    earlier_stays_here: int
    complaints: list[ArrivalComplaint]

    @property
    def first_stay_here(self) -> bool:
        return self.earlier_stays_here == 0


async def arrivals_page(
    runtime: Runtime,
    property_code: str,
    day: dt.date,
    *,
    first: int,
    after_id: int | None,
    serving_window: bool = True,
) -> ArrivalsPage:
    """Booked stays arriving at ``property_code`` on ``day``, one more than ``first``. With
    ``serving_window`` (every reader but the brand's operators), only those inside the
    program's serving window today: a booking far ahead shows its guest no earlier than any
    other read would (see ``services.visibility``)."""
    async with runtime.db.reading() as session:
        hotel = await property_by_code(session, property_code)
        if hotel is None:
            raise BusinessRuleError(
                ErrorCode.PROPERTY_NOT_FOUND, f"No property {property_code}.", "propertyCode"
            )
        page = await _booked(
            session, runtime, hotel, day, first=first, after_id=after_id, serving=serving_window
        )
        if not page:
            return ArrivalsPage(hotel, [])
        ids = {member.id for _, member in page}
        status = await held_periods_by_member(session, ids)
        preferences = await preferences_by_member(session, ids, runtime.catalog)
        dates = await special_dates_by_member(session, ids)
        # The property's own notes: never another property's.
        notes = await latest_staff_notes(
            session, ids, NOTES_PER_ARRIVAL, property_codes=[property_code]
        )
        earlier = await _earlier_stays(session, hotel, ids, day)
        rules = runtime.rules_on(day)
        complaints = await complaints_on_arrival(session, rules.complaints, ids, day)
    # Every guest of a tier gets the same privileges: worked out once per tier on the page.
    privileges: dict[str, list[GrantedBenefit]] = {}
    arrivals = []
    for stay, member in page:
        period = held_period(status[member.id], day)
        tier = (rules.tier(period.tier_code) if period else None) or rules.base_tier
        has_status = period is not None and tier.rank > rules.base_tier.rank
        if tier.code not in privileges:
            privileges[tier.code] = benefits_for(rules, tier.code)
        arrivals.append(
            Arrival(
                stay=stay,
                member=member,
                tier=tier,
                tier_valid_through=period.valid_through if period and has_status else None,
                lifetime=has_status and period is not None and period.valid_through is None,
                privileges=privileges[tier.code],
                preferences=preferences[member.id],
                special_dates=dates[member.id],
                staff_notes=notes[member.id],
                earlier_stays_here=earlier.get(member.id, 0),
                complaints=complaints.get(member.id, []),
            )
        )
    return ArrivalsPage(hotel, arrivals)


async def _booked(
    session: AsyncSession,
    runtime: Runtime,
    hotel: Property,
    day: dt.date,
    *,
    first: int,
    after_id: int | None,
    serving: bool,
) -> list[tuple[ArrivingStay, ArrivingGuest]]:
    """The page of booked stays arriving on ``day``, with their members, by stay id."""
    values: dict[str, Any] = {"property_id": hotel.id, "day": day, "limit": first + 1}
    if serving:
        values.update(serving_window(runtime))
    if after_id is not None:
        values["after_id"] = after_id
    rows = await session.execute(_booked_statement(serving, after_id is not None), values)
    cut = len(_STAY_COLUMNS)
    return [(ArrivingStay(*row[:cut]), ArrivingGuest(*row[cut:])) for row in rows]


@cache
def _booked_statement(serving: bool, after: bool) -> Select[Any]:
    """The statement of :func:`_booked`, built once for each way it is asked: building it
    and working out its cache key for every page cost more Python than reading the page."""
    query = (
        select(*_STAY_COLUMNS, *_GUEST_COLUMNS)
        .join(Member, Member.id == Stay.member_id)
        .where(
            Stay.property_id == bindparam("property_id"),
            Stay.arrival_date == bindparam("day"),
            Stay.status == StayStatus.BOOKED.value,
            serving_stay_bound() if serving else true(),
        )
    )
    if after:
        query = query.where(Stay.id > bindparam("after_id"))
    return query.order_by(Stay.id).limit(bindparam("limit"))


_MEMBER_IDS: BindParameter[int] = bindparam("member_ids", expanding=True)
_EARLIER_STAYS = (
    select(Stay.member_id, func.count())
    .where(
        Stay.property_id == bindparam("property_id"),
        Stay.member_id.in_(_MEMBER_IDS),
        Stay.status.in_(VISITED),
        Stay.arrival_date < bindparam("day"),
    )
    .group_by(Stay.member_id)
)


async def _earlier_stays(
    session: AsyncSession, hotel: Property, member_ids: set[int], day: dt.date
) -> dict[int, int]:
    """Stays each member began at the property before ``day`` (completed or in house)."""
    values = {"property_id": hotel.id, "member_ids": sorted(member_ids), "day": day}
    rows = await session.execute(_EARLIER_STAYS, values)
    return {member_id: int(count) for member_id, count in rows}


@dataclass(frozen=True)
class ArrivalComplaint:
    """What an arrival shows of a complaint: its category, and whether it is still open."""

    category: str
    open: bool


_COMPLAINTS_ON_ARRIVAL = (
    select(Complaint.member_id, Complaint.category, Complaint.resolved_at)
    .where(
        Complaint.member_id.in_(_MEMBER_IDS),
        or_(Complaint.resolved_at.is_(None), Complaint.resolved_at >= bindparam("cutoff")),
    )
    .order_by(Complaint.id)
)


async def complaints_on_arrival(
    session: AsyncSession, rules: ComplaintRules, member_ids: set[int], arrival: dt.date
) -> dict[int, list[ArrivalComplaint]]:
    """Each member's open complaints and those resolved within ``recent_days`` before
    ``arrival``, oldest first: one statement for the page."""
    cutoff = dt.datetime.combine(recent_cutoff(rules, arrival), dt.time(), dt.UTC)
    values = {"member_ids": sorted(member_ids), "cutoff": cutoff}
    rows = await session.execute(_COMPLAINTS_ON_ARRIVAL, values)
    found: dict[int, list[ArrivalComplaint]] = defaultdict(list)
    for member_id, category, resolved_at in rows:
        found[member_id].append(ArrivalComplaint(category=category, open=resolved_at is None))
    return found

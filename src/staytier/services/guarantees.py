"""Room guarantees: a member of an eligible tier asks, at least the program's window
before arrival at the property (its time zone), and the request goes to the property's
system through the outbox. HONOURED books the stay; DECLINED (or no answer at all)
compensates the guest per the program and stays on record against the property."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.awards import guarantee_compensation_points, guarantee_deadline
from staytier.domain.benefits import ROOM_GUARANTEE, listed_benefit
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import StayStatus
from staytier.services import outbox
from staytier.services.benefit_usage import granted_benefit, record_usage, tier_held_today
from staytier.services.idempotency import Result, run_command_once
from staytier.services.ledger import post_bonus
from staytier.services.paging import newest_first
from staytier.services.runtime import Runtime
from staytier.services.stays import member_and_property_or_refuse
from staytier.store.models import LedgerEntry, Member, Property, RoomGuarantee, Stay
from staytier.store.queries import stay_by_confirmation

OPERATION = "pms.room_guarantee"
REQUESTED, HONOURED, DECLINED = "REQUESTED", "HONOURED", "DECLINED"
GUARANTEED_RATE = "GUARANTEE"


@dataclass(frozen=True)
class RequestRoomGuarantee:
    idempotency_key: str
    member_number: str
    property_code: str
    arrival: dt.date
    departure: dt.date


# A guarantee with its property's code, its booked stay's confirmation number and the
# points it compensated.
GuaranteeView = tuple[RoomGuarantee, str, str | None, int | None]


@dataclass(frozen=True)
class Requested:
    """What a guarantee request did: the guarantee as its list shows it (with its property
    code, booked stay and compensation) and its member's id."""

    view: GuaranteeView
    member_id: int

    def receipt(self) -> Result:
        return {"guarantee_id": self.view[0].id, "member_id": self.member_id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> Requested:
        [view] = await guarantees_page(session, first=1, guarantee_id=receipt["guarantee_id"])
        return Requested(view, receipt["member_id"])


def _check_window(runtime: Runtime, hotel: Property, arrival: dt.date, hours: int) -> None:
    deadline = guarantee_deadline(arrival, hotel.time_zone, hours)
    if runtime.now() > deadline:
        raise BusinessRuleError(
            ErrorCode.GUARANTEE_WINDOW_PASSED,
            f"A room guarantee is requested at least {hours} hours before arrival: for "
            f"{arrival} at {hotel.code} the last moment was {deadline:%Y-%m-%d %H:%M} UTC.",
            "arrivalDate",
        )


async def request_room_guarantee(
    runtime: Runtime, command: RequestRoomGuarantee, *, scope: str = ""
) -> Requested:
    """Records the request and writes it to the property's system in one transaction."""

    async def work(session: AsyncSession) -> Requested:
        member, hotel = await member_and_property_or_refuse(
            session, command.member_number, command.property_code
        )
        benefit, _ = await granted_benefit(session, runtime, member, ROOM_GUARANTEE)
        if command.departure <= command.arrival:
            raise BusinessRuleError(
                ErrorCode.INVALID_DATES, "Departure must be after arrival.", "departureDate"
            )
        _check_window(runtime, hotel, command.arrival, benefit.number("window_hours") or 0)
        pms = runtime.partners.pms_for(hotel.code)
        if pms is None:
            raise BusinessRuleError(
                ErrorCode.PARTNER_NOT_FOUND,
                f"No property system serves {hotel.code}.",
                "propertyCode",
            )
        guarantee = RoomGuarantee(
            member_id=member.id,
            property_id=hotel.id,
            arrival_date=command.arrival,
            departure_date=command.departure,
            status=REQUESTED,
            requested_at=runtime.now(),
        )
        session.add(guarantee)
        await session.flush()
        subject = f"room-guarantee:{guarantee.id}"
        guarantee.partner_request_id = await outbox.enqueue(
            session,
            runtime.connectors,
            partner=pms.code,
            operation=OPERATION,
            payload={
                "guarantee_id": guarantee.id,
                "member_number": member.member_number,
                "property_code": hotel.code,
                "arrival_date": command.arrival.isoformat(),
                "departure_date": command.departure.isoformat(),
                "guest_name": f"{member.first_name} {member.last_name}",
            },
            idempotency_key=subject,
            member_id=member.id,
            subject=subject,
            now=runtime.now(),
        )
        # Just requested: no stay is booked and nothing is compensated yet.
        return Requested((guarantee, hotel.code, None, None), member.id)

    return await run_command_once(
        runtime, Requested, "requestRoomGuarantee", command, work, scope=scope
    )


async def _book(
    session: AsyncSession,
    runtime: Runtime,
    guarantee: RoomGuarantee,
    hotel: Property,
    confirmation: str,
) -> Stay:
    """The guaranteed stay, BOOKED under the property's confirmation number (or the stay
    the property already reported under it)."""
    stay = await stay_by_confirmation(session, hotel.id, confirmation)
    if stay is not None:
        return stay
    now = runtime.now()
    stay = Stay(
        member_id=guarantee.member_id,
        property_id=hotel.id,
        confirmation_number=confirmation,
        status=StayStatus.BOOKED.value,
        arrival_date=guarantee.arrival_date,
        departure_date=guarantee.departure_date,
        rate_code=GUARANTEED_RATE,
        currency=hotel.currency,
        room_revenue=0,
        food_and_beverage_revenue=0,
        other_revenue=0,
        created_at=now,
        updated_at=now,
    )
    session.add(stay)
    await session.flush()
    return stay


@outbox.outcome_handler(OPERATION)
async def guarantee_settled(
    session: AsyncSession,
    runtime: Runtime,
    request: outbox.PartnerRequestRow,
    outcome: outbox.PartnerOutcome,
) -> None:
    """HONOURED: the stay is booked and the benefit's use recorded at its cost. DECLINED or
    never answered: the guest is credited the program's compensation, with its note."""
    guarantee = await session.get(
        RoomGuarantee, int(request.payload["guarantee_id"]), with_for_update=True
    )
    if guarantee is None or guarantee.status != REQUESTED:
        return
    member = await session.get(Member, guarantee.member_id, with_for_update=True)
    hotel = await session.get(Property, guarantee.property_id)
    assert member is not None and hotel is not None
    guarantee.settled_at = runtime.now()
    guarantee.reason = outcome.reason[:300]
    today = local_date(runtime.clock, member.time_zone)
    rules = runtime.rules_on(today)
    if outcome.accepted:
        confirmation = str(outcome.response.get("confirmation_number") or f"G-{guarantee.id}")
        stay = await _book(session, runtime, guarantee, hotel, confirmation)
        guarantee.status, guarantee.stay_id = HONOURED, stay.id
        benefit = listed_benefit(rules, ROOM_GUARANTEE)
        if benefit is not None:
            tier = await tier_held_today(session, runtime, member)
            await record_usage(
                session,
                runtime,
                member,
                benefit,
                tier=tier,
                actor=f"partner:{request.partner}",
                once_key=f"guarantee:{guarantee.id}",
                stay=stay,
            )
        return
    guarantee.status = DECLINED
    compensation = rules.guarantee_compensation
    guarantee.note = compensation.note[:300]
    points = guarantee_compensation_points(rules.awards, compensation, hotel.category)
    if points:
        entry = await post_bonus(
            session,
            runtime.clock,
            member,
            points,
            description=f"Room guarantee at {hotel.name} not honoured: {compensation.note}",
        )
        guarantee.compensation_entry_id = entry.id


async def guarantees_page(
    session: AsyncSession,
    *,
    first: int,
    before_id: int | None = None,
    member_id: int | None = None,
    property_id: int | None = None,
    status: str | None = None,
    guarantee_id: int | None = None,
) -> list[GuaranteeView]:
    """Guarantees newest first, of a member or of a property (``status`` DECLINED: the
    property's failures), each with its property code, the booked stay's confirmation
    number and the compensation credited; one statement, one more row than asked."""
    query = (
        select(RoomGuarantee, Property.code, Stay.confirmation_number, LedgerEntry.points)
        .join(Property, Property.id == RoomGuarantee.property_id)
        .outerjoin(Stay, Stay.id == RoomGuarantee.stay_id)
        .outerjoin(LedgerEntry, LedgerEntry.id == RoomGuarantee.compensation_entry_id)
    )
    if member_id is not None:
        query = query.where(RoomGuarantee.member_id == member_id)
    if property_id is not None:
        query = query.where(RoomGuarantee.property_id == property_id)
    if status is not None:
        query = query.where(RoomGuarantee.status == status)
    if guarantee_id is not None:
        query = query.where(RoomGuarantee.id == guarantee_id)
    rows = await session.execute(newest_first(query, RoomGuarantee.id, first, before_id))
    return [(row, code, confirmation, points) for row, code, confirmation, points in rows]

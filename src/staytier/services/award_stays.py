"""Award stays as stays: booking one paid with points or a certificate, and giving the
payment back when it is cancelled.

An award stay is an ordinary stay recorded with the program's award rate code, so the
property reports it through ``recordStay`` like any other and it is credited by the one stay
crediting path: its rate code decides whether the nights count for tier, and it earns no
points. What makes it an award is its ``award_redemptions`` row, which holds the price paid
and the ledger entries that paid and refunded it. ``stays.py`` calls :func:`refund_award_stay`
whenever a stay is cancelled, whichever mutation cancelled it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.awards import AwardQuote
from staytier.domain.points import LedgerKind
from staytier.domain.stays import Folio, StayStatus
from staytier.services.crediting import folio_snapshot
from staytier.services.idempotency import Result
from staytier.services.ledger import post_entry
from staytier.services.runtime import Runtime
from staytier.store.models import (
    AwardRedemption,
    Certificate,
    Member,
    Property,
    Stay,
    StayRevision,
)

ZERO = Decimal(0)
CONFIRMATION_PREFIX = "AWD-"


def quote_detail(quote: AwardQuote) -> list[dict[str, Any]]:
    """The quote night by night, as stored with the redemption."""
    return [
        {
            "night_of": night.night_of.isoformat(),
            "season": night.season,
            "price": night.price,
            "free": night.free,
        }
        for night in quote.nights
    ]


async def book_award_stay(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    hotel: Property,
    *,
    arrival: dt.date,
    departure: dt.date,
    points: int,
    quote: list[dict[str, Any]],
    free_nights: int = 0,
    certificate: Certificate | None = None,
) -> AwardRedemption:
    """Books the stay (BOOKED, the award rate code, no revenue) and debits ``points`` in
    the caller's transaction; the member row must be locked and the balance checked."""
    rate_code = runtime.rules_on(local_date(runtime.clock, hotel.time_zone)).awards.rate_code
    now = runtime.now()
    stay = Stay(
        member_id=member.id,
        property_id=hotel.id,
        confirmation_number=f"{CONFIRMATION_PREFIX}pending",
        status=StayStatus.BOOKED.value,
        arrival_date=arrival,
        departure_date=departure,
        rate_code=rate_code,
        currency=hotel.currency,
        room_revenue=ZERO,
        food_and_beverage_revenue=ZERO,
        other_revenue=ZERO,
        created_at=now,
        updated_at=now,
    )
    session.add(stay)
    await session.flush()
    stay.confirmation_number = f"{CONFIRMATION_PREFIX}{stay.id:08d}"
    folio = Folio(arrival, departure, rate_code, hotel.currency)
    session.add(
        StayRevision(
            stay_id=stay.id, status=stay.status, folio=folio_snapshot(folio), recorded_at=now
        )
    )
    label = f"{hotel.name}, {arrival:%d %b %Y} to {departure:%d %b %Y} ({stay.confirmation_number})"
    entry = None
    if points:
        entry = post_entry(
            session,
            member,
            kind=LedgerKind.REDEEM,
            points=-points,
            occurred_at=now,
            effective_on=local_date(runtime.clock, member.time_zone),
            description=f"Award stay at {label}",
        )
        await session.flush()
    redemption = AwardRedemption(
        member_id=member.id,
        stay_id=stay.id,
        points=points,
        nights=(departure - arrival).days,
        free_nights=free_nights,
        quote=quote,
        certificate_id=certificate.id if certificate else None,
        redeem_entry_id=entry.id if entry else None,
        created_at=now,
    )
    session.add(redemption)
    await session.flush()
    return redemption


async def award_of(session: AsyncSession, stay_id: int) -> AwardRedemption | None:
    found: AwardRedemption | None = await session.scalar(
        select(AwardRedemption).where(AwardRedemption.stay_id == stay_id)
    )
    return found


@dataclass(frozen=True)
class Awarded:
    """An award stay as a redemption or its cancellation left it: the stay, its property,
    its award and its member's id."""

    stay: Stay
    hotel: Property
    award: AwardRedemption
    member_id: int

    def receipt(self) -> Result:
        return {"stay_id": self.stay.id, "member_id": self.member_id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> Awarded:
        return await awarded(session, receipt["stay_id"], receipt["member_id"])


async def awarded(session: AsyncSession, stay_id: int, member_id: int) -> Awarded:
    """The award stay ``stay_id`` as it stands in ``session``."""
    stay = await session.get(Stay, stay_id)
    assert stay is not None
    hotel = await session.get(Property, stay.property_id)
    award = await award_of(session, stay_id)
    assert hotel is not None and award is not None
    return Awarded(stay, hotel, award, member_id)


async def refund_award_stay(
    session: AsyncSession, runtime: Runtime, member: Member, stay: Stay, *, reason: str
) -> AwardRedemption | None:
    """Gives back what an award stay was paid with, once: the points as a REVERSAL entry,
    a certificate as usable again (or EXPIRED if its day has passed). Not an award: None."""
    redemption = await award_of(session, stay.id)
    if redemption is None or redemption.cancelled_at is not None:
        return redemption
    now = runtime.now()
    redemption.cancelled_at = now
    if redemption.points:
        entry = post_entry(
            session,
            member,
            kind=LedgerKind.REVERSAL,
            points=redemption.points,
            occurred_at=now,
            effective_on=local_date(runtime.clock, member.time_zone),
            description=f"Refund of award stay {stay.confirmation_number} ({reason})",
            reverses_entry_id=redemption.redeem_entry_id,
        )
        await session.flush()
        redemption.refund_entry_id = entry.id
    if redemption.certificate_id is not None:
        certificate = await session.get(Certificate, redemption.certificate_id)
        assert certificate is not None
        today = local_date(runtime.clock, member.time_zone)
        certificate.status = "ISSUED" if today <= certificate.expires_on else "EXPIRED"
        certificate.used_stay_id = None
        certificate.settled_at = now
    return redemption

"""Every version of a stay is kept: a cancellation is a version too, whichever way it comes
(a report with status CANCELLED, or cancelStay), so an audit of the stay shows who changed it
from what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from staytier.domain.stays import Folio, StayStatus
from staytier.services.runtime import Runtime
from staytier.services.stays import CancelStay, RecordStay, cancel_stay, record_stay
from staytier.store.models import StayRevision
from tests.integration.test_record_stay_statements import new_member
from tests.support import new_key

D = dt.date


def report(number: str, confirmation: str, status: StayStatus, arrival: dt.date) -> RecordStay:
    return RecordStay(
        idempotency_key=new_key(),
        member_number=number,
        guest_last_name="Guest",
        property_code="NYCTS",
        confirmation_number=confirmation,
        status=status,
        folio=Folio(arrival, arrival + dt.timedelta(days=2), "BAR", "USD", Decimal(250)),
        room_type="KING",
        floor=None,
    )


async def cancel(runtime: Runtime, confirmation: str, reason: str) -> None:
    await cancel_stay(
        runtime,
        CancelStay(
            idempotency_key=new_key(),
            property_code="NYCTS",
            confirmation_number=confirmation,
            reason=reason,
        ),
    )


async def revisions(runtime: Runtime, stay_id: int) -> list[tuple[str, dict[str, str]]]:
    async with runtime.db.reading() as session:
        rows = await session.scalars(
            select(StayRevision).where(StayRevision.stay_id == stay_id).order_by(StayRevision.id)
        )
        return [(row.status, row.folio) for row in rows]


async def test_cancelling_a_booking_keeps_a_cancelled_version_with_its_folio(
    runtime: Runtime,
) -> None:
    number = await new_member(runtime)
    booked = await record_stay(runtime, report(number, "RV-1", StayStatus.BOOKED, D(2026, 3, 20)))
    await cancel(runtime, "RV-1", "guest called")
    [first, last] = await revisions(runtime, booked.stay.id)
    assert first[0] == "BOOKED" and last[0] == "CANCELLED"
    assert last[1] == first[1]  # the folio it had when cancelled
    assert last[1]["room"] == "250" and last[1]["arrival"] == "2026-03-20"


async def test_a_late_cancellation_of_a_completed_stay_is_a_version_too(
    runtime: Runtime,
) -> None:
    number = await new_member(runtime)
    done = await record_stay(runtime, report(number, "RV-2", StayStatus.COMPLETED, D(2026, 2, 1)))
    await cancel(runtime, "RV-2", "charged back")
    assert [status for status, _ in await revisions(runtime, done.stay.id)] == [
        "COMPLETED",
        "CANCELLED",
    ]

"""A front desk's arrivals and the guests on them, shared by the tests that read them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from staytier.domain.preferences import PreferenceSource, SpecialDateKind
from staytier.domain.stays import Folio, StayStatus
from staytier.program.catalog import ConsentPurpose
from staytier.services import consents, profiles, special_dates
from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay
from staytier.store.models import Member
from tests.support import GraphQLClient, new_key, record

TONIGHT = dt.date(2026, 3, 5)  # the test clock stands on 2 March 2026

ARRIVALS = """
query Arrivals($code: String!, $date: Date!, $first: Int, $after: String) {
  arrivals(propertyCode: $code, date: $date, first: $first, after: $after) {
    edges {
      cursor
      node {
        memberNumber firstName lastName language
        tier { code name validThrough lifetime }
        privileges { code name detail params options }
        preferences { category value source sensitive confidence }
        specialDates { kind date fallsOn greet }
        staffNotes { text author propertyCode }
        firstStayAtProperty earlierStaysAtProperty
        stay { confirmationNumber arrivalDate departureDate nights roomType rateCode }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def arrivals(client: GraphQLClient, code: str = "NYCTS", **more: Any) -> dict[str, Any]:
    variables = {"code": code, "date": more.pop("date", TONIGHT.isoformat()), **more}
    data = await client(ARRIVALS, **variables)
    found: dict[str, Any] = data["arrivals"]
    return found


def nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in page["edges"]]


async def book(client: GraphQLClient, number: str, **more: Any) -> None:
    payload = await record(
        client,
        member_number=number,
        arrival=more.pop("arrival", TONIGHT),
        nights=more.pop("nights", 3),
        status="BOOKED",
        room="0",
        **more,
    )
    assert payload["userErrors"] == [], payload["userErrors"]


async def guests_arriving(runtime: Runtime, count: int, day: dt.date) -> None:
    """``count`` members booked to arrive at NYCTS on ``day``, each with a full profile."""
    for n in range(count):
        created = await enroll_guest(
            runtime, EnrollGuest(first_name=f"Guest{n}", last_name=f"Arriving{day.day}")
        )
        async with runtime.db.reading() as session:
            member = await session.get(Member, created.member_id)
        assert member is not None
        number = member.member_number
        guest = profiles.Actor(PreferenceSource.GUEST)
        staff = profiles.Actor(PreferenceSource.STAFF, property_code="NYCTS", name="desk")
        await consents.set_consent(
            runtime, number, ConsentPurpose.PERSONALISED_SERVICE, True, guest
        )
        await profiles.set_preference(runtime, number, "PILLOW", ["FEATHER_FREE"], guest)
        await profiles.set_preference(runtime, number, "ALLERGIES", ["peanuts"], guest)
        await special_dates.set_special_date(
            runtime,
            number,
            SpecialDateKind.BIRTHDAY,
            dt.date(1980, day.month, day.day),
            True,
            guest,
        )
        await profiles.add_staff_note(runtime, number, "Regular.", "desk", staff)
        for earlier, status in (
            (dt.date(2026, 1, 5), StayStatus.COMPLETED),
            (day, StayStatus.BOOKED),
        ):
            nights = 10 if status is StayStatus.COMPLETED else 2
            await record_stay(
                runtime,
                RecordStay(
                    idempotency_key=new_key(),
                    member_number=number,
                    guest_last_name=f"Arriving{day.day}",
                    property_code="NYCTS",
                    confirmation_number=new_key(),
                    status=status,
                    folio=Folio(earlier, earlier + dt.timedelta(days=nights), "BAR", "USD"),
                ),
            )

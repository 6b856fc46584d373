"""Who may cancel a stay: a booking partner only its own bookings, before arrival; the
property any stay at it."""

from __future__ import annotations

import datetime as dt

from tests.support import GraphQLClient, enroll, new_key, record

CANCEL = """mutation($i: CancelStayInput!) {
  cancelStay(input: $i) { stay { status } userErrors { code field message } } }"""
ARRIVAL = dt.date(2026, 3, 9)  # a week after the test clock's today


async def stay_status(admin: GraphQLClient, number: str) -> list[str]:
    found = await admin(
        "query($n: String!) { guest(memberNumber: $n) { stays { edges { node { status } } } } }",
        n=number,
    )
    return [edge["node"]["status"] for edge in found["guest"]["stays"]["edges"]]


def cancellation(confirmation: str) -> dict[str, str]:
    return {
        "idempotencyKey": new_key(),
        "propertyCode": "NYCTS",
        "confirmationNumber": confirmation,
        "reason": "guest called",
    }


async def test_a_partner_cannot_cancel_a_stay_another_partner_booked(
    client: GraphQLClient,
) -> None:
    booker = await client.acting_as("booking_partner", partner="ACMETRAVEL")
    rival = await client.acting_as("booking_partner", partner="OTHERTRAVEL")
    number = await enroll(client)
    booked = await record(
        booker,
        member_number=number,
        arrival=ARRIVAL,
        nights=3,
        confirmation="AC-1",
        status="BOOKED",
    )
    assert booked["userErrors"] == []

    refused = (await rival(CANCEL, i=cancellation("AC-1")))["cancelStay"]
    missing = (await rival(CANCEL, i=cancellation("AC-404")))["cancelStay"]

    # Answered as a stay that does not exist, and nothing changed.
    assert refused["stay"] is None
    assert refused["userErrors"] == [
        {
            "code": "STAY_NOT_FOUND",
            "field": "confirmationNumber",
            "message": "No stay AC-1 at NYCTS.",
        }
    ]
    assert missing["userErrors"][0]["message"] == "No stay AC-404 at NYCTS."
    assert await stay_status(client, number) == ["BOOKED"]
    cancelled = (await booker(CANCEL, i=cancellation("AC-1")))["cancelStay"]
    assert cancelled["userErrors"] == []
    assert cancelled["stay"]["status"] == "CANCELLED"
    await booker.aclose()
    await rival.aclose()


async def test_a_front_desk_cancels_any_stay_at_its_own_property(
    client: GraphQLClient,
) -> None:
    booker = await client.acting_as("booking_partner", partner="ACMETRAVEL")
    desk = await client.acting_as("front_desk", properties=["NYCTS"])
    number = await enroll(client)
    await record(
        booker,
        member_number=number,
        arrival=ARRIVAL,
        nights=2,
        confirmation="AC-2",
        status="BOOKED",
    )

    cancelled = (await desk(CANCEL, i=cancellation("AC-2")))["cancelStay"]

    assert cancelled["userErrors"] == []
    assert cancelled["stay"]["status"] == "CANCELLED"
    await booker.aclose()
    await desk.aclose()


async def test_a_partner_cannot_cancel_its_booking_once_the_arrival_day_has_come(
    client: GraphQLClient,
) -> None:
    booker = await client.acting_as("booking_partner", partner="ACMETRAVEL")
    number = await enroll(client)
    booked = await record(
        booker,
        member_number=number,
        arrival=dt.date(2026, 3, 3),
        nights=2,
        confirmation="AC-3",
        status="BOOKED",
    )
    assert booked["userErrors"] == []
    # 2026-03-03 00:00 in New York is 05:00 UTC.
    client.runtime.clock.set(dt.datetime(2026, 3, 3, 4, 59, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    # The evening before, still the 2nd in New York: the booking may still be amended.
    amended = await record(
        booker,
        member_number=number,
        arrival=dt.date(2026, 3, 4),
        nights=2,
        confirmation="AC-3",
        status="BOOKED",
    )
    assert amended["userErrors"] == []
    client.runtime.clock.set(dt.datetime(2026, 3, 4, 5, 0, tzinfo=dt.UTC))  # type: ignore[attr-defined]

    refused = (await booker(CANCEL, i=cancellation("AC-3")))["cancelStay"]

    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("STAY_CHANGE_NOT_ALLOWED", "arrivalDate")
    ]
    assert await stay_status(client, number) == ["BOOKED"]
    await booker.aclose()

"""Who may cancel a stay: a booking partner only the stays of guests it knows."""

from __future__ import annotations

import datetime as dt

from tests.support import GraphQLClient, enroll, guest, new_key, record

CANCEL = """mutation($i: CancelStayInput!) {
  cancelStay(input: $i) { stay { status } userErrors { code field message } } }"""
ARRIVAL = dt.date(2026, 2, 20)  # completed by the test clock (2 March)


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
        booker, member_number=number, arrival=ARRIVAL, nights=3, confirmation="AC-1"
    )
    assert booked["userErrors"] == []
    points = (await guest(client, number))["points"]["balance"]

    refused = (await rival(CANCEL, i=cancellation("AC-1")))["cancelStay"]

    # Answered as a stay that does not exist, and nothing changed.
    assert refused["stay"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["STAY_NOT_FOUND"]
    assert (await guest(client, number))["points"]["balance"] == points > 0
    cancelled = (await booker(CANCEL, i=cancellation("AC-1")))["cancelStay"]
    assert cancelled["userErrors"] == []
    assert cancelled["stay"]["status"] == "CANCELLED"
    assert (await guest(client, number))["points"]["balance"] == 0
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

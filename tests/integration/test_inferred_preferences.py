"""Preferences inferred from stay history: what most of the last stays chose becomes an
inferred preference with a confidence, recomputed as stays complete, never over a stated one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.profiles import set_preference
from tests.support import GraphQLClient, enroll, new_key, record

D = dt.date

RECORD = """
mutation($i: RecordStayInput!) { recordStay(input: $i) { userErrors { code field } } }
"""

PREFERENCES = """
query Preferences($n: String!) {
  guest(memberNumber: $n) {
    preferences { category value source confidence }
    profileHistory(first: 50) { edges { node { category source before after } } }
  }
}
"""


async def stay(
    client: GraphQLClient, number: str, arrival: dt.date, room_type: str, floor: int, rate: str
) -> str:
    confirmation = new_key()
    data = await client(
        RECORD,
        i={
            "idempotencyKey": new_key(),
            "memberNumber": number,
            "guestLastName": "Guest",
            "propertyCode": "NYCTS",
            "confirmationNumber": confirmation,
            "status": "COMPLETED",
            "arrivalDate": arrival.isoformat(),
            "departureDate": (arrival + dt.timedelta(days=1)).isoformat(),
            "roomType": room_type,
            "floor": floor,
            "rateCode": rate,
            "roomRevenue": "100",
        },
    )
    assert data["recordStay"]["userErrors"] == []
    return confirmation


async def preferences(client: GraphQLClient, number: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client(PREFERENCES, n=number))["guest"]["preferences"]
    return found


async def test_three_stays_in_a_high_king_room_infer_it_with_full_confidence(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    for day in (2, 9, 16):
        await stay(client, number, D(2026, 2, day), "King Deluxe", 14, "BAR")

    assert await preferences(client, number) == [
        {"category": "FLOOR", "value": "HIGH", "source": "INFERRED", "confidence": 100},
        {"category": "ROOM_TYPE", "value": "KING DELUXE", "source": "INFERRED", "confidence": 100},
        {"category": "RATE_PLAN", "value": "BAR", "source": "INFERRED", "confidence": 100},
    ]


async def test_two_stays_are_not_yet_a_habit(client: GraphQLClient) -> None:
    number = await enroll(client)
    for day in (2, 9):
        await stay(client, number, D(2026, 2, day), "KING", 14, "BAR")

    assert await preferences(client, number) == []


async def test_a_new_majority_replaces_the_inferred_value_as_stays_complete(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    for day in (1, 3, 5):
        await stay(client, number, D(2026, 1, day), "KING", 2, "BAR")
    for day in (7, 9, 11, 13):
        await stay(client, number, D(2026, 1, day), "TWIN", 2, "CORP")

    found = {
        p["category"]: (p["value"], p["confidence"]) for p in await preferences(client, number)
    }

    # The last five stays: four TWIN/CORP, one KING/BAR.
    assert found == {"ROOM_TYPE": ("TWIN", 80), "RATE_PLAN": ("CORP", 80), "FLOOR": ("LOW", 100)}


async def test_a_stated_preference_is_never_overridden_by_inference(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await set_preference(client, memberNumber=number, category="FLOOR", values=["LOW"])
    for day in (2, 9, 16):
        await stay(client, number, D(2026, 2, day), "KING", 20, "BAR")

    floor = [p for p in await preferences(client, number) if p["category"] == "FLOOR"]

    assert floor == [{"category": "FLOOR", "value": "LOW", "source": "GUEST", "confidence": None}]


async def test_a_statement_replaces_an_inferred_value(client: GraphQLClient) -> None:
    number = await enroll(client)
    for day in (2, 9, 16):
        await stay(client, number, D(2026, 2, day), "KING", 20, "BAR")

    await set_preference(client, memberNumber=number, category="ROOM_TYPE", values=["SUITE"])
    await stay(client, number, D(2026, 2, 20), "KING", 20, "BAR")

    room = [p for p in await preferences(client, number) if p["category"] == "ROOM_TYPE"]
    assert room == [
        {"category": "ROOM_TYPE", "value": "SUITE", "source": "GUEST", "confidence": None}
    ]


async def test_a_late_cancellation_takes_the_inference_back(client: GraphQLClient) -> None:
    number = await enroll(client)
    await stay(client, number, D(2026, 2, 2), "KING", 20, "BAR")
    await stay(client, number, D(2026, 2, 9), "KING", 20, "BAR")
    third = await stay(client, number, D(2026, 2, 16), "KING", 20, "BAR")
    assert await preferences(client, number)

    await client(
        "mutation($i: CancelStayInput!) { cancelStay(input: $i) { userErrors { code } } }",
        i={"idempotencyKey": new_key(), "propertyCode": "NYCTS", "confirmationNumber": third},
    )

    assert await preferences(client, number) == []
    history = (await client(PREFERENCES, n=number))["guest"]["profileHistory"]["edges"]
    assert {h["node"]["source"] for h in history} == {"INFERRED"}
    assert history[0]["node"]["after"] == []


async def test_a_floor_out_of_range_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await record(client, member_number=number, arrival=D(2026, 2, 1), nights=1)
    data = await client(
        RECORD,
        i={
            "idempotencyKey": new_key(),
            "memberNumber": number,
            "guestLastName": "Guest",
            "propertyCode": "NYCTS",
            "confirmationNumber": "F-1",
            "status": "BOOKED",
            "arrivalDate": "2026-04-01",
            "departureDate": "2026-04-02",
            "floor": 999,
        },
    )

    assert payload["userErrors"] == []
    assert data["recordStay"]["userErrors"] == [{"code": "INVALID_INPUT", "field": "floor"}]

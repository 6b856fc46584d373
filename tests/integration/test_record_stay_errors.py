"""recordStay refuses bad input with userErrors and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support import RECORD_STAY, GraphQLClient, enroll, guest, new_key, record, stay_input

D = dt.date


async def errors_of(client: GraphQLClient, fields: dict[str, Any]) -> list[tuple[str, str]]:
    data = await client(RECORD_STAY, input=fields)
    payload = data["recordStay"]
    assert payload["stay"] is None and payload["guest"] is None
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"memberNumber": "9999999999"}, ("MEMBER_NOT_FOUND", "memberNumber")),
        ({"propertyCode": "NOPE"}, ("PROPERTY_NOT_FOUND", "propertyCode")),
        ({"departureDate": "2026-02-01"}, ("INVALID_DATES", "departureDate")),
        ({"departureDate": "2026-01-30"}, ("INVALID_DATES", "departureDate")),
        ({"departureDate": "2026-06-01"}, ("STAY_TOO_LONG", "departureDate")),
        ({"roomRevenue": "-1"}, ("INVALID_AMOUNT", "roomRevenue")),
        ({"otherRevenue": "lots"}, ("INVALID_AMOUNT", "otherRevenue")),
        ({"currency": "XXX"}, ("UNKNOWN_CURRENCY", "currency")),
        ({"confirmationNumber": "  "}, ("INVALID_INPUT", "confirmationNumber")),
        ({"confirmationNumber": "C" * 41}, ("INVALID_INPUT", "confirmationNumber")),
        ({"idempotencyKey": "k" * 201}, ("INVALID_INPUT", "idempotencyKey")),
        ({"idempotencyKey": ""}, ("INVALID_INPUT", "idempotencyKey")),
    ],
)
async def test_bad_stay_is_refused_with_a_typed_error(
    client: GraphQLClient, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    number = await enroll(client)
    fields = stay_input(number, arrival=D(2026, 2, 1), nights=2) | change
    assert expected in await errors_of(client, fields)
    found = await guest(client, number)
    assert found["points"]["balance"] == 0 and found["ledger"]["edges"] == []


async def test_a_completed_stay_cannot_go_back_to_booked(client: GraphQLClient) -> None:
    number = await enroll(client)
    stay = {"member_number": number, "confirmation": "B1", "arrival": D(2026, 2, 1), "nights": 2}
    await record(client, **stay)
    fields = stay_input(number, confirmation="B1", arrival=D(2026, 2, 1), nights=2, status="BOOKED")
    assert await errors_of(client, fields) == [("INVALID_STATUS_TRANSITION", "status")]
    assert (await guest(client, number))["points"]["balance"] == 1_000


async def test_a_confirmation_number_of_another_member_is_refused(client: GraphQLClient) -> None:
    ada, bob = await enroll(client, "Ada"), await enroll(client, "Bob")
    await record(client, member_number=ada, confirmation="X1", arrival=D(2026, 2, 1), nights=2)
    fields = stay_input(bob, confirmation="X1", arrival=D(2026, 2, 1), nights=2)
    assert await errors_of(client, fields) == [("DUPLICATE_CONFIRMATION", "confirmationNumber")]
    assert (await guest(client, bob))["points"]["balance"] == 0


async def test_an_idempotency_key_reused_with_other_input_is_refused(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    key = new_key()
    await client(RECORD_STAY, input=stay_input(number, arrival=D(2026, 2, 1), nights=2, key=key))
    other = stay_input(number, arrival=D(2026, 2, 1), nights=5, key=key)
    assert await errors_of(client, other) == [("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")]
    assert (await guest(client, number))["tierProgress"]["qualifyingNights"] == 2


async def test_several_mistakes_are_reported_together(client: GraphQLClient) -> None:
    number = await enroll(client)
    fields = stay_input(number, arrival=D(2026, 2, 1), nights=2) | {
        "roomRevenue": "-5",
        "currency": "ZZZ",
    }
    assert set(await errors_of(client, fields)) == {
        ("INVALID_AMOUNT", "roomRevenue"),
        ("UNKNOWN_CURRENCY", "currency"),
    }

"""transferPointsToMiles: the program's 3:1 ratio and 5,000 bonus miles per 60,000 points,
the airline's frequent-flyer number format, a debit at once, a refund if the airline
finally refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from staytier.connectors.simulators import Behaviour
from staytier.services.runtime import Runtime
from tests.partners import SimulatedPartners, worker
from tests.privilege_support import give_points
from tests.support import GraphQLClient, enroll, guest, make_app, new_key

TRANSFER = """
mutation Transfer($input: TransferPointsToMilesInput!) {
  transferPointsToMiles(input: $input) {
    milesTransfer { number airline frequentFlyerNumber points miles status }
    guest { points { balance } }
    userErrors { code field message }
  }
}
"""

TRANSFERS = """
query Transfers($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    points { balance }
    milesTransfers(first: 5) { edges { node { status miles reason } } }
  }
}
"""


@pytest.fixture
async def partner_client(partner_runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(make_app(partner_runtime))
    yield client
    await client.aclose()


def transfer(number: str, points: int, ffn: str = "SW123456789", **extra: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "airline": "SKYWAYS",
        "frequentFlyerNumber": ffn,
        "points": points,
        **extra,
    }


async def send(client: GraphQLClient, fields: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(TRANSFER, input=fields))["transferPointsToMiles"]
    return payload


async def test_60000_points_become_25000_miles_credited_by_the_airline(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await enroll(partner_client)
    await give_points(partner_client, number, 70_000)

    payload = await send(partner_client, transfer(number, 60_000))
    await worker(partner_runtime).deliver_due()

    assert payload["userErrors"] == []
    assert payload["milesTransfer"]["miles"] == 25_000
    assert payload["guest"]["points"]["balance"] == 10_000
    [received] = simulators.airline.received
    assert received.body["frequent_flyer_number"] == "SW123456789"
    assert received.body["miles"] == 25_000
    found = (await partner_client(TRANSFERS, memberNumber=number))["guest"]
    assert found["milesTransfers"]["edges"][0]["node"]["status"] == "CONFIRMED"
    top = (await guest(partner_client, number))["ledger"]["edges"][0]["node"]
    assert (top["kind"], top["points"]) == ("TRANSFER_OUT", -60_000)


async def test_a_transfer_sent_again_with_its_key_is_debited_and_sent_once(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await enroll(partner_client)
    await give_points(partner_client, number, 20_000)
    fields = transfer(number, 15_000)

    first = await send(partner_client, fields)
    again = await send(partner_client, fields)
    await worker(partner_runtime).deliver_due()

    assert first["userErrors"] == [] and first["milesTransfer"]["status"] == "PENDING"
    assert again == first
    assert first["guest"]["points"]["balance"] == 5_000
    assert len(simulators.airline.received) == 1
    assert (await guest(partner_client, number))["points"]["balance"] == 5_000


async def test_a_transfer_the_airline_rejects_is_refunded(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await enroll(partner_client)
    await give_points(partner_client, number, 9_000)
    simulators.airline.behave(Behaviour.DECLINE)

    await send(partner_client, transfer(number, 9_000))
    await worker(partner_runtime).deliver_due()

    found = (await partner_client(TRANSFERS, memberNumber=number))["guest"]
    node = found["milesTransfers"]["edges"][0]["node"]
    assert (node["status"], node["reason"]) == ("REFUNDED", "the frequent-flyer account is closed")
    assert found["points"]["balance"] == 9_000


async def test_refusals_leave_the_balance_untouched(client: GraphQLClient) -> None:
    number = await enroll(client)
    await give_points(client, number, 10_000)

    cases = {
        "bad number": transfer(number, 3_000, "SW12345"),
        "below minimum": transfer(number, 2_997),
        "part of a mile": transfer(number, 3_001),
        "unknown airline": transfer(number, 3_000, airline="GREENTREES"),
        "too many": transfer(number, 12_000),
    }
    errors = {
        name: [(e["code"], e["field"]) for e in (await send(client, fields))["userErrors"]]
        for name, fields in cases.items()
    }

    assert errors == {
        "bad number": [("INVALID_FREQUENT_FLYER_NUMBER", "frequentFlyerNumber")],
        "below minimum": [("INVALID_AMOUNT", "points")],
        "part of a mile": [("INVALID_AMOUNT", "points")],
        "unknown airline": [("PARTNER_NOT_FOUND", "airline")],
        "too many": [("NOT_ENOUGH_POINTS", "points")],
    }
    assert (await guest(client, number))["points"]["balance"] == 10_000

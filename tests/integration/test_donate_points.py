"""donatePoints: to a charity of the partners file, in its minimum and steps, debited at
once, delivered to the charity, refunded if it finally refuses; and the brand's report."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from staytier.connectors.simulators import Behaviour
from staytier.services.runtime import Runtime
from tests.partners import SimulatedPartners, worker
from tests.privilege_support import GOODWILL, give_points, set_clock
from tests.support import GraphQLClient, enroll, guest, make_app, new_key

DONATE = """
mutation Donate($input: DonatePointsInput!) {
  donatePoints(input: $input) {
    donation { number charity points status donatedOn }
    guest { points { balance } }
    userErrors { code field message }
  }
}
"""

DONATIONS = """
query Donations($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    points { balance }
    donations(first: 5) { edges { node { status points reason } } }
  }
}
"""

REPORT = """
query Report($start: Date!, $end: Date!) {
  donationReport(start: $start, end: $end) {
    month charity donations confirmedPoints pendingPoints refundedPoints
  }
}
"""


@pytest.fixture
async def partner_client(partner_runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(make_app(partner_runtime))
    yield client
    await client.aclose()


def donation(number: str, points: int, charity: str = "GREENTREES") -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "charity": charity,
        "points": points,
    }


async def donate(client: GraphQLClient, fields: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(DONATE, input=fields))["donatePoints"]
    return payload


async def test_a_donation_is_debited_at_once_and_confirmed_by_the_charity(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await enroll(partner_client)
    await give_points(partner_client, number, 5_000)

    payload = await donate(partner_client, donation(number, 3_000))
    await worker(partner_runtime).deliver_due()

    assert payload["userErrors"] == []
    assert payload["donation"]["status"] == "PENDING"
    assert payload["guest"]["points"]["balance"] == 2_000
    [received] = simulators.charity.received
    assert received.body["points"] == 3_000
    assert received.idempotency_key == f"donation:{payload['donation']['number']}"
    found = (await partner_client(DONATIONS, memberNumber=number))["guest"]
    assert found["donations"]["edges"][0]["node"]["status"] == "CONFIRMED"
    assert found["points"]["balance"] == 2_000
    top = (await guest(partner_client, number))["ledger"]["edges"][0]["node"]
    assert (top["kind"], top["points"]) == ("DONATE", -3_000)


async def test_a_donation_the_charity_refuses_is_refunded(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await enroll(partner_client)
    await give_points(partner_client, number, 5_000)
    simulators.charity.behave(Behaviour.DECLINE)

    await donate(partner_client, donation(number, 3_000))
    await worker(partner_runtime).deliver_due()

    found = (await partner_client(DONATIONS, memberNumber=number))["guest"]
    node = found["donations"]["edges"][0]["node"]
    assert (node["status"], node["reason"]) == ("REFUNDED", "the charity no longer accepts points")
    assert found["points"]["balance"] == 5_000
    top = (await guest(partner_client, number))["ledger"]["edges"][0]["node"]
    assert (top["kind"], top["points"]) == ("REVERSAL", 3_000)


async def test_donations_follow_the_charitys_minimum_and_steps(client: GraphQLClient) -> None:
    number = await enroll(client)
    await give_points(client, number, 10_000)

    small = await donate(client, donation(number, 999))
    odd = await donate(client, donation(number, 1_500))
    unknown = await donate(client, donation(number, 1_000, "SKYWAYS"))
    too_much = await donate(client, donation(number, 11_000))

    assert [(e["code"], e["field"]) for e in small["userErrors"]] == [("INVALID_AMOUNT", "points")]
    assert [(e["code"], e["field"]) for e in odd["userErrors"]] == [("INVALID_AMOUNT", "points")]
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("PARTNER_NOT_FOUND", "charity")
    ]
    assert [e["code"] for e in too_much["userErrors"]] == ["NOT_ENOUGH_POINTS"]
    assert (await guest(client, number))["points"]["balance"] == 10_000


async def test_the_brand_sees_donations_per_charity_and_month(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await enroll(partner_client)
    await give_points(partner_client, number, 20_000)
    await donate(partner_client, donation(number, 2_000))
    await worker(partner_runtime).deliver_due()
    simulators.charity.behave(Behaviour.DECLINE)
    await donate(partner_client, donation(number, 3_000))
    await worker(partner_runtime).deliver_due()
    await donate(partner_client, donation(number, 4_000))

    report = await partner_client(REPORT, start="2026-03-01", end="2026-03-31")
    assert report["donationReport"] == [
        {
            "month": "2026-03",
            "charity": "GREENTREES",
            "donations": 3,
            "confirmedPoints": 2_000,
            "pendingPoints": 4_000,
            "refundedPoints": 3_000,
        }
    ]


async def test_a_donation_on_the_day_points_would_expire_keeps_the_rest_alive(
    client: GraphQLClient,
) -> None:
    # Goodwill on 2 March 2026 is activity: the points last through 2 March 2028.
    giver, keeper = await enroll(client, "Giver"), await enroll(client, "Keeper")
    for number in (giver, keeper):
        fields = {
            "idempotencyKey": new_key(),
            "memberNumber": number,
            "points": 10_000,
            "reasonCode": "SERVICE_RECOVERY",
            "author": "duty.manager",
        }
        assert (await client(GOODWILL, input=fields))["postGoodwillPoints"]["userErrors"] == []
    await set_clock(client, dt.datetime(2028, 3, 2, 23, 0, tzinfo=dt.UTC))
    assert (await guest(client, giver))["points"]["expiresOn"] == "2028-03-02"

    payload = await donate(client, donation(giver, 3_000))
    await set_clock(client, dt.datetime(2028, 3, 3, 1, 0, tzinfo=dt.UTC))

    assert payload["userErrors"] == []
    assert (await guest(client, giver))["points"] == {"balance": 7_000, "expiresOn": "2030-03-02"}
    assert (await guest(client, keeper))["points"]["balance"] == 0  # expired overnight


async def test_a_donation_sent_again_with_its_key_is_debited_once_and_answered_the_same(
    partner_client: GraphQLClient,
) -> None:
    number = await enroll(partner_client)
    await give_points(partner_client, number, 5_000)
    fields = donation(number, 1_000)

    first = await donate(partner_client, fields)
    again = await donate(partner_client, fields)

    assert first["userErrors"] == [] and first["guest"]["points"]["balance"] == 4_000
    assert again == first
    found = (await partner_client(DONATIONS, memberNumber=number))["guest"]
    assert found["points"]["balance"] == 4_000
    assert len(found["donations"]["edges"]) == 1

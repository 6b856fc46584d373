"""requestRoomGuarantee: Platinum only, at least 48 hours before arrival at the property
(its time zone), sent to the property's system; HONOURED books the stay, DECLINED
compensates the guest and is recorded against the property."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from staytier.connectors.simulators import Behaviour
from staytier.services.runtime import Runtime
from staytier.store.models import BenefitUsage, Stay
from tests.partners import SimulatedPartners, worker
from tests.privilege_support import make_platinum
from tests.support import GraphQLClient, enroll, guest, make_app, new_key

D = dt.date
ARRIVAL = D(2026, 3, 10)

REQUEST = """
mutation Guarantee($input: RequestRoomGuaranteeInput!) {
  requestRoomGuarantee(input: $input) {
    roomGuarantee { number propertyCode arrivalDate status }
    userErrors { code field message }
  }
}
"""

GUARANTEES = """
query Guarantees($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    points { balance }
    roomGuarantees(first: 5) {
      edges { node { status confirmationNumber compensationPoints note reason } }
    }
  }
}
"""

FAILURES = """
query Failures($propertyCode: String!) {
  roomGuaranteesAt(propertyCode: $propertyCode, status: "DECLINED") {
    edges { node { number status reason } }
  }
}
"""


@pytest.fixture
async def partner_client(partner_runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(make_app(partner_runtime))
    yield client
    await client.aclose()


def guarantee_input(
    number: str, property_code: str = "NYCTS", arrival: dt.date = ARRIVAL
) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "propertyCode": property_code,
        "arrivalDate": arrival.isoformat(),
        "departureDate": (arrival + dt.timedelta(days=2)).isoformat(),
    }


async def ask(client: GraphQLClient, fields: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(REQUEST, input=fields))["requestRoomGuarantee"]
    return payload


async def platinum(client: GraphQLClient) -> str:
    number = await enroll(client, "Grace")
    await make_platinum(client, number, arrival=D(2026, 1, 5))
    return number


async def test_an_honoured_guarantee_books_the_stay_and_records_its_cost(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await platinum(partner_client)

    asked = await ask(partner_client, guarantee_input(number))
    await worker(partner_runtime).deliver_due()

    assert asked["userErrors"] == []
    assert asked["roomGuarantee"]["status"] == "REQUESTED"
    [received] = simulators.pms.received
    assert received.body["property_code"] == "NYCTS"
    assert received.body["guest_name"] == "Grace Guest"
    found = (await partner_client(GUARANTEES, memberNumber=number))["guest"]
    [edge] = found["roomGuarantees"]["edges"]
    assert edge["node"]["status"] == "HONOURED"
    assert edge["node"]["confirmationNumber"] == "G0000001"
    async with partner_runtime.db.reading() as session:
        stay = await session.scalar(select(Stay).where(Stay.confirmation_number == "G0000001"))
        usage = await session.scalar(select(BenefitUsage))
    assert stay is not None and stay.status == "BOOKED" and stay.arrival_date == ARRIVAL
    assert usage is not None and usage.benefit_code == "ROOM_GUARANTEE"
    assert usage.cost_usd == 120


async def test_a_guarantee_asked_again_with_its_key_is_sent_once_and_answered_the_same(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await platinum(partner_client)
    fields = guarantee_input(number)

    first = await ask(partner_client, fields)
    again = await ask(partner_client, fields)
    await worker(partner_runtime).deliver_due()

    assert first["userErrors"] == []
    assert first["roomGuarantee"]["propertyCode"] == "NYCTS"
    assert first["roomGuarantee"]["status"] == "REQUESTED"
    assert again == first
    assert len(simulators.pms.received) == 1
    found = (await partner_client(GUARANTEES, memberNumber=number))["guest"]
    assert len(found["roomGuarantees"]["edges"]) == 1


async def test_a_declined_guarantee_compensates_the_guest_and_counts_against_the_hotel(
    partner_client: GraphQLClient, partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    number = await platinum(partner_client)
    before = (await guest(partner_client, number))["points"]["balance"]
    simulators.pms.behave(Behaviour.DECLINE)

    await ask(partner_client, guarantee_input(number))
    await worker(partner_runtime).deliver_due()

    found = (await partner_client(GUARANTEES, memberNumber=number))["guest"]
    node = found["roomGuarantees"]["edges"][0]["node"]
    assert node["status"] == "DECLINED"
    assert node["compensationPoints"] == 50_000  # one category 6 award night
    assert node["note"].startswith("We could not honour your room guarantee")
    assert node["reason"] == "the hotel is closed for renovation"
    assert found["points"]["balance"] == before + 50_000
    failures = (await partner_client(FAILURES, propertyCode="NYCTS"))["roomGuaranteesAt"]
    assert [e["node"]["status"] for e in failures["edges"]] == ["DECLINED"]


async def test_a_gold_member_is_not_eligible(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await ask(client, guarantee_input(number))

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("TIER_NOT_ELIGIBLE", "memberNumber")
    ]


async def test_an_unknown_property_is_refused(client: GraphQLClient) -> None:
    number = await platinum(client)

    payload = await ask(client, guarantee_input(number, "ATLANTIS"))

    assert [e["code"] for e in payload["userErrors"]] == ["PROPERTY_NOT_FOUND"]


# Arrival on 10 March in Tokyo starts at 9 March 15:00 UTC; 48 hours before is 7 March 15:00.
TOKYO_MIDNIGHT = dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC)


async def test_asked_48_hours_and_a_minute_before_arrival_in_tokyo_it_is_sent(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await platinum(client)
    runtime.clock.set(TOKYO_MIDNIGHT - dt.timedelta(hours=48, minutes=1))  # type: ignore[attr-defined]

    payload = await ask(client, guarantee_input(number, "TYOGZ"))

    assert payload["userErrors"] == []
    assert payload["roomGuarantee"]["status"] == "REQUESTED"


async def test_asked_47_hours_59_minutes_before_arrival_in_tokyo_the_window_has_passed(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await platinum(client)
    # Measured to midnight UTC it would be 56 hours ahead: the property's time zone decides.
    runtime.clock.set(TOKYO_MIDNIGHT - dt.timedelta(hours=47, minutes=59))  # type: ignore[attr-defined]

    payload = await ask(client, guarantee_input(number, "TYOGZ"))

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("GUARANTEE_WINDOW_PASSED", "arrivalDate")
    ]
    assert (await client(GUARANTEES, memberNumber=number))["guest"]["roomGuarantees"]["edges"] == []

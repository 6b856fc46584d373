"""recordBenefitUsage of a complimentary upgrade, bounded by the guest's recognition
allowance together with goodwill.

Given a Platinum guest worth 3,600 USD of lifetime value under a program that lets a property
spend 5% of it (at most 10,000 points) on recognition, when the desk records upgrades, each
spends its points-equivalent (its cost in points at the value per point, or the program's
``points_per_upgrade``); one beyond what is left is refused with
RECOGNITION_ALLOWANCE_EXCEEDED and nothing is recorded, and goodwill shares the same allowance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from staytier.program.loader import default_program_path
from staytier.store.database import Database
from tests.support import GraphQLClient, enroll, make_app, make_runtime, new_key, record, set_clock

D = dt.date
TODAY = D(2026, 3, 2)
RECOGNITION = """
  [versions.insight.recognition]
  share_of_lifetime_value = "0.05"
  max_points = 10000
  months = 12
"""
PRICED = RECOGNITION + "  points_per_upgrade = 4000\n"

USAGE = """
mutation Usage($input: RecordBenefitUsageInput!) {
  recordBenefitUsage(input: $input) { benefitCode userErrors { code field message } }
}
"""
GOODWILL = """
mutation Goodwill($input: PostGoodwillPointsInput!) {
  postGoodwillPoints(input: $input) { userErrors { code field message } }
}
"""
ALLOWANCE = """
query Allowance($n: String!) { guest(memberNumber: $n) { value { recognitionAllowance } } }
"""
REPORT = """
query Report($start: Date!, $end: Date!) {
  benefitCostReport(start: $start, end: $end) { benefitCode uses }
}
"""


async def client_with(db: Database, tmp_path: Path, section: str) -> GraphQLClient:
    program = tmp_path / "recognising.toml"
    program.write_text(default_program_path().read_text() + section)
    return GraphQLClient(make_app(await make_runtime(db, program=program)))


@pytest.fixture
async def recognising(db: Database, tmp_path: Path) -> AsyncIterator[GraphQLClient]:
    """The demo program with an allowance; an upgrade spends its 40 USD cost: 6,667 points."""
    graphql = await client_with(db, tmp_path, RECOGNITION)
    yield graphql
    await graphql.aclose()


@pytest.fixture
async def priced(db: Database, tmp_path: Path) -> AsyncIterator[GraphQLClient]:
    """The same allowance, with an upgrade priced at 4,000 points by the program."""
    graphql = await client_with(db, tmp_path, PRICED)
    yield graphql
    await graphql.aclose()


async def platinum_with_bookings(client: GraphQLClient) -> str:
    """A guest whose 50-night stay (20,000 USD) made her Platinum, with three bookings.

    20,000 USD in the 24-month window is 10,000 a year; at a 30% margin, 3,000; kept with
    60% retention, discounted at 10%: 3,600 USD of lifetime value. 5% of it at 0.6 cents a
    point is 30,000 points, capped at 10,000."""
    set_clock(client.runtime, D(2025, 12, 1))
    number = await enroll(client, "Grace", "Hopper")
    set_clock(client.runtime, TODAY)
    stayed = await record(
        client, member_number=number, arrival=D(2026, 1, 5), nights=50, room="20000"
    )
    assert stayed["userErrors"] == []
    for n in (1, 2, 3):
        booked = await record(
            client, member_number=number, arrival=TODAY + dt.timedelta(days=n * 10), nights=1,
            status="BOOKED", confirmation=f"NEXT-{n}",
        )  # fmt: skip
        assert booked["userErrors"] == []
    return number


def upgrade(number: str, confirmation: str) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(), "memberNumber": number, "benefitCode": "ROOM_UPGRADE",
        "propertyCode": "NYCTS", "confirmationNumber": confirmation,
    }  # fmt: skip


async def allowance(client: GraphQLClient, number: str) -> int:
    found: int = (await client(ALLOWANCE, n=number))["guest"]["value"]["recognitionAllowance"]
    return found


async def test_an_upgrade_beyond_the_allowance_left_is_refused_and_not_recorded(
    recognising: GraphQLClient,
) -> None:
    number = await platinum_with_bookings(recognising)
    assert await allowance(recognising, number) == 10_000

    first = (await recognising(USAGE, input=upgrade(number, "NEXT-1")))["recordBenefitUsage"]
    second = (await recognising(USAGE, input=upgrade(number, "NEXT-2")))["recordBenefitUsage"]

    assert first == {"benefitCode": "ROOM_UPGRADE", "userErrors": []}
    assert [(e["code"], e["field"]) for e in second["userErrors"]] == [
        ("RECOGNITION_ALLOWANCE_EXCEEDED", "benefitCode")
    ]
    assert "3,333" in second["userErrors"][0]["message"]
    assert "6,667" in second["userErrors"][0]["message"]
    assert await allowance(recognising, number) == 3_333
    report = await recognising(REPORT, start="2026-03-01", end="2026-03-31")
    assert report["benefitCostReport"] == [{"benefitCode": "ROOM_UPGRADE", "uses": 1}]


async def test_goodwill_and_priced_upgrades_share_one_allowance(priced: GraphQLClient) -> None:
    number = await platinum_with_bookings(priced)
    goodwill = {
        "idempotencyKey": new_key(), "memberNumber": number, "points": 3_000,
        "reasonCode": "ROOM_NOT_READY", "author": "duty.manager@nycts",
    }  # fmt: skip

    given = (await priced(GOODWILL, input=goodwill))["postGoodwillPoints"]
    first = (await priced(USAGE, input=upgrade(number, "NEXT-1")))["recordBenefitUsage"]
    left = await allowance(priced, number)
    second = (await priced(USAGE, input=upgrade(number, "NEXT-2")))["recordBenefitUsage"]
    more_goodwill = (await priced(GOODWILL, input={**goodwill, "idempotencyKey": new_key()}))[
        "postGoodwillPoints"
    ]

    assert given["userErrors"] == [] and first["userErrors"] == []
    # 10,000 less 3,000 of goodwill and 4,000 for the upgrade.
    assert left == 3_000
    assert [e["code"] for e in second["userErrors"]] == ["RECOGNITION_ALLOWANCE_EXCEEDED"]
    assert more_goodwill["userErrors"] == []
    assert await allowance(priced, number) == 0


async def test_without_an_allowance_upgrades_are_bounded_by_the_tier_only(
    client: GraphQLClient,
) -> None:
    number = await platinum_with_bookings(client)
    used = [
        (await client(USAGE, input=upgrade(number, f"NEXT-{n}")))["recordBenefitUsage"]
        for n in (1, 2, 3)
    ]
    assert [u["userErrors"] for u in used] == [[], [], []]

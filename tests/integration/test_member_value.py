"""guest { value }: recency, frequency, monetary value, segment, lifetime value, and the
recognition allowance that bounds the goodwill a property may grant.

Given a guest with three stays worth 2,000 USD in the program's two-year window, when the
front desk looks at her value, then it reads her RFM figures, her segment and a lifetime value
from the documented formula; where the program sets a recognition allowance, goodwill beyond
it is refused with a typed error and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from staytier.domain.access import Role
from staytier.program.loader import default_program_path
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from tests.engagement_support import (
    GOODWILL,
    LOG,
    RESOLVE,
    STAYS,
    TODAY,
    VALUE,
    goodwill,
    log_input,
    resolve_input,
    three_stays,
)
from tests.support import GraphQLClient, make_app, make_runtime, record

D = dt.date
RECOGNITION = """
  [versions.insight.recognition]
  share_of_lifetime_value = "0.05"
  max_points = 5000
  months = 12
"""


@pytest.fixture
async def recognising(db: Database, tmp_path: Path) -> AsyncIterator[GraphQLClient]:
    """The demo program with a recognition allowance: 5% of lifetime value, at most 5,000."""
    program = tmp_path / "recognising.toml"
    program.write_text(default_program_path().read_text() + RECOGNITION)
    runtime = await make_runtime(db, program=program)
    graphql = GraphQLClient(make_app(runtime))
    yield graphql
    await graphql.aclose()


async def test_the_front_desk_sees_a_guests_value_by_the_documented_formula(
    runtime: Runtime, client: GraphQLClient
) -> None:
    number = await three_stays(runtime, client)
    # The desk sees her while it serves her next stay (a booking counts for nothing yet).
    booked = await record(
        client, member_number=number, arrival=TODAY + dt.timedelta(days=3), nights=1,
        status="BOOKED",
    )  # fmt: skip
    assert booked["userErrors"] == []
    desk = await client.acting_as(Role.FRONT_DESK, properties=["NYCTS"])
    try:
        shown = (await desk(VALUE, n=number))["guest"]["value"]
    finally:
        await desk.aclose()

    # Last checkout 3 February: 27 days ago, three stays: LOYAL. 2,000 USD in 24 months is
    # 1,000 a year; at a 30% margin, 300; kept with 60% retention, discounted at 10%:
    # 300 x 0.6 / 0.5 = 360.
    assert shown == {
        "recency": 27, "frequency": 3, "monetary": "2000.00", "segment": "LOYAL",
        "lifetimeValue": "360.00", "recognitionAllowance": None, "currency": "USD",
    }  # fmt: skip


async def test_a_guests_value_is_for_the_brands_staff_only(
    runtime: Runtime, client: GraphQLClient
) -> None:
    number = await three_stays(runtime, client)
    guest_app = await client.acting_as(Role.GUEST, member_id=1)
    try:
        refused = await guest_app.raw(
            "query($n: String!) { guest(memberNumber: $n) { value { segment } } }", n=number
        )
    finally:
        await guest_app.aclose()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_goodwill_beyond_the_recognition_allowance_is_refused(
    recognising: GraphQLClient,
) -> None:
    number = await three_stays(recognising.runtime, recognising)
    # 5% of 360.00 USD at the demo's 0.6 cents a point: 3,000 points.
    before = (await recognising(VALUE, n=number))["guest"]
    assert before["value"]["recognitionAllowance"] == 3_000

    granted = await recognising(GOODWILL, input=goodwill(number, 2_000, "gw-1"))
    too_much = await recognising(GOODWILL, input=goodwill(number, 1_500, "gw-2"))
    after = (await recognising(VALUE, n=number))["guest"]

    assert granted["postGoodwillPoints"]["userErrors"] == []
    assert [(e["code"], e["field"]) for e in too_much["postGoodwillPoints"]["userErrors"]] == [
        ("RECOGNITION_ALLOWANCE_EXCEEDED", "points")
    ]
    assert "1,000" in too_much["postGoodwillPoints"]["userErrors"][0]["message"]
    assert after["value"]["recognitionAllowance"] == 1_000
    assert after["points"]["balance"] == before["points"]["balance"] + 2_000


async def test_a_complaint_resolved_with_goodwill_stays_within_the_recognition_allowance(
    recognising: GraphQLClient,
) -> None:
    number = await three_stays(recognising.runtime, recognising)
    stays = await recognising(STAYS, n=number)
    confirmation = stays["guest"]["stays"]["edges"][0]["node"]["confirmationNumber"]
    complaint = (await recognising(LOG, input=log_input(confirmation)))["logComplaint"]
    assert complaint["userErrors"] == []
    complaint_number = complaint["complaint"]["number"]
    # The allowance (3,000 points) is shared with goodwill posted outside complaints.
    await recognising(GOODWILL, input=goodwill(number, 2_000, "gw-before"))

    too_much = (
        await recognising(RESOLVE, input=resolve_input(complaint_number, goodwillPoints=1_500))
    )["resolveComplaint"]
    within = (
        await recognising(RESOLVE, input=resolve_input(complaint_number, goodwillPoints=1_000))
    )["resolveComplaint"]

    assert [(e["code"], e["field"]) for e in too_much["userErrors"]] == [
        ("RECOGNITION_ALLOWANCE_EXCEEDED", "goodwillPoints")
    ]
    assert too_much["complaint"] is None
    assert within["userErrors"] == []
    assert within["complaint"]["open"] is False and within["complaint"]["goodwillPoints"] == 1_000
    after = (await recognising(VALUE, n=number))["guest"]
    assert after["value"]["recognitionAllowance"] == 0

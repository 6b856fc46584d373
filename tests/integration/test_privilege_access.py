"""Who may spend, give and report: a guest spends their own points only, staff give
goodwill, only administrators adjust, a front desk acts at its own hotels, the brand's
reports are for administrators and analysts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from staytier.services.runtime import Runtime
from tests.privilege_support import ADJUST, GOODWILL, REDEEM, give_points, redeem_input
from tests.support import GraphQLClient, enroll, member_id, new_key, record

REPORT = """
query Report($start: Date!, $end: Date!) {
  donationReport(start: $start, end: $end) { charity }
}
"""
WELCOME = """
mutation Welcome($input: ChooseWelcomeGiftInput!) {
  chooseWelcomeGift(input: $input) { option userErrors { code } }
}
"""


def forbidden(body: dict[str, Any]) -> bool:
    return [e["extensions"]["code"] for e in body.get("errors", [])] == ["FORBIDDEN"]


async def test_a_guest_redeems_their_own_points_and_never_anothers(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada, eve = await enroll(client), await enroll(client, "Eve")
    for number in (ada, eve):
        await give_points(client, number, 60_000)
    as_ada = await client.acting_as("guest", member_id=await member_id(runtime, ada))

    own = await as_ada(REDEEM, input=redeem_input(ada, dt.date(2026, 4, 1), 1))
    other = await as_ada(REDEEM, input=redeem_input(eve, dt.date(2026, 4, 1), 1))

    assert own["redeemAwardStay"]["userErrors"] == []
    assert [e["code"] for e in other["redeemAwardStay"]["userErrors"]] == ["MEMBER_NOT_FOUND"]
    await as_ada.aclose()


async def test_a_guest_can_neither_give_goodwill_nor_adjust_nor_read_reports(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada = await enroll(client)
    as_ada = await client.acting_as("guest", member_id=await member_id(runtime, ada))
    goodwill = {"idempotencyKey": new_key(), "memberNumber": ada, "points": 100,
                "reasonCode": "ROOM_NOT_READY", "author": "me"}  # fmt: skip
    adjustment = {"idempotencyKey": new_key(), "memberNumber": ada, "points": 100,
                  "reason": "please", "author": "me"}  # fmt: skip

    assert forbidden(await as_ada.raw(GOODWILL, input=goodwill))
    assert forbidden(await as_ada.raw(ADJUST, input=adjustment))
    assert forbidden(await as_ada.raw(REPORT, start="2026-01-01", end="2026-12-31"))
    await as_ada.aclose()
    analyst = await client.acting_as("analyst")
    assert (await analyst(REPORT, start="2026-01-01", end="2026-12-31"))["donationReport"] == []
    await analyst.aclose()


async def test_a_front_desk_records_a_welcome_gift_at_its_own_hotel_only(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(
        client, member_number=number, arrival=dt.date(2026, 3, 10), nights=1, status="BOOKED",
        confirmation="PA-1", property_code="PAROP",
    )  # fmt: skip
    desk = await client.acting_as("front_desk", properties=["NYCTS"])
    fields = {"idempotencyKey": new_key(), "memberNumber": number, "propertyCode": "PAROP",
              "confirmationNumber": "PA-1", "option": "POINTS"}  # fmt: skip

    assert forbidden(await desk.raw(WELCOME, input=fields))
    await desk.aclose()


async def test_a_front_desk_gives_goodwill_within_the_reasons_limit_and_never_adjusts(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    # A stay that ended two days ago: the desk still serves her.
    await record(client, member_number=number, arrival=dt.date(2026, 2, 27), nights=1)
    desk = await client.acting_as("front_desk", properties=["NYCTS"])

    def goodwill(points: int) -> dict[str, Any]:
        return {"idempotencyKey": new_key(), "memberNumber": number, "points": points,
                "reasonCode": "ROOM_NOT_READY", "author": "Sam"}  # fmt: skip

    within = (await desk(GOODWILL, input=goodwill(5000)))["postGoodwillPoints"]
    beyond = (await desk(GOODWILL, input=goodwill(5001)))["postGoodwillPoints"]
    debit = {"idempotencyKey": new_key(), "memberNumber": number, "points": -100,
             "reason": "taking back", "author": "Sam"}  # fmt: skip

    assert within["userErrors"] == [] and within["entry"]["kind"] == "BONUS"
    assert [e["code"] for e in beyond["userErrors"]] == ["GOODWILL_LIMIT_EXCEEDED"]
    assert forbidden(await desk.raw(ADJUST, input=debit))
    await desk.aclose()

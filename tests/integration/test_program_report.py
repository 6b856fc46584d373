"""programReport: what an analyst sees of the program's standing, points and costs.

Given stays and points recorded through the API, when the brand asks for the report of a
period, then the figures match what happened, reconcile with the ledger, and a bad request is
refused with typed userErrors and no figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from staytier.store.models import Member
from tests.support import REPORT, GraphQLClient, enroll, record, set_clock

D = dt.date
TODAY = D(2026, 3, 2)  # the test clock's date


ADJUST = """
mutation Adjust($input: PostPointsAdjustmentInput!) {
  postPointsAdjustment(input: $input) { userErrors { code field message } }
}
"""


async def report(client: GraphQLClient, start: dt.date, end: dt.date, **extra: Any) -> Any:
    data = await client(REPORT, **{"from": start.isoformat(), "to": end.isoformat()}, **extra)
    return data["programReport"]


def tier(report_data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(line for line in report_data["membersByTier"] if line["tierCode"] == code)


async def member_since(
    runtime: Runtime, client: GraphQLClient, day: dt.date, first: str, last: str
) -> str:
    """A member enrolled on ``day``; the clock goes back to TODAY."""
    set_clock(runtime, day)
    number = await enroll(client, first, last)
    set_clock(runtime, TODAY)
    return number


async def sum_of_balances(runtime: Runtime) -> int:
    async with runtime.db.reading() as session:
        return int(await session.scalar(select(func.sum(Member.points_balance))) or 0)


async def test_a_guest_who_earns_gold_in_the_period_shows_as_upgraded_with_her_points(
    runtime: Runtime, client: GraphQLClient
) -> None:
    gold = await member_since(runtime, client, D(2025, 6, 1), "Grace", "Hopper")
    await member_since(runtime, client, D(2026, 2, 10), "Alan", "Turing")  # never stayed
    # 26 nights at 100 USD in February: 26,000 base points, Gold by nights.
    await record(client, member_number=gold, arrival=D(2026, 2, 1), nights=26, room="2600.00")

    shown = await report(client, D(2026, 2, 1), D(2026, 2, 28))

    assert shown["userErrors"] == []
    assert shown["members"] == 2
    assert tier(shown, "GOLD")["members"] == 1
    assert tier(shown, "GOLD")["qualifyingNights"] == 26
    assert tier(shown, "GOLD")["memberRevenue"] == "2600.00"
    assert tier(shown, "MEMBER")["members"] == 1
    assert shown["movements"] == {"newMembers": 1, "upgraded": 1, "softLanded": 0, "lapsed": 0}
    assert tier(shown, "MEMBER")["newMembers"] == 1
    assert shown["activeRate"] == "0.5000"
    # 26,000 base points; the stay's checkout made her Gold, after the stay's own bonus.
    assert shown["pointsIssued"] == shown["pointsOutstanding"] == 26_000
    assert shown["pointsOutstanding"] == await sum_of_balances(runtime)
    # Nothing has had time to expire: the program's default breakage (demo 15%) applies.
    assert (shown["breakageMethod"], shown["breakageRate"]) == ("PROGRAM_DEFAULT", "0.1500")
    # 26,000 points at 0.6 cents, less the 15% expected never to be redeemed.
    assert shown["valuePerPoint"] == "0.006"
    assert shown["liability"] == "132.60"
    assert [c["month"] for c in shown["cohorts"]] == ["2026-02"]
    assert shown["months"][-1]["outstanding"] == 26_000


async def test_the_report_is_for_analysts_and_admins_only(
    runtime: Runtime, client: GraphQLClient
) -> None:
    analyst = await client.acting_as(Role.ANALYST)
    desk = await client.acting_as(Role.FRONT_DESK, properties=["NYCTS"])
    try:
        allowed = await analyst.raw(REPORT, **{"from": "2026-01-01", "to": "2026-02-28"})
        refused = await desk.raw(REPORT, **{"from": "2026-01-01", "to": "2026-02-28"})
    finally:
        await analyst.aclose()
        await desk.aclose()
    assert "errors" not in allowed
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_reversed_future_or_unknown_request_is_refused_with_every_mistake(
    client: GraphQLClient,
) -> None:
    shown = await report(client, D(2026, 3, 10), D(2026, 3, 5), propertyCode="NOPE1")

    assert shown["members"] is None and shown["liability"] is None
    assert shown["membersByTier"] == []
    assert {(e["code"], e["field"]) for e in shown["userErrors"]} == {
        ("INVALID_DATES", "to"),  # ends before it starts, and after today
        ("INVALID_DATES", "from"),
        ("PROPERTY_NOT_FOUND", "propertyCode"),
    }


async def test_a_property_report_covers_the_guests_who_stayed_there(
    runtime: Runtime, client: GraphQLClient
) -> None:
    paris = await member_since(runtime, client, D(2026, 1, 2), "Marie", "Curie")
    london = await member_since(runtime, client, D(2026, 1, 2), "Ada", "Lovelace")
    await record(
        client, member_number=paris, arrival=D(2026, 2, 3), nights=2, property_code="PAROP",
        room="200.00",
    )  # fmt: skip
    await record(
        client, member_number=london, arrival=D(2026, 2, 3), nights=3, property_code="LONKX"
    )

    shown = await report(client, D(2026, 2, 1), D(2026, 2, 28), propertyCode="parop")

    assert shown["propertyCode"] == "PAROP"
    assert shown["members"] == 1
    assert tier(shown, "MEMBER")["qualifyingNights"] == 2
    # 200 EUR at the demo's 2026 rate of 1.10 USD, reported in the program's USD.
    assert shown["memberRevenue"] == "220.00"


async def test_points_move_outstanding_exactly_between_two_dates(
    runtime: Runtime, client: GraphQLClient
) -> None:
    number = await member_since(runtime, client, D(2026, 1, 2), "Edsger", "Dijkstra")
    await record(client, member_number=number, arrival=D(2026, 1, 10), nights=3, room="300")
    await record(client, member_number=number, arrival=D(2026, 2, 10), nights=2, room="200")
    adjusted = await client(
        ADJUST,
        input={
            "idempotencyKey": "adjust-1", "memberNumber": number, "points": -700,
            "reason": "Duplicate credit", "author": "test",
        },
    )  # fmt: skip
    assert adjusted["postPointsAdjustment"]["userErrors"] == []

    january = await report(client, D(2026, 1, 1), D(2026, 1, 31))
    since = await report(client, D(2026, 2, 1), TODAY)

    assert since["pointsOpening"] == january["pointsOutstanding"] == 3_000
    moved = (
        since["pointsIssued"] - since["pointsRedeemed"] - since["pointsExpired"]
        - since["pointsReversed"] + since["pointsAdjusted"]
    )  # fmt: skip
    assert (since["pointsIssued"], since["pointsAdjusted"]) == (2_000, -700)
    assert since["pointsOutstanding"] == since["pointsOpening"] + moved
    assert since["pointsOutstanding"] == await sum_of_balances(runtime)


async def test_a_past_month_end_reads_the_same_after_later_activity(
    runtime: Runtime, client: GraphQLClient
) -> None:
    number = await member_since(runtime, client, D(2026, 1, 2), "Barbara", "Liskov")
    await record(client, member_number=number, arrival=D(2026, 1, 10), nights=3)
    before = await report(client, D(2026, 1, 1), D(2026, 1, 31))

    await record(client, member_number=number, arrival=D(2026, 2, 20), nights=9)
    set_clock(runtime, D(2026, 3, 2))
    after = await report(client, D(2026, 1, 1), D(2026, 1, 31))

    assert after == before

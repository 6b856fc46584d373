"""setTestClock drives the date-bound jobs, as a test deployment's client sees them."""

from __future__ import annotations

import datetime as dt

from tests.support import GraphQLClient, enroll, guest, move, record


async def test_a_gold_member_who_stops_staying_lands_softly_then_loses_the_points(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 1, 5), nights=25, room="2000")
    assert (await guest(client, number))["tier"]["code"] == "GOLD"

    runs = await move(client, "2027-01-01T00:30:00+00:00")
    assert [(r["job"], r["runKey"]) for r in runs] == [("requalification", "2026")]
    assert (await guest(client, number))["tier"] == {
        "code": "GOLD",
        "validThrough": "2028-02-28",
        "lifetime": False,
    }

    runs = await move(client, "2028-03-01T09:00:00+00:00")
    assert ("requalification", "2027") in [(r["job"], r["runKey"]) for r in runs]
    assert "expire-points" in [r["job"] for r in runs]
    found = await guest(client, number)
    assert found["tier"]["code"] == "SILVER"  # one tier down after Gold's grace ran out
    assert found["tier"]["validThrough"] == "2029-02-28"
    assert found["points"]["balance"] == 0  # 24 months without activity since 30 Jan 2026
    assert found["ledger"]["edges"][0]["node"]["kind"] == "EXPIRE"

    again = await move(client, "2028-03-01T10:00:00+00:00")
    assert again == []  # nothing is due twice
    assert len((await guest(client, number))["ledger"]["edges"]) == len(found["ledger"]["edges"])


async def test_the_hour_before_the_year_ends_runs_nothing(client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 1, 5), nights=12)
    assert await move(client, "2026-12-31T23:00:00+00:00") == []
    runs = await move(client, "2027-01-01T00:00:00+00:00")
    assert [(r["job"], r["dueOn"]) for r in runs] == [("requalification", "2027-01-01")]


async def test_a_silver_member_who_stops_staying_drops_to_member_with_the_reason_recorded(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 1, 5), nights=12)
    await move(client, "2028-03-01T12:00:00+00:00")
    found = await guest(client, number)
    assert found["tier"] == {"code": "MEMBER", "validThrough": None, "lifetime": False}
    history = await client(
        "query($n: String!) { guest(memberNumber: $n) { tierHistory { tierCode cause "
        "qualificationYear validFrom } } }",
        n=number,
    )
    assert history["guest"]["tierHistory"] == [
        {
            "tierCode": "SILVER",
            "cause": "QUALIFIED",
            "qualificationYear": 2026,
            "validFrom": "2026-01-17",
        },
        {
            "tierCode": "MEMBER",
            "cause": "SOFT_LANDING",
            "qualificationYear": 2027,
            "validFrom": "2028-01-01",
        },
    ]

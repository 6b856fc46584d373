"""The demo tells the same story whenever it is loaded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from staytier.clock import TestClock
from staytier.program.loader import FIXTURES
from staytier.services.demo import load_demo
from staytier.services.runtime import Runtime
from staytier.store.models import Member, Stay
from tests.support import GraphQLClient, guest


@pytest.mark.parametrize(
    "today",
    [dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC), dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)],
)
async def test_the_demo_members_hold_the_tiers_the_tour_promises(
    runtime: Runtime, client: GraphQLClient, today: dt.datetime
) -> None:
    assert isinstance(runtime.clock, TestClock)
    runtime.clock.set(today)
    loaded = await load_demo(runtime, FIXTURES / "demo")
    assert (loaded.members, loaded.stays) == (4, 18)
    tiers = {
        number: (await guest(client, number))["tier"]["code"]
        for number in ("1000000016", "1000000024", "1000000032", "1000000040")
    }
    assert tiers == {
        "1000000016": "PLATINUM",
        "1000000024": "GOLD",
        "1000000032": "SILVER",
        "1000000040": "MEMBER",
    }
    katherine = (await guest(client, "1000000032"))["tierProgress"]
    assert (katherine["qualifyingNights"], katherine["nightsToNextTier"]) == (22, 3)
    again = await load_demo(runtime, FIXTURES / "demo")
    assert (again.members, again.stays) == (0, 0)


async def test_tonights_demo_arrivals_show_rich_profiles(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await load_demo(runtime, FIXTURES / "demo")
    tonight = runtime.today().isoformat()  # 2 March 2026: the New York date too

    data = await client(
        """query($d: Date!) { arrivals(propertyCode: "NYCTS", date: $d) { edges { node {
          memberNumber tier { code } preferences { category value }
          specialDates { kind fallsOn } staffNotes { author } firstStayAtProperty } } } }""",
        d=tonight,
    )

    arrivals = {e["node"]["memberNumber"]: e["node"] for e in data["arrivals"]["edges"]}
    assert set(arrivals) == {"1000000032", "1000000040"}
    katherine, alan = arrivals["1000000032"], arrivals["1000000040"]
    assert katherine["tier"]["code"] == "SILVER"
    assert {p["category"] for p in katherine["preferences"]} >= {"FLOOR", "NEWSPAPER"}
    assert [d["kind"] for d in katherine["specialDates"]] == ["BIRTHDAY"]
    assert katherine["staffNotes"] and katherine["firstStayAtProperty"] is False
    assert alan["preferences"] == [] and alan["firstStayAtProperty"] is True
    grace = await client(
        """{ guest(memberNumber: "1000000016") { preferences { category value sensitive }
          specialDates { kind } consents { purpose granted } } }"""
    )
    values = {p["category"]: p["value"] for p in grace["guest"]["preferences"]}
    assert values["PILLOW"] == "FEATHER_FREE" and values["ALLERGIES"] == "peanuts"
    assert values["FAVOURITE_DRINK"] == "Earl Grey, hot"
    assert [d["kind"] for d in grace["guest"]["specialDates"]] == ["ANNIVERSARY", "BIRTHDAY"]


async def test_demo_members_enrolled_before_their_stays_count_in_a_report_of_past_days(
    runtime: Runtime, client: GraphQLClient
) -> None:
    # Loaded on 2 December, the demo's stays go back to February: a report (or a what-if)
    # of January to November counts the members who made them, as enrolled by then.
    assert isinstance(runtime.clock, TestClock)
    runtime.clock.set(dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC))
    await load_demo(runtime, FIXTURES / "demo")
    async with runtime.db.reading() as session:
        first_arrivals = dict(
            (
                await session.execute(
                    select(Member.member_number, func.min(Stay.arrival_date))
                    .join(Stay, Stay.member_id == Member.id)
                    .group_by(Member.member_number)
                )
            ).all()
        )
        enrolled = dict(
            (await session.execute(select(Member.member_number, Member.enrolled_on))).all()
        )
    assert first_arrivals and all(
        enrolled[number] <= arrival for number, arrival in first_arrivals.items()
    ), (enrolled, first_arrivals)
    report = await client(
        "query($from: Date!, $to: Date!) { programReport(from: $from, to: $to) {"
        " membersByTier { tierCode members } } }",
        **{"from": "2026-01-01", "to": "2026-12-01"},
    )
    counted = sum(t["members"] for t in report["programReport"]["membersByTier"])
    assert counted == 3  # the three with stays before 1 December; the fourth has only bookings
